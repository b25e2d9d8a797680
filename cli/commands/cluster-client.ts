// The management cluster from the CLI: --kubeconfig/--context, else $KUBECONFIG or ~/.kube/config
// (as kubectl resolves them), with the plain-JSON REST client.
import * as k8s from '@kubernetes/client-node';
import { API_VERSION } from '../../operator/crds.js';
import { KubeApiError, RestClient } from '../../operator/rest.js';
import { LongyunError } from '../../topology/errors.js';

export interface ClusterOptions {
  kubeconfig?: string;
  context?: string;
}

export function managementConfig(opts: ClusterOptions): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  try {
    if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
    else kc.loadFromDefault();
    if (opts.context) kc.setCurrentContext(opts.context);
  } catch (e) {
    throw new LongyunError(`cannot load the management cluster's kubeconfig${opts.kubeconfig ? ` ${opts.kubeconfig}` : ''}: ${(e as Error).message}`);
  }
  if (!kc.getCurrentCluster()) throw new LongyunError('no management cluster: pass --kubeconfig FILE (e.g. the management.kubeconfig of `longyun dev up`) or set KUBECONFIG');
  return kc;
}

export const crPath = (plural: string, name?: string) => `/apis/${API_VERSION}/${plural}${name ? `/${name}` : ''}`;

/** Turns API errors into messages a person can act on. */
export async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof KubeApiError) {
      if (e.code === 404 && e.status?.reason === 'NotFound') throw new LongyunError(`${what}: not found`);
      if (e.code === 404) throw new LongyunError(`${what}: the longyun CRDs are not installed (run "longyun operator manifests | kubectl apply -f -" or "longyun dev up")`);
      throw new LongyunError(`${what}: ${e.status?.message ?? e.message}`);
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND') throw new LongyunError(`${what}: the management cluster does not answer (${(e as Error).message})`);
    throw e;
  }
}

export { RestClient };
