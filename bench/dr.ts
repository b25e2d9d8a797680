// DR benchmark (issue 11, "DR I"): standby copies of 200 tenants' namespaces against the same copy
// done with kubectl, on the same real clusters.
//
//   npm run build && npm run bench:dr     (or: node dist/bench/dr.js [--tenants N] [--runs N]
//        [--lag-seconds S] [--edits-per-second R] [--kubectl-concurrency C] [--seed N] [--kubectl PATH] [--self-check])
//   quick, for development: npm run bench:dr -- --tenants 20 --runs 1 --lag-seconds 10
//
// Each run starts a fresh local control plane (`longyun dev up`: etcd, a management and 3 member
// kube-apiservers): member 1 is production (gansu-provincial), members 2 and 3 the standbys
// (gansu-provincial-same-city-dr, gansu-provincial-remote-dr). The members are registered as those
// CloudNodes when the estate has the standby clouds; until it does, they are not registered (as
// `dev up --no-register`). The bench's two CRDs (bench/dr-workload.ts) go on all three members.
// Then, in this order:
//
// 1. Setup (not timed against anything): per tenant its namespace on production and its ~20
//    department objects (bench/dr-workload.ts, seeded), server-side applied through RestClient,
//    32 tenants at a time.
// 2. Baseline `kubectl`: for every tenant namespace, `kubectl get <every copied kind> -n NS -o json`
//    on production (the kinds from production's API discovery, minus the never-copied ones:
//    bench/dr-strip.ts), the fixed stripping step (stripForStandby, in this process), and
//    `kubectl apply --server-side -f -` of the namespace and the objects into each standby, under
//    fresh names (`kb-<tenant>`) so that the operator's copies of step 3 start from nothing.
//    Parallelism: `--kubectl-concurrency` tenants at a time (default 4; each is one `get` and then
//    the two `apply`s at once): the fastest of 2, 4 and 8 on the 2-core development machine (20
//    tenants: 25.3, 16.5, 22.2 s) — fewer leaves the API servers idle while kubectl starts, more
//    only queues kubectl's start-up and the servers on the same cores. kubectl's discovery cache is
//    warmed first.
// 3. `initialConvergence`: measureOperatorCopy (below): a Tenant per namespace (node
//    gansu-provincial, DR plan naming both centres), then `longyun operator run` (the bundle, a child
//    process, the default lease of 15 s), timed from its start until every tenant's two standbys are Current with digest =
//    sourceDigest. The operator does more than the baseline in that time: it provisions longyun's own
//    objects on production first (quota, limits, network policies, RBAC: ~7 per tenant, also
//    copied), digests both sides, and writes each Tenant's status; `tenantsReadySeconds` says when
//    the provisioning was done.
// 4. `lag`: for `--lag-seconds` (default 60) the bench edits production `--edits-per-second`
//    (default 20) times a second (a ConfigMap value, a Deployment's image, a Secret value, each
//    carrying a sequence number; bench/dr-workload.ts nextEdit) and watches both standbys' tenant
//    namespaces (one cluster-wide watch per edited kind and standby: the bench is admin there, the
//    operator is not): per edit, from its send to the moment each standby shows it (or a later
//    edit of the same field); then waits at most 10 s for stragglers. Median and p99 over the
//    edits, the slowest standby counting. No edit seen at all: not measured (no copier).
//    `--self-check` has the bench copy each edit itself (a watch on production, stripped, applied
//    to both standbys): it checks the lag machinery end to end and is printed as `selfCheck`,
//    never as a result.
// 5. `peakRss`: the operator process's VmHWM (/proc/PID/status) at the end of the run, sampled
//    every second too (VmRSS); not measured without the operator.
//
// Targets (issue 11): initial convergence ≤ 1.25× the kubectl copy; lag p99 < 2 s at 20 edits/s;
// operator peak RSS < 400 MB. Prints one JSON document on stdout, progress on stderr. Needs the
// local Kubernetes binaries (scripts/local-control-plane/build.sh).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { API_VERSION } from '../operator/crds.js';
import * as k8s from '@kubernetes/client-node';
import { down, up, type DevCluster, type DevControlPlane } from '../operator/dev-cluster/index.js';
import { installDevCrds, registerDevMembers, restFor } from '../operator/dev-setup.js';
import { dropManagedFields, Informer } from '../operator/informer.js';
import { pluralOf, resourcePath, type RestClient } from '../operator/rest.js';
import type { K8sObject } from '../stacks/graph/types.js';
import { loadEstate } from '../topology/load.js';
import { shippedEstateDir } from '../topology/paths.js';
import { combinedLag, LagTracker, type LagSummary } from './dr-lag.js';
import { copiedResources, stripForStandby } from './dr-strip.js';
import { BENCH_CR_GROUP, BENCH_CRDS, DR_PRODUCTION, DR_STANDBYS, drWorkload, editedFields, editPath, editTarget, nextEdit, type DrTenant, type Edit } from './dr-workload.js';
import { flagValue, median, mulberry32 } from './harness.js';
import { distribution, measureDrill, type DrillBench, type DrillNotMeasured } from './dr-drill.js';
import { discover, kubectlCopy, run, type KubectlCopy } from './dr-kubectl.js';
import { eachLimit } from '../operator/operation-steps.js';
import { measureEmergency, measureFailback, TARGET_EMERGENCY_SECONDS, TARGET_FAILBACK_RATIO, type FailoverBench, type FailoverNotMeasured } from './dr-failover.js';

