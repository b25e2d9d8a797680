// An informer: list, then watch from the list's resourceVersion; on a dropped watch, resume from
// the last resourceVersion seen (at once after a healthy watch, with backoff after failures); on
// 410 Gone (history compacted), list again and reconcile the cache against it (emitting the adds,
// updates and deletes missed). Handlers see every change.
import * as k8s from '@kubernetes/client-node';
import { KubeApiError, RestClient } from './rest.js';

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
  /** The clock, in ms (tests pass their own). */
  now?: () => number;
  /**
   * Where watches go (default: a k8s.Watch of its own, one HTTP/1.1 connection per watch). Many
   * informers may share one, e.g. an H2Watcher per cluster (operator/h2-watch.ts); stop() leaves a
   * shared one open.
   */
  watcher?: Pick<k8s.Watch, 'watch'>;
  /** Where lists go (default: a RestClient of its own, closed by stop(); a shared one is left open). */
  rest?: Pick<RestClient, 'list' | 'close'>;
  /**
   * Backoff between failed lists (e.g. 403 Forbidden), apart from the watches' (default: the same
   * backoff as the watches', WATCH_BACKOFF).
   */
  listBackoff?: BackoffPolicy;
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

/** Reconnect delays: from initialMs, doubling on each consecutive failure, up to maxMs. */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export const WATCH_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 5000 };

/** Consecutive-failure backoff: each failure waits twice as long as the one before it; a success starts over. */
export class Backoff {
  private failures = 0;

  constructor(readonly policy: BackoffPolicy = WATCH_BACKOFF) {}

  /** A failure: the wait before the next attempt. */
  failure(): number {
    const ms = Math.min(this.policy.initialMs * 2 ** this.failures, this.policy.maxMs);
    if (ms < this.policy.maxMs) this.failures++;
    return ms;
  }

  success(): void {
    this.failures = 0;
  }
}

/** client-go's reflector calls a watch this short that delivered nothing a failure ("very short watch"). */
export const SHORT_WATCH_MS = 1000;

export interface WatchRun {
  /** The server answered the watch request with 200 (the stream opened). */
  opened: boolean;
  /** From the stream opening to its end. */
  durationMs: number;
  /** Watch events delivered (ADDED, MODIFIED, DELETED, BOOKMARK). */
  events: number;
  /** The server ended the stream with an ERROR event (other than 410 Gone, which means relist). */
  errorEvent: boolean;
}

/**
 * Whether a watch that ended was healthy, as client-go's reflector judges it: it opened, sent no
 * ERROR event, and delivered an event or stayed open for SHORT_WATCH_MS. Its end (the server's
 * time-out, a proxy's idle cut, an API server restart) is then routine: watch again at once and
 * reset the backoff, which grows only over consecutive failures.
 */
export function watchHealthy(run: WatchRun): boolean {
  return run.opened && !run.errorEvent && (run.events > 0 || run.durationMs >= SHORT_WATCH_MS);
}

/**
 * How long a deletion is remembered. A tombstone only stops mutate() from taking the response to a
 * write made before the deletion; that response comes within RestClient's request time-out (30 s),
 * so after that the tombstone guards nothing. The informer's resourceVersion cannot be the bound: it
 * passes the tombstone's as soon as the DELETED event is applied, while such a response may still be
 * on its way. (client-go's MutationCache likewise forgets its own writes after a TTL.)
 */
