// core/v1 Events, correlated as client-go's record.EventCorrelator does (Kubernetes 1.20):
// - the same event again (same source, involved object, type, reason and message) patches the
//   existing Event's count and lastTimestamp instead of creating another (its eventLogger);
// - once ten different messages for the same object, type and reason come within ten minutes, the
//   next ones go to one "(combined from similar events)" Event, counted the same way (its
//   EventAggregator).
// Its spam filter (a token bucket per object, which drops events) is left out. The correlation
// below is pure (the clock is passed in); EventRecorder does the I/O.
import type * as k8s from '@kubernetes/client-node';
import { KubeApiError, type RestClient } from './rest.js';

export type EventType = 'Normal' | 'Warning';

export interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  uid?: string;
}

export interface EventSource {
  component: string;
  host?: string;
}

/** One occurrence of something worth an Event. */
export interface Occurrence {
  involvedObject: ObjectReference;
  type: EventType;
  reason: string;
  message: string;
}

/** A core/v1 Event as longyun writes it (the API server's answer has more metadata). */
export interface CoreEvent {
  apiVersion: 'v1';
  kind: 'Event';
  metadata: { name?: string; generateName?: string; namespace: string };
  involvedObject: ObjectReference;
  type: EventType;
  reason: string;
  message: string;
  source: EventSource;
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
}

/** What a repeated Event changes: a JSON merge patch. */
export interface EventPatch {
  count: number;
  lastTimestamp: string;
  message: string;
}

export interface Correlated {
  /** The cache key of the Event this occurrence counts towards. */
  key: string;
  /** The Event to create if there is none yet, or if the one to patch has gone (expired or deleted). */
  event: CoreEvent;
  /** The Event this occurrence repeats: patch it. */
  existing?: { name: string; patch: EventPatch };
}

export const COMBINED_PREFIX = '(combined from similar events): ';

export interface CorrelatorOptions {
  source: EventSource;
  /** Entries per cache, least recently used dropped first (client-go: 4096). */
  maxEntries?: number;
  /** Different messages for one object, type and reason before they are combined (client-go: 10). */
  aggregateMaxEvents?: number;
  /** The window for those messages, counted from the latest (client-go: 10 minutes). */
  aggregateIntervalMs?: number;
  /** The clock, in ms. */
  now?: () => number;
}

/** The involvedObject of an Event about `obj`. */
export function objectReference(obj: k8s.KubernetesObject): ObjectReference {
  const m = obj.metadata;
  return { apiVersion: obj.apiVersion, kind: obj.kind, name: m?.name, uid: m?.uid, ...(m?.namespace ? { namespace: m.namespace } : {}) };
}

/** Events about cluster-scoped objects live in "default", as kubectl describe expects. */
export function eventNamespace(ref: ObjectReference): string {
  return ref.namespace ?? 'default';
}

/** client-go's getEventKey: the Events an occurrence may repeat. (A JSON array: unambiguous, unlike a plain join.) */
export function eventKey(source: EventSource, o: Occurrence): string {
  return JSON.stringify([...aggregateParts(source, o), o.message]);
}

/** client-go's EventAggregatorByReasonFunc: everything but the message. */
export function aggregateKey(source: EventSource, o: Occurrence): string {
  return JSON.stringify(aggregateParts(source, o));
}

function aggregateParts(source: EventSource, o: Occurrence): (string | undefined)[] {
  const r = o.involvedObject;
  return [source.component, source.host, r.kind, r.namespace, r.name, r.uid, r.apiVersion, o.type, o.reason];
}

/** A map that keeps its `maxEntries` most recently used entries. */
export class LruCache<V> {
  private readonly map = new Map<string, V>();

  constructor(readonly maxEntries: number) {}

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.maxEntries) this.map.delete(this.map.keys().next().value as string);
  }
}

interface Aggregate {
  messages: Set<string>;
  lastMs: number;
}

interface Logged {
  name: string;
  count: number;
  firstTimestamp: string;
}

export class EventCorrelator {
  private readonly aggregates: LruCache<Aggregate>;
  private readonly logged: LruCache<Logged>;
  private readonly maxEvents: number;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(readonly options: CorrelatorOptions) {
    this.aggregates = new LruCache(options.maxEntries ?? 4096);
    this.logged = new LruCache(options.maxEntries ?? 4096);
    this.maxEvents = options.aggregateMaxEvents ?? 10;
    this.intervalMs = options.aggregateIntervalMs ?? 600_000;
    this.now = options.now ?? (() => Date.now());
  }

