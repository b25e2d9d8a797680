// What longyun may do on a member cluster, checked on a real kube-apiserver 1.20 with kubectl, as
// municipal ops would: apply what `longyun node member-rbac` prints for a user, make a tenant
// namespace and its `longyun-tenant` RoleBinding as that user (impersonated with `--as`, so the
// binding itself is proven to need nothing but `longyun-member`), then ask `kubectl auth can-i`
// and try the requests that matter. README "Rights on member clusters" states what is asserted here.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDON_STAND_INS } from '../../operator/addon-crds.js';
import { DEFAULT_CONTROLLERS, down, up, type DevControlPlane } from '../../operator/dev-cluster/index.js';
import { memberSubjects, TENANT_ROLE_BINDING, tenantRoleBinding } from '../../operator/member-rbac.js';
import { longyun } from './cli-helpers.js';
import { applyAll, kubeConfigOf, waitFor } from './operator-helpers.js';

const LONGYUN = 'longyun-operator';
const TENANT = 'tianshui-case-files';
const TENANT_LABEL = 'longyun.io/tenant';

let plane: DevControlPlane;
let stateDir: string;
let kubeconfig: string;
let kubectlBin: string;

/** kubectl on the member as its admin; `as` impersonates that user (with group system:authenticated, as the API server adds). */
function kubectl(args: string[], opts: { as?: string; input?: string } = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(kubectlBin, ['--kubeconfig', kubeconfig, ...(opts.as ? ['--as', opts.as] : []), ...args], { encoding: 'utf8', input: opts.input, timeout: 30_000 });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** `kubectl auth can-i VERB RESOURCE` as longyun: in namespace `ns`, or cluster-wide (`-A`) without one. */
function can(verb: string, resource: string, ns?: string): boolean {
  const r = kubectl(['auth', 'can-i', verb, resource, ...(ns ? ['-n', ns] : ['-A'])], { as: LONGYUN });
  if (r.code !== 0 && r.stdout.trim() !== 'no') throw new Error(`kubectl auth can-i ${verb} ${resource}: ${r.stderr}`);
  return r.code === 0;
}

const json = (o: object) => JSON.stringify(o);
const namespace = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { [TENANT_LABEL]: name, 'app.kubernetes.io/managed-by': 'longyun' } } });

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'longyun-member-rights-'));
  // With the ClusterRole aggregation controller: without it `admin` and `edit` have no rules, and binding an empty role is no escalation.
  plane = await up({ members: 1, stateDir, controllers: [...DEFAULT_CONTROLLERS, 'clusterrole-aggregation'] });
  const member = plane.clusters.find((c) => c.role === 'member')!;
  kubeconfig = member.kubeconfig;
  kubectlBin = plane.kubectl ?? 'kubectl';
  // Velero and Multus stand-ins (their CRDs and the velero namespace), as on a real member.
  await applyAll(kubeConfigOf(kubeconfig), ADDON_STAND_INS);
  await waitFor('the add-on CRDs', async () => kubectl(['get', 'network-attachment-definitions.k8s.cni.cncf.io', '-A']).code === 0);
  await waitFor('admin and edit aggregated', async () => ['admin', 'edit'].every((r) => /"verbs"/.test(kubectl(['get', 'clusterrole', r, '-o', 'json']).stdout)));
}, 180_000);

afterAll(async () => {
  if (stateDir) await down({ stateDir });
}, 60_000);

