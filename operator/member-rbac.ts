// What longyun needs on a member cluster, as RBAC: the `longyun-member` ClusterRole. Municipal ops
// bind it to the identity of the kubeconfig they hand over at onboarding (`longyun node
// member-rbac`), and that identity needs nothing else. Every rule is something the operator does
// there today (operator/member-cluster.ts, operator/manager.ts), with its reason; DR work extends it here.
import { OPS_ROLE, VELERO_NAMESPACE } from '../stacks/graph/tenant-objects.js';
import { MEMBER_ROLE, SYSTEM_NAMESPACE } from '../controllers/cloud-node-reconciler.js';
import { LongyunError } from '../topology/errors.js';
import { TENANT_KINDS } from './member-cluster.js';

export const MEMBER_CLUSTER_ROLE = MEMBER_ROLE;

export class MemberRbacError extends LongyunError {
  override name = 'MemberRbacError';
}

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

export type Subject = { kind: 'User' | 'Group'; name: string } | { kind: 'ServiceAccount'; name: string; namespace: string };

const RBAC = 'rbac.authorization.k8s.io';
const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');
const labels = { 'app.kubernetes.io/managed-by': 'longyun' };

/** A rule of the ClusterRole and why the operator needs it. */
export interface MemberRule {
  rule: PolicyRule;
  why: string;
}

/** The rules of `longyun-member`, each with its reason (printed as a comment by `longyun node member-rbac`). */
export function memberRules(): MemberRule[] {
  const byGroup = new Map<string, string[]>();
  for (const k of TENANT_KINDS) {
    if (k.kind === 'Namespace') continue;
    byGroup.set(groupOf(k.apiVersion), [...(byGroup.get(groupOf(k.apiVersion)) ?? []), k.plural]);
  }
  return [
    {
      rule: { nonResourceURLs: ['/version'], verbs: ['get'] },
      why: 'the reachability probe and heartbeat read the version (every 15 s)',
    },
    {
      rule: { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] },
      why: `onboarding creates ${SYSTEM_NAMESPACE} (the heartbeat gets it), offboarding deletes it; each tenant's namespace is applied server-side (create, patch), watched for drift (list, watch) and deleted with the tenant`,
    },
    ...[...byGroup].map(([group, resources], i) => ({
      rule: { apiGroups: [group], resources, verbs: ['list', 'watch', 'create', 'patch', 'delete'] },
      why: i === 0 ? `tenants' objects: applied server-side (create, patch), watched for drift in every namespace (list, watch), deleted with the tenant` : `tenants' objects, as above`,
    })),
    {
      rule: { apiGroups: [RBAC], resources: ['roles'], resourceNames: [OPS_ROLE], verbs: ['escalate', 'bind'] },
      why: `each tenant's Role ${OPS_ROLE} grants its ops group rights longyun does not hold itself (pods, secrets, deployments...): writing that Role needs escalate, binding it bind, on that Role name only`,
    },
    {
      rule: { apiGroups: ['velero.io'], resources: ['backupstoragelocations'], verbs: ['list', 'create', 'patch', 'delete'] },
      why: `the node's Velero BackupStorageLocations in ${VELERO_NAMESPACE}, the ones its tenants' Schedules name: read, applied, deleted when no tenant needs them`,
    },
  ];
}

/** The `longyun-member` ClusterRole: exactly what the operator does on a member. */
export function memberClusterRole(): object {
  return { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: MEMBER_CLUSTER_ROLE, labels }, rules: memberRules().map((r) => r.rule) };
}

/** Binds `longyun-member` to the identities the member kubeconfig authenticates as. */
export function memberClusterRoleBinding(subjects: readonly Subject[], name = MEMBER_CLUSTER_ROLE): object {
  if (subjects.length === 0) throw new MemberRbacError('the binding needs a subject: the user, group or service account of the kubeconfig handed over');
  return {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name, labels },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: MEMBER_CLUSTER_ROLE },
    subjects: subjects.map((s) => (s.kind === 'ServiceAccount' ? { kind: s.kind, name: s.name, namespace: s.namespace } : { kind: s.kind, name: s.name, apiGroup: RBAC })),
  };
}

/** The ClusterRole and its ClusterRoleBinding, in the order to apply them. */
export function memberRbac(subjects: readonly Subject[], bindingName?: string): object[] {
  return [memberClusterRole(), memberClusterRoleBinding(subjects, bindingName)];
}

/** Parses `--serviceaccount NAMESPACE:NAME` as kubectl does. */
export function parseServiceAccount(value: string): Subject {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?):([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/.exec(value);
  if (!m) throw new MemberRbacError(`--serviceaccount takes NAMESPACE:NAME, got "${value}"`);
  return { kind: 'ServiceAccount', namespace: m[1]!, name: m[3]! };
}
