// The operator's CustomResourceDefinitions, generated from the topology schema: CloudNode (a
// member cluster of the 1+15+N cloud) and Tenant (a department's tenancy); and from the DR shapes:
// FailoverDrill, DrillSchedule and Failover.
import { Type, type TSchema } from '@sinclair/typebox';
import { toStructural, type OpenApiSchema } from '../topology/openapi.js';
import { DR_CENTRES, STANDBY_STATES } from '../controllers/dr/status.js';
import { DRILL_PHASES, DRILL_TENANT_STATES } from '../controllers/dr/drill-types.js';
import { FAILOVER_PHASES, FAILOVER_TENANT_STATES } from '../controllers/dr/failover-types.js';
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

const DrillPhase = literals(DRILL_PHASES);
const Centre = literals(DR_CENTRES);

/** What a Tenant's status keeps of one drill (TenantDrillSummary). */
export const TenantDrillSummary = Type.Object({
  name: Type.String(),
  phase: DrillPhase,
  finishedAt: Type.String(),
  to: Centre,
  rtoSeconds: Type.Optional(Type.Number({ minimum: 0 })),
  rpoSeconds: Type.Optional(Type.Number({ minimum: 0 })),
  rtoMet: Type.Optional(Type.Boolean()),
  rpoMet: Type.Optional(Type.Boolean()),
});

const FailoverPhase = literals(FAILOVER_PHASES);
const FailoverType = literals(['planned', 'emergency'] as const);
const LostAndFoundObject = Type.Object({ object: Type.String(), change: literals(['changed', 'added', 'deleted'] as const) });

/** What a Tenant's status keeps of its last failover or failback (TenantFailoverSummary). */
export const TenantFailoverSummary = Type.Object({ name: Type.String(), at: Type.String(), from: Type.String(), to: Type.String(), type: FailoverType, phase: FailoverPhase });
export const TenantFailovers = Type.Object({ lastFailover: Type.Optional(TenantFailoverSummary), lastFailback: Type.Optional(TenantFailoverSummary) });
/** Objects of an old active copy changed after the recovery point it was failed over from (LostAndFoundRecord). */
export const LostAndFoundRecord = Type.Object({
  failover: Type.String(),
  at: Type.String(),
  node: Type.String(),
  recoveryPoint: Type.String(),
  quarantineNamespace: Type.Optional(Type.String()),
  objects: Type.Array(LostAndFoundObject),
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
  /** The one DR operation on the tenant (TenantOperation). */
  operation: Type.Optional(Type.Object({ kind: literals(['FailoverDrill', 'Failover', 'Migration'] as const), name: Type.String(), since: Type.String() })),
  drills: Type.Optional(Type.Object({ last: Type.Optional(TenantDrillSummary), lastSucceeded: Type.Optional(TenantDrillSummary) })),
  failovers: Type.Optional(TenantFailovers),
  lostAndFound: Type.Optional(Type.Array(LostAndFoundRecord)),
});

const DrillScope = Type.Object({ tenants: Type.Optional(Type.Array(Type.String(), { minItems: 1 })), node: Type.Optional(Type.String()), centre: Type.Optional(Type.String()) });
const DrillNote = Type.Object({ at: Type.String(), by: Type.Optional(Type.String()), text: Type.String() });
const DrillTemplate = Type.Object({ scope: DrillScope, to: Centre, keep: Type.Optional(Type.Boolean()), notes: Type.Optional(Type.Array(DrillNote)) });

export const DrillSpec = Type.Object({
  scope: DrillScope,
  to: Centre,
  keep: Type.Optional(Type.Boolean()),
  cleanup: Type.Optional(Type.Boolean()),
  abort: Type.Optional(Type.Boolean()),
  requestedBy: Type.Optional(Type.String()),
  notes: Type.Optional(Type.Array(DrillNote)),
});

const Inventory = Type.Object({ expected: Type.Integer(), restored: Type.Integer(), missing: Type.Integer(), differing: Type.Integer(), skipped: Type.Integer() });
const Measurement = Type.Object({ state: literals(['Measured', 'NotMeasured'] as const), reason: Type.Optional(Type.String()) });