const TARGET_CONVERGENCE_RATIO = 1.25;
const TARGET_LAG_P99_MS = 2000;
const TARGET_RSS_MB = 400;
/** Issue 12: an isolated drill of all tenants ≤ 1.5× the kubectl copy. */
const TARGET_DRILL_RATIO = 1.5;
const LAG_SETTLE_MS = 10_000;
const SETUP_CONCURRENCY = 32;
const FIELD_MANAGER = 'bench-dr';
/** How long the operator's copies may take before the run gives up (a hang guard, not a target). */
const CONVERGENCE_GUARD_MS = 900_000;
/** The per-tenant RTO of every run's drill, pooled. */
function pooledRto(ds: readonly DrillBench[]): ReturnType<typeof distribution> {
  return distribution(ds.flatMap((d) => d.rtoAll));
}
const OPERATOR_BIN = fileURLToPath(new URL('../bundle/longyun.js', import.meta.url));

const log = (m: string) => process.stderr.write(`bench/dr: ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, d = 3) => Number(x.toFixed(d));
const roundLag = (l: LagSummary): LagSummary => ({ ...l, medianMs: l.medianMs === null ? null : round(l.medianMs, 0), p99Ms: l.p99Ms === null ? null : round(l.p99Ms, 0), maxMs: l.maxMs === null ? null : round(l.maxMs, 0) });

/** What could not be measured, and why: printed instead of a number. */
export interface NotMeasured {
  measured: false;
  reason: string;
}

// ---------------------------------------------------------------------------------------------
// The operator's side: where the standby copier plugs in.

/** What the bench hands the operator's measurement: the clusters, as set up, and the tenants. */
export interface DrBenchEnv {
  plane: DevControlPlane;
  stateDir: string;
  estateDir: string;
  management: DevCluster;
  /** Member 1: the production cloud (DR_PRODUCTION). */
  production: DevCluster;
  /** Members 2 and 3, in DR_STANDBYS order. */
  standbys: DevCluster[];
  /** Whether the members are registered as CloudNodes (the estate has the standby clouds). */
  registered: boolean;
  /** The tenants: namespaces and department objects already on production; no Tenant objects yet. */
  tenants: readonly DrTenant[];
  log: (m: string) => void;
}

/** The operator running its standby copier, copies converged. */
export interface OperatorCopy {
  measured: true;
  /** From the operator's start (or the standbys' registration) until every tenant's every standby is Current with digest === sourceDigest. */
  initialConvergenceMs: number;
  /** The operator process, for its peak RSS (VmHWM in /proc/PID/status). */
  pid: number;
  /** Until every Tenant was Ready on production (provisioning, which the copy overlaps). */
  tenantsReadyMs?: number;
  /** Left running for the lag phase; stop() ends it. */
  stop(): Promise<void>;
}

/**
 * The copier's integration point. To implement: create the N Tenants (spec from env.tenants, DR
 * plans naming both centres) in the management cluster, start the operator as it ships
 * (`longyun operator run`, a child process, so that its RSS is its own), and time until every
 * Tenant's status.dr.standbys is Current with digest === sourceDigest (the namespaces and objects
 * already exist on production; namespaces on the standbys do not). Return the process, running.
 */
export async function measureOperatorCopy(env: DrBenchEnv): Promise<OperatorCopy | NotMeasured> {
  if (!env.registered) return { measured: false, reason: 'the members are not registered as CloudNodes (the estate has no standby clouds)' };
  const admin = restFor(env.management.kubeconfig);
  // The Tenants first, then the operator: it places them (each names gansu-provincial), provisions
  // longyun's own objects on production and copies every namespace to both standbys. Timed from its
  // start until every standby of every tenant is Current with digest = sourceDigest.
  for (const t of env.tenants) {
    await admin.request('POST', `/apis/${API_VERSION}/tenants`, { apiVersion: API_VERSION, kind: 'Tenant', metadata: { name: t.name }, spec: t.spec }).catch((e: { code?: number }) => {
      if (e.code !== 409) throw e;
    });
  }
  const t0 = performance.now();
  const child = spawn(process.execPath, [OPERATOR_BIN, 'operator', 'run', '--kubeconfig', env.management.kubeconfig, '--metrics-port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
    admin.close();
  };
  let readyMs: number | undefined;
  const deadline = Date.now() + CONVERGENCE_GUARD_MS;
  for (;;) {
    const list = await admin.request<{ items: Array<{ status?: { phase?: string; dr?: { standbys: Array<{ state: string; digest?: string; sourceDigest?: string }> } } }> }>('GET', `/apis/${API_VERSION}/tenants`);
    const mine = list.items;
    if (readyMs === undefined && mine.length >= env.tenants.length && mine.every((t) => t.status?.phase === 'Ready')) readyMs = performance.now() - t0;
    const done = mine.length >= env.tenants.length && mine.every((t) => (t.status?.dr?.standbys.length ?? 0) === 2 && t.status!.dr!.standbys.every((s) => s.state === 'Current' && s.digest !== undefined && s.digest === s.sourceDigest));
    if (done) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      return { measured: false, reason: `the copies did not converge within ${CONVERGENCE_GUARD_MS / 1000} s (a hang guard, not a target); operator log tail: ${stderr.split('\n').slice(-5).join(' | ')}` };
    }
    await sleep(200);
  }
  const initialConvergenceMs = performance.now() - t0;
  env.log(`operator: every tenant Ready on production after ${((readyMs ?? initialConvergenceMs) / 1000).toFixed(1)} s, every standby copy current after ${(initialConvergenceMs / 1000).toFixed(1)} s`);
  return { measured: true, initialConvergenceMs, ...(readyMs !== undefined ? { tenantsReadyMs: readyMs } : {}), pid: child.pid!, stop };
}

// ---------------------------------------------------------------------------------------------
// Peak RSS of a process, from /proc.

export function procStatusMb(pid: number, field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `everyMs`; peak() is the larger of the samples' maximum and its VmHWM now. */
export class RssSampler {
  private max = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly pid: number,
    everyMs = 1000,
  ) {
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
    this.sample();
  }

  private sample(): void {
    this.max = Math.max(this.max, procStatusMb(this.pid, 'VmRSS') ?? 0);
  }

  peakMb(): number {
    this.sample();
    return Math.max(this.max, procStatusMb(this.pid, 'VmHWM') ?? 0);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

// ---------------------------------------------------------------------------------------------
// Waiting on a condition.

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (e) {
      if (performance.now() > deadline) throw new Error(`${what}: ${(e as Error).message}`);
    }
    if (performance.now() > deadline) throw new Error(`${what}: not after ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

// ---------------------------------------------------------------------------------------------
// Setup.

async function installBenchCrds(rest: RestClient): Promise<void> {
  for (const crd of BENCH_CRDS) await rest.apply(crd as never, FIELD_MANAGER);
  for (const crd of BENCH_CRDS) {
    const plural = (crd.spec as { names: { plural: string } }).names.plural;
    await until(`CRD ${crd.metadata.name} served`, () => rest.request('GET', `/apis/${BENCH_CR_GROUP}/v1/${plural}?limit=1`).then(() => true));
  }
}

async function createWorkload(rest: RestClient, tenants: readonly DrTenant[]): Promise<void> {
  await eachLimit(tenants, SETUP_CONCURRENCY, async (t) => {
    await rest.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: t.name, labels: { 'bench.longyun.io/dr': 'true' } } } as never, FIELD_MANAGER);
    for (const o of t.objects) await applyObject(rest, o);
  });
}

