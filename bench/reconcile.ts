// Reconcile benchmark: the operator against `kubectl apply --server-side` on the same real clusters.
//
//   npm run build && npm run bench:reconcile     (or: node dist/bench/reconcile.js [--runs N] [--tenants N] [--kubectl PATH])
//
// Each run starts a fresh local control plane (`longyun dev up`: etcd, a management and 3 member
// kube-apiservers with their controller-managers), installs the CRDs and the add-on stand-ins, and
// registers the members as the CloudNodes gansu-provincial, lanzhou-cloud and tianshui-cloud. Then,
// in this order, on the same clusters:
//
// 1. Baseline `kubectlApply`: the objects the operator would apply for the N tenants (the same
//    manifests, from the same desired-state graph), renamed into fresh namespaces (`kb-<tenant>`),
//    written as one List file per member and applied with `kubectl apply --server-side -f FILE`,
//    the three members at once (one kubectl each; kubectl's discovery cache is warmed first).
// 2. Baseline `kubectlReapply`: the same command again, nothing changed.
// 3. The N Tenant objects are created in the management cluster (not timed: what departments do).
// 4. `converge`: the operator starts in a child process (bench/reconcile-operator.ts, so that its
//    peak RSS is its own): leader election, caches, onboarding of the 3 members, then every tenant's
//    policies, placement, objects and status; timed from start until every Tenant is Ready.
// 5. `resync`: Operator.resyncAll() on the N unchanged tenants, 3 times (median): every tenant
//    reconciled against the caches; the writes it sent are counted (should be none).
// 6. `drift`: a ResourceQuota edited on a member (another field manager's merge patch), timed until
//    the operator has restored it (GET every 10 ms), on 6 tenants spread over the members.
//
// Ratios: converge / kubectlApply (target ≤ 1.25, though the operator also writes the Tenants'
// finalizers and status and events) and kubectlReapply / resync (target ≥ 20). Targets too: every
// drift restored within 2 s; the operator's peak RSS (VmHWM) under 300 MB.
//
// Prints one JSON document on stdout, progress on stderr. Needs the local Kubernetes binaries
// (scripts/local-control-plane/build.sh) and about 2.5 GB of memory; a run takes 2–4 minutes.
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { desiredObjects } from '../controllers/tenant-reconciler.js';
import { API_VERSION } from '../operator/crds.js';
import { down, up, type DevControlPlane } from '../operator/dev-cluster/index.js';
import { installDevCrds, registerDevMembers, restFor } from '../operator/dev-setup.js';
import { desiredStateOf } from '../stacks/desired-state-of.js';
import { shippedEstateDir } from '../topology/paths.js';
import { flagValue, median } from './harness.js';
import type { OperatorCommand, OperatorReply } from './reconcile-operator.js';
import { BENCH_CLOUDS, benchTenants, type BenchTenant } from './reconcile-tenants.js';

const TARGET_CONVERGE_RATIO = 1.25;
const TARGET_RESYNC_RATIO = 20;
const TARGET_DRIFT_MS = 2000;
const TARGET_RSS_MB = 300;
const DRIFT_SAMPLES = 6;

interface RunResult {
  memberObjects: number;
  kubectlApplySeconds: number;
  kubectlReapplySeconds: number;
  createTenantsSeconds: number;
  convergeSeconds: number;
  leaderSeconds: number;
  resyncSeconds: number[];
  resyncReconciles: number;
  resyncWrites: number;
  driftRestoreMs: number[];
  peakRssMb: number;
  convergeWrites: number;
  reconciles: Record<string, number>;
}

const log = (m: string) => process.stderr.write(`bench/reconcile: ${m}\n`);
const seconds = (t0: number) => (performance.now() - t0) / 1000;