/** A tenant's RTO and RPO in a drill or failover: achieved, targets, met. */
const Achieved = {
  rtoSeconds: Type.Optional(Type.Number({ minimum: 0 })),
  rpoSeconds: Type.Optional(Type.Number({ minimum: 0 })),
  rtoTargetSeconds: Type.Number({ minimum: 0 }),
  rpoTargetSeconds: Type.Number({ minimum: 0 }),
  rtoMet: Type.Optional(Type.Boolean()),
  rpoMet: Type.Optional(Type.Boolean()),
};

export const DrillTenantStatus = Type.Object({
  tenant: Type.String(),
  source: Type.Optional(Type.String()),
  standby: Type.Optional(Type.String()),
  namespace: Type.Optional(Type.String()),
  state: literals(DRILL_TENANT_STATES),
  message: Type.Optional(Type.String()),
  recoveryPoint: Type.Optional(Type.String()),
  expectedDigest: Type.Optional(Type.String()),
  verifiedAt: Type.Optional(Type.String()),
  ...Achieved,
  inventory: Type.Optional(Inventory),
  issues: Type.Optional(Type.Array(Type.Object({ object: Type.String(), problem: literals(['missing', 'differing', 'skipped', 'failed'] as const), reason: Type.String() }))),
  availability: Type.Optional(Measurement),
});

export const DrillStatus = Type.Object({
  phase: Type.Optional(DrillPhase),
  observedGeneration: Type.Optional(Type.Integer()),
  startedAt: Type.Optional(Type.String()),
  finishedAt: Type.Optional(Type.String()),
  transitions: Type.Optional(Type.Array(Type.Object({ phase: DrillPhase, at: Type.String() }))),
  rtoScope: Type.Optional(Type.Literal('objects')),
  rpoScope: Type.Optional(Type.Literal('objects')),
  reason: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  standbys: Type.Optional(Type.Array(Type.String())),
  tenants: Type.Optional(Type.Array(DrillTenantStatus)),
  totals: Type.Optional(
    Type.Object({
      tenants: Type.Integer(),
      verified: Type.Integer(),
      failed: Type.Integer(),
      rtoMet: Type.Integer(),
      rpoMet: Type.Integer(),
      maxRtoSeconds: Type.Optional(Type.Number()),
      maxRpoSeconds: Type.Optional(Type.Number()),
      inventory: Inventory,
    }),
  ),
  cleanup: Type.Optional(Type.Object({ state: literals(['Pending', 'Kept', 'Done'] as const), at: Type.Optional(Type.String()), namespaces: Type.Optional(Type.Array(Type.String())) })),
  report: Type.Optional(Type.Object({ namespace: Type.String(), name: Type.String() })),
});

export const DrillScheduleSpec = Type.Object({
  schedule: Type.Optional(Type.String()),
  every: Type.Optional(Type.String()),
  suspend: Type.Optional(Type.Boolean()),
  successfulHistoryLimit: Type.Optional(Type.Integer({ minimum: 0 })),
  failedHistoryLimit: Type.Optional(Type.Integer({ minimum: 0 })),
  template: DrillTemplate,
});

export const DrillScheduleStatus = Type.Object({
  conditions: Type.Optional(Type.Array(Condition)),
  lastScheduleTime: Type.Optional(Type.String()),
  nextScheduleTime: Type.Optional(Type.String()),
  active: Type.Optional(Type.Array(Type.String())),
  lastDrill: Type.Optional(Type.Object({ name: Type.String(), phase: Type.Optional(DrillPhase), finishedAt: Type.Optional(Type.String()) })),
  lastSuccessfulTime: Type.Optional(Type.String()),
  lastSkipped: Type.Optional(Type.Object({ at: Type.String(), reason: Type.String() })),
});

export const FailoverSpec = Type.Object({
  scope: DrillScope,
  direction: literals(['failover', 'failback'] as const),
  to: Type.Optional(Centre),
  type: FailoverType,
  dryRun: Type.Optional(Type.Boolean()),
  abort: Type.Optional(Type.Boolean()),
  requestedBy: Type.Optional(Type.String()),
  notes: Type.Optional(Type.Array(DrillNote)),
});

