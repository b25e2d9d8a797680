// Standby form: how a copy lives on a standby so that nothing of it runs, and the record that turns
// it back into the source form (for digests now, for drills and promotion later).
//   Deployment, StatefulSet, ReplicaSet, ReplicationController  replicas 0   record: the replicas
//   DaemonSet        nodeSelector {longyun.io/standby-hold: "true"}        record: the nodeSelector
//   CronJob          suspend: true                                         record: suspend
//   Service, Job, Pod  held: no live object                              record: the whole object
//   anything else    live as it is
// Every live copy is annotated `longyun.io/standby-of: <source node>`; the Namespace is labelled
// `longyun.io/standby: "true"`. The record is the ConfigMap `longyun-standby` in the namespace.
import { createHash } from 'node:crypto';
import { LABELS, MANAGER, type K8sObject } from '../../stacks/graph/types.js';
import { groupOf, STANDBY_RECORD } from './copy-kinds.js';
import { canonicalJson, objectKey } from './digest.js';
import { normalize, STANDBY_LABEL, STANDBY_OF } from './normalize.js';

export { STANDBY_LABEL, STANDBY_OF, STANDBY_RECORD };

/** The node selector that holds a DaemonSet on a standby: no node carries this label. */
export const STANDBY_HOLD = { 'longyun.io/standby-hold': 'true' } as const;

/** What the record keeps for one object; `null` = the field was unset on the source. */
export type StandbyRecordEntry =
  | { held: K8sObject }
  | { replicas: number | null }
  | { nodeSelector: Record<string, string> | null }
  | { suspend: boolean | null };

const SCALED = new Set(['apps/Deployment', 'apps/StatefulSet', 'apps/ReplicaSet', '/ReplicationController']);
const HELD = new Set(['/Service', 'batch/Job', '/Pod']);
const kindOf = (o: Pick<K8sObject, 'apiVersion' | 'kind'>) => `${groupOf(o.apiVersion)}/${o.kind}`;

/** Whether the kind is held on a standby (kept in the record only, never live). */
export function isHeld(o: Pick<K8sObject, 'apiVersion' | 'kind'>): boolean {
  return HELD.has(kindOf(o));
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);
function ensure(o: Obj, ...path: string[]): Obj {
  let cur = o;
  for (const p of path) {
    if (!obj(cur[p])) cur[p] = {};
    cur = cur[p] as Obj;
  }
  return cur;
}
const sameJson = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

/**
 * The copy of a source object on a standby: the live object (absent when held) and what the
 * record keeps (absent when the live object is the source as it is).
 */
export function toStandbyForm(source: K8sObject, sourceNode: string): { live?: K8sObject; record?: StandbyRecordEntry } {
  const n = normalize(source);
  if (isHeld(n)) return { record: { held: n } };
  const live = structuredClone(n) as K8sObject & Obj;
  live.metadata.annotations = { ...live.metadata.annotations, [STANDBY_OF]: sourceNode };
  let record: StandbyRecordEntry | undefined;
  const kind = kindOf(n);
  if (SCALED.has(kind)) {
    const spec = ensure(live, 'spec');
    record = { replicas: typeof spec.replicas === 'number' ? spec.replicas : null };
    spec.replicas = 0;
  } else if (kind === 'apps/DaemonSet') {
    const pod = ensure(live, 'spec', 'template', 'spec');
    record = { nodeSelector: (obj(pod.nodeSelector) as Record<string, string> | undefined) ?? null };
    pod.nodeSelector = { ...STANDBY_HOLD };
  } else if (kind === 'batch/CronJob') {
    const spec = ensure(live, 'spec');
    record = { suspend: typeof spec.suspend === 'boolean' ? spec.suspend : null };
    spec.suspend = true;
  } else if (kind === '/Namespace') {
    live.metadata.labels = { ...live.metadata.labels, [STANDBY_LABEL]: 'true' };
  }
  // Keys in sorted order, as normalize leaves them (normalize itself would strip the standby marks).
  return { live: JSON.parse(canonicalJson(live)) as K8sObject, ...(record ? { record } : {}) };
}

/**
 * The source form of a standby copy: the live object (as its server returns it) with the record's
 * values put back, or the held object. A value is put back only where the live object is still in
 * standby form (replicas 0, the hold selector, suspended): a copy someone scaled, released or
 * resumed on the standby keeps that value, so its digest differs from production's and it is
 * restored.
 */
