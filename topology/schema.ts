// The estate model: one TypeBox schema yields the TypeScript types (Static), runtime validation
// (topology/validate.ts) and JSON Schema / OpenAPI v3 (topology/openapi.ts, reused by the CRDs).
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { DR_LEVEL_ID_HELP, DR_LEVEL_ID_PATTERN } from './dr-levels.js';

const strict = { additionalProperties: false } as const;

export const Id = Type.String({
  pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$',
  description: 'a lower-case DNS label: a-z, 0-9 and "-", 1 to 63 characters',
});

export const LocalizedName = Type.Object(
  {
    zh: Type.String({ minLength: 1, description: 'name in Chinese' }),
    en: Type.String({ minLength: 1, description: 'name in English' }),
  },
  strict,
);

export const GeoPoint = Type.Object(
  {
    lat: Type.Number({ minimum: -90, maximum: 90 }),
    lon: Type.Number({ minimum: -180, maximum: 180 }),
  },
  strict,
);

export const UNIT_LEVELS = ['province', 'municipal', 'county', 'township'] as const;
export const UnitLevel = Type.Union(UNIT_LEVELS.map((l) => Type.Literal(l)));

export const Unit = Type.Object(
  {
    id: Id,
    level: UnitLevel,
    parent: Type.Optional(Id),
    name: LocalizedName,
    code: Type.Optional(
      Type.String({ pattern: '^[0-9]{6}([0-9]{3})?$', description: 'GB/T 2260 division code (6 digits; 9 for townships)' }),
    ),
    kind: Type.Optional(
      Type.Union(
        [
          'province',
          'city',
          'autonomous-prefecture',
          'new-area',
          'district',
          'county',
          'county-city',
          'autonomous-county',
          'town',
          'township',
          'subdistrict',
        ].map((k) => Type.Literal(k)),
      ),
    ),
    seat: Type.Optional(Type.Boolean({ description: 'the seat of government of its parent' })),
    location: Type.Optional(GeoPoint),
  },
  strict,
);

export const CLOUD_KINDS = ['provincial', 'municipal', 'industry'] as const;
export const CloudKind = Type.Union(CLOUD_KINDS.map((k) => Type.Literal(k)));

export const Capacity = Type.Object(
  {
    vcpu: Type.Integer({ minimum: 0 }),
    memoryGiB: Type.Integer({ minimum: 0 }),
    storageTiB: Type.Number({ minimum: 0 }),
  },
  strict,
);

export const CLOUD_ROLES = ['production', 'standby'] as const;
export const CloudRole = Type.Union(CLOUD_ROLES.map((r) => Type.Literal(r)), {
  description: 'production (the default) runs tenants; a standby holds DR copies of the clouds it protects and gets no tenants of its own',
});
/** The cloud ids a standby holds standby copies for. */
export const Protects = Type.Array(Id, { uniqueItems: true, description: 'the clouds a standby holds standby copies for' });

export const Cloud = Type.Object(
  {
    id: Id,
    kind: CloudKind,
    unit: Id,
    name: LocalizedName,
    industry: Type.Optional(Type.String({ description: 'the industry an industry cloud serves' })),
    example: Type.Optional(Type.Boolean({ description: 'an illustrative entry, not a real deployment' })),
    role: Type.Optional(CloudRole),
    datacentre: Type.Optional(Id),
    protects: Type.Optional(Protects),
    capacity: Capacity,
  },
  strict,
);

export const DC_ROLES = ['production', 'same-city-dr', 'remote-dr', 'none'] as const;
export const DataCentre = Type.Object(
  {
    id: Id,
    name: LocalizedName,
    unit: Id,
    metro: Id,
    role: Type.Union(DC_ROLES.map((r) => Type.Literal(r))),
    location: GeoPoint,
    backup: Type.Optional(
      Type.Object(
        {
          endpoint: Type.String({ pattern: '^https?://', description: 'S3-compatible object storage URL for backups held here' }),
          region: Type.String({ minLength: 1 }),
          bucket: Type.Optional(Type.String({ minLength: 3 })),
        },
        strict,
      ),
    ),
  },
  strict,
);

export const Prefix = Type.String({ description: 'an IP prefix in CIDR notation, e.g. 2001:db8::/33 or 10.0.0.0/9' });

export const Plane = Type.Object(
  {
    id: Id,
    name: LocalizedName,
    physical: Type.String({ minLength: 1, description: 'the physical resources the plane runs on' }),
    ipv6: Type.Optional(Prefix),
    ipv4: Type.Optional(Prefix),
  },
  strict,
);

