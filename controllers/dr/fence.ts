// Fencing, promotion and lost+found (issue 13): pure functions of what the runtime lists in a
// tenant namespace. A fenced namespace is put in standby form in place — workloads at 0 replicas,
// DaemonSets held, CronJobs suspended, Services, network attachments, Jobs and bare Pods deleted —
// with everything it changed in the `longyun-fence` ConfigMap (the standby record's entry format),
// so that unfencing restores it exactly. Writes are in place: the object as listed (uid,
// resourceVersion, owners, finalizers kept) with only the fenced field changed, so a PUT fails on
// a concurrent change instead of overwriting it.
import { createHash } from 'node:crypto';
import { LongyunError } from '../../topology/errors.js';
import { LABELS, MANAGER, type K8sObject } from '../../stacks/graph/types.js';
import { refOf, type ObjectRef } from '../tenant-reconciler.js';
import { byRank } from './copy-plan.js';
import { groupOf, STANDBY_RECORD, whyNotCopied } from './copy-kinds.js';
import { canonicalJson, objectDigest, objectKey } from './digest.js';
import { VELERO_EXCLUDE } from './drill-form.js';
import { FENCE_RECORD, FENCED_LABEL, QUARANTINE_LABEL, type LostAndFoundObject } from './failover-types.js';
import { normalize, STANDBY_LABEL, STANDBY_OF } from './normalize.js';
import { readRecord, recordConfigMap, STANDBY_HOLD, toSourceForm, toStandbyForm, type StandbyRecordEntry } from './standby-form.js';

/** On a quarantine Namespace: the failover whose lost+found it holds. */
export const QUARANTINE_FAILOVER = 'longyun.io/quarantine-failover';

export class FenceError extends LongyunError {
  override name = 'FenceError';
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);
const sameJson = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);
const kindOf = (o: Pick<K8sObject, 'apiVersion' | 'kind'>) => `${groupOf(o.apiVersion)}/${o.kind}`;

/** The one field fencing changes per kind (the standby form's), by path. */
const FENCED_FIELD: Record<string, readonly string[]> = {
  'apps/Deployment': ['spec', 'replicas'],
  'apps/StatefulSet': ['spec', 'replicas'],
  'apps/ReplicaSet': ['spec', 'replicas'],
  '/ReplicationController': ['spec', 'replicas'],
  'apps/DaemonSet': ['spec', 'template', 'spec', 'nodeSelector'],
  'batch/CronJob': ['spec', 'suspend'],
};
const NAD = 'k8s.cni.cncf.io/NetworkAttachmentDefinition';

function getPath(o: unknown, path: readonly string[]): unknown {
  let cur: unknown = o;
  for (const p of path) cur = obj(cur)?.[p];
  return cur;
}
function setPath(o: Obj, path: readonly string[], value: unknown): void {
  let cur = o;
  for (const p of path.slice(0, -1)) {
    if (!obj(cur[p])) cur[p] = {};
    cur = cur[p] as Obj;
  }
  if (value === undefined || value === null) delete cur[path.at(-1)!];
  else cur[path.at(-1)!] = structuredClone(value);
}

/** The object as listed, ready for a PUT: status and managedFields left out (the server keeps its own). */
function inPlace(o: K8sObject): K8sObject & Obj {
  const c = structuredClone(o) as K8sObject & Obj;
  delete c.status;
  delete (c.metadata as unknown as Obj).managedFields;
  return c;
}

const controllerOf = (o: K8sObject) => (o.metadata as { ownerReferences?: Array<{ controller?: boolean }> }).ownerReferences?.some((r) => r.controller === true) === true;
const isNamespaceOf = (o: K8sObject, ns: string) => o.apiVersion === 'v1' && o.kind === 'Namespace' && o.metadata.name === ns;
const isConfigMap = (o: K8sObject, name: string) => o.apiVersion === 'v1' && o.kind === 'ConfigMap' && o.metadata.name === name;
/** longyun's own records in a namespace: never fenced, restored, promoted or lost. */
const isOwnRecord = (o: K8sObject) => isConfigMap(o, FENCE_RECORD) || isConfigMap(o, STANDBY_RECORD);
const inNamespace = (o: K8sObject, ns: string) => o.metadata.namespace === ns;
const byKeyOrder = (a: K8sObject, b: K8sObject) => (objectKey(a) < objectKey(b) ? -1 : objectKey(a) > objectKey(b) ? 1 : 0);

