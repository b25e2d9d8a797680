// What DR I's and DR II's end-to-end tests share: the members (production, two standbys, a node
// nobody protects), and what a department makes in its namespace — one object of each kind a
// copy must handle, and a custom resource whose CRD only some members serve.
export const PROD = 'gansu-provincial';
export const SAME = 'gansu-provincial-same-city-dr';
export const REMOTE = 'gansu-provincial-remote-dr';
export const OTHER = 'lanzhou-cloud';
/** The DR e2e members, in order: production, its two standbys, and a production node nobody protects. */
export const DR_NODES = [
  { name: PROD, kind: 'provincial', unit: 'gansu', capacity: { vcpu: 2000, memoryGiB: 8192, storageTiB: 400 } },
  { name: SAME, kind: 'provincial', unit: 'gansu', role: 'standby' as const, datacentre: 'dc-lanzhou-new-area-dr', protects: [PROD], capacity: { vcpu: 1000, memoryGiB: 4096, storageTiB: 200 } },
  // Room for one tenant of the tests and not much more.
  { name: REMOTE, kind: 'provincial', unit: 'gansu', role: 'standby' as const, datacentre: 'dc-qingyang-dr', protects: [PROD], capacity: { vcpu: 40, memoryGiB: 160, storageTiB: 4 } },
  // A production node no standby protects.
  { name: OTHER, kind: 'municipal', unit: 'lanzhou', capacity: { vcpu: 400, memoryGiB: 1600, storageTiB: 80 } },
];

export const WIDGET_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.longyun.io' },
  spec: {
    group: 'example.longyun.io',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};

const labels = { app: 'archive' };
const podSpec = { containers: [{ name: 'main', image: 'registry.example/archive:1.0', resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } } }] };
/** What the department makes in its namespace on production. */
export const departmentObjects = (NS: string) => [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: NS }, data: { mode: 'live', retention: '30d' } },
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-credentials', namespace: NS }, type: 'Opaque', stringData: { password: 'not-a-real-one' } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS }, spec: { selector: labels, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] } },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: NS }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: NS }, spec: { replicas: 3, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: podSpec } } },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: NS }, spec: { replicas: 2, serviceName: 'web', selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: podSpec } } },
  { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: NS }, spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { ...podSpec, nodeSelector: { disk: 'ssd' } } } } },
  { apiVersion: 'batch/v1beta1', kind: 'CronJob', metadata: { name: 'report', namespace: NS }, spec: { schedule: '0 2 * * *', jobTemplate: { spec: { template: { spec: { ...podSpec, restartPolicy: 'OnFailure' } } } } } },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: NS }, spec: { rules: [{ host: 'archive.gansu.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } },
  { apiVersion: 'example.longyun.io/v1', kind: 'Widget', metadata: { name: 'gear', namespace: NS }, spec: { teeth: 12 } },
];

