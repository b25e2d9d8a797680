// Leader election on a coordination.k8s.io/v1 Lease with client-go's semantics:
// - a candidate judges the holder's lease on its own monotonic clock: valid for the lease's
//   duration from when this candidate last saw the Lease record change (holder, times,
//   transitions), never by comparing renewTime with its own wall clock;
// - the leader renews every retry period; a renewal that has not succeeded within the renew
//   deadline (shorter than the lease duration) since the last successful one ends the leadership
//   at once, for good (client-go's renew loop: the process then exits and restarts). A lost lease
//   is not released (client-go may): it expires, so that writes still on the wire have
//   (lease duration − renew deadline) to land before the next leader begins;
// - every write carries the resourceVersion it read, so two candidates cannot both win.
// The leader may write while its write deadline has not passed: the monotonic time its last
// successful renewal was sent, plus the renew deadline. A follower that saw that renewal saw it
// later, and waits a whole lease duration from then, so the leader stops writing at least
// (lease duration − renew deadline) before anyone else can lead.
// The clock, the timers and the Lease I/O are injected; RestLeaseStore is the real I/O.
import { LongyunError } from '../topology/errors.js';
import { KubeApiError, type RestClient } from './rest.js';

/** The Lease's spec, as the API server stores it (times are RFC 3339 with microseconds). */
export interface LeaseRecord {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** A Lease as read or written: its record, and what a compare-and-swap update needs. */
export interface StoredLease {
  record: LeaseRecord;
  resourceVersion: string;
  /** The whole object, so that an update keeps its metadata (labels, annotations). */
  object?: unknown;
}

/** The Lease's I/O. `update` is a compare-and-swap on `base.resourceVersion`: a 409 KubeApiError if someone wrote in between. */
export interface LeaseStore {
  readonly description: string;
  get(timeoutMs: number): Promise<StoredLease | undefined>;
  create(record: LeaseRecord, timeoutMs: number): Promise<StoredLease>;
  update(record: LeaseRecord, base: StoredLease, timeoutMs: number): Promise<StoredLease>;
}

interface LeaseObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; resourceVersion?: string; [k: string]: unknown };
  spec?: LeaseRecord;
}

/** The Lease `namespace/name` over plain JSON (not fenced: the renewals are what the fence is made of). */
export class RestLeaseStore implements LeaseStore {
  readonly description: string;
  private readonly path: string;

  constructor(
    private readonly rest: RestClient,
    private readonly namespace: string,
    private readonly name: string,
  ) {
    this.description = `${namespace}/${name}`;
    this.path = `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`;
  }

  async get(timeoutMs: number): Promise<StoredLease | undefined> {
    try {
      return stored(await this.rest.request<LeaseObject>('GET', `${this.path}/${this.name}`, undefined, 'application/json', timeoutMs));
    } catch (e) {
      if (e instanceof KubeApiError && e.code === 404) return undefined;
      throw e;
    }
  }

  async create(record: LeaseRecord, timeoutMs: number): Promise<StoredLease> {
    const body: LeaseObject = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.name, namespace: this.namespace }, spec: record };
    return stored(await this.rest.request<LeaseObject>('POST', this.path, body, 'application/json', timeoutMs));
  }

  async update(record: LeaseRecord, base: StoredLease, timeoutMs: number): Promise<StoredLease> {
    const old = (base.object as LeaseObject | undefined) ?? { metadata: {} };
    const body: LeaseObject = { ...old, apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { ...old.metadata, name: this.name, namespace: this.namespace, resourceVersion: base.resourceVersion }, spec: record };
    return stored(await this.rest.request<LeaseObject>('PUT', `${this.path}/${this.name}`, body, 'application/json', timeoutMs));
  }
}

function stored(o: LeaseObject): StoredLease {
  return { record: o.spec ?? {}, resourceVersion: o.metadata.resourceVersion ?? '', object: o };
}

/** A MicroTime as the API server writes it: RFC 3339, UTC, microseconds. */
export function microTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/Z$/, '000Z');
}

