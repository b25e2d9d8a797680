// The engine-neutral desired state: plain Kubernetes objects per cloud node, each with a stable
// id derived from the estate (never from ordering). Renderers (Terraform JSON, cdktf, Pulumi) and
// the operator all consume this one graph.

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface DesiredResource {
  /** Stable id, unique within its node, usable as a Terraform resource name: `tenant_health-records_quota`. */
  id: string;
  /** The tenant the object belongs to, if any. */
  tenant?: string;
  object: K8sObject;
}

export interface NodeGraph {
  /** The cloud node (cloud id): one Terraform stack per node. */
  node: string;
  kind: 'provincial' | 'municipal' | 'industry';
  unit: string;
  resources: DesiredResource[];
}

export interface DesiredState {
  estate: string;
  nodes: NodeGraph[];
}

/** Label keys longyun sets on everything it manages. */
export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  tenant: 'longyun.io/tenant',
  department: 'longyun.io/department',
  unit: 'longyun.io/unit',
  level: 'longyun.io/level',
  mlps: 'longyun.io/mlps-level',
  node: 'longyun.io/node',
} as const;

export const MANAGER = 'longyun';