/** Server-side apply (RestClient.apply, with the plurals its table lacks). */
function applyObject(rest: RestClient, o: K8sObject): Promise<unknown> {
  const plural = o.kind === 'Ingress' ? 'ingresses' : pluralOf(o.kind);
  return rest.request('PATCH', `${resourcePath(o, plural)}?fieldManager=${FIELD_MANAGER}&force=true`, o, 'application/apply-patch+yaml');
}

// ---------------------------------------------------------------------------------------------
// The steady-state lag phase.

const EDITED_TYPES = [
  { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' },
  { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments' },
  { apiVersion: 'v1', kind: 'Secret', plural: 'secrets' },
] as const;

function kubeConfigOf(c: DevCluster): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(c.kubeconfig);
  return kc;
}

/** Watches one cluster's tenant namespaces for the edited kinds; each showing of an edited field goes to `onSeen`. */
class EditWatch {
  private readonly informers: Informer[];

  constructor(cluster: DevCluster, tenantNames: ReadonlySet<string>, onSeen: (obj: k8s.KubernetesObject & Record<string, unknown>, target: string, seq: number) => void) {
    const kc = kubeConfigOf(cluster);
    const handle = (o: k8s.KubernetesObject) => {
      if (!tenantNames.has(o.metadata?.namespace ?? '')) return;
      for (const [target, seq] of editedFields(o as never)) onSeen(o as never, target, seq);
    };
    this.informers = EDITED_TYPES.map((t) => new Informer(kc, { ...t }, { onAdd: handle, onUpdate: handle }, { transform: dropManagedFields }));
  }

  async start(): Promise<void> {
    void Promise.all(this.informers.map((i) => i.start()));
    await until('standby watches synced', async () => (this.informers.every((i) => i.hasSynced) ? true : undefined), 120_000);
  }

  stop(): void {
    for (const i of this.informers) i.stop();
  }
}

interface LagRun {
  sent: number;
  failed: number;
  /** Edits per second achieved. */
  rate: number;
  perStandby: LagSummary[];
  combined: LagSummary;
  combinedLagsMs: number[];
}

/**
 * Sends `rate` edits a second for `seconds` on production, at most one in flight per field (two
 * concurrent merge patches of one field could land out of order), and tracks when each standby
 * shows each. With `selfCopy`, the bench copies each edited object to the standbys itself.
 */
async function lagPhase(production: DevCluster, standbys: DevCluster[], tenants: readonly DrTenant[], opts: { seconds: number; rate: number; seed: number; selfCopy: boolean }): Promise<LagRun> {
  const names = new Set(tenants.map((t) => t.name));
  const trackers = standbys.map(() => new LagTracker());
  const watches = standbys.map((c, i) => new EditWatch(c, names, (_o, target, seq) => trackers[i]!.observed(target, seq, performance.now())));
  let selfCopier: EditWatch | undefined;
  const standbyRest = standbys.map((c) => restFor(c.kubeconfig));
  const prodRest = restFor(production.kubeconfig);
  try {
    for (const w of watches) await w.start();
    if (opts.selfCopy) {
      // Self-check only: the standby namespaces, then every edited object copied as production shows it.
      await Promise.all(standbyRest.map((r) => eachLimit(tenants, SETUP_CONCURRENCY, async (t) => void (await r.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: t.name } } as never, FIELD_MANAGER)))));
      selfCopier = new EditWatch(production, names, (o) => {
        const copy = stripForStandby(o as never, o.metadata!.namespace!);
        for (const r of standbyRest) void r.apply(copy as never, FIELD_MANAGER).catch((e: Error) => log(`self-check copy: ${e.message}`));
      });
      await selfCopier.start();
    }
    const rng = mulberry32(opts.seed);
    const busy = new Map<string, Promise<void>>();
    const total = Math.round(opts.seconds * opts.rate);
    const interval = 1000 / opts.rate;
    let failed = 0;
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      const wait = t0 + i * interval - performance.now();
      if (wait > 0) await sleep(wait);
      const e: Edit = nextEdit(rng, tenants, i + 1);
      const target = editTarget(e);
      const send = async () => {
        const at = performance.now();
        for (const t of trackers) t.sent(target, e.seq, at);
        try {
          await prodRest.request('PATCH', `${editPath(e)}?fieldManager=bench-dr-edits`, e.patch, 'application/strategic-merge-patch+json');
        } catch (err) {
          failed++;
          log(`edit ${e.seq} ${target}: ${(err as Error).message}`);
        }
      };
      const next = (busy.get(target) ?? Promise.resolve()).then(send);
      busy.set(target, next);
      void next.then(() => {
        if (busy.get(target) === next) busy.delete(target);
      });
    }
    await Promise.all(busy.values());
    const rate = total / ((performance.now() - t0) / 1000);
    // Stragglers: at most LAG_SETTLE_MS more.
    const settleBy = performance.now() + LAG_SETTLE_MS;
    while (performance.now() < settleBy && trackers.some((t) => t.summary().unseen > 0)) await sleep(50);
    const combined = combinedLag(trackers, total);
    const maps = trackers.map((t) => t.lagBySeq());
    const combinedLagsMs = [...(maps[0]?.keys() ?? [])].filter((s) => maps.every((m) => m.has(s))).map((s) => Math.max(...maps.map((m) => m.get(s)!)));
    return { sent: total, failed, rate, perStandby: trackers.map((t) => t.summary()), combined, combinedLagsMs };
  } finally {
    selfCopier?.stop();
    for (const w of watches) w.stop();
    for (const r of [...standbyRest, prodRest]) r.close();
  }
}

