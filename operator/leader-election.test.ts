// The elector's timing, driven by a simulated clock: one monotonic time for every replica (so
// their clocks run at the same rate), a wall clock per replica (skewed at will), timers that fire
// only when the simulation advances, and an in-memory API server holding the Lease with
// resourceVersions. A replica can be partitioned (its requests refused, or left unanswered) or
// frozen (as by SIGSTOP: its timers and answers wait, its clock runs on; on resume the answers
// come first, as pending I/O may).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runs } from '../test/property-runs.js';
import { leaseFence } from './fence.js';
import { decideLease, electionTimings, ElectionTimingsError, LeaderElector, LeaseLostError, microTime, type ElectionTimings, type LeaseRecord, type LeaseStore, type StoredLease } from './leader-election.js';
import { FencedError, KubeApiError } from './rest.js';

const WALL0 = Date.UTC(2025, 0, 1);

interface SimTimer {
  at: number;
  seq: number;
  fn: () => void;
  owner: Replica | undefined;
}

class Sim {
  now = 0;
  private seq = 0;
  private readonly timers = new Map<number, SimTimer>();
  readonly server = new FakeApiServer();
  readonly replicas: Replica[] = [];
  /** Called after every step of the simulation (a timer, a delivered answer). */
  afterStep: (() => void) | undefined;

  schedule(owner: Replica | undefined, fn: () => void, ms: number): number {
    const id = ++this.seq;
    this.timers.set(id, { at: this.now + Math.max(0, ms), seq: id, fn, owner });
    return id;
  }

  cancel(id: unknown): void {
    this.timers.delete(id as number);
  }

  /** Runs what is due up to now + ms, in time order; a frozen replica's timers wait. */
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    for (;;) {
      let next: [number, SimTimer] | undefined;
      for (const e of this.timers) if (!e[1].owner?.frozen && (!next || e[1].at < next[1].at || (e[1].at === next[1].at && e[1].seq < next[1].seq))) next = e;
      if (!next || next[1].at > end) break;
      this.timers.delete(next[0]);
      this.now = Math.max(this.now, next[1].at);
      next[1].fn();
      await settle();
      this.afterStep?.();
    }
    this.now = end;
    await settle();
    this.afterStep?.();
  }

  /** Advances in steps until `cond` holds; returns the time it first held (or fails after `limitMs`). */
  async until(cond: () => boolean, limitMs = 120_000, stepMs = 1): Promise<number> {
    const end = this.now + limitMs;
    while (!cond()) {
      if (this.now >= end) throw new Error(`condition not met by t=${this.now}`);
      await this.advance(stepMs);
    }
    return this.now;
  }

  replica(identity: string, opts: { skewMs?: number; timings?: ElectionTimings } = {}): Replica {
    const r = new Replica(this, identity, opts.skewMs ?? 0, opts.timings ?? electionTimings(4));
    this.replicas.push(r);
    return r;
  }
}

/** Lets every pending promise chain run (no timer involved: the simulation owns time). */
const settle = () => new Promise<void>((r) => setImmediate(r));

class FakeApiServer {
  lease: { record: LeaseRecord; rv: number } | undefined;
  private rv = 0;
  writes: Array<{ identity: string; at: number; record: LeaseRecord }> = [];

  get(): StoredLease | undefined {
    return this.lease && { record: { ...this.lease.record }, resourceVersion: String(this.lease.rv) };
  }

  create(identity: string, at: number, record: LeaseRecord): StoredLease {
    if (this.lease) throw new KubeApiError(409, { reason: 'AlreadyExists' }, 'POST', 'leases');
    return this.put(identity, at, record);
  }

  update(identity: string, at: number, record: LeaseRecord, rv: string): StoredLease {
    if (!this.lease) throw new KubeApiError(404, { reason: 'NotFound' }, 'PUT', 'leases');
    if (String(this.lease.rv) !== rv) throw new KubeApiError(409, { reason: 'Conflict' }, 'PUT', 'leases');
    return this.put(identity, at, record);
  }

  private put(identity: string, at: number, record: LeaseRecord): StoredLease {
    this.lease = { record: { ...record }, rv: ++this.rv };
    this.writes.push({ identity, at, record: { ...record } });
    return this.get()!;
  }
}

type Network = 'ok' | 'refused' | 'unanswered';

