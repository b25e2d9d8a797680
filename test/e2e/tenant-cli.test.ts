// The node and tenant commands as municipal ops and departments use them, against a real
// management cluster with the operator running (`longyun operator run`, a child process). The
// member is onboarded with a kubeconfig whose identity holds only what `longyun node member-rbac`
// grants, as municipal ops hand one over.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDON_STAND_INS } from '../../operator/addon-crds.js';
import { down, kubeconfigYaml, RESTRICTED_USER, up, type DevControlPlane } from '../../operator/dev-cluster/index.js';
import { BIN, longyun, longyunAsync } from './cli-helpers.js';
import { RestClient } from '../../operator/rest.js';
import { applyAll, kubeConfigOf, waitFor } from './operator-helpers.js';

let plane: DevControlPlane;
let stateDir: string;
let mgmt: string;
let member: string;
/** The member's kubeconfig handed over at onboarding: its least-privilege user. */
let memberHandedOver: string;
let operator: ChildProcess;
let operatorKubeconfig: string;
let operatorLog = '';

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'longyun-cli-e2e-'));
  plane = await up({ members: 1, stateDir });
  mgmt = plane.clusters.find((c) => c.role === 'management')!.kubeconfig;
  member = plane.clusters.find((c) => c.role === 'member')!.kubeconfig;
  const m = plane.clusters.find((c) => c.role === 'member')!;
  memberHandedOver = join(stateDir, 'member-handed-over.kubeconfig');
  writeFileSync(memberHandedOver, kubeconfigYaml({ cluster: m.name, server: m.server, caFile: m.caFile, user: RESTRICTED_USER, token: m.tokens.restricted }), { mode: 0o600 });
  await applyAll(kubeConfigOf(member), ADDON_STAND_INS);
  // What a platform engineer does: install the CRDs and RBAC from the manifests.
  const manifests = longyun(['operator', 'manifests']);
  expect(manifests.code).toBe(0);
  const { parseAllDocuments } = await import('yaml');
  await applyAll(kubeConfigOf(mgmt), parseAllDocuments(manifests.stdout).map((d) => d.toJSON()));
  // The operator runs as its ServiceAccount, with only the RBAC of the manifests: every flow below
  // then shows that this least privilege is enough.
  const cluster = plane.clusters.find((c) => c.role === 'management')!;
  const tokenRequest = await new RestClient(kubeConfigOf(mgmt)).request<{ status: { token: string } }>('POST', '/api/v1/namespaces/longyun-system/serviceaccounts/longyun-operator/token', {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds: 3600 },
  });
  operatorKubeconfig = join(stateDir, 'operator-sa.kubeconfig');
  writeFileSync(operatorKubeconfig, kubeconfigYaml({ cluster: 'management', server: cluster.server, caFile: cluster.caFile, user: 'longyun-operator', token: tokenRequest.status.token }), { mode: 0o600 });
  operator = spawn(process.execPath, [BIN, 'operator', 'run', '--kubeconfig', operatorKubeconfig, '--metrics-port', '0', '--lease-duration', '4'], { stdio: ['ignore', 'ignore', 'pipe'] });
  operator.stderr!.on('data', (d: Buffer) => (operatorLog += d.toString()));
  await waitFor('the operator to lead', async () => /became leader/.test(operatorLog));
}, 180_000);

afterAll(async () => {
  operator?.kill('SIGTERM');
  await new Promise((r) => operator?.once('exit', r) ?? r(null));
  if (stateDir) await down({ stateDir });
}, 60_000);

const run = (args: string[]) => longyunAsync(args, mgmt);

