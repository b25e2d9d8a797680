// Watch benchmark: per-namespace informers over HTTP/2 (H2Watcher) against the HTTP/1.1 baseline
// (k8s.Watch, one connection per watch), on the same real cluster in the same run.
//
//   npm run build && npm run bench:watch     (or: node dist/bench/watch.js [--runs N] [--namespaces N] [--kinds N])
//
// One local control plane (`longyun dev up`: etcd, a management and one member kube-apiserver
// 1.20); on the member, N namespaces (default 200) with one ConfigMap each. Each run starts a fresh
// child process per mode (so that its RSS is its own) that watches K kinds (default 25) in every
// namespace through NamespacedInformers (lists 16 at a time, as the operator will) and reports:
// the time from start until every (namespace, kind) is listed and its watch open, the peak and
// current RSS, and the established TCP connections to the API server (ss). Modes alternate
// (`http1`, `h2`, `http1`, …) so that load from elsewhere on the machine hits both alike; the
// medians of the runs are printed, with the ratios.
//
// Prints one JSON document on stdout, progress on stderr. Needs the local Kubernetes binaries
// (scripts/local-control-plane/build.sh); the default (3 runs × 5,000 watches per mode) takes a
// few minutes.
import * as k8s from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { down, up } from '../operator/dev-cluster/index.js';
import { H2Watcher } from '../operator/h2-watch.js';
import { NamespacedInformers, type KindRef } from '../operator/namespaced-informers.js';
import { RestClient } from '../operator/rest.js';
import { flagValue, median, runChild } from './harness.js';

