// What a drill writes on a standby, and how it checks what it wrote (issue 12). A drill restores a
// tenant's recovery point — its standby copy, turned back into source form — into a namespace of
// its own beside the copy: default-deny for every pod in and out, no Services, no NetworkPolicy of
// the tenant's (a policy only ever allows more), no network attachments (NetworkPolicy does not
// isolate secondary networks: none are in a copy, and a pod template's request for one is taken
// out and kept in an annotation), labelled as a drill and not as the tenant's, so that no
// controller of longyun's (nor Velero) takes it for the tenant's namespace.
import { createHash } from 'node:crypto';
import { LABELS, MANAGER, type K8sObject } from '../../stacks/graph/types.js';
import { byRank } from './copy-plan.js';
import { groupOf, STANDBY_RECORD } from './copy-kinds.js';
import { copyDigest, objectDigest, objectKey } from './digest.js';
import { DRILL_ISOLATION_POLICY, DRILL_LABEL, DRILL_RECORD, DRILL_TENANT_LABEL, type DrillInventory, type DrillObjectIssue } from './drill-types.js';
import { readRecord, toSourceForm } from './standby-form.js';

/** Multus's request for secondary networks, on a pod (template). */
export const NETWORKS_ANNOTATION = 'k8s.v1.cni.cncf.io/networks';
/** Where a drill keeps the requests it took out: JSON, path of the pod template → the value. */
export const DRILL_REMOVED_NETWORKS = 'longyun.io/drill-removed-networks';
export const VELERO_EXCLUDE = 'velero.io/exclude-from-backup';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined);

/** `<tenant>-drill-<6 hex>`: unique per drill and tenant, a DNS label (the tenant part shortened to fit 63). */
export function drillNamespaceName(tenant: string, drill: string): string {
  const hash = createHash('sha256').update(`${drill}/${tenant}`).digest('hex').slice(0, 6);
  const suffix = `-drill-${hash}`;
  return `${tenant.slice(0, 63 - suffix.length).replace(/-+$/, '')}${suffix}`;
}

export function drillNamespace(name: string, tenant: string, drill: string): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { [DRILL_LABEL]: drill, [DRILL_TENANT_LABEL]: tenant, [LABELS.managedBy]: MANAGER, [VELERO_EXCLUDE]: 'true' } },
  };
}

/** Every pod in the namespace: no traffic in, none out (a policy with both types and no rules). */
export function isolationPolicy(namespace: string, drill: string): K8sObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: DRILL_ISOLATION_POLICY, namespace, labels: { [DRILL_LABEL]: drill, [LABELS.managedBy]: MANAGER } },
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
  };
}

export interface DrillRecord {
  drill: string;
  tenant: string;
  recoveryPoint: string;
  expectedDigest: string;
  /** The recovery point's objects: key → digest (source form). */
  expected: Record<string, string>;
}

/** The drill namespace's record: what it was restored from, so that a successor verifies against the same point. */
export function drillRecord(namespace: string, r: DrillRecord): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: DRILL_RECORD, namespace, labels: { [DRILL_LABEL]: r.drill, [LABELS.managedBy]: MANAGER } },
    data: { drill: r.drill, tenant: r.tenant, recoveryPoint: r.recoveryPoint, expectedDigest: r.expectedDigest, expected: JSON.stringify(Object.fromEntries(Object.entries(r.expected).sort(([a], [b]) => (a < b ? -1 : 1)))) },
  };
}

/** The record back, or undefined when it is absent or does not hold together (its digest is checked). */
export function readDrillRecord(cm: K8sObject | undefined): DrillRecord | undefined {
  const d = obj(cm?.data);
  if (!d || typeof d.drill !== 'string' || typeof d.tenant !== 'string' || typeof d.recoveryPoint !== 'string' || typeof d.expectedDigest !== 'string' || typeof d.expected !== 'string') return undefined;
  let expected: unknown;
  try {
    expected = JSON.parse(d.expected);
  } catch {
    return undefined;
  }
  const e = obj(expected);
  if (!e || !Object.values(e).every((v) => typeof v === 'string')) return undefined;
  const digests = e as Record<string, string>;
  if (copyDigest(new Map(Object.entries(digests))) !== d.expectedDigest) return undefined;
  return { drill: d.drill, tenant: d.tenant, recoveryPoint: d.recoveryPoint, expectedDigest: d.expectedDigest, expected: digests };
}

