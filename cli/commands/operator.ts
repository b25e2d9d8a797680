// `longyun operator run`, `longyun operator manifests` and `longyun operator dashboards`.
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { LongyunError } from '../../topology/errors.js';
import { EXIT, UsageError, relativeToCwd } from '../common.js';
import { managementConfig, type ClusterOptions } from './cluster-client.js';

export interface OperatorRunOptions extends ClusterOptions {
  estate: string;
  inCluster?: boolean;
  namespace: string;
  metricsPort: string;
  leaseDuration: string;
  identity?: string;
}

export async function operatorRun(opts: OperatorRunOptions): Promise<number> {
  const { desiredStateOf } = await import('../../stacks/desired-state-of.js');
  const { Operator } = await import('../../operator/manager.js');
  // The estate and its complete ledger: what tenants' objects are built from.
  const { estate, plan } = desiredStateOf(opts.estate);
  let kubeConfig: k8s.KubeConfig;
  if (opts.inCluster) {
    kubeConfig = new k8s.KubeConfig();
    kubeConfig.loadFromCluster();
  } else {
    kubeConfig = managementConfig(opts);
  }
  const port = Number(opts.metricsPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new LongyunError(`--metrics-port must be a port number, got "${opts.metricsPort}"`);
  const op = new Operator({
    kubeConfig,
    estate,
    plan,
    namespace: opts.namespace,
    metricsPort: port,
    leaseDurationSeconds: Number(opts.leaseDuration),
    ...(opts.identity ? { identity: opts.identity } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  await op.start();
  process.stderr.write(`longyun operator ${op.identity}: metrics on http://127.0.0.1:${op.metricsPort}/metrics, estate ${estate.name}\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stderr.write(`${signal}: shutting down (finishing reconciles in flight, releasing the lease)\n`);
      void op.stop().then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return EXIT.OK;
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