describe('longyun on a member, with only what `longyun node member-rbac` grants', () => {
  it('applies as printed; longyun creates a tenant namespace and binds longyun-tenant in it, as the subjects of its own ClusterRoleBinding', async () => {
    const printed = longyun(['node', 'member-rbac', '--user', LONGYUN]);
    expect(printed.code).toBe(0);
    const applied = kubectl(['apply', '-f', '-'], { input: printed.stdout });
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toMatch(/clusterrole.rbac.authorization.k8s.io\/longyun-member created/);
    expect(applied.stdout).toMatch(/clusterrole.rbac.authorization.k8s.io\/longyun-tenant created/);
    expect(applied.stdout).toMatch(/role.rbac.authorization.k8s.io\/longyun-velero created/);
    await waitFor('longyun-member in effect', async () => can('create', 'namespaces'));

    // A server-side apply of a namespace that does not exist is a patch, which longyun-member does not grant: the runtime creates (POST) first.
    const ssaNew = kubectl(['apply', '--server-side', '--field-manager', 'longyun', '-f', '-'], { as: LONGYUN, input: json(namespace('not-yet')) });
    expect(ssaNew.code).not.toBe(0);
    expect(ssaNew.stderr).toMatch(/forbidden: User "longyun-operator" cannot patch resource "namespaces" in API group "" in the namespace "not-yet"/);
    expect(kubectl(['create', '-f', '-'], { as: LONGYUN, input: json(namespace(TENANT)) }).code).toBe(0);

    // Its own ClusterRoleBinding, read as longyun, gives the subjects; the binding is created as longyun.
    const crb = kubectl(['get', 'clusterrolebinding', 'longyun-member', '-o', 'json'], { as: LONGYUN });
    expect(crb.code).toBe(0);
    const subjects = memberSubjects(JSON.parse(crb.stdout) as Parameters<typeof memberSubjects>[0]);
    expect(subjects).toEqual([{ kind: 'User', name: LONGYUN }]);
    const bound = kubectl(['create', '-f', '-'], { as: LONGYUN, input: json(tenantRoleBinding(TENANT, subjects)) });
    expect(bound.stderr).toBe('');
    expect(bound.stdout).toMatch(new RegExp(`rolebinding.rbac.authorization.k8s.io/${TENANT_ROLE_BINDING} created`));
    await waitFor('longyun-tenant in effect', async () => can('create', 'secrets', TENANT));
    // From then on the namespace is longyun's to apply (and the binding too: longyun-tenant covers it).
    const ssa = kubectl(['apply', '--server-side', '--field-manager', 'longyun', '-f', '-'], { as: LONGYUN, input: json(namespace(TENANT)) });
    expect(ssa.stderr).toBe('');
    expect(kubectl(['apply', '--server-side', '--field-manager', 'longyun', '-f', '-'], { as: LONGYUN, input: json(tenantRoleBinding(TENANT, subjects)) }).code).toBe(0);
  }, 120_000);

  it('gets nothing in kube-system or default: no secrets, pods, deployments, config maps or roles', () => {
    const denied: string[] = [];
    for (const ns of ['kube-system', 'default', 'other-tenant']) {
      for (const resource of ['secrets', 'pods', 'deployments.apps', 'configmaps', 'roles.rbac.authorization.k8s.io', 'serviceaccounts']) {
        for (const verb of ['get', 'list', 'create', 'patch', 'delete']) if (can(verb, resource, ns)) denied.push(`${verb} ${resource} -n ${ns}`);
      }
      for (const verb of ['get', 'list', 'patch', 'delete']) if (can(verb, 'rolebindings.rbac.authorization.k8s.io', ns)) denied.push(`${verb} rolebindings -n ${ns}`);
    }
    expect(denied).toEqual([]);
  }, 120_000);

  it('writes nothing cluster-scoped but namespaces (create; patch and delete of its own longyun-system by name)', () => {
    const allowed: string[] = [];
    for (const resource of ['clusterroles.rbac.authorization.k8s.io', 'clusterrolebindings.rbac.authorization.k8s.io', 'customresourcedefinitions.apiextensions.k8s.io', 'nodes', 'persistentvolumes', 'validatingwebhookconfigurations.admissionregistration.k8s.io']) {
      for (const verb of ['create', 'patch', 'update', 'delete']) if (can(verb, resource)) allowed.push(`${verb} ${resource}`);
    }
    for (const verb of ['patch', 'update', 'delete']) {
      if (can(verb, 'namespaces')) allowed.push(`${verb} namespaces (cluster-wide)`);
      for (const ns of ['kube-system', 'default', 'kube-public', 'velero', 'other-tenant']) if (can(verb, `namespace/${ns}`, ns)) allowed.push(`${verb} namespace/${ns}`);
    }
    for (const verb of ['list', 'get']) if (can(verb, 'clusterrolebinding/cluster-admin')) allowed.push(`${verb} clusterrolebinding/cluster-admin`);
    if (can('list', 'clusterrolebindings.rbac.authorization.k8s.io')) allowed.push('list clusterrolebindings');
    if (can('impersonate', 'users')) allowed.push('impersonate users');
    expect(allowed).toEqual([]);
    // What it does hold cluster-wide.
    for (const [verb, resource] of [['create', 'namespaces'], ['watch', 'namespaces'], ['get', 'clusterrolebinding/longyun-member'], ['bind', 'clusterrole/longyun-tenant']]) expect(can(verb!, resource!), `${verb} ${resource}`).toBe(true);
    for (const verb of ['patch', 'delete']) expect(can(verb, 'namespace/longyun-system', 'longyun-system')).toBe(true);
    expect(can('bind', 'clusterrole/admin')).toBe(false);
    expect(can('escalate', 'clusterrole/longyun-tenant')).toBe(false);
  }, 120_000);

  it('may create a RoleBinding in kube-system (the documented trade-off), but binding anything other than longyun-tenant is refused', () => {
    expect(can('create', 'rolebindings.rbac.authorization.k8s.io', 'kube-system')).toBe(true);
    const toAdmin = kubectl(['create', 'rolebinding', 'steal', '--clusterrole', 'admin', '--user', LONGYUN, '-n', 'kube-system'], { as: LONGYUN });
    expect(toAdmin.code).not.toBe(0);
    expect(toAdmin.stderr).toMatch(/forbidden: user "longyun-operator" .* is attempting to grant RBAC permissions not currently held/);
    // (Kubernetes also lets anyone bind a role whose rules they already hold, which grants nothing new: longyun-member itself, say.)
    for (const [role, ns] of [['edit', 'default'], ['view', 'kube-system'], ['cluster-admin', 'kube-system']]) {
      const r = kubectl(['create', 'rolebinding', 'steal', '--clusterrole', role!, '--user', LONGYUN, '-n', ns!], { as: LONGYUN });
      expect(r.stderr, `bind ${role} in ${ns}`).toMatch(/forbidden/);
    }
    // The hole, shown: longyun-tenant can be bound in a namespace that is not a tenant's. An admission policy closes it (README).
    const hole = kubectl(['create', '-f', '-'], { as: LONGYUN, input: json(tenantRoleBinding('default', [{ kind: 'User', name: LONGYUN }])) });
    expect(hole.stderr).toBe('');
    expect(kubectl(['delete', 'rolebinding', TENANT_ROLE_BINDING, '-n', 'default']).code).toBe(0);
  }, 60_000);

  it('may do everything in the tenant namespace: its objects, custom resources, the namespace itself', async () => {
    const denied: string[] = [];
    for (const resource of ['deployments.apps', 'statefulsets.apps', 'secrets', 'configmaps', 'services', 'persistentvolumeclaims', 'cronjobs.batch', 'network-attachment-definitions.k8s.cni.cncf.io', 'roles.rbac.authorization.k8s.io', 'rolebindings.rbac.authorization.k8s.io', 'pods']) {
      for (const verb of ['get', 'list', 'watch', 'create', 'patch', 'delete']) if (!can(verb, resource, TENANT)) denied.push(`${verb} ${resource}`);
    }
    for (const verb of ['get', 'patch', 'delete']) if (!can(verb, `namespace/${TENANT}`, TENANT)) denied.push(`${verb} namespace/${TENANT}`);
    expect(denied).toEqual([]);
    // The requests themselves, as longyun: a Secret, a custom resource, a label on the namespace, then the namespace deleted.
    expect(kubectl(['create', 'secret', 'generic', 'db', '--from-literal', 'password=x', '-n', TENANT], { as: LONGYUN }).code).toBe(0);
    const nad = { apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition', metadata: { name: 'plane-1', namespace: TENANT }, spec: { config: '{}' } };
    expect(kubectl(['apply', '--server-side', '--field-manager', 'longyun', '-f', '-'], { as: LONGYUN, input: json(nad) }).stderr).toBe('');
    expect(kubectl(['label', 'namespace', TENANT, 'longyun.io/epoch=2'], { as: LONGYUN }).stderr).toBe('');
    // ...and kube-system's namespace object stays out of reach, by request too.
    expect(kubectl(['label', 'namespace', 'kube-system', 'x=y'], { as: LONGYUN }).stderr).toMatch(/forbidden/);
    expect(kubectl(['delete', 'namespace', TENANT, '--wait=false'], { as: LONGYUN }).stdout).toMatch(/deleted/);
  }, 120_000);

  it('in velero: its BackupStorageLocations and Schedules only', () => {
    for (const resource of ['backupstoragelocations.velero.io', 'schedules.velero.io']) {
      for (const verb of ['get', 'list', 'watch', 'create', 'patch', 'delete']) expect(can(verb, resource, 'velero'), `${verb} ${resource}`).toBe(true);
      expect(can('create', resource, 'kube-system')).toBe(false);
    }
    for (const resource of ['secrets', 'configmaps', 'pods', 'deployments.apps', 'backups.velero.io', 'restores.velero.io']) expect(can('create', resource, 'velero'), resource).toBe(false);
  }, 60_000);
});