class Replica {
  frozen = false;
  network: Network = 'ok';
  /** One-way delay of each request and of each answer. */
  latencyMs = 0;
  readonly log: string[] = [];
  readonly started: number[] = [];
  lost: LeaseLostError | undefined;
  stoppedGracefully = false;
  readonly elector: LeaderElector;
  /** Answers that arrived while frozen, delivered first on resume. */
  private held: Array<() => void> = [];

  constructor(
    readonly sim: Sim,
    readonly identity: string,
    readonly skewMs: number,
    readonly timings: ElectionTimings,
  ) {
    const clock = { now: () => sim.now, wallNow: () => WALL0 + sim.now + skewMs };
    this.elector = new LeaderElector({
      identity,
      store: this.store(),
      timings,
      clock,
      timers: { set: (fn, ms) => sim.schedule(this, fn, ms), clear: (h) => sim.cancel(h) },
      onStartedLeading: () => this.started.push(sim.now),
      onStoppedLeading: (lost) => {
        if (lost) this.lost = lost;
        else this.stoppedGracefully = true;
      },
      log: (l) => this.log.push(`${sim.now} ${l}`),
    });
  }

  get leading(): boolean {
    return this.elector.isLeader;
  }

  /** Whether a write would pass this replica's fence now. */
  get mayWrite(): boolean {
    return this.sim.now < this.elector.writeDeadline;
  }

  freeze(): void {
    this.frozen = true;
  }

  async resume(): Promise<void> {
    this.frozen = false;
    for (const answer of this.held.splice(0)) answer();
    await settle(); // the answers are handled; no timer has fired yet
    this.sim.afterStep?.();
  }

  /** A request: it reaches the server after the latency (unless the network fails it), its answer comes back after the latency. */
  private call<T>(op: (at: number) => T): Promise<T> {
    const network = this.network;
    if (network === 'refused') return Promise.reject(new Error('connect ECONNREFUSED'));
    return new Promise<T>((resolve, reject) => {
      this.sim.schedule(undefined, () => {
        let result: { ok: T } | { err: unknown };
        try {
          result = { ok: op(this.sim.now) };
        } catch (err) {
          result = { err };
        }
        if (network === 'unanswered') return;
        this.sim.schedule(undefined, () => {
          const deliver = () => ('ok' in result ? resolve(result.ok) : reject(result.err));
          if (this.frozen) this.held.push(deliver);
          else deliver();
        }, this.latencyMs);
      }, this.latencyMs);
    });
  }

  private store(): LeaseStore {
    return {
      description: 'longyun-system/longyun-operator',
      get: () => this.call(() => this.sim.server.get()),
      create: (record) => this.call((at) => this.sim.server.create(this.identity, at, record)),
      update: (record, base) => this.call((at) => this.sim.server.update(this.identity, at, record, base.resourceVersion)),
    };
  }
}

describe('electionTimings', () => {
  it('scales client-go\'s 15 s / 10 s / 2 s from the lease duration unless given', () => {
    expect(electionTimings(15)).toEqual({ leaseDurationSeconds: 15, renewDeadlineMs: 10_000, retryPeriodMs: 2000 });
    expect(electionTimings(4)).toEqual({ leaseDurationSeconds: 4, renewDeadlineMs: 2667, retryPeriodMs: 533 });
    expect(electionTimings(4, 3500, 250)).toEqual({ leaseDurationSeconds: 4, renewDeadlineMs: 3500, retryPeriodMs: 250 });
  });

  it('refuses a renew deadline not shorter than the lease, a retry period not shorter than the renew deadline, a lease not in whole seconds', () => {
    expect(() => electionTimings(4, 4000)).toThrow(/renew deadline \(4 s\) must be shorter than the lease duration \(4 s\)/);
    expect(() => electionTimings(15, 10_000, 10_000)).toThrow(/retry period \(10 s\) must be shorter than the renew deadline \(10 s\)/);
    expect(() => electionTimings(2.5)).toThrow(ElectionTimingsError);
    expect(() => electionTimings(0)).toThrow(ElectionTimingsError);
    expect(() => electionTimings(15, -1)).toThrow(ElectionTimingsError);
  });
});