/** Namespaced kinds every kube-apiserver 1.20 serves (no CRDs needed). */
export const WATCH_BENCH_KINDS: KindRef[] = [
  { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' },
  { apiVersion: 'v1', kind: 'Secret', plural: 'secrets' },
  { apiVersion: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts' },
  { apiVersion: 'v1', kind: 'ResourceQuota', plural: 'resourcequotas' },
  { apiVersion: 'v1', kind: 'LimitRange', plural: 'limitranges' },
  { apiVersion: 'v1', kind: 'PodTemplate', plural: 'podtemplates' },
  { apiVersion: 'v1', kind: 'Service', plural: 'services' },
  { apiVersion: 'v1', kind: 'Endpoints', plural: 'endpoints' },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims' },
  { apiVersion: 'v1', kind: 'Pod', plural: 'pods' },
  { apiVersion: 'v1', kind: 'ReplicationController', plural: 'replicationcontrollers' },
  { apiVersion: 'v1', kind: 'Event', plural: 'events' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', plural: 'roles' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', plural: 'rolebindings' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', plural: 'networkpolicies' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', plural: 'ingresses' },
  { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', plural: 'leases' },
  { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments' },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', plural: 'statefulsets' },
  { apiVersion: 'apps/v1', kind: 'DaemonSet', plural: 'daemonsets' },
  { apiVersion: 'apps/v1', kind: 'ReplicaSet', plural: 'replicasets' },
  { apiVersion: 'apps/v1', kind: 'ControllerRevision', plural: 'controllerrevisions' },
  { apiVersion: 'batch/v1', kind: 'Job', plural: 'jobs' },
  { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers' },
  { apiVersion: 'discovery.k8s.io/v1beta1', kind: 'EndpointSlice', plural: 'endpointslices' },
];

type Mode = 'h2' | 'http1';

interface ChildResult {
  mode: Mode;
  watches: number;
  syncedSeconds: number;
  peakRssMb: number;
  rssMb: number;
  sockets: number;
  sessions: number | null;
  lists: number;
  errors: number;
}

const log = (m: string) => process.stderr.write(`bench/watch: ${m}\n`);

function procStatusMb(field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : -1;
}

function connectionsTo(port: string): number {
  const out = execFileSync('ss', ['-tnpH', 'state', 'established', 'dst', `127.0.0.1:${port}`], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return out.split('\n').filter((l) => l.includes(`pid=${process.pid},`)).length;
}

/** A watcher that counts the watches open (answered, not yet done). */
function counting(inner: Pick<k8s.Watch, 'watch'>): { watcher: Pick<k8s.Watch, 'watch'>; open: () => number } {
  let open = 0;
  return {
    open: () => open,
    watcher: {
      watch: async (path, query, cb, done) => {
        let answered = false;
        let finished = false;
        const c = await inner.watch(path, query, cb, (err) => {
          finished = true;
          if (answered) open--;
          done(err);
        });
        if (!finished) {
          answered = true;
          open++;
        }
        return c;
      },
    },
  };
}

async function child(mode: Mode, kubeconfig: string, namespaces: number, kinds: number): Promise<ChildResult> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  const port = new URL(kc.getCurrentCluster()!.server).port;
  const h2 = mode === 'h2' ? new H2Watcher(kc) : undefined;
  const { watcher, open } = counting(h2 ?? new k8s.Watch(kc));
  let errors = 0;
  const t0 = performance.now();
  const ni = new NamespacedInformers(kc, WATCH_BENCH_KINDS.slice(0, kinds), { onError: () => errors++ }, { watcher });
  for (let i = 0; i < namespaces; i++) ni.add(`wb-${i}`);
  const watches = namespaces * kinds;
  while (!(open() === watches && ni.namespaces().every((ns) => ni.synced(ns)))) await new Promise((r) => setTimeout(r, 10));
  const syncedSeconds = (performance.now() - t0) / 1000;
  // The lists' idle sockets close a turn after the last list.
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  const result: ChildResult = { mode, watches, syncedSeconds, peakRssMb: procStatusMb('VmHWM'), rssMb: procStatusMb('VmRSS'), sockets: connectionsTo(port), sessions: h2 ? h2.sessions : null, lists: ni.lists, errors };
  ni.stop();
  h2?.close();
  return result;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    const [, mode, kubeconfig, namespaces, kinds] = argv;
    const r = await child(mode as Mode, kubeconfig!, Number(namespaces), Number(kinds));
    process.stdout.write(JSON.stringify(r));
    process.exit(0);
  }
  const runs = Number(flagValue('--runs') ?? 3);
  const namespaces = Number(flagValue('--namespaces') ?? 200);
  const kinds = Math.min(Number(flagValue('--kinds') ?? 25), WATCH_BENCH_KINDS.length);
  const stateDir = mkdtempSync(join(tmpdir(), 'longyun-bench-watch-'));
  const script = fileURLToPath(import.meta.url);
  try {
    log('starting a local control plane (1 member)');
    const plane = await up({ members: 1, stateDir });
    const member = plane.clusters.find((c) => c.role === 'member')!;
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(member.kubeconfig);
    const rest = new RestClient(kc);
    log(`creating ${namespaces} namespaces`);
    for (let i = 0; i < namespaces; i++) {
      await rest.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `wb-${i}` } });
      await rest.request('POST', `/api/v1/namespaces/wb-${i}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'seed' }, data: { i: String(i) } });
    }
    rest.close();
    const results: Record<Mode, ChildResult[]> = { http1: [], h2: [] };
    for (let r = 0; r < runs; r++) {
      for (const mode of ['http1', 'h2'] as const) {
        const res = runChild<ChildResult>(script, ['--child', mode, member.kubeconfig, String(namespaces), String(kinds)]);
        log(`run ${r + 1}/${runs} ${mode}: ${res.syncedSeconds.toFixed(2)} s, peak RSS ${res.peakRssMb} MB, ${res.sockets} sockets${res.errors ? `, ${res.errors} errors` : ''}`);
        results[mode].push(res);
      }
    }
    const summary = (xs: ChildResult[]) => ({
      syncedSeconds: median(xs.map((x) => x.syncedSeconds)),
      peakRssMb: median(xs.map((x) => x.peakRssMb)),
      rssMb: median(xs.map((x) => x.rssMb)),
      sockets: median(xs.map((x) => x.sockets)),
      lists: median(xs.map((x) => x.lists)),
      errors: median(xs.map((x) => x.errors)),
    });
    const http1 = summary(results.http1);
    const h2 = summary(results.h2);
    process.stdout.write(
      `${JSON.stringify(
        {
          bench: 'watch',
          kubernetesVersion: plane.kubernetesVersion,
          namespaces,
          kinds,
          watches: namespaces * kinds,
          runs,
          loadavg: loadavg(),
          baseline: { mode: 'http1 (k8s.Watch)', ...http1 },
          h2: { mode: 'h2 (H2Watcher)', sessions: median(results.h2.map((x) => x.sessions ?? 0)), ...h2 },
          ratios: { syncedSeconds: h2.syncedSeconds / http1.syncedSeconds, peakRssMb: h2.peakRssMb / http1.peakRssMb, sockets: h2.sockets / Math.max(1, http1.sockets) },
          runsDetail: results,
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await down({ stateDir }).catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
  }
}

await main();
