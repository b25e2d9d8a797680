// The DR benchmark's workload (pure): N tenants with DR plans on the provincial cloud, each with
// about 20 objects its department created in its namespace — varied the way departments' namespaces
// are (web and API Deployments, a StatefulSet database with its headless Service, log-agent
// DaemonSets, CronJobs and one-off Jobs, small and large ConfigMaps, Opaque Secrets, PVCs, an
// Ingress, RBAC, custom resources) — and the edits of the steady-state phase. Deterministic from
// the seed (mulberry32), so that every run and the baseline see the same objects.
import type { K8sObject } from '../stacks/graph/types.js';
import type { TenantSpec } from '../topology/schema.js';
import { mulberry32 } from './harness.js';

export type Rng = () => number;

/** The production cloud of the bench, and the provincial departments its tenants belong to. */
export const DR_PRODUCTION = 'gansu-provincial';
/** The standby clouds of issue 11 (member 2 and 3), when the estate has them. */
export const DR_STANDBYS = ['gansu-provincial-same-city-dr', 'gansu-provincial-remote-dr'] as const;
const DEPARTMENTS = ['gansu-data-bureau', 'gansu-health', 'gansu-hrss', 'gansu-education', 'gansu-natural-resources'];

/** The custom resource kinds of the workload; their CRDs go on every member before the objects. */
export const BENCH_CR_GROUP = 'bench.longyun.io';
export const BENCH_CRDS: K8sObject[] = [
  crd('AppProfile', 'appprofiles', { tier: { type: 'string' }, owners: { type: 'array', items: { type: 'string' } }, sla: { type: 'object', properties: { availability: { type: 'string' }, rtoMinutes: { type: 'integer' } } } }),
  crd('DataExport', 'dataexports', { schedule: { type: 'string' }, target: { type: 'string' }, tables: { type: 'array', items: { type: 'string' } } }),
];

export interface DrTenant {
  /** Tenant name = its namespace on production (and on the standbys). */
  name: string;
  spec: TenantSpec;
  /** The department's own objects, in dependency order (configuration before workloads). */
  objects: K8sObject[];
}

export interface WorkloadOptions {
  tenants: number;
  seed: number;
}

