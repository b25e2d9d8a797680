// The CloudNode controller's decision about Velero BackupStorageLocations. They belong to the node,
// not to a tenant: the node needs the locations its tenants' Schedules name (the union of their DR
// plans' centres), built by the same graph code `longyun synth` uses. Missing or drifted ones are
// applied; ones longyun made for this node (labelled with the node) that no tenant needs any more
// are deleted; a location longyun did not make is never touched, even when a Schedule names it.
import { backupCentres, backupStorageLocation, DesiredStateError, VELERO_NAMESPACE } from '../stacks/graph/tenant-objects.js';
import { LABELS, MANAGER, type K8sObject } from '../stacks/graph/types.js';
import type { Estate } from '../topology/estate.js';
import { Reasons } from './conditions.js';
import { covers, refOf, type ObjectRef } from './tenant-reconciler.js';

export interface BackupLocationsObserved {
  /**
   * The DR centres of each tenant placed on the node, those being deleted included (their
   * Schedules stay until they are gone). Tenants without a DR plan may be left out.
   */
  tenants: ReadonlyArray<{ name: string; centres: readonly string[] }>;
  /** The BackupStorageLocations in Velero's namespace on the member, by name; undefined when they could not be read. */
  onMember: ReadonlyMap<string, K8sObject> | undefined;
  /** Why they could not be read. */
  readError?: string;
}

export interface BackupLocationsDecision {
  apply: K8sObject[];
  delete: ObjectRef[];
  /** The node's BackupLocations condition once these are done. */
  condition: { status: 'True' | 'False'; reason: string; message: string };
}

/** Whether longyun made this location for this node (its labels say so). */
export function ownBackupLocation(o: Pick<K8sObject, 'metadata'>, node: string): boolean {
  return o.metadata.labels?.[LABELS.managedBy] === MANAGER && o.metadata.labels?.[LABELS.node] === node;
}

const list = (names: string[]) => names.map((n) => `${VELERO_NAMESPACE}/${n}`).join(', ');

export function reconcileBackupLocations(estate: Estate, node: string, observed: BackupLocationsObserved): BackupLocationsDecision {
  const roles = new Set<string>();
  const users = new Set<string>();
  for (const t of observed.tenants) {
    for (const role of t.centres) roles.add(role);
    if (t.centres.length > 0) users.add(t.name);
  }
  const wanted = new Map<string, K8sObject>();
  const invalid: string[] = [];
  for (const dc of backupCentres(estate, roles)) {
    try {
      wanted.set(dc.id, backupStorageLocation(estate, node, dc).object);
    } catch (e) {
      if (!(e instanceof DesiredStateError)) throw e;
      invalid.push(e.message);
    }
  }
  if (observed.onMember === undefined) {
    return { apply: [], delete: [], condition: { status: 'False', reason: Reasons.BackupLocationsUnreadable, message: `cannot read the BackupStorageLocations in ${VELERO_NAMESPACE}: ${observed.readError ?? 'unknown error'}` } };
  }
  const apply: K8sObject[] = [];
  const foreign: string[] = [];
  for (const [name, object] of wanted) {
    const seen = observed.onMember.get(name);
    if (seen === undefined) apply.push(object);
    else if (!ownBackupLocation(seen, node)) foreign.push(name);
    else if (!covers(seen, object)) apply.push(object);
  }
  const remove: ObjectRef[] = [];
  for (const [name, seen] of observed.onMember) if (!wanted.has(name) && ownBackupLocation(seen, node)) remove.push(refOf(seen));

  let condition: BackupLocationsDecision['condition'];
  if (invalid.length > 0) {
    condition = { status: 'False', reason: Reasons.BackupLocationInvalid, message: invalid.join('; ') };
  } else if (foreign.length > 0) {
    condition = {
      status: 'False',
      reason: Reasons.BackupLocationNotManaged,
      message: `${list(foreign)} ${foreign.length === 1 ? 'exists' : 'exist'} but longyun did not create ${foreign.length === 1 ? 'it' : 'them'} (no ${LABELS.managedBy}=${MANAGER}, ${LABELS.node}=${node} labels): left alone, the Schedules use ${foreign.length === 1 ? 'it' : 'them'} as they are`,
    };
  } else if (wanted.size === 0) {
    condition = { status: 'True', reason: Reasons.BackupLocationsReady, message: 'none needed: no tenant on this node has a DR plan' };
  } else {
    const names = [...wanted.keys()];
    condition = { status: 'True', reason: Reasons.BackupLocationsReady, message: `${list(names)} for ${users.size} tenant${users.size === 1 ? '' : 's'} with a DR plan` };
  }
  return { apply, delete: remove, condition };
}
