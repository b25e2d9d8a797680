// Per-namespace informers for one cluster: longyun's RBAC on a member is namespaced (nothing
// cluster-wide), so each copied kind is watched in each tenant namespace — 200 tenants × ~25 kinds
// is 5,000 watches per cluster. They share one H2Watcher (a handful of HTTP/2 connections instead
// of 5,000 sockets) and one RestClient; initial lists go at most `listConcurrency` at a time. After
// that, no list is made except the re-list after a 410 Gone.
//
// A namespace that does not exist yet lists empty and its watches wait for objects (the API server
// answers 200 for both). A kind the identity may not list (403) is retried with a slow backoff
// (listBackoff, up to a minute), and each informer reports a cause of failure once, not per retry:
// again only after it has synced or seen an event since.
import * as k8s from '@kubernetes/client-node';
import type { K8sObject } from '../stacks/graph/types.js';
import { H2Watcher } from './h2-watch.js';
import { Informer, type BackoffPolicy } from './informer.js';
import { RestClient } from './rest.js';

export interface KindRef {
  apiVersion: string;
  kind: string;
  /** Lower-case plural, e.g. `configmaps`. */
  plural: string;
}

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface NamespacedInformersHandlers {
  onChange?: (namespace: string, obj: K8sObject, type: ChangeType) => void;
  /** A list or watch failed: once per informer and cause (an HTTP status, or an error's message). */
  onError?: (namespace: string, kind: KindRef, err: unknown) => void;
}

export interface NamespacedInformersOptions {
  /** Lists in flight at most (default 16). */
  listConcurrency?: number;
  /** Backoff between failed lists (default 1 s doubling to 60 s). */
  listBackoff?: BackoffPolicy;
  /** Where watches go (default: an H2Watcher of its own, closed by stop()). */
  watcher?: Pick<k8s.Watch, 'watch'>;
  /** Where lists go (default: a RestClient of its own). */
  rest?: Pick<RestClient, 'list' | 'close'>;
}

export const NAMESPACED_LIST_BACKOFF: BackoffPolicy = { initialMs: 1000, maxMs: 60_000 };

/** At most `limit` of the functions run at once; the others wait their turn, first come first served. */
export class Limiter {
  private running = 0;
  private readonly queue: Array<() => void> = [];

  constructor(readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((r) => this.queue.push(r));
    else this.running++;
    try {
      return await fn();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    }
  }

  get waiting(): number {
    return this.queue.length;
  }

  get active(): number {
    return this.running;
  }
}

export function kindKey(k: Pick<KindRef, 'apiVersion' | 'kind'>): string {
  return `${k.apiVersion}/${k.kind}`;
}

/** The key of an object in `objects(namespace)`: `${apiVersion}/${kind}/${name}`. */
export function namespacedObjectKey(o: Pick<K8sObject, 'apiVersion' | 'kind' | 'metadata'>): string {
  return `${o.apiVersion}/${o.kind}/${o.metadata.name}`;
}

/** What an error is, for reporting it once: its HTTP status and reason, or its message. */
export function errorCause(err: unknown): string {
  const e = err as { statusCode?: number; code?: number | string; status?: { reason?: string }; message?: string } | undefined;
  const code = e?.statusCode ?? (typeof e?.code === 'number' ? e.code : undefined);
  return code !== undefined ? `HTTP ${code}${e?.status?.reason ? ` ${e.status.reason}` : ''}` : String(e?.message ?? err);
}

interface Entry {
  informer: Informer<k8s.KubernetesObject>;
  lastCause: string | undefined;
}

export class NamespacedInformers {
  readonly watcher: Pick<k8s.Watch, 'watch'>;
  private readonly rest: Pick<RestClient, 'list' | 'close'>;
  private readonly limitedRest: Pick<RestClient, 'list' | 'close'>;
  private readonly limiter: Limiter;
  private readonly ownWatcher: H2Watcher | undefined;
  private kindList: KindRef[];
  /** namespace → kindKey → informer */
  private readonly spaces = new Map<string, Map<string, Entry>>();
  private stopped = false;
  /** Lists made (the initial ones, and re-lists after 410 or a failure). */
  lists = 0;

  constructor(
    private readonly kubeConfig: k8s.KubeConfig,
    kinds: readonly KindRef[],
    private readonly handlers: NamespacedInformersHandlers = {},
    private readonly options: NamespacedInformersOptions = {},
  ) {
    this.kindList = [...kinds];
    this.limiter = new Limiter(options.listConcurrency ?? 16);
    this.rest = options.rest ?? new RestClient(kubeConfig, { maxSockets: options.listConcurrency ?? 16 });
    if (options.watcher) this.watcher = options.watcher;
    else this.watcher = this.ownWatcher = new H2Watcher(kubeConfig);
    this.limitedRest = {
      list: <T>(path: string, labelSelector?: string) =>
        this.limiter
          .run(() => {
            this.lists++;
            return this.rest.list<T>(path, labelSelector);
          })
          .finally(() => {
            // Lists are rare after the start: their idle keep-alive sockets go once none is left.
            // (A turn later: the socket of the list just answered is back in the agent's free list then.)
            if (!options.rest)
              setImmediate(() => {
                if (this.limiter.active === 0 && this.limiter.waiting === 0) this.rest.close();
              });
          }),
      close: () => {},
    };
  }

