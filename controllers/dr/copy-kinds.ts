// Which kinds a standby copy holds, found from the member's API discovery (not a fixed list), and
// which objects of those kinds are still left out. Pure: the runtime reads /api, /apis and each
// group-version's resource list and passes them in.
import { FENCE_RECORD } from './failover-types.js';
import type { K8sObject } from '../../stacks/graph/types.js';

/** What the runtime reads from a member's discovery endpoints. */
export interface Discovery {
  groups: Array<{ name: string /* '' for core */; preferredVersion: string; versions: string[] }>;
  resources: Record<string /* groupVersion like 'v1' or 'apps/v1' */, Array<{ name: string; kind: string; namespaced: boolean; verbs: string[] }>>;
}

export interface CopyKind {
  apiVersion: string;
  group: string;
  version: string;
  kind: string;
  plural: string;
}

export interface ExcludedKind {
  group: string;
  kind: string;
  reason: string;
}

/** The answers of /api, /apis and /api/v1, /apis/GROUP/VERSION, as the server sends them. */
export interface RawDiscovery {
  api: { versions: string[] };
  apis: { groups: Array<{ name: string; versions: Array<{ groupVersion: string; version: string }>; preferredVersion?: { version: string } }> };
  /** By groupVersion ('v1', 'apps/v1'); a group-version whose list could not be read is left out. */
  resources: Record<string, { resources: Array<{ name: string; kind: string; namespaced: boolean; verbs: string[] }> }>;
}

/** Discovery from the raw answers; the core group comes first, as `kubectl api-resources` lists it. */
export function discoveryFrom(raw: RawDiscovery): Discovery {
  const groups: Discovery['groups'] = [];
  if (raw.api.versions.length > 0) groups.push({ name: '', preferredVersion: raw.api.versions[0]!, versions: [...raw.api.versions] });
  for (const g of raw.apis.groups) {
    const versions = g.versions.map((v) => v.version);
    groups.push({ name: g.name, preferredVersion: g.preferredVersion?.version ?? versions[0] ?? '', versions });
  }
  const resources: Discovery['resources'] = {};
  for (const [gv, list] of Object.entries(raw.resources)) resources[gv] = list.resources.map(({ name, kind, namespaced, verbs }) => ({ name, kind, namespaced, verbs: [...verbs] }));
  return { groups, resources };
}

/** The verbs a copier needs on a kind: to watch it on both sides and to write its copies. */
export const COPY_VERBS = ['list', 'watch', 'get', 'create', 'update', 'delete'] as const;

/**
 * Namespaced kinds that are never copied, by group and kind (the README's table). Kinds that are
 * not stored objects (Binding, the *Reviews, metrics) would be left out by their verbs anyway;
 * they are named here so that the list a reader sees is complete.
 */
export const NEVER_COPIED: ReadonlyArray<ExcludedKind> = [
  { group: '', kind: 'Event', reason: 'a record of what happened on one cluster, written by its components; the standby writes its own' },
  { group: 'events.k8s.io', kind: 'Event', reason: 'a record of what happened on one cluster, written by its components; the standby writes its own' },
  { group: '', kind: 'Endpoints', reason: "the endpoints controller derives them from the cluster's Pods and Services" },
  { group: 'discovery.k8s.io', kind: 'EndpointSlice', reason: "the EndpointSlice controller derives them from the cluster's Pods and Services" },
  { group: 'coordination.k8s.io', kind: 'Lease', reason: "a lock held by a process on one cluster (leader election, heartbeats); a copy would be a stale lock" },
  { group: 'k8s.cni.cncf.io', kind: 'NetworkAttachmentDefinition', reason: 'a standby attaches to no extranet plane; the attachment is made at promotion' },
  { group: '', kind: 'Binding', reason: 'not a stored object: a request to bind a Pod to a node (create only)' },
  { group: 'authorization.k8s.io', kind: 'LocalSubjectAccessReview', reason: 'not a stored object: a question to the authorizer (create only)' },
  { group: 'metrics.k8s.io', kind: 'PodMetrics', reason: "not a stored object: metrics-server's read-only view of the kubelets' usage" },
];

/**
 * Kinds served under two groups (the same objects, two APIs): copied once, under the current
 * group. An explicit table, not a dedupe by kind name: a custom resource may share a kind name
 * with a built-in kind and is a different thing.
 */
export const SERVED_TWICE: ReadonlyArray<{ legacy: string; current: string; kind: string }> = [
  { legacy: 'extensions', current: 'networking.k8s.io', kind: 'Ingress' },
  { legacy: 'extensions', current: 'networking.k8s.io', kind: 'NetworkPolicy' },
  { legacy: 'extensions', current: 'apps', kind: 'Deployment' },
  { legacy: 'extensions', current: 'apps', kind: 'DaemonSet' },
  { legacy: 'extensions', current: 'apps', kind: 'ReplicaSet' },
  { legacy: '', current: 'events.k8s.io', kind: 'Event' },
];

