import { describe, expect, it } from 'vitest';
import { SYSTEM_NAMESPACE, systemObjects } from '../controllers/cloud-node-reconciler.js';
import { reconcileBackupLocations } from '../controllers/backup-locations.js';
import { desiredObjects } from '../controllers/tenant-reconciler.js';
import { DesiredStateError, OPS_ROLE, VELERO_NAMESPACE } from '../stacks/graph/tenant-objects.js';
import type { K8sObject } from '../stacks/graph/types.js';
import { GANSU_DIR } from '../topology/estate.test-helpers.js';
import { openAddressPlan } from '../topology/ipam/ledger-store.js';
import { loadEstate } from '../topology/load.js';
import {
  MEMBER_CLUSTER_ROLE,
  memberClusterRole,
  memberClusterRoleBinding,
  memberRbac,
  memberRbacExplained,
  memberSubjects,
  parseServiceAccount,
  TENANT_CLUSTER_ROLE,
  TENANT_ROLE_BINDING,
  tenantClusterRole,
  tenantRoleBinding,
  VELERO_ROLE,
  veleroRole,
  type PolicyRule,
} from './member-rbac.js';
import { pluralOf } from './rest.js';

const estate = loadEstate(GANSU_DIR);
const plan = openAddressPlan(estate);
/** A ClusterRoleBinding as memberClusterRoleBinding builds it (it returns `object`). */
type ClusterRoleBinding = K8sObject & { roleRef: { apiGroup: string; kind: string; name: string }; subjects: Array<{ kind: string; name: string; namespace?: string; apiGroup?: string }> };
const rulesOf = (o: object) => (o as { rules: PolicyRule[] }).rules;
const member = rulesOf(memberClusterRole());
const tenantRole = rulesOf(tenantClusterRole());
const velero = rulesOf(veleroRole());
const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');
const has = (list: string[] | undefined, v: string) => list !== undefined && (list.includes(v) || list.includes('*'));

interface Request {
  group: string;
  resource: string;
  verb: string;
  /** For a Namespace object, its own name (as the API server's request info has it); absent for other cluster-scoped requests. */
  namespace?: string;
  name?: string;
}
const matches = (rules: PolicyRule[], r: Request) =>
  rules.some((rule) => has(rule.apiGroups, r.group) && has(rule.resources, r.resource) && has(rule.verbs, r.verb) && (rule.resourceNames === undefined || (r.name !== undefined && rule.resourceNames.includes(r.name))));

const TENANT_NS = 'tianshui-case-files';
/** RBAC as the API server evaluates it with what onboarding binds and longyun binds in the tenant namespace. */
function allows(r: Request, tenantNamespaces: readonly string[] = [TENANT_NS]): boolean {
  if (matches(member, r)) return true;
  if (r.namespace !== undefined && tenantNamespaces.includes(r.namespace) && matches(tenantRole, r)) return true;
  return r.namespace === VELERO_NAMESPACE && matches(velero, r);
}

// Everything the operator writes on a member: onboarding, a tenant with every kind of object (planes, a DR plan), the node's backup storage locations.
const tenant = desiredObjects({ estate, plan, now: new Date() }, TENANT_NS, {
  department: 'tianshui-big-data',
  quota: { cpu: '4', memory: '8Gi', storage: '100Gi' },
  mlps: 3,
  planes: ['plane-1', 'plane-2'],
  dr: { rpoMinutes: 30, rtoMinutes: 240, centres: ['same-city-dr', 'remote-dr'] },
}, 'tianshui-cloud').map((d) => d.object);
const backups = reconcileBackupLocations(estate, 'tianshui-cloud', { tenants: [{ name: TENANT_NS, centres: ['same-city-dr', 'remote-dr'] }], onMember: new Map() }).apply;
const subjects = [{ kind: 'User' as const, name: 'longyun@tianshui' }, parseServiceAccount('kube-system:longyun')];
const written: K8sObject[] = [...systemObjects('tianshui-cloud'), ...tenant, tenantRoleBinding(TENANT_NS, subjects), ...backups];
const requestOf = (o: K8sObject, verb: string): Request => ({ group: groupOf(o.apiVersion), resource: pluralOf(o.kind), verb, name: o.metadata.name, ...((o.metadata.namespace ?? (o.kind === 'Namespace' ? o.metadata.name : undefined)) ? { namespace: o.metadata.namespace ?? o.metadata.name } : {}) });

