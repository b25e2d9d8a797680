// `operator run --in-cluster`: the API server and credentials a pod gets, as client-go's
// rest.InClusterConfig reads them: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT, and the
// ServiceAccount's token, ca.crt and namespace files. client-node's KubeConfig.loadFromCluster
// checks none of them (a missing variable becomes "https://undefined:undefined", a missing file an
// error at the first request), switches to plain http on ports 80, 8080 and 8001, and only takes a
// prefix before the full /var/run/secrets/... path; so the configuration is built here instead, in
// the same shape (the token file is re-read as it rotates).
import * as k8s from '@kubernetes/client-node';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import { LongyunError } from '../topology/errors.js';

/** Where the kubelet mounts the pod's ServiceAccount credentials. */
export const SERVICEACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Overrides SERVICEACCOUNT_DIR (tests, or a pod mounting a projected token elsewhere). */
export const SERVICEACCOUNT_DIR_ENV = 'LONGYUN_SERVICEACCOUNT_DIR';

export class InClusterConfigError extends LongyunError {
  override name = 'InClusterConfigError';
}

export interface InClusterConfig {
  /** `https://HOST:PORT` (an IPv6 host in brackets). */
  server: string;
  dir: string;
  tokenFile: string;
  caFile: string;
  /** The pod's namespace, from `DIR/namespace`; undefined when that file is absent. */
  namespace?: string;
}

const NOT_IN_POD = `run it in a pod (the Deployment of "longyun operator manifests"), or use --kubeconfig FILE instead of --in-cluster`;

/** The API server from the service environment variables every pod gets. */
export function inClusterServer(env: NodeJS.ProcessEnv): string {
  const host = env.KUBERNETES_SERVICE_HOST?.trim() ?? '';
  const port = env.KUBERNETES_SERVICE_PORT?.trim() ?? '';
  const missing = [...(host ? [] : ['KUBERNETES_SERVICE_HOST']), ...(port ? [] : ['KUBERNETES_SERVICE_PORT'])];
  if (missing.length > 0) throw new InClusterConfigError(`--in-cluster: ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not set, so this is not a pod's environment: ${NOT_IN_POD}`);
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) throw new InClusterConfigError(`--in-cluster: KUBERNETES_SERVICE_PORT must be a port number (1-65535), got "${port}"`);
  return `https://${isIPv6(host) ? `[${host}]` : host}:${Number(port)}`;
}

/** A non-empty regular file's text, or why not. */
function readNonEmpty(file: string): { text: string } | { problem: string } {
  if (!existsSync(file)) return { problem: 'missing' };
  if (!statSync(file).isFile()) return { problem: 'not a file' };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { problem: `unreadable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
  return text.trim() ? { text } : { problem: 'empty' };
}

/**
 * Reads and checks the pod's environment: the server from the env, the token and CA (both
 * required) and the namespace (optional) from the ServiceAccount directory, `$LONGYUN_SERVICEACCOUNT_DIR`
 * or else SERVICEACCOUNT_DIR. Every problem is reported at once, with the fix.
 */
export function inClusterConfig(env: NodeJS.ProcessEnv = process.env, defaultDir = SERVICEACCOUNT_DIR): InClusterConfig {
  const server = inClusterServer(env);
  const fromEnv = env[SERVICEACCOUNT_DIR_ENV]?.trim();
  const dir = fromEnv || defaultDir;
  const where = fromEnv ? `(from ${SERVICEACCOUNT_DIR_ENV})` : `(set ${SERVICEACCOUNT_DIR_ENV} to read another directory)`;
  if (!existsSync(dir)) {
    throw new InClusterConfigError(
      `--in-cluster: the ServiceAccount directory ${dir} ${where} does not exist: the pod mounts no ServiceAccount token (automountServiceAccountToken: false?); mount one, point ${SERVICEACCOUNT_DIR_ENV} at a directory holding token, ca.crt and namespace, or use --kubeconfig FILE`,
    );
  }
  const tokenFile = join(dir, 'token');
  const caFile = join(dir, 'ca.crt');
  const problems: string[] = [];
  const token = readNonEmpty(tokenFile);
  if ('problem' in token) problems.push(`${tokenFile} is ${token.problem} (the ServiceAccount's bearer token)`);
  // Sent as read (client-node does not trim it), and a newline in a header fails every request.
  else if (token.text !== token.text.trim()) problems.push(`${tokenFile} has whitespace around the token (a trailing newline?): write it without, e.g. printf %s "$TOKEN" > ${tokenFile}`);
  const ca = readNonEmpty(caFile);
  if ('problem' in ca) problems.push(`${caFile} is ${ca.problem} (the CA of the API server's certificate)`);
  else if (!ca.text.includes('-----BEGIN CERTIFICATE-----')) problems.push(`${caFile} holds no PEM certificate (the CA of the API server's certificate)`);
  let namespace: string | undefined;
  const nsFile = join(dir, 'namespace');
  if (existsSync(nsFile)) {
    const ns = readNonEmpty(nsFile);
    if ('problem' in ns) problems.push(`${nsFile} is ${ns.problem} (the pod's namespace)`);
    else if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(ns.text.trim())) problems.push(`${nsFile} holds "${ns.text.trim()}", not a namespace name`);
    else namespace = ns.text.trim();
  }
  if (problems.length > 0) {
    throw new InClusterConfigError(`--in-cluster: the ServiceAccount directory ${dir} ${where} is incomplete: ${problems.join('; ')}. A pod gets these files from its ServiceAccount; elsewhere, put them there or use --kubeconfig FILE`);
  }
  return { server, dir, tokenFile, caFile, ...(namespace !== undefined ? { namespace } : {}) };
}

/** The KubeConfig of an in-cluster configuration: verified TLS against ca.crt, the token file re-read as it rotates. */
export function inClusterKubeConfig(c: InClusterConfig): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromClusterAndUser(
    { name: 'inCluster', server: c.server, caFile: c.caFile, skipTLSVerify: false },
    { name: 'inClusterUser', authProvider: { name: 'tokenFile', config: { tokenFile: c.tokenFile } } },
  );
  return kc;
}
