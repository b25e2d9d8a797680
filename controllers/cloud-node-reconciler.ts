// The CloudNode controller's decisions: onboarding a member cluster (reach it with its
// kubeconfig, check its version, create longyun-system there), the Velero BackupStorageLocations
// its tenants need (backup-locations.ts), and its status (Reachable, Onboarded, Ready,
// BackupLocations, capacity, heartbeat). Pure: the runtime probes and applies. What longyun may do
// on a member is the longyun-member ClusterRole (operator/member-rbac.ts).
import type { K8sObject } from '../stacks/graph/types.js';
import type { Estate } from '../topology/estate.js';
import type { CloudNodeSpec } from '../topology/schema.js';
import { reconcileBackupLocations, type BackupLocationsObserved } from './backup-locations.js';
import { CloudNodeConditions, Reasons, setCondition, type Condition } from './conditions.js';
import { capacityResources, type Resources } from './placement.js';
import type { ObjectRef } from './tenant-reconciler.js';

export const SYSTEM_NAMESPACE = 'longyun-system';
/** The ClusterRole on a member that holds what longyun may do there (operator/member-rbac.ts). */
export const MEMBER_ROLE = 'longyun-member';
/** The oldest Kubernetes minor version longyun supports on a member. */
export const MIN_MINOR = 20;
export const HEARTBEAT_MS = 15_000;
/**
 * Held on every CloudNode: deleting a node that still has tenants waits until they are gone (their
 * data lives there), then onboarding is undone on the member before the node goes.
 */
export const NODE_FINALIZER = 'longyun.io/node-offboarding';

export interface CloudNodeResource {
  metadata: { name: string; generation?: number; deletionTimestamp?: string; finalizers?: string[] };
  spec: CloudNodeSpec;
  status?: CloudNodeStatus;
}

export interface CloudNodeStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  serverVersion?: string;
  allocatable?: { cpu: string; memory: string; storage: string };
  allocated?: { cpu: string; memory: string; storage: string };
  tenants?: number;
  lastHeartbeatTime?: string;
}

export interface MemberProbe {
  /** Why the kubeconfig could not be had (secret missing, unreadable), if so. */
  kubeconfigError?: string;
  /** Whether the kubeconfig Secret names this CloudNode among its owners (undefined: no Secret). */
  secretOwned?: boolean;
  /** The member's version (`v1.20.2`), or the error reaching it. */
  version?: { major: string; minor: string; gitVersion: string };
  error?: string;
  /**
   * The member answered but refused the operator (HTTP 403): the kubeconfig's identity lacks the
   * longyun-member ClusterRole. The refusal, if so.
   */
  forbidden?: string;
  /** True once longyun-system exists on the member. */
  systemReady: boolean;
  /** True once the member's object caches have synced. */
  cachesSynced: boolean;
}

/** What the BackupStorageLocation decision needs: the estate (data centres) and what is observed. */
export interface BackupLocationsInput extends BackupLocationsObserved {
  estate: Estate;
}

export interface CloudNodeDecision {
  status: CloudNodeStatus;
  /** Objects to apply to the member (onboarding, backup storage locations). */
  apply: K8sObject[];
  /** Objects to delete from the member (backup storage locations no tenant needs any more). */
  delete: ObjectRef[];
  requeueAfterMs: number;
  /** A change worth an Event. */
  event?: { eventType: 'Normal' | 'Warning'; reason: string; message: string };
  /**
   * Make the CloudNode an owner of its kubeconfig Secret, so that deleting the node lets the
   * garbage collector delete the member's credentials with it.
   */
  adoptSecret?: boolean;
  /** Add NODE_FINALIZER (a node without it could be deleted under its tenants). */
  addFinalizer?: boolean;
}

/**
 * What onboarding creates on a member: the system namespace, marking the member as longyun's.
 * Nothing runs there (longyun has no agent on members); the operator works from the management
 * cluster with the member identity the kubeconfig names.
 */
export function systemObjects(node: string): K8sObject[] {
  const labels = { 'app.kubernetes.io/managed-by': 'longyun', 'longyun.io/node': node };
  return [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: SYSTEM_NAMESPACE, labels } }];
}

const quantity = (r: Resources) => ({ cpu: String(r.cpu), memory: `${Math.round(r.memory / 2 ** 30)}Gi`, storage: `${Math.round(r.storage / 2 ** 30)}Gi` });

/**
 * A CloudNode's status and what to do on its member. `backups` (the node's tenants' DR centres and
 * the locations on the member) is decided only while the member answers and is supported; without
 * it the BackupLocations condition is left as it was.
 */
