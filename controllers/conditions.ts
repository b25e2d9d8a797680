// Status conditions the kubebuilder way: type/status/reason/message/observedGeneration, with the
// transition time kept while the status does not change. Types and reasons are constants.

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export const CloudNodeConditions = {
  Reachable: 'Reachable',
  Onboarded: 'Onboarded',
  Ready: 'Ready',
  /** Only on a node being deleted: False while tenants remain on it. */
  Offboarded: 'Offboarded',
  /** The Velero BackupStorageLocations its tenants' Schedules name exist on the member. */
  BackupLocations: 'BackupLocations',
} as const;

export const TenantConditions = {
  Approved: 'Approved',
  Placed: 'Placed',
  Provisioned: 'Provisioned',
  Ready: 'Ready',
} as const;

/** The DR copier's condition on a Tenant with a DR plan (operator/standby-copier.ts). */
export const DrConditions = {
  /** Every standby copy its plan names is current and within its RPO. */
  StandbyCurrent: 'StandbyCurrent',
} as const;

export const DrReasons = {
  StandbysCurrent: 'StandbysCurrent',
  NoStandby: 'NoStandby',
  NoRoom: 'NoRoom',
  SourceUnreachable: 'SourceUnreachable',
  Copying: 'Copying',
} as const;

export const Reasons = {
  // CloudNode
  Connected: 'Connected',
  KubeconfigMissing: 'KubeconfigMissing',
  Unreachable: 'Unreachable',
  VersionUnsupported: 'VersionUnsupported',
  MemberForbidden: 'MemberForbidden',
  SystemNamespaceReady: 'SystemNamespaceReady',
  Onboarding: 'Onboarding',
  NodeReady: 'NodeReady',
  NotReady: 'NotReady',
  TenantsRemain: 'TenantsRemain',
  Offboarded: 'Offboarded',
  OffboardedUnreachable: 'OffboardedUnreachable',
  BackupLocationsReady: 'BackupLocationsReady',
  BackupLocationInvalid: 'BackupLocationInvalid',
  BackupLocationNotManaged: 'BackupLocationNotManaged',
  BackupLocationsUnreadable: 'BackupLocationsUnreadable',
  // Tenant
  PoliciesPassed: 'PoliciesPassed',
  PolicyViolation: 'PolicyViolation',
  AuditFindings: 'AuditFindings',
  NodeRequested: 'NodeRequested',
  NodeChosen: 'NodeChosen',
  NoCapacity: 'NoCapacity',
  NodeNotFound: 'NodeNotFound',
  NodeNotReady: 'NodeNotReady',
  Applying: 'Applying',
  ApplyFailed: 'ApplyFailed',
  DriftCorrected: 'DriftCorrected',
  Applied: 'Applied',
  Deleting: 'Deleting',
  TenantReady: 'TenantReady',
  Waiting: 'Waiting',
} as const;

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/**
 * Returns `conditions` with `next` set: its lastTransitionTime is kept when the status did not
 * change (so that it says since when), and the order of types is stable.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  next: Omit<Condition, 'lastTransitionTime'>,
  now: Date,
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const prev = i >= 0 ? list[i] : undefined;
  const lastTransitionTime = prev && prev.status === next.status ? prev.lastTransitionTime : now.toISOString();
  const value: Condition = { ...next, lastTransitionTime };
  if (i >= 0) list[i] = value;
  else list.push(value);
  return list;
}

/** True when two condition lists say the same (ignoring transition times' formatting). */
export function sameConditions(a: readonly Condition[] | undefined, b: readonly Condition[] | undefined): boolean {
  return JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
}

/** The condition types each controller owns: its status writes replace these and keep the rest. */
export const OWN_CONDITION_TYPES = {
  tenant: Object.values(TenantConditions) as readonly string[],
  cloudnode: Object.values(CloudNodeConditions) as readonly string[],
  dr: Object.values(DrConditions) as readonly string[],
} as const;

/**
 * The conditions to write: `current` (the object as the API server has it now) with each of the
 * `own` types taken from `desired` (set, or dropped when `desired` lacks it), every other writer's
 * condition kept as it is, in `current`'s order, new ones appended in `desired`'s order.
 */
export function mergeOwnConditions(current: readonly Condition[] | undefined, desired: readonly Condition[] | undefined, own: readonly string[]): Condition[] {
  const ownSet = new Set(own);
  const want = new Map((desired ?? []).filter((c) => ownSet.has(c.type)).map((c) => [c.type, c]));
  const out: Condition[] = [];
  for (const c of current ?? []) {
    if (!ownSet.has(c.type)) out.push(c);
    else if (want.has(c.type)) {
      out.push(want.get(c.type)!);
      want.delete(c.type);
    }
  }
  return [...out, ...want.values()];
}

/** `finalizers` with `f` present (appended if missing) or absent, every other finalizer kept in order. */
export function withFinalizer(finalizers: readonly string[] | undefined, f: string, present: boolean): string[] {
  const list = [...(finalizers ?? [])];
  if (!present) return list.filter((x) => x !== f);
  return list.includes(f) ? list : [...list, f];
}