describe('decideLease', () => {
  const now = 1_000_000;
  it('acquires a missing or released lease', () => {
    expect(decideLease(undefined, 'a', now, now, 15)).toEqual({ action: 'acquire', transitions: 0 });
    expect(decideLease({ leaseTransitions: 3 }, 'a', now, now, 15)).toEqual({ action: 'acquire', transitions: 4 });
    expect(decideLease({ holderIdentity: '', leaseTransitions: 3 }, 'a', now, now, 15)).toEqual({ action: 'acquire', transitions: 4 });
  });

  it('renews its own lease', () => {
    expect(decideLease({ holderIdentity: 'a', leaseDurationSeconds: 15 }, 'a', now - 60_000, now, 15)).toEqual({ action: 'renew' });
  });

  it('waits a whole lease duration from its own observation, whatever renewTime says', () => {
    // renewTime an hour old by this candidate's wall clock: it still waits, since it saw the record only now.
    const stale: LeaseRecord = { holderIdentity: 'b', leaseDurationSeconds: 15, renewTime: microTime(WALL0 - 3_600_000), leaseTransitions: 1 };
    expect(decideLease(stale, 'a', now - 14_999, now, 15)).toEqual({ action: 'wait', holder: 'b', expiresAt: now + 1 });
    expect(decideLease(stale, 'a', now - 15_000, now, 15)).toEqual({ action: 'acquire', transitions: 2 });
  });

  it('uses the lease\'s own duration over the candidate\'s', () => {
    expect(decideLease({ holderIdentity: 'b', leaseDurationSeconds: 30 }, 'a', now - 20_000, now, 15).action).toBe('wait');
  });
});