export function toSourceForm(live: K8sObject | undefined, entry: StandbyRecordEntry | undefined): K8sObject | undefined {
  if (live === undefined) return entry && 'held' in entry ? normalize(entry.held) : undefined;
  const o = normalize(live) as K8sObject & Obj;
  if (!entry || 'held' in entry) return o;
  const kind = kindOf(o);
  const put = (at: Obj, field: string, value: unknown) => {
    if (value === null) delete at[field];
    else at[field] = value;
  };
  if ('replicas' in entry && SCALED.has(kind)) {
    const spec = obj(o.spec);
    if (spec && spec.replicas === 0) put(spec, 'replicas', entry.replicas);
  } else if ('nodeSelector' in entry && kind === 'apps/DaemonSet') {
    const pod = obj(obj(obj(o.spec)?.template)?.spec);
    if (pod && sameJson(pod.nodeSelector, STANDBY_HOLD)) put(pod, 'nodeSelector', entry.nodeSelector);
  } else if ('suspend' in entry && kind === 'batch/CronJob') {
    const spec = obj(o.spec);
    if (spec && spec.suspend === true) put(spec, 'suspend', entry.suspend);
  }
  return normalize(o);
}

const VALID_KEY = /^[-._a-zA-Z0-9]+$/;

/**
 * The record's data key for an object key: readable (`apps_v1_Deployment_web`) when that is a
 * valid ConfigMap key and cannot collide (object keys hold no `_`), else `sha256-` and a hash.
 * The value carries the object key itself, so a data key is never decoded.
 */
export function recordDataKey(key: string): string {
  const readable = key.replaceAll('/', '_');
  if (!key.includes('_') && readable.length <= 253 && VALID_KEY.test(readable)) return readable;
  return `sha256-${createHash('sha256').update(key).digest('hex')}`;
}

/** The record ConfigMap of a standby namespace: one data key per object, in key order. */
export function recordConfigMap(namespace: string, entries: ReadonlyMap<string, StandbyRecordEntry>): K8sObject {
  const data: Record<string, string> = {};
  for (const key of [...entries.keys()].sort()) {
    const entry = entries.get(key)!;
    // Not canonicalJson: that drops nulls, and null here means "unset on the source".
    data[recordDataKey(key)] = JSON.stringify({ entry: 'held' in entry ? { held: normalize(entry.held) } : entry, key });
  }
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: STANDBY_RECORD, namespace, labels: { [LABELS.managedBy]: MANAGER } },
    data: Object.fromEntries(Object.keys(data).sort().map((k) => [k, data[k]!])),
  };
}

function entryOf(v: unknown): StandbyRecordEntry | undefined {
  const e = obj(v);
  if (!e || Object.keys(e).length !== 1) return undefined;
  if (obj(e.held) && typeof obj(e.held)!.kind === 'string' && obj(obj(e.held)!.metadata)) return { held: e.held as K8sObject };
  if ('replicas' in e && (e.replicas === null || (typeof e.replicas === 'number' && Number.isInteger(e.replicas) && e.replicas >= 0))) return { replicas: e.replicas as number | null };
  if ('nodeSelector' in e && (e.nodeSelector === null || (obj(e.nodeSelector) && Object.values(e.nodeSelector as Obj).every((x) => typeof x === 'string')))) return { nodeSelector: e.nodeSelector as Record<string, string> | null };
  if ('suspend' in e && (e.suspend === null || typeof e.suspend === 'boolean')) return { suspend: e.suspend as boolean | null };
  return undefined;
}

/**
 * The entries of a record ConfigMap. A value that does not parse, or whose data key is not the
 * one its object key gives (edited by hand), is left out: its object then differs from production
 * and is copied again, with a fresh entry.
 */
export function readRecord(cm: K8sObject | undefined): Map<string, StandbyRecordEntry> {
  const out = new Map<string, StandbyRecordEntry>();
  const data = obj(cm?.data) ?? {};
  for (const dataKey of Object.keys(data).sort()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(String(data[dataKey]));
    } catch {
      continue;
    }
    const p = obj(parsed);
    const entry = entryOf(p?.entry);
    if (typeof p?.key !== 'string' || recordDataKey(p.key) !== dataKey || !entry) continue;
    if ('held' in entry && objectKey(entry.held) !== p.key) continue;
    out.set(p.key, entry);
  }
  return out;
}