function withoutMeta(o: K8sObject & Obj, field: 'labels' | 'annotations', key: string): void {
  const m = o.metadata[field];
  if (!m || !(key in m)) return;
  delete m[key];
  if (Object.keys(m).length === 0) delete o.metadata[field];
}

/** What fencing does to one object: delete it (recorded whole, or not at all when its controller makes it), put one field, or nothing. */
type FenceAction = { delete: true; held: boolean } | { field: readonly string[] } | undefined;

function fenceAction(o: K8sObject): FenceAction {
  const kind = kindOf(o);
  if (kind === NAD || kind === '/Service') return { delete: true, held: true };
  // Every Job runs pods: a CronJob's too (suspending it stops only the next ones). Its controller's
  // own Jobs are not recorded: the CronJob makes new ones once resumed.
  if (kind === 'batch/Job') return { delete: true, held: !controllerOf(o) };
  if (kind === '/Pod') return controllerOf(o) ? undefined : { delete: true, held: true };
  // Objects a controller makes from a fenced owner (a Deployment's ReplicaSets) follow the owner.
  if (whyNotCopied(o) !== undefined) return undefined;
  const field = FENCED_FIELD[kind];
  return field ? { field } : undefined;
}

const recordKey = `v1/ConfigMap/${FENCE_RECORD}`;

/** The fence record ConfigMap: the standby record's format under FENCE_RECORD. */
function fenceRecord(namespace: string, entries: ReadonlyMap<string, StandbyRecordEntry>): K8sObject {
  const cm = recordConfigMap(namespace, entries);
  return { ...cm, metadata: { ...cm.metadata, name: FENCE_RECORD } };
}

export interface FenceInput {
  namespace: string;
  /** The member being fenced. */
  node: string;
  /** The Failover fencing it: the value of FENCED_LABEL on the Namespace. */
  failover: string;
  /** The tenant namespace on that member as listed, all kinds (its Namespace and any fence record included), by objectKey. */
  objects: ReadonlyMap<string, K8sObject>;
}

export interface FencePlan {
  /** PUT in place, in dependency order: the Namespace labelled, workloads stopped. */
  apply: K8sObject[];
  /** Services first, then bare Pods, Jobs, network attachments last. */
  delete: ObjectRef[];
  /** The FENCE_RECORD ConfigMap: write it (create or replace) before anything else. */
  record: K8sObject;
}

const DELETE_ORDER = ['/Service', '/Pod', 'batch/Job', NAD];

/**
 * Fence a tenant namespace: what to write so that nothing of it runs or is reachable, and the
 * record of what that changes. Idempotent: an entry already in the namespace's fence record is
 * kept (a second pass would see the fenced values), so fencing a fenced namespace applies and
 * deletes nothing and returns the same record; only objects that appeared since are added to it.
 * The runtime writes the record first, then applies, then deletes: a crash in between leaves a
 * record that still knows every value.
 */
export function fenceObjects(input: FenceInput): FencePlan {
  const { namespace, node, failover } = input;
  const existing = input.objects.get(recordKey);
  const entries = new Map(readRecord(existing && inNamespace(existing, namespace) ? existing : undefined));
  const apply: K8sObject[] = [];
  const gone: K8sObject[] = [];
  for (const o of [...input.objects.values()].sort(byKeyOrder)) {
    if (isNamespaceOf(o, namespace)) {
      if (o.metadata.labels?.[FENCED_LABEL] !== failover) {
        const c = inPlace(o);
        c.metadata.labels = { ...c.metadata.labels, [FENCED_LABEL]: failover };
        apply.push(c);
      }
      continue;
    }
    if (!inNamespace(o, namespace) || isOwnRecord(o)) continue;
    const action = fenceAction(o);
    if (!action) continue;
    const key = objectKey(o);
    if ('delete' in action) {
      gone.push(o);
      if (action.held && !entries.has(key)) entries.set(key, { held: normalize(o) });
      continue;
    }
    const { live, record } = toStandbyForm(o, node);
    if (!entries.has(key) && record) entries.set(key, record);
    const want = getPath(live, action.field);
    if (!sameJson(want, getPath(o, action.field))) {
      const c = inPlace(o);
      setPath(c, action.field, want);
      apply.push(c);
    }
  }
  const rank = (o: K8sObject) => DELETE_ORDER.indexOf(kindOf(o));
  gone.sort((a, b) => rank(a) - rank(b) || byKeyOrder(a, b));
  return { apply: apply.sort(byRank), delete: gone.map(refOf), record: fenceRecord(namespace, entries) };
}