export function reconcileCloudNode(node: CloudNodeResource, probe: MemberProbe, allocated: { resources: Resources; tenants: number }, now: Date, backups?: BackupLocationsInput): CloudNodeDecision {
  const gen = node.metadata.generation === undefined ? {} : { observedGeneration: node.metadata.generation };
  let conditions = node.status?.conditions ?? [];
  const set = (type: string, status: 'True' | 'False', reason: string, message: string) => {
    conditions = setCondition(conditions, { type, status, reason, message, ...gen }, now);
  };
  const wasReachable = conditions.find((c) => c.type === CloudNodeConditions.Reachable)?.status === 'True';
  const base: CloudNodeStatus = {
    ...node.status,
    ...gen,
    allocatable: quantity(capacityResources(node.spec.capacity)),
    allocated: quantity(allocated.resources),
    tenants: allocated.tenants,
  };
  const apply: K8sObject[] = [];
  let event: CloudNodeDecision['event'];
  const adopt = {
    ...(probe.secretOwned === false && !node.metadata.deletionTimestamp ? { adoptSecret: true } : {}),
    ...(!node.metadata.deletionTimestamp && !(node.metadata.finalizers ?? []).includes(NODE_FINALIZER) ? { addFinalizer: true } : {}),
  };

  if (probe.kubeconfigError !== undefined || probe.version === undefined) {
    const reason = probe.kubeconfigError !== undefined ? Reasons.KubeconfigMissing : Reasons.Unreachable;
    const message = probe.kubeconfigError ?? probe.error ?? 'no answer';
    set(CloudNodeConditions.Reachable, 'False', reason, message);
    set(CloudNodeConditions.Ready, 'False', reason, message);
    if (wasReachable) event = { eventType: 'Warning', reason: Reasons.Unreachable, message: `member cluster stopped answering: ${message}` };
    // The heartbeat stays at the last time the member answered.
    return { status: { ...base, conditions }, apply, delete: [], requeueAfterMs: 5_000, ...(event ? { event } : {}), ...adopt };
  }
  const v = probe.version;
  set(CloudNodeConditions.Reachable, 'True', Reasons.Connected, `Kubernetes ${v.gitVersion}`);
  if (!wasReachable) event = { eventType: 'Normal', reason: Reasons.Connected, message: `reached the member cluster (Kubernetes ${v.gitVersion})` };
  const minor = Number.parseInt(v.minor, 10);
  if (v.major !== '1' || !(minor >= MIN_MINOR)) {
    const message = `Kubernetes ${v.gitVersion} is older than 1.${MIN_MINOR}`;
    set(CloudNodeConditions.Onboarded, 'False', Reasons.VersionUnsupported, message);
    set(CloudNodeConditions.Ready, 'False', Reasons.VersionUnsupported, message);
    return { status: { ...base, conditions, serverVersion: v.gitVersion, lastHeartbeatTime: now.toISOString() }, apply, delete: [], requeueAfterMs: 60_000, event: { eventType: 'Warning', reason: Reasons.VersionUnsupported, message }, ...adopt };
  }
  if (probe.forbidden !== undefined) {
    const message = `${probe.forbidden}; bind the ${MEMBER_ROLE} ClusterRole to the kubeconfig's identity on the member: longyun node member-rbac --user NAME | kubectl apply -f -`;
    set(CloudNodeConditions.Onboarded, 'False', Reasons.MemberForbidden, message);
    set(CloudNodeConditions.Ready, 'False', Reasons.MemberForbidden, message);
    const was = node.status?.conditions?.find((c) => c.type === CloudNodeConditions.Onboarded)?.reason;
    if (was !== Reasons.MemberForbidden) event = { eventType: 'Warning', reason: Reasons.MemberForbidden, message };
    return { status: { ...base, conditions, serverVersion: v.gitVersion, lastHeartbeatTime: now.toISOString() }, apply, delete: [], requeueAfterMs: 5_000, ...(event ? { event } : {}), ...adopt };
  }
  if (!probe.systemReady) {
    apply.push(...systemObjects(node.metadata.name));
    set(CloudNodeConditions.Onboarded, 'False', Reasons.Onboarding, `creating ${SYSTEM_NAMESPACE}`);
  } else {
    set(CloudNodeConditions.Onboarded, 'True', Reasons.SystemNamespaceReady, `${SYSTEM_NAMESPACE} exists`);
  }
  const remove: ObjectRef[] = [];
  if (backups) {
    const { estate, ...observed } = backups;
    const b = reconcileBackupLocations(estate, node.metadata.name, observed);
    apply.push(...b.apply);
    remove.push(...b.delete);
    set(CloudNodeConditions.BackupLocations, b.condition.status, b.condition.reason, b.condition.message);
  }
  // A node that was Ready stays Ready while a (re)started operator process starts its watches: an
  // operator restart is no outage of the member (failovers and placements check the watches themselves).
  const wasReady = node.status?.conditions?.find((c) => c.type === CloudNodeConditions.Ready)?.status === 'True';
  const ready = probe.systemReady && (probe.cachesSynced || wasReady);
  set(CloudNodeConditions.Ready, ready ? 'True' : 'False', ready ? Reasons.NodeReady : Reasons.NotReady, ready ? (probe.cachesSynced ? 'onboarded and watched' : 'onboarded; this operator process is starting its watches') : 'onboarding');
  return {
    status: { ...base, conditions, serverVersion: v.gitVersion, lastHeartbeatTime: now.toISOString() },
    apply,
    delete: remove,
    requeueAfterMs: ready && probe.cachesSynced ? HEARTBEAT_MS : 1_000,
    ...(event ? { event } : {}),
    ...adopt,
  };
}

