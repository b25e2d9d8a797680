// Kubernetes objects as resources of the Terraform kubernetes provider (hashicorp/kubernetes,
// as generated in @cdktf/provider-kubernetes 12.x): the typed *_v1 resources where the provider
// has one, `kubernetes_manifest` for everything else (CRDs: Multus, Velero). The config is in the
// provider's camelCase property names, shared by the cdktf renderer and the JSON renderer.
import type { K8sObject } from '../graph/types.js';

export interface ProviderResource {
  /** Terraform resource type, e.g. `kubernetes_namespace_v1`. */
  type: string;
  /** Provider properties in camelCase (cdktf's names). */
  config: Record<string, unknown>;
}

/** The resource types this renderer emits (checked against the provider package in tests). */
export const RESOURCE_TYPES = [
  'kubernetes_namespace_v1',
  'kubernetes_resource_quota_v1',
  'kubernetes_limit_range_v1',
  'kubernetes_network_policy_v1',
  'kubernetes_role_v1',
  'kubernetes_role_binding_v1',
  'kubernetes_manifest',
] as const;

/** Attributes whose values are maps: their keys are data and keep their spelling. */
export const MAP_ATTRIBUTES = new Set(['labels', 'annotations', 'hard', 'default', 'defaultRequest', 'max', 'min', 'matchLabels', 'manifest']);

type Obj = Record<string, unknown>;

function metadata(o: K8sObject): Obj {
  const m: Obj = { name: o.metadata.name };
  if (o.metadata.namespace !== undefined) m.namespace = o.metadata.namespace;
  if (o.metadata.labels !== undefined) m.labels = o.metadata.labels;
  if (o.metadata.annotations !== undefined) m.annotations = o.metadata.annotations;
  return m;
}

export function toProviderResource(o: K8sObject): ProviderResource {
  const spec = (o.spec ?? {}) as Obj;
  switch (`${o.apiVersion}/${o.kind}`) {
    case 'v1/Namespace':
      return { type: 'kubernetes_namespace_v1', config: { metadata: metadata(o) } };
    case 'v1/ResourceQuota':
      return { type: 'kubernetes_resource_quota_v1', config: { metadata: metadata(o), spec: { hard: spec.hard } } };
    case 'v1/LimitRange':
      return { type: 'kubernetes_limit_range_v1', config: { metadata: metadata(o), spec: { limit: spec.limits } } };
    case 'networking.k8s.io/v1/NetworkPolicy':
      return { type: 'kubernetes_network_policy_v1', config: { metadata: metadata(o), spec: networkPolicySpec(spec) } };
    case 'rbac.authorization.k8s.io/v1/Role':
      return { type: 'kubernetes_role_v1', config: { metadata: metadata(o), rule: o.rules } };
    case 'rbac.authorization.k8s.io/v1/RoleBinding':
      return { type: 'kubernetes_role_binding_v1', config: { metadata: metadata(o), roleRef: o.roleRef, subject: o.subjects } };
    default:
      return { type: 'kubernetes_manifest', config: { manifest: o } };
  }
}

/** The provider types a NetworkPolicy port as a string (a number or a port name). */
function networkPolicySpec(spec: Obj): Obj {
  const fixPorts = (rules: unknown) =>
    Array.isArray(rules)
      ? rules.map((r: Obj) => (Array.isArray(r.ports) ? { ...r, ports: r.ports.map((p: Obj) => (p.port === undefined ? p : { ...p, port: String(p.port) })) } : r))
      : rules;
  const out: Obj = { ...spec };
  if (spec.ingress !== undefined) out.ingress = fixPorts(spec.ingress);
  if (spec.egress !== undefined) out.egress = fixPorts(spec.egress);
  return out;
}