export function drWorkload({ tenants, seed }: WorkloadOptions): DrTenant[] {
  const width = Math.max(3, String(tenants - 1).length);
  return Array.from({ length: tenants }, (_, i) => {
    const name = `dr-${String(i).padStart(width, '0')}`;
    // One stream per tenant: tenant i's objects do not depend on how many tenants come before it.
    const rng = mulberry32((seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
    const spec: TenantSpec = {
      department: DEPARTMENTS[i % DEPARTMENTS.length]!,
      node: DR_PRODUCTION,
      quota: { cpu: '1', memory: '2Gi', storage: '50Gi' },
      mlps: 3,
      planes: ['plane-1', 'plane-2'],
      dr: { rpoMinutes: 15, rtoMinutes: 120, centres: ['same-city-dr', 'remote-dr'], retentionDays: 7 },
    };
    return { name, spec, objects: departmentObjects(name, rng) };
  });
}

const APPS = ['portal', 'permit', 'registry', 'archive', 'query', 'notify', 'report', 'gis', 'pay', 'survey'];
const IMAGES = ['nginx:1.19.10', 'openjdk:11-jre-slim', 'python:3.9-slim', 'node:14-alpine', 'golang:1.16-alpine', 'redis:6.0'];
const DBS = [
  { app: 'postgres', image: 'postgres:12.6', port: 5432 },
  { app: 'mysql', image: 'mysql:8.0.23', port: 3306 },
  { app: 'dm8', image: 'registry.gansu.gov.cn/dameng/dm8:8.1.2', port: 5236 },
];

/** The objects every tenant has that the edits touch. */
export const EDIT_TARGETS = { configMap: 'app-config', deployment: 'web', secret: 'db-credentials' } as const;
export const EDIT_KEYS = { configMap: 'release', secret: 'rotation' } as const;
const WEB_IMAGE = 'registry.gansu.gov.cn/dept/web';

function departmentObjects(ns: string, rng: Rng): K8sObject[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
  const app = pick(APPS);
  const db = pick(DBS);
  const meta = (name: string, extra: Record<string, string> = {}) => ({ name, namespace: ns, labels: { app: name, 'app.kubernetes.io/part-of': app, ...extra } });
  const out: K8sObject[] = [];

  // Identity and RBAC.
  out.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(`${app}-runner`) });
  out.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(`${app}-reader`), rules: [{ apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['get', 'list', 'watch'] }] });
  out.push({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta(`${app}-reader`),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${app}-reader` },
    subjects: [{ kind: 'ServiceAccount', name: `${app}-runner`, namespace: ns }],
  });

  // Configuration: small ConfigMaps, sometimes a large one (10–50 KB of reference data), Opaque Secrets.
  out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(EDIT_TARGETS.configMap), data: { [EDIT_KEYS.configMap]: 'r-0', LOG_LEVEL: pick(['info', 'warn', 'debug']), DB_HOST: `${db.app}.${ns}.svc`, DB_PORT: String(db.port), FEATURE_FLAGS: pick(['sso,audit', 'audit', 'sso,audit,export']) } });
  out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('nginx-conf'), data: { 'default.conf': nginxConf(app, int(1, 4)) } });
  if (rng() < 0.45) out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('reference-data'), data: { 'regions.csv': referenceCsv(rng, int(10, 50) * 1024) } });
  out.push({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: meta(EDIT_TARGETS.secret), data: { username: b64(`${app}_svc`), password: b64(token(rng, 24)), [EDIT_KEYS.secret]: b64('0') } });
  out.push({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: meta('api-keys'), data: { 'gateway-key': b64(token(rng, 40)), 'sms-key': b64(token(rng, 32)) } });

  // Storage.
  out.push(pvc(ns, 'uploads', `${int(5, 50)}Gi`, app));
  if (rng() < 0.4) out.push(pvc(ns, 'exports', `${int(1, 10)}Gi`, app));

  // Workloads.
  out.push(deployment(ns, EDIT_TARGETS.deployment, `${WEB_IMAGE}:1.${int(0, 9)}.${int(0, 20)}`, int(1, 3), 8080, app, ['app-config', 'nginx-conf']));
  out.push(deployment(ns, 'api', `registry.gansu.gov.cn/dept/${app}-api:${int(1, 3)}.${int(0, 9)}`, int(1, 4), 9000, app, ['app-config']));
  if (rng() < 0.5) out.push(deployment(ns, 'worker', pick(IMAGES), int(1, 2), 0, app, []));
  out.push({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta(db.app),
    spec: {
      serviceName: db.app,
      replicas: pick([1, 1, 3]),
      selector: { matchLabels: { app: db.app } },
      template: { metadata: { labels: { app: db.app } }, spec: { containers: [{ name: db.app, image: db.image, ports: [{ containerPort: db.port, protocol: 'TCP' }], envFrom: [{ secretRef: { name: EDIT_TARGETS.secret } }], volumeMounts: [{ name: 'data', mountPath: '/var/lib/data' }] }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: `${int(10, 100)}Gi` } } } }],
    },
  });
  if (rng() < 0.5) {
    out.push({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: meta('log-agent'),
      spec: {
        selector: { matchLabels: { app: 'log-agent' } },
        template: { metadata: { labels: { app: 'log-agent' } }, spec: { serviceAccountName: `${app}-runner`, containers: [{ name: 'fluent-bit', image: 'fluent/fluent-bit:1.7.4', resources: { limits: { cpu: '100m', memory: '128Mi' } } }] } },
      },
    });
  }
  out.push({
    apiVersion: 'batch/v1beta1', // CronJob is batch/v1beta1 only on 1.20
    kind: 'CronJob',
    metadata: meta(`${app}-nightly`),
    spec: { schedule: `${int(0, 59)} ${int(0, 5)} * * *`, concurrencyPolicy: 'Forbid', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'job', image: pick(IMAGES), args: ['--nightly', `--dept=${app}`] }] } } } } },
  });
  if (rng() < 0.5) {
    out.push({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: meta('schema-migrate'),
      spec: { backoffLimit: 2, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image: db.image, args: ['migrate', `--to=${int(10, 99)}`] }] } } },
    });
  }

  // Network (ports name their protocol: server-side apply on 1.20 rejects a port list without it):
  // ClusterIP Services, the database's headless Service, an Ingress.
  out.push(service(ns, EDIT_TARGETS.deployment, 80, 8080, app));
  out.push(service(ns, 'api', 9000, 9000, app));
  out.push({ apiVersion: 'v1', kind: 'Service', metadata: meta(db.app), spec: { clusterIP: 'None', selector: { app: db.app }, ports: [{ name: 'db', port: db.port, protocol: 'TCP' }] } });
  out.push({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { ...meta(app), annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': `${int(1, 64)}m` } },
    spec: {
      rules: [
        {
          host: `${app}-${ns}.gansu.gov.cn`,
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: EDIT_TARGETS.deployment, port: { number: 80 } } } },
              { path: '/api', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 9000 } } } },
            ],
          },
        },
      ],
    },
  });

  // Custom resources.
  out.push({ apiVersion: `${BENCH_CR_GROUP}/v1`, kind: 'AppProfile', metadata: meta(app), spec: { tier: pick(['gold', 'silver', 'bronze']), owners: [`${app}-ops@gansu.gov.cn`], sla: { availability: pick(['99.9', '99.95']), rtoMinutes: int(30, 240) } } });
  if (rng() < 0.4) out.push({ apiVersion: `${BENCH_CR_GROUP}/v1`, kind: 'DataExport', metadata: meta(`${app}-to-data-bureau`), spec: { schedule: `@every ${int(1, 24)}h`, target: 'gansu-data-bureau', tables: ['licences', 'applications'].slice(0, int(1, 2)) } });
  return out;
}

function deployment(ns: string, name: string, image: string, replicas: number, port: number, app: string, configMaps: string[]): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels: { app: name, 'app.kubernetes.io/part-of': app } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name,
              image,
              ...(port ? { ports: [{ containerPort: port, protocol: 'TCP' }], readinessProbe: { httpGet: { path: '/healthz', port } } } : {}),
              envFrom: configMaps.filter((c) => c === 'app-config').map((c) => ({ configMapRef: { name: c } })),
              resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
              ...(configMaps.includes('nginx-conf') ? { volumeMounts: [{ name: 'nginx-conf', mountPath: '/etc/nginx/conf.d' }] } : {}),
            },
          ],
          ...(configMaps.includes('nginx-conf') ? { volumes: [{ name: 'nginx-conf', configMap: { name: 'nginx-conf' } }] } : {}),
        },
      },
    },
  };
}

function service(ns: string, name: string, port: number, targetPort: number, app: string): K8sObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns, labels: { app: name, 'app.kubernetes.io/part-of': app } }, spec: { type: 'ClusterIP', selector: { app: name }, ports: [{ name: 'http', port, targetPort, protocol: 'TCP' }] } };
}

function pvc(ns: string, name: string, size: string, app: string): K8sObject {
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: ns, labels: { app: name, 'app.kubernetes.io/part-of': app } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } } } };
}

function crd(kind: string, plural: string, properties: Record<string, unknown>): K8sObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${BENCH_CR_GROUP}` },
    spec: {
      group: BENCH_CR_GROUP,
      scope: 'Namespaced',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties } } } } }],
    },
  };
}