  /** The Event an occurrence goes to: a new one, or a patch to the one it repeats. */
  correlate(o: Occurrence): Correlated {
    const nowMs = this.now();
    const source = this.options.source;
    // EventAggregator: count the different messages for this object, type and reason.
    const aggKey = aggregateKey(source, o);
    let agg = this.aggregates.get(aggKey);
    if (!agg || nowMs - agg.lastMs > this.intervalMs) agg = { messages: new Set(), lastMs: nowMs };
    agg.messages.add(o.message);
    agg.lastMs = nowMs;
    this.aggregates.set(aggKey, agg);
    let key = eventKey(source, o);
    let message = o.message;
    if (agg.messages.size >= this.maxEvents) {
      agg.messages.delete(agg.messages.values().next().value as string); // the set stays under the threshold
      key = aggKey;
      message = COMBINED_PREFIX + o.message;
    }
    // eventLogger: a repeat of a recorded Event counts on it.
    const now = new Date(nowMs).toISOString();
    const namespace = eventNamespace(o.involvedObject);
    const seen = this.logged.get(key);
    const event: CoreEvent = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${o.involvedObject.name}.`, namespace },
      involvedObject: o.involvedObject,
      type: o.type,
      reason: o.reason,
      message,
      source,
      firstTimestamp: seen?.firstTimestamp ?? now,
      lastTimestamp: now,
      count: (seen?.count ?? 0) + 1,
    };
    if (!seen) return { key, event };
    return { key, event, existing: { name: seen.name, patch: { count: event.count, lastTimestamp: now, message } } };
  }

  /** The Event the API server now holds for `key` (its answer to the create or patch): the next repeat patches it. */
  recorded(key: string, written: { metadata?: { name?: string }; count?: number; firstTimestamp?: string }): void {
    const name = written.metadata?.name;
    if (!name || written.count === undefined || written.firstTimestamp === undefined) return;
    this.logged.set(key, { name, count: written.count, firstTimestamp: written.firstTimestamp });
  }
}

export interface RecorderOptions extends CorrelatorOptions {
  /** Called before each write, for metrics. */
  onWrite?: (verb: 'create' | 'patch') => void;
}

/** Writes Events through a correlator: a repeat patches the Event it repeats, anything else creates one. */
export class EventRecorder {
  readonly correlator: EventCorrelator;
  /** The last write per aggregate key: writes that may share an Event go one after another. */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(
    private readonly rest: Pick<RestClient, 'request'>,
    private readonly options: RecorderOptions,
  ) {
    this.correlator = new EventCorrelator(options);
  }

  /** Records one occurrence; rejects with the API server's error (a KubeApiError) if it could not. */
  record(o: Occurrence): Promise<void> {
    // Serialised so that a repeat is correlated after the create it repeats has answered with a name.
    const lane = aggregateKey(this.options.source, o);
    const run = (this.tails.get(lane) ?? Promise.resolve()).then(() => this.write(o));
    const tail = run.then(
      () => {},
      () => {},
    );
    this.tails.set(lane, tail);
    void tail.then(() => {
      if (this.tails.get(lane) === tail) this.tails.delete(lane);
    });
    return run;
  }

  private async write(o: Occurrence): Promise<void> {
    const c = this.correlator.correlate(o);
    const path = `/api/v1/namespaces/${c.event.metadata.namespace}/events`;
    if (c.existing) {
      try {
        this.options.onWrite?.('patch');
        const patched = await this.rest.request<CoreEvent>('PATCH', `${path}/${c.existing.name}`, c.existing.patch, 'application/merge-patch+json');
        this.correlator.recorded(c.key, patched);
        return;
      } catch (e) {
        // Gone (Events expire, an hour by default, or were deleted): create it again with its count, as client-go does.
        if (!(e instanceof KubeApiError && e.code === 404)) throw e;
      }
    }
    this.options.onWrite?.('create');
    const created = await this.rest.request<CoreEvent>('POST', path, c.event);
    this.correlator.recorded(c.key, created);
  }
}
