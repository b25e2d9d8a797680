// What longyun may do on a member cluster, as RBAC. Municipal ops apply it at onboarding (`longyun
// node member-rbac`) for the identity of the kubeconfig they hand over, and that identity needs
// nothing else:
// - ClusterRole `longyun-member`, bound cluster-wide: reads, creating namespaces, and putting the
//   first RoleBinding into a new one. Its only cluster-scoped writes are `create namespaces` and
//   patch/delete of its own `longyun-system`.
// - ClusterRole `longyun-tenant`: every verb on every namespaced resource, never bound
//   cluster-wide: longyun binds it itself, per tenant namespace (production and standby copies
//   alike), with the RoleBinding `longyun-tenant` (tenantRoleBinding, stacks/graph/tenant-objects.ts).
// - Role `longyun-velero` in `velero`, bound there: the node's BackupStorageLocations and the
//   tenants' Schedules, which live in Velero's namespace, not the tenants'.
// Nothing in any other namespace, kube-system above all, except the one hole RBAC cannot close
// (`create rolebindings` is cluster-wide; README "Rights on member clusters", and
// test/e2e/member-rights.test.ts, which checks all of it on a real API server).
import { MEMBER_BINDING, OPS_ROLE, rbacSubjects, TENANT_CLUSTER_ROLE, VELERO_NAMESPACE, type Subject } from '../stacks/graph/tenant-objects.js';
import { MEMBER_ROLE, SYSTEM_NAMESPACE } from '../controllers/cloud-node-reconciler.js';
import { LongyunError } from '../topology/errors.js';

export { memberSubjects, TENANT_CLUSTER_ROLE, TENANT_ROLE_BINDING, tenantRoleBinding, type Subject } from '../stacks/graph/tenant-objects.js';

export const MEMBER_CLUSTER_ROLE = MEMBER_ROLE;
/** The Role (and its RoleBinding) in Velero's namespace. */
export const VELERO_ROLE = 'longyun-velero';

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

const RBAC = 'rbac.authorization.k8s.io';
const labels = { 'app.kubernetes.io/managed-by': 'longyun' };

/** A rule and why the operator needs it. */
export interface MemberRule {
  rule: PolicyRule;
  why: string;
}

/** The rules of `longyun-member` (bound cluster-wide), each with its reason (printed as a comment by `longyun node member-rbac`). */
export function memberRules(): MemberRule[] {
  return [
    {
      rule: { nonResourceURLs: ['/version'], verbs: ['get'] },
      why: 'the reachability probe and heartbeat read the version (every 15 s)',
    },
    {
      rule: { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
      why: `the heartbeat gets ${SYSTEM_NAMESPACE}; tenants' namespaces are watched to see them appear and go (namespace objects only: what is in them is read through each one's ${TENANT_CLUSTER_ROLE} binding)`,
    },
    {
      rule: { apiGroups: [''], resources: ['nodes'], verbs: ['list'] },
      why: 'a DR drill measures whether workloads come up only where the member has nodes; it lists them (one, limit=1) to know, and reports NotMeasured otherwise',
    },
    {
      rule: { apiGroups: [''], resources: ['namespaces'], verbs: ['create'] },
      why: `the one cluster-scoped write: creating a tenant's namespace (its production copy or a standby copy) and, at onboarding, ${SYSTEM_NAMESPACE}; patch and delete of a tenant's namespace come from the ${TENANT_CLUSTER_ROLE} binding in it (RBAC authorises a Namespace object's verbs in its own namespace)`,
    },
    {
      rule: { apiGroups: [''], resources: ['namespaces'], resourceNames: [SYSTEM_NAMESPACE], verbs: ['patch', 'delete'] },
      why: `longyun's own namespace, by name only: applied at onboarding (a server-side apply is a patch), deleted at offboarding`,
    },
    {
      rule: { apiGroups: [RBAC], resources: ['rolebindings'], verbs: ['create'] },
      why: `the first object in a new tenant namespace is the RoleBinding ${TENANT_CLUSTER_ROLE}, and nothing in that namespace allows it yet; RBAC cannot limit create to some namespaces, so this holds in every namespace (the trade-off: README, "Rights on member clusters")`,
    },
    {
      rule: { apiGroups: [RBAC], resources: ['clusterroles'], resourceNames: [TENANT_CLUSTER_ROLE], verbs: ['bind'] },
      why: `that RoleBinding refers to the ClusterRole ${TENANT_CLUSTER_ROLE}, whose rights longyun does not hold before it exists; Kubernetes lets it be bound only with bind, here on that name only (a binding to any other role is refused)`,
    },
    {
      rule: { apiGroups: [RBAC], resources: ['clusterrolebindings'], resourceNames: [MEMBER_BINDING], verbs: ['get'] },
      why: `longyun reads the subjects of this binding (the identities it authenticates as) and binds those same subjects in each tenant namespace`,
    },
  ];
}

/** The rules of `longyun-tenant`: bound only by the RoleBinding `longyun-tenant` in a tenant namespace. */
export function tenantRules(): MemberRule[] {
  return [
    {
      rule: { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
      why: `everything in a tenant's namespace, and nowhere else (only ever bound by a RoleBinding in it): longyun's objects; every object the department created there, found by discovery and copied to standbys, restored there when edited, deleted with the tenant; the namespace itself (patch, delete); escalate and bind, so the ops Role ${OPS_ROLE} is written and bound there`,
    },
  ];
}

/** The rules of the Role `longyun-velero` in Velero's namespace. */
export function veleroRules(): MemberRule[] {
  const verbs = ['get', 'list', 'watch', 'create', 'patch', 'delete'];
  return [
    {
      rule: { apiGroups: ['velero.io'], resources: ['backupstoragelocations'], verbs },
      why: `the node's BackupStorageLocations in ${VELERO_NAMESPACE}, the ones its tenants' Schedules name: read, applied, deleted when no tenant needs them`,
    },
    {
      rule: { apiGroups: ['velero.io'], resources: ['schedules'], verbs },
      why: `each DR tenant's Schedules live in ${VELERO_NAMESPACE} (Velero reads only its own namespace): applied, watched for drift, deleted with the tenant`,
    },
  ];
}

/** The `longyun-member` ClusterRole. */
export function memberClusterRole(): object {
  return { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: MEMBER_CLUSTER_ROLE, labels }, rules: memberRules().map((r) => r.rule) };
}

/** The `longyun-tenant` ClusterRole. */
export function tenantClusterRole(): object {
  return { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: TENANT_CLUSTER_ROLE, labels }, rules: tenantRules().map((r) => r.rule) };
}