export const SITE_STACKS = ['dual-stack', 'ipv6-only', 'ipv4-only'] as const;
export const Site = Type.Object(
  {
    id: Id,
    unit: Id,
    datacentre: Type.Optional(Id),
    stack: Type.Union(SITE_STACKS.map((s) => Type.Literal(s))),
  },
  strict,
);

export const Link = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9.-]*$' }),
    plane: Id,
    a: Id,
    b: Id,
    bandwidthMbps: Type.Integer({ minimum: 1 }),
    carrier: Type.String({ minLength: 1 }),
    path: Type.String({ minLength: 1, description: 'the physical route or conduit the link runs over' }),
  },
  strict,
);

export const Department = Type.Object(
  {
    id: Id,
    name: LocalizedName,
    unit: Id,
  },
  strict,
);

/** A Kubernetes resource quantity: `32`, `500m`, `128Gi`, `2Ti`. */
export const Quantity = Type.String({
  pattern: '^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$',
  description: 'a Kubernetes quantity such as 32, 500m, 128Gi or 2Ti',
});

export const TenantQuota = Type.Object(
  {
    cpu: Quantity,
    memory: Quantity,
    storage: Quantity,
  },
  strict,
);

/**
 * A DR plan (plan §4.1.2): recovery objectives, the DR centres that hold the backups and, optionally,
 * the GB/T 20988 level it claims (topology/dr-levels.ts; checked by the policy dr-level-targets).
 */
export const DrPlan = Type.Object(
  {
    rpoMinutes: Type.Integer({ minimum: 0, description: 'recovery point objective: data loss tolerated, minutes' }),
    rtoMinutes: Type.Integer({ minimum: 1, description: 'recovery time objective, minutes' }),
    centres: Type.Array(Type.Union([Type.Literal('same-city-dr'), Type.Literal('remote-dr')]), { minItems: 1, uniqueItems: true }),
    retentionDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
    level: Type.Optional(
      Type.String({
        pattern: DR_LEVEL_ID_PATTERN,
        description: DR_LEVEL_ID_HELP,
      }),
    ),
  },
  strict,
);

/** A department's tenancy on a cloud node. */
/** What a tenancy asks for, shared by the estate's tenants and the operator's Tenant spec. */
const tenancyFields = {
  department: Id,
  quota: TenantQuota,
  mlps: Type.Integer({ minimum: 1, maximum: 5, description: 'MLPS 2.0 (GB/T 22239-2019) protection level, 1 to 5' }),
  planes: Type.Array(Id, { uniqueItems: true, description: 'the extranet planes the tenant may reach' }),
  dr: Type.Optional(DrPlan),
};

export const Tenant = Type.Object({ id: Id, node: Id, ...tenancyFields }, strict);

const PrefixLength = (max: number) =>
  Type.Optional(Type.Integer({ minimum: 1, maximum: max, description: max === 64 ? 'an IPv6 prefix length, at most 64 (RIPE-690: a /64 is the smallest subnet)' : 'an IPv4 prefix length' }));
export const IPAM_LEVELS = ['municipal', 'county', 'township', 'datacentre', 'cloud', 'service'] as const;
const sizes = (max: number) =>
  Type.Object(
    {
      municipal: PrefixLength(max),
      county: PrefixLength(max),
      township: PrefixLength(max),
      datacentre: PrefixLength(max),
      cloud: PrefixLength(max),
      service: PrefixLength(max),
    },
    strict,
  );
const ServiceNames = Type.Array(Id, { uniqueItems: true });
export const IpamConfig = Type.Object(
  {
    sizes: Type.Optional(Type.Object({ ipv6: Type.Optional(sizes(64)), ipv4: Type.Optional(sizes(32)) }, strict)),
    services: Type.Optional(
      Type.Object(
        {
          province: Type.Optional(ServiceNames),
          municipal: Type.Optional(ServiceNames),
          county: Type.Optional(ServiceNames),
          township: Type.Optional(ServiceNames),
          datacentre: Type.Optional(ServiceNames),
        },
        strict,
      ),
    ),
  },
  strict,
);

export const PolicyMode = Type.Union([Type.Literal('audit'), Type.Literal('enforce')]);
export const PolicyConfig = Type.Object(
  {
    modes: Type.Optional(Type.Record(Type.String(), PolicyMode)),
    drRemoteMinDistanceKm: Type.Optional(Type.Number({ minimum: 0 })),
    drDrillMaxAgeDays: Type.Optional(Type.Integer({ minimum: 1, description: 'days within which every DR plan has a successful drill (policy dr-drill-recent; default 365)' })),
  },
  strict,
);

