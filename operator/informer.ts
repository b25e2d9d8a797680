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
  }

  list(): T[] {
    return [...this.cache.values()];
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
          const obj = { apiVersion: this.type.apiVersion, kind: this.type.kind, ...item } as T;
          const key = objectKey(obj);
          seen.add(key);
          this.upsert(key, obj);
        }
        for (const [key, old] of [...this.cache]) {
          if (!seen.has(key)) {
            this.cache.delete(key);
            this.handlers.onDelete?.(old);
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
    this.cache.set(key, obj);
    if (!old) this.handlers.onAdd?.(obj);
    else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.handlers.onUpdate?.(obj, old);
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
          const rv = apiObj?.metadata?.resourceVersion;
          if (rv) this.resourceVersion = rv;
          if (phase === 'BOOKMARK') return;
          const obj = { apiVersion: this.type.apiVersion, kind: this.type.kind, ...apiObj } as T;
          const key = objectKey(obj);
          if (phase === 'DELETED') {
            const old = this.cache.get(key);
            this.cache.delete(key);
            this.handlers.onDelete?.(old ?? obj);
          } else {
            this.upsert(key, obj);
          }
        },
        done,
      );
    } catch (e) {
      done(e);
    }
  }
}
