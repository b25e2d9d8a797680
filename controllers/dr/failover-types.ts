// The shapes of a failover and a failback (issue 13): the Failover resource, what it records per
// tenant, and what a Tenant's status keeps of them. One active copy per tenant at all times: the
// switch (status.activeNode and a raised epoch, one write per tenant) is the commit point; before
// it a failover rolls back, at or after it a failover only goes forward.
import type { DrCentre } from './status.js';
import type { DrillNote, DrillScope } from './drill-types.js';

export const FAILOVER_PHASES = ['Pending', 'Precheck', 'Fencing', 'FinalSync', 'Switching', 'Promoting', 'Verifying', 'Reprotecting', 'Succeeded', 'Failed', 'RolledBack'] as const;
export type FailoverPhase = (typeof FAILOVER_PHASES)[number];
export const TERMINAL_FAILOVER_PHASES: readonly FailoverPhase[] = ['Succeeded', 'Failed', 'RolledBack'];
export const isTerminalFailover = (p: FailoverPhase | undefined): boolean => p !== undefined && TERMINAL_FAILOVER_PHASES.includes(p);
/** Phases from which a failover never goes back: the switch has been (or is being) made. */
export const FORWARD_ONLY_PHASES: readonly FailoverPhase[] = ['Switching', 'Promoting', 'Verifying', 'Reprotecting'];

export type FailoverType = 'planned' | 'emergency';
export type FailoverDirection = 'failover' | 'failback';

export interface FailoverSpec {
  scope: DrillScope;
  direction: FailoverDirection;
  /** Failover: the DR centre whose standby becomes active. Failback: absent (the tenant's home). */
  to?: DrCentre;
  /** A failback is always planned. */
  type: FailoverType;
  /** Plan only: Precheck, then Succeeded with each tenant's plan; nothing written anywhere. */
  dryRun?: boolean;
  abort?: boolean;
  requestedBy?: string;
  notes?: DrillNote[];
}

export const FAILOVER_TENANT_STATES = ['Pending', 'Fenced', 'Synced', 'Switched', 'Promoted', 'Verified', 'Reprotected', 'Failed', 'RolledBack'] as const;
export type FailoverTenantState = (typeof FAILOVER_TENANT_STATES)[number];

/** One step of a dry run's plan, as text for people and a kind for tools. */
export interface FailoverPlanStep {
  kind: 'fence' | 'sync' | 'switch' | 'promote' | 'verify' | 'reprotect' | 'quarantine';
  on: string;
  description: string;
}

export interface LostAndFoundObject {
  /** `${apiVersion}/${kind}/${name}` */
  object: string;
  change: 'changed' | 'added' | 'deleted';
}

export interface FailoverTenantStatus {
  tenant: string;
  /** The active node before, and the node that becomes active. */
  from: string;
  to: string;
  state: FailoverTenantState;
  message?: string;
  epochBefore?: number;
  epochAfter?: number;
  /** Emergency: the recovery point promoted from. */
  recoveryPoint?: string;
  /** Emergency: that point's digest per object (objectKey → digest), what lost+found compares the old source with when it answers again. */
  recoveryPointDigests?: Record<string, string>;
  /** Emergency: when the old source was found answering again and fenced, and when lost+found was taken (after the settle time). */
  fencedAt?: string;
  switchedAt?: string;
  verifiedAt?: string;
  rtoSeconds?: number;
  rpoSeconds?: number;
  rtoTargetSeconds: number;
  rpoTargetSeconds: number;
  rtoMet?: boolean;
  rpoMet?: boolean;
  /** The ConfigMap on the fenced member recording what fencing changed (for failback and rollback). */
  fenceRecord?: string;
  /** The active copy's digest before the move, and the promoted copy's after it. */
  digestBefore?: string;
  digestAfter?: string;
  /** Emergency: what lost+found found on the old source; `quarantineNamespace` only when something was kept there. */
  lostAndFound?: { quarantineNamespace?: string; objects: LostAndFoundObject[] };
  plan?: FailoverPlanStep[];
}

export interface FailoverTotals {
  tenants: number;
  verified: number;
  failed: number;
  rolledBack: number;
  maxRtoSeconds?: number;
  maxRpoSeconds?: number;
}

export interface FailoverStatus {
  phase?: FailoverPhase;
  observedGeneration?: number;
  /** When Precheck was entered: RTO is measured from here. */
  startedAt?: string;
  switchedAt?: string;
  finishedAt?: string;
  transitions?: Array<{ phase: FailoverPhase; at: string }>;
  rtoScope?: 'objects';
  rpoScope?: 'objects';
  /** Volume data is Velero's: never measured here. */
  volumeData?: { state: 'NotMeasured'; reason: string };
  reason?: string;
  message?: string;
  tenants?: FailoverTenantStatus[];
  totals?: FailoverTotals;
}

export interface Failover {
  apiVersion: string;
  kind: 'Failover';
  metadata: { name: string; uid?: string; resourceVersion?: string; generation?: number; creationTimestamp?: string; labels?: Record<string, string>; annotations?: Record<string, string>; deletionTimestamp?: string; finalizers?: string[] };
  spec: FailoverSpec;
  status?: FailoverStatus;
}

/** What a Tenant's status keeps of its last failover and failback (`status.failovers`). */
export interface TenantFailoverSummary {
  name: string;
  at: string;
  from: string;
  to: string;
  type: FailoverType;
  phase: FailoverPhase;
}

export interface TenantFailovers {
  lastFailover?: TenantFailoverSummary;
  lastFailback?: TenantFailoverSummary;
}

/** A Tenant's `status.lostAndFound`: objects of an old active copy that changed after the recovery point it was failed over from. */
export interface LostAndFoundRecord {
  failover: string;
  at: string;
  node: string;
  recoveryPoint: string;
  /** Where the changed and added objects are kept; absent when nothing was lost. */
  quarantineNamespace?: string;
  objects: LostAndFoundObject[];
}

/** The record a fenced namespace holds: what fencing changed, so unfencing restores it exactly. */
export const FENCE_RECORD = 'longyun-fence';
export const FENCED_LABEL = 'longyun.io/fenced';
export const QUARANTINE_LABEL = 'longyun.io/quarantine-of';
