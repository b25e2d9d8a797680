// The operator side of bench/reconcile: a child process (forked with IPC) that hosts one Operator
// against the management cluster, so that its peak RSS is its own. The parent sends commands and
// gets one reply per command:
//   { cmd: 'converge', tenants }  starts the operator; replies when every Tenant is Ready in its cache
//   { cmd: 'resync' }             reconciles every tenant again (Operator.resyncAll) and times it
//   { cmd: 'stats' }              peak RSS and reconcile counts
//   { cmd: 'stop' }               graceful shutdown, then exit
import * as k8s from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { Operator } from '../operator/manager.js';
import { desiredStateOf } from '../stacks/desired-state-of.js';

export type OperatorCommand = { cmd: 'converge'; tenants: number } | { cmd: 'resync' } | { cmd: 'stats' } | { cmd: 'stop' };
export type OperatorReply =
  | { cmd: 'converge'; seconds: number; leaderSeconds: number }
  | { cmd: 'resync'; seconds: number; reconciles: number; writes: number }
  | { cmd: 'stats'; peakRssMb: number; rssMb: number; reconciles: Record<string, number>; writes: number }
  | { cmd: 'stop' }
  | { cmd: 'error'; message: string };

const [kubeconfigPath, estateDir] = process.argv.slice(2);
if (!kubeconfigPath || !estateDir) throw new Error('usage: reconcile-operator.js MANAGEMENT_KUBECONFIG ESTATE_DIR');

function procStatusMb(field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : Math.round(process.resourceUsage().maxRSS / 1024);
}

const kubeConfig = new k8s.KubeConfig();
kubeConfig.loadFromFile(kubeconfigPath);
const { estate, plan } = desiredStateOf(estateDir);
const logLines: string[] = [];
const op = new Operator({
  kubeConfig,
  estate,
  plan,
  identity: 'bench',
  log: (l) => {
    logLines.push(l);
    if (process.env.LONGYUN_BENCH_VERBOSE) process.stderr.write(`${l}\n`);
  },
});

async function reconcileCount(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await op.metrics.reconciles.get()).values) out[`${v.labels.controller}/${v.labels.result}`] = v.value;
  return out;
}

const sum = (r: Record<string, number>, prefix: string) => Object.entries(r).filter(([k]) => k.startsWith(prefix)).reduce((a, [, v]) => a + v, 0);

async function handle(m: OperatorCommand): Promise<OperatorReply> {
  switch (m.cmd) {
    case 'converge': {
      const t0 = performance.now();
      await op.start();
      let leaderSeconds = -1;
      for (;;) {
        if (leaderSeconds < 0 && op.isLeader) leaderSeconds = (performance.now() - t0) / 1000;
        if ((op.phaseCounts().get('Ready') ?? 0) >= m.tenants) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      return { cmd: 'converge', seconds: (performance.now() - t0) / 1000, leaderSeconds };
    }
    case 'resync': {
      const before = await reconcileCount();
      const writes0 = await op.metrics.writeCount();
      const t0 = performance.now();
      await op.resyncAll();
      const seconds = (performance.now() - t0) / 1000;
      const after = await reconcileCount();
      return { cmd: 'resync', seconds, reconciles: sum(after, 'tenant/') - sum(before, 'tenant/'), writes: (await op.metrics.writeCount()) - writes0 };
    }
    case 'stats':
      return { cmd: 'stats', peakRssMb: procStatusMb('VmHWM'), rssMb: procStatusMb('VmRSS'), reconciles: await reconcileCount(), writes: await op.metrics.writeCount() };
    case 'stop':
      await op.stop();
      return { cmd: 'stop' };
  }
}

process.on('message', (m: OperatorCommand) => {
  handle(m)
    .then((reply) => {
      process.send?.(reply);
      if (m.cmd === 'stop') process.disconnect();
    })
    .catch((e: Error) => process.send?.({ cmd: 'error', message: `${e.message}\n${logLines.slice(-20).join('\n')}` }));
});