describe('LeaderElector', () => {
  it('a follower whose wall clock is an hour ahead still waits a whole lease from when it last saw the record change', async () => {
    const sim = new Sim();
    const a = sim.replica('a');
    a.elector.start();
    await sim.until(() => a.leading);
    const b = sim.replica('b', { skewMs: 3_600_000 });
    b.elector.start();
    await sim.until(() => b.elector.leader === 'a');
    // a renews: b sees the record change every retry period and keeps waiting.
    await sim.advance(20_000);
    expect(b.leading).toBe(false);
    expect(b.started).toEqual([]);
    // a is cut off: the last record b sees is its last renewal.
    a.network = 'refused';
    const lastRenewal = sim.server.writes.at(-1)!.at;
    const bLeads = await sim.until(() => b.leading);
    // b first read the record after that renewal (within its retry period), and waited a whole lease from then.
    expect(bLeads).toBeGreaterThanOrEqual(lastRenewal + 4000);
    expect(bLeads).toBeLessThanOrEqual(lastRenewal + 4000 + 2 * b.timings.retryPeriodMs);
  });

  it('a follower whose wall clock is behind does not wait longer than a lease either', async () => {
    const sim = new Sim();
    const a = sim.replica('a');
    a.elector.start();
    await sim.until(() => a.leading);
    const b = sim.replica('b', { skewMs: -3_600_000 });
    b.elector.start();
    await sim.until(() => b.elector.leader === 'a');
    a.network = 'refused';
    const lastRenewal = sim.server.writes.at(-1)!.at;
    const bLeads = await sim.until(() => b.leading);
    expect(bLeads).toBeLessThanOrEqual(lastRenewal + 4000 + 2 * b.timings.retryPeriodMs);
  });

  it('a leader whose renewals fail stops leading when the renew deadline passes, not the lease duration; for good', async () => {
    const sim = new Sim();
    const a = sim.replica('a');
    a.elector.start();
    await sim.until(() => a.leading);
    await sim.advance(3000);
    a.network = 'refused';
    const lastSuccess = sim.server.writes.at(-1)!.at; // latency 0: sent when the server wrote it
    expect(a.elector.writeDeadline).toBe(lastSuccess + 2667);
    await sim.advance(lastSuccess + 2666 - sim.now);
    expect(a.leading).toBe(true);
    expect(a.mayWrite).toBe(true);
    await sim.advance(1);
    expect(a.leading).toBe(false);
    expect(a.mayWrite).toBe(false);
    expect(a.lost).toBeInstanceOf(LeaseLostError);
    expect(a.lost!.message).toBe('lost the lease longyun-system/longyun-operator: no renewal within the renew deadline (2.667 s)');
    expect(a.log.at(-1)).toMatch(/stopped leading \(a\): lost the lease/);
    // It does not compete again, and leaves the lease to expire (no release).
    a.network = 'ok';
    const writes = sim.server.writes.length;
    await sim.advance(30_000);
    expect(a.started).toHaveLength(1);
    expect(sim.server.writes).toHaveLength(writes);
    expect(sim.server.lease!.record.holderIdentity).toBe('a');
  });

  it('a leader whose renewal hangs stops at the renew deadline too', async () => {
    const sim = new Sim();
    const a = sim.replica('a');
    a.elector.start();
    await sim.until(() => a.leading);
    a.network = 'unanswered';
    const deadline = a.elector.writeDeadline;
    const stopped = await sim.until(() => !a.leading);
    expect(stopped).toBe(Math.ceil(deadline));
    expect(a.lost).toBeInstanceOf(LeaseLostError);
  });

  it('the write deadline counts from when a renewal was sent, not from when its answer came', async () => {
    const sim = new Sim();
    const a = sim.replica('a');
    a.latencyMs = 300;
    a.elector.start();
    await sim.until(() => a.leading);
    const sent = sim.server.writes.at(-1)!.at - 300;
    expect(sim.now).toBe(sent + 600);
    expect(a.elector.writeDeadline).toBe(sent + 2667);
  });

  it('frozen past its renew deadline, a leader resumes unable to write, even when a renewal\'s answer is handled before any timer', async () => {
    const sim = new Sim();
    const a = sim.replica('a');
    a.latencyMs = 50;
    a.elector.start();
    await sim.until(() => a.leading);
    // Frozen while a renewal is on its way: the server writes it, its answer arrives while frozen.
    await sim.until(() => sim.server.writes.length === 2);
    const renewalSent = sim.server.writes[1]!.at - 50;
    a.freeze();
    await sim.advance(10_000);
    expect(sim.now).toBeGreaterThan(a.elector.writeDeadline);
    await a.resume(); // the renewal's answer first: it does not extend the deadline past its send time + 2.667 s
    expect(a.elector.writeDeadline).toBeLessThanOrEqual(renewalSent + 2667);
    expect(a.mayWrite).toBe(false);
    expect(a.leading).toBe(false);
    await sim.advance(0); // then the overdue timers
    expect(a.lost).toBeInstanceOf(LeaseLostError);
  });

  it('a leader that finds another holder on renewing stops at once', async () => {
    const sim = new Sim();
    const a = sim.replica('a');
    a.elector.start();
    await sim.until(() => a.leading);
    // Someone takes the lease by force (kubectl edit, say).
    const { record, resourceVersion } = sim.server.get()!;
    sim.server.update('intruder', sim.now, { ...record, holderIdentity: 'intruder' }, resourceVersion);
    const at = sim.now;
    await sim.until(() => !a.leading);
    expect(sim.now - at).toBeLessThanOrEqual(a.timings.retryPeriodMs);
    expect(a.lost!.message).toMatch(/the lease is held by intruder/);
    expect(a.elector.leader).toBe('intruder');
  });

  it('a graceful stop stops the writes, then releases the lease: the follower leads at its next try, not after a lease', async () => {
    const sim = new Sim();
    const a = sim.replica('a');
    a.elector.start();
    await sim.until(() => a.leading);
    const b = sim.replica('b');
    b.elector.start();
    await sim.until(() => b.elector.leader === 'a');
    await sim.advance(1000);
    const stopping = a.elector.stop();
    expect(a.mayWrite).toBe(false); // before the release is even sent
    await sim.advance(0);
    await stopping;
    expect(sim.server.lease!.record).toMatchObject({ leaseDurationSeconds: 1 });
    expect(sim.server.lease!.record.holderIdentity).toBeUndefined();
    expect(a.stoppedGracefully).toBe(true);
    const released = sim.now;
    const bLeads = await sim.until(() => b.leading);
    expect(bLeads - released).toBeLessThanOrEqual(b.timings.retryPeriodMs);
    expect(sim.server.lease!.record).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
  });

  it('logs "became leader", "the leader is" and "stopped leading" as before', async () => {
    const sim = new Sim();
    const a = sim.replica('a');
    a.elector.start();
    await sim.until(() => a.leading);
    const b = sim.replica('b');
    b.elector.start();
    await sim.until(() => b.elector.leader === 'a');
    const stopping = a.elector.stop();
    await sim.advance(0);
    await stopping;
    await sim.until(() => b.leading);
    expect(a.log.map((l) => l.replace(/^\d+ /, ''))).toEqual(['became leader (a)', 'stopped leading (a)']);
    expect(b.log.map((l) => l.replace(/^\d+ /, ''))).toEqual(['the leader is a', 'became leader (b)']);
  });

  it('keeps leading through renewals that fail for less than the renew deadline', async () => {
    const sim = new Sim();
    const a = sim.replica('a');
    a.elector.start();
    await sim.until(() => a.leading);
    for (let i = 0; i < 5; i++) {
      a.network = 'refused';
      await sim.advance(2000);
      a.network = 'ok';
      await sim.advance(1000);
    }
    expect(a.leading).toBe(true);
    expect(a.started).toHaveLength(1);
    expect(a.log.filter((l) => /ECONNREFUSED/.test(l)).length).toBeGreaterThan(0);
  });

  it('property: whatever freezes, partitions and delays happen, a replica starts leading only once every other replica\'s writes stopped (lease − renew deadline) before', async () => {
    const event = fc.record({
      at: fc.integer({ min: 0, max: 40_000 }),
      // Mostly the first replica, which leads first.
      replica: fc.constantFrom(0, 0, 0, 1, 2),
      what: fc.constantFrom('freeze', 'resume', 'refused', 'unanswered', 'ok', 'slow', 'fast'),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(event, { maxLength: 25 }), fc.constantFrom(electionTimings(4), electionTimings(15), electionTimings(4, 3500, 300)), fc.array(fc.constantFrom(0, 50, 400), { minLength: 3, maxLength: 3 }), async (events, timings, latencies) => {
        const sim = new Sim();
        const rs = ['a', 'b', 'c'].map((id, i) => sim.replica(id, { skewMs: (i - 1) * 600_000, timings }));
        rs.forEach((r, i) => (r.latencyMs = latencies[i]!));
        const margin = timings.leaseDurationSeconds * 1000 - timings.renewDeadlineMs;
        const violations: string[] = [];
        sim.afterStep = () => {
          const open = rs.filter((r) => r.mayWrite);
          if (open.length > 1) violations.push(`at ${sim.now} ${open.map((r) => r.identity).join(' and ')} could both write`);
        };
        for (const r of rs) {
          const onStart = r.started.push.bind(r.started);
          r.started.push = (t: number) => {
            for (const o of rs) if (o !== r && o.elector.writeDeadline > t - margin) violations.push(`${r.identity} led at ${t} while ${o.identity} could write until ${o.elector.writeDeadline}`);
            return onStart(t);
          };
          r.elector.start();
        }
        for (const e of [...events].sort((x, y) => x.at - y.at)) {
          if (e.at > sim.now) await sim.advance(e.at - sim.now);
          const r = rs[e.replica]!;
          if (e.what === 'freeze') r.freeze();
          else if (e.what === 'resume') await r.resume().then(() => sim.advance(0));
          else if (e.what === 'slow') r.latencyMs = 400;
          else if (e.what === 'fast') r.latencyMs = 0;
          else r.network = e.what;
        }
        for (const r of rs) if (r.frozen) await r.resume();
        await sim.advance(0);
        await sim.advance(60_000);
        expect(violations).toEqual([]);
      }),
      runs(100),
    );
  }, 120_000);
});

