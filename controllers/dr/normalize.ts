// An object with what its cluster set stripped: what is left is what the department (or longyun)
// wrote, the same on production and on a standby. Digests are taken of this form. Deterministic,
// idempotent, keys in sorted order; the input is never changed.
import type { K8sObject } from '../../stacks/graph/types.js';
import { groupOf } from './copy-kinds.js';

/** On every live copy: the node it was copied from. Never part of the source form. */
export const STANDBY_OF = 'longyun.io/standby-of';
/** On a standby namespace. Never part of the source form. */
export const STANDBY_LABEL = 'longyun.io/standby';

/**
 * Metadata kept: the rest (uid, resourceVersion, generation, timestamps, managedFields, selfLink)
 * is the server's. Two choices: `ownerReferences` go, because they name owners by this cluster's
 * uids — on a standby they point at nothing and its garbage collector would delete the copy (what a
 * controller makes from its owner is not copied at all: see whyNotCopied); `finalizers` go, because
 * each marks work a controller of this cluster must do before deletion (pvc-protection, a custom
 * operator's cleanup), work a copy does not have; the standby's own controllers add their own.
 */
const METADATA_KEPT = new Set(['name', 'generateName', 'namespace', 'labels', 'annotations']);

const SERVER_ANNOTATIONS = new Set([
  'deployment.kubernetes.io/revision',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.daemonset.template.generation',
  'control-plane.alpha.kubernetes.io/leader',
  'volume.beta.kubernetes.io/storage-provisioner',
  'volume.kubernetes.io/storage-provisioner',
  'volume.kubernetes.io/selected-node',
  'batch.kubernetes.io/job-tracking',
  'kubernetes.io/service-account.uid',
  STANDBY_OF,
]);
// `volume.beta.kubernetes.io/storage-class` is the department's (the old way to name a class): kept.
const SERVER_ANNOTATION_PREFIXES = ['pv.kubernetes.io/'];
const JOB_LABELS = ['controller-uid', 'job-name', 'batch.kubernetes.io/controller-uid', 'batch.kubernetes.io/job-name'];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A deep copy with keys sorted and null values dropped (the API treats null as absent; apply would drop it). */
export function canonical(v: unknown): Json {
  if (Array.isArray(v)) return v.map((x) => (x === null || x === undefined ? null : canonical(x)));
  if (isObj(v)) {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .filter((k) => v[k] !== null && v[k] !== undefined)
        .map((k) => [k, canonical(v[k])]),
    );
  }
  return v as Json;
}

function at(o: Obj, ...path: string[]): Obj | undefined {
  let cur: Json | undefined = o;
  for (const p of path) cur = isObj(cur) ? cur[p] : undefined;
  return isObj(cur) ? cur : undefined;
}

function dropEmpty(o: Obj | undefined, ...keys: string[]): void {
  if (!o) return;
  for (const k of keys) if (isObj(o[k]) && Object.keys(o[k] as Obj).length === 0) delete o[k];
}

function stripMetadata(meta: Obj, drop: (key: string) => boolean, dropLabels: readonly string[]): void {
  const annotations = at(meta, 'annotations');
  if (annotations) for (const k of Object.keys(annotations)) if (drop(k)) delete annotations[k];
  const labels = at(meta, 'labels');
  if (labels) for (const k of dropLabels) delete labels[k];
  dropEmpty(meta, 'labels', 'annotations');
}

const serverAnnotation = (k: string) => SERVER_ANNOTATIONS.has(k) || SERVER_ANNOTATION_PREFIXES.some((p) => k.startsWith(p));

/** The ServiceAccount token a 1.20 admission plugin mounts (`<sa>-token-xxxxx`), or 1.21+'s projected `kube-api-access-xxxxx`. */
function tokenVolume(v: Json): string | undefined {
  if (!isObj(v) || typeof v.name !== 'string') return undefined;
  const secret = at(v, 'secret');
  if (secret && secret.secretName === v.name && /-token-[a-z0-9]{5}$/.test(v.name)) return v.name;
  if (at(v, 'projected') && /^kube-api-access-[a-z0-9]{5}$/.test(v.name)) return v.name;
  return undefined;
}

function stripPodSpec(spec: Obj | undefined): void {
  if (!spec) return;
  delete spec.nodeName;
  if (!Array.isArray(spec.volumes)) return;
  const tokens = new Set(spec.volumes.map(tokenVolume).filter((n): n is string => n !== undefined));
  if (tokens.size === 0) return;
  spec.volumes = spec.volumes.filter((v) => tokenVolume(v) === undefined);
  if (spec.volumes.length === 0) delete spec.volumes;
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
    const cs = spec[list];
    if (!Array.isArray(cs)) continue;
    for (const c of cs) {
      if (!isObj(c) || !Array.isArray(c.volumeMounts)) continue;
      c.volumeMounts = c.volumeMounts.filter((m) => !(isObj(m) && typeof m.name === 'string' && tokens.has(m.name)));
      if (c.volumeMounts.length === 0) delete c.volumeMounts;
    }
  }
}

/**
 * The object without what its server set: metadata beyond name/namespace/labels/annotations,
 * `status`, server-set annotations and longyun's standby marks, null values, and per kind:
 * - Namespace: `spec.finalizers`, the `kubernetes.io/metadata.name` label;
 * - Service: `spec.clusterIP(s)` unless headless (allocated per cluster). Node ports are kept: a
 *   department may have chosen one, and a Service is held (never live) on a standby anyway;
 * - PersistentVolumeClaim: `spec.volumeName` (the bound volume is production's);
 * - Job: the generated `spec.selector` (unless `manualSelector`) and its `controller-uid` /
 *   `job-name` labels on the Job and its template;
 * - ServiceAccount: `secrets` (each cluster's token Secrets);
 * - Pod: `spec.nodeName` and the ServiceAccount token volume the admission plugin added.
 */
export function normalize(obj: K8sObject): K8sObject {
  const o = canonical(obj) as Obj;
  const group = groupOf(String(o.apiVersion));
  const kind = `${group}/${String(o.kind)}`;
  delete o.status;
  const meta = at(o, 'metadata') ?? {};
  for (const k of Object.keys(meta)) if (!METADATA_KEPT.has(k)) delete meta[k];
  const spec = at(o, 'spec');
  switch (kind) {
    case '/Namespace':
      stripMetadata(meta, serverAnnotation, ['kubernetes.io/metadata.name', STANDBY_LABEL]);
      if (spec) delete spec.finalizers;
      dropEmpty(o, 'spec');
      break;
    case '/Service':
      if (spec && spec.clusterIP !== 'None') {
        delete spec.clusterIP;
        delete spec.clusterIPs;
      }
      break;
    case '/PersistentVolumeClaim':
      if (spec) delete spec.volumeName;
      break;
    case 'batch/Job': {
      stripMetadata(meta, serverAnnotation, JOB_LABELS);
      if (spec && spec.manualSelector !== true) delete spec.selector;
      const tmeta = at(o, 'spec', 'template', 'metadata');
      if (tmeta) stripMetadata(tmeta, () => false, JOB_LABELS);
      stripPodSpec(at(o, 'spec', 'template', 'spec'));
      break;
    }
    case '/ServiceAccount':
      delete o.secrets;
      break;
    case '/Pod':
      stripPodSpec(spec);
      break;
  }
  stripMetadata(meta, serverAnnotation, []);
  o.metadata = meta;
  return canonical(o) as unknown as K8sObject;
}
