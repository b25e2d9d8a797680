// bench/dr's kubectl baseline (issues 11–13): production's resources from its discovery, and the
// copy of every tenant namespace by `kubectl get -o json`, a fixed stripping step and `kubectl apply
// --server-side` into both standbys, a few tenants at a time. What the operator is measured against.
import { spawn } from 'node:child_process';
import type { DevCluster } from '../operator/dev-cluster/index.js';
import { eachLimit } from '../operator/operation-steps.js';
import type { RestClient } from '../operator/rest.js';
import { standbyList, type DiscoveredResource } from './dr-strip.js';
import type { DrTenant } from './dr-workload.js';

/** Runs a command, feeding `stdin`; its stdout, or an error with the tail of its stderr. */
export function run(cmd: string, args: string[], stdin?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    p.stdout!.on('data', (d: Buffer) => out.push(d));
    p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out).toString('utf8')) : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}: ${err.slice(-2000)}`))));
    if (stdin !== undefined) p.stdin!.end(stdin);
  });
}


interface ApiGroupList {
  groups: Array<{ name: string; versions: Array<{ groupVersion: string; version: string }>; preferredVersion: { groupVersion: string; version: string } }>;
}
interface ApiResourceList {
  resources: Array<{ name: string; kind: string; namespaced: boolean; verbs: string[] }>;
}

/**
 * Production's resources, core group first, then each group's preferred version and its other
 * versions (discovery order): a kind only served in a non-preferred version (CronJob in
 * batch/v1beta1 on 1.20) is still found, and copiedResources takes each kind once, first seen.
 */
export async function discover(rest: RestClient): Promise<DiscoveredResource[]> {
  const core = await rest.request<ApiResourceList>('GET', '/api/v1');
  const out: DiscoveredResource[] = core.resources.map((r) => ({ group: '', version: 'v1', ...r }));
  const groups = await rest.request<ApiGroupList>('GET', '/apis');
  for (const g of groups.groups) {
    const versions = [g.preferredVersion, ...g.versions.filter((v) => v.version !== g.preferredVersion.version)];
    for (const v of versions) {
      const list = await rest.request<ApiResourceList>('GET', `/apis/${v.groupVersion}`);
      out.push(...list.resources.map((r) => ({ group: g.name, version: v.version, ...r })));
    }
  }
  return out;
}


export interface KubectlCopy {
  seconds: number;
  objectsCopied: number;
  skipped: number;
}

export async function kubectlCopy(kubectl: string, production: DevCluster, standbys: DevCluster[], resources: string[], tenants: readonly DrTenant[], concurrency: number, cacheDir: string): Promise<KubectlCopy> {
  const args = (c: DevCluster) => ['--kubeconfig', c.kubeconfig, '--cache-dir', cacheDir];
  let objectsCopied = 0;
  let skipped = 0;
  const t0 = performance.now();
  await eachLimit(tenants, concurrency, async (t) => {
    const json = await run(kubectl, [...args(production), 'get', resources.join(','), '-n', t.name, '-o', 'json']);
    const { list, skipped: s } = standbyList(JSON.parse(json) as never, `kb-${t.name}`);
    const body = JSON.stringify(list);
    await Promise.all(standbys.map((c) => run(kubectl, [...args(c), 'apply', '--server-side', '--field-manager', 'kubectl-dr-baseline', '-f', '-'], body)));
    objectsCopied += list.items.length - 1;
    skipped += s;
  });
  return { seconds: (performance.now() - t0) / 1000, objectsCopied, skipped };
}