export interface UnfenceInput {
  namespace: string;
  /** The namespace as it is now (fenced), by objectKey. */
  objects: ReadonlyMap<string, K8sObject>;
  /** The fence record; by default the one in `objects`. */
  record?: K8sObject | undefined;
}

export interface UnfencePlan {
  /** Created from the record (network attachments first, then by dependency order): before `apply`, so that pods find their attachments. */
  create: K8sObject[];
  /** PUT in place: the Namespace unlabelled, replicas, selectors and suspend put back. */
  apply: K8sObject[];
  /** The fence record: deleted last, once everything else is written. */
  delete: ObjectRef[];
}

const createOrder = (a: K8sObject, b: K8sObject) => Number(kindOf(b) === NAD) - Number(kindOf(a) === NAD) || byRank(a, b);

/**
 * What restores a fenced namespace from its record: each fenced field put back where the object
 * is still in its fenced form (toSourceForm's rule: a value someone changed since is kept), each
 * deleted object created again unless an object of that name exists, the Namespace's
 * FENCED_LABEL removed. Objects created while fenced are left as they are.
 */
export function unfenceObjects(input: UnfenceInput): UnfencePlan {
  const { namespace, objects } = input;
  const rec = input.record ?? objects.get(recordKey);
  const entries = readRecord(rec);
  const apply: K8sObject[] = [];
  const live = new Set<string>();
  for (const o of [...objects.values()].sort(byKeyOrder)) {
    if (isNamespaceOf(o, namespace)) {
      if (o.metadata.labels?.[FENCED_LABEL] !== undefined) {
        const c = inPlace(o);
        withoutMeta(c, 'labels', FENCED_LABEL);
        apply.push(c);
      }
      continue;
    }
    if (!inNamespace(o, namespace)) continue;
    const key = objectKey(o);
    live.add(key);
    const entry = entries.get(key);
    const field = FENCED_FIELD[kindOf(o)];
    if (!entry || 'held' in entry || !field || isOwnRecord(o)) continue;
    const want = getPath(toSourceForm(o, entry), field);
    if (!sameJson(want, getPath(o, field))) {
      const c = inPlace(o);
      setPath(c, field, want);
      apply.push(c);
    }
  }
  const create: K8sObject[] = [];
  for (const [key, entry] of entries) {
    if (!('held' in entry) || live.has(key)) continue;
    const o = normalize(entry.held);
    o.metadata.namespace = namespace;
    create.push(o);
  }
  return { create: create.sort(createOrder), apply: apply.sort(byRank), delete: rec ? [refOf(rec)] : [] };
}

/**
 * A fenced namespace as it was before fencing (as unfencing would leave it), by objectKey: what a
 * final sync copies from, what the digest before a move and lost+found are taken of. A namespace
 * without a fence record comes back as it is.
 */
