// The DR copier's runtime (issue 11): for every Tenant with a DR plan, a copy of its namespace on
// the standby of each centre the plan names, kept current from watches and turned into standby
// form; the recovery point of each copy. The decisions are controllers/dr/ (which kinds, what to
// write, digests, the recovery point); this file reads the member caches and does the writes.
//
// It never writes to the member holding the active copy: every write goes through `standbyWrite`,
// which refuses any other member.
import { isDeepStrictEqual } from 'node:util';
import { copyKinds, type CopyKind } from '../controllers/dr/copy-kinds.js';
import { planCopy, type CopyPlan } from '../controllers/dr/copy-plan.js';
import { objectKey } from '../controllers/dr/digest.js';
import { nextRecoveryPoint } from '../controllers/dr/recovery-point.js';
import type { Condition } from '../controllers/conditions.js';
import type { DrCentre, DrObservation, DrStatus, StandbyCopyStatus } from '../controllers/dr/status.js';
import { DrConditions, DrReasons, setCondition } from '../controllers/conditions.js';
import { covers, type ObjectRef } from '../controllers/tenant-reconciler.js';
import { tenantNamespace } from '../stacks/graph/tenant-objects.js';
import type { K8sObject } from '../stacks/graph/types.js';
import type { Estate } from '../topology/estate.js';
import type { Capacity, DrPlan } from '../topology/schema.js';
import { copyTargetFor } from '../controllers/dr/standbys.js';
import { sourceForCopy } from '../controllers/dr/fence.js';
import { FENCED_LABEL } from '../controllers/dr/failover-types.js';
import { STANDBY_LABEL } from '../controllers/dr/normalize.js';
import { KubeApiError } from './rest.js';
import type { MemberCluster } from './member-cluster.js';
import { WorkQueue } from './work-queue.js';

export type Centre = DrCentre;
export type { DrStatus, StandbyCopyStatus };

/** What the copier needs to know of a CloudNode. */
export interface CopierNode {
  name: string;
  role?: 'production' | 'standby';
  datacentre?: string;
  protects?: string[];
  capacity: Capacity;
  deleting?: boolean;
  ready: boolean;
  /** Ready by its CloudNode, but this process has not connected to it yet (an operator just started). */
  connecting?: boolean;
}

/** What the copier needs to know of a Tenant. */
export interface CopierTenant {
  name: string;
  dr?: DrPlan;
  home?: string;
  active?: string;
  deleting: boolean;
  status?: { dr?: DrStatus; conditions?: Condition[] };
  generation?: number;
}

export interface CopierHost {
  estate: Estate;
  member(name: string): MemberCluster | undefined;
  nodes(): CopierNode[];
  tenants(): CopierTenant[];
  tenant(name: string): CopierTenant | undefined;
  /** Writes `status.dr` and the copier's condition (its own condition type only). */
  writeStatus(tenant: string, dr: DrStatus | undefined, conditions: Condition[]): Promise<void>;
  /** Room reserved on a standby by the DR tenants it protects (true when `tenant` fits). */
  hasRoom(standby: string, tenant: string): boolean;
  log(line: string): void;
  onWrite?(cluster: string, verb: string): void;
  /** What a failover in progress holds of the tenant: no pass at all, or no write into one node (operator/failover-runner.ts). */
  holds?(tenant: string): { copies: boolean; copiesInto?: string | undefined };
}

export interface CopierOptions {
  /** How often the source member's liveness is read (GET /version): the recovery point's granularity. */
  livenessMs?: number;
  /** A recovery point that moved less than this is not written to the status (the metric has it at once). */
  statusStepMs?: number;
  /** How often each member's API discovery is read again (new CRDs). */
  discoveryMs?: number;
  concurrency?: number;
  now?: () => Date;
}

/** In-memory state of one tenant's copies. */
interface CopyState {
  /** Changes seen on either side since the last pass began. */
  dirty: boolean;
  /** The last pass left every copy in sync. */
  clean: boolean;
  /** When the last pass began (ms). */
  passStartedMs: number;
  /** Per centre: the recovery point known now (ms), and the one last written. */
  recoveryPoint: Map<Centre, number>;
  written: Map<Centre, number>;
}

interface Liveness {
  sentMs: number;
  answeredMs: number;
}

