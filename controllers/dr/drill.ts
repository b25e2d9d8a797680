// A drill as an explicit state machine (issue 12): each phase persisted in the FailoverDrill's
// status with the time it was entered, so that a successor resumes where its predecessor stopped.
// Pure: what the next step is, and what a step's results make of the status; operator/drill-runner.ts
// does the I/O. RTO and RPO are measured from the drill's start (entering Precheck): RTO to each
// tenant verified, RPO back to the recovery point restored. Both are about objects only.
import { DRILL_PHASES, isTerminalDrill, type DrillInventory, type DrillObjectIssue, type DrillPhase, type DrillStatus, type DrillTenantStatus, type DrillTotals, type FailoverDrill, type Measurement, type TenantDrillSummary } from './drill-types.js';
import { MAX_ISSUES } from './drill-form.js';

export const DrillReasons = {
  /** Nothing in the scope could be drilled: every problem is in the message. */
  PrecheckFailed: 'PrecheckFailed',
  Aborted: 'Aborted',
  AllVerified: 'AllVerified',
  SomeTenantsFailed: 'SomeTenantsFailed',
  AllTenantsFailed: 'AllTenantsFailed',
} as const;

export type DrillStep =
  /** No phase yet: enter Pending. */
  | { type: 'init' }
  /** Pending: enter Precheck (the drill's start). */
  | { type: 'start' }
  /** Precheck: resolve the scope, claim the tenants, record what each will be restored from. */
  | { type: 'precheck' }
  | { type: 'restore'; tenants: string[] }
  | { type: 'verify'; tenants: string[] }
  /** `abort` asked for a drill not yet cleaning up. */
  | { type: 'abort' }
  | { type: 'cleanup'; tenants: string[]; keep: boolean }
  | { type: 'finish'; phase: DrillPhase; reason: string; message: string }
  /** Finished: release the tenants, write their summaries and the report (each once, idempotent). */
  | { type: 'finalize' }
  /** Finished and kept: `dr drill cleanup` asked for the namespaces to go. */
  | { type: 'cleanupKept'; tenants: string[] }
  | { type: 'none' };

const withNamespace = (tenants: readonly DrillTenantStatus[] | undefined) => (tenants ?? []).filter((t) => t.namespace !== undefined).map((t) => t.tenant);

/** The next step, from the drill alone. */
export function nextDrillStep(d: Pick<FailoverDrill, 'spec' | 'status'>): DrillStep {
  const s = d.status ?? {};
  const phase = s.phase;
  if (phase === undefined) return { type: 'init' };
  if (isTerminalDrill(phase)) {
    if (d.spec.cleanup && s.cleanup?.state === 'Kept') return { type: 'cleanupKept', tenants: withNamespace(s.tenants) };
    if (!s.report) return { type: 'finalize' };
    return { type: 'none' };
  }
  if (d.spec.abort && phase !== 'CleaningUp') return { type: 'abort' };
  switch (phase) {
    case 'Pending':
      return { type: 'start' };
    case 'Precheck':
      return { type: 'precheck' };
    case 'Restoring': {
      const left = (s.tenants ?? []).filter((t) => t.state === 'Pending' || t.state === 'Restoring').map((t) => t.tenant);
      return { type: 'restore', tenants: left };
    }
    case 'Verifying':
      return { type: 'verify', tenants: (s.tenants ?? []).filter((t) => t.state === 'Verifying').map((t) => t.tenant) };
    case 'CleaningUp': {
      const aborted = s.reason === DrillReasons.Aborted;
      return { type: 'cleanup', tenants: withNamespace(s.tenants), keep: !aborted && d.spec.keep === true };
    }
    default:
      return { type: 'none' };
  }
}

/** The status with `phase` entered at `now`; entering Precheck starts the clock RTO and RPO are measured from. */
export function enterPhase(status: DrillStatus | undefined, phase: DrillPhase, now: Date): DrillStatus {
  const at = now.toISOString();
  const s: DrillStatus = { ...status, phase, transitions: [...(status?.transitions ?? []), { phase, at }], rtoScope: 'objects', rpoScope: 'objects' };
  if (phase === 'Precheck' && !s.startedAt) s.startedAt = at;
  if (isTerminalDrill(phase)) s.finishedAt = at;
  return s;
}

/** Phases in order, for the CLI and tests. */
export const phaseIndex = (p: DrillPhase): number => DRILL_PHASES.indexOf(p);

const seconds = (from: string, to: Date | string) => Math.max(0, Math.round(((typeof to === 'string' ? Date.parse(to) : to.getTime()) - Date.parse(from)) / 100) / 10);

/**
 * A tenant verified: its inventory, RTO (drill start → now) and RPO (drill start − recovery point),
 * met or not. Verified only when every object of the recovery point not skipped by design is there
 * with its digest and nothing failed; otherwise Failed, naming what.
 */
