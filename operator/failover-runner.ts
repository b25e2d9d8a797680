// The failover runtime (issue 13): Failovers on the management cluster, each walked through its
// phases (controllers/dr/failover.ts decides; this file and failover-member-io.ts do the I/O).
// Every phase is persisted with its time before its work begins. A failover this process did not
// take into a phase before the switch (its predecessor crashed or lost the lease there) is rolled
// back; at or after the switch it is completed. The switch itself is one optimistic-concurrency
// write per Tenant (status.activeNode, epoch + 1), so a tenant never has two active copies.
import { lostAndFound } from '../controllers/dr/fence.js';
import {
  abortRefused,
  enterFailoverPhase,
  failoverHolds,
  failoverPlan,
  failoverTenantFailed,
  failoverTotals,
  FailoverReasons,
  nextFailoverStep,
  startRollback,
  summaryKey,
  switchTenantStatus,
  tenantFailoverSummary,
  tenantFailoverVerified,
  tenantFenced,
  tenantLostAndFound,
  tenantPromoted,
  tenantReprotected,
  tenantRolledBack,
  tenantSwitched,
  tenantSynced,
  type FailoverHolds,
  type FailoverStep,
} from '../controllers/dr/failover.js';
import { resolveFailoverScope } from '../controllers/dr/failover-scope.js';
import { FENCE_RECORD, isTerminalFailover, type Failover, type FailoverPhase, type FailoverStatus, type FailoverTenantStatus, type LostAndFoundRecord, type TenantFailovers } from '../controllers/dr/failover-types.js';
import { activeNode } from '../controllers/dr/drill-scope.js';
import { tenantNamespace } from '../stacks/graph/tenant-objects.js';
import type { K8sObject } from '../stacks/graph/types.js';
import type { Estate } from '../topology/estate.js';
import { FailoverMemberIO } from './failover-member-io.js';
import { claimTenant, crashNow, eachLimit, NotYet, OperationRunner, runSteps } from './operation-steps.js';
import type { MemberCluster } from './member-cluster.js';
import type { CloudNodeObj, StatusWriter, TenantObj } from './status-writer.js';
import type * as k8s from '@kubernetes/client-node';

export type FailoverObj = Failover & k8s.KubernetesObject;

export const FAILOVER_FINALIZER = 'longyun.io/failover';
/** Tenants worked on at once. */
const TENANT_CONCURRENCY = 8;
/** How long Precheck waits for members a successor is still connecting to, and for copies catching up. */
const CONNECT_WAIT_MS = 60_000;
/** The status is written at least this often while a phase works through its tenants (for `--wait`). */
const PROGRESS_MS = 2000;
/** A final sync that has not caught up in this long fails the tenant (and rolls it back). */
const FINAL_SYNC_LIMIT_MS = 5 * 60_000;
/** kube-apiserver's default --request-timeout: no request sent during an outage lands later than this after it answers again. */
export const DEFAULT_SETTLE_MS = 60_000;

export interface FailoverHost {
  estate: Estate;
  kubeConfig: k8s.KubeConfig;
  member(name: string): MemberCluster | undefined;
  nodes(): CloudNodeObj[];
  tenants(): TenantObj[];
  tenant(name: string): TenantObj | undefined;
  writer: StatusWriter;
  /** The tenant's network attachments on `node`, with that node's own ranges (what the tenant controller applies there). */
  networkAttachments(tenant: TenantObj, node: string): K8sObject[];
  /** Asks the copier for a pass of the tenant now. */
  copyNow(tenant: string): void;
  /** Since when (ms) `node` answers without a break, as the fence guard saw it; undefined while it does not. */
  answeringSince(node: string): number | undefined;
  log(line: string): void;
}

export interface FailoverRunnerOptions {
  /** Test hook: the phases on whose entry the process is killed (right after the phase is persisted). */
  crashOnPhase?: ReadonlySet<string>;
  crash?: (phase: FailoverPhase) => void;
  /** Test hook: awaited before a step of the named type runs. */
  gate?: (failover: string, step: FailoverStep['type']) => Promise<void>;
  /** How long an old source must answer before its fence is checked again and lost+found taken (default 60 s). */
  settleMs?: number;
  now?: () => Date;
}

type Status = FailoverStatus;

