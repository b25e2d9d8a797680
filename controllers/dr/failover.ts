// A failover (or failback) as an explicit state machine (issue 13), in the style of drill.ts: each
// phase persisted in the Failover's status with the time it was entered, each tenant's progress in
// its state, so that a successor resumes where its predecessor stopped. Pure: what the next step is,
// and what a step's results make of the status; the runtime does the I/O.
//
// The switch (a Tenant's status.activeNode and a raised epoch, one optimistic-concurrency write per
// tenant) is the single commit point. Before it, an abort, an interruption (the operator crashed
// mid-phase) or a tenant's failure rolls back: the source is unfenced from its fence record. At or
// after it, the failover only goes forward: an abort is refused and recorded, and a tenant that
// cannot finish ends Failed with the reason, still with exactly one active copy.
import { LongyunError } from '../../topology/errors.js';
import { FORWARD_ONLY_PHASES, isTerminalFailover, type Failover, type LostAndFoundObject, type FailoverPhase, type FailoverPlanStep, type FailoverSpec, type FailoverStatus, type FailoverTenantState, type FailoverTenantStatus, type FailoverTotals, type FailoverType, type TenantFailoverSummary } from './failover-types.js';

export const FailoverReasons = {
  /** Nothing in the scope could be failed over: every problem is in the message. */
  PrecheckFailed: 'PrecheckFailed',
  /** `abort` before Switching: rolled back. */
  Aborted: 'Aborted',
  /** The operator stopped mid-phase before Switching (a successor picked the failover up): rolled back. */
  Interrupted: 'Interrupted',
  /** `abort` at or after Switching: refused, the failover goes on. */
  AbortRefused: 'AbortRefused',
  /** Every tenant that got past Precheck failed before Switching and was rolled back. */
  AllRolledBack: 'AllRolledBack',
  AllReprotected: 'AllReprotected',
  /** A dry run: every tenant's plan is in its status. */
  Planned: 'Planned',
  SomeTenantsFailed: 'SomeTenantsFailed',
} as const;

/** Reasons that, set on a failover before Switching, roll all of it back. */
const ROLLBACK_REASONS: readonly string[] = [FailoverReasons.Aborted, FailoverReasons.Interrupted];
/** Phases before the switch: the failover may still go back. */
export const ROLLBACK_PHASES: readonly FailoverPhase[] = ['Pending', 'Precheck', 'Fencing', 'FinalSync'];

/** A step asked of a failover that its state forbids (a rollback at or after the switch): a bug in the caller, never retried. */
export class FailoverStateError extends LongyunError {
  override name = 'FailoverStateError';
}

export type FailoverStep =
  /** No phase yet: enter Pending. */
  | { type: 'init' }
  /** Pending: enter Precheck (the failover's start: RTO is measured from here). */
  | { type: 'start' }
  /** Precheck, no tenants recorded yet: resolve the scope (resolveFailoverScope), claim the tenants (or, dry run, plan them), record them. */
  | { type: 'precheck' }
  /** Fence the source of these tenants (state Pending); record each fence before changing anything. */
  | { type: 'fence'; tenants: string[] }
  /** Copy these fenced tenants' sources once more and check the copy equal (state Fenced). */
  | { type: 'finalSync'; tenants: string[] }
  /** Write each tenant's switch (switchTenantStatus): planned from Synced, emergency from Pending. */
  | { type: 'switch'; tenants: string[] }
  /** Turn the standby copy of these switched tenants into the live one (state Switched). */
  | { type: 'promote'; tenants: string[] }
  /** Check the promoted copy's digest (state Promoted). */
  | { type: 'verify'; tenants: string[] }
  /** Make the old source a standby of the new active node (state Verified); emergency: once it answers and is fenced. */
  | { type: 'reprotect'; tenants: string[] }
  /** Unfence these tenants from their fence records (idempotent: no record, nothing to undo) and mark them RolledBack. */
  | { type: 'rollback'; tenants: string[] }
  /** Record `message` (status.reason AbortRefused): an abort asked at or after Switching; the failover goes on. */
  | { type: 'refuseAbort'; message: string }
  /** Every tenant done with this phase: enter `phase`. */
  | { type: 'advance'; phase: FailoverPhase }
  /**
   * The failover is over: release the tenants it claimed (status.operation), write each one's
   * summary (tenantFailoverSummary; not for a dry run), then enter `phase` with reason and message.
   * Each part idempotent: a successor that finds the failover still here does them again.
   */
  | { type: 'finish'; phase: FailoverPhase; reason: string; message: string }
  | { type: 'none' };