describe('leaseFence', () => {
  const clock = { mono: 1000, wall: Date.parse('2025-01-01T00:00:10.000Z'), now: () => clock.mono, wallNow: () => clock.wall };

  it('lets a write out before the deadline and logs it once sent, with the deadline as wall time', () => {
    const lines: string[] = [];
    const fence = leaseFence({ clock, deadline: () => 3500, identity: 'op-a', cluster: 'management', logWrites: (l) => lines.push(l) });
    const sent = fence.admit('PATCH', '/apis/longyun.io/v1alpha1/tenants/t/status');
    expect(lines).toEqual([]);
    (sent as () => void)();
    expect(lines).toEqual(['write sent=2025-01-01T00:00:10.000Z deadline=2025-01-01T00:00:12.500Z identity=op-a cluster=management PATCH /apis/longyun.io/v1alpha1/tenants/t/status']);
  });

  it('keeps a write back at and after the deadline: FencedError, and a "fenced" line', () => {
    const lines: string[] = [];
    const fence = leaseFence({ clock, deadline: () => 1000, identity: 'op-a', cluster: 'tianshui-cloud', logWrites: (l) => lines.push(l) });
    expect(() => fence.admit('DELETE', '/api/v1/namespaces/x')).toThrow(FencedError);
    expect(lines).toEqual(['fenced sent=2025-01-01T00:00:10.000Z deadline=2025-01-01T00:00:10.000Z identity=op-a cluster=tianshui-cloud DELETE /api/v1/namespaces/x']);
    const never = leaseFence({ clock, deadline: () => -Infinity, identity: 'op-b', cluster: 'management', logWrites: (l) => lines.push(l) });
    expect(() => never.admit('POST', '/api/v1/namespaces')).toThrow(/op-b has not led/);
    expect(lines.at(-1)).toBe('fenced sent=2025-01-01T00:00:10.000Z deadline=none identity=op-b cluster=management POST /api/v1/namespaces');
  });
});