// ---------------------------------------------------------------------------------------------
// One run, and the report.

interface RunResult {
  setupSeconds: number;
  departmentObjects: number;
  copiedResources: string[];
  kubectl: KubectlCopy;
  initialConvergence: { seconds: number; tenantsReadySeconds?: number } | NotMeasured;
  lag: LagRun | undefined;
  peakRssMb: number | NotMeasured;
  drill: DrillBench | DrillNotMeasured;
  emergency: FailoverBench | FailoverNotMeasured;
  failback: FailoverBench | FailoverNotMeasured;
}

interface Options {
  tenants: DrTenant[];
  runs: number;
  lagSeconds: number;
  rate: number;
  seed: number;
  kubectlConcurrency: number;
  kubectl: string | undefined;
  selfCheck: boolean;
}

async function runOnce(o: Options, runIndex: number): Promise<RunResult> {
  const stateDir = mkdtempSync(join(tmpdir(), 'longyun-bench-dr-'));
  const estateDir = shippedEstateDir();
  let plane: DevControlPlane | undefined;
  let operator: OperatorCopy | undefined;
  let sampler: RssSampler | undefined;
  try {
    let t0 = performance.now();
    plane = await up({ members: 3, stateDir });
    await installDevCrds(plane);
    const management = plane.clusters.find((c) => c.role === 'management')!;
    const [production, ...standbys] = plane.clusters.filter((c) => c.role === 'member') as [DevCluster, ...DevCluster[]];
    const estate = loadEstate(estateDir);
    const clouds = [DR_PRODUCTION, ...DR_STANDBYS].map((id) => estate.cloudById.get(id));
    const registered = clouds.every((c) => c !== undefined);
    if (registered) await registerDevMembers(plane, clouds as NonNullable<(typeof clouds)[number]>[]);
    for (const c of [production, ...standbys]) await installBenchCrds(restFor(c.kubeconfig));
    const prod = restFor(production.kubeconfig);
    await createWorkload(prod, o.tenants);
    const setupSeconds = (performance.now() - t0) / 1000;
    const departmentObjects = o.tenants.reduce((a, t) => a + t.objects.length, 0);
    log(`run ${runIndex}: control plane up${registered ? ', members registered' : ' (members not registered: the estate has no standby clouds yet)'}, ${o.tenants.length} namespaces and ${departmentObjects} objects on production in ${setupSeconds.toFixed(1)} s`);

    // The kubectl baseline.
    const resources = copiedResources(await discover(prod));
    prod.close();
    const kubectl = o.kubectl ?? plane.kubectl ?? 'kubectl';
    const cacheDir = join(stateDir, 'kubectl-cache');
    await Promise.all([production, ...standbys].map((c) => run(kubectl, ['--kubeconfig', c.kubeconfig, '--cache-dir', cacheDir, 'api-resources', '-o', 'name'])));
    const kb = await kubectlCopy(kubectl, production, standbys, resources, o.tenants, o.kubectlConcurrency, cacheDir);
    log(`run ${runIndex}: kubectl get | strip | apply --server-side of ${kb.objectsCopied} objects (${kb.skipped} not copied) into ${standbys.length} standbys: ${kb.seconds.toFixed(1)} s (${o.kubectlConcurrency} tenants at a time, ${resources.length} kinds)`);

    // The operator's copier.
    t0 = performance.now();
    const env: DrBenchEnv = { plane, stateDir, estateDir, management, production, standbys, registered, tenants: o.tenants, log };
    const copy = await measureOperatorCopy(env);
    let initialConvergence: RunResult['initialConvergence'];
    if (copy.measured) {
      operator = copy;
      sampler = new RssSampler(copy.pid);
      initialConvergence = { seconds: copy.initialConvergenceMs / 1000, ...(copy.tenantsReadyMs !== undefined ? { tenantsReadySeconds: round(copy.tenantsReadyMs / 1000) } : {}) };
      log(`run ${runIndex}: operator: standbys converged in ${initialConvergence.seconds.toFixed(1)} s`);
    } else {
      initialConvergence = copy;
      log(`run ${runIndex}: operator copy not measured: ${copy.reason}`);
    }

    // Steady state.
    let lag: LagRun | undefined;
    if (o.lagSeconds > 0) {
      lag = await lagPhase(production, standbys, o.tenants, { seconds: o.lagSeconds, rate: o.rate, seed: o.seed + runIndex, selfCopy: o.selfCheck });
      const c = lag.combined;
      log(`run ${runIndex}: ${lag.sent} edits at ${lag.rate.toFixed(1)}/s (${lag.failed} failed); seen on both standbys: ${c.seen}${c.seen ? `, median ${c.medianMs!.toFixed(0)} ms, p99 ${c.p99Ms!.toFixed(0)} ms` : ''}${o.selfCheck ? ' [self-check: the bench copied the edits]' : ''}`);
    }
    // An isolated drill of every tenant, by the same operator (issue 12).
    let drill: DrillBench | DrillNotMeasured = { measured: false, reason: 'no operator process (no copier)' };
    if (operator) {
      const admin = restFor(management.kubeconfig);
      drill = await measureDrill(admin, { name: `bench-drill-${runIndex}`, to: 'same-city-dr', expectTenants: o.tenants.length, guardMs: CONVERGENCE_GUARD_MS, log: (m) => log(`run ${runIndex}: ${m}`) });
      admin.close();
      if (drill.measured) log(`run ${runIndex}: drill of ${drill.tenants} tenants ${drill.phase} in ${drill.seconds.toFixed(1)} s (${drill.verified} verified; RTO p50 ${drill.rtoSeconds?.p50} s, max ${drill.rtoSeconds?.max} s)`);
      else log(`run ${runIndex}: drill not measured: ${drill.reason}`);
    }
    // An emergency failover of every tenant with production frozen, then their planned failback (issue 13).
    let emergency: FailoverBench | FailoverNotMeasured = { measured: false, reason: 'no operator process (no copier)' };
    let failback: FailoverBench | FailoverNotMeasured = emergency;
    if (operator) {
      const admin = restFor(management.kubeconfig);
      const l = (m: string) => log(`run ${runIndex}: ${m}`);
      // The drill releases its tenants (status.operation) as it files its report, after its terminal
      // phase: one operation per tenant, so the failover waits for that (not timed).
      await until('every tenant released by the drill', async () => (await admin.request<{ items: Array<{ status?: { operation?: unknown } }> }>('GET', `/apis/${API_VERSION}/tenants`)).items.every((t) => !t.status?.operation) || undefined, 120_000);
      emergency = await measureEmergency(admin, { name: `bench-emergency-${runIndex}`, productionPid: production.apiserver.pid, expectTenants: o.tenants.length, guardMs: CONVERGENCE_GUARD_MS, log: l });
      if (emergency.measured) {
        l(`emergency failover: every tenant active on the standby after ${emergency.seconds.toFixed(1)} s (${emergency.verified}/${emergency.tenants} verified; RPO max ${emergency.rpoSeconds?.max} s); reprotected ${emergency.reprotectSeconds?.toFixed(1)} s after the thaw`);
        failback = await measureFailback(admin, { name: `bench-failback-${runIndex}`, expectTenants: o.tenants.length, guardMs: CONVERGENCE_GUARD_MS, log: l });
        if (failback.measured) l(`planned failback of ${failback.tenants} tenants ${failback.phase} in ${failback.seconds.toFixed(1)} s`);
        else l(`failback not measured: ${failback.reason}`);
      } else {
        l(`emergency failover not measured: ${emergency.reason}`);
        failback = { measured: false, reason: 'the emergency failover before it was not measured' };
      }
      admin.close();
    }
    const peakRssMb: RunResult['peakRssMb'] = sampler ? sampler.peakMb() : { measured: false, reason: 'no operator process (no copier)' };
    return { setupSeconds, departmentObjects, copiedResources: resources, kubectl: kb, initialConvergence, lag, peakRssMb, drill, emergency, failback };
  } finally {
    sampler?.stop();
    await operator?.stop().catch((e: Error) => log(`operator stop: ${e.message}`));
    if (plane) await down({ stateDir }).catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
  }
}