export interface CloudNodeDeletionObserved {
  /** Tenants placed on the node, those being deleted included (their objects are still there). */
  tenants: readonly string[];
  /** Whether the member answered just now. */
  reachable: boolean;
  /** Whether longyun-system is still on the member (false when unreachable: unknown). */
  systemPresent: boolean;
  /** The BackupStorageLocations longyun made for this node that are still on the member. */
  backupLocations?: readonly ObjectRef[];
}

export interface CloudNodeDeletionDecision {
  status: CloudNodeStatus;
  /** What to delete on the member, in order (undoing onboarding). */
  deleteFromMember: ObjectRef[];
  /** Release NODE_FINALIZER once the deletes above are done: the node may go. */
  removeFinalizer: boolean;
  event?: { eventType: 'Normal' | 'Warning'; reason: string; message: string };
  requeueAfterMs?: number;
}

/**
 * Offboarding a deleted CloudNode. While tenants are placed on it the finalizer holds, and the node
 * keeps serving them (its Ready condition is left alone); `Offboarded=False` says which tenants
 * remain. Once none do, the node's BackupStorageLocations and longyun-system are removed from the
 * member and the finalizer released. A member that does not answer is not waited for, since a
 * decommissioned cluster may never answer again: the node goes, and a warning says what was left on
 * the member.
 */
export function reconcileCloudNodeDeletion(node: CloudNodeResource, observed: CloudNodeDeletionObserved, now: Date): CloudNodeDeletionDecision {
  const gen = node.metadata.generation === undefined ? {} : { observedGeneration: node.metadata.generation };
  const status = (reason: string, message: string): CloudNodeStatus => ({
    ...node.status,
    ...gen,
    tenants: observed.tenants.length,
    conditions: setCondition(node.status?.conditions, { type: CloudNodeConditions.Offboarded, status: 'False', reason, message, ...gen }, now),
  });
  if (!(node.metadata.finalizers ?? []).includes(NODE_FINALIZER)) return { status: node.status ?? {}, deleteFromMember: [], removeFinalizer: false };
  if (observed.tenants.length > 0) {
    const names = [...observed.tenants].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    const shown = names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
    const message = `${names.length} tenant${names.length === 1 ? ' is' : 's are'} still on this node (${shown}); the node is deleted once they are (longyun tenant delete NAME)`;
    const was = node.status?.conditions?.find((c) => c.type === CloudNodeConditions.Offboarded);
    return {
      status: status(Reasons.TenantsRemain, message),
      deleteFromMember: [],
      removeFinalizer: false,
      ...(was?.reason !== Reasons.TenantsRemain ? { event: { eventType: 'Warning' as const, reason: Reasons.TenantsRemain, message: `deletion waits: ${message}` } } : {}),
      requeueAfterMs: 5_000,
    };
  }
  if (!observed.reachable) {
    return {
      status: status(Reasons.OffboardedUnreachable, 'no tenants remain; the member did not answer'),
      deleteFromMember: [],
      removeFinalizer: true,
      event: {
        eventType: 'Warning',
        reason: Reasons.OffboardedUnreachable,
        message: `the member cluster did not answer, so ${SYSTEM_NAMESPACE} (and any BackupStorageLocations labelled longyun.io/node=${node.metadata.name}) stay on it; if it comes back, remove them there with "kubectl delete namespace ${SYSTEM_NAMESPACE}" and "kubectl -n velero delete backupstoragelocations -l longyun.io/node=${node.metadata.name}"`,
      },
    };
  }
  const locations = observed.backupLocations ?? [];
  const also = locations.length > 0 ? ` and ${locations.length} BackupStorageLocation${locations.length === 1 ? '' : 's'}` : '';
  return {
    status: status(Reasons.Offboarded, `no tenants remain; removing ${SYSTEM_NAMESPACE}${also} from the member`),
    deleteFromMember: [...locations, ...(observed.systemPresent ? [{ apiVersion: 'v1', kind: 'Namespace', name: SYSTEM_NAMESPACE }] : [])],
    removeFinalizer: true,
    event: { eventType: 'Normal', reason: Reasons.Offboarded, message: `offboarded: ${SYSTEM_NAMESPACE} ${observed.systemPresent ? 'removed' : 'was already gone'}${also ? `,${also} removed` : ''} from the member` },
  };
}