/** Why an object of the recovery point is not restored in a drill, or undefined when it is. */
export function whyNotRestored(key: string, tenantNamespace: string): string | undefined {
  const [apiVersion, kind] = splitKey(key);
  const group = groupOf(apiVersion);
  if (group === '' && kind === 'Namespace') return key === `v1/Namespace/${tenantNamespace}` ? "the drill namespace stands in for the tenant's Namespace" : 'not the tenant\'s Namespace';
  if (group === '' && kind === 'Service') return 'a drill exposes no Services (isolated: nothing may reach its pods)';
  if (kind === 'NetworkPolicy' && (group === 'networking.k8s.io' || group === 'extensions')) return "the tenant's NetworkPolicies allow traffic, and a policy only adds to what the drill's default-deny allows";
  return undefined;
}

function splitKey(key: string): [string, string, string] {
  // apiVersion has at most one '/', kind none, name none.
  const parts = key.split('/');
  return parts.length === 4 ? [`${parts[0]}/${parts[1]}`, parts[2]!, parts[3]!] : [parts[0]!, parts[1]!, parts[2]!];
}

/** Pod templates (and a bare Pod's own metadata) of an object, by path. */
function podMetas(o: Obj): Array<[string, Obj]> {
  const out: Array<[string, Obj]> = [];
  const at = (path: string[]) => {
    let cur: unknown = o;
    for (const p of path) cur = obj(cur)?.[p];
    return obj(cur);
  };
  if (o.kind === 'Pod' && o.apiVersion === 'v1') {
    const m = at(['metadata']);
    if (m) out.push(['metadata', m]);
  }
  for (const path of [['spec', 'template', 'metadata'], ['spec', 'jobTemplate', 'spec', 'template', 'metadata']]) {
    const m = at(path);
    if (m) out.push([path.join('.'), m]);
  }
  return out;
}

/** A source-form object as the drill writes it: in the drill namespace, labelled, its secondary networks taken out. */
export function toDrillForm(source: K8sObject, namespace: string, drill: string): K8sObject {
  const o = structuredClone(source) as K8sObject & Obj;
  o.metadata.namespace = namespace;
  o.metadata.labels = { ...o.metadata.labels, [DRILL_LABEL]: drill };
  const removed: Record<string, string> = {};
  for (const [path, meta] of podMetas(o)) {
    const ann = obj(meta.annotations);
    if (!ann || ann[NETWORKS_ANNOTATION] === undefined) continue;
    removed[path] = String(ann[NETWORKS_ANNOTATION]);
    delete ann[NETWORKS_ANNOTATION];
    if (Object.keys(ann).length === 0) delete meta.annotations;
  }
  if (Object.keys(removed).length > 0) o.metadata.annotations = { ...o.metadata.annotations, [DRILL_REMOVED_NETWORKS]: JSON.stringify(removed) };
  return o;
}

/** The source form of an object read back from a drill namespace (what its digest is compared on). */
export function fromDrillForm(live: K8sObject, tenantNamespace: string): K8sObject {
  const o = structuredClone(live) as K8sObject & Obj;
  o.metadata.namespace = tenantNamespace;
  if (o.metadata.labels) {
    delete o.metadata.labels[DRILL_LABEL];
    if (Object.keys(o.metadata.labels).length === 0) delete o.metadata.labels;
  }
  const removedText = o.metadata.annotations?.[DRILL_REMOVED_NETWORKS];
  if (o.metadata.annotations && removedText !== undefined) {
    delete o.metadata.annotations[DRILL_REMOVED_NETWORKS];
    if (Object.keys(o.metadata.annotations).length === 0) delete o.metadata.annotations;
    let removed: Obj = {};
    try {
      removed = obj(JSON.parse(removedText)) ?? {};
    } catch {
      // A mangled annotation: the networks are not put back, and the digest shows the difference.
    }
    const metas = new Map(podMetas(o));
    for (const [path, value] of Object.entries(removed)) {
      const meta = metas.get(path);
      if (meta && typeof value === 'string') meta.annotations = { ...obj(meta.annotations), [NETWORKS_ANNOTATION]: value };
    }
  }
  return o;
}

export interface DrillRestoreInput {
  drill: string;
  tenantNamespace: string;
  /** The drill namespace on the standby. */
  namespace: string;
  /** The standby copy: the objects of the tenant's namespace on the standby, by key (its record ConfigMap included). */
  standbyObjects: ReadonlyMap<string, K8sObject>;
  expected: Readonly<Record<string, string>>;
}