export class FailoverRunner extends OperationRunner<FailoverObj> {
  private readonly now: () => Date;
  private readonly io = new FailoverMemberIO();
  /** Failovers this process took into their current phase (or found there at or after the switch): the rest, found before the switch, were interrupted. */
  private readonly mine = new Set<string>();

  constructor(
    private readonly host: FailoverHost,
    private readonly opts: FailoverRunnerOptions = {},
  ) {
    super(host.kubeConfig, { kind: 'Failover', plural: 'failovers' }, host.log);
    this.now = opts.now ?? (() => new Date());
  }

  /** What the running failover of `tenant` (its status.operation) holds of it: the tenant controller and the copier ask. */
  holds(tenant: string): FailoverHolds {
    const op = this.host.tenant(tenant)?.status?.operation;
    const f = op?.kind === 'Failover' ? this.informer.cache.get(op.name) : undefined;
    return f ? failoverHolds(f, tenant) : { reconcile: false, copies: false };
  }

  protected reconcile(name: string): Promise<{ requeueAfterMs?: number } | void> {
    type Step = FailoverStep | { type: 'interrupted' };
    return runSteps<FailoverObj, Step>({
      what: `failover ${name}`,
      stopped: () => this.stopped,
      current: () => this.informer.cache.get(name),
      next: async (f) => {
        const deleting = f.metadata.deletionTimestamp !== undefined;
        if (deleting && isTerminalFailover(f.status?.phase)) return { done: await this.removeFinalizer(f) };
        if (this.interrupted(f)) return { type: 'interrupted' };
        const step = nextFailoverStep(this.asRun(f));
        return step.type === 'none' ? { done: undefined } : step;
      },
      gate: async (step) => {
        if (step.type !== 'interrupted') await this.opts.gate?.(name, step.type);
      },
      run: async (f, step) => {
        if (step.type === 'interrupted') return this.writeStatus(f, startRollback(f.status ?? {}, FailoverReasons.Interrupted, `the operator stopped in ${f.status?.phase} before the switch; rolled back to the source`));
        await this.run(this.asRun(f), step);
        this.mine.add(name);
      },
      log: (l) => this.host.log(l),
    });
  }

  /** A failover deleted before it finished is aborted (before the switch) or completed (after it). */
  private asRun(f: FailoverObj): FailoverObj {
    return f.metadata.deletionTimestamp !== undefined ? { ...f, spec: { ...f.spec, abort: true } } : f;
  }

  /** Found before the switch in a phase with work done that this process did not enter: its predecessor stopped there. */
  private interrupted(f: FailoverObj): boolean {
    const s = f.status ?? {};
    if (this.mine.has(f.metadata.name) || f.spec.dryRun || f.spec.abort || s.reason !== undefined) return false;
    const phase = s.phase;
    const before = phase === 'Fencing' || phase === 'FinalSync' || (phase === 'Precheck' && s.tenants !== undefined);
    if (!before) {
      if (phase !== undefined && phase !== 'Pending' && phase !== 'Precheck') this.mine.add(f.metadata.name);
      return false;
    }
    return true;
  }

  private async writeStatus(f: FailoverObj, status: Status): Promise<void> {
    const before = this.informer.cache.get(f.metadata.name)?.status?.phase;
    await this.host.writer.readModifyWrite('failovers', f.metadata.name, '/status', () => ({ status: { ...status, totals: failoverTotals(status.tenants ?? []), observedGeneration: f.metadata.generation } }));
    if (status.phase && status.phase !== before) {
      this.mine.add(f.metadata.name);
      this.host.log(`failover ${f.metadata.name}: ${status.phase}`);
      if (this.opts.crashOnPhase?.has(status.phase)) (this.opts.crash ?? crashNow)(status.phase);
    }
  }

  private enter(f: FailoverObj, status: Status, phase: FailoverPhase, extra: Partial<Status> = {}): Promise<void> {
    return this.writeStatus(f, { ...enterFailoverPhase(status, phase, this.now()), ...extra });
  }

