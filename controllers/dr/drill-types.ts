// The shapes of a DR drill (issue 12): the FailoverDrill and DrillSchedule resources, what a drill
// records per tenant, and what a Tenant's status keeps of its drills. Phases follow Velero's
// convention (one word, persisted with the time each was entered); a drill restores each tenant's
// recovery point into an isolated namespace on the standby of the target centre.
import type { DrCentre } from './status.js';

export const DRILL_PHASES = ['Pending', 'Precheck', 'Restoring', 'Verifying', 'CleaningUp', 'Succeeded', 'PartiallySucceeded', 'Failed', 'Aborted'] as const;
export type DrillPhase = (typeof DRILL_PHASES)[number];
export const TERMINAL_DRILL_PHASES: readonly DrillPhase[] = ['Succeeded', 'PartiallySucceeded', 'Failed', 'Aborted'];
export const isTerminalDrill = (p: DrillPhase | undefined): boolean => p !== undefined && TERMINAL_DRILL_PHASES.includes(p);

/** What a drill covers: exactly one of the three. `centre` is a whole production centre lost (its datacentre id). */
export interface DrillScope {
  tenants?: string[];
  node?: string;
  centre?: string;
}

export interface DrillNote {
  at: string;
  by?: string;
  text: string;
}

export interface DrillSpec {
  scope: DrillScope;
  /** The DR centre whose standby the drill restores into. */
  to: DrCentre;
  /** Leave the drill namespaces for inspection; `cleanup: true` later removes them. */
  keep?: boolean;
  cleanup?: boolean;
  /** Set by `dr drill abort`: stop, clean up, end Aborted. */
  abort?: boolean;
  /** Who asked (the CLI's user; a DrillSchedule's name). */
  requestedBy?: string;
  notes?: DrillNote[];
}

/** Per tenant, where it is in the drill. */
export const DRILL_TENANT_STATES = ['Pending', 'Restoring', 'Verifying', 'Verified', 'Failed', 'Skipped'] as const;
export type DrillTenantState = (typeof DRILL_TENANT_STATES)[number];

export interface DrillInventory {
  /** Objects in the recovery point. */
  expected: number;
  /** Present in the drill namespace with the recovery point's digest. */
  restored: number;
  missing: number;
  differing: number;
  /** Not restored by design (Services, network attachments, NetworkPolicies), each with its reason. */
  skipped: number;
}

export interface DrillObjectIssue {
  /** `${apiVersion}/${kind}/${name}` */
  object: string;
  problem: 'missing' | 'differing' | 'skipped' | 'failed';
  reason: string;
}

export interface Measurement {
  state: 'Measured' | 'NotMeasured';
  reason?: string;
}

export interface DrillTenantStatus {
  tenant: string;
  /** The production node it was drilled from, and the standby it was restored on. */
  source?: string;
  standby?: string;
  /** The drill namespace on the standby. */
  namespace?: string;
  state: DrillTenantState;
  message?: string;
  /** The recovery point restored (the standby copy's, from the Tenant's status.dr). */
  recoveryPoint?: string;
  /** The copy digest of that recovery point. */
  expectedDigest?: string;
  verifiedAt?: string;
  /** From the drill's start to this tenant verified; from the drill's start back to the recovery point. */
  rtoSeconds?: number;
  rpoSeconds?: number;
  rtoTargetSeconds: number;
  rpoTargetSeconds: number;
  rtoMet?: boolean;
  rpoMet?: boolean;
  inventory?: DrillInventory;
  /** Missing, differing and skipped objects, and failures, each with its reason (bounded: the first 50). */
  issues?: DrillObjectIssue[];
  /** Workload availability: NotMeasured with the reason on a member without nodes. */
  availability?: Measurement;
}

export interface DrillTotals {
  tenants: number;
  verified: number;
  failed: number;
  rtoMet: number;
  rpoMet: number;
  maxRtoSeconds?: number;
  maxRpoSeconds?: number;
  inventory: DrillInventory;
}

