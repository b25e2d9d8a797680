// What deploys the operator in a real management cluster: the CRDs, a namespace, a service
// account with least privilege (only the verbs and resources the operator uses), a Deployment of
// two replicas (leader election picks one) and a metrics Service.
import { CRDS, GROUP } from './crds.js';
import { OPERATOR_NAMESPACE } from './manager.js';

/** The container's metrics and probe port: the bind address listens on it on every interface (the pod's IP). */
export const METRICS_PORT = 8080;

export interface ManifestOptions {
  image?: string;
  namespace?: string;
  replicas?: number;
}

export function operatorManifests(opts: ManifestOptions = {}): object[] {
  const ns = opts.namespace ?? OPERATOR_NAMESPACE;
  const labels = { 'app.kubernetes.io/name': 'longyun-operator', 'app.kubernetes.io/managed-by': 'longyun' };
  const name = 'longyun-operator';
  return [
    ...CRDS,
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns, labels } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name, labels },
      rules: [
        { apiGroups: [GROUP], resources: ['cloudnodes', 'tenants', 'failoverdrills', 'drillschedules', 'failovers'], verbs: ['get', 'list', 'watch', 'patch'] },
        { apiGroups: [GROUP], resources: ['cloudnodes/status', 'tenants/status', 'failoverdrills/status', 'drillschedules/status', 'failovers/status'], verbs: ['get', 'patch'] },
        // A DrillSchedule starts drills, and prunes the finished ones beyond its history limits.
        { apiGroups: [GROUP], resources: ['failoverdrills'], verbs: ['create', 'delete'] },
        // Events about cluster-scoped CloudNodes and Tenants go to "default"; a repeat is a patch of
        // the Event's count (operator/events.ts).
        { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
      ],
    },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name, labels }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name }, subjects: [{ kind: 'ServiceAccount', name, namespace: ns }] },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name, namespace: ns, labels },
      rules: [
        // Kubeconfigs of the member clusters: read, and owned by their CloudNode (patch of ownerReferences).
        { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'patch'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
        // Drill reports: immutable ConfigMaps, written once when a drill finishes.
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create'] },
      ],
    },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name, namespace: ns, labels }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects: [{ kind: 'ServiceAccount', name, namespace: ns }] },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns, labels },
      spec: {
        replicas: opts.replicas ?? 2,
        selector: { matchLabels: { 'app.kubernetes.io/name': 'longyun-operator' } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: name,
            securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'operator',
                image: opts.image ?? 'longyun/operator:0.1.0',
                // The namespace is the pod's (its ServiceAccount's namespace file).
                args: ['operator', 'run', '--in-cluster', '--metrics-bind-address', `:${METRICS_PORT}`],
                ports: [{ name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' }],
                readinessProbe: { httpGet: { path: '/readyz', port: 'metrics' }, periodSeconds: 5 },
                livenessProbe: { httpGet: { path: '/healthz', port: 'metrics' }, periodSeconds: 10 },
                resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '512Mi' } },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `${name}-metrics`, namespace: ns, labels, annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(METRICS_PORT) } },
      spec: { selector: { 'app.kubernetes.io/name': 'longyun-operator' }, ports: [{ name: 'metrics', port: METRICS_PORT, targetPort: 'metrics', protocol: 'TCP' }] },
    },
  ];
}
