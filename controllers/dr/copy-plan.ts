// What to do to bring one standby's copy of a tenant namespace level with production: a pure
// function of what the runtime's watches hold on both sides. Digests are compared in source form
// (the standby's objects turned back with the record), never resourceVersions (per cluster).
import { createHash } from 'node:crypto';
import type { K8sObject } from '../../stacks/graph/types.js';
import { refOf, type ObjectRef } from '../tenant-reconciler.js';
import { groupOf, SERVED_TWICE, STANDBY_RECORD, whyNotCopied, type CopyKind } from './copy-kinds.js';
import { canonicalJson, copyDigest, objectDigest, objectKey } from './digest.js';
import { normalize, STANDBY_LABEL, STANDBY_OF } from './normalize.js';
import { isHeld, readRecord, recordConfigMap, toSourceForm, toStandbyForm, type StandbyRecordEntry } from './standby-form.js';

export interface CopyInput {
  namespace: string;
  /** The node the copy is taken from (the active node). */
  sourceNode: string;
  /** The tenant's Namespace on production, raw. */
  namespaceObject: K8sObject;
  /** Everything the runtime saw in the namespace on production, all kinds, raw (by any key). */
  source: ReadonlyMap<string, K8sObject>;
  /**
   * The same on the standby, the standby's Namespace object included when it exists; undefined
   * while the standby's watches have not synced: then everything is applied and nothing deleted.
   */
  standby: ReadonlyMap<string, K8sObject> | undefined;
  /** `${apiVersion}/${kind}` of every kind the standby serves. */
  standbyKinds: ReadonlySet<string>;
  /** The source's kinds (from copyKinds), for the plural in a "not installed" reason. */
  sourceKinds?: ReadonlyArray<Pick<CopyKind, 'apiVersion' | 'kind' | 'plural'>>;
}

export interface NotCopied {
  apiVersion: string;
  kind: string;
  name: string;
  reason: string;
}

export interface CopyPlan {
  /** In dependency order: the Namespace, configuration, custom resources, the record, workloads. */
  apply: K8sObject[];
  /** Workloads first. */
  delete: ObjectRef[];
  notCopied: NotCopied[];
  /** Per object key (objectKey), production's objects in source form. */
  sourceDigests: Map<string, string>;
  /** Per object key, the standby's copies turned back into source form. */
  standbyDigests: Map<string, string>;
  sourceDigest: string;
  standbyDigest: string;
  /** Nothing to do and the digests are equal. */
  inSync: boolean;
}