/** The `longyun-velero` Role in Velero's namespace. */
export function veleroRole(): object {
  return { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name: VELERO_ROLE, namespace: VELERO_NAMESPACE, labels }, rules: veleroRules().map((r) => r.rule) };
}

function needSubject(subjects: readonly Subject[]): void {
  if (subjects.length === 0) throw new MemberRbacError('the binding needs a subject: the user, group or service account of the kubeconfig handed over');
}

/**
 * Binds `longyun-member` cluster-wide to the identities the member kubeconfig authenticates as.
 * Named `longyun-member` too: longyun reads it by that name (memberSubjects).
 */
export function memberClusterRoleBinding(subjects: readonly Subject[]): object {
  needSubject(subjects);
  return {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name: MEMBER_BINDING, labels },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: MEMBER_CLUSTER_ROLE },
    subjects: rbacSubjects(subjects),
  };
}

/** Binds `longyun-velero` in Velero's namespace to the same identities. */
export function veleroRoleBinding(subjects: readonly Subject[]): object {
  needSubject(subjects);
  return {
    apiVersion: `${RBAC}/v1`,
    kind: 'RoleBinding',
    metadata: { name: VELERO_ROLE, namespace: VELERO_NAMESPACE, labels },
    roleRef: { apiGroup: RBAC, kind: 'Role', name: VELERO_ROLE },
    subjects: rbacSubjects(subjects),
  };
}

/** One object of what ops apply at onboarding, with what it is for and its rules' reasons (in rule order). */
export interface ExplainedObject {
  object: object;
  comment: string;
  why: string[];
}

/**
 * Everything ops apply on a member at onboarding, in the order to apply it: the two ClusterRoles,
 * the ClusterRoleBinding of `longyun-member`, and the Velero Role with its RoleBinding (Velero,
 * and so its namespace, must be installed first).
 */
export function memberRbacExplained(subjects: readonly Subject[]): ExplainedObject[] {
  const reasons = (rules: MemberRule[]) => rules.map((r) => r.why);
  return [
    { object: memberClusterRole(), comment: `What longyun needs cluster-wide on a member. Bound below to the identity of the kubeconfig handed over at onboarding (longyun node onboard).`, why: reasons(memberRules()) },
    { object: tenantClusterRole(), comment: `What longyun may do in a tenant's namespace. Not bound here: longyun binds it itself in each tenant namespace it creates (RoleBinding ${TENANT_CLUSTER_ROLE}), and nowhere else.`, why: reasons(tenantRules()) },
    { object: memberClusterRoleBinding(subjects), comment: `${MEMBER_CLUSTER_ROLE}, cluster-wide; longyun reads its subjects and binds ${TENANT_CLUSTER_ROLE} to the same ones per tenant namespace.`, why: [] },
    { object: veleroRole(), comment: `What longyun does in ${VELERO_NAMESPACE} (install Velero first).`, why: reasons(veleroRules()) },
    { object: veleroRoleBinding(subjects), comment: `${VELERO_ROLE}, in ${VELERO_NAMESPACE} only.`, why: [] },
  ];
}

/** The objects of memberRbacExplained, in the order to apply them. */
export function memberRbac(subjects: readonly Subject[]): object[] {
  return memberRbacExplained(subjects).map((e) => e.object);
}

/** Parses `--serviceaccount NAMESPACE:NAME` as kubectl does. */
export function parseServiceAccount(value: string): Subject {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?):([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/.exec(value);
  if (!m) throw new MemberRbacError(`--serviceaccount takes NAMESPACE:NAME, got "${value}"`);
  return { kind: 'ServiceAccount', namespace: m[1]!, name: m[3]! };
}
