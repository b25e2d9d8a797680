// The operator's CustomResourceDefinitions, generated from the topology schema: CloudNode (a
// member cluster of the 1+15+N cloud) and Tenant (a department's tenancy).
import { Type, type TSchema } from '@sinclair/typebox';
import { toStructural, type OpenApiSchema } from '../topology/openapi.js';
import { DR_CENTRES, STANDBY_STATES } from '../controllers/dr/status.js';
import { CloudNodeSpec, TenantSpec } from '../topology/schema.js';

export const GROUP = 'longyun.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

const Condition = Type.Object({
  type: Type.String({ minLength: 1 }),
  status: Type.Union([Type.Literal('True'), Type.Literal('False'), Type.Literal('Unknown')]),
  reason: Type.String({ minLength: 1 }),
  message: Type.String(),
  lastTransitionTime: Type.String({ format: 'date-time' }),
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
});
const Resources = Type.Object({ cpu: Type.Optional(Type.String()), memory: Type.Optional(Type.String()), storage: Type.Optional(Type.String()) });
const ObjectRef = Type.Object({ apiVersion: Type.String(), kind: Type.String(), namespace: Type.Optional(Type.String()), name: Type.String() });

export const CloudNodeStatus = Type.Object({
  observedGeneration: Type.Optional(Type.Integer()),
  conditions: Type.Optional(Type.Array(Condition)),
  serverVersion: Type.Optional(Type.String()),
  allocatable: Type.Optional(Resources),
  allocated: Type.Optional(Resources),
  tenants: Type.Optional(Type.Integer({ minimum: 0 })),
  lastHeartbeatTime: Type.Optional(Type.String({ format: 'date-time' })),
});

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

/** A tenant's copy in one DR centre (StandbyCopyStatus in controllers/dr/status.ts). */
export const StandbyCopyStatus = Type.Object({
  centre: literals(DR_CENTRES),
  node: Type.Optional(Type.String()),
  state: literals(STANDBY_STATES),
  message: Type.Optional(Type.String()),
  recoveryPoint: Type.Optional(Type.String({ format: 'date-time' })),
  sourceDigest: Type.Optional(Type.String()),
  digest: Type.Optional(Type.String()),
  objects: Type.Optional(Type.Integer({ minimum: 0 })),
  objectDigests: Type.Optional(Type.Record(Type.String(), Type.String())),
  notCopied: Type.Optional(Type.Array(Type.Object({ apiVersion: Type.String(), kind: Type.String(), name: Type.String(), reason: Type.String() }))),
});

export const DrStatus = Type.Object({
  rpoScope: Type.Literal('objects'),
  rpoSeconds: Type.Integer({ minimum: 0 }),
  standbys: Type.Array(StandbyCopyStatus),
});

export const TenantStatus = Type.Object({
  observedGeneration: Type.Optional(Type.Integer()),
  conditions: Type.Optional(Type.Array(Condition)),
  phase: Type.Optional(Type.String()),
  node: Type.Optional(Type.String()),
  activeNode: Type.Optional(Type.String()),
  epoch: Type.Optional(Type.Integer({ minimum: 1 })),
  appliedObjects: Type.Optional(Type.Array(ObjectRef)),
  dr: Type.Optional(DrStatus),
});

interface CrdInput {
  kind: string;
  plural: string;
  shortNames: string[];
  scope: 'Cluster' | 'Namespaced';
  spec: TSchema;
  status: TSchema;
  columns: Array<{ name: string; type: string; jsonPath: string; priority?: number }>;
}

function crd(i: CrdInput): Record<string, unknown> {
  const schema: OpenApiSchema = {
    type: 'object',
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: toStructural(i.spec),
      status: toStructural(i.status),
    },
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${i.plural}.${GROUP}`, labels: { 'app.kubernetes.io/managed-by': 'longyun' } },
    spec: {
      group: GROUP,
      scope: i.scope,
      names: { kind: i.kind, listKind: `${i.kind}List`, plural: i.plural, singular: i.kind.toLowerCase(), shortNames: i.shortNames, categories: ['longyun'] },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: i.columns,
          schema: { openAPIV3Schema: schema },
        },
      ],
    },
  };
}

export const CLOUD_NODE_CRD = crd({
  kind: 'CloudNode',
  plural: 'cloudnodes',
  shortNames: ['cn'],
  scope: 'Cluster',
  spec: CloudNodeSpec,
  status: CloudNodeStatus,
  columns: [
    { name: 'Kind', type: 'string', jsonPath: '.spec.kind' },
    { name: 'Unit', type: 'string', jsonPath: '.spec.unit' },
    { name: 'Role', type: 'string', jsonPath: '.spec.role' },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Version', type: 'string', jsonPath: '.status.serverVersion' },
    { name: 'Tenants', type: 'integer', jsonPath: '.status.tenants' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

export const TENANT_CRD = crd({
  kind: 'Tenant',
  plural: 'tenants',
  shortNames: ['tn'],
  scope: 'Cluster',
  spec: TenantSpec,
  status: TenantStatus,
  columns: [
    { name: 'Department', type: 'string', jsonPath: '.spec.department' },
    { name: 'Node', type: 'string', jsonPath: '.status.node' },
    { name: 'MLPS', type: 'integer', jsonPath: '.spec.mlps' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

export const CRDS = [CLOUD_NODE_CRD, TENANT_CRD] as const;