  private async run(f: FailoverObj, step: FailoverStep): Promise<void> {
    const s = f.status ?? {};
    switch (step.type) {
      case 'init':
        await this.host.writer.readModifyWrite('failovers', f.metadata.name, '', (cur) => ((cur.metadata.finalizers ?? []).includes(FAILOVER_FINALIZER) ? undefined : { metadata: { finalizers: [...(cur.metadata.finalizers ?? []), FAILOVER_FINALIZER] } }));
        return this.enter(f, s, 'Pending');
      case 'start':
        return this.enter(f, s, 'Precheck');
      case 'precheck':
        return this.precheck(f);
      case 'fence':
        return this.fence(f, step.tenants);
      case 'finalSync':
        return this.tenantWork(f, step.tenants, 'final sync', (t) => this.finalSync(f, t));
      case 'switch':
        return this.tenantWork(f, step.tenants, 'switching', (t) => this.switchTenant(t));
      case 'promote':
        return this.tenantWork(f, step.tenants, 'promoting', (t) => this.promote(t));
      case 'verify':
        return this.tenantWork(f, step.tenants, 'verifying', (t) => this.verify(f, t));
      case 'reprotect':
        return this.tenantWork(f, step.tenants, 'reprotecting', (t) => this.reprotect(f, t));
      case 'rollback': {
        const why = f.spec.abort ? 'aborted' : s.reason === FailoverReasons.Interrupted ? 'interrupted' : 'failed before the switch';
        return this.tenantWork(f, step.tenants, 'rolling back', (t) => this.rollback(t, why));
      }
      case 'refuseAbort':
        return this.writeStatus(f, abortRefused(s, step.message));
      case 'advance':
        return this.enter(f, s, step.phase);
      case 'finish':
        for (const t of s.tenants ?? []) await this.release(f, t);
        return this.enter(f, s, step.phase, { reason: step.reason, message: step.message });
      case 'none':
        return;
    }
  }

  // ---- Precheck ------------------------------------------------------------------------------

  private async precheck(f: FailoverObj): Promise<void> {
    const name = f.metadata.name;
    const s = f.status ?? {};
    const now = this.now();
    const { tenants, problems } = resolveFailoverScope(f.spec, { estate: this.host.estate, tenants: this.host.tenants(), nodes: this.host.nodes(), now, failover: name });
    const waited = Math.min(now.getTime() - Date.parse(s.startedAt ?? now.toISOString()), Date.now() - this.startedMs);
    if (problems.some((p) => p.transient) && waited < CONNECT_WAIT_MS) throw new NotYet(500, 'a copy is catching up');
    const out: FailoverTenantStatus[] = [];
    const general: string[] = [];
    const byTenant = new Map<string, string[]>();
    for (const p of problems) {
      if (p.tenant) byTenant.set(p.tenant, [...(byTenant.get(p.tenant) ?? []), p.message]);
      else general.push(`${p.field}: ${p.message}`);
    }
    for (const [tenant, messages] of byTenant) {
      const t = this.host.tenant(tenant);
      // Never an empty string: the API server's merge patch of a custom resource takes "" for null (1.20).
      const from = (t && activeNode(t)) ?? '(not placed)';
      const to = f.spec.to ? `(${f.spec.to})` : (t?.status?.node ?? '(home)');
      out.push({ tenant, from, to, state: 'Failed', message: messages.join('; '), rtoTargetSeconds: (t?.spec.dr?.rtoMinutes ?? 0) * 60, rpoTargetSeconds: (t?.spec.dr?.rpoMinutes ?? 0) * 60 });
    }
    const toClaim: FailoverTenantStatus[] = [];
    for (const r of tenants) {
      const t = this.host.tenant(r.tenant);
      const copy = t?.status?.dr?.standbys.find((c) => c.node === r.to);
      const base: FailoverTenantStatus = {
        tenant: r.tenant,
        from: r.from,
        to: r.to,
        state: 'Pending',
        epochBefore: r.epoch,
        rtoTargetSeconds: r.rtoTargetSeconds,
        rpoTargetSeconds: r.rpoTargetSeconds,
        ...(f.spec.type === 'emergency' ? { recoveryPoint: r.recoveryPoint!, digestBefore: r.expectedDigest!, ...(copy?.objectDigests ? { recoveryPointDigests: copy.objectDigests } : {}) } : {}),
      };
      const needed = f.spec.type === 'planned' ? [r.from, r.to] : [r.to];
      const down = needed.find((n) => !this.host.member(n)?.synced);
      if (down !== undefined) {
        if (waited < CONNECT_WAIT_MS) throw new NotYet(500, `${down} is not connected yet`);
        out.push(failoverTenantFailed(base, `${down} is not connected (its CloudNode is not Ready, or its caches did not sync within ${CONNECT_WAIT_MS / 1000} s)${f.spec.type === 'planned' && down === r.from ? ': if it is down, fail over --emergency' : ''}`));
        continue;
      }
      if (f.spec.dryRun) {
        out.push({ ...base, plan: failoverPlan({ tenant: r.tenant, from: r.from, to: r.to, epoch: r.epoch, recoveryPoint: r.recoveryPoint, expectedDigest: r.expectedDigest }, f.spec) });
        continue;
      }
      toClaim.push(base);
    }
    // Each tenant claimed with its own optimistic write, a few at a time.
    await eachLimit(toClaim, TENANT_CONCURRENCY, async (base) => {
      const busy = await claimTenant(this.host.writer, base.tenant, { kind: 'Failover', name }, now);
      out.push(busy ? failoverTenantFailed(base, busy) : base);
    });
    out.sort((a, b) => (a.tenant < b.tenant ? -1 : 1));
    const message = general.length ? general.join('; ') : out.some((t) => t.state === 'Pending') ? undefined : out.map((t) => `${t.tenant}: ${t.message}`).join('; ') || 'nothing to fail over in this scope';
    await this.writeStatus(f, { ...s, tenants: out, ...(message ? { message } : {}) });
  }