  get kinds(): readonly KindRef[] {
    return this.kindList;
  }

  namespaces(): string[] {
    return [...this.spaces.keys()];
  }

  /** Lists waiting for their turn, and in flight. */
  get listsPending(): { waiting: number; active: number } {
    return { waiting: this.limiter.waiting, active: this.limiter.active };
  }

  /** Starts an informer for every kind in `namespace` (nothing if it is watched already). */
  add(namespace: string): void {
    if (this.stopped) throw new Error('NamespacedInformers stopped');
    if (this.spaces.has(namespace)) return;
    const m = new Map<string, Entry>();
    this.spaces.set(namespace, m);
    for (const k of this.kindList) this.startOne(namespace, k, m);
  }

  /** Stops the informers of `namespace` and forgets its objects (no change is reported). */
  remove(namespace: string): void {
    const m = this.spaces.get(namespace);
    if (!m) return;
    this.spaces.delete(namespace);
    for (const e of m.values()) e.informer.stop();
  }

  /** The kinds to watch from now on: informers start for the added kinds and stop for the removed ones, in every namespace. */
  setKinds(kinds: readonly KindRef[]): void {
    const next = new Map(kinds.map((k) => [kindKey(k), k]));
    this.kindList = [...next.values()];
    for (const [namespace, m] of this.spaces) {
      for (const [key, e] of [...m]) {
        const want = next.get(key);
        if (!want || want.plural !== e.informer.type.plural) {
          e.informer.stop();
          m.delete(key);
        }
      }
      for (const [key, k] of next) if (!m.has(key)) this.startOne(namespace, k, m);
    }
  }

  /** Whether every kind of `namespace` has been listed (false for a namespace not added). */
  synced(namespace: string): boolean {
    const m = this.spaces.get(namespace);
    if (!m) return false;
    for (const e of m.values()) if (!e.informer.hasSynced) return false;
    return true;
  }

  /** The objects of `namespace`, keyed `${apiVersion}/${kind}/${name}` (a new map; the objects are the cached ones). */
  objects(namespace: string): Map<string, K8sObject> {
    const out = new Map<string, K8sObject>();
    for (const e of this.spaces.get(namespace)?.values() ?? []) {
      for (const o of e.informer.cache.values()) {
        const obj = o as K8sObject;
        out.set(namespacedObjectKey(obj), obj);
      }
    }
    return out;
  }

  /** Write-through of an own write's response (Informer.mutate); ignored for a namespace or kind not watched. */
  mutate(written: K8sObject): void {
    const ns = written.metadata.namespace;
    if (!ns) return;
    this.spaces.get(ns)?.get(kindKey(written))?.informer.mutate(written as k8s.KubernetesObject);
  }

  stop(): void {
    this.stopped = true;
    for (const ns of [...this.spaces.keys()]) this.remove(ns);
    this.ownWatcher?.close();
    if (!this.options.rest) this.rest.close();
  }

  private startOne(namespace: string, k: KindRef, m: Map<string, Entry>): void {
    const entry: Entry = { informer: undefined as unknown as Informer<k8s.KubernetesObject>, lastCause: undefined };
    const change = (type: ChangeType) => (o: k8s.KubernetesObject) => {
      entry.lastCause = undefined;
      if (m.get(kindKey(k)) === entry) this.handlers.onChange?.(namespace, o as K8sObject, type);
    };
    entry.informer = new Informer<k8s.KubernetesObject>(
      this.kubeConfig,
      { apiVersion: k.apiVersion, kind: k.kind, plural: k.plural, namespace },
      {
        onAdd: change('ADDED'),
        onUpdate: change('MODIFIED'),
        onDelete: change('DELETED'),
        onSynced: () => (entry.lastCause = undefined),
        onError: (err) => {
          const cause = errorCause(err);
          if (cause === entry.lastCause) return;
          entry.lastCause = cause;
          this.handlers.onError?.(namespace, k, err);
        },
      },
      { watcher: this.watcher, rest: this.limitedRest, listBackoff: this.options.listBackoff ?? NAMESPACED_LIST_BACKOFF },
    );
    m.set(kindKey(k), entry);
    void entry.informer.start();
  }
}