/** The phases a failover of this kind goes through, in order, ending Succeeded. */
export function failoverPhases(spec: Pick<FailoverSpec, 'type' | 'dryRun'>): FailoverPhase[] {
  if (spec.dryRun) return ['Pending', 'Precheck', 'Succeeded'];
  if (spec.type === 'emergency') return ['Pending', 'Precheck', 'Switching', 'Promoting', 'Verifying', 'Reprotecting', 'Succeeded'];
  return ['Pending', 'Precheck', 'Fencing', 'FinalSync', 'Switching', 'Promoting', 'Verifying', 'Reprotecting', 'Succeeded'];
}

/** Per working phase: the tenant state it starts from and the step that moves a tenant on. */
const WORK: Partial<Record<FailoverPhase, { from: (type: FailoverType) => FailoverTenantState; step: 'fence' | 'finalSync' | 'switch' | 'promote' | 'verify' | 'reprotect' }>> = {
  Fencing: { from: () => 'Pending', step: 'fence' },
  FinalSync: { from: () => 'Fenced', step: 'finalSync' },
  Switching: { from: (type) => (type === 'emergency' ? 'Pending' : 'Synced'), step: 'switch' },
  Promoting: { from: () => 'Switched', step: 'promote' },
  Verifying: { from: () => 'Promoted', step: 'verify' },
  Reprotecting: { from: () => 'Verified', step: 'reprotect' },
};

/** A tenant failed before the switch whose source may still be fenced: it is unfenced before anything goes on. */
const needsUnfence = (t: FailoverTenantStatus) => t.state === 'Failed' && t.fenceRecord !== undefined && t.epochAfter === undefined;

/** Whether `abort` can still stop the failover, and if not, why. */
export function failoverAbortable(f: Pick<Failover, 'status'>): { abortable: true } | { abortable: false; why: string } {
  const s = f.status ?? {};
  const phase = s.phase;
  if (phase !== undefined && isTerminalFailover(phase)) return { abortable: false, why: `it has finished (${phase})` };
  if (phase !== undefined && FORWARD_ONLY_PHASES.includes(phase)) {
    const switched = (s.tenants ?? []).filter((t) => t.epochAfter !== undefined).length;
    return {
      abortable: false,
      why: `it is in ${phase}, at or after the switch${switched ? ` (${switched} tenant${switched === 1 ? '' : 's'} already active on the target)` : ''}: a failover never goes back once switching has begun; it completes, then fail back (or fail over again) to move the tenants`,
    };
  }
  return { abortable: true };
}