export interface ElectionTimings {
  leaseDurationSeconds: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export class ElectionTimingsError extends LongyunError {
  override name = 'ElectionTimingsError';
}

/**
 * The timings of an election: client-go's defaults are 15 s, 10 s and 2 s; a renew deadline or
 * retry period not given is scaled from the lease duration in those proportions (2/3 and 2/15).
 * The lease duration is whole seconds (the Lease's field); renew deadline < lease duration and
 * retry period < renew deadline.
 */
export function electionTimings(leaseDurationSeconds: number, renewDeadlineMs?: number, retryPeriodMs?: number): ElectionTimings {
  if (!Number.isInteger(leaseDurationSeconds) || leaseDurationSeconds < 1) throw new ElectionTimingsError(`the lease duration must be a whole number of seconds ≥ 1, got ${leaseDurationSeconds}`);
  const leaseMs = leaseDurationSeconds * 1000;
  const renew = renewDeadlineMs ?? Math.round((leaseMs * 2) / 3);
  const retry = retryPeriodMs ?? Math.round((leaseMs * 2) / 15);
  if (!(Number.isFinite(renew) && renew > 0)) throw new ElectionTimingsError(`the renew deadline must be a positive duration, got ${renewDeadlineMs}`);
  if (!(Number.isFinite(retry) && retry > 0)) throw new ElectionTimingsError(`the retry period must be a positive duration, got ${retryPeriodMs}`);
  if (renew >= leaseMs) throw new ElectionTimingsError(`the renew deadline (${renew / 1000} s) must be shorter than the lease duration (${leaseDurationSeconds} s)`);
  if (retry >= renew) throw new ElectionTimingsError(`the retry period (${retry / 1000} s) must be shorter than the renew deadline (${renew / 1000} s)`);
  return { leaseDurationSeconds, renewDeadlineMs: renew, retryPeriodMs: retry };
}

/** Two clocks: a monotonic one (ms) for every duration, the wall clock (epoch ms) only for the times written into the Lease. */
export interface ElectionClock {
  now(): number;
  wallNow(): number;
}

/** performance.now() reads CLOCK_MONOTONIC, which keeps counting while the process is stopped. */
export const systemClock: ElectionClock = { now: () => performance.now(), wallNow: () => Date.now() };

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const systemTimers: Timers = { set: (fn, ms) => setTimeout(fn, ms), clear: (h) => clearTimeout(h as NodeJS.Timeout) };

export type LeaseDecision = { action: 'renew' } | { action: 'acquire'; transitions: number } | { action: 'wait'; holder: string; expiresAt: number };

/**
 * What a candidate does with the lease it read (client-go's tryAcquireOrRenew): `observedAt` is
 * when this candidate last saw the record change, on its monotonic clock, as is `now`.
 */
export function decideLease(lease: LeaseRecord | undefined, identity: string, observedAt: number, now: number, durationSeconds: number): LeaseDecision {
  if (!lease) return { action: 'acquire', transitions: 0 };
  if (!lease.holderIdentity) return { action: 'acquire', transitions: (lease.leaseTransitions ?? 0) + 1 };
  if (lease.holderIdentity === identity) return { action: 'renew' };
  const expiresAt = observedAt + (lease.leaseDurationSeconds ?? durationSeconds) * 1000;
  if (now < expiresAt) return { action: 'wait', holder: lease.holderIdentity, expiresAt };
  return { action: 'acquire', transitions: (lease.leaseTransitions ?? 0) + 1 };
}

/** What identifies a record: any change to it restarts a follower's wait (client-go compares the whole record). */
function recordKey(r: LeaseRecord): string {
  return JSON.stringify([r.holderIdentity ?? '', r.leaseDurationSeconds, r.acquireTime, r.renewTime, r.leaseTransitions]);
}

/** The leadership ended without a graceful stop: a renewal missed its deadline, or someone else holds the lease. */
export class LeaseLostError extends LongyunError {
  override name = 'LeaseLostError';
}

export interface LeaderElectorOptions {
  identity: string;
  store: LeaseStore;
  timings: ElectionTimings;
  clock?: ElectionClock;
  timers?: Timers;
  onStartedLeading: () => void;
  /** After a graceful stop without an argument; after a loss with the reason (the elector does not compete again, and leaves the lease to expire). */
  onStoppedLeading: (lost?: LeaseLostError) => void;
  log?: (message: string) => void;
}

export class LeaderElector {
  private readonly clock: ElectionClock;
  private readonly timers: Timers;
  private readonly t: ElectionTimings;
  private state: 'new' | 'running' | 'lost' | 'stopped' = 'new';
  private leading = false;
  /** The record last read or written, and when (monotonic) it was first seen as it is. */
  private observed: { lease: StoredLease; key: string; at: number } | undefined;
  /** Monotonic: writes may go out while now < this. */
  private deadline = -Infinity;
  private tickTimer: unknown;
  private deadlineTimer: unknown;
  private releasing: Promise<void> | undefined;

