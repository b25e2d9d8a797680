// The Kubernetes objects of one tenant on its cloud node: namespace, quota and limits, network
// isolation (default deny, allow within the tenant and to the extranet planes it may reach),
// tiered-operations RBAC (plan §4.5.3), one Multus attachment per plane, and DR backups (§4.1.2).
import type { Estate } from '../../topology/estate.js';
import type { AddressPlan } from '../../topology/ipam/address-plan.js';
import { LongyunError } from '../../topology/errors.js';
import type { DataCentre, Tenant } from '../../topology/schema.js';
import { parseQuantity } from '../../topology/quantity.js';
import { cronForRpo } from './dr-schedule.js';
import { LABELS, MANAGER, type DesiredResource, type K8sObject } from './types.js';

export class DesiredStateError extends LongyunError {
  override name = 'DesiredStateError';
}

/** The namespace a tenant's objects live in. */
export function tenantNamespace(tenant: Pick<Tenant, 'id'>): string {
  return tenant.id;
}

/** The Kubernetes group of the operations team of a unit (plan §4.5.3: each level its own). */
export function opsGroup(level: string, unit: string): string {
  return `longyun:ops:${level}:${unit}`;
}

export const VELERO_NAMESPACE = 'velero';
export const OPS_ROLE = 'longyun-tenant-operator';

// longyun's own rights in a tenant's namespace on a member (operator/member-rbac.ts): the
// ClusterRole `longyun-tenant` (every verb on every namespaced resource), bound by a RoleBinding
// `longyun-tenant` in that namespace only, to the identities longyun authenticates as there. Those
// are known only at run time (the subjects of the member's `longyun-member` ClusterRoleBinding),
// so the binding is not one of the synthesized objects below: for every tenant namespace it
// writes, production copy or standby copy alike, the operator
//   1. creates the Namespace (POST: a server-side apply of a missing object is a patch, and
//      `longyun-member` grants patch on no namespace but its own `longyun-system`),
//   2. applies tenantRoleBinding(namespace, memberSubjects(crb)) right after it,
//   3. then applies the Namespace and everything else in it (now allowed by that binding).
/** The ClusterRole longyun holds in tenants' namespaces, and only there. */
export const TENANT_CLUSTER_ROLE = 'longyun-tenant';
/** The RoleBinding of TENANT_CLUSTER_ROLE in each tenant namespace (never copied to standbys: each cluster gets its own). */
export const TENANT_ROLE_BINDING = 'longyun-tenant';
/** The ClusterRole and ClusterRoleBinding municipal ops create at onboarding (`longyun node member-rbac`). */
export const MEMBER_BINDING = 'longyun-member';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** An RBAC subject: an identity longyun authenticates as on a member. */
export type Subject = { kind: 'User' | 'Group'; name: string } | { kind: 'ServiceAccount'; name: string; namespace: string };

/** Subjects as RBAC objects spell them (apiGroup on users and groups, namespace on service accounts). */
export function rbacSubjects(subjects: readonly Subject[]): object[] {
  return subjects.map((s) => (s.kind === 'ServiceAccount' ? { kind: s.kind, name: s.name, namespace: s.namespace } : { kind: s.kind, name: s.name, apiGroup: RBAC_GROUP }));
}

/**
 * The RoleBinding `longyun-tenant` in a tenant's namespace: `longyun-tenant` bound to the
 * identities longyun authenticates as on that member (see the steps above).
 */
export function tenantRoleBinding(namespace: string, subjects: readonly Subject[]): K8sObject {
  if (subjects.length === 0) throw new DesiredStateError(`the ${TENANT_ROLE_BINDING} RoleBinding in "${namespace}" needs a subject: the identities of the ${MEMBER_BINDING} ClusterRoleBinding`);
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'RoleBinding',
    metadata: { name: TENANT_ROLE_BINDING, namespace, labels: { [LABELS.managedBy]: MANAGER } },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: TENANT_CLUSTER_ROLE },
    subjects: rbacSubjects(subjects),
  };
}

/**
 * The identities longyun authenticates as on a member, read from the member's `longyun-member`
 * ClusterRoleBinding (the one rule of `longyun-member` on RBAC objects lets it get that binding
 * by name): the subjects every tenant namespace's RoleBinding gets. Throws when the object is not
 * that binding or names no usable subject.
 */
