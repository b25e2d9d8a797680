// The operator as its manifests deploy it: `longyun operator manifests` applied for real to the
// management cluster, then the bundle run with the Deployment's container args and a pod's
// environment (KUBERNETES_SERVICE_HOST/_PORT, a ServiceAccount directory with a token of the
// manifests' ServiceAccount, the cluster's CA and the namespace). Its probes and metrics are reached
// on 127.0.0.2, not 127.0.0.1, as a kubelet reaches the pod's IP rather than the pod's loopback.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ADDON_STAND_INS } from '../../operator/addon-crds.js';
import { down, kubeconfigYaml, up, type DevCluster, type DevControlPlane } from '../../operator/dev-cluster/index.js';
import { RestClient } from '../../operator/rest.js';
import { BIN, longyun, longyunAsync } from './cli-helpers.js';
import { applyAll, kubeConfigOf, waitFor } from './operator-helpers.js';

type Doc = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };
type Container = { args: string[]; ports: Array<{ name: string; containerPort: number }> };
type Deployment = Doc & { metadata: { namespace: string }; spec: { template: { spec: { serviceAccountName: string; containers: Container[] } } } };

/** A `longyun operator run` child process and what it has written to stderr so far. */
interface Replica {
  process: ChildProcess;
  log: () => string;
  exited: Promise<number | null>;
}

function startReplica(args: string[], env: NodeJS.ProcessEnv): Replica {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, log: () => log, exited };
}

/** The port it listens on, from its start line; fails at once, with its log, if it exits instead. */
async function servingPort(r: Replica): Promise<number> {
  const line = waitFor('the operator\'s start line', async () => /metrics on http:\/\/\S+:(\d+)\/metrics/.exec(r.log()) ?? undefined);
  const exit = r.exited.then((code) => Promise.reject(new Error(`the operator exited with ${code}`)));
  exit.catch(() => {}); // it exits later, at SIGTERM, once this race is long decided
  const m = await Promise.race([line, exit]).catch((e: Error) => {
    throw new Error(`${e.message}\noperator log:\n${r.log()}`);
  });
  return Number(m[1]);
}

const get = async (port: number, path: string) => {
  const res = await fetch(`http://127.0.0.2:${port}${path}`);
  return { status: res.status, text: await res.text() };
};

let plane: DevControlPlane;
let stateDir: string;
let management: DevCluster;
let mgmt: string;
let member: string;
let docs: Doc[];
let deployment: Deployment;
let deployed: Replica | undefined;
let standby: Replica | undefined;
let deployedPort: number;
let deployedIdentity: string;