function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}: ${err.slice(-2000)}`))));
  });
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

class OperatorChild {
  private readonly child;
  private waiting: ((r: OperatorReply) => void) | undefined;
  private exited: Promise<void>;

  constructor(management: string, estateDir: string) {
    const script = fileURLToPath(new URL('./reconcile-operator.js', import.meta.url));
    this.child = fork(script, [management, estateDir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: OperatorReply) => {
      const w = this.waiting;
      this.waiting = undefined;
      w?.(m);
    });
    this.exited = new Promise((r) => this.child.once('exit', () => r()));
  }

  send<C extends OperatorCommand['cmd']>(command: OperatorCommand & { cmd: C }): Promise<OperatorReply & { cmd: C }> {
    return new Promise((resolve, reject) => {
      this.waiting = (r) => (r.cmd === 'error' ? reject(new Error(`operator: ${r.message}`)) : resolve(r as OperatorReply & { cmd: C }));
      this.child.send(command);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      await this.send({ cmd: 'stop' }).catch(() => this.child.kill('SIGKILL'));
    }
    await this.exited;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

async function runOnce(tenants: BenchTenant[], kubectlPath: string | undefined, estateDir: string): Promise<RunResult> {
  const stateDir = mkdtempSync(join(tmpdir(), 'longyun-bench-reconcile-'));
  let plane: DevControlPlane | undefined;
  let operator: OperatorChild | undefined;
  try {
    let t0 = performance.now();
    plane = await up({ members: BENCH_CLOUDS.length, stateDir });
    await installDevCrds(plane);
    const { estate, plan } = desiredStateOf(estateDir);
    await registerDevMembers(plane, BENCH_CLOUDS.map((id) => estate.cloudById.get(id)!));
    log(`control plane up and members registered in ${seconds(t0).toFixed(1)} s`);
    const management = plane.clusters.find((c) => c.role === 'management')!;
    const members = plane.clusters.filter((c) => c.role === 'member');
    const kubectl = kubectlPath ?? plane.kubectl ?? 'kubectl';

    // 1–2. kubectl on the same manifests, in fresh namespaces.
    const ctx = { estate, plan, now: new Date() };
    const files: string[] = [];
    let memberObjects = 0;
    for (const [i, cloud] of BENCH_CLOUDS.entries()) {
      const items = tenants.filter((t) => t.spec.node === cloud).flatMap((t) => desiredObjects(ctx, `kb-${t.name}`, t.spec, cloud).map((d) => d.object));
      memberObjects += items.length;
      const file = join(stateDir, `kubectl-member-${i + 1}.json`);
      writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
      files.push(file);
    }
    const cacheDir = join(stateDir, 'kubectl-cache');
    const kubectlArgs = (i: number) => ['--kubeconfig', members[i]!.kubeconfig, '--cache-dir', cacheDir];
    await Promise.all(members.map((_, i) => run(kubectl, [...kubectlArgs(i), 'api-resources', '-o', 'name'])));
    const applyAll = () => Promise.all(files.map((f, i) => run(kubectl, [...kubectlArgs(i), 'apply', '--server-side', '-f', f])));
    t0 = performance.now();
    await applyAll();
    const kubectlApplySeconds = seconds(t0);
    log(`kubectl apply --server-side of ${memberObjects} objects on ${members.length} members: ${kubectlApplySeconds.toFixed(1)} s`);
    t0 = performance.now();
    await applyAll();
    const kubectlReapplySeconds = seconds(t0);
    log(`kubectl apply --server-side again, unchanged: ${kubectlReapplySeconds.toFixed(1)} s`);

    // 3. The Tenants, as departments request them.
    const mgmt = restFor(management.kubeconfig);
    t0 = performance.now();
    await pool(tenants, 16, async (t) => {
      await mgmt.apply({ apiVersion: API_VERSION, kind: 'Tenant', metadata: { name: t.name }, spec: t.spec } as never, 'bench');
    });
    const createTenantsSeconds = seconds(t0);
    log(`${tenants.length} Tenants created in ${createTenantsSeconds.toFixed(1)} s`);

    // 4. The operator converges them.
    operator = new OperatorChild(management.kubeconfig, estateDir);
    const converged = await operator.send({ cmd: 'converge', tenants: tenants.length });
    const afterConverge = await operator.send({ cmd: 'stats' });
    log(`operator: every Tenant Ready in ${converged.seconds.toFixed(1)} s (leading after ${converged.leaderSeconds.toFixed(1)} s; ${afterConverge.writes} writes)`);

    // 5. Full resyncs of the unchanged tenants.
    const resyncSeconds: number[] = [];
    let resyncReconciles = 0;
    let resyncWrites = 0;
    for (let i = 0; i < 3; i++) {
      const r = await operator.send({ cmd: 'resync' });
      resyncSeconds.push(r.seconds);
      resyncReconciles = Math.max(resyncReconciles, r.reconciles);
      resyncWrites += r.writes;
    }
    log(`resync of ${tenants.length} unchanged tenants: ${resyncSeconds.map((s) => `${(s * 1000).toFixed(0)} ms`).join(', ')} (${resyncWrites} writes)`);

    // 6. Drift: a quota edited on a member is restored.
    const driftRestoreMs: number[] = [];
    for (let i = 0; i < DRIFT_SAMPLES; i++) {
      const t = tenants[Math.floor((i * tenants.length) / DRIFT_SAMPLES)]!;
      const m = members[BENCH_CLOUDS.indexOf(t.spec.node as (typeof BENCH_CLOUDS)[number])]!;
      const rest = restFor(m.kubeconfig);
      const path = `/api/v1/namespaces/${t.name}/resourcequotas/longyun-quota`;
      const before = await rest.request<{ spec: { hard: Record<string, string> } }>('GET', path);
      await rest.request('PATCH', `${path}?fieldManager=someone-else`, { spec: { hard: { 'limits.cpu': '999' } } }, 'application/merge-patch+json');
      const start = performance.now();
      for (;;) {
        const now = await rest.request<{ spec: { hard: Record<string, string> } }>('GET', path);
        if (now.spec.hard['limits.cpu'] === before.spec.hard['limits.cpu']) break;
        if (performance.now() - start > 30_000) throw new Error(`${t.name}: the edited quota was not restored within 30 s`);
        await new Promise((r) => setTimeout(r, 10));
      }
      driftRestoreMs.push(performance.now() - start);
    }
    log(`drift restored in ${driftRestoreMs.map((ms) => `${ms.toFixed(0)} ms`).join(', ')}`);

    const stats = await operator.send({ cmd: 'stats' });
    await operator.stop();
    operator = undefined;
    return {
      memberObjects,
      kubectlApplySeconds,
      kubectlReapplySeconds,
      createTenantsSeconds,
      convergeSeconds: converged.seconds,
      leaderSeconds: converged.leaderSeconds,
      resyncSeconds,
      resyncReconciles,
      resyncWrites,
      driftRestoreMs,
      peakRssMb: stats.peakRssMb,
      convergeWrites: afterConverge.writes,
      reconciles: afterConverge.reconciles,
    };
  } finally {
    operator?.kill();
    if (plane) await down({ stateDir });
    rmSync(stateDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const opt = (flag: string) => flagValue(flag);
  const runs = Number(opt('--runs') ?? 3);
  const count = Number(opt('--tenants') ?? 1000);
  if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(count) || count < BENCH_CLOUDS.length) throw new Error('usage: reconcile.js [--runs N ≥ 1] [--tenants N ≥ 3] [--kubectl PATH]');
  const estateDir = shippedEstateDir();
  const tenants = benchTenants(count);
  const load = loadavg()[0]!;
  const results: RunResult[] = [];
  for (let i = 0; i < runs; i++) {
    log(`run ${i + 1} of ${runs}`);
    results.push(await runOnce(tenants, opt('--kubectl'), estateDir));
  }
  const med = (f: (r: RunResult) => number) => median(results.map(f));
  const kubectlApply = med((r) => r.kubectlApplySeconds);
  const kubectlReapply = med((r) => r.kubectlReapplySeconds);
  const converge = med((r) => r.convergeSeconds);
  const resync = med((r) => median(r.resyncSeconds));
  // Ratios per run (each against its own baselines on the same clusters), then their median.
  const convergeRatio = med((r) => r.convergeSeconds / r.kubectlApplySeconds);
  const resyncRatio = med((r) => r.kubectlReapplySeconds / median(r.resyncSeconds));
  const driftMax = Math.max(...results.flatMap((r) => r.driftRestoreMs));
  const peakRss = Math.max(...results.map((r) => r.peakRssMb));
  const round = (x: number, d = 3) => Number(x.toFixed(d));
  const out = {
    bench: 'reconcile',
    tenants: count,
    members: BENCH_CLOUDS.length,
    memberObjects: results[0]!.memberObjects,
    runs,
    loadAverageAtStart: round(load, 2),
    kubectl: { applySeconds: round(kubectlApply), reapplySeconds: round(kubectlReapply) },
    operator: {
      convergeSeconds: round(converge),
      resyncSeconds: round(resync),
      resyncWrites: results.reduce((a, r) => a + r.resyncWrites, 0),
      driftRestoreMsMedian: round(median(results.flatMap((r) => r.driftRestoreMs)), 0),
      driftRestoreMsMax: round(driftMax, 0),
      peakRssMb: peakRss,
    },
    ratios: { convergeVsKubectlApply: round(convergeRatio), kubectlReapplyVsResync: round(resyncRatio, 1) },
    targets: { convergeVsKubectlApply: TARGET_CONVERGE_RATIO, kubectlReapplyVsResync: TARGET_RESYNC_RATIO, driftRestoreMs: TARGET_DRIFT_MS, peakRssMb: TARGET_RSS_MB },
    met: {
      converge: convergeRatio <= TARGET_CONVERGE_RATIO,
      resync: resyncRatio >= TARGET_RESYNC_RATIO,
      drift: driftMax < TARGET_DRIFT_MS,
      rss: peakRss < TARGET_RSS_MB,
    },
    perRun: results.map((r) => ({
      kubectlApplySeconds: round(r.kubectlApplySeconds),
      kubectlReapplySeconds: round(r.kubectlReapplySeconds),
      createTenantsSeconds: round(r.createTenantsSeconds),
      convergeSeconds: round(r.convergeSeconds),
      leaderSeconds: round(r.leaderSeconds),
      convergeWrites: r.convergeWrites,
      resyncSeconds: r.resyncSeconds.map((s) => round(s)),
      resyncReconciles: r.resyncReconciles,
      resyncWrites: r.resyncWrites,
      driftRestoreMs: r.driftRestoreMs.map((ms) => round(ms, 0)),
      peakRssMb: r.peakRssMb,
      reconciles: r.reconciles,
    })),
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
