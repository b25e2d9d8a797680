// An informer: list, then watch from the list's resourceVersion; on a dropped watch, resume from
// the last resourceVersion seen; on 410 Gone (history compacted), list again and reconcile the
// cache against it (emitting the adds, updates and deletes missed). Handlers see every change.
import * as k8s from '@kubernetes/client-node';
import { RestClient } from './rest.js';

export interface ResourceType {
  apiVersion: string;
  kind: string;
  /** Lower-case plural, e.g. `tenants`, `resourcequotas`. */
  plural: string;
  namespace?: string;
  labelSelector?: string;
}

export interface InformerOptions<T> {
  /** Applied to every object before it is cached, e.g. dropManagedFields. */
  transform?: (obj: T) => T;
  /** Index the cache by this value (e.g. a label); `indexed(value)` lists the objects. */
  indexBy?: (obj: T) => string | undefined;
}

/** Drops metadata.managedFields: nothing longyun decides reads them, and they are most of an object's size. */
export function dropManagedFields<T extends k8s.KubernetesObject>(obj: T): T {
  if (obj.metadata?.managedFields === undefined) return obj;
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

/**
 * Whether resourceVersion `a` is newer than `b`. Kubernetes resourceVersions are opaque, but every
 * etcd-backed API server uses the etcd revision, an integer; client-go's mutation cache relies on
 * that too. Anything else counts as newer, so that the cache never holds on to a stale object.
 */
export function newerVersion(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return true;
  return a.length !== b.length ? a.length > b.length : a > b;
}

export interface InformerHandlers<T> {
  onAdd?: (obj: T) => void;
  onUpdate?: (obj: T, old: T) => void;
  onDelete?: (obj: T) => void;
  /** After each (re)list: the cache is complete. */
  onSynced?: () => void;
  onError?: (err: unknown) => void;
}

export function objectKey(o: k8s.KubernetesObject): string {
  return o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : (o.metadata?.name ?? '');
}

export function collectionPath(t: ResourceType): string {
  const [group, version] = t.apiVersion.includes('/') ? t.apiVersion.split('/') : [undefined, t.apiVersion];
  const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
  return t.namespace ? `${base}/namespaces/${t.namespace}/${t.plural}` : `${base}/${t.plural}`;
}

export class Informer<T extends k8s.KubernetesObject = k8s.KubernetesObject> {
  readonly cache = new Map<string, T>();
  private readonly index = new Map<string, Map<string, T>>();
  /** resourceVersion of each deletion seen, so that a late own-write response cannot resurrect the object. */
  private readonly tombstones = new Map<string, string | undefined>();
  private resourceVersion: string | undefined;
  private abort: AbortController | undefined;
  private stopped = false;
  private synced = false;
  private retryMs = 200;
  private readonly rest: RestClient;
  private readonly watcher: k8s.Watch;
  /** Relists done, for metrics and tests. */
  relists = 0;

  constructor(
    kubeConfig: k8s.KubeConfig,
    readonly type: ResourceType,
    private readonly handlers: InformerHandlers<T>,
    private readonly options: InformerOptions<T> = {},
  ) {
    this.rest = new RestClient(kubeConfig);
    this.watcher = new k8s.Watch(kubeConfig);
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  get lastResourceVersion(): string | undefined {
    return this.resourceVersion;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.relist();
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
    this.rest.close();
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  /** The cached objects whose indexBy value is `value`. */
  indexed(value: string): Iterable<T> {
    return this.index.get(value)?.values() ?? [];
  }

  /**
   * Write-through: the object an own write (apply, patch) returned, so that the next reconcile sees
   * it before its watch event arrives. No handler runs (it is our own change); the watch event of
   * the same resourceVersion then changes nothing, and an older one never replaces it.
   */
  mutate(written: T): void {
    const obj = this.prepare(written);
    const key = objectKey(obj);
    const old = this.cache.get(key);
    if (old && !newerVersion(obj.metadata?.resourceVersion, old.metadata?.resourceVersion)) return;
    if (this.tombstones.has(key) && !newerVersion(obj.metadata?.resourceVersion, this.tombstones.get(key))) return;
    this.put(key, obj);
  }

  /** One watch event into the cache (ADDED, MODIFIED, DELETED; BOOKMARK only moves the resourceVersion). */
  applyWatchEvent(phase: string, apiObj: T): void {
    const rv = apiObj?.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (phase === 'BOOKMARK') return;
    const obj = this.prepare(apiObj);
    const key = objectKey(obj);
    if (phase === 'DELETED') {
      const old = this.remove(key);
      this.tombstones.set(key, obj.metadata?.resourceVersion);
      this.handlers.onDelete?.(old ?? obj);
    } else {
      this.upsert(key, obj);
    }
  }

  private prepare(item: T): T {
    const obj = { apiVersion: this.type.apiVersion, kind: this.type.kind, ...item } as T;
    return this.options.transform ? this.options.transform(obj) : obj;
  }

  private put(key: string, obj: T): void {
    const old = this.cache.get(key);
    this.cache.set(key, obj);
    this.tombstones.delete(key);
    const by = this.options.indexBy;
    if (!by) return;
    const was = old ? by(old) : undefined;
    const now = by(obj);
    if (was !== undefined && was !== now) this.index.get(was)?.delete(key);
    if (now !== undefined) {
      let m = this.index.get(now);
      if (!m) this.index.set(now, (m = new Map()));
      m.set(key, obj);
    }
  }

  private remove(key: string): T | undefined {
    const old = this.cache.get(key);
    if (!old) return undefined;
    this.cache.delete(key);
    const v = this.options.indexBy?.(old);
    if (v !== undefined) {
      const m = this.index.get(v);
      m?.delete(key);
      if (m?.size === 0) this.index.delete(v);
    }
    return old;
  }

  private async relist(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      try {
        // Raw JSON, like the watch events: the typed client would rename fields (`default`).
        const list = await this.rest.list<T>(collectionPath(this.type), this.type.labelSelector);
        this.relists++;
        const seen = new Set<string>();
        for (const item of list.items) {
          const obj = this.prepare(item);
          const key = objectKey(obj);
          seen.add(key);
          this.upsert(key, obj);
        }
        for (const key of [...this.cache.keys()]) {
          if (!seen.has(key)) {
            const old = this.remove(key);
            if (old) this.handlers.onDelete?.(old);
          }
        }
        this.resourceVersion = list.metadata?.resourceVersion;
        this.synced = true;
        this.retryMs = 200;
        this.handlers.onSynced?.();
        await this.watch();
        return;
      } catch (e) {
        this.handlers.onError?.(e);
        await this.backoff();
      }
    }
  }

  private upsert(key: string, obj: T): void {
    const old = this.cache.get(key);
    if (!old) {
      this.put(key, obj);
      this.handlers.onAdd?.(obj);
    } else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion && newerVersion(obj.metadata?.resourceVersion, old.metadata?.resourceVersion)) {
      // (An older version than the cached one is a watch event behind an own write: skip it.)
      this.put(key, obj);
      this.handlers.onUpdate?.(obj, old);
    }
  }

  private async backoff(): Promise<void> {
    await new Promise((r) => setTimeout(r, this.retryMs));
    this.retryMs = Math.min(this.retryMs * 2, 5000);
  }

  private async watch(): Promise<void> {
    if (this.stopped) return;
    let gone = false;
    const query: Record<string, string | boolean> = { allowWatchBookmarks: true };
    if (this.resourceVersion) query.resourceVersion = this.resourceVersion;
    if (this.type.labelSelector) query.labelSelector = this.type.labelSelector;
    const done = (err: unknown) => {
      if (this.stopped) return;
      const code = (err as { statusCode?: number; code?: number } | undefined)?.statusCode ?? (err as { code?: number } | undefined)?.code;
      if (gone || code === 410) {
        // Too old a resourceVersion: list again.
        this.resourceVersion = undefined;
        void this.relist();
      } else {
        if (err) this.handlers.onError?.(err);
        void this.backoff().then(() => this.watch().catch(() => this.relist()));
      }
    };
    try {
      this.abort = await this.watcher.watch(
        collectionPath(this.type),
        query,
        (phase, apiObj: T & { code?: number }) => {
          if (phase === 'ERROR') {
            if (apiObj?.code === 410) gone = true;
            return;
          }
          this.applyWatchEvent(phase, apiObj);
        },
        done,
      );
    } catch (e) {
      done(e);
    }
  }
}