export const TOMBSTONE_TTL_MS = 120_000;

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
  /**
   * resourceVersion of each deletion seen, so that a late own-write response cannot resurrect the
   * object; oldest first, each kept for TOMBSTONE_TTL_MS.
   */
  private readonly tombstones = new Map<string, { resourceVersion: string | undefined; at: number }>();
  private resourceVersion: string | undefined;
  private abort: AbortController | undefined;
  private stopped = false;
  private synced = false;
  private readonly backoff = new Backoff();
  private readonly listBackoff: Backoff;
  private readonly now: () => number;
  private readonly rest: Pick<RestClient, 'list' | 'close'>;
  private readonly watcher: Pick<k8s.Watch, 'watch'>;
  /** Relists done, for metrics and tests. */
  relists = 0;

  constructor(
    kubeConfig: k8s.KubeConfig,
    readonly type: ResourceType,
    private readonly handlers: InformerHandlers<T>,
    private readonly options: InformerOptions<T> = {},
  ) {
    this.rest = options.rest ?? new RestClient(kubeConfig);
    this.watcher = options.watcher ?? new k8s.Watch(kubeConfig);
    this.listBackoff = options.listBackoff ? new Backoff(options.listBackoff) : this.backoff;
    this.now = options.now ?? (() => Date.now());
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  get lastResourceVersion(): string | undefined {
    return this.resourceVersion;
  }

  /** Deletions still remembered (see TOMBSTONE_TTL_MS). */
  get tombstoneCount(): number {
    this.pruneTombstones();
    return this.tombstones.size;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.relist();
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
    if (!this.options.rest) this.rest.close();
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
    this.pruneTombstones();
    const obj = this.prepare(written);
    const key = objectKey(obj);
    const old = this.cache.get(key);
    if (old && !newerVersion(obj.metadata?.resourceVersion, old.metadata?.resourceVersion)) return;
    const tombstone = this.tombstones.get(key);
    if (tombstone && !newerVersion(obj.metadata?.resourceVersion, tombstone.resourceVersion)) return;
    this.put(key, obj);
  }

  /** One watch event into the cache (ADDED, MODIFIED, DELETED; BOOKMARK only moves the resourceVersion). */
  applyWatchEvent(phase: string, apiObj: T): void {
    const rv = apiObj?.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (phase === 'BOOKMARK') return;
    this.pruneTombstones();
    const obj = this.prepare(apiObj);
    const key = objectKey(obj);
    if (phase === 'DELETED') {
      const old = this.remove(key);
      this.bury(key, obj.metadata?.resourceVersion);
      this.handlers.onDelete?.(old ?? obj);
    } else {
      this.upsert(key, obj);
    }
  }

  private prepare(item: T): T {
    const obj = { apiVersion: this.type.apiVersion, kind: this.type.kind, ...item } as T;
    return this.options.transform ? this.options.transform(obj) : obj;
  }

  private bury(key: string, resourceVersion: string | undefined): void {
    this.tombstones.delete(key); // re-inserted last, so that the map stays oldest first
    this.tombstones.set(key, { resourceVersion, at: this.now() });
  }

  private pruneTombstones(): void {
    const cutoff = this.now() - TOMBSTONE_TTL_MS;
    for (const [key, t] of this.tombstones) {
      if (t.at > cutoff) break;
      this.tombstones.delete(key);
    }
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
        this.pruneTombstones();
        for (const key of [...this.cache.keys()]) {
          if (!seen.has(key)) {
            const old = this.remove(key);
            // Gone at the list's resourceVersion: a write answered before it must not bring it back.
            this.bury(key, list.metadata?.resourceVersion);
            if (old) this.handlers.onDelete?.(old);
          }
        }
        this.resourceVersion = list.metadata?.resourceVersion;
        this.synced = true;
        this.backoff.success();
        this.listBackoff.success();
        this.handlers.onSynced?.();
        await this.watch();
        return;
      } catch (e) {
        this.handlers.onError?.(e);
        await sleep(this.listBackoff.failure());
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

  private async watch(): Promise<void> {
    if (this.stopped) return;
    let gone = false;
    let ended = false;
    let openedAt: number | undefined;
    let events = 0;
    let status: { code?: number; reason?: string; message?: string } | undefined;
    const path = collectionPath(this.type);
    const query: Record<string, string | boolean> = { allowWatchBookmarks: true };
    if (this.resourceVersion) query.resourceVersion = this.resourceVersion;
    if (this.type.labelSelector) query.labelSelector = this.type.labelSelector;
    const done = (err: unknown) => {
      ended = true;
      if (this.stopped) return;
      const code = (err as { statusCode?: number; code?: number } | undefined)?.statusCode ?? (err as { code?: number } | undefined)?.code;
      if (gone || code === 410) {
        // Too old a resourceVersion: list again.
        this.resourceVersion = undefined;
        void this.relist();
        return;
      }
      if (err) this.handlers.onError?.(err);
      if (status) this.handlers.onError?.(new KubeApiError(status.code ?? 0, status, 'WATCH', path));
      const run = { opened: openedAt !== undefined, durationMs: openedAt === undefined ? 0 : this.now() - openedAt, events, errorEvent: status !== undefined };
      let delayMs = 0;
      if (watchHealthy(run)) this.backoff.success();
      else delayMs = this.backoff.failure();
      void sleep(delayMs).then(() => this.watch().catch(() => this.relist()));
    };
    try {
      this.abort = await this.watcher.watch(
        path,
        query,
        (phase, apiObj: T & { code?: number; reason?: string; message?: string }) => {
          if (phase === 'ERROR') {
            if (apiObj?.code === 410) gone = true;
            else status = apiObj;
            return;
          }
          events++;
          this.applyWatchEvent(phase, apiObj);
        },
        done,
      );
      // The watch resolves once the server answered 200; a failed request has called done already.
      if (!ended) openedAt = this.now();
      // Stopped while the watch was being opened: stop() could not abort it.
      if (this.stopped) this.abort.abort();
    } catch (e) {
      done(e);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}