/** The next step, from the failover alone. */
export function nextFailoverStep(f: Pick<Failover, 'spec' | 'status'>): FailoverStep {
  const s = f.status ?? {};
  const phase = s.phase;
  if (phase === undefined) return { type: 'init' };
  if (isTerminalFailover(phase)) return { type: 'none' };
  const tenants = s.tenants ?? [];
  const names = (pred: (t: FailoverTenantStatus) => boolean) => tenants.filter(pred).map((t) => t.tenant);

  if (ROLLBACK_PHASES.includes(phase)) {
    const rollingBack = f.spec.abort === true || (s.reason !== undefined && ROLLBACK_REASONS.includes(s.reason));
    if (rollingBack) {
      // Every tenant not rolled back yet, but those that failed the precheck (never touched).
      const left = names((t) => t.state !== 'RolledBack' && !(t.state === 'Failed' && t.fenceRecord === undefined));
      if (left.length) return { type: 'rollback', tenants: left };
      const reason = f.spec.abort ? FailoverReasons.Aborted : (s.reason ?? FailoverReasons.Aborted);
      return { type: 'finish', phase: 'RolledBack', reason, message: s.message ?? (reason === FailoverReasons.Aborted ? `aborted in ${phase}` : `interrupted in ${phase}`) };
    }
  } else if (f.spec.abort === true && s.reason !== FailoverReasons.AbortRefused) {
    const a = failoverAbortable(f);
    return { type: 'refuseAbort', message: `abort refused: ${a.abortable ? 'not abortable now' : a.why}` };
  }

  switch (phase) {
    case 'Pending':
      return { type: 'start' };
    case 'Precheck': {
      if (s.tenants === undefined) return { type: 'precheck' };
      if (!tenants.some((t) => t.state === 'Pending')) {
        const o = failoverOutcome(s, f.spec);
        return { type: 'finish', ...o };
      }
      if (f.spec.dryRun) return { type: 'finish', ...failoverOutcome(s, f.spec) };
      return { type: 'advance', phase: nextPhase(f.spec, phase) };
    }
    default: {
      const work = WORK[phase];
      if (!work) return { type: 'none' };
      // Before the switch a tenant that failed is unfenced first; nothing moves on while one is left fenced.
      if (phase === 'Fencing' || phase === 'FinalSync') {
        const unfence = names(needsUnfence);
        if (unfence.length) return { type: 'rollback', tenants: unfence };
      }
      const from = work.from(f.spec.type);
      const left = names((t) => t.state === from);
      if (left.length) return { type: work.step, tenants: left };
      const next = nextPhase(f.spec, phase);
      if (next === 'Succeeded' || !tenants.some((t) => t.state === WORK[next]?.from(f.spec.type))) {
        // Nothing left to move on (the last phase done, or every tenant failed or rolled back).
        return { type: 'finish', ...failoverOutcome(s, f.spec) };
      }
      return { type: 'advance', phase: next };
    }
  }
}

function nextPhase(spec: Pick<FailoverSpec, 'type' | 'dryRun'>, phase: FailoverPhase): FailoverPhase {
  const order = failoverPhases(spec);
  return order[order.indexOf(phase) + 1] ?? 'Succeeded';
}

/**
 * The status with `phase` entered at `now`: Precheck starts the clock (startedAt), Switching
 * records switchedAt, a terminal phase finishedAt (each set once: a successor re-entering keeps them).
 */
export function enterFailoverPhase(status: FailoverStatus | undefined, phase: FailoverPhase, now: Date): FailoverStatus {
  const at = now.toISOString();
  const s: FailoverStatus = {
    ...status,
    phase,
    transitions: [...(status?.transitions ?? []), { phase, at }],
    rtoScope: 'objects',
    rpoScope: 'objects',
    volumeData: { state: 'NotMeasured', reason: "volume data is Velero's (its backups and restores); a failover measures API objects only" },
  };
  if (phase === 'Precheck' && !s.startedAt) s.startedAt = at;
  if (phase === 'Switching' && !s.switchedAt) s.switchedAt = at;
  if (isTerminalFailover(phase)) s.finishedAt = at;
  return s;
}

/** Begins rolling the whole failover back before the switch (an interruption found by a successor, a failure of the failover itself). */
export function startRollback(status: FailoverStatus, reason: typeof FailoverReasons.Interrupted | typeof FailoverReasons.Aborted, message: string): FailoverStatus {
  if (status.phase !== undefined && !ROLLBACK_PHASES.includes(status.phase)) {
    throw new FailoverStateError(`failover in ${status.phase} (status.phase) cannot roll back: at or after Switching it only goes forward; let it complete, then fail back`);
  }
  return { ...status, reason, message };
}

/** The status recording that an abort was refused (the step refuseAbort). */
export function abortRefused(status: FailoverStatus, message: string): FailoverStatus {
  return { ...status, reason: FailoverReasons.AbortRefused, message };
}

