// Plain JSON over the Kubernetes REST API, with the kubeconfig's TLS and credentials. The typed
// clients of @kubernetes/client-node 1.x map JSON through generated models (`default` becomes
// `_default`, and a custom resource's `spec` is dropped), so objects we build as plain JSON —
// server-side apply, lists for the informer caches — go over this path unchanged.
//
// A client may carry a write fence: every POST, PUT, PATCH and DELETE is checked, synchronously,
// once it has a connected socket and right before its headers and body are written to it. Nothing
// is written before the check (Node buffers what is written before a socket is assigned, or before
// it has connected, and flushes it later without asking anyone), so a request held back in a
// keep-alive agent's queue, or by a process frozen in between, is judged when it really goes out.
import * as k8s from '@kubernetes/client-node';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import { Agent as HttpAgent, request as httpRequest, type ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

/** longyun's version, as package.json has it (a unit test keeps them in step). */
export const LONGYUN_VERSION = '0.1.0';

/** The User-Agent of an operator replica: its identity shows in the API servers' audit logs. */
export function operatorUserAgent(identity: string): string {
  return `longyun-operator/${LONGYUN_VERSION} (${identity})`;
}

/** A write the fence kept from being sent: this replica may not write (its lease is not renewed). */
export class FencedError extends Error {
  override name = 'FencedError';
  constructor(
    readonly method: string,
    readonly path: string,
    reason: string,
  ) {
    super(`${method} ${path}: not sent: ${reason}`);
  }
}

/** A request cut off by RestClient.cancelAll (its answer, if any, is not waited for). */
export class RequestCancelledError extends Error {
  override name = 'RequestCancelledError';
}

/**
 * Called synchronously right before a mutating request is written to its socket. It throws (a
 * FencedError) to keep the request unsent; what it returns, if anything, is called once the
 * request has been handed to the socket.
 */
export interface WriteFence {
  admit(method: string, path: string): (() => void) | void;
}

export interface RestClientOptions {
  fence?: WriteFence;
  /** Connections per client (default 64); more requests wait in the agent's queue. */
  maxSockets?: number;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Whether bytes written to `socket` now go out now: connected and, over TLS, past the handshake. */
function established(socket: Socket): boolean {
  if (socket.connecting) return false;
  if (socket instanceof TLSSocket) {
    const protocol = socket.getProtocol();
    return protocol !== null && protocol !== 'unknown';
  }
  return true;
}

/**
 * A KubeConfig whose every request (typed clients, watches, RestClient) carries `userAgent`: the
 * same clusters, users and contexts as `from`, which is left unchanged.
 */
export class UserAgentKubeConfig extends k8s.KubeConfig {
  constructor(
    from: k8s.KubeConfig,
    readonly userAgent: string,
  ) {
    super();
    this.loadFromOptions({ clusters: from.clusters, users: from.users, contexts: from.contexts, currentContext: from.currentContext });
  }

  override async applyToHTTPSOptions(opts: Parameters<k8s.KubeConfig['applyToHTTPSOptions']>[0]): Promise<void> {
    opts.headers = { ...opts.headers, 'user-agent': this.userAgent };
    await super.applyToHTTPSOptions(opts);
  }

  override async applySecurityAuthentication(context: Parameters<k8s.KubeConfig['applySecurityAuthentication']>[0]): Promise<void> {
    await super.applySecurityAuthentication(context);
    context.setHeaderParam('User-Agent', this.userAgent);
  }
}

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
  Ingress: 'ingresses',
  Endpoints: 'endpoints',
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
  private readonly inFlight = new Set<ClientRequest>();
  /** Bumped by cancelAll: a request begun before it (still reading credentials) is not sent. */
  private cancelled: { epoch: number; error?: Error } = { epoch: 0 };

  constructor(
    private readonly kc: k8s.KubeConfig,
    private readonly options: RestClientOptions = {},
  ) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
  }

  /** Closes the idle keep-alive connections (requests in flight finish on theirs). */
  close(): void {
    for (const sockets of Object.values(this.agent?.freeSockets ?? {})) for (const s of sockets ?? []) s.destroy();
  }

  /** Requests made and not yet answered: in flight, or waiting in the agent's queue for a socket. */
  get pending(): number {
    return this.inFlight.size;
  }

  /** Ends every request in flight or waiting for a socket: each fails with `error`. */
  cancelAll(error: Error = new RequestCancelledError('cancelled')): void {
    this.cancelled = { epoch: this.cancelled.epoch + 1, error };
    for (const req of this.inFlight) req.destroy(error);
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
    const epoch = this.cancelled.epoch;
    await this.kc.applyToHTTPSOptions(opts);
    if (this.cancelled.epoch !== epoch) throw this.cancelled.error;
    // Through a proxy, keep the kubeconfig's own (proxy) agent.
    if (!this.kc.getCurrentCluster()?.proxyUrl) {
      if (this.agent === undefined) {
        const made = opts.agent as (HttpsAgent & { options: Record<string, unknown> }) | undefined;
        const maxSockets = this.options.maxSockets ?? 64;
        const options = { ...(made?.options ?? {}), keepAlive: true, maxSockets, maxFreeSockets: maxSockets };
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
      this.inFlight.add(req);
      req.once('close', () => this.inFlight.delete(req));
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs / 1000} s`)));
      req.on('error', reject);
      const fence = MUTATING.has(method) ? this.options.fence : undefined;
      if (!fence) {
        if (payload) req.end(payload);
        else req.end();
        return;
      }
      // Written only from here, in one synchronous step: the check, then headers and body.
      req.once('socket', (socket: Socket) => {
        const write = () => {
          if (req.destroyed) return;
          let sent: (() => void) | void;
          try {
            sent = fence.admit(method, opts.path!);
          } catch (e) {
            req.destroy(e as Error);
            return;
          }
          if (payload) req.end(payload);
          else req.end();
          sent?.();
        };
        if (established(socket)) write();
        else socket.once(socket instanceof TLSSocket ? 'secureConnect' : 'connect', write);
      });
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