  /** Releases the claim if it is this failover's, and records the failover in the tenant's status.failovers (not a dry run's). */
  private async release(f: FailoverObj, t: FailoverTenantStatus): Promise<void> {
    if (f.spec.dryRun) return;
    const summary = tenantFailoverSummary(f, t);
    const key = summaryKey(f.spec);
    // Tenants the precheck refused were never the failover's: nothing to record on them.
    const touched = t.state !== 'Failed' || t.fenceRecord !== undefined || t.epochAfter !== undefined;
    await this.host.writer.readModifyWrite('tenants', t.tenant, '/status', (cur) => {
      const st = (cur as TenantObj).status;
      const ours = st?.operation?.kind === 'Failover' && st.operation.name === f.metadata.name;
      const record = touched && ours && st?.failovers?.[key]?.name !== f.metadata.name;
      if (!ours) return undefined;
      const failovers: TenantFailovers = { ...st?.failovers, [key]: summary };
      return { status: { operation: null, ...(record ? { failovers } : {}) } };
    });
  }

  private async removeFinalizer(f: FailoverObj): Promise<void> {
    for (const t of f.status?.tenants ?? []) await this.release(f, t);
    await this.host.writer.readModifyWrite('failovers', f.metadata.name, '', (cur) => ({ metadata: { finalizers: (cur.metadata.finalizers ?? []).filter((x: string) => x !== FAILOVER_FINALIZER) } }));
  }

  // ---- Per-tenant work -----------------------------------------------------------------------

  /**
   * One step's work on each tenant named, a few at a time (`concurrency`), the status written now
   * and then and at the end: a tenant whose work says NotYet stays as it was (the step comes back
   * for it), one whose work throws is Failed with why. The next step is the state machine's.
   */
  private async tenantWork(f: FailoverObj, names: string[], doing: string, work: (t: FailoverTenantStatus) => Promise<FailoverTenantStatus>, concurrency = TENANT_CONCURRENCY): Promise<void> {
    const tenants = new Map((f.status?.tenants ?? []).map((t) => [t.tenant, t]));
    const queue = [...names];
    let wait: NotYet | undefined;
    let lastWrite = Date.now();
    let dirty = false;
    // One progress write at a time, in the background: a large failover's status is big, and the
    // workers go on meanwhile. The last write is awaited.
    let writing: Promise<void> | undefined;
    const progress = async (force: boolean) => {
      if (force) await writing;
      if (!dirty || writing || (!force && Date.now() - lastWrite < PROGRESS_MS)) return;
      dirty = false;
      lastWrite = Date.now();
      const w = this.writeStatus(f, { ...f.status, tenants: [...tenants.values()] }).finally(() => (writing = undefined));
      writing = w;
      if (force) await w;
      else w.catch((e: Error) => this.host.log(`failover ${f.metadata.name}: progress: ${e.message}`));
    };
    const worker = async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const t = tenants.get(next);
        if (!t) continue;
        let after: FailoverTenantStatus;
        try {
          after = await work(t);
        } catch (e) {
          if (e instanceof NotYet) {
            wait = wait && wait.ms <= e.ms ? wait : e;
            continue;
          }
          after = failoverTenantFailed(t, `${doing} ${t.tenant} (${t.from} → ${t.to}): ${(e as Error).message ?? e}`);
        }
        if (JSON.stringify(after) === JSON.stringify(t)) continue;
        tenants.set(next, after);
        dirty = true;
        await progress(false);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
    await progress(true);
    if (wait) throw wait;
  }