// ---- Per tenant ------------------------------------------------------------------------------

const seconds = (from: string, to: Date | string) => Math.max(0, Math.round(((typeof to === 'string' ? Date.parse(to) : to.getTime()) - Date.parse(from)) / 100) / 10);

/** Fenced: `fenceRecord` names the record (set it before fencing starts, so a crash mid-fence is unfenced too); `digestBefore` is the source's digest. */
export function tenantFenced(t: FailoverTenantStatus, fenceRecord: string, digestBefore?: string): FailoverTenantStatus {
  return { ...t, state: 'Fenced', fenceRecord, ...(digestBefore !== undefined ? { digestBefore } : {}) };
}

/** Final sync done: the standby equals the fenced source (`digest`, both sides). */
export function tenantSynced(t: FailoverTenantStatus, digest: string): FailoverTenantStatus {
  return { ...t, state: 'Synced', digestBefore: digest };
}

/** Switched at `now`: the Tenant's status was written (switchTenantStatus) with epoch epochBefore + 1. */
export function tenantSwitched(t: FailoverTenantStatus, epochBefore: number, now: Date): FailoverTenantStatus {
  return { ...t, state: 'Switched', epochBefore, epochAfter: epochBefore + 1, switchedAt: t.switchedAt ?? now.toISOString() };
}

export function tenantPromoted(t: FailoverTenantStatus): FailoverTenantStatus {
  return { ...t, state: 'Promoted' };
}

/**
 * Verified at `now` when the promoted copy's digest is the one expected (digestBefore: the fenced
 * source's for a planned failover, the recovery point's for an emergency one); otherwise Failed,
 * naming both. RTO: the failover's start → now. RPO: 0 planned (the final sync verified equal),
 * switchedAt − recoveryPoint emergency. Each met or not against the plan's targets.
 */
export function tenantFailoverVerified(t: FailoverTenantStatus, r: { digestAfter: string; type: FailoverType; startedAt: string }, now: Date): FailoverTenantStatus {
  const rtoSeconds = seconds(r.startedAt, now);
  const rpoSeconds = r.type === 'planned' ? 0 : t.recoveryPoint !== undefined && t.switchedAt !== undefined ? seconds(t.recoveryPoint, t.switchedAt) : undefined;
  const ok = t.digestBefore !== undefined && r.digestAfter === t.digestBefore;
  const message = ok
    ? `active on ${t.to}, digest equal to ${r.type === 'planned' ? `the fenced source's on ${t.from}` : `the recovery point's (${t.recoveryPoint})`}`
    : `the promoted copy on ${t.to} has digest ${r.digestAfter}, expected ${t.digestBefore ?? '(none recorded)'}: it stays active there (the switch is made); compare it with "longyun dr status ${t.tenant}"`;
  return {
    ...t,
    state: ok ? 'Verified' : 'Failed',
    message,
    digestAfter: r.digestAfter,
    verifiedAt: now.toISOString(),
    rtoSeconds,
    rtoMet: rtoSeconds <= t.rtoTargetSeconds,
    ...(rpoSeconds !== undefined ? { rpoSeconds, rpoMet: rpoSeconds <= t.rpoTargetSeconds } : {}),
  };
}

export function tenantReprotected(t: FailoverTenantStatus): FailoverTenantStatus {
  return { ...t, state: 'Reprotected' };
}

/** A tenant that cannot go on, with why. Before the switch the next step unfences it (if fenced); after it, it stays active on `to`. */
export function failoverTenantFailed(t: FailoverTenantStatus, reason: string): FailoverTenantStatus {
  return { ...t, state: 'Failed', message: reason };
}

/** Unfenced (or never fenced) and released: active on its source as before. */
export function tenantRolledBack(t: FailoverTenantStatus, why: string): FailoverTenantStatus {
  if (t.epochAfter !== undefined) throw new FailoverStateError(`tenant ${t.tenant} was switched to ${t.to} (status.tenants[].epochAfter ${t.epochAfter}): it cannot be rolled back; fail it back instead`);
  const before = t.state === 'Failed' && t.message ? `${t.message}; ` : '';
  return { ...t, state: 'RolledBack', message: `${before}${why}: active on ${t.from} as before` };
}