  constructor(private readonly opts: LeaderElectorOptions) {
    this.clock = opts.clock ?? systemClock;
    this.timers = opts.timers ?? systemTimers;
    this.t = opts.timings;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** The holder of the lease as last read or written (client-go's GetLeader); undefined before the first read. */
  get leader(): string | undefined {
    return this.observed?.lease.record.holderIdentity || undefined;
  }

  /**
   * Monotonic ms (on the injected clock) until which this replica may write: when its last
   * successful renewal was sent, plus the renew deadline; -Infinity before it first leads, and
   * the moment it stopped or lost once it did.
   */
  get writeDeadline(): number {
    return this.deadline;
  }

  get timings(): ElectionTimings {
    return this.t;
  }

  start(): void {
    if (this.state !== 'new') return;
    this.state = 'running';
    void this.tick();
  }

  /** Stops competing; a leader stops writing, then releases the lease so that another replica takes over at once. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return this.releasing;
    const wasRunning = this.state === 'running' || this.state === 'new';
    this.state = 'stopped';
    this.clearTimers();
    if (wasRunning && this.leading) {
      this.deadline = Math.min(this.deadline, this.clock.now());
      this.setLeading(false);
      this.releasing = this.release();
    }
    await this.releasing;
  }

  private clearTimers(): void {
    if (this.tickTimer !== undefined) this.timers.clear(this.tickTimer);
    if (this.deadlineTimer !== undefined) this.timers.clear(this.deadlineTimer);
    this.tickTimer = this.deadlineTimer = undefined;
  }

  private async tick(): Promise<void> {
    this.tickTimer = undefined;
    if (this.state !== 'running') return;
    try {
      if (this.leading) await this.renew();
      else await this.tryAcquire();
    } catch (e) {
      if (this.state === 'running') this.opts.log?.(`lease ${this.opts.store.description}: ${(e as Error).message ?? e}`);
    }
    if (this.state === 'running') this.tickTimer = this.timers.set(() => void this.tick(), this.t.retryPeriodMs);
  }

  private observe(lease: StoredLease): void {
    const key = recordKey(lease.record);
    const before = this.observed;
    if (before?.key === key) {
      this.observed = { ...before, lease };
      return;
    }
    this.observed = { lease, key, at: this.clock.now() };
    const holder = lease.record.holderIdentity || undefined;
    if (holder !== undefined && holder !== this.opts.identity && holder !== (before?.lease.record.holderIdentity || undefined)) this.opts.log?.(`the leader is ${holder}`);
  }

  private async tryAcquire(): Promise<void> {
    const got = await this.opts.store.get(this.t.renewDeadlineMs);
    if (this.state !== 'running') return;
    if (got) this.observe(got);
    const now = this.clock.now();
    const d = decideLease(got?.record, this.opts.identity, this.observed?.at ?? now, now, this.t.leaseDurationSeconds);
    if (d.action === 'wait') return;
    const wall = this.clock.wallNow();
    const record: LeaseRecord = {
      holderIdentity: this.opts.identity,
      leaseDurationSeconds: this.t.leaseDurationSeconds,
      acquireTime: d.action === 'acquire' ? microTime(wall) : (got?.record.acquireTime ?? microTime(wall)),
      renewTime: microTime(wall),
      leaseTransitions: d.action === 'acquire' ? d.transitions : (got?.record.leaseTransitions ?? 0),
    };
    const sentAt = this.clock.now();
    const written = got ? await this.opts.store.update(record, got, this.t.renewDeadlineMs) : await this.opts.store.create(record, this.t.renewDeadlineMs);
    this.observe(written);
    if (this.state !== 'running') {
      // Stopped while acquiring: hand the lease back rather than leave it to expire.
      if (this.state === 'stopped') this.releasing = this.release();
      return;
    }
    this.renewed(sentAt);
  }

  /** One renewal: the fast path with the record this leader last wrote; on a conflict, read and retry once if it is still ours. */
  private async renew(): Promise<void> {
    let base = this.observed!.lease;
    for (let attempt = 1; ; attempt++) {
      const sentAt = this.clock.now();
      if (sentAt >= this.deadline) return this.lose(`no renewal within the renew deadline (${this.t.renewDeadlineMs / 1000} s)`);
      const record: LeaseRecord = { ...base.record, holderIdentity: this.opts.identity, leaseDurationSeconds: this.t.leaseDurationSeconds, renewTime: microTime(this.clock.wallNow()) };
      try {
        const written = await this.opts.store.update(record, base, this.deadline - sentAt);
        if (this.state !== 'running') return;
        this.observe(written);
        return this.renewed(sentAt);
      } catch (e) {
        if (this.state !== 'running' || !(e instanceof KubeApiError && e.code === 409) || attempt > 1) throw e;
      }
      // Someone wrote the Lease: if another replica holds it now, this one stops at once.
      const got = await this.opts.store.get(Math.max(1, this.deadline - this.clock.now()));
      if (this.state !== 'running') return;
      if (got) this.observe(got);
      if (got?.record.holderIdentity !== this.opts.identity) return this.lose(got?.record.holderIdentity ? `the lease is held by ${got.record.holderIdentity}` : 'the lease was released by someone else');
      base = got;
    }
  }

  /** A successful acquire or renewal sent at `sentAt` (monotonic). */
  private renewed(sentAt: number): void {
    const deadline = sentAt + this.t.renewDeadlineMs;
    if (deadline > this.deadline) this.deadline = deadline;
    if (this.deadlineTimer !== undefined) this.timers.clear(this.deadlineTimer);
    const now = this.clock.now();
    if (!this.leading) {
      // Its answer came too late to lead on (e.g. this process was frozen): the next try renews.
      if (now >= this.deadline) return;
      this.setLeading(true);
    }
    this.deadlineTimer = this.timers.set(() => this.checkDeadline(), this.deadline - now);
    // A renewal sent before a freeze and answered after it may be too late already.
    this.checkDeadline();
  }

  private checkDeadline(): void {
    if (this.state === 'running' && this.leading && this.clock.now() >= this.deadline) this.lose(`no renewal within the renew deadline (${this.t.renewDeadlineMs / 1000} s)`);
  }

  private lose(reason: string): void {
    if (this.state !== 'running' || !this.leading) return;
    this.state = 'lost';
    this.clearTimers();
    this.deadline = Math.min(this.deadline, this.clock.now());
    const error = new LeaseLostError(`lost the lease ${this.opts.store.description}: ${reason}`);
    this.leading = false;
    this.opts.log?.(`stopped leading (${this.opts.identity}): ${error.message}`);
    this.opts.onStoppedLeading(error);
  }

  private setLeading(value: boolean): void {
    if (value === this.leading) return;
    this.leading = value;
    this.opts.log?.(value ? `became leader (${this.opts.identity})` : `stopped leading (${this.opts.identity})`);
    if (value) this.opts.onStartedLeading();
    else this.opts.onStoppedLeading();
  }

  /** client-go's release: no holder, a 1 s lease, so that a follower acquires at its next try. */
  private async release(): Promise<void> {
    let base = this.observed?.lease;
    for (let attempt = 1; base && base.record.holderIdentity === this.opts.identity; attempt++) {
      const wall = microTime(this.clock.wallNow());
      try {
        this.observe(await this.opts.store.update({ leaseDurationSeconds: 1, acquireTime: wall, renewTime: wall, leaseTransitions: base.record.leaseTransitions ?? 0 }, base, this.t.renewDeadlineMs));
        return;
      } catch (e) {
        // A conflict with a change that left it ours (labels, say): read it and try once more.
        if (!(e instanceof KubeApiError && e.code === 409) || attempt > 1) return;
        base = await this.opts.store.get(this.t.renewDeadlineMs).catch(() => undefined);
      }
    }
  }
}