/**
 * The objects a drill writes for one tenant, in dependency order (the Namespace, access binding,
 * isolation policy and record are the runtime's, before these), and the recovery point's objects
 * the standby copy does not hold (missing before anything is written).
 */
export function drillObjects(input: DrillRestoreInput): { objects: K8sObject[]; missing: DrillObjectIssue[] } {
  const record = readRecord(input.standbyObjects.get(`v1/ConfigMap/${STANDBY_RECORD}`));
  const objects: K8sObject[] = [];
  const missing: DrillObjectIssue[] = [];
  for (const key of Object.keys(input.expected).sort()) {
    if (whyNotRestored(key, input.tenantNamespace) !== undefined) continue;
    const source = toSourceForm(input.standbyObjects.get(key), record.get(key));
    if (!source) {
      missing.push({ object: key, problem: 'missing', reason: 'not in the standby copy' });
      continue;
    }
    objects.push(toDrillForm(source, input.namespace, input.drill));
  }
  return { objects: objects.sort(byRank), missing };
}

/** Issues kept per tenant in the drill's status (the report has them all: the totals count every one). */
export const MAX_ISSUES = 50;

/**
 * The inventory of a restored drill namespace against its recovery point: each expected object
 * present with the same digest (restored), absent (missing), present but different (differing), or
 * not restored by design (skipped, with the reason).
 */
export function verifyDrill(input: { expected: Readonly<Record<string, string>>; restored: ReadonlyMap<string, K8sObject>; tenantNamespace: string }): { inventory: DrillInventory; issues: DrillObjectIssue[] } {
  const inventory: DrillInventory = { expected: 0, restored: 0, missing: 0, differing: 0, skipped: 0 };
  const issues: DrillObjectIssue[] = [];
  for (const key of Object.keys(input.expected).sort()) {
    inventory.expected++;
    const skip = whyNotRestored(key, input.tenantNamespace);
    if (skip !== undefined) {
      inventory.skipped++;
      issues.push({ object: key, problem: 'skipped', reason: skip });
      continue;
    }
    const live = input.restored.get(key);
    if (!live) {
      inventory.missing++;
      issues.push({ object: key, problem: 'missing', reason: 'not in the drill namespace' });
      continue;
    }
    const digest = objectDigest(fromDrillForm(live, input.tenantNamespace));
    if (digest !== input.expected[key]) {
      inventory.differing++;
      issues.push({ object: key, problem: 'differing', reason: `restored as ${digest.slice(0, 19)}…, the recovery point has ${input.expected[key]!.slice(0, 19)}…: the standby copy differs from production's at that point` });
      continue;
    }
    inventory.restored++;
  }
  // Failures first, then skips: the bounded list keeps what matters.
  const order = { missing: 0, differing: 1, failed: 2, skipped: 3 } as const;
  issues.sort((a, b) => order[a.problem] - order[b.problem] || (a.object < b.object ? -1 : 1));
  return { inventory, issues };
}

/** Keys of the objects in a drill namespace listing (what verifyDrill reads). */
export function byKey(objects: Iterable<K8sObject>): Map<string, K8sObject> {
  return new Map([...objects].map((o) => [objectKey(o), o]));
}

/**
 * Workloads of a restored drill namespace that are not available yet (as listed, with their
 * status): Deployments, StatefulSets and ReplicaSets below their replicas ready, DaemonSets below
 * their desired pods ready. Only meaningful on a member whose nodes can run pods.
 */
export function unavailableWorkloads(objects: Iterable<K8sObject>): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const spec = obj((o as Obj).spec);
    const status = obj((o as Obj).status) ?? {};
    const n = (v: unknown) => (typeof v === 'number' ? v : 0);
    const key = `${o.kind}/${o.metadata.name}`;
    if (o.apiVersion === 'apps/v1' && (o.kind === 'Deployment' || o.kind === 'StatefulSet' || o.kind === 'ReplicaSet')) {
      const want = typeof spec?.replicas === 'number' ? spec.replicas : 1;
      if (n(status.readyReplicas) < want) out.push(`${key} ${n(status.readyReplicas)}/${want} ready`);
    } else if (o.apiVersion === 'apps/v1' && o.kind === 'DaemonSet') {
      const want = n(status.desiredNumberScheduled);
      if (n(status.numberReady) < want) out.push(`${key} ${n(status.numberReady)}/${want} ready`);
    }
  }
  return out.sort();
}