export function asBeforeFence(namespace: string, objects: ReadonlyMap<string, K8sObject>, record?: K8sObject): Map<string, K8sObject> {
  const plan = unfenceObjects({ namespace, objects, record });
  const out = new Map<string, K8sObject>();
  for (const o of objects.values()) if (!(inNamespace(o, namespace) && isConfigMap(o, FENCE_RECORD))) out.set(objectKey(o), o);
  for (const o of [...plan.apply, ...plan.create]) out.set(objectKey(o), o);
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export interface StillLive {
  /** objectKey */
  object: string;
  reason: string;
}

export interface FenceCheck {
  fenced: boolean;
  /** What still runs or is reachable, by key; empty when fenced. */
  live: StillLive[];
}

/**
 * Whether a namespace is fenced: every workload at 0 replicas, held or suspended, and no Service,
 * network attachment, Job or bare Pod left. Exactly what fenceObjects would still change (the
 * Namespace's label aside). With the fence record (by default the one in `objects`), a workload
 * changed back after fencing is told apart from one never fenced.
 */
export function isFenced(objects: ReadonlyMap<string, K8sObject>, record?: K8sObject): FenceCheck {
  const entries = readRecord(record ?? objects.get(recordKey));
  const live: StillLive[] = [];
  for (const o of [...objects.values()].sort(byKeyOrder)) {
    if (o.kind === 'Namespace' || isOwnRecord(o)) continue;
    const action = fenceAction(o);
    if (!action) continue;
    const key = objectKey(o);
    const since = entries.has(key) ? ' since it was fenced' : '';
    if ('delete' in action) {
      live.push({ object: key, reason: `${o.kind} ${o.metadata.name} exists${entries.has(key) ? ' (created again since it was fenced)' : ''}` });
      continue;
    }
    const value = getPath(o, action.field);
    const kind = kindOf(o);
    if (kind === 'apps/DaemonSet') {
      if (!sameJson(value, STANDBY_HOLD)) live.push({ object: key, reason: `DaemonSet ${o.metadata.name} is not held (node selector ${canonicalJson(value ?? {})}${since})` });
    } else if (kind === 'batch/CronJob') {
      if (value !== true) live.push({ object: key, reason: `CronJob ${o.metadata.name} is not suspended${since}` });
    } else if (value !== 0) {
      live.push({ object: key, reason: `${o.kind} ${o.metadata.name} has ${typeof value === 'number' ? value : 'default (1)'} replicas${since}` });
    }
  }
  return { fenced: live.length === 0, live };
}

export interface PromoteInput {
  namespace: string;
  /** The standby copy as listed (standby form, its `longyun-standby` record included), by objectKey. */
  standbyObjects: ReadonlyMap<string, K8sObject>;
  /** The tenant's NetworkAttachmentDefinitions for the node becoming active, built by the caller from that node's ranges. */
  networkAttachments: readonly K8sObject[];
}

export interface PromotePlan {
  /** Network attachments first, then held Services, Jobs and Pods in dependency order: before `apply`. */
  create: K8sObject[];
  /** PUT in place: the standby marks removed, replicas, selectors and suspend put back. */
  apply: K8sObject[];
  /** Attachments and held kinds on the standby that are not the tenant's, then the standby record, last. */
  delete: ObjectRef[];
  /**
   * PUT in place, after the rest and off the recovery's critical path: objects whose only standby
   * mark left is the `longyun.io/standby-of` annotation (digests leave it out, nothing reads it on a
   * live copy). Most objects of a copy are these: a promotion writes only what runs or is reachable first.
   */
  tidy: K8sObject[];
}

/** A wanted object written over a live one of the same name: its resourceVersion, and a Service's allocated cluster IPs, kept. */
function over(want: K8sObject, live: K8sObject): K8sObject {
  const c = structuredClone(want) as K8sObject & Obj;
  const rv = (live.metadata as unknown as Obj).resourceVersion;
  if (rv !== undefined) (c.metadata as unknown as Obj).resourceVersion = rv;
  const spec = obj(c.spec);
  const liveSpec = obj(live.spec);
  if (kindOf(c) === '/Service' && spec && liveSpec && spec.clusterIP === undefined) {
    for (const f of ['clusterIP', 'clusterIPs']) if (liveSpec[f] !== undefined) spec[f] = liveSpec[f];
  }
  return c;
}

/**
 * The standby copy turned into the live source in place: each copy as toSourceForm gives it with
 * the record (replicas, node selectors, suspend put back) and without the standby marks, the held
 * Services, Jobs and Pods created, the given network attachments created, the standby record
 * deleted. Resumable: an object already promoted is left alone; a Service or attachment of that
 * name that differs is overwritten. What the copier never copies (token Secrets, the CA bundle,
 * the access binding, Events) and objects a controller made are left alone.
 */
export function promoteObjects(input: PromoteInput): PromotePlan {
  const { namespace, standbyObjects } = input;
  const found = standbyObjects.get(`v1/ConfigMap/${STANDBY_RECORD}`);
  // Without its record the namespace is no standby (any more): a resumed promotion deletes nothing.
  const recordObject = found && inNamespace(found, namespace) ? found : undefined;
  const entries = readRecord(recordObject);
  const wanted = new Map<string, K8sObject>();
  for (const [key, entry] of entries) {
    if (!('held' in entry)) continue;
    const o = normalize(entry.held);
    o.metadata.namespace = namespace;
    wanted.set(key, o);
  }
  for (const nad of input.networkAttachments) {
    if (kindOf(nad) !== NAD) throw new FenceError(`promote ${namespace}: networkAttachments holds ${nad.apiVersion} ${nad.kind} ${nad.metadata.name}; only k8s.cni.cncf.io NetworkAttachmentDefinitions belong there`);
    if (nad.metadata.namespace !== undefined && nad.metadata.namespace !== namespace) {
      throw new FenceError(`promote ${namespace}: NetworkAttachmentDefinition ${nad.metadata.name} is for namespace ${nad.metadata.namespace}; build it for ${namespace}`);
    }
    wanted.set(objectKey(nad), { ...structuredClone(nad), metadata: { ...structuredClone(nad.metadata), namespace } });
  }
  const apply: K8sObject[] = [];
  const tidy: K8sObject[] = [];
  const stray: K8sObject[] = [];
  for (const o of [...standbyObjects.values()].sort(byKeyOrder)) {
    if (isNamespaceOf(o, namespace)) {
      if (o.metadata.labels?.[STANDBY_LABEL] !== undefined || o.metadata.labels?.[FENCED_LABEL] !== undefined || o.metadata.annotations?.[STANDBY_OF] !== undefined) {
        const c = inPlace(o);
        withoutMeta(c, 'labels', STANDBY_LABEL);
        withoutMeta(c, 'labels', FENCED_LABEL);
        withoutMeta(c, 'annotations', STANDBY_OF);
        apply.push(c);
      }
      continue;
    }
    if (!inNamespace(o, namespace) || isOwnRecord(o)) continue;
    const key = objectKey(o);
    const want = wanted.get(key);
    if (want) {
      wanted.delete(key);
      if (objectDigest(o) !== objectDigest(want)) apply.push(over(want, o));
      continue;
    }
    const action = fenceAction(o);
    if (action && 'delete' in action) {
      // A held kind or an attachment live on the standby, not the tenant's: not promoted.
      if (action.held && recordObject) stray.push(o);
      continue;
    }
    if (whyNotCopied(o) !== undefined) continue;
    const c = inPlace(o);
    withoutMeta(c, 'annotations', STANDBY_OF);
    const marked = !sameJson(c, inPlace(o));
    const entry = entries.get(key);
    const field = FENCED_FIELD[kindOf(o)];
    if (field && entry && !('held' in entry)) setPath(c, field, getPath(toSourceForm(o, entry), field));
    if (field && !sameJson(getPath(c, field), getPath(o, field))) apply.push(c);
    else if (marked) tidy.push(c);
  }
  const del = [...stray.sort(byKeyOrder).map(refOf), ...(recordObject ? [refOf(recordObject)] : [])];
  return { create: [...wanted.values()].sort(createOrder), apply: apply.sort(byRank), delete: del, tidy: tidy.sort(byRank) };
}

/**
 * The objects of an old active copy that differ from the recovery point it was failed over from,
 * in key order: changed (another digest), added (not in the point), deleted (in the point, gone).
 * Compared as before fencing (`now` may hold the fence record); what the copier never copies and
 * longyun's own records are not looked at.
 */
export function lostAndFound(recoveryPoint: Readonly<Record<string, string>>, now: ReadonlyMap<string, K8sObject>): LostAndFoundObject[] {
  const namespace = [...now.values()].find((o) => isConfigMap(o, FENCE_RECORD))?.metadata.namespace ?? [...now.values()].find((o) => o.apiVersion === 'v1' && o.kind === 'Namespace')?.metadata.name;
  const view = namespace === undefined ? now : asBeforeFence(namespace, now);
  const out: LostAndFoundObject[] = [];
  const seen = new Set<string>();
  for (const o of view.values()) {
    if (isOwnRecord(o) || whyNotCopied(o) !== undefined) continue;
    const key = objectKey(o);
    seen.add(key);
    const at = recoveryPoint[key];
    if (at === undefined) out.push({ object: key, change: 'added' });
    else if (at !== objectDigest(o)) out.push({ object: key, change: 'changed' });
  }
  for (const key of Object.keys(recoveryPoint)) if (!seen.has(key)) out.push({ object: key, change: 'deleted' });
  return out.sort((a, b) => (a.object < b.object ? -1 : a.object > b.object ? 1 : 0));
}

/** `<tenant>-lost-<6 hex>`: unique per failover and tenant, a DNS label (the tenant part shortened to fit 63). */
export function quarantineNamespaceName(tenant: string, failover: string): string {
  const hash = createHash('sha256').update(`${failover}/${tenant}`).digest('hex').slice(0, 6);
  const suffix = `-lost-${hash}`;
  return `${tenant.slice(0, 63 - suffix.length).replace(/-+$/, '')}${suffix}`;
}

export interface QuarantineInput {
  tenant: string;
  failover: string;
  /** The old active node the objects are on (the standby marks name it). */
  node: string;
  /** The tenant's namespace there. */
  namespace: string;
  /** That namespace as listed (fenced, its fence record included), by objectKey. */
  objects: ReadonlyMap<string, K8sObject>;
  lost: readonly LostAndFoundObject[];
}

/**
 * What keeps lost+found aside on the old active node, in dependency order: a Namespace of its own
 * (QUARANTINE_LABEL naming the tenant, excluded from Velero, never the tenant's label, so no
 * controller of longyun's takes it for the tenant's) with a copy of each changed or added object
 * as it was before fencing, in standby form — nothing runs — and its record (`longyun-standby`,
 * so the copies read back with toSourceForm). Deleted objects and the tenant's Namespace itself
 * are only listed.
 */
export function quarantineObjects(input: QuarantineInput): K8sObject[] {
  const name = quarantineNamespaceName(input.tenant, input.failover);
  const view = asBeforeFence(input.namespace, input.objects);
  const namespaceObject: K8sObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { [QUARANTINE_LABEL]: input.tenant, [LABELS.managedBy]: MANAGER, [VELERO_EXCLUDE]: 'true' }, annotations: { [QUARANTINE_FAILOVER]: input.failover } },
  };
  const out: K8sObject[] = [namespaceObject];
  const entries = new Map<string, StandbyRecordEntry>();
  for (const l of input.lost) {
    const o = view.get(l.object);
    if (l.change === 'deleted' || !o || o.kind === 'Namespace') continue;
    const { live, record } = toStandbyForm(o, input.node);
    if (live) out.push({ ...live, metadata: { ...live.metadata, namespace: name } });
    if (record) entries.set(l.object, 'held' in record ? { held: { ...record.held, metadata: { ...record.held.metadata, namespace: name } } } : record);
  }
  const rec = recordConfigMap(name, entries);
  out.push({ ...rec, metadata: { ...rec.metadata, labels: { ...rec.metadata.labels, [QUARANTINE_LABEL]: input.tenant } } });
  return out.sort(byRank);
}

/**
 * What the DR copier copies from a source namespace: the namespace as it was before fencing when
 * it is fenced (a planned failover's final sync must carry production's replicas, Services and
 * schedules, not the fenced zeros), else as it is. The Namespace object goes in and out with it.
 */
export function sourceForCopy(namespace: string, objects: ReadonlyMap<string, K8sObject>, namespaceObject: K8sObject): { objects: ReadonlyMap<string, K8sObject>; namespaceObject: K8sObject } {
  // By its key (objects are keyed by objectKey): every copier pass asks, so no scan.
  const record = objects.get(recordKey);
  if (!record || !inNamespace(record, namespace)) return { objects, namespaceObject };
  const all = new Map(objects);
  all.set(objectKey(namespaceObject), namespaceObject);
  const before = asBeforeFence(namespace, all, record);
  const ns = before.get(objectKey(namespaceObject)) ?? namespaceObject;
  before.delete(objectKey(namespaceObject));
  return { objects: before, namespaceObject: ns };
}