export interface DrillTransition {
  phase: DrillPhase;
  at: string;
}

export interface DrillStatus {
  phase?: DrillPhase;
  observedGeneration?: number;
  /** When Precheck was entered: the start RTO and RPO are measured from. */
  startedAt?: string;
  finishedAt?: string;
  transitions?: DrillTransition[];
  rtoScope?: 'objects';
  rpoScope?: 'objects';
  /** Why the drill ended as it did (set with every terminal phase but Succeeded, and on refusals). */
  reason?: string;
  message?: string;
  /** The target centre's standby node(s). */
  standbys?: string[];
  tenants?: DrillTenantStatus[];
  totals?: DrillTotals;
  cleanup?: { state: 'Pending' | 'Kept' | 'Done'; at?: string; namespaces?: string[] };
  /** The immutable report ConfigMap, written when the drill finished. */
  report?: { namespace: string; name: string };
}

export interface FailoverDrill {
  apiVersion: string;
  kind: 'FailoverDrill';
  metadata: { name: string; uid?: string; resourceVersion?: string; generation?: number; creationTimestamp?: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: unknown[]; deletionTimestamp?: string; finalizers?: string[] };
  spec: DrillSpec;
  status?: DrillStatus;
}

/** Exactly one of `schedule` (five-field cron, in UTC) and `every` (`30s`, `5m`, `1h`, `7d`). */
export interface DrillScheduleSpec {
  schedule?: string;
  every?: string;
  suspend?: boolean;
  /** Finished drills kept, newest first (CronJob's defaults: 3 successful, 1 failed). */
  successfulHistoryLimit?: number;
  failedHistoryLimit?: number;
  template: Omit<DrillSpec, 'abort' | 'cleanup' | 'requestedBy'>;
}

export interface DrillScheduleStatus {
  conditions?: import('../conditions.js').Condition[];
  lastScheduleTime?: string;
  nextScheduleTime?: string;
  /** The drills it started that have not finished. */
  active?: string[];
  lastDrill?: { name: string; phase?: DrillPhase; finishedAt?: string };
  lastSuccessfulTime?: string;
  /** Why the last due time did not start a drill (the previous one still running). */
  lastSkipped?: { at: string; reason: string };
}

export interface DrillSchedule {
  apiVersion: string;
  kind: 'DrillSchedule';
  metadata: FailoverDrill['metadata'];
  spec: DrillScheduleSpec;
  status?: DrillScheduleStatus;
}

/** What a Tenant's status keeps of one drill. */
export interface TenantDrillSummary {
  name: string;
  phase: DrillPhase;
  finishedAt: string;
  to: DrCentre;
  rtoSeconds?: number;
  rpoSeconds?: number;
  rtoMet?: boolean;
  rpoMet?: boolean;
}

/** Tenant `status.drills`: its last drill and its last successful one (written by the drill runner). */
export interface TenantDrills {
  last?: TenantDrillSummary;
  lastSucceeded?: TenantDrillSummary;
}

/** Tenant `status.operation`: the one DR operation on the tenant (drill now, failover and migration later); claimed with optimistic concurrency. */
export interface TenantOperation {
  kind: 'FailoverDrill' | 'Failover' | 'Migration';
  name: string;
  since: string;
}

/** Labels and names on the members and the management cluster. */
export const DRILL_LABEL = 'longyun.io/drill';
export const DRILL_TENANT_LABEL = 'longyun.io/drill-of';
export const DRILL_SCHEDULE_LABEL = 'longyun.io/drill-schedule';
/** The record a drill namespace holds: the recovery point and the digests it was restored from. */
export const DRILL_RECORD = 'longyun-drill';
/** The default-deny policy of a drill namespace (ingress and egress, every pod). */
export const DRILL_ISOLATION_POLICY = 'longyun-drill-isolation';
