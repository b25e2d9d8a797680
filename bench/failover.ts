// Failover benchmark: how long tenants wait when the leading operator dies mid-reconcile.
//
//   npm run build && npm run bench:failover     (or: node dist/bench/failover.js [--iterations N] [--batch N])
//
// One local control plane (`longyun dev up`: etcd, a management and one member kube-apiserver),
// the member registered as the CloudNode tianshui-cloud, and the operator as it ships
// (`longyun operator run`, the bundle, a child process, lease duration 4 s). Then, N times:
//
// - `undisturbed` (the baseline): a batch of Tenants is created and timed until every one is Ready,
//   the operator running throughout;
// - `killed`: another batch is created, the operator is SIGKILLed 300 ms later (mid-reconcile: some
//   tenants placed, some half-applied, some not seen yet), a successor is started at once, and the
//   batch is timed from the kill until every tenant is Ready.
// - `handover`: a standby replica is started and waits until it has seen the lease held; the
//   leader then gets SIGTERM (a rolling update: it releases the lease as it stops) and the standby
//   is timed from the signal until it leads. No target: it is bounded by the standby's retry period
//   (2/15 of the lease), which the e2e failover test does not time.
//
// Each batch is deleted (and its objects removed from the member) before the next. The successor
// cannot lead before a whole lease duration has passed since it first read the dead leader's Lease
// (it judges expiry on its own clock, from its own observation), so `killed` is at least the
// successor's start-up plus the lease duration;
// the target is that every `killed` iteration converges within the lease duration plus 5 s, and the
// ratio printed is the median of `killed` minus the lease over the median of `undisturbed`: what
// the restart costs beyond waiting for the lease, in units of a normal convergence.
//
// Prints one JSON document on stdout, progress on stderr. Needs the local Kubernetes binaries
// (scripts/local-control-plane/build.sh); 10 iterations take about 3 minutes.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { API_VERSION } from '../operator/crds.js';
import { down, up, type DevControlPlane } from '../operator/dev-cluster/index.js';
import { installDevCrds, registerDevMembers, restFor } from '../operator/dev-setup.js';
import type { RestClient } from '../operator/rest.js';
import { desiredStateOf } from '../stacks/desired-state-of.js';
import { shippedEstateDir } from '../topology/paths.js';
import { flagValue, median } from './harness.js';

const LEASE_SECONDS = 4;
const KILL_AFTER_MS = 300;
const TARGET_SLACK_SECONDS = 5;
const BIN = fileURLToPath(new URL('../bundle/longyun.js', import.meta.url));