export function failoverTotals(tenants: readonly FailoverTenantStatus[]): FailoverTotals {
  let maxRto: number | undefined;
  let maxRpo: number | undefined;
  for (const t of tenants) {
    if (t.rtoSeconds !== undefined) maxRto = Math.max(maxRto ?? 0, t.rtoSeconds);
    if (t.rpoSeconds !== undefined) maxRpo = Math.max(maxRpo ?? 0, t.rpoSeconds);
  }
  return {
    tenants: tenants.length,
    verified: tenants.filter((t) => t.state === 'Verified' || t.state === 'Reprotected').length,
    failed: tenants.filter((t) => t.state === 'Failed').length,
    rolledBack: tenants.filter((t) => t.state === 'RolledBack').length,
    ...(maxRto !== undefined ? { maxRtoSeconds: maxRto } : {}),
    ...(maxRpo !== undefined ? { maxRpoSeconds: maxRpo } : {}),
  };
}

/**
 * How a failover ends. A dry run: Succeeded when every tenant has a plan. Otherwise Succeeded only
 * with every tenant verified and reprotected; RolledBack when aborted or interrupted before the
 * switch, or when no tenant was switched and some were rolled back; Failed with the reasons else.
 */
export function failoverOutcome(s: FailoverStatus, spec: Pick<FailoverSpec, 'dryRun'> = {}): { phase: FailoverPhase; reason: string; message: string } {
  const tenants = s.tenants ?? [];
  const n = tenants.length;
  if (s.reason !== undefined && ROLLBACK_REASONS.includes(s.reason)) return { phase: 'RolledBack', reason: s.reason, message: s.message ?? s.reason };
  const notOk = (ok: (t: FailoverTenantStatus) => boolean) => tenants.filter((t) => !ok(t));
  if (spec.dryRun) {
    const bad = notOk((t) => t.state === 'Pending' && t.plan !== undefined);
    if (n > 0 && bad.length === 0) return { phase: 'Succeeded', reason: FailoverReasons.Planned, message: `dry run: ${n} tenant${n === 1 ? '' : 's'} planned, nothing changed` };
    return { phase: 'Failed', reason: FailoverReasons.PrecheckFailed, message: `dry run: ${listed(bad, n) || s.message || 'nothing in this scope'}` };
  }
  const bad = notOk((t) => t.state === 'Reprotected');
  if (n > 0 && bad.length === 0) return { phase: 'Succeeded', reason: FailoverReasons.AllReprotected, message: `${n} of ${n} tenant${n === 1 ? '' : 's'} active on the target, verified and reprotected` };
  const touched = tenants.filter((t) => t.state !== 'Failed' || t.fenceRecord !== undefined || t.epochAfter !== undefined);
  if (touched.length === 0) return { phase: 'Failed', reason: FailoverReasons.PrecheckFailed, message: listed(tenants, n) || s.message || 'nothing to fail over in this scope' };
  if (tenants.every((t) => t.epochAfter === undefined) && tenants.some((t) => t.state === 'RolledBack')) {
    return { phase: 'RolledBack', reason: FailoverReasons.AllRolledBack, message: `no tenant switched: ${listed(bad, n)}` };
  }
  return { phase: 'Failed', reason: FailoverReasons.SomeTenantsFailed, message: listed(bad, n) };
}

/** `2 of 5 tenants not done (a: Failed: why; b: Verified, not reprotected)`, the first three named. */
function listed(bad: readonly FailoverTenantStatus[], n: number): string {
  if (bad.length === 0) return '';
  const what = (t: FailoverTenantStatus) => (t.state === 'Failed' || t.state === 'RolledBack' ? `${t.state}: ${t.message ?? 'no reason recorded'}` : `${t.state}, not reprotected${t.message ? ` (${t.message})` : ''}`);
  const shown = bad.slice(0, 3).map((t) => `${t.tenant}: ${what(t)}`);
  return `${bad.length} of ${n} tenant${n === 1 ? '' : 's'} not done (${shown.join('; ')}${bad.length > 3 ? '; …' : ''})`;
}