export function memberSubjects(crb: { kind?: string; metadata?: { name?: string }; roleRef?: { kind?: string; name?: string }; subjects?: ReadonlyArray<{ kind?: string; name?: string; namespace?: string }> | null }): Subject[] {
  const what = `ClusterRoleBinding ${crb.metadata?.name ?? '(unnamed)'}`;
  if (crb.kind !== undefined && crb.kind !== 'ClusterRoleBinding') throw new DesiredStateError(`expected the ${MEMBER_BINDING} ClusterRoleBinding, got a ${crb.kind}`);
  if (crb.roleRef?.kind !== 'ClusterRole' || crb.roleRef.name !== MEMBER_BINDING) {
    throw new DesiredStateError(`${what} binds ${crb.roleRef?.kind ?? '?'} ${crb.roleRef?.name ?? '?'}, not ClusterRole ${MEMBER_BINDING}; re-apply what "longyun node member-rbac" prints`);
  }
  const out: Subject[] = [];
  for (const s of crb.subjects ?? []) {
    if (!s.name) continue;
    if (s.kind === 'User' || s.kind === 'Group') out.push({ kind: s.kind, name: s.name });
    else if (s.kind === 'ServiceAccount' && s.namespace) out.push({ kind: 'ServiceAccount', name: s.name, namespace: s.namespace });
  }
  if (out.length === 0) throw new DesiredStateError(`${what} has no subject (user, group, or service account with its namespace); re-apply what "longyun node member-rbac --user|--group|--serviceaccount" prints`);
  return out;
}

/** Resource ids: Terraform resource names, stable across runs. */
export const tenantResourceId = (tenant: string, what: string): string => `tenant_${tenant}_${what}`;

export interface TenantContext {
  estate: Estate;
  plan: AddressPlan;
  /**
   * Address lookups already made (plane CIDRs, node ranges), shared by the tenants of one build
   * (buildDesiredState passes one); only while the plan does not change. Optional.
   */
  memo?: Map<string, unknown>;
}

/** `compute()`, remembered under `key` in the context's memo when it has one. */
function memoized<T>(ctx: TenantContext, key: string, compute: () => T): T {
  if (!ctx.memo) return compute();
  let v = ctx.memo.get(key) as T | undefined;
  if (v === undefined) ctx.memo.set(key, (v = compute()));
  return v;
}

/** Freezes an object and everything in it. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

// Parts of the objects that are the same for every tenant. The objects of all tenants share them
// (a large estate has thousands of tenants): they are frozen, so that changing one tenant's
// objects cannot change another's. The renderers copy a shared part once per stack.
const POLICY_TYPES = ['Ingress', 'Egress'];
const LIMIT_DEFAULT = deepFreeze({ cpu: '1', memory: '2Gi' });
const LIMIT_DEFAULT_REQUEST = deepFreeze({ cpu: '250m', memory: '512Mi' });
const SHARED_DEFAULTS = deepFreeze({ default: LIMIT_DEFAULT, defaultRequest: LIMIT_DEFAULT_REQUEST });

/**
 * A container's default limit and request, never above the tenant's quota (the API server
 * rejects a LimitRange whose default exceeds its max): a small tenant gets its quota as default.
 */
