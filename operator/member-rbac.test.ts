import { describe, expect, it } from 'vitest';
import { systemObjects } from '../controllers/cloud-node-reconciler.js';
import { reconcileBackupLocations } from '../controllers/backup-locations.js';
import { desiredObjects } from '../controllers/tenant-reconciler.js';
import { OPS_ROLE } from '../stacks/graph/tenant-objects.js';
import type { K8sObject } from '../stacks/graph/types.js';
import { GANSU_DIR } from '../topology/estate.test-helpers.js';
import { openAddressPlan } from '../topology/ipam/ledger-store.js';
import { loadEstate } from '../topology/load.js';
import { TENANT_KINDS } from './member-cluster.js';
import { MEMBER_CLUSTER_ROLE, memberClusterRole, memberClusterRoleBinding, memberRules, parseServiceAccount, type PolicyRule } from './member-rbac.js';
import { pluralOf } from './rest.js';

const estate = loadEstate(GANSU_DIR);
const plan = openAddressPlan(estate);
const rules = (memberClusterRole() as { rules: PolicyRule[] }).rules;
const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');

/** RBAC's own matching: a rule allows a request when group, resource, verb (and name, if the rule lists names) match. */
function allows(r: { group: string; resource: string; verb: string; name?: string }): boolean {
  return rules.some(
    (rule) =>
      rule.apiGroups?.includes(r.group) &&
      rule.resources?.includes(r.resource) &&
      rule.verbs.includes(r.verb) &&
      (rule.resourceNames === undefined || (r.name !== undefined && rule.resourceNames.includes(r.name))),
  );
}

// Everything the operator writes on a member: onboarding, a tenant with every kind of object (planes, a DR plan), the node's backup storage locations.
const tenant = desiredObjects({ estate, plan, now: new Date() }, 'tianshui-case-files', {
  department: 'tianshui-big-data',
  quota: { cpu: '4', memory: '8Gi', storage: '100Gi' },
  mlps: 3,
  planes: ['plane-1', 'plane-2'],
  dr: { rpoMinutes: 30, rtoMinutes: 240, centres: ['same-city-dr', 'remote-dr'] },
}, 'tianshui-cloud').map((d) => d.object);
const backups = reconcileBackupLocations(estate, 'tianshui-cloud', { tenants: [{ name: 'tianshui-case-files', centres: ['same-city-dr', 'remote-dr'] }], onMember: new Map() }).apply;
const written: K8sObject[] = [...systemObjects('tianshui-cloud'), ...tenant, ...backups];

describe('the longyun-member ClusterRole', () => {
  it('allows applying (create, patch) and deleting every kind the operator writes on a member', () => {
    expect(new Set(written.map((o) => o.kind))).toEqual(new Set([...TENANT_KINDS.map((k) => k.kind), 'BackupStorageLocation']));
    for (const o of written) {
      for (const verb of ['create', 'patch', 'delete']) expect(allows({ group: groupOf(o.apiVersion), resource: pluralOf(o.kind), verb, name: o.metadata.name }), `${verb} ${o.kind}`).toBe(true);
    }
    expect(allows({ group: '', resource: 'namespaces', verb: 'get', name: 'longyun-system' })).toBe(true);
    expect(rules).toContainEqual({ nonResourceURLs: ['/version'], verbs: ['get'] });
  });

  it('allows watching every kind the member caches watch, in every namespace, and listing backup storage locations', () => {
    for (const k of TENANT_KINDS) for (const verb of ['list', 'watch']) expect(allows({ group: groupOf(k.apiVersion), resource: k.plural, verb }), `${verb} ${k.plural}`).toBe(true);
    expect(allows({ group: 'velero.io', resource: 'backupstoragelocations', verb: 'list' })).toBe(true);
  });

  it('lets the tenant ops Role be written and bound without holding its rights: escalate and bind on that Role name only', () => {
    const role = tenant.find((o) => o.kind === 'Role')!;
    const binding = tenant.find((o) => o.kind === 'RoleBinding')! as K8sObject & { roleRef: { kind: string; name: string } };
    expect(role.metadata.name).toBe(OPS_ROLE);
    expect(binding.roleRef).toMatchObject({ kind: 'Role', name: OPS_ROLE });
    for (const verb of ['escalate', 'bind']) {
      expect(allows({ group: 'rbac.authorization.k8s.io', resource: 'roles', verb, name: OPS_ROLE })).toBe(true);
      expect(allows({ group: 'rbac.authorization.k8s.io', resource: 'roles', verb, name: 'admin' })).toBe(false);
      expect(allows({ group: 'rbac.authorization.k8s.io', resource: 'clusterroles', verb, name: 'cluster-admin' })).toBe(false);
    }
  });

  it('grants nothing else: no wildcards, no reads of what tenants run or keep, no cluster-wide RBAC, no nodes', () => {
    for (const rule of rules) {
      expect([...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...rule.verbs, ...(rule.nonResourceURLs ?? [])]).not.toContain('*');
      expect(rule.verbs).not.toContain('update');
      expect(rule.verbs).not.toContain('deletecollection');
      expect(rule.verbs).not.toContain('impersonate');
    }
    for (const resource of ['secrets', 'pods', 'configmaps', 'serviceaccounts', 'nodes', 'persistentvolumes']) {
      for (const verb of ['get', 'list', 'create', 'delete']) expect(allows({ group: '', resource, verb }), `${verb} ${resource}`).toBe(false);
    }
    for (const resource of ['clusterroles', 'clusterrolebindings']) expect(allows({ group: 'rbac.authorization.k8s.io', resource, verb: 'create' })).toBe(false);
    // Every rule has its reason.
    expect(memberRules().every((r) => r.why.length > 10)).toBe(true);
  });

  it('is bound to the identities the member kubeconfig authenticates as', () => {
    const b = memberClusterRoleBinding([{ kind: 'User', name: 'longyun@tianshui' }, parseServiceAccount('kube-system:longyun')]) as { roleRef: unknown; subjects: unknown[] };
    expect(b.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: MEMBER_CLUSTER_ROLE });
    expect(b.subjects).toEqual([
      { kind: 'User', name: 'longyun@tianshui', apiGroup: 'rbac.authorization.k8s.io' },
      { kind: 'ServiceAccount', name: 'longyun', namespace: 'kube-system' },
    ]);
    expect(() => memberClusterRoleBinding([])).toThrow(/needs a subject/);
    expect(() => parseServiceAccount('longyun')).toThrow(/NAMESPACE:NAME/);
  });
});
