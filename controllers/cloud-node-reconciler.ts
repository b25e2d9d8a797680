// The CloudNode controller's decisions: onboarding a member cluster (reach it with its
// kubeconfig, check its version, create longyun-system and its RBAC there) and its status
// (Reachable, Onboarded, Ready, capacity, heartbeat). Pure: the runtime probes and applies.
import type { K8sObject } from '../stacks/graph/types.js';
import type { CloudNodeSpec } from '../topology/schema.js';
import { CloudNodeConditions, Reasons, setCondition, type Condition } from './conditions.js';
import { capacityResources, type Resources } from './placement.js';

export const SYSTEM_NAMESPACE = 'longyun-system';
/** The oldest Kubernetes minor version longyun supports on a member. */
export const MIN_MINOR = 20;
export const HEARTBEAT_MS = 15_000;

export interface CloudNodeResource {
  metadata: { name: string; generation?: number; deletionTimestamp?: string };
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
  /** True once longyun-system and its RBAC exist on the member. */
  systemReady: boolean;
  /** True once the member's object caches have synced. */
  cachesSynced: boolean;
}

export interface CloudNodeDecision {
  status: CloudNodeStatus;
  /** Objects to apply to the member (onboarding). */
  apply: K8sObject[];
  requeueAfterMs: number;
  /** A change worth an Event. */
  event?: { eventType: 'Normal' | 'Warning'; reason: string; message: string };
  /**
   * Make the CloudNode an owner of its kubeconfig Secret, so that deleting the node lets the
   * garbage collector delete the member's credentials with it.
   */
  adoptSecret?: boolean;
}

/** What onboarding creates on a member: the system namespace and the agent's RBAC there. */
export function systemObjects(node: string): K8sObject[] {
  const labels = { 'app.kubernetes.io/managed-by': 'longyun', 'longyun.io/node': node };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: SYSTEM_NAMESPACE, labels } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'longyun-agent', namespace: SYSTEM_NAMESPACE, labels } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'longyun-agent', namespace: SYSTEM_NAMESPACE, labels },
      rules: [{ apiGroups: [''], resources: ['configmaps', 'events'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'longyun-agent', namespace: SYSTEM_NAMESPACE, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'longyun-agent' },
      subjects: [{ kind: 'ServiceAccount', name: 'longyun-agent', namespace: SYSTEM_NAMESPACE }],
    },
  ];
}

const quantity = (r: Resources) => ({ cpu: String(r.cpu), memory: `${Math.round(r.memory / 2 ** 30)}Gi`, storage: `${Math.round(r.storage / 2 ** 30)}Gi` });

export function reconcileCloudNode(node: CloudNodeResource, probe: MemberProbe, allocated: { resources: Resources; tenants: number }, now: Date): CloudNodeDecision {
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
  const adopt = probe.secretOwned === false && !node.metadata.deletionTimestamp ? { adoptSecret: true } : {};

  if (probe.kubeconfigError !== undefined || probe.version === undefined) {
    const reason = probe.kubeconfigError !== undefined ? Reasons.KubeconfigMissing : Reasons.Unreachable;
    const message = probe.kubeconfigError ?? probe.error ?? 'no answer';
    set(CloudNodeConditions.Reachable, 'False', reason, message);
    set(CloudNodeConditions.Ready, 'False', reason, message);
    if (wasReachable) event = { eventType: 'Warning', reason: Reasons.Unreachable, message: `member cluster stopped answering: ${message}` };
    // The heartbeat stays at the last time the member answered.
    return { status: { ...base, conditions }, apply, requeueAfterMs: 5_000, ...(event ? { event } : {}), ...adopt };
  }
  const v = probe.version;
  set(CloudNodeConditions.Reachable, 'True', Reasons.Connected, `Kubernetes ${v.gitVersion}`);
  if (!wasReachable) event = { eventType: 'Normal', reason: Reasons.Connected, message: `reached the member cluster (Kubernetes ${v.gitVersion})` };
  const minor = Number.parseInt(v.minor, 10);
  if (v.major !== '1' || !(minor >= MIN_MINOR)) {
    const message = `Kubernetes ${v.gitVersion} is older than 1.${MIN_MINOR}`;
    set(CloudNodeConditions.Onboarded, 'False', Reasons.VersionUnsupported, message);
    set(CloudNodeConditions.Ready, 'False', Reasons.VersionUnsupported, message);
    return { status: { ...base, conditions, serverVersion: v.gitVersion, lastHeartbeatTime: now.toISOString() }, apply, requeueAfterMs: 60_000, event: { eventType: 'Warning', reason: Reasons.VersionUnsupported, message }, ...adopt };
  }
  if (!probe.systemReady) {
    apply.push(...systemObjects(node.metadata.name));
    set(CloudNodeConditions.Onboarded, 'False', Reasons.Onboarding, `creating ${SYSTEM_NAMESPACE} and its RBAC`);
  } else {
    set(CloudNodeConditions.Onboarded, 'True', Reasons.SystemNamespaceReady, `${SYSTEM_NAMESPACE} and its RBAC exist`);
  }
  const ready = probe.systemReady && probe.cachesSynced;
  set(CloudNodeConditions.Ready, ready ? 'True' : 'False', ready ? Reasons.NodeReady : Reasons.NotReady, ready ? 'onboarded and watched' : 'onboarding');
  return {
    status: { ...base, conditions, serverVersion: v.gitVersion, lastHeartbeatTime: now.toISOString() },
    apply,
    requeueAfterMs: ready ? HEARTBEAT_MS : 1_000,
    ...(event ? { event } : {}),
    ...adopt,
  };
}