describe('node and tenant commands', () => {
  it('node onboard of a member whose identity lacks longyun-member: Onboarded=False (MemberForbidden), naming the fix', async () => {
    const r = await run(['node', 'onboard', '--member-kubeconfig', memberHandedOver, '--unit', 'tianshui', '--kind', 'municipal']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('cloudnode/tianshui-cloud registered');
    expect(r.stderr).toContain('longyun node member-rbac --user NAME | kubectl apply -f -');
    const rest = new RestClient(kubeConfigOf(mgmt));
    type N = { status?: { conditions?: Array<{ type: string; status: string; reason: string; message: string }> } };
    const n = await waitFor('Onboarded=False (MemberForbidden)', async () => {
      const o = await rest.request<N>('GET', '/apis/longyun.io/v1alpha1/cloudnodes/tianshui-cloud');
      return o.status?.conditions?.find((c) => c.type === 'Onboarded' && c.reason === 'MemberForbidden') ? o : undefined;
    });
    expect(n.status?.conditions?.find((c) => c.type === 'Onboarded')?.message).toMatch(/403.*bind the longyun-member ClusterRole.*longyun node member-rbac/);
    expect(n.status?.conditions?.find((c) => c.type === 'Reachable')?.status).toBe('True');
    expect((await run(['node', 'get', 'tianshui-cloud'])).stdout).toMatch(/Onboarded\s+False\s+MemberForbidden/);
    rest.close();
  }, 90_000);

  it('node member-rbac prints the ClusterRoles, their bindings and the velero Role (YAML with reasons, or a JSON List) to apply on the member', async () => {
    const json = longyun(['node', 'member-rbac', '--user', RESTRICTED_USER, '-o', 'json']);
    expect(json.code).toBe(0);
    const list = JSON.parse(json.stdout) as { kind: string; items: Array<{ kind: string; metadata: { name: string }; subjects?: unknown[] }> };
    expect(list.kind).toBe('List');
    expect(list.items.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ClusterRole/longyun-member', 'ClusterRole/longyun-tenant', 'ClusterRoleBinding/longyun-member', 'Role/longyun-velero', 'RoleBinding/longyun-velero']);
    expect(list.items[2]!.subjects).toEqual([{ kind: 'User', name: RESTRICTED_USER, apiGroup: 'rbac.authorization.k8s.io' }]);
    const yaml = longyun(['node', 'member-rbac', '--user', RESTRICTED_USER]);
    expect(yaml.code).toBe(0);
    expect(yaml.stdout).toMatch(/# that RoleBinding refers to the ClusterRole longyun-tenant, .* bind/);
    const noSubject = longyun(['node', 'member-rbac']);
    expect(noSubject.code).toBe(1);
    expect(noSubject.stderr).toMatch(/--user NAME, --group NAME or --serviceaccount NAMESPACE:NAME/);
    // Applied on the member as its admin, exactly as printed.
    const { parseAllDocuments } = await import('yaml');
    await applyAll(kubeConfigOf(member), parseAllDocuments(yaml.stdout).map((d) => d.toJSON()));
  }, 60_000);

  it('node onboard --wait registers a member and waits for Ready; node list shows it', async () => {
    const r = await run(['node', 'onboard', '--member-kubeconfig', memberHandedOver, '--unit', 'tianshui', '--kind', 'municipal', '--wait', '--timeout', '60']);
    expect(r.stderr).toContain('tianshui-cloud:');
    expect(r.stdout).toMatch(/cloudnode\/tianshui-cloud is Ready \(Kubernetes v1\.20/);
    expect(r.code).toBe(0);
    const list = await run(['node', 'list', '-o', 'json']);
    expect(JSON.parse(list.stdout).map((n: { metadata: { name: string } }) => n.metadata.name)).toEqual(['tianshui-cloud']);
    expect(r.stdout + r.stderr).not.toMatch(/BEGIN CERTIFICATE|token:/);
    // Registering again is idempotent; -o json prints the CloudNode (its Secret only by reference).
    const again = await run(['node', 'onboard', '--member-kubeconfig', memberHandedOver, '--unit', 'tianshui', '--kind', 'municipal', '-o', 'json']);
    expect(again.code).toBe(0);
    const registered = JSON.parse(again.stdout) as { metadata: { name: string }; spec: { kubeconfigSecretRef: { name: string } } };
    expect(registered.metadata.name).toBe('tianshui-cloud');
    expect(registered.spec.kubeconfigSecretRef.name).toBe('tianshui-cloud-kubeconfig');
    expect(again.stdout).not.toMatch(/BEGIN CERTIFICATE|token:|client-key/);
    // The CloudNode owns its kubeconfig Secret: deleting the node lets the garbage collector delete the credentials.
    const rest = new RestClient(kubeConfigOf(mgmt));
    const node = await rest.request<{ metadata: { uid: string } }>('GET', '/apis/longyun.io/v1alpha1/cloudnodes/tianshui-cloud');
    await waitFor('the Secret owned by its CloudNode', async () => {
      const secret = await rest.request<{ metadata: { ownerReferences?: Array<{ kind: string; uid: string }> } }>('GET', '/api/v1/namespaces/longyun-system/secrets/tianshui-cloud-kubeconfig');
      return secret.metadata.ownerReferences?.some((o) => o.kind === 'CloudNode' && o.uid === node.metadata.uid);
    });
  }, 180_000);

  it('tenant request --wait ends Ready on the department\'s city node, with progress on stderr', async () => {
    const r = await run(['tenant', 'request', '--name', 'tianshui-permits', '--department', 'tianshui-big-data', '--cpu', '8', '--memory', '16Gi', '--storage', '500Gi', '--mlps', '2', '--wait', '--timeout', '60']);
    expect(r.stdout).toContain('tenant/tianshui-permits is Ready on tianshui-cloud');
    expect(r.stderr).toMatch(/Approved=True/);
    expect(r.code).toBe(0);
    const get = await run(['tenant', 'get', 'tianshui-permits']);
    expect(get.stdout).toMatch(/Ready\s+True\s+TenantReady/);
  }, 90_000);

  it('a request failing a policy: exit 3 with the policy named; bad input: exit 1 with the fix', async () => {
    const rejected = await run(['tenant', 'request', '--name', 'tianshui-vault', '--department', 'tianshui-big-data', '--cpu', '2', '--memory', '4Gi', '--storage', '50Gi', '--mlps', '3', '--wait', '--timeout', '60']);
    expect(rejected.code).toBe(3);
    expect(rejected.stdout).toMatch(/was rejected: policy tenant-dr-for-mlps3/);
    const bad = await run(['tenant', 'request', '--department', 'tianshui-big-data', '--cpu', 'lots', '--memory', '4Gi', '--storage', '50Gi', '--mlps', '2']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/quota\.cpu: .*quantity/);
  }, 90_000);

  it('serves /metrics, /healthz and /readyz', async () => {
    const port = Number(/metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(operatorLog)![1]);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(text).toMatch(/longyun_reconcile_total\{controller="tenant",result="success"\} [1-9]/);
    expect(text).toMatch(/longyun_reconcile_duration_seconds_bucket\{le="[\d.]+",controller="cloudnode"\}/);
    expect(text).toMatch(/longyun_member_cluster_up\{cluster="tianshui-cloud"\} 1/);
    expect(text).toMatch(/longyun_tenants\{phase="Ready"\} 1/);
    expect(text).toMatch(/longyun_leader 1/);
    // The depth at one scrape is momentary (a periodic resync queues every key): exported, not a value.
    expect(text).toMatch(/longyun_workqueue_depth\{controller="tenant"\} \d+/);
    expect(text).toMatch(/longyun_kube_writes_total\{cluster="tianshui-cloud",verb="apply"\} [1-9]/);
    expect(text).toMatch(/longyun_kube_writes_total\{cluster="management",verb="patch"\} [1-9]/);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    // Running as its ServiceAccount with the manifests' RBAC, it was never refused anything.
    expect(operatorLog).not.toMatch(/forbidden|HTTP 403/i);
  });

  it('an operator killed mid-reconcile: its successor converges, nothing duplicated or lost', async () => {
    const rest = new RestClient(kubeConfigOf(mgmt));
    const names = Array.from({ length: 12 }, (_, i) => `tianshui-batch-${i}`);
    for (const name of names) {
      await rest.request('POST', '/apis/longyun.io/v1alpha1/tenants', {
        apiVersion: 'longyun.io/v1alpha1',
        kind: 'Tenant',
        metadata: { name },
        spec: { department: 'tianshui-big-data', quota: { cpu: '1', memory: '1Gi', storage: '10Gi' }, mlps: 2, planes: ['plane-1'] },
      });
    }
    // Mid-reconcile: killed as soon as the operator has started on the batch (one has a status).
    await waitFor('the operator at work on the batch', async () => {
      const list = await rest.request<{ items: Array<{ metadata: { name: string }; status?: { phase?: string } }> }>('GET', '/apis/longyun.io/v1alpha1/tenants');
      return list.items.some((t) => t.metadata.name.startsWith('tianshui-batch-') && t.status?.phase !== undefined);
    }, 60_000, 20);
    operator.kill('SIGKILL');
    await new Promise((r) => operator.once('exit', r));
    operatorLog = '';
    operator = spawn(process.execPath, [BIN, 'operator', 'run', '--kubeconfig', operatorKubeconfig, '--metrics-port', '0', '--lease-duration', '4'], { stdio: ['ignore', 'ignore', 'pipe'] });
    operator.stderr!.on('data', (d: Buffer) => (operatorLog += d.toString()));
    type T = { metadata: { name: string }; status?: { phase?: string; node?: string } };
    let last: T[] = [];
    const all = await waitFor('every batch tenant Ready', async () => {
      const list = await rest.request<{ items: T[] }>('GET', '/apis/longyun.io/v1alpha1/tenants');
      const batch = list.items.filter((t) => t.metadata.name.startsWith('tianshui-batch-'));
      last = batch;
      return batch.length === names.length && batch.every((t) => t.status?.phase === 'Ready') ? batch : undefined;
    }, 60_000, 250).catch((e: Error) => {
      throw new Error(`${e.message}\nstatuses: ${JSON.stringify(last.map((t) => [t.metadata.name, t.status?.phase, t.status?.node]))}\noperator log (last 40 lines):\n${operatorLog.split('\n').slice(-40).join('\n')}`);
    });
    expect(all.every((t) => t.status?.node === 'tianshui-cloud')).toBe(true);
    const memberRest = new RestClient(kubeConfigOf(member));
    const nss = await memberRest.request<{ items: Array<{ metadata: { name: string } }> }>('GET', '/api/v1/namespaces?labelSelector=longyun.io%2Ftenant');
    for (const n of names) expect(nss.items.filter((x) => x.metadata.name === n)).toHaveLength(1);
    const quotas = await memberRest.request<{ items: unknown[] }>('GET', '/api/v1/resourcequotas?labelSelector=longyun.io%2Ftenant');
    expect(quotas.items.length).toBe(nss.items.length);
  }, 120_000);

  it('tenant delete --wait removes it', async () => {
    const r = await run(['tenant', 'delete', 'tianshui-permits', '--wait', '--timeout', '60']);
    expect(r.code).toBe(0);
    const list = JSON.parse((await run(['tenant', 'list', '-o', 'json'])).stdout) as Array<{ metadata: { name: string } }>;
    expect(list.map((t) => t.metadata.name)).not.toContain('tianshui-permits');
    expect(list.map((t) => t.metadata.name)).toContain('tianshui-vault');
  }, 90_000);

  it('node delete: refused while tenants are on it; through the API the finalizer holds it, still serving them; once they go it is offboarded', async () => {
    const rest = new RestClient(kubeConfigOf(mgmt));
    const memberRest = new RestClient(kubeConfigOf(member));
    type N = { metadata: { deletionTimestamp?: string }; status?: { conditions?: Array<{ type: string; status: string; reason: string; message: string }> } };
    const nodePath = '/apis/longyun.io/v1alpha1/cloudnodes/tianshui-cloud';
    const batch = Array.from({ length: 12 }, (_, i) => `tianshui-batch-${i}`);

    const refused = await run(['node', 'delete', 'tianshui-cloud']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/cloudnode\/tianshui-cloud has 12 tenants \(tianshui-batch-0, tianshui-batch-1, tianshui-batch-2, .*, tianshui-batch-11\).*longyun tenant delete NAME --wait.*Nothing was deleted/s);
    expect((await rest.request<N>('GET', nodePath)).metadata.deletionTimestamp).toBeUndefined();

    // Another client deletes it anyway: the operator's finalizer keeps it while tenants are there.
    await rest.request('DELETE', nodePath);
    const held = await waitFor('Offboarded=False (TenantsRemain)', async () => {
      const n = await rest.request<N>('GET', nodePath);
      return n.status?.conditions?.find((c) => c.type === 'Offboarded' && c.reason === 'TenantsRemain') ? n : undefined;
    }, 60_000, 250);
    expect(held.metadata.deletionTimestamp).toBeDefined();
    expect(held.status?.conditions?.find((c) => c.type === 'Offboarded')?.message).toMatch(/^12 tenants are still on this node/);
    expect(held.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    const got = JSON.parse((await run(['tenant', 'get', 'tianshui-batch-3', '-o', 'json'])).stdout) as { status: { phase: string } };
    expect(got.status.phase).toBe('Ready');

    // The tenants go (one with -o json for scripts), and then the node.
    const one = await run(['tenant', 'delete', 'tianshui-batch-0', '--wait', '--timeout', '60', '-o', 'json']);
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout)).toEqual({ kind: 'Tenant', name: 'tianshui-batch-0', deleted: true });
    // The rest are only asked to go: node delete does not refuse tenants already being deleted, and
    // waits for them. One of them is held by another client's finalizer until node delete is
    // waiting, so that the node cannot be gone (its deletion above) before the command starts.
    const HOLD = 'test.longyun.io/hold';
    const last = `/apis/longyun.io/v1alpha1/tenants/${batch[batch.length - 1]}`;
    await rest.request('PATCH', last, { metadata: { finalizers: ['longyun.io/tenant-cleanup', HOLD] } }, 'application/merge-patch+json');
    for (const name of batch.slice(1)) await rest.request('DELETE', `/apis/longyun.io/v1alpha1/tenants/${name}`);
    let stderr = '';
    const child = spawn(process.execPath, [BIN, 'node', 'delete', 'tianshui-cloud', '--wait', '--timeout', '90', '--kubeconfig', mgmt], { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number>((r) => child.on('exit', (code) => r(code ?? -1)));
    // Released once the command is waiting (its progress line) and the operator has removed its own
    // finalizer (a merge patch replaces the list).
    await waitFor('node delete waiting', async () => stderr.includes('tianshui-cloud: ') || undefined, 60_000, 100);
    await waitFor('only the hold left', async () => JSON.stringify((await rest.request<{ metadata: { finalizers?: string[] } }>('GET', last)).metadata.finalizers) === JSON.stringify([HOLD]) || undefined, 60_000, 250);
    await rest.request('PATCH', last, { metadata: { finalizers: [] } }, 'application/merge-patch+json');
    const gone = { code: await exited, stdout, stderr };
    expect(gone.stderr + gone.stdout).not.toMatch(/error/i);
    expect(gone.code).toBe(0);
    expect(gone.stdout).toContain('cloudnode/tianshui-cloud deleted and offboarded from its member cluster');
    await expect(rest.request('GET', nodePath)).rejects.toMatchObject({ code: 404 });
    // Onboarding undone on the member (the namespace is gone or going), and the credentials collected.
    const ns = await memberRest.request<{ metadata: { deletionTimestamp?: string } }>('GET', '/api/v1/namespaces/longyun-system').catch((e: { code?: number }) => e.code);
    expect(ns === 404 || (typeof ns === 'object' && ns.metadata.deletionTimestamp !== undefined)).toBe(true);
    await waitFor('the kubeconfig Secret garbage-collected', async () => rest.request('GET', '/api/v1/namespaces/longyun-system/secrets/tianshui-cloud-kubeconfig').then(() => false, (e: { code?: number }) => e.code === 404), 60_000, 250);
    // Gone too from the member: every tenant namespace.
    const left = await memberRest.request<{ items: Array<{ metadata: { name: string; deletionTimestamp?: string } }> }>('GET', '/api/v1/namespaces?labelSelector=longyun.io%2Ftenant');
    expect(left.items.filter((n) => !n.metadata.deletionTimestamp).map((n) => n.metadata.name)).toEqual([]);
    expect(operatorLog).toMatch(/cloudnode tianshui-cloud: offboarded/);
    memberRest.close();
    rest.close();
  }, 180_000);
});