function intFlag(flag: string, dflt: number, min: number): number {
  const v = Number(flagValue(flag) ?? dflt);
  if (!Number.isInteger(v) || v < min) throw new Error(`${flag}: an integer ≥ ${min}, not ${flagValue(flag)}`);
  return v;
}

async function main(): Promise<void> {
  const count = intFlag('--tenants', 200, 1);
  const seed = intFlag('--seed', 11, 0);
  const o: Options = {
    tenants: drWorkload({ tenants: count, seed }),
    runs: intFlag('--runs', 3, 1),
    lagSeconds: intFlag('--lag-seconds', 60, 0),
    rate: intFlag('--edits-per-second', 20, 1),
    seed,
    kubectlConcurrency: intFlag('--kubectl-concurrency', 4, 1),
    kubectl: flagValue('--kubectl'),
    selfCheck: process.argv.includes('--self-check'),
  };
  const load = loadavg()[0]!;
  const results: RunResult[] = [];
  for (let i = 0; i < o.runs; i++) results.push(await runOnce(o, i + 1));

  const kubectlSeconds = median(results.map((r) => r.kubectl.seconds));
  const conv = results.map((r) => r.initialConvergence);
  const measuredConv = conv.every((c) => !('measured' in c)) ? (conv as Array<{ seconds: number }>) : undefined;
  const ratio = measuredConv ? median(measuredConv.map((c, i) => c.seconds / results[i]!.kubectl.seconds)) : undefined;
  const notMeasured = (c: RunResult['initialConvergence'] | RunResult['peakRssMb'] | undefined) => (typeof c === 'object' && c !== null && 'measured' in c ? c : undefined);

  // Lag: all runs' edits pooled (each run's edits are its own).
  const lags = results.flatMap((r) => r.lag?.combinedLagsMs ?? []);
  const sent = results.reduce((a, r) => a + (r.lag?.sent ?? 0), 0);
  const lagSummary = (() => {
    if (o.lagSeconds === 0) return { measured: false, reason: 'lag phase skipped (--lag-seconds 0)' } satisfies NotMeasured;
    if (lags.length === 0) return { measured: false, reason: `no copier: none of ${sent} edits reached both standbys within ${LAG_SETTLE_MS / 1000} s` } satisfies NotMeasured;
    const s = [...lags].sort((a, b) => a - b);
    const at = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
    return { measured: true, edits: sent, seen: lags.length, unseen: sent - lags.length, medianMs: round(at(0.5), 0), p99Ms: round(at(0.99), 0), maxMs: round(at(1), 0) };
  })();
  const drills = results.map((r) => r.drill);
  const measuredDrills = drills.every((d) => d.measured) ? (drills as DrillBench[]) : undefined;
  const drillRatio = measuredDrills ? median(measuredDrills.map((d, i) => d.seconds / results[i]!.kubectl.seconds)) : undefined;
  const emergencies = results.map((r) => r.emergency);
  const measuredEmergencies = emergencies.every((e) => e.measured) ? (emergencies as FailoverBench[]) : undefined;
  const failbacks = results.map((r) => r.failback);
  const measuredFailbacks = failbacks.every((e) => e.measured) ? (failbacks as FailoverBench[]) : undefined;
  const failbackRatio = measuredFailbacks ? median(measuredFailbacks.map((d, i) => d.seconds / results[i]!.kubectl.seconds)) : undefined;
  const emergencySeconds = measuredEmergencies ? median(measuredEmergencies.map((e) => e.seconds)) : undefined;
  const rss = results.map((r) => r.peakRssMb);
  const peakRss = rss.every((x) => typeof x === 'number') ? Math.max(...(rss as number[])) : undefined;

  const lagReport = o.selfCheck
    ? { measured: false, reason: 'self-check run: the bench copied the edits itself; see selfCheck' }
    : lagSummary;
  const out = {
    bench: 'dr',
    tenants: count,
    departmentObjects: results[0]!.departmentObjects,
    members: { production: DR_PRODUCTION, standbys: [...DR_STANDBYS] },
    runs: o.runs,
    seed,
    loadAverageAtStart: round(load, 2),
    kubectl: {
      copySeconds: round(kubectlSeconds),
      objectsCopiedPerStandby: results[0]!.kubectl.objectsCopied,
      concurrency: o.kubectlConcurrency,
      kinds: results[0]!.copiedResources,
    },
    operator: {
      initialConvergence: measuredConv ? { measured: true, seconds: round(median(measuredConv.map((c) => c.seconds))) } : notMeasured(conv.find((c) => 'measured' in c)),
      lag: { editsPerSecond: o.rate, seconds: o.lagSeconds, ...lagReport },
      peakRss: peakRss !== undefined ? { measured: true, mb: peakRss } : notMeasured(rss.find((x) => typeof x !== 'number')),
      drill: measuredDrills
        ? { measured: true, scope: 'centre production → same-city-dr', seconds: round(median(measuredDrills.map((d) => d.seconds))), phases: measuredDrills.map((d) => d.phase), rtoSecondsAllRuns: pooledRto(measuredDrills), verified: measuredDrills.map((d) => `${d.verified}/${d.tenants}`) }
        : drills.find((d) => !d.measured),
      emergencyFailover: measuredEmergencies
        ? { measured: true, scope: 'centre production → same-city-dr, production API server frozen', secondsToAllActive: round(emergencySeconds!), perRun: measuredEmergencies.map((e) => round(e.seconds)), reprotectSecondsAfterThaw: measuredEmergencies.map((e) => round(e.reprotectSeconds ?? 0)), phases: measuredEmergencies.map((e) => e.phase), verified: measuredEmergencies.map((e) => `${e.verified}/${e.tenants}`), rpoSeconds: distribution(measuredEmergencies.flatMap((e) => (e.rpoSeconds ? [e.rpoSeconds.max] : []))) }
        : emergencies.find((e) => !e.measured),
      failback: measuredFailbacks
        ? { measured: true, scope: 'every tenant away from a production node → home', seconds: round(median(measuredFailbacks.map((d) => d.seconds))), perRun: measuredFailbacks.map((d) => round(d.seconds)), phases: measuredFailbacks.map((d) => d.phase), phaseSeconds: measuredFailbacks.map((d) => d.phaseSeconds), verified: measuredFailbacks.map((d) => `${d.verified}/${d.tenants}`) }
        : failbacks.find((e) => !e.measured),
    },
    ratios: { initialConvergenceVsKubectl: ratio !== undefined ? round(ratio) : null, drillVsKubectl: drillRatio !== undefined ? round(drillRatio) : null, failbackVsKubectl: failbackRatio !== undefined ? round(failbackRatio) : null },
    targets: { initialConvergenceVsKubectl: TARGET_CONVERGENCE_RATIO, lagP99Ms: TARGET_LAG_P99_MS, peakRssMb: TARGET_RSS_MB, drillVsKubectl: TARGET_DRILL_RATIO, emergencyFailoverSeconds: TARGET_EMERGENCY_SECONDS, failbackVsKubectl: TARGET_FAILBACK_RATIO },
    met: {
      emergencyFailover: emergencySeconds !== undefined ? emergencySeconds < TARGET_EMERGENCY_SECONDS && measuredEmergencies!.every((e) => e.failed === 0) : null,
      failback: failbackRatio !== undefined ? failbackRatio <= TARGET_FAILBACK_RATIO && measuredFailbacks!.every((d) => d.phase === 'Succeeded') : null,
      drill: drillRatio !== undefined ? drillRatio <= TARGET_DRILL_RATIO && measuredDrills!.every((d) => d.phase === 'Succeeded') : null,
      initialConvergence: ratio !== undefined ? ratio <= TARGET_CONVERGENCE_RATIO : null,
      lag: !o.selfCheck && lagSummary.measured ? lagSummary.unseen === 0 && lagSummary.p99Ms < TARGET_LAG_P99_MS : null,
      rss: peakRss !== undefined ? peakRss < TARGET_RSS_MB : null,
    },
    ...(o.selfCheck
      ? { selfCheck: { note: 'SELF-CHECK, not a result: the bench copied each edit to the standbys itself (watch on production, strip, apply), to test the lag machinery', lag: lagSummary } }
      : {}),
    perRun: results.map((r) => ({
      setupSeconds: round(r.setupSeconds),
      kubectlCopySeconds: round(r.kubectl.seconds),
      kubectlObjectsCopied: r.kubectl.objectsCopied,
      kubectlNotCopied: r.kubectl.skipped,
      initialConvergenceSeconds: 'seconds' in r.initialConvergence ? round(r.initialConvergence.seconds) : null,
      lag: r.lag ? { sent: r.lag.sent, failed: r.lag.failed, rate: round(r.lag.rate, 1), perStandby: r.lag.perStandby.map(roundLag), combined: roundLag(r.lag.combined) } : null,
      peakRssMb: typeof r.peakRssMb === 'number' ? r.peakRssMb : null,
      drill: r.drill.measured ? { ...r.drill, rtoAll: undefined } : r.drill,
      emergencyFailover: r.emergency,
      failback: r.failback,
    })),
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