export const EstateMeta = Type.Object(
  {
    name: Id,
    description: Type.Optional(Type.String()),
  },
  strict,
);

/** The collections of an estate, in the order they are reported. */
export const COLLECTIONS = ['units', 'clouds', 'datacentres', 'planes', 'sites', 'links', 'departments', 'tenants'] as const;
export type CollectionName = (typeof COLLECTIONS)[number];
/** Keys that may appear in one file only. */
export const SINGLETONS = ['estate', 'ipam', 'policies'] as const;
export type SingletonName = (typeof SINGLETONS)[number];

/** What one YAML file of an estate directory may hold: every key optional. */
export const EstateFile = Type.Object(
  {
    estate: Type.Optional(EstateMeta),
    ipam: Type.Optional(IpamConfig),
    policies: Type.Optional(PolicyConfig),
    units: Type.Optional(Type.Array(Unit)),
    clouds: Type.Optional(Type.Array(Cloud)),
    datacentres: Type.Optional(Type.Array(DataCentre)),
    planes: Type.Optional(Type.Array(Plane)),
    sites: Type.Optional(Type.Array(Site)),
    links: Type.Optional(Type.Array(Link)),
    departments: Type.Optional(Type.Array(Department)),
    tenants: Type.Optional(Type.Array(Tenant)),
  },
  strict,
);

export type UnitLevel = Static<typeof UnitLevel>;
export type Unit = Static<typeof Unit>;
export type CloudKind = Static<typeof CloudKind>;
export type Cloud = Static<typeof Cloud>;
export type CloudRole = Static<typeof CloudRole>;
export type Capacity = Static<typeof Capacity>;
export type DataCentre = Static<typeof DataCentre>;
export type Plane = Static<typeof Plane>;
export type Site = Static<typeof Site>;
export type Link = Static<typeof Link>;
export type Department = Static<typeof Department>;
export type Tenant = Static<typeof Tenant>;
export type TenantQuota = Static<typeof TenantQuota>;
export type DrPlan = Static<typeof DrPlan>;
export type IpamConfig = Static<typeof IpamConfig>;
export type PolicyConfig = Static<typeof PolicyConfig>;
export type PolicyMode = Static<typeof PolicyMode>;
export type EstateMeta = Static<typeof EstateMeta>;
export type EstateFile = Static<typeof EstateFile>;
export type IpamLevel = (typeof IPAM_LEVELS)[number];

/** The merged estate document: every collection present (possibly empty). */
export interface EstateDocument {
  estate: EstateMeta;
  ipam: IpamConfig;
  policies: PolicyConfig;
  units: Unit[];
  clouds: Cloud[];
  datacentres: DataCentre[];
  planes: Plane[];
  sites: Site[];
  links: Link[];
  departments: Department[];
  tenants: Tenant[];
}

export type AnySchema = TSchema;

// ---------------------------------------------------------------------------------------------
// Requests to the running control plane, as the specs of the operator's custom resources. They
// reuse the estate's definitions, so a Tenant object and a `tenants:` entry validate alike.

export const SecretKeyRef = Type.Object(
  {
    name: Id,
    namespace: Type.Optional(Id),
    key: Type.String({ minLength: 1, default: 'kubeconfig' }),
  },
  strict,
);

/** A member cluster onboarded as a node of the 1+15+N cloud. */
export const CloudNodeSpec = Type.Object(
  {
    kind: CloudKind,
    unit: Id,
    kubeconfigSecretRef: SecretKeyRef,
    context: Type.Optional(Type.String({ minLength: 1 })),
    capacity: Capacity,
    role: Type.Optional(CloudRole),
    datacentre: Type.Optional(Id),
    protects: Type.Optional(Protects),
  },
  strict,
);

export const Placement = Type.Object(
  {
    kind: Type.Optional(CloudKind),
    unit: Type.Optional(Id),
  },
  strict,
);

/** A department's request for tenancy: the estate's tenant, with the node optional. */
export const TenantSpec = Type.Object({ node: Type.Optional(Id), placement: Type.Optional(Placement), ...tenancyFields }, strict);

export type CloudNodeSpec = Static<typeof CloudNodeSpec>;
export type TenantSpec = Static<typeof TenantSpec>;
export type Placement = Static<typeof Placement>;
