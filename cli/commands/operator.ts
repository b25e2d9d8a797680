// `longyun operator run` and `longyun operator manifests`.
import * as k8s from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { LongyunError } from '../../topology/errors.js';
import { EXIT } from '../common.js';
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