const log = (m: string) => process.stderr.write(`bench/failover: ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface TenantList {
  items: Array<{ metadata: { name: string; labels?: Record<string, string> }; status?: { phase?: string } }>;
}

class OperatorProcess {
  readonly exited: Promise<void>;
  private readonly child: ChildProcess;
  private logText = '';
  /** Leadership lines, kept whole (the log itself keeps only its tail). */
  private leadership = '';
  private partial = '';

  constructor(management: string) {
    this.child = spawn(process.execPath, [BIN, 'operator', 'run', '--kubeconfig', management, '--metrics-port', '0', '--lease-duration', String(LEASE_SECONDS)], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.stderr!.on('data', (d: Buffer) => {
      const text = d.toString();
      this.logText = (this.logText + text).slice(-20_000);
      const lines = (this.partial + text).split('\n');
      this.partial = lines.pop()!;
      for (const line of lines) if (/became leader|the leader is /.test(line)) this.leadership += `${line}\n`;
    });
    this.exited = new Promise((r) => this.child.once('exit', () => r()));
  }

  get log(): string {
    return this.logText;
  }

  /** Resolves when a leadership line matches `re` ("became leader", "the leader is …"). */
  async until(re: RegExp, what: string): Promise<void> {
    const deadline = performance.now() + 120_000;
    while (!re.test(this.leadership)) {
      if (this.child.exitCode !== null) throw new Error(`the operator exited while waiting for ${what}:\n${this.logText.split('\n').slice(-30).join('\n')}`);
      if (performance.now() > deadline) throw new Error(`no ${what} after 120 s:\n${this.logText.split('\n').slice(-30).join('\n')}`);
      await sleep(10);
    }
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    await this.exited;
  }
}

async function createBatch(rest: RestClient, batch: string, size: number): Promise<string[]> {
  const names = Array.from({ length: size }, (_, i) => `${batch}-${i}`);
  await Promise.all(
    names.map((name) =>
      rest.request('POST', `/apis/${API_VERSION}/tenants`, {
        apiVersion: API_VERSION,
        kind: 'Tenant',
        metadata: { name, labels: { 'bench.longyun.io/batch': batch } },
        spec: { department: 'tianshui-big-data', quota: { cpu: '1', memory: '1Gi', storage: '10Gi' }, mlps: 2, planes: ['plane-1'] },
      }),
    ),
  );
  return names;
}

async function untilAll(rest: RestClient, batch: string, size: number, want: (list: TenantList['items']) => boolean, what: string, op: () => OperatorProcess): Promise<void> {
  const deadline = performance.now() + 120_000;
  for (;;) {
    const list = await rest.request<TenantList>('GET', `/apis/${API_VERSION}/tenants?labelSelector=bench.longyun.io%2Fbatch%3D${batch}`);
    if (want(list.items)) return;
    if (performance.now() > deadline) throw new Error(`${batch}: not ${what} after 120 s (${list.items.length}/${size} seen)\noperator log:\n${op().log.split('\n').slice(-30).join('\n')}`);
    await sleep(50);
  }
}

const allReady = (size: number) => (items: TenantList['items']) => items.length === size && items.every((t) => t.status?.phase === 'Ready');
const noneLeft = (items: TenantList['items']) => items.length === 0;

async function main(): Promise<void> {
  const opt = (flag: string) => flagValue(flag);
  const iterations = Number(opt('--iterations') ?? 10);
  const size = Number(opt('--batch') ?? 12);
  if (!Number.isInteger(iterations) || iterations < 1 || !Number.isInteger(size) || size < 1) throw new Error('usage: failover.js [--iterations N ≥ 1] [--batch N ≥ 1]');
  const load = loadavg()[0]!;
  const stateDir = mkdtempSync(join(tmpdir(), 'longyun-bench-failover-'));
  let plane: DevControlPlane | undefined;
  let operator: OperatorProcess | undefined;
  const undisturbed: number[] = [];
  const killed: number[] = [];
  const handover: number[] = [];
  try {
    plane = await up({ members: 1, stateDir });
    await installDevCrds(plane);
    const { estate } = desiredStateOf(shippedEstateDir());
    await registerDevMembers(plane, [estate.cloudById.get('tianshui-cloud')!]);
    const management = plane.clusters.find((c) => c.role === 'management')!.kubeconfig;
    const rest = restFor(management);
    operator = new OperatorProcess(management);
    const current = () => operator!;
    // Warm up: the node onboarded and one tenant through, so the baseline is a steady state.
    await createBatch(rest, 'warmup', 1);
    await untilAll(rest, 'warmup', 1, allReady(1), 'Ready', current);
    for (let i = 0; i < iterations; i++) {
      let t0 = performance.now();
      await createBatch(rest, `calm-${i}`, size);
      await untilAll(rest, `calm-${i}`, size, allReady(size), 'Ready', current);
      undisturbed.push((performance.now() - t0) / 1000);

      await createBatch(rest, `kill-${i}`, size);
      await sleep(KILL_AFTER_MS);
      await operator.kill('SIGKILL');
      t0 = performance.now();
      operator = new OperatorProcess(management);
      await untilAll(rest, `kill-${i}`, size, allReady(size), 'Ready', current);
      killed.push((performance.now() - t0) / 1000);

      await operator.until(/became leader/, 'leadership of the successor');
      const standby = new OperatorProcess(management);
      await standby.until(/the leader is /, "the standby's first look at the lease");
      t0 = performance.now();
      const leaving = operator;
      const stopped = leaving.kill('SIGTERM');
      await standby.until(/became leader/, 'leadership of the standby');
      handover.push((performance.now() - t0) / 1000);
      await stopped;
      operator = standby;
      log(`iteration ${i + 1} of ${iterations}: undisturbed ${undisturbed.at(-1)!.toFixed(2)} s, after the kill ${killed.at(-1)!.toFixed(2)} s, handover ${handover.at(-1)!.toFixed(2)} s`);

      for (const batch of [`calm-${i}`, `kill-${i}`]) await rest.request('DELETE', `/apis/${API_VERSION}/tenants?labelSelector=bench.longyun.io%2Fbatch%3D${batch}`);
      for (const batch of [`calm-${i}`, `kill-${i}`]) await untilAll(rest, batch, size, noneLeft, 'deleted', current);
    }
    rest.close();
  } finally {
    await operator?.kill('SIGTERM');
    if (plane) await down({ stateDir }).catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
  }
  const round = (x: number, d = 3) => Number(x.toFixed(d));
  const killedMax = Math.max(...killed);
  const out = {
    bench: 'failover',
    iterations,
    tenantsPerBatch: size,
    leaseSeconds: LEASE_SECONDS,
    killAfterMs: KILL_AFTER_MS,
    loadAverageAtStart: round(load, 2),
    undisturbed: { medianSeconds: round(median(undisturbed)), maxSeconds: round(Math.max(...undisturbed)) },
    killed: { medianSeconds: round(median(killed)), maxSeconds: round(killedMax) },
    handover: { medianSeconds: round(median(handover)), maxSeconds: round(Math.max(...handover)), retryPeriodSeconds: round((LEASE_SECONDS * 2) / 15) },
    ratios: { killedBeyondLeaseVsUndisturbed: round((median(killed) - LEASE_SECONDS) / median(undisturbed), 2) },
    targets: { killedMaxSeconds: LEASE_SECONDS + TARGET_SLACK_SECONDS },
    met: { killed: killedMax <= LEASE_SECONDS + TARGET_SLACK_SECONDS },
    perIteration: undisturbed.map((u, i) => ({ undisturbedSeconds: round(u), killedSeconds: round(killed[i]!), handoverSeconds: round(handover[i]!) })),
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
