// The kubectl baseline of the DR benchmark (pure parts): which resources `kubectl get` fetches
// from a production namespace, and the fixed stripping step that turns its `-o json` List into
// what `kubectl apply --server-side` can create on a standby.
//
// The kinds come from the production member's API discovery (preferred versions, namespaced, with
// list and create), as the copier finds them, minus the kinds the copier never copies
// (controllers/dr/copy-kinds.ts NEVER_COPIED: the same list for both).
import { NEVER_COPIED } from '../controllers/dr/copy-kinds.js';
import type { K8sObject } from '../stacks/graph/types.js';

export interface DiscoveredResource {
  group: string;
  version: string;
  /** The resource's plural (`deployments`); subresources (`deployments/scale`) are skipped. */
  name: string;
  kind: string;
  namespaced: boolean;
  verbs: readonly string[];
}

/**
 * The resource names for `kubectl get` (`deployments.apps`, `configmaps`, …), one per kind, the
 * first version listed (discovery order: a group's preferred version first); a kind served under two groups (Ingress under extensions and networking.k8s.io on 1.20) is fetched once,
 * not from `extensions` (the legacy group) when another group serves it.
 */
export function copiedResources(discovered: readonly DiscoveredResource[]): string[] {
  const never = new Set(NEVER_COPIED.map((k) => `${k.group}/${k.kind}`));
  const usable = discovered.filter((r) => !r.name.includes('/') && r.namespaced && r.verbs.includes('list') && r.verbs.includes('create') && !never.has(`${r.group}/${r.kind}`));
  const nonLegacy = new Set(usable.filter((r) => r.group !== 'extensions').map((r) => r.kind));
  const seen = new Set<string>();
  const out: string[] = [];
  for (const r of usable) {
    if (r.group === 'extensions' && nonLegacy.has(r.kind)) continue;
    if (seen.has(r.kind)) continue;
    seen.add(r.kind);
    out.push(r.group ? `${r.name}.${r.group}` : r.name);
  }
  return out;
}

type Served = K8sObject & {
  metadata: K8sObject['metadata'] & { ownerReferences?: Array<{ controller?: boolean }>; [k: string]: unknown };
  spec?: Record<string, unknown>;
  status?: unknown;
  type?: string;
  secrets?: unknown;
};

/** Why an object of a copied kind is still not copied, or undefined. */
export function notCopiedReason(o: Served): string | undefined {
  if (o.metadata.ownerReferences?.some((r) => r.controller)) return 'owned by a controller (its owner is copied and makes it again)';
  if (o.kind === 'Secret' && o.type === 'kubernetes.io/service-account-token') return "a ServiceAccount token: each cluster's token controller makes its own";
  if (o.kind === 'ConfigMap' && o.metadata.name === 'kube-root-ca.crt') return 'each cluster publishes its own CA';
  if (o.kind === 'ConfigMap' && o.metadata.name === 'longyun-standby') return 'the standby record itself';
  if (o.kind === 'RoleBinding' && o.metadata.name === 'longyun-tenant') return 'each cluster gets its own (its subjects are that cluster’s)';
  return undefined;
}

/** Annotations the API server or controllers set; they describe the source cluster. */
const SERVER_ANNOTATIONS = [
  'kubectl.kubernetes.io/last-applied-configuration',
  'deployment.kubernetes.io/revision',
  'pv.kubernetes.io/bind-completed',
  'pv.kubernetes.io/bound-by-controller',
  'volume.beta.kubernetes.io/storage-provisioner',
  'volume.kubernetes.io/selected-node',
];

/**
 * One served object in the form `kubectl apply --server-side` creates on a standby, in namespace
 * `namespace`. Stripped:
 * - metadata: everything but name, labels and annotations — resourceVersion and uid (the source
 *   cluster's; a create with a resourceVersion is rejected), creationTimestamp, generation,
 *   managedFields, selfLink, ownerReferences (uids of the source cluster: the standby's garbage
 *   collector would delete an object whose owner uid it does not know) and finalizers (bookkeeping of
 *   the source cluster's controllers); annotations the server or controllers set (SERVER_ANNOTATIONS);
 * - status: the source cluster's observations;
 * - Service: spec.clusterIP(s) unless headless (`None`): allocated per cluster, a create naming an
 *   address the standby has given to another Service is rejected; ports' nodePort and
 *   healthCheckNodePort likewise;
 * - PersistentVolumeClaim: spec.volumeName: the source cluster's PersistentVolume;
 * - Job: spec.selector and the template's controller-uid / job-name labels: the server generates
 *   them from the new Job's uid and rejects a selector it did not generate (unless manualSelector);
 * - ServiceAccount: secrets: the names of the source cluster's token Secrets.
 */
export function stripForStandby(o: Served, namespace: string): K8sObject {
  const annotations = Object.fromEntries(Object.entries(o.metadata.annotations ?? {}).filter(([k]) => !SERVER_ANNOTATIONS.includes(k)));
  const metadata = {
    name: o.metadata.name,
    namespace,
    ...(o.metadata.labels ? { labels: o.metadata.labels } : {}),
    ...(Object.keys(annotations).length ? { annotations } : {}),
  };
  const { status: _status, metadata: _metadata, ...rest } = o;
  const out: Record<string, unknown> = { ...rest, metadata };
  const spec = o.spec ? { ...o.spec } : undefined;
  if (spec) out.spec = spec;
  switch (o.kind) {
    case 'Service': {
      if (spec && spec.clusterIP !== 'None') {
        delete spec.clusterIP;
        delete spec.clusterIPs;
      }
      if (spec) delete spec.healthCheckNodePort;
      if (spec && Array.isArray(spec.ports)) spec.ports = (spec.ports as Array<Record<string, unknown>>).map(({ nodePort: _n, ...p }) => p);
      break;
    }
    case 'PersistentVolumeClaim':
      if (spec) delete spec.volumeName;
      break;
    case 'Job': {
      if (spec) {
        delete spec.selector;
        const template = spec.template as { metadata?: { labels?: Record<string, string> } } | undefined;
        if (template?.metadata?.labels) {
          const { 'controller-uid': _uid, 'job-name': _job, ...labels } = template.metadata.labels;
          spec.template = { ...template, metadata: { ...template.metadata, labels } };
        }
      }
      break;
    }
    case 'ServiceAccount':
      delete out.secrets;
      break;
  }
  return out as K8sObject;
}

/** A `kubectl get -o json` List of one production namespace → the List to apply to a standby: the namespace first, then every copied object. */
export function standbyList(list: { items: Served[] }, namespace: string): { list: { apiVersion: 'v1'; kind: 'List'; items: K8sObject[] }; skipped: number } {
  const items: K8sObject[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }];
  let skipped = 0;
  for (const o of list.items) {
    if (notCopiedReason(o) !== undefined) skipped++;
    else items.push(stripForStandby(o, namespace));
  }
  return { list: { apiVersion: 'v1', kind: 'List', items }, skipped };
}