describe('what longyun may do on a member', () => {
  it('creates every namespace it writes, then applies and deletes everything it writes, once the tenant namespace has its longyun-tenant binding', () => {
    for (const ns of written.filter((o) => o.kind === 'Namespace')) expect(allows(requestOf(ns, 'create'), [])).toBe(true);
    for (const o of written) {
      for (const verb of ['patch', 'delete', 'get', 'list', 'watch']) {
        if (o.kind === 'Namespace' && ['list', 'watch'].includes(verb)) continue;
        expect(allows(requestOf(o, verb)), `${verb} ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`).toBe(true);
      }
    }
    // The first object in a new namespace: the binding itself, allowed before anything in that namespace is.
    const binding = tenantRoleBinding('new-tenant', subjects);
    expect(allows(requestOf(binding, 'create'), [])).toBe(true);
    expect(allows({ group: 'rbac.authorization.k8s.io', resource: 'clusterroles', verb: 'bind', name: TENANT_CLUSTER_ROLE, namespace: 'new-tenant' }, [])).toBe(true);
    // Watches of namespace objects, the member binding's subjects, the version.
    for (const verb of ['list', 'watch']) expect(allows({ group: '', resource: 'namespaces', verb }, [])).toBe(true);
    expect(allows({ group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings', verb: 'get', name: MEMBER_CLUSTER_ROLE }, [])).toBe(true);
    expect(member).toContainEqual({ nonResourceURLs: ['/version'], verbs: ['get'] });
  });

  it('writes nothing cluster-scoped but namespaces (create; patch and delete of longyun-system only), and nothing in namespaces not a tenant\'s but velero\'s', () => {
    for (const ns of ['kube-system', 'default', 'other-tenant', VELERO_NAMESPACE]) {
      for (const [group, resource] of [['', 'secrets'], ['', 'pods'], ['', 'configmaps'], ['apps', 'deployments'], ['rbac.authorization.k8s.io', 'roles'], ['', 'serviceaccounts']] as const) {
        for (const verb of ['get', 'list', 'create', 'patch', 'delete']) expect(allows({ group, resource, verb, namespace: ns }), `${verb} ${resource} in ${ns}`).toBe(false);
      }
    }
    for (const ns of ['kube-system', 'default', 'other-tenant']) {
      for (const verb of ['patch', 'delete', 'update']) expect(allows({ group: '', resource: 'namespaces', verb, namespace: ns, name: ns }), `${verb} namespace ${ns}`).toBe(false);
    }
    for (const verb of ['patch', 'delete']) expect(allows({ group: '', resource: 'namespaces', verb, namespace: SYSTEM_NAMESPACE, name: SYSTEM_NAMESPACE })).toBe(true);
    for (const [group, resource] of [['rbac.authorization.k8s.io', 'clusterroles'], ['rbac.authorization.k8s.io', 'clusterrolebindings'], ['apiextensions.k8s.io', 'customresourcedefinitions'], ['', 'nodes'], ['', 'persistentvolumes']] as const) {
      for (const verb of ['create', 'patch', 'delete', 'update']) expect(allows({ group, resource, verb, name: 'x' }), `${verb} ${resource}`).toBe(false);
    }
    expect(allows({ group: '', resource: 'namespaces', verb: 'deletecollection' })).toBe(false);
    expect(allows({ group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings', verb: 'get', name: 'cluster-admin' })).toBe(false);
    expect(allows({ group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings', verb: 'list' })).toBe(false);
    // Binds only longyun-tenant; writes the tenant ops Role only inside a tenant namespace.
    for (const name of ['admin', 'cluster-admin', 'edit', MEMBER_CLUSTER_ROLE]) expect(allows({ group: 'rbac.authorization.k8s.io', resource: 'clusterroles', verb: 'bind', name, namespace: 'kube-system' })).toBe(false);
    expect(allows({ group: 'rbac.authorization.k8s.io', resource: 'roles', verb: 'escalate', name: OPS_ROLE, namespace: 'kube-system' })).toBe(false);
    expect(allows({ group: 'rbac.authorization.k8s.io', resource: 'roles', verb: 'escalate', name: OPS_ROLE, namespace: TENANT_NS })).toBe(true);
    // The documented trade-off: creating a RoleBinding is allowed in any namespace (README "Rights on member clusters").
    expect(allows({ group: 'rbac.authorization.k8s.io', resource: 'rolebindings', verb: 'create', namespace: 'kube-system' })).toBe(true);
    expect(allows({ group: 'rbac.authorization.k8s.io', resource: 'rolebindings', verb: 'patch', namespace: 'kube-system' })).toBe(false);
  });

  it('keeps wildcards to longyun-tenant, which is only bound in tenant namespaces; every rule has its reason', () => {
    for (const rule of [...member, ...velero]) {
      expect([...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...rule.verbs, ...(rule.nonResourceURLs ?? [])]).not.toContain('*');
      for (const verb of ['update', 'deletecollection', 'impersonate', 'escalate']) expect(rule.verbs).not.toContain(verb);
    }
    expect(tenantRole).toEqual([{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]);
    const explained = memberRbacExplained(subjects);
    for (const e of explained) {
      expect(e.comment.length).toBeGreaterThan(10);
      expect(e.why.length).toBe(((e.object as { rules?: unknown[] }).rules ?? []).length);
      for (const why of e.why) expect(why.length).toBeGreaterThan(10);
    }
    expect(memberRbac(subjects).map((o) => `${(o as K8sObject).kind}/${(o as K8sObject).metadata.namespace ?? ''}/${(o as K8sObject).metadata.name}`)).toEqual([
      'ClusterRole//longyun-member',
      'ClusterRole//longyun-tenant',
      'ClusterRoleBinding//longyun-member',
      `Role/velero/${VELERO_ROLE}`,
      `RoleBinding/velero/${VELERO_ROLE}`,
    ]);
  });

  it('binds longyun-member to the identities the member kubeconfig authenticates as, and longyun-tenant to the same ones per tenant namespace', () => {
    const b = memberClusterRoleBinding(subjects) as ClusterRoleBinding;
    expect(b.metadata.name).toBe('longyun-member');
    expect(b.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: MEMBER_CLUSTER_ROLE });
    expect(b.subjects).toEqual([
      { kind: 'User', name: 'longyun@tianshui', apiGroup: 'rbac.authorization.k8s.io' },
      { kind: 'ServiceAccount', name: 'longyun', namespace: 'kube-system' },
    ]);
    // What the runtime does: read the binding, bind the same subjects in the tenant namespace.
    expect(memberSubjects(b)).toEqual(subjects);
    const t = tenantRoleBinding(TENANT_NS, memberSubjects(b));
    expect(t).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: TENANT_ROLE_BINDING, namespace: TENANT_NS, labels: { 'app.kubernetes.io/managed-by': 'longyun' } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: TENANT_CLUSTER_ROLE },
      subjects: b.subjects,
    });
    expect(memberSubjects({ ...b, subjects: [{ kind: 'ServiceAccount', name: 'no-namespace' }, { kind: 'Group', name: 'ops' }] })).toEqual([{ kind: 'Group', name: 'ops' }]);
    expect(() => memberSubjects({ ...b, subjects: null })).toThrow(/has no subject.*longyun node member-rbac/);
    expect(() => memberSubjects({ ...b, roleRef: { kind: 'ClusterRole', name: 'cluster-admin' } })).toThrow(DesiredStateError);
    expect(() => memberSubjects({ ...b, kind: 'RoleBinding' })).toThrow(/expected the longyun-member ClusterRoleBinding/);
    expect(() => tenantRoleBinding(TENANT_NS, [])).toThrow(/needs a subject/);
    expect(() => memberClusterRoleBinding([])).toThrow(/needs a subject/);
    expect(() => parseServiceAccount('longyun')).toThrow(/NAMESPACE:NAME/);
  });
});