/**
 * What the Tenant's status keeps of this failover (status.failovers.lastFailover or lastFailback):
 * when (its switch, else the failover's start), from, to, and how it ended for this tenant.
 */
export function tenantFailoverSummary(f: Pick<Failover, 'metadata' | 'spec' | 'status'>, t: FailoverTenantStatus): TenantFailoverSummary {
  const phase: FailoverPhase = t.state === 'Reprotected' ? 'Succeeded' : t.state === 'RolledBack' ? 'RolledBack' : 'Failed';
  return { name: f.metadata.name, at: t.switchedAt ?? f.status?.startedAt ?? f.metadata.creationTimestamp ?? '', from: t.from, to: t.to, type: f.spec.type, phase };
}

/** Where the summary goes in the Tenant's status.failovers. */
export const summaryKey = (spec: Pick<FailoverSpec, 'direction'>): 'lastFailover' | 'lastFailback' => (spec.direction === 'failback' ? 'lastFailback' : 'lastFailover');

// ---- The switch ------------------------------------------------------------------------------

/** The switch could not be made: the tenant moved on since the failover read it. Never retried blindly. */
export interface SwitchConflict {
  field: 'status.epoch';
  expectedEpoch: number;
  actualEpoch: number | undefined;
  activeNode: string | undefined;
  message: string;
}

export type SwitchResult =
  /** `already`: the Tenant shows this very switch (a successor resuming after its predecessor wrote it): writing the patch again changes nothing. */
  | { ok: true; patch: { activeNode: string; epoch: number }; already: boolean }
  | { ok: false; conflict: SwitchConflict };

/**
 * The commit of a failover for one tenant: the patch of its status that makes `to` the active node
 * with epoch epochBefore + 1, written with the Tenant's resourceVersion (optimistic concurrency).
 * A Tenant whose epoch is no longer epochBefore was switched by someone else meanwhile: a conflict,
 * so that there are never two switches. An epoch not written yet counts as 1 (the tenant reconciler's default).
 */
export function switchTenantStatus(tenantStatus: { activeNode?: string | undefined; node?: string | undefined; epoch?: number | undefined } | undefined, to: string, epochBefore: number): SwitchResult {
  const epoch = tenantStatus?.epoch ?? 1;
  const active = tenantStatus?.activeNode ?? tenantStatus?.node;
  const patch = { activeNode: to, epoch: epochBefore + 1 };
  if (epoch === epochBefore) return { ok: true, patch, already: false };
  if (epoch === epochBefore + 1 && active === to) return { ok: true, patch, already: true };
  return {
    ok: false,
    conflict: {
      field: 'status.epoch',
      expectedEpoch: epochBefore,
      actualEpoch: tenantStatus?.epoch,
      activeNode: active,
      message: `the tenant's epoch is ${epoch} (active on ${active ?? 'no node'}), not ${epochBefore} as when this failover read it: it was switched meanwhile, so this switch is not made; check "longyun dr status" and fail over again if still needed`,
    },
  };
}

// ---- Dry run ---------------------------------------------------------------------------------