/** A token of the Deployment's ServiceAccount, from the TokenRequest API (as the kubelet gets one). */
async function serviceAccountToken(): Promise<string> {
  const admin = new RestClient(kubeConfigOf(mgmt));
  try {
    const tokenRequest = await admin.request<{ status: { token: string } }>('POST', `/api/v1/namespaces/${deployment.metadata.namespace}/serviceaccounts/${deployment.spec.template.spec.serviceAccountName}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 3600 },
    });
    return tokenRequest.status.token;
  } finally {
    admin.close();
  }
}

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'longyun-deployed-e2e-'));
  plane = await up({ members: 1, stateDir });
  management = plane.clusters.find((c) => c.role === 'management')!;
  mgmt = management.kubeconfig;
  member = plane.clusters.find((c) => c.role === 'member')!.kubeconfig;
  await applyAll(kubeConfigOf(member), ADDON_STAND_INS);
  const printed = longyun(['operator', 'manifests']);
  expect(printed.stderr).toBe('');
  expect(printed.code).toBe(0);
  docs = parseAllDocuments(printed.stdout).map((d) => d.toJSON() as Doc);
  deployment = docs.find((d) => d.kind === 'Deployment') as Deployment;
}, 180_000);

afterAll(async () => {
  for (const r of [deployed, standby]) {
    if (r && r.process.exitCode === null && r.process.signalCode === null) {
      r.process.kill('SIGTERM');
      await r.exited;
    }
  }
  if (stateDir) await down({ stateDir });
}, 60_000);

/** `longyun ARGS --kubeconfig <admin>` without blocking the event loop (the operators' logs keep flowing). */
const run = (args: string[]) => longyunAsync(args, mgmt);

describe('the operator as its manifests deploy it', () => {
  it('`operator manifests` is accepted by the API server: every object printed exists afterwards', async () => {
    expect(docs.map((d) => d.kind)).toEqual(expect.arrayContaining(['CustomResourceDefinition', 'Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'Deployment', 'Service']));
    const rest = new RestClient(kubeConfigOf(mgmt));
    try {
      await applyAll(kubeConfigOf(mgmt), docs);
      for (const d of docs) {
        const found = await rest.get<Doc>(d);
        expect(found, `${d.kind} ${d.metadata.namespace ?? ''}/${d.metadata.name}`).toBeDefined();
        expect({ kind: found!.kind, name: found!.metadata.name, namespace: found!.metadata.namespace }).toEqual({ kind: d.kind, name: d.metadata.name, namespace: d.metadata.namespace });
      }
    } finally {
      rest.close();
    }
  });

  it('`operator run` with the Deployment\'s args and a pod\'s environment: probes and metrics on the pod\'s IP, leads, reconciles with only the manifests\' RBAC', async () => {
    const container = deployment.spec.template.spec.containers[0]!;
    const port = container.ports.find((p) => p.name === 'metrics')!.containerPort;
    // The container's args, with one change: the port (0: a free one; it is printed).
    const i = container.args.indexOf('--metrics-bind-address');
    expect(container.args[i + 1]).toBe(`:${port}`);
    const args = container.args.map((a, j) => (j === i + 1 ? ':0' : a));
    expect(args).toContain('--in-cluster');

    // The ServiceAccount directory the kubelet would mount: a token of the Deployment's
    // ServiceAccount (TokenRequest), the cluster's CA, the pod's namespace.
    const namespace = deployment.metadata.namespace;
    const saDir = join(stateDir, 'serviceaccount');
    mkdirSync(saDir, { mode: 0o700 });
    writeFileSync(join(saDir, 'token'), await serviceAccountToken(), { mode: 0o600 });
    copyFileSync(management.caFile, join(saDir, 'ca.crt'));
    writeFileSync(join(saDir, 'namespace'), namespace);
    const { KUBECONFIG: _kubeconfig, ...env } = process.env;
    deployed = startReplica(args, { ...env, NO_COLOR: '1', KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(management.port), LONGYUN_SERVICEACCOUNT_DIR: saDir });
    deployedPort = await servingPort(deployed);
    expect(deployed.log()).toContain(`(bound to :${deployedPort}, all interfaces)`);
    expect(deployed.log()).toContain(`namespace ${namespace} (${saDir}/namespace)`);

    // What the kubelet's probes ask, at the pod's IP.
    expect(await get(deployedPort, '/healthz')).toEqual({ status: 200, text: 'ok\n' });
    await waitFor('the operator to lead', async () => /became leader/.test(deployed!.log()));
    const admin = new RestClient(kubeConfigOf(mgmt));
    deployedIdentity = /longyun operator (\S+): metrics on/.exec(deployed.log())![1]!;
    const lease = await admin.request<{ spec: { holderIdentity?: string } }>('GET', `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/longyun-operator`);
    expect(lease.spec.holderIdentity).toBe(deployedIdentity);
    await waitFor('/readyz 200 (the leader\'s caches synced)', async () => (await get(deployedPort, '/readyz')).status === 200);

    // It reconciles: a member registered as municipal ops do becomes Ready (the kubeconfig Secret
    // read and adopted, the CloudNode's finalizer and status patched, Events created), then a tenant.
    const onboard = await run(['node', 'onboard', '--member-kubeconfig', member, '--unit', 'tianshui', '--kind', 'municipal', '--wait', '--timeout', '90']);
    expect(onboard.stdout).toMatch(/cloudnode\/tianshui-cloud is Ready \(Kubernetes v1\.20/);
    expect(onboard.code).toBe(0);
    const tenant = await run(['tenant', 'request', '--name', 'tianshui-permits', '--department', 'tianshui-big-data', '--cpu', '2', '--memory', '4Gi', '--storage', '50Gi', '--mlps', '2', '--wait', '--timeout', '90']);
    expect(tenant.stdout).toContain('tenant/tianshui-permits is Ready on tianshui-cloud');
    expect(tenant.code).toBe(0);

    const metrics = await get(deployedPort, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^longyun_leader 1$/m);
    expect(metrics.text).toMatch(/^longyun_member_cluster_up\{cluster="tianshui-cloud"\} 1$/m);
    expect(metrics.text).toMatch(/^longyun_tenants\{phase="Ready"\} 1$/m);
    // Its credentials were the pod's, its rights only the manifests': never refused anything.
    expect(deployed.log()).not.toMatch(/forbidden|HTTP 403/i);
    admin.close();
  }, 240_000);

  it('a replica started as the tests and benches start one (`--kubeconfig`, `--metrics-port 0`) also answers on 127.0.0.2: a ready standby', async () => {
    const kubeconfig = join(stateDir, 'operator-sa.kubeconfig');
    writeFileSync(kubeconfig, kubeconfigYaml({ cluster: 'management', server: management.server, caFile: management.caFile, user: 'longyun-operator', token: await serviceAccountToken() }), { mode: 0o600 });
    standby = startReplica(['operator', 'run', '--kubeconfig', kubeconfig, '--metrics-port', '0'], { ...process.env, NO_COLOR: '1' });
    const port = await servingPort(standby);
    expect(await get(port, '/healthz')).toEqual({ status: 200, text: 'ok\n' });
    await waitFor('the standby to see the leader', async () => /the leader is /.test(standby!.log()));
    expect((await get(port, '/readyz')).status).toBe(200);
    expect((await get(port, '/metrics')).text).toMatch(/^longyun_leader 0$/m);
  }, 120_000);

  it('SIGTERM, as a kubelet stops a pod: the leader exits 0 and releases the lease; the standby takes over', async () => {
    deployed!.process.kill('SIGTERM');
    expect(await deployed!.exited).toBe(0);
    expect(deployed!.log()).toMatch(/SIGTERM: shutting down/);
    // Released, not left to expire: no longer its holder (empty, or the standby's already).
    const rest = new RestClient(kubeConfigOf(mgmt));
    const lease = await rest.request<{ spec: { holderIdentity?: string } }>('GET', `/apis/coordination.k8s.io/v1/namespaces/${deployment.metadata.namespace}/leases/longyun-operator`);
    rest.close();
    expect(lease.spec.holderIdentity).not.toBe(deployedIdentity);
    await waitFor('the standby to lead', async () => /became leader/.test(standby!.log()));
    expect(standby!.log()).not.toMatch(/forbidden|HTTP 403/i);
  }, 120_000);
});

describe('--in-cluster outside a pod', () => {
  it('exits 1 naming what is missing and the fix', () => {
    const noEnv = longyun(['operator', 'run', '--in-cluster'], { env: { KUBERNETES_SERVICE_HOST: '', KUBERNETES_SERVICE_PORT: '' } });
    expect(noEnv.code).toBe(1);
    expect(noEnv.stderr).toMatch(/^error: --in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set, .*or use --kubeconfig FILE instead of --in-cluster\n$/);
    const dir = mkdtempSync(join(tmpdir(), 'longyun-sa-'));
    const noFiles = longyun(['operator', 'run', '--in-cluster'], { env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: '6443', LONGYUN_SERVICEACCOUNT_DIR: dir } });
    expect(noFiles.code).toBe(1);
    expect(noFiles.stderr).toContain(`${dir}/token is missing (the ServiceAccount's bearer token); ${dir}/ca.crt is missing`);
    rmSync(dir, { recursive: true });
  });
});
