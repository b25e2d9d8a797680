// Plain JSON over the Kubernetes REST API, with the kubeconfig's TLS and credentials. The typed
// clients of @kubernetes/client-node 1.x map JSON through generated models (`default` becomes
// `_default`, and a custom resource's `spec` is dropped), so objects we build as plain JSON —
// server-side apply, lists for the informer caches — go over this path unchanged.
import * as k8s from '@kubernetes/client-node';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';

export class KubeApiError extends Error {
  override name = 'KubeApiError';
  constructor(
    readonly code: number,
    readonly status: { reason?: string; message?: string } | undefined,
    method: string,
    path: string,
  ) {
    super(`${method} ${path}: HTTP ${code}${status?.reason ? ` ${status.reason}` : ''}${status?.message ? `: ${status.message}` : ''}`);
  }
}

/** Plurals of the kinds longyun writes (no discovery round trip needed). */
const PLURALS: Record<string, string> = {
  Namespace: 'namespaces',
  ServiceAccount: 'serviceaccounts',
  ResourceQuota: 'resourcequotas',
  LimitRange: 'limitranges',
  NetworkPolicy: 'networkpolicies',
  Role: 'roles',
  RoleBinding: 'rolebindings',
  ClusterRole: 'clusterroles',
  ClusterRoleBinding: 'clusterrolebindings',
  NetworkAttachmentDefinition: 'network-attachment-definitions',
  Schedule: 'schedules',
  BackupStorageLocation: 'backupstoragelocations',
  CustomResourceDefinition: 'customresourcedefinitions',
  Secret: 'secrets',
  ConfigMap: 'configmaps',
  Event: 'events',
  Lease: 'leases',
  CloudNode: 'cloudnodes',
  Tenant: 'tenants',
};

export function pluralOf(kind: string): string {
  return PLURALS[kind] ?? `${kind.toLowerCase()}s`;
}

export function resourcePath(o: { apiVersion: string; kind: string; metadata: { name?: string; namespace?: string } }, plural = pluralOf(o.kind)): string {
  const base = o.apiVersion.includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  const ns = o.metadata.namespace ? `/namespaces/${o.metadata.namespace}` : '';
  return `${base}${ns}/${plural}${o.metadata.name ? `/${o.metadata.name}` : ''}`;
}

export class RestClient {
  private readonly server: URL;
  /**
   * One keep-alive agent per client: the kubeconfig's applyToHTTPSOptions makes a new agent (so a
   * new TCP and TLS handshake) for every request, which costs the API server more than the
   * request itself. Credentials are still read per request (tokens can rotate).
   */
  private agent: HttpsAgent | HttpAgent | undefined;

  constructor(private readonly kc: k8s.KubeConfig) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
  }

  /** Closes the idle keep-alive connections (requests in flight finish on theirs). */
  close(): void {
    for (const sockets of Object.values(this.agent?.freeSockets ?? {})) for (const s of sockets ?? []) s.destroy();
  }

  /** One request; `timeoutMs` bounds the wait for an answer (a server that hangs is an error). */
  async request<T = unknown>(method: string, path: string, body?: unknown, contentType = 'application/json', timeoutMs = 30_000): Promise<T> {
    const opts: RequestOptions = {
      method,
      protocol: this.server.protocol,
      hostname: this.server.hostname,
      port: this.server.port,
      path: `${this.server.pathname.replace(/\/$/, '')}${path}`,
      headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': contentType } : {}) },
    };
    await this.kc.applyToHTTPSOptions(opts);
    // Through a proxy, keep the kubeconfig's own (proxy) agent.
    if (!this.kc.getCurrentCluster()?.proxyUrl) {
      if (this.agent === undefined) {
        const made = opts.agent as (HttpsAgent & { options: Record<string, unknown> }) | undefined;
        const options = { ...(made?.options ?? {}), keepAlive: true, maxSockets: 64, maxFreeSockets: 64 };
        this.agent = this.server.protocol === 'https:' ? new HttpsAgent(options) : new HttpAgent(options);
      }
      opts.agent = this.agent;
    }
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const send = this.server.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<T>((resolve, reject) => {
      const req = send(opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          const code = res.statusCode ?? 0;
          if (code >= 200 && code < 300) resolve(json as T);
          else reject(new KubeApiError(code, json as { reason?: string; message?: string }, method, path));
        });
        res.on('error', reject);
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs / 1000} s`)));
      req.on('error', reject);
      if (payload) req.end(payload);
      else req.end();
    });
  }

  /** Server-side apply of a plain object, owning the fields it sets. */
  apply<T = unknown>(object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }, fieldManager: string, force = true): Promise<T> {
    return this.request<T>('PATCH', `${resourcePath(object)}?fieldManager=${encodeURIComponent(fieldManager)}${force ? '&force=true' : ''}`, object, 'application/apply-patch+yaml');
  }

  async delete(ref: { apiVersion: string; kind: string; name: string; namespace?: string }): Promise<boolean> {
    try {
      await this.request('DELETE', resourcePath({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } }));
      return true;
    } catch (e) {
      if (e instanceof KubeApiError && e.code === 404) return false;
      throw e;
    }
  }

  async get<T = unknown>(object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): Promise<T | undefined> {
    try {
      return await this.request<T>('GET', resourcePath(object));
    } catch (e) {
      if (e instanceof KubeApiError && e.code === 404) return undefined;
      throw e;
    }
  }

  list<T = unknown>(path: string, labelSelector?: string): Promise<{ items: T[]; metadata?: { resourceVersion?: string } }> {
    return this.request('GET', `${path}${labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : ''}`);
  }
}