  private memberOf(node: string): MemberCluster {
    const m = this.host.member(node);
    if (!m?.synced) throw new NotYet(1000, `${node} is not connected`);
    return m;
  }

  /** Fencing: each tenant's fenceRecord is in the status before its source is touched, so a crash mid-fence is undone too. */
  private async fence(f: FailoverObj, names: string[]): Promise<void> {
    const s = f.status ?? {};
    if ((s.tenants ?? []).some((t) => names.includes(t.tenant) && t.fenceRecord === undefined)) {
      return this.writeStatus(f, { ...s, tenants: (s.tenants ?? []).map((t) => (names.includes(t.tenant) && t.fenceRecord === undefined ? { ...t, fenceRecord: FENCE_RECORD } : t)) });
    }
    await this.tenantWork(f, names, 'fencing', async (t) => {
      const m = this.memberOf(t.from);
      const ns = tenantNamespace({ id: t.tenant });
      // Every write of the fence was accepted over the version it was computed from: fenced. (The
      // caches see the deletions a moment later; FinalSync checks the fence again from them.)
      await this.io.fence(m, ns, f.metadata.name);
      this.host.copyNow(t.tenant);
      return tenantFenced(t, FENCE_RECORD);
    });
  }

  private async finalSync(f: FailoverObj, t: FailoverTenantStatus): Promise<FailoverTenantStatus> {
    const from = this.memberOf(t.from);
    const to = this.memberOf(t.to);
    const ns = tenantNamespace({ id: t.tenant });
    const check = await this.io.fenced(from, ns);
    if (!check.fenced) {
      // Someone started something again on the fenced source: fence it again first.
      await this.io.fence(from, ns, f.metadata.name);
      throw new NotYet(200, `${ns} on ${t.from} was live again (${check.live[0]?.reason}); fenced again`);
    }
    const c = await this.io.compare(from, to, ns);
    if (c.inSync) return tenantSynced(t, c.sourceDigest);
    const since = (f.status?.transitions ?? []).filter((x) => x.phase === 'FinalSync').at(-1)?.at;
    if (since && this.now().getTime() - Date.parse(since) > FINAL_SYNC_LIMIT_MS) {
      return failoverTenantFailed(t, `the final sync to ${t.to} did not catch up within ${FINAL_SYNC_LIMIT_MS / 60_000} min (the copy's digest ${c.standbyDigest}, the fenced source's ${c.sourceDigest}): see "longyun dr status ${t.tenant}"`);
    }
    this.host.copyNow(t.tenant);
    throw new NotYet(300, 'copy catching up');
  }

  /** The commit: status.activeNode → to and epoch + 1 on the Tenant, only over the epoch this failover read. */
  private async switchTenant(t: FailoverTenantStatus): Promise<FailoverTenantStatus> {
    let conflict: string | undefined;
    const epochBefore = t.epochBefore ?? 1;
    await this.host.writer.readModifyWrite('tenants', t.tenant, '/status', (cur) => {
      const r = switchTenantStatus((cur as TenantObj).status, t.to, epochBefore);
      if (!r.ok) {
        conflict = r.conflict.message;
        return undefined;
      }
      conflict = undefined;
      return r.already ? undefined : { status: r.patch };
    });
    if (conflict) return failoverTenantFailed(t, conflict);
    this.host.log(`failover: tenant ${t.tenant} switched ${t.from} → ${t.to} (epoch ${epochBefore + 1})`);
    return tenantSwitched(t, epochBefore, this.now());
  }

  private async promote(t: FailoverTenantStatus): Promise<FailoverTenantStatus> {
    const m = this.memberOf(t.to);
    const tenant = this.host.tenant(t.tenant);
    if (!tenant) throw new Error(`tenant ${t.tenant} is gone`);
    const ns = tenantNamespace({ id: t.tenant });
    await this.io.promote(m, ns, this.host.networkAttachments(tenant, t.to));
    await this.io.dropFenceRecord(m, ns);
    return tenantPromoted(t);
  }