function nginxConf(app: string, locations: number): string {
  const blocks = Array.from({ length: locations }, (_, i) => `  location /v${i + 1}/ {\n    proxy_pass http://api:9000/;\n    proxy_set_header Host $host;\n  }\n`);
  return `server {\n  listen 8080;\n  server_name ${app}.gansu.gov.cn;\n${blocks.join('')}}\n`;
}

const PLACES = ['Lanzhou', 'Jiayuguan', 'Jinchang', 'Baiyin', 'Tianshui', 'Wuwei', 'Zhangye', 'Pingliang', 'Jiuquan', 'Qingyang', 'Dingxi', 'Longnan', 'Linxia', 'Gannan'];

/** A CSV of about `bytes` bytes. */
function referenceCsv(rng: Rng, bytes: number): string {
  const lines = ['code,name,population,area_km2'];
  let size = lines[0]!.length + 1;
  while (size < bytes) {
    const line = `62${String(Math.floor(rng() * 10000)).padStart(4, '0')},${PLACES[Math.floor(rng() * PLACES.length)]!} ${lines.length},${Math.floor(rng() * 900000) + 10000},${(rng() * 20000).toFixed(1)}`;
    lines.push(line);
    size += line.length + 1;
  }
  return `${lines.join('\n')}\n`;
}

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789';
function token(rng: Rng, n: number): string {
  return Array.from({ length: n }, () => ALPHABET[Math.floor(rng() * ALPHABET.length)]).join('');
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

// ---------------------------------------------------------------------------------------------
// Edits of the steady-state phase. Each edit writes a sequence number into one field of one object
// that every tenant has; a copy shows edit `seq` once that field holds a sequence number ≥ seq
// (a copier may coalesce edits to the same object: the copy of a later edit covers the earlier).
// Fields a standby keeps as they are on production (not replicas, which standby form sets to 0).

export type EditField = 'configmap-data' | 'deployment-image' | 'secret-data';

export interface Edit {
  seq: number;
  field: EditField;
  namespace: string;
  apiVersion: string;
  kind: string;
  /** Lower-case plural, for the request path. */
  plural: string;
  name: string;
  /** A strategic merge patch (application/strategic-merge-patch+json: containers merge by name, as `kubectl set image` does). */
  patch: Record<string, unknown>;
}

const EDIT_MIX: ReadonlyArray<[EditField, number]> = [
  ['configmap-data', 0.6],
  ['deployment-image', 0.3],
  ['secret-data', 0.1],
];

/** The next edit: a random tenant and field, carrying `seq`. */
export function nextEdit(rng: Rng, tenants: readonly Pick<DrTenant, 'name'>[], seq: number): Edit {
  const namespace = tenants[Math.floor(rng() * tenants.length)]!.name;
  let r = rng();
  let field: EditField = EDIT_MIX[0]![0];
  for (const [f, p] of EDIT_MIX) {
    field = f;
    if ((r -= p) < 0) break;
  }
  switch (field) {
    case 'configmap-data':
      return { seq, field, namespace, apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', name: EDIT_TARGETS.configMap, patch: { data: { [EDIT_KEYS.configMap]: `r-${seq}` } } };
    case 'deployment-image': {
      const name = EDIT_TARGETS.deployment;
      return { seq, field, namespace, apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments', name, patch: { spec: { template: { spec: { containers: [{ name, image: `${WEB_IMAGE}:build-${seq}` }] } } } } };
    }
    case 'secret-data':
      return { seq, field, namespace, apiVersion: 'v1', kind: 'Secret', plural: 'secrets', name: EDIT_TARGETS.secret, patch: { data: { [EDIT_KEYS.secret]: b64(String(seq)) } } };
  }
}

/** The request path of an edit's object. */
export function editPath(e: Pick<Edit, 'apiVersion' | 'namespace' | 'plural' | 'name'>): string {
  const base = e.apiVersion.includes('/') ? `/apis/${e.apiVersion}` : `/api/${e.apiVersion}`;
  return `${base}/namespaces/${e.namespace}/${e.plural}/${e.name}`;
}

/** The field an edit writes, keyed by object: `Kind/namespace/name#field`. */
export function editTarget(e: Pick<Edit, 'kind' | 'namespace' | 'name' | 'field'>): string {
  return `${e.kind}/${e.namespace}/${e.name}#${e.field}`;
}

/** The fields of `obj` (as served, on production or a standby) that edits write: target → the sequence number it holds. */
export function editedFields(obj: { kind?: string; metadata?: { name?: string; namespace?: string }; data?: Record<string, string>; spec?: unknown }): Array<[string, number]> {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name;
  if (!ns || !name) return [];
  const target = (field: EditField) => editTarget({ kind: obj.kind ?? '', namespace: ns, name, field });
  const num = (s: string | undefined, re: RegExp) => {
    const m = s === undefined ? null : re.exec(s);
    return m ? Number(m[1]) : undefined;
  };
  let seq: number | undefined;
  let field: EditField | undefined;
  if (obj.kind === 'ConfigMap' && name === EDIT_TARGETS.configMap) {
    field = 'configmap-data';
    seq = num(obj.data?.[EDIT_KEYS.configMap], /^r-(\d+)$/);
  } else if (obj.kind === 'Secret' && name === EDIT_TARGETS.secret) {
    field = 'secret-data';
    const v = obj.data?.[EDIT_KEYS.secret];
    seq = num(v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8'), /^(\d+)$/);
  } else if (obj.kind === 'Deployment' && name === EDIT_TARGETS.deployment) {
    field = 'deployment-image';
    const containers = (obj.spec as { template?: { spec?: { containers?: Array<{ name: string; image?: string }> } } } | undefined)?.template?.spec?.containers ?? [];
    seq = num(containers.find((c) => c.name === name)?.image, /:build-(\d+)$/) ?? 0;
  }
  return field !== undefined && seq !== undefined ? [[target(field), seq]] : [];
}