export function containerDefaults(quota: Tenant['quota']): { default: Record<string, string>; defaultRequest: Record<string, string> } {
  const cpu = parseQuantity(quota.cpu);
  const memory = parseQuantity(quota.memory);
  if (cpu >= 1 && memory >= 2 * 2 ** 30) return SHARED_DEFAULTS;
  const pick = (standard: string, limit: string, value: number, std: number) => (value < std ? limit : standard);
  return {
    default: { cpu: pick('1', quota.cpu, cpu, 1), memory: pick('2Gi', quota.memory, memory, 2 * 2 ** 30) },
    defaultRequest: { cpu: pick('250m', quota.cpu, cpu, 0.25), memory: pick('512Mi', quota.memory, memory, 512 * 2 ** 20) },
  };
}
const DENY_SPEC = deepFreeze({ podSelector: {}, policyTypes: [...POLICY_TYPES] });
const ALLOW_TENANT_SPEC = deepFreeze({
  podSelector: {},
  policyTypes: [...POLICY_TYPES],
  ingress: [{ from: [{ podSelector: {} }] }],
  egress: [
    { to: [{ podSelector: {} }] },
    {
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
      ports: [
        { port: 53, protocol: 'UDP' },
        { port: 53, protocol: 'TCP' },
      ],
    },
  ],
});
const OPS_RULES = deepFreeze([
  { apiGroups: [''], resources: ['pods', 'pods/log', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims', 'serviceaccounts'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
  { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
  { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['events', 'resourcequotas', 'limitranges'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['get', 'list', 'watch'] },
]);

/** The spec of the policy that lets a tenant reach these CIDRs (shared, frozen, in one build). */
function allowPlanesSpec(cidrs: readonly string[]) {
  const peers = cidrs.map((cidr) => ({ ipBlock: { cidr } }));
  return deepFreeze({ podSelector: {}, policyTypes: [...POLICY_TYPES], ingress: [{ from: peers }], egress: [{ to: peers }] });
}

function labelsOf(ctx: TenantContext, tenant: Tenant): Record<string, string> {
  const dept = ctx.estate.departmentById.get(tenant.department);
  const unit = dept ? ctx.estate.unitById.get(dept.unit) : undefined;
  return {
    [LABELS.managedBy]: MANAGER,
    [LABELS.tenant]: tenant.id,
    [LABELS.department]: tenant.department,
    [LABELS.unit]: unit?.id ?? 'unknown',
    [LABELS.level]: unit?.level ?? 'unknown',
    [LABELS.mlps]: String(tenant.mlps),
    [LABELS.node]: tenant.node,
  };
}

/** The CIDRs (IPv6 first, then IPv4) of a plane's roots, from the ledger. */
export function planeCidrs(plan: AddressPlan, estate: Estate, planeId: string): string[] {
  const province = estate.province();
  if (!province) return [];
  const out: string[] = [];
  for (const family of ['ipv6', 'ipv4'] as const) {
    const a = plan.get(planeId, family, province.id);
    if (a) out.push(a.prefix);
  }
  return out;
}

/** The node's own address ranges on a plane (its `cloud`-level allocations), IPv6 first. */
export function nodeRanges(plan: AddressPlan, nodeId: string, planeId: string): string[] {
  const out: string[] = [];
  for (const family of ['ipv6', 'ipv4'] as const) {
    const a = plan.get(planeId, family, nodeId);
    if (a) out.push(a.prefix);
  }
  return out;
}

export function tenantObjects(ctx: TenantContext, tenant: Tenant): DesiredResource[] {
  const ns = tenantNamespace(tenant);
  const labels = labelsOf(ctx, tenant);
  const meta = (name: string) => ({ name, namespace: ns, labels });
  const out: DesiredResource[] = [];
  const add = (what: string, object: K8sObject) => out.push({ id: tenantResourceId(tenant.id, what), tenant: tenant.id, object });

  // On the member the operator puts tenantRoleBinding(ns, subjects) right after the Namespace,
  // before anything else in it (see TENANT_ROLE_BINDING): it is not synthesized here.
  add('namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } });
  add('quota', {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: meta('longyun-quota'),
    spec: {
      hard: {
        'requests.cpu': tenant.quota.cpu,
        'limits.cpu': tenant.quota.cpu,
        'requests.memory': tenant.quota.memory,
        'limits.memory': tenant.quota.memory,
        'requests.storage': tenant.quota.storage,
      },
    },
  });
  add('limits', {
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: meta('longyun-limits'),
    spec: {
      limits: [
        {
          type: 'Container',
          ...containerDefaults(tenant.quota),
          max: { cpu: tenant.quota.cpu, memory: tenant.quota.memory },
        },
        { type: 'PersistentVolumeClaim', max: { storage: tenant.quota.storage } },
      ],
    },
  });
  add('deny', {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta('longyun-default-deny'),
    spec: DENY_SPEC,
  });
  add('allow_tenant', {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta('longyun-allow-tenant'),
    spec: ALLOW_TENANT_SPEC,
  });
  const cidrs = tenant.planes.flatMap((p) => memoized(ctx, `plane\0${p}`, () => planeCidrs(ctx.plan, ctx.estate, p)));
  if (cidrs.length > 0) {
    add('allow_planes', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta('longyun-allow-planes'),
      spec: memoized(ctx, `allow-planes\0${cidrs.join(' ')}`, () => allowPlanesSpec(cidrs)),
    });
  }

  const dept = ctx.estate.departmentById.get(tenant.department);
  const unit = dept ? ctx.estate.unitById.get(dept.unit) : undefined;
  if (!unit) throw new DesiredStateError(`tenant "${tenant.id}": department "${tenant.department}" has no unit`);
  add('ops_role', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: meta(OPS_ROLE),
    rules: OPS_RULES,
  });
  add('ops_binding', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta(`longyun-ops-${unit.level}`),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: OPS_ROLE },
    subjects: [{ kind: 'Group', name: opsGroup(unit.level, unit.id), apiGroup: 'rbac.authorization.k8s.io' }],
  });

  for (const planeId of tenant.planes) {
    const ranges = memoized(ctx, `node\0${tenant.node}\0${planeId}`, () => nodeRanges(ctx.plan, tenant.node, planeId));
    if (ranges.length === 0) {
      throw new DesiredStateError(`tenant "${tenant.id}": node "${tenant.node}" has no address range on ${planeId}; run "longyun ipam allocate"`);
    }
    const config = {
      cniVersion: '0.3.1',
      name: `${ns}-${planeId}`,
      type: 'macvlan',
      master: planeId,
      mode: 'bridge',
      ipam: { type: 'whereabouts', ipRanges: ranges.map((range) => ({ range })) },
    };
    add(`attachment_${planeId}`, {
      apiVersion: 'k8s.cni.cncf.io/v1',
      kind: 'NetworkAttachmentDefinition',
      metadata: meta(planeId),
      spec: { config: JSON.stringify(config) },
    });
  }

  if (tenant.dr) {
    const { cron } = cronForRpo(tenant.dr.rpoMinutes);
    for (const role of tenant.dr.centres) {
      const dc = drCentre(ctx.estate, role);
      if (!dc) throw new DesiredStateError(`tenant "${tenant.id}": the DR plan names a ${role} centre, but the estate has none`);
      add(`backup_${role}`, {
        apiVersion: 'velero.io/v1',
        kind: 'Schedule',
        metadata: { name: `${ns}-${role}`, namespace: VELERO_NAMESPACE, labels },
        spec: {
          schedule: cron,
          template: {
            includedNamespaces: [ns],
            storageLocation: dc.id,
            ttl: `${(tenant.dr.retentionDays ?? 30) * 24}h0m0s`,
            snapshotVolumes: true,
            metadata: { labels: { [LABELS.tenant]: tenant.id } },
          },
        },
      });
    }
  }
  return out;
}

/** The data centre that holds a DR plan's backups for a centre role: the one its Schedules name. */
export function drCentre(estate: Estate, role: string): DataCentre | undefined {
  return estate.doc.datacentres.find((d) => d.role === role);
}

/**
 * The Velero BackupStorageLocation of data centre `dc` on cloud node `node`: where that node's
 * Schedules for the centre put their backups. It belongs to the node, not to a tenant (labelled
 * with the node, never with a tenant). Throws when the data centre has no backup endpoint.
 */
export function backupStorageLocation(estate: Estate, node: string, dc: DataCentre): DesiredResource {
  if (!dc.backup) {
    const o = estate.fieldOf(dc, 'backup');
    throw new DesiredStateError(`${o.file}: ${o.path}: data centre "${dc.id}" holds DR backups for node "${node}" but has no backup endpoint; add backup: { endpoint, region }`);
  }
  return {
    id: `backup_location_${dc.id}`,
    object: {
      apiVersion: 'velero.io/v1',
      kind: 'BackupStorageLocation',
      metadata: { name: dc.id, namespace: VELERO_NAMESPACE, labels: { [LABELS.managedBy]: MANAGER, [LABELS.node]: node } },
      spec: {
        provider: 'aws',
        objectStorage: { bucket: dc.backup.bucket ?? `longyun-${node}`, prefix: node },
        config: { region: dc.backup.region, s3Url: dc.backup.endpoint, s3ForcePathStyle: 'true' },
      },
    },
  };
}

/** The data centres whose BackupStorageLocations DR plans naming these centre roles need, in estate order. */
export function backupCentres(estate: Estate, roles: Iterable<string>): DataCentre[] {
  const ids = new Set<string>();
  for (const role of roles) {
    const dc = drCentre(estate, role);
    if (dc) ids.add(dc.id);
  }
  return estate.doc.datacentres.filter((d) => ids.has(d.id));
}