  private async verify(f: FailoverObj, t: FailoverTenantStatus): Promise<FailoverTenantStatus> {
    const m = this.memberOf(t.to);
    const { digest } = await this.io.digest(m, tenantNamespace({ id: t.tenant }));
    return tenantFailoverVerified(t, { digestAfter: digest, type: f.spec.type, startedAt: f.status?.startedAt ?? this.now().toISOString() }, this.now());
  }

  /**
   * The old source becomes a standby of the new active node. Emergency: once it answers again (the
   * fence guard fences it the moment it does), after the settle time its fence is checked again and
   * lost+found taken — the objects changed since the recovery point, kept in a quarantine
   * namespace and listed in the Tenant's status — before the copier may write there. Then its
   * Velero Schedules go (they follow the active node), the copy into it is awaited current, and
   * the fence record, now stale, is deleted.
   */
  private async reprotect(f: FailoverObj, t: FailoverTenantStatus): Promise<FailoverTenantStatus> {
    const ns = tenantNamespace({ id: t.tenant });
    const since = this.host.answeringSince(t.from);
    const m = this.host.member(t.from);
    if (f.spec.type === 'emergency' && t.lostAndFound === undefined) {
      if (since === undefined || !m?.synced) throw new NotYet(2000, `waiting for ${t.from} to answer again`);
      await this.io.fence(m, ns, f.metadata.name);
      const settle = this.opts.settleMs ?? DEFAULT_SETTLE_MS;
      if (Date.now() - since < settle) throw new NotYet(Math.min(2000, settle), `${t.from} answers again; fence checked again after ${settle / 1000} s`);
      const check = await this.io.fenced(m, ns);
      if (!check.fenced) {
        await this.io.fence(m, ns, f.metadata.name);
        throw new NotYet(200, `${ns} on ${t.from} was live again (${check.live[0]?.reason}); fenced again`);
      }
      const objects = await this.io.view(m, ns);
      const lost = objects ? lostAndFound(t.recoveryPointDigests ?? {}, objects) : [];
      const now = this.now();
      const quarantine = lost.length > 0 ? await this.io.quarantine(m, { tenant: t.tenant, failover: f.metadata.name, namespace: ns, lost }) : undefined;
      // Recorded even when nothing was lost: it says the old source was checked.
      const record: LostAndFoundRecord = { failover: f.metadata.name, at: now.toISOString(), node: t.from, recoveryPoint: t.recoveryPoint ?? t.switchedAt ?? now.toISOString(), ...(quarantine ? { quarantineNamespace: quarantine } : {}), objects: lost };
      await this.host.writer.readModifyWrite('tenants', t.tenant, '/status', (cur) => {
        const list = (cur as TenantObj).status?.lostAndFound ?? [];
        if (list.some((r) => r.failover === record.failover && r.node === record.node)) return undefined;
        return { status: { lostAndFound: [...list, record] } };
      });
      if (lost.length) this.host.log(`failover ${f.metadata.name}: tenant ${t.tenant}: ${lost.length} objects on ${t.from} changed after the recovery point, kept in ${quarantine}`);
      // Written to the failover's status before the copier may write there (failoverHolds).
      return tenantLostAndFound(t, quarantine, lost, now);
    }
    if (!m?.synced) throw new NotYet(2000, `waiting for ${t.from} to answer`);
    // The promoted copy's last standby marks, off the recovery's critical path.
    await this.io.tidy(this.memberOf(t.to), ns);
    await this.io.dropSchedules(m, t.tenant);
    this.host.copyNow(t.tenant);
    const copy = this.host.tenant(t.tenant)?.status?.dr?.standbys.find((c) => c.node === t.from);
    if (!copy || copy.state !== 'Current' || copy.digest === undefined || copy.digest !== copy.sourceDigest) throw new NotYet(500, `copy into ${t.from} not current yet`);
    await this.io.dropFenceRecord(m, ns);
    return { ...tenantReprotected(t), message: `${t.from} is a standby of ${t.to}${t.lostAndFound?.objects.length ? `; ${t.lostAndFound.objects.length} objects kept in lost+found (${t.lostAndFound.quarantineNamespace})` : ''}` };
  }

  private async rollback(t: FailoverTenantStatus, why: string): Promise<FailoverTenantStatus> {
    if (t.fenceRecord !== undefined) {
      const m = this.memberOf(t.from);
      await this.io.unfence(m, tenantNamespace({ id: t.tenant }));
      this.host.copyNow(t.tenant);
    }
    return tenantRolledBack(t, why);
  }
}