const groupKey = (group: string, kind: string) => `${group}\u0000${kind}`;
const never = new Map(NEVER_COPIED.map((e) => [groupKey(e.group, e.kind), e.reason]));
const label = (group: string) => (group === '' ? 'core' : group);

/** The group of an apiVersion: '' for 'v1', 'apps' for 'apps/v1'. */
export function groupOf(apiVersion: string): string {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/**
 * The kinds to copy: namespaced resources (no subresources) that serve every verb in COPY_VERBS,
 * each once, by its preferred version. Each group's versions are walked preferred first and a
 * resource seen in an earlier version is skipped (client-go's ServerPreferredResources), so a kind
 * served only in a non-preferred version is still found (batch/v1beta1 CronJob on 1.20, where
 * batch's preferred v1 has only Job). Kinds in NEVER_COPIED, kinds that lack a verb and the legacy
 * side of SERVED_TWICE (when the current group serves the kind) come back in `excluded`.
 */
export function copyKinds(d: Discovery): { kinds: CopyKind[]; excluded: ExcludedKind[] } {
  const found: CopyKind[] = [];
  const excluded: ExcludedKind[] = [];
  const seen = new Set<string>();
  for (const g of d.groups) {
    const order = [g.preferredVersion, ...g.versions.filter((v) => v !== g.preferredVersion)];
    for (const version of order) {
      const apiVersion = g.name === '' ? version : `${g.name}/${version}`;
      for (const r of d.resources[apiVersion] ?? []) {
        if (r.name.includes('/') || !r.namespaced) continue;
        const key = groupKey(g.name, r.name);
        if (seen.has(key)) continue;
        seen.add(key);
        const why = never.get(groupKey(g.name, r.kind));
        const missing = COPY_VERBS.filter((v) => !r.verbs.includes(v));
        if (why !== undefined) excluded.push({ group: g.name, kind: r.kind, reason: why });
        else if (missing.length > 0) excluded.push({ group: g.name, kind: r.kind, reason: `serves no ${missing.join(', ')} (verbs: ${r.verbs.join(', ') || 'none'})` });
        else found.push({ apiVersion, group: g.name, version, kind: r.kind, plural: r.name });
      }
    }
  }
  const served = new Set(found.map((k) => groupKey(k.group, k.kind)));
  const kinds: CopyKind[] = [];
  for (const k of found) {
    const alias = SERVED_TWICE.find((a) => a.legacy === k.group && a.kind === k.kind && served.has(groupKey(a.current, k.kind)));
    if (alias) excluded.push({ group: k.group, kind: k.kind, reason: `served also by ${label(alias.current)}: the same objects, copied once, from there` });
    else kinds.push(k);
  }
  return { kinds, excluded };
}

export const STANDBY_RECORD = 'longyun-standby';
export const TENANT_ROLE_BINDING = 'longyun-tenant';
const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
/** Kinds whose objects a controller makes from their owner: the owner is copied instead. */
const MADE_BY_OWNER = new Set(['/Pod', 'apps/ReplicaSet', 'apps/ControllerRevision', 'batch/Job', 'extensions/ReplicaSet']);

/**
 * Why this object is not copied even though its kind is, or undefined when it is copied. Run on
 * the raw object as the server returns it (ownerReferences and Secret types are still there).
 */
export function whyNotCopied(o: K8sObject): string | undefined {
  const group = groupOf(o.apiVersion);
  const fixed = never.get(groupKey(group, o.kind));
  if (fixed !== undefined) return `${o.kind} is never copied: ${fixed}`;
  if (MADE_BY_OWNER.has(`${group}/${o.kind}`)) {
    const owners = (o.metadata as { ownerReferences?: Array<{ kind?: string; name?: string; controller?: boolean }> }).ownerReferences;
    const controller = owners?.find((r) => r.controller === true);
    if (controller) return `made by its controller ${controller.kind ?? '?'} ${controller.name ?? '?'}, which is copied instead`;
  }
  if (group === '' && o.kind === 'Secret' && o.type === 'kubernetes.io/service-account-token') return "a ServiceAccount token: each cluster's token controller makes its own";
  if (group === '' && o.kind === 'ConfigMap' && o.metadata.name === ROOT_CA_CONFIGMAP) return "the cluster's CA bundle: each cluster publishes its own";
  if (group === '' && o.kind === 'ConfigMap' && o.metadata.name === STANDBY_RECORD) return 'the standby record itself: written by the copier on the standby';
  if (group === '' && o.kind === 'ConfigMap' && o.metadata.name === FENCE_RECORD) return "the fence record: what a failover's fencing changed on this cluster (a fenced source is copied as it was before fencing)";
  if (group === 'rbac.authorization.k8s.io' && o.kind === 'RoleBinding' && o.metadata.name === TENANT_ROLE_BINDING) return "longyun's own access to the namespace: each cluster binds its own subjects";
  return undefined;
}