export class StandbyCopier {
  private readonly queue: WorkQueue;
  private readonly states = new Map<string, CopyState>();
  private readonly liveness = new Map<string, Liveness>();
  private readonly livenessFailing = new Map<string, string>();
  private readonly kinds = new Map<string, { kinds: CopyKind[]; served: Set<string>; plural: Map<string, string>; readMs: number }>();
  private readonly unlisten = new Map<string, () => void>();
  private timers: NodeJS.Timeout[] = [];
  /** Tenants whose copies are held as they are (a test hook: Operator.pauseStandbyCopies). */
  private readonly paused = new Set<string>();
  private stopped = false;
  private readonly now: () => Date;

  constructor(
    private readonly host: CopierHost,
    private readonly opts: CopierOptions = {},
  ) {
    this.now = opts.now ?? (() => new Date());
    this.queue = new WorkQueue((k) => this.reconcile(k), { concurrency: opts.concurrency ?? 8 });
  }

  start(): void {
    this.timers.push(setInterval(() => void this.probeSources(), this.opts.livenessMs ?? 2000));
    this.timers.push(setInterval(() => this.enqueueAll(), 60_000));
    this.enqueueAll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    for (const u of this.unlisten.values()) u();
    this.unlisten.clear();
    await this.queue.shutdown();
  }

  /** A tenant changed (spec, status, deletion), or a node did: copy again. */
  enqueue(tenant: string): void {
    this.stateOf(tenant).dirty = true;
    this.queue.add(tenant);
  }

  /** Holds a tenant's copies as they are (no pass, no write, the recovery point unmoved), or lets them go on. */
  pause(tenant: string, paused: boolean): void {
    if (paused) this.paused.add(tenant);
    else if (this.paused.delete(tenant)) this.enqueue(tenant);
  }