/** What a tenant's failover will do, step by step: a dry run's plan. */
export function failoverPlan(
  tenant: { tenant: string; from: string; to: string; epoch: number; recoveryPoint?: string | undefined; expectedDigest?: string | undefined },
  spec: Pick<FailoverSpec, 'type' | 'direction'>,
): FailoverPlanStep[] {
  const { from, to } = tenant;
  const name = tenant.tenant;
  const steps: FailoverPlanStep[] = [];
  if (spec.type === 'planned') {
    steps.push({ kind: 'fence', on: from, description: `fence ${name} on ${from}: workloads to 0 replicas, DaemonSets held, CronJobs suspended, Services and network attachments removed, all recorded in ConfigMap longyun-fence` });
    steps.push({ kind: 'sync', on: to, description: `final sync of ${name} from ${from} to ${to}; the copy's digest must equal the fenced source's (RPO 0)` });
  }
  steps.push({ kind: 'switch', on: 'management', description: `Tenant ${name}: status.activeNode ${from} → ${to}, epoch ${tenant.epoch} → ${tenant.epoch + 1} (the commit point)` });
  steps.push({
    kind: 'promote',
    on: to,
    description: `promote ${name}'s copy on ${to}${spec.type === 'emergency' ? ` from the recovery point ${tenant.recoveryPoint ?? '(none)'}` : ''}: replicas, Services and suspended CronJobs restored as on the source; network attachments with ${to}'s own address ranges`,
  });
  steps.push({ kind: 'verify', on: to, description: `check ${name}'s digest on ${to} equals ${spec.type === 'planned' ? `the fenced source's` : `the recovery point's`}${tenant.expectedDigest ? ` (${tenant.expectedDigest})` : ''}` });
  if (spec.type === 'emergency') {
    steps.push({ kind: 'quarantine', on: from, description: `when ${from} answers again: fence ${name} there before anything else, and keep its objects changed after the recovery point aside (lost+found, a quarantine namespace)` });
  }
  steps.push({ kind: 'reprotect', on: from, description: `${name} on ${from} becomes a standby of ${to}: copies run ${to} → ${from}; Schedules and BackupStorageLocations follow the active node` });
  return steps;
}

// ---- What a running failover holds ------------------------------------------------------------

/** What a failover in progress keeps other controllers from doing to one of its tenants. */
export interface FailoverHolds {
  /** The tenant controller writes nothing on the tenant's members: fencing must not be undone, a promotion not raced. */
  reconcile: boolean;
  /** The copier makes no pass for the tenant: its active copy is being promoted (still in standby form). */
  copies: boolean;
  /** The copier writes nothing into the tenant's namespace on this node: the old source, until lost+found is taken there. */
  copiesInto?: string;
}

const NO_HOLD: FailoverHolds = { reconcile: false, copies: false };

/**
 * What `f` holds of `tenant`, from its status alone (so a successor holds the same): before the
 * tenant is verified on the target, its member objects are the failover's (reconcile held); between
 * the switch and verification there is no active copy to copy from (copies held); and after an
 * emergency switch, nothing is copied into the old source until its lost+found is recorded.
 */
export function failoverHolds(f: Pick<Failover, 'spec' | 'status'>, tenant: string): FailoverHolds {
  const s = f.status;
  if (!s?.phase || isTerminalFailover(s.phase) || f.spec.dryRun) return NO_HOLD;
  const t = s.tenants?.find((x) => x.tenant === tenant);
  if (!t) return NO_HOLD;
  const emergencyInto = f.spec.type === 'emergency' && t.epochAfter !== undefined && t.lostAndFound === undefined && t.state !== 'Reprotected' ? { copiesInto: t.from } : {};
  switch (t.state) {
    case 'Pending':
    case 'Fenced':
    case 'Synced':
      // In Switching the switch may be written before the tenant's state says so.
      return { reconcile: true, copies: FORWARD_ONLY_PHASES.includes(s.phase), ...emergencyInto };
    case 'Switched':
    case 'Promoted':
      return { reconcile: true, copies: true, ...emergencyInto };
    case 'Verified':
    case 'Failed':
      return { reconcile: false, copies: false, ...emergencyInto };
    default:
      return NO_HOLD;
  }
}

/** Emergency: lost+found taken on the old source at `now` (objects changed after the recovery point, kept in `quarantineNamespace`; none when nothing was). */
export function tenantLostAndFound(t: FailoverTenantStatus, quarantineNamespace: string | undefined, objects: LostAndFoundObject[], now: Date): FailoverTenantStatus {
  return { ...t, lostAndFound: { ...(quarantineNamespace ? { quarantineNamespace } : {}), objects }, fencedAt: t.fencedAt ?? now.toISOString() };
}