const CONFIGURATION = [
  '/Namespace',
  '/ServiceAccount',
  '/Secret',
  '/ConfigMap',
  'rbac.authorization.k8s.io/Role',
  'rbac.authorization.k8s.io/RoleBinding',
  'networking.k8s.io/NetworkPolicy',
  '/PersistentVolumeClaim',
  '/PodTemplate',
  'networking.k8s.io/Ingress',
  'extensions/Ingress',
];
const WORKLOADS = ['apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'apps/ReplicaSet', '/ReplicationController', 'batch/CronJob', 'autoscaling/HorizontalPodAutoscaler', 'policy/PodDisruptionBudget'];
/**
 * Admission constraints go last: production may hold objects admitted before its quota or limits
 * were tightened (or before they existed), and a copy must hold them too; applied first, they would
 * refuse those objects on the standby.
 */
const CONSTRAINTS = ['/LimitRange', '/ResourceQuota'];
const OTHER = CONFIGURATION.length; // custom resources and kinds not named: after configuration
const RECORD = OTHER + 1;

function rank(o: K8sObject): number {
  const k = `${groupOf(o.apiVersion)}/${o.kind}`;
  if (k === '/ConfigMap' && o.metadata.name === STANDBY_RECORD) return RECORD;
  const c = CONFIGURATION.indexOf(k);
  if (c >= 0) return c;
  const w = WORKLOADS.indexOf(k);
  if (w >= 0) return RECORD + 1 + w;
  const q = CONSTRAINTS.indexOf(k);
  return q >= 0 ? RECORD + 1 + WORKLOADS.length + q : OTHER;
}
/** Dependency order (configuration, custom resources, the record, workloads, admission constraints last); by key within a rank. */
export const byRank = (a: K8sObject, b: K8sObject): number => rank(a) - rank(b) || (objectKey(a) < objectKey(b) ? -1 : objectKey(a) > objectKey(b) ? 1 : 0);

const builtIn = (group: string) => group === '' || !group.includes('.') || group.endsWith('.k8s.io');

function notServedReason(o: K8sObject, input: CopyInput): string {
  const group = groupOf(o.apiVersion);
  const other = [...input.standbyKinds].filter((k) => groupOf(k.slice(0, k.lastIndexOf('/'))) === group && k.endsWith(`/${o.kind}`)).map((k) => k.slice(0, k.lastIndexOf('/')));
  if (other.length > 0) return `${o.apiVersion} ${o.kind} is not served on the standby (it serves ${other.sort().join(', ')})`;
  if (builtIn(group)) return `${o.apiVersion} ${o.kind} is not served on the standby`;
  const plural = input.sourceKinds?.find((k) => k.apiVersion === o.apiVersion && k.kind === o.kind)?.plural ?? `${o.kind.toLowerCase()}s`;
  return `CRD ${plural}.${group} is not installed on the standby`;
}

/** The legacy view of an object the source also serves under the current group (extensions Ingress): copied from there. */
function legacyView(o: K8sObject, input: CopyInput): boolean {
  const group = groupOf(o.apiVersion);
  const alias = SERVED_TWICE.find((a) => a.legacy === group && a.kind === o.kind);
  return alias !== undefined && (input.sourceKinds ?? []).some((k) => groupOf(k.apiVersion) === alias.current && k.kind === o.kind);
}

const isNamespace = (o: K8sObject) => o.apiVersion === 'v1' && o.kind === 'Namespace';
const isRecord = (o: K8sObject) => o.apiVersion === 'v1' && o.kind === 'ConfigMap' && o.metadata.name === STANDBY_RECORD;

/** A live standby object as comparable with toStandbyForm's: normalised, with the marks it carries. */
// Memos by object (informers replace an object when it changes, never edit it), so that a pass
// over a namespace where nothing changed normalises and hashes nothing again.
const standbyForms = new WeakMap<object, string>();
const wantedForms = new WeakMap<object, { sourceNode: string; form: { live?: K8sObject; record?: StandbyRecordEntry }; json?: string }>();
const backDigests = new WeakMap<object, Map<string, string | undefined>>();

/** The standby form of a live copy, as a hash of its canonical JSON (what planCopy compares; a hash keeps the memo small). */
function standbyForm(o: K8sObject): string {
  let text = standbyForms.get(o);
  if (text === undefined) standbyForms.set(o, (text = hashOf(standbyFormOnce(o))));
  return text;
}

const hashOf = (text: string) => createHash('sha256').update(text).digest('base64');

/** The wanted standby form of a source object, and the hash of its canonical JSON (`json`). */
function wantedForm(o: K8sObject, sourceNode: string): { live?: K8sObject; record?: StandbyRecordEntry; json?: string } {
  const known = wantedForms.get(o);
  if (known && known.sourceNode === sourceNode) return { ...known.form, ...(known.json !== undefined ? { json: known.json } : {}) };
  const form = toStandbyForm(o, sourceNode);
  const json = form.live ? hashOf(canonicalJson(form.live)) : undefined;
  wantedForms.set(o, { sourceNode, form, ...(json !== undefined ? { json } : {}) });
  return { ...form, ...(json !== undefined ? { json } : {}) };
}

/** The digest of a live standby copy turned back into source form with its record entry. */
function backDigest(live: K8sObject, entry: StandbyRecordEntry | undefined): string | undefined {
  const key = entry === undefined ? '' : JSON.stringify(entry);
  let byEntry = backDigests.get(live);
  if (!byEntry) backDigests.set(live, (byEntry = new Map()));
  if (!byEntry.has(key)) {
    const back = toSourceForm(live, entry);
    byEntry.clear(); // one entry per object is all a pass needs
    byEntry.set(key, back ? objectDigest(back) : undefined);
  }
  return byEntry.get(key);
}

function standbyFormOnce(o: K8sObject): string {
  const n = normalize(o);
  const mark = o.metadata.annotations?.[STANDBY_OF];
  if (mark !== undefined) n.metadata.annotations = { ...n.metadata.annotations, [STANDBY_OF]: mark };
  const label = o.metadata.labels?.[STANDBY_LABEL];
  if (isNamespace(o) && label !== undefined) n.metadata.labels = { ...n.metadata.labels, [STANDBY_LABEL]: label };
  return canonicalJson(n);
}

/**
 * The plan for one standby. Copied: the Namespace and every source object whyNotCopied lets
 * through, when the standby serves its kind (else `notCopied`, with the reason). Applied: each
 * live copy that is not exactly its standby form (missing, edited on the standby by someone else,
 * marks lost, or its source changed), and the record when it differs. The digests, for the status,
 * compare source forms: the standby's objects turned back with the record it holds. Deleted:
 * every object on the standby that is not a copy of a current source object — copies whose source
 * is gone, and objects someone else created there, since the standby namespace belongs to longyun
 * and would otherwise be promoted with them — and any live Service, Job or bare Pod (held kinds);
 * never the Namespace, and never what whyNotCopied leaves alone (the standby's own token Secrets,
 * CA bundle, longyun-tenant RoleBinding, Events…).
 */
export function planCopy(input: CopyInput): CopyPlan {
  const { namespace, sourceNode, standby } = input;
  const copied = new Map<string, K8sObject>([[objectKey(input.namespaceObject), input.namespaceObject]]);
  const notCopied: NotCopied[] = [];
  for (const o of input.source.values()) {
    if (isNamespace(o) || o.metadata.namespace !== namespace || whyNotCopied(o) !== undefined || legacyView(o, input)) continue;
    if (!input.standbyKinds.has(`${o.apiVersion}/${o.kind}`)) notCopied.push({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, reason: notServedReason(o, input) });
    else copied.set(objectKey(o), o);
  }
  notCopied.sort((a, b) => canonicalJson([a.apiVersion, a.kind, a.name]).localeCompare(canonicalJson([b.apiVersion, b.kind, b.name])));

  const sourceDigests = new Map<string, string>();
  const wanted = new Map<string, { live?: K8sObject; record?: StandbyRecordEntry; json?: string }>();
  const entries = new Map<string, StandbyRecordEntry>();
  for (const [key, o] of copied) {
    sourceDigests.set(key, objectDigest(o));
    const form = wantedForm(o, sourceNode);
    wanted.set(key, form);
    if (form.record) entries.set(key, form.record);
  }
  const record = recordConfigMap(namespace, entries);

  const lives = new Map<string, K8sObject>();
  let standbyRecord: K8sObject | undefined;
  for (const o of standby?.values() ?? []) {
    if (isRecord(o) && o.metadata.namespace === namespace) standbyRecord = o;
    else if (isNamespace(o) ? o.metadata.name === namespace : o.metadata.namespace === namespace && whyNotCopied(o) === undefined) lives.set(objectKey(o), o);
  }
  const recorded = readRecord(standbyRecord);
  const standbyDigests = new Map<string, string>();
  for (const key of new Set([...lives.keys(), ...recorded.keys()])) {
    const live = lives.get(key);
    const usable = live && !isHeld(live) ? live : undefined;
    const digest = usable ? backDigest(usable, recorded.get(key)) : (() => {
      const back = toSourceForm(undefined, recorded.get(key));
      return back ? objectDigest(back) : undefined;
    })();
    if (digest) standbyDigests.set(key, digest);
  }

  const apply: K8sObject[] = [];
  for (const [key, form] of wanted) {
    if (!form.live) continue;
    const live = lives.get(key);
    if (standby === undefined || !live || standbyForm(live) !== (form.json ?? hashOf(canonicalJson(form.live)))) apply.push(form.live);
  }
  if (standby === undefined || !standbyRecord || canonicalJson(standbyRecord.data ?? {}) !== canonicalJson(record.data)) apply.push(record);
  apply.sort(byRank);

  const gone: K8sObject[] = [];
  if (standby !== undefined) {
    for (const [key, live] of lives) if (!isNamespace(live) && (!copied.has(key) || isHeld(live))) gone.push(live);
  }
  gone.sort((a, b) => -byRank(a, b));

  const sourceDigest = copyDigest(sourceDigests);
  const standbyDigest = copyDigest(standbyDigests);
  return {
    apply,
    delete: gone.map(refOf),
    notCopied,
    sourceDigests,
    standbyDigests,
    sourceDigest,
    standbyDigest,
    inSync: standby !== undefined && apply.length === 0 && gone.length === 0 && sourceDigest === standbyDigest,
  };
}