  enqueueAll(): void {
    for (const t of this.host.tenants()) if (t.dr || t.status?.dr) this.queue.add(t.name);
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** For the metrics: each copy's recovery point as known now. */
  recoveryPoints(): DrObservation[] {
    const out: DrObservation[] = [];
    for (const t of this.host.tenants()) {
      const dr = t.status?.dr;
      if (!t.dr || !dr) continue;
      const state = this.states.get(t.name);
      for (const s of dr.standbys) {
        const ms = state?.recoveryPoint.get(s.centre) ?? (s.recoveryPoint ? Date.parse(s.recoveryPoint) : undefined);
        out.push({ tenant: t.name, centre: s.centre, ...(s.node ? { node: s.node } : {}), ...(ms !== undefined ? { recoveryPoint: new Date(ms) } : {}), rpoSeconds: dr.rpoSeconds, inSync: s.digest !== undefined && s.digest === s.sourceDigest, objects: s.objects ?? 0 });
      }
    }
    return out;
  }

  private stateOf(tenant: string): CopyState {
    let s = this.states.get(tenant);
    if (!s) this.states.set(tenant, (s = { dirty: true, clean: false, passStartedMs: 0, recoveryPoint: new Map(), written: new Map() }));
    return s;
  }

  /** Listens to a member's changes once: a change in a tenant's namespace (either side) wakes its copies. */
  private listenTo(member: MemberCluster): void {
    if (this.unlisten.has(member.name)) return;
    this.unlisten.set(
      member.name,
      member.listen((_cluster, namespace) => {
        if (!namespace) return;
        const tenant = this.tenantOfNamespace(namespace);
        if (tenant) this.enqueue(tenant);
      }),
    );
  }

  private tenantOfNamespace(namespace: string): string | undefined {
    // A tenant's namespace is its name (stacks/graph/tenant-objects.ts), on production and standbys alike.
    return this.host.tenant(namespace) ? namespace : undefined;
  }

  /** The kinds to copy from a member and the kinds it serves, from its discovery (read again every discoveryMs). */
  private async kindsOf(member: MemberCluster): Promise<{ kinds: CopyKind[]; served: Set<string>; plural: Map<string, string> }> {
    const known = this.kinds.get(member.name);
    if (known && Date.now() - known.readMs < (this.opts.discoveryMs ?? 30_000)) return known;
    const d = await member.discovery();
    const served = new Set<string>();
    const plural = new Map<string, string>();
    for (const [gv, resources] of Object.entries(d.resources)) {
      for (const r of resources) {
        if (r.name.includes('/')) continue;
        served.add(`${gv}/${r.kind}`);
        plural.set(`${gv}/${r.kind}`, r.name);
      }
    }
    const entry = { kinds: copyKinds(d).kinds, served, plural, readMs: Date.now() };
    this.kinds.set(member.name, entry);
    return entry;
  }

  /** The standby of `centre` protecting `home` (controllers/dr/standbys.ts decides). */
  /** Where the copy for `centre` goes (controllers/dr/standbys.ts copyTargetFor: the home itself once the active copy is on that centre's standby). */
  private standbyFor(home: string, centre: Centre, active?: string): CopierNode | undefined {
    const nodes = this.host.nodes();
    const chosen = copyTargetFor(
      nodes.map((n) => ({ metadata: { name: n.name, ...(n.deleting ? { deletionTimestamp: 'set' } : {}) }, spec: { ...(n.role ? { role: n.role } : {}), ...(n.datacentre ? { datacentre: n.datacentre } : {}), protects: n.protects ?? [], capacity: n.capacity } })),
      this.host.estate,
      home,
      active,
      centre,
    );
    return chosen && nodes.find((n) => n.name === chosen.metadata.name);
  }

  /** Reads each source member's version: an answer sent at t, with every copy clean, is a recovery point of t. */
  private async probeSources(): Promise<void> {
    const sources = new Set<string>();
    for (const t of this.host.tenants()) if (t.dr && !t.deleting && (t.active ?? t.home)) sources.add((t.active ?? t.home)!);
    await Promise.all(
      [...sources].map(async (name) => {
        const m = this.host.member(name);
        if (!m) return;
        const sentMs = this.now().getTime();
        try {
          await m.version();
        } catch (e) {
          this.liveness.delete(name);
          const why = (e as Error).message ?? String(e);
          if (this.livenessFailing.get(name) !== why) this.host.log(`dr: source ${name} does not answer: ${why}`);
          this.livenessFailing.set(name, why);
          for (const t of this.host.tenants()) if ((t.active ?? t.home) === name && t.dr) this.queue.add(t.name);
          return;
        }
        const wasFailing = this.livenessFailing.delete(name);
        const answeredMs = this.now().getTime();
        this.liveness.set(name, { sentMs, answeredMs });
        for (const t of this.host.tenants()) {
          if ((t.active ?? t.home) !== name || !t.dr) continue;
          const s = this.stateOf(t.name);
          // Clean since a pass that began after an earlier answer: advance at once, in memory; the status
          // is written by a pass when the point has moved far enough (or the state changed).
          if (s.clean && !s.dirty && !wasFailing) {
            for (const c of t.dr.centres) {
              const next = nextRecoveryPoint({ previous: msDate(s.recoveryPoint.get(c)), livenessSentAt: new Date(sentMs), sourceSynced: true, standbySynced: true, pending: 0 });
              if (next) s.recoveryPoint.set(c, next.getTime());
              if ((s.recoveryPoint.get(c) ?? 0) - (s.written.get(c) ?? 0) >= (this.opts.statusStepMs ?? 30_000)) this.queue.add(t.name);
            }
          } else this.queue.add(t.name);
        }
      }),
    );
  }

  /** Every write of the copier goes here: to a standby of the tenant, never to its active copy's member. */
  private async standbyWrite(t: CopierTenant, target: MemberCluster, write: () => Promise<void>): Promise<void> {
    if (target.name === (t.active ?? t.home)) throw new Error(`refusing to write tenant ${t.name}'s copy to ${target.name}: it holds the active copy`);
    await write();
  }

  private async reconcile(name: string): Promise<{ requeueAfterMs?: number } | void> {
    if (this.stopped || this.paused.has(name)) return;
    const t = this.host.tenant(name);
    const state = this.stateOf(name);
    state.dirty = false;
    state.passStartedMs = this.now().getTime();
    if (!t) {
      this.states.delete(name);
      return;
    }
    const hold = this.host.holds?.(name);
    // A failover is promoting the active copy (still in standby form): nothing to copy from yet.
    if (hold?.copies && t.dr && !t.deleting) return { requeueAfterMs: 1000 };
    const home = t.home;
    const source = t.active ?? home;
    const ns = tenantNamespace({ id: name });
    // No DR plan (any more), or the tenant is going: remove the copies it had.
    if (!t.dr || t.deleting || !home || !source) {
      state.clean = false;
      const had = t.status?.dr?.standbys ?? [];
      let left = 0;
      for (const s of had) {
        const m = s.node ? this.host.member(s.node) : undefined;
        if (!m || !s.node || s.node === source) continue;
        // A namespace being deleted is as good as gone: the cluster finishes it (its finalizers,
        // such as a PVC's protection, are the cluster's to clear).
        const copy = m.namespaceObject(ns);
        if (copy && !(copy.metadata as { deletionTimestamp?: string }).deletionTimestamp) {
          left++;
          await this.standbyWrite(t, m, () => m.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns }, 'namespaces'));
        }
        m.unwatchNamespace(ns);
      }
      if (t.status?.dr && left === 0) await this.host.writeStatus(name, undefined, dropOwn(t.status.conditions));
      return left ? { requeueAfterMs: 2000 } : undefined;
    }
    const sourceMember = this.host.member(source);
    const rpoSeconds = t.dr.rpoMinutes * 60;
    const standbys: StandbyCopyStatus[] = [];
    let pending = 0;
    let requeue: number | undefined;
    const previous = new Map((t.status?.dr?.standbys ?? []).map((s) => [s.centre, s]));
    const sourceConnecting = this.host.nodes().find((n) => n.name === source)?.connecting ?? false;
    /** Centres whose entry stands as the status had it: a member this process is still connecting to. */
    const kept = new Set<Centre>();
    const liveness = this.liveness.get(source);
    const sourceDown = this.livenessFailing.get(source);
    let sourceKinds: Awaited<ReturnType<StandbyCopier['kindsOf']>> | undefined;
    if (sourceMember && !sourceDown) {
      this.listenTo(sourceMember);
      try {
        sourceKinds = await this.kindsOf(sourceMember);
      } catch (e) {
        this.host.log(`dr: discovery on ${source}: ${(e as Error).message}`);
      }
    }
    for (const centre of t.dr.centres) {
      const prev = previous.get(centre);
      // What is known of a copy that cannot be checked now stays as last seen.
      const keep = { ...(prev?.recoveryPoint ? { recoveryPoint: prev.recoveryPoint } : {}), ...(prev?.digest ? { digest: prev.digest } : {}), ...(prev?.sourceDigest ? { sourceDigest: prev.sourceDigest } : {}), ...(prev?.objects !== undefined ? { objects: prev.objects } : {}), ...(prev?.objectDigests ? { objectDigests: prev.objectDigests } : {}) };
      const node = this.standbyFor(home, centre, source);
      if (!node) {
        standbys.push({ centre, state: 'NoStandby', message: `no onboarded standby in a ${centre} centre protects ${home}: onboard one with role: standby and protects: [${home}] (e.g. longyun dev up --as …,<a standby cloud of the estate>)` });
        continue;
      }
      if (!this.host.hasRoom(node.name, name)) {
        standbys.push({ centre, node: node.name, state: 'NoRoom', message: `standby ${node.name} has no room for ${name}'s quota beside the tenants it already protects: raise its capacity or add a standby` });
        continue;
      }
      const target = this.host.member(node.name);
      // A standby Ready by its CloudNode that this process has not connected to yet (just started,
      // a successor): what the status says stands until it has; no flap to StandbyUnreachable.
      if (node.connecting && prev) {
        kept.add(centre);
        standbys.push(prev);
        pending++;
        requeue = Math.min(requeue ?? 500, 500);
        continue;
      }
      if (!target || !node.ready) {
        standbys.push({ centre, node: node.name, state: 'StandbyUnreachable', message: `standby ${node.name} is not Ready`, ...keep });
        pending++;
        requeue = 10_000;
        continue;
      }
      if (sourceConnecting && !sourceDown && prev) {
        kept.add(centre);
        standbys.push(prev);
        pending++;
        requeue = Math.min(requeue ?? 500, 500);
        continue;
      }
      if (!sourceMember || sourceDown || !sourceKinds) {
        standbys.push({ centre, node: node.name, state: 'SourceUnreachable', message: `the active copy's member ${source} does not answer${sourceDown ? `: ${sourceDown}` : ''}; the recovery point stays where it was`, ...keep });
        pending++;
        continue;
      }
      this.listenTo(target);
      if (hold?.copiesInto === node.name) {
        standbys.push({ centre, node: node.name, state: 'Copying', message: `held: ${node.name} is the old source of an emergency failover; its objects changed after the recovery point are kept aside (lost+found) before anything is copied there`, ...keep });
        pending++;
        requeue = Math.min(requeue ?? 2000, 2000);
        continue;
      }
      // The old production taking the standby's place (after a failover): nothing is written into
      // its namespace before it is fenced (or already holds a standby copy) — two active copies never.
      if (node.name === home && home !== source) {
        const there = target.namespaceObject(ns);
        const labels = there?.metadata.labels ?? {};
        if (there && labels[FENCED_LABEL] === undefined && labels[STANDBY_LABEL] === undefined) {
          standbys.push({ centre, node: node.name, state: 'Copying', message: `waiting for ${home}'s namespace ${ns} to be fenced before copying into it`, ...keep });
          pending++;
          requeue = Math.min(requeue ?? 2000, 2000);
          continue;
        }
      }
      let targetKinds: Awaited<ReturnType<StandbyCopier['kindsOf']>>;
      try {
        targetKinds = await this.kindsOf(target);
      } catch (e) {
        standbys.push({ centre, node: node.name, state: 'StandbyUnreachable', message: `discovery on ${node.name}: ${(e as Error).message}`, ...keep });
        pending++;
        requeue = 10_000;
        continue;
      }
      // Both sides watched with every copied kind, in this namespace only.
      sourceMember.setCopyKinds(sourceKinds.kinds);
      sourceMember.watchCopies(ns);
      target.setCopyKinds(targetKinds.kinds);
      target.watchCopies(ns);
      const liveObjects = sourceMember.namespaceObjects(ns);
      const liveNamespace = sourceMember.namespaceObject(ns);
      // A fenced source (a planned failover) is copied as it was before fencing.
      const { objects: sourceObjects, namespaceObject } = liveObjects && liveNamespace ? sourceForCopy(ns, liveObjects, liveNamespace) : { objects: liveObjects, namespaceObject: liveNamespace };
      if (!sourceObjects || !namespaceObject) {
        standbys.push({ centre, node: node.name, state: 'Copying', message: `waiting for ${ns} on ${source}`, ...keep });
        pending++;
        requeue = 1000;
        continue;
      }
      // The standby's Namespace goes with what is inside it (planCopy compares it too).
      const inside = target.namespaceObjects(ns);
      const standbyNs = target.namespaceObject(ns);
      const standbyObjects = inside && standbyNs ? new Map([...inside, [objectKey(standbyNs), standbyNs]]) : inside;
      const plan: CopyPlan = planCopy({ namespace: ns, sourceNode: source, source: sourceObjects, standby: standbyObjects, standbyKinds: targetKinds.served, namespaceObject, sourceKinds: sourceKinds.kinds });
      // longyun's own rights inside the standby namespace, right after the Namespace (never copied: each cluster's is its own).
      const writes = [...plan.apply];
      const binding = target.accessBinding(name, ns);
      if (binding) {
        const seen = target.namespaceObjects(ns)?.get(`${binding.apiVersion}/${binding.kind}/${binding.metadata.name}`);
        // Before anything in the namespace, and before the Namespace itself when that exists already
        // (updating it needs the binding; only creating it does not).
        if (!seen || !covers(seen, binding)) writes.splice(target.namespaceObject(ns) ? 0 : writes.findIndex((o) => o.kind === 'Namespace') + 1, 0, binding);
      }
      let failed: string | undefined;
      for (const o of writes) {
        const key = `${o.apiVersion}/${o.kind}`;
        const plural = targetKinds.plural.get(key);
        if (!plural) continue; // planCopy reports kinds the standby does not serve
        const current = o.kind === 'Namespace' ? target.namespaceObject(ns) : target.namespaceObjects(ns)?.get(`${o.apiVersion}/${o.kind}/${o.metadata.name}`);
        try {
          await this.standbyWrite(t, target, () => target.replace(o, plural, current));
          this.host.onWrite?.(node.name, current ? 'update' : 'create');
        } catch (e) {
          // 409: it changed meanwhile (its watch event wakes us again); anything else, say why and retry.
          if (e instanceof KubeApiError && e.code === 409) {
            requeue = Math.min(requeue ?? 500, 500);
            failed = failed ?? `${o.kind} ${o.metadata.name} changed while it was written; trying again`;
          } else failed = `${o.kind} ${o.metadata.name}: ${(e as Error).message}`;
          break;
        }
      }
      if (!failed) {
        for (const r of plan.delete) {
          const plural = targetKinds.plural.get(`${r.apiVersion}/${r.kind}`);
          try {
            await this.standbyWrite(t, target, () => target.delete(r as ObjectRef, plural));
            this.host.onWrite?.(node.name, 'delete');
          } catch (e) {
            failed = `deleting ${r.kind} ${r.name}: ${(e as Error).message}`;
            break;
          }
        }
      }
      const wrote = plan.apply.length + plan.delete.length > 0;
      const inSync = !failed && !wrote && plan.inSync;
      if (!inSync) pending++;
      if (failed) requeue = Math.min(requeue ?? 5000, 5000);
      standbys.push({
        centre,
        node: node.name,
        state: inSync ? 'Current' : 'Copying',
        ...(failed ? { message: failed } : wrote ? { message: `${plan.apply.length} to write, ${plan.delete.length} to delete` } : {}),
        ...keep,
        sourceDigest: plan.sourceDigest,
        digest: plan.standbyDigest,
        objects: plan.sourceDigests.size,
        objectDigests: Object.fromEntries([...plan.standbyDigests].sort(([a], [b]) => (a < b ? -1 : 1))),
        ...(plan.notCopied.length ? { notCopied: plan.notCopied } : {}),
      });
    }
    // The recovery point: an answer of the source sent at L, received before this pass read the
    // caches, with every copy in sync and nothing seen since the pass began (dirty would be set).
    state.clean = pending === 0 && !state.dirty;
    for (const s of standbys) {
      // A copy kept as the status had it (not checked by this process yet) does not move its point.
      if (s.state !== 'Current' || kept.has(s.centre)) continue;
      const next = nextRecoveryPoint({
        previous: msDate(state.recoveryPoint.get(s.centre) ?? (s.recoveryPoint ? Date.parse(s.recoveryPoint) : undefined)),
        ...(liveness && liveness.answeredMs <= state.passStartedMs ? { livenessSentAt: new Date(liveness.sentMs) } : {}),
        sourceSynced: true,
        standbySynced: true,
        pending: 0,
      });
      if (next) state.recoveryPoint.set(s.centre, next.getTime());
    }
    for (const s of standbys) {
      const ms = state.recoveryPoint.get(s.centre);
      if (ms === undefined) continue;
      const prev = previous.get(s.centre);
      const written = prev?.recoveryPoint ? Date.parse(prev.recoveryPoint) : undefined;
      const samePoint = written !== undefined && ms - written < (this.opts.statusStepMs ?? 30_000) && prev?.state === s.state && prev.digest === s.digest && prev.sourceDigest === s.sourceDigest;
      s.recoveryPoint = new Date(samePoint ? written! : ms).toISOString();
    }
    const dr: DrStatus = { rpoScope: 'objects', rpoSeconds, standbys };
    const conditions = standbyCondition(t, dr, this.now());
    if (!sameDr(t.status?.dr, dr) || !sameCondition(t.status?.conditions, conditions)) {
      await this.host.writeStatus(name, dr, conditions);
      for (const s of standbys) if (s.recoveryPoint) state.written.set(s.centre, Date.parse(s.recoveryPoint));
    }
    return requeue !== undefined ? { requeueAfterMs: requeue } : undefined;
  }
}