export function tenantVerified(t: DrillTenantStatus, r: { inventory: DrillInventory; issues: readonly DrillObjectIssue[]; availability: Measurement; availabilityFailed?: string }, startedAt: string, now: Date): DrillTenantStatus {
  const rtoSeconds = seconds(startedAt, now);
  const rpoSeconds = t.recoveryPoint ? seconds(t.recoveryPoint, startedAt) : undefined;
  const bad = r.issues.filter((i) => i.problem !== 'skipped');
  const ok = bad.length === 0 && r.availabilityFailed === undefined;
  const message = ok
    ? `${r.inventory.restored} of ${r.inventory.expected} objects restored with the recovery point's digests${r.inventory.skipped ? `, ${r.inventory.skipped} skipped by design` : ''}`
    : [r.inventory.missing ? `${r.inventory.missing} missing` : '', r.inventory.differing ? `${r.inventory.differing} differing` : '', bad.filter((i) => i.problem === 'failed').length ? `${bad.filter((i) => i.problem === 'failed').length} failed` : '', r.availabilityFailed ?? '']
        .filter(Boolean)
        .join(', ') + (bad[0] ? `: ${bad[0].object} ${bad[0].problem} (${bad[0].reason})` : '');
  return {
    ...t,
    state: ok ? 'Verified' : 'Failed',
    message,
    verifiedAt: now.toISOString(),
    rtoSeconds,
    ...(rpoSeconds !== undefined ? { rpoSeconds } : {}),
    rtoMet: rtoSeconds <= t.rtoTargetSeconds,
    ...(rpoSeconds !== undefined ? { rpoMet: rpoSeconds <= t.rpoTargetSeconds } : {}),
    inventory: r.inventory,
    issues: r.issues.slice(0, MAX_ISSUES),
    availability: r.availability,
  };
}

/** A tenant that could not go on (precheck, restore), with why; it counts against the drill. */
export function tenantFailed(t: DrillTenantStatus, reason: string, issues: readonly DrillObjectIssue[] = []): DrillTenantStatus {
  return { ...t, state: 'Failed', message: reason, ...(issues.length ? { issues: [...(t.issues ?? []), ...issues].slice(0, MAX_ISSUES) } : {}) };
}

export function drillTotals(tenants: readonly DrillTenantStatus[]): DrillTotals {
  const inventory: DrillInventory = { expected: 0, restored: 0, missing: 0, differing: 0, skipped: 0 };
  let maxRto: number | undefined;
  let maxRpo: number | undefined;
  for (const t of tenants) {
    for (const k of Object.keys(inventory) as Array<keyof DrillInventory>) inventory[k] += t.inventory?.[k] ?? 0;
    if (t.rtoSeconds !== undefined) maxRto = Math.max(maxRto ?? 0, t.rtoSeconds);
    if (t.rpoSeconds !== undefined) maxRpo = Math.max(maxRpo ?? 0, t.rpoSeconds);
  }
  return {
    tenants: tenants.length,
    verified: tenants.filter((t) => t.state === 'Verified').length,
    failed: tenants.filter((t) => t.state === 'Failed').length,
    rtoMet: tenants.filter((t) => t.rtoMet === true).length,
    rpoMet: tenants.filter((t) => t.rpoMet === true).length,
    ...(maxRto !== undefined ? { maxRtoSeconds: maxRto } : {}),
    ...(maxRpo !== undefined ? { maxRpoSeconds: maxRpo } : {}),
    inventory,
  };
}

/** How a drill ends once cleaned up: Aborted when asked; Succeeded only with every tenant verified. */
export function finalPhase(s: DrillStatus): { phase: DrillPhase; reason: string; message: string } {
  const tenants = s.tenants ?? [];
  if (s.reason === DrillReasons.Aborted) return { phase: 'Aborted', reason: DrillReasons.Aborted, message: s.message ?? 'aborted' };
  const verified = tenants.filter((t) => t.state === 'Verified').length;
  const failed = tenants.filter((t) => t.state !== 'Verified');
  if (tenants.length > 0 && failed.length === 0) return { phase: 'Succeeded', reason: DrillReasons.AllVerified, message: `${verified} of ${tenants.length} tenants verified` };
  if (verified === 0) {
    if (s.reason === DrillReasons.PrecheckFailed) return { phase: 'Failed', reason: DrillReasons.PrecheckFailed, message: s.message ?? 'the precheck failed' };
    return { phase: 'Failed', reason: DrillReasons.AllTenantsFailed, message: failedMessage(failed) };
  }
  return { phase: 'PartiallySucceeded', reason: DrillReasons.SomeTenantsFailed, message: `${verified} of ${tenants.length} tenants verified; ${failedMessage(failed)}` };
}

function failedMessage(failed: readonly DrillTenantStatus[]): string {
  const shown = failed.slice(0, 3).map((t) => `${t.tenant}: ${t.message ?? t.state}`);
  return `${failed.length} failed (${shown.join('; ')}${failed.length > 3 ? '; …' : ''})`;
}

/** What the Tenant's status keeps of this drill. */
export function tenantDrillSummary(d: Pick<FailoverDrill, 'metadata' | 'spec' | 'status'>, t: DrillTenantStatus): TenantDrillSummary {
  const phase: DrillPhase = t.state === 'Verified' ? 'Succeeded' : d.status?.phase === 'Aborted' ? 'Aborted' : 'Failed';
  return {
    name: d.metadata.name,
    phase,
    finishedAt: d.status?.finishedAt ?? '',
    to: d.spec.to,
    ...(t.rtoSeconds !== undefined ? { rtoSeconds: t.rtoSeconds } : {}),
    ...(t.rpoSeconds !== undefined ? { rpoSeconds: t.rpoSeconds } : {}),
    ...(t.rtoMet !== undefined ? { rtoMet: t.rtoMet } : {}),
    ...(t.rpoMet !== undefined ? { rpoMet: t.rpoMet } : {}),
  };
}
