// `longyun operator run`, `longyun operator manifests` and `longyun operator dashboards`.
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { LongyunError } from '../../topology/errors.js';
import { EXIT, UsageError, relativeToCwd } from '../common.js';
import { managementConfig, type ClusterOptions } from './cluster-client.js';

export interface OperatorRunOptions extends ClusterOptions {
  estate: string;
  inCluster?: boolean;
  /** Default: the pod's namespace with --in-cluster, else longyun-system. */
  namespace?: string;
  metricsBindAddress?: string;
  metricsPort?: string;
  leaseDuration: string;
  renewDeadline?: string;
  retryPeriod?: string;
  logWrites?: boolean;
  identity?: string;
}

/** Seconds from a flag (decimals allowed), as ms; a bad value is a usage error naming the flag. */
function secondsFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} takes a positive number of seconds, got "${value}"`);
  return Math.round(n * 1000);
}

/** The election's timings from the flags (exit 1 naming them when they do not fit); the defaults scale from --lease-duration. */
export async function electionTimingsOf(opts: OperatorRunOptions): Promise<{ leaseDurationSeconds: number; renewDeadlineMs: number; retryPeriodMs: number }> {
  const { electionTimings, ElectionTimingsError } = await import('../../operator/leader-election.js');
  const lease = Number(opts.leaseDuration);
  if (!Number.isInteger(lease) || lease < 1) throw new UsageError(`--lease-duration takes a whole number of seconds ≥ 1, got "${opts.leaseDuration}"`);
  const renew = secondsFlag('--renew-deadline', opts.renewDeadline);
  const retry = secondsFlag('--retry-period', opts.retryPeriod);
  try {
    return electionTimings(lease, renew, retry);
  } catch (e) {
    if (!(e instanceof ElectionTimingsError)) throw e;
    const flags = e.message.includes('retry period') ? '--retry-period < --renew-deadline' : '--renew-deadline < --lease-duration';
    throw new UsageError(`${e.message} (${flags}${renew === undefined || retry === undefined ? '; unset, --renew-deadline is 2/3 and --retry-period 2/15 of --lease-duration' : ''})`);
  }
}

export async function operatorRun(opts: OperatorRunOptions): Promise<number> {
  const { metricsListen, formatListen, localUrl, HealthServerListenError } = await import('../../operator/metrics.js');
  const { OPERATOR_NAMESPACE } = await import('../../operator/manager.js');
  // Flags and the pod's environment first: they fail fast, before the estate loads.
  const listen = metricsListen({ bindAddress: opts.metricsBindAddress, port: opts.metricsPort });
  const timings = await electionTimingsOf(opts);
  let kubeConfig: k8s.KubeConfig;
  let namespace = opts.namespace ?? OPERATOR_NAMESPACE;
  let namespaceFrom = opts.namespace !== undefined ? '--namespace' : 'the default';
  if (opts.inCluster) {
    if (opts.kubeconfig !== undefined || opts.context !== undefined) throw new UsageError(`--in-cluster uses the pod's ServiceAccount; drop --${opts.kubeconfig !== undefined ? 'kubeconfig' : 'context'}, or drop --in-cluster to use a kubeconfig`);
    const { inClusterConfig, inClusterKubeConfig } = await import('../../operator/in-cluster.js');
    const config = inClusterConfig(process.env);
    kubeConfig = inClusterKubeConfig(config);
    if (opts.namespace === undefined && config.namespace !== undefined) {
      namespace = config.namespace;
      namespaceFrom = `${config.dir}/namespace`;
    } else if (config.namespace !== undefined && config.namespace !== namespace) {
      process.stderr.write(`warning: --namespace ${namespace} is not the pod's namespace ${config.namespace} (${config.dir}/namespace): the lease and the kubeconfig Secrets are looked for in ${namespace}\n`);
    }
  } else {
    kubeConfig = managementConfig(opts);
  }
  const { desiredStateOf } = await import('../../stacks/desired-state-of.js');
  const { Operator } = await import('../../operator/manager.js');
  // The estate and its complete ledger: what tenants' objects are built from.
  const { estate, plan } = desiredStateOf(opts.estate);
  // Test hooks (test/e2e/dr-drill.test.ts, dr-failover.test.ts): kill this process on entering any of
  // these drill or failover phases; the settle time after which a returning old source's fence is
  // checked again and its lost+found taken.
  const crashOn = process.env.LONGYUN_TEST_CRASH_ON_PHASE?.split(',').map((p) => p.trim()).filter(Boolean);
  if (crashOn?.length) process.stderr.write(`test hook LONGYUN_TEST_CRASH_ON_PHASE: this process kills itself on entering drill or failover phase ${crashOn.join(', ')}\n`);
  const settle = process.env.LONGYUN_TEST_FENCE_SETTLE_MS;
  if (settle !== undefined) process.stderr.write(`test hook LONGYUN_TEST_FENCE_SETTLE_MS: lost+found is taken ${settle} ms after an old source answers again (not the request timeout)\n`);
  const op = new Operator({
    kubeConfig,
    ...(crashOn?.length ? { crashOnPhase: new Set(crashOn) } : {}),
    ...(settle !== undefined && Number.isFinite(Number(settle)) ? { fenceSettleMs: Number(settle) } : {}),
    estate,
    plan,
    namespace,
    ...(listen ? { metricsPort: listen.port, ...(listen.host !== undefined ? { metricsHost: listen.host } : {}) } : {}),
    ...timings,
    ...(opts.identity ? { identity: opts.identity } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
    ...(opts.logWrites ? { logWrites: (line: string) => process.stderr.write(`${line}\n`) } : {}),
  });
  try {
    await op.start();
  } catch (e) {
    if (e instanceof HealthServerListenError) {
      const flag = opts.metricsBindAddress !== undefined ? `--metrics-bind-address ${opts.metricsBindAddress}` : opts.metricsPort !== undefined ? `--metrics-port ${opts.metricsPort}` : `the default --metrics-bind-address ${formatListen(e.listen)}`;
      throw new LongyunError(`${e.message} (${flag}); pick another with --metrics-bind-address HOST:PORT, or 0 to serve none`);
    }
    throw e;
  }
  // Bound: the port is known even when 0 asked for a free one.
  const bound = listen && { ...listen, port: op.metricsPort! };
  const serving = bound ? `metrics on ${localUrl(bound, '/metrics')} (bound to ${formatListen(bound)}${bound.host === undefined ? ', all interfaces' : ''})` : 'no metrics server (--metrics-bind-address 0)';
  process.stderr.write(`longyun operator ${op.identity}: ${serving}, estate ${estate.name}, namespace ${namespace} (${namespaceFrom})\n`);
  const lost = await new Promise<Error | undefined>((resolve) => {
    const stop = (signal: string) => {
      process.stderr.write(`${signal}: shutting down (finishing reconciles in flight, releasing the lease)\n`);
      void op.stop().then(() => resolve(undefined));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    void op.lost.then(resolve);
  });
  if (!lost) return EXIT.OK;
  // As client-go's leader election ends a process: its writes are fenced already; exit so that
  // the pod restarts and competes afresh.
  process.stderr.write(`error: ${lost.message}; exiting with ${EXIT.ERROR} so that the replica restarts\n`);
  // Bounded: nothing more can be written, and a scrape may hold the metrics server open.
  await Promise.race([op.stop(), new Promise((r) => setTimeout(r, timings.renewDeadlineMs).unref())]);
  process.exit(EXIT.ERROR);
}

export async function operatorManifests(opts: { image?: string; namespace: string; replicas: string }): Promise<number> {
  const { operatorManifests: build } = await import('../../operator/manifests.js');
  const docs = build({ ...(opts.image ? { image: opts.image } : {}), namespace: opts.namespace, replicas: Number(opts.replicas) });
  process.stdout.write(docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n'));
  return EXIT.OK;
}

export interface OperatorDashboardsOptions {
  out?: string;
  only?: 'dashboard' | 'rules';
  rulesFormat: 'prometheus' | 'prometheus-rule';
  output?: 'yaml' | 'json';
  namespace?: string;
  label: string[];
  runbookBase?: string;
}

/** The Grafana dashboard and the Prometheus rules for the operator's metrics: into --out, or one of them to stdout. */
export async function operatorDashboards(opts: OperatorDashboardsOptions): Promise<number> {
  const { DASHBOARD_FILE, dashboardText, rulesFileName, rulesText } = await import('../../dashboards/monitoring-files.js');
  if (opts.only === 'dashboard' && opts.output === 'yaml') throw new UsageError('the Grafana dashboard is JSON only; --output applies to the rules');
  if (opts.rulesFormat !== 'prometheus-rule' && (opts.namespace !== undefined || opts.label.length)) {
    throw new UsageError('--namespace and --label are the PrometheusRule\'s; add --rules-format prometheus-rule');
  }
  const labels: Record<string, string> = {};
  for (const l of opts.label) {
    const i = l.indexOf('=');
    if (i <= 0) throw new UsageError(`--label takes KEY=VALUE, got "${l}"`);
    labels[l.slice(0, i)] = l.slice(i + 1);
  }
  const output = opts.output ?? 'yaml';
  const ruleOpts = { ...(opts.namespace ? { namespace: opts.namespace } : {}), labels, ...(opts.runbookBase ? { runbookBase: opts.runbookBase } : {}) };
  const files = [
    ...(opts.only !== 'rules' ? [{ name: DASHBOARD_FILE, text: dashboardText() }] : []),
    ...(opts.only !== 'dashboard' ? [{ name: rulesFileName(opts.rulesFormat, output), text: rulesText(opts.rulesFormat, output, ruleOpts) }] : []),
  ];
  if (opts.out === undefined) {
    if (files.length !== 1) throw new UsageError('to print to stdout, pick one with --only dashboard or --only rules; --out DIR writes both');
    process.stdout.write(files[0]!.text);
    return EXIT.OK;
  }
  const { mkdirSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { writeFileAtomic } = await import('../../topology/fs-atomic.js');
  mkdirSync(opts.out, { recursive: true });
  for (const f of files) {
    writeFileAtomic(join(opts.out, f.name), f.text);
    process.stdout.write(`wrote ${relativeToCwd(join(opts.out, f.name))}\n`);
  }
  return EXIT.OK;
}