function msDate(ms: number | undefined): Date | undefined {
  return ms === undefined ? undefined : new Date(ms);
}

function dropOwn(conditions: Condition[] | undefined): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== DrConditions.StandbyCurrent);
}

/** The copier's condition: True when every standby of the plan is Current and within the RPO. */
export function standbyCondition(t: CopierTenant, dr: DrStatus, now: Date): Condition[] {
  const behind = dr.standbys.filter((s) => s.state !== 'Current' || !s.recoveryPoint || (now.getTime() - Date.parse(s.recoveryPoint)) / 1000 > dr.rpoSeconds);
  const first = behind[0];
  const reason = !first ? DrReasons.StandbysCurrent : first.state === 'NoStandby' ? DrReasons.NoStandby : first.state === 'NoRoom' ? DrReasons.NoRoom : first.state === 'SourceUnreachable' ? DrReasons.SourceUnreachable : DrReasons.Copying;
  const message = !first ? `${dr.standbys.map((s) => `${s.centre} on ${s.node}`).join(', ')} current` : `${first.centre}${first.node ? ` on ${first.node}` : ''}: ${first.message ?? first.state}`;
  return setCondition(t.status?.conditions, { type: DrConditions.StandbyCurrent, status: first ? 'False' : 'True', reason, message, ...(t.generation !== undefined ? { observedGeneration: t.generation } : {}) }, now);
}

/** Key order aside (the API server returns a custom resource's keys sorted). */
function sameDr(a: DrStatus | undefined, b: DrStatus): boolean {
  return isDeepStrictEqual(a, b);
}

function sameCondition(a: Condition[] | undefined, b: Condition[]): boolean {
  const pick = (l: Condition[] | undefined) => (l ?? []).find((c) => c.type === DrConditions.StandbyCurrent);
  return isDeepStrictEqual(pick(a), pick(b));
}