export const FailoverTenantStatus = Type.Object({
  tenant: Type.String(),
  from: Type.String(),
  to: Type.String(),
  state: literals(FAILOVER_TENANT_STATES),
  message: Type.Optional(Type.String()),
  epochBefore: Type.Optional(Type.Integer({ minimum: 1 })),
  epochAfter: Type.Optional(Type.Integer({ minimum: 1 })),
  recoveryPoint: Type.Optional(Type.String()),
  recoveryPointDigests: Type.Optional(Type.Record(Type.String(), Type.String())),
  fencedAt: Type.Optional(Type.String()),
  switchedAt: Type.Optional(Type.String()),
  verifiedAt: Type.Optional(Type.String()),
  ...Achieved,
  fenceRecord: Type.Optional(Type.String()),
  digestBefore: Type.Optional(Type.String()),
  digestAfter: Type.Optional(Type.String()),
  lostAndFound: Type.Optional(Type.Object({ quarantineNamespace: Type.Optional(Type.String()), objects: Type.Array(LostAndFoundObject) })),
  plan: Type.Optional(Type.Array(Type.Object({ kind: literals(['fence', 'sync', 'switch', 'promote', 'verify', 'reprotect', 'quarantine'] as const), on: Type.String(), description: Type.String() }))),
});

export const FailoverStatus = Type.Object({
  phase: Type.Optional(FailoverPhase),
  observedGeneration: Type.Optional(Type.Integer()),
  startedAt: Type.Optional(Type.String()),
  switchedAt: Type.Optional(Type.String()),
  finishedAt: Type.Optional(Type.String()),
  transitions: Type.Optional(Type.Array(Type.Object({ phase: FailoverPhase, at: Type.String() }))),
  rtoScope: Type.Optional(Type.Literal('objects')),
  rpoScope: Type.Optional(Type.Literal('objects')),
  volumeData: Type.Optional(Type.Object({ state: Type.Literal('NotMeasured'), reason: Type.String() })),
  reason: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  tenants: Type.Optional(Type.Array(FailoverTenantStatus)),
  totals: Type.Optional(
    Type.Object({
      tenants: Type.Integer(),
      verified: Type.Integer(),
      failed: Type.Integer(),
      rolledBack: Type.Integer(),
      maxRtoSeconds: Type.Optional(Type.Number()),
      maxRpoSeconds: Type.Optional(Type.Number()),
    }),
  ),
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

export const FAILOVER_DRILL_CRD = crd({
  kind: 'FailoverDrill',
  plural: 'failoverdrills',
  shortNames: ['drill', 'drills'],
  scope: 'Cluster',
  spec: DrillSpec,
  status: DrillStatus,
  columns: [
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'To', type: 'string', jsonPath: '.spec.to' },
    { name: 'Tenants', type: 'integer', jsonPath: '.status.totals.tenants' },
    { name: 'Verified', type: 'integer', jsonPath: '.status.totals.verified' },
    { name: 'Max RTO', type: 'number', jsonPath: '.status.totals.maxRtoSeconds' },
    { name: 'Started', type: 'date', jsonPath: '.status.startedAt' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

export const DRILL_SCHEDULE_CRD = crd({
  kind: 'DrillSchedule',
  plural: 'drillschedules',
  shortNames: ['drillschedule'],
  scope: 'Cluster',
  spec: DrillScheduleSpec,
  status: DrillScheduleStatus,
  columns: [
    { name: 'Schedule', type: 'string', jsonPath: '.spec.schedule' },
    { name: 'Every', type: 'string', jsonPath: '.spec.every' },
    { name: 'Suspend', type: 'boolean', jsonPath: '.spec.suspend' },
    { name: 'Last', type: 'date', jsonPath: '.status.lastScheduleTime' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

export const FAILOVER_CRD = crd({
  kind: 'Failover',
  plural: 'failovers',
  shortNames: ['fo'],
  scope: 'Cluster',
  spec: FailoverSpec,
  status: FailoverStatus,
  columns: [
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Direction', type: 'string', jsonPath: '.spec.direction' },
    { name: 'Type', type: 'string', jsonPath: '.spec.type' },
    { name: 'Tenants', type: 'integer', jsonPath: '.status.totals.tenants' },
    { name: 'Started', type: 'date', jsonPath: '.status.startedAt' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
});

export const CRDS = [CLOUD_NODE_CRD, TENANT_CRD, FAILOVER_DRILL_CRD, DRILL_SCHEDULE_CRD, FAILOVER_CRD] as const;
