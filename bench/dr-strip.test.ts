import { describe, expect, it } from 'vitest';
import { copiedResources, notCopiedReason, standbyList, stripForStandby, type DiscoveredResource } from './dr-strip.js';

const r = (group: string, name: string, kind: string, extra: Partial<DiscoveredResource> = {}): DiscoveredResource => ({ group, version: 'v1', name, kind, namespaced: true, verbs: ['create', 'list', 'get'], ...extra });

describe('copiedResources', () => {
  it('takes namespaced, listable, creatable resources once per kind, not the never-copied ones', () => {
    const got = copiedResources([
      r('', 'configmaps', 'ConfigMap'),
      r('', 'events', 'Event'),
      r('', 'endpoints', 'Endpoints'),
      r('', 'bindings', 'Binding', { verbs: ['create'] }),
      r('', 'namespaces', 'Namespace', { namespaced: false }),
      r('', 'pods/log', 'Pod'),
      r('extensions', 'ingresses', 'Ingress', { version: 'v1beta1' }),
      r('apps', 'deployments', 'Deployment'),
      r('batch', 'jobs', 'Job'),
      r('batch', 'cronjobs', 'CronJob', { version: 'v1beta1' }),
      r('batch', 'jobs', 'Job', { version: 'v1beta1' }),
      r('networking.k8s.io', 'ingresses', 'Ingress'),
      r('events.k8s.io', 'events', 'Event'),
      r('discovery.k8s.io', 'endpointslices', 'EndpointSlice', { version: 'v1beta1' }),
      r('coordination.k8s.io', 'leases', 'Lease'),
      r('k8s.cni.cncf.io', 'network-attachment-definitions', 'NetworkAttachmentDefinition'),
      r('bench.longyun.io', 'appprofiles', 'AppProfile'),
    ]);
    expect(got).toEqual(['configmaps', 'deployments.apps', 'jobs.batch', 'cronjobs.batch', 'ingresses.networking.k8s.io', 'appprofiles.bench.longyun.io']);
  });
});

describe('the stripping step', () => {
  const served = (kind: string, extra: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) =>
    ({
      apiVersion: 'v1',
      kind,
      metadata: { name: 'x', namespace: 'dr-1', uid: 'u', resourceVersion: '12', creationTimestamp: '2026-01-01T00:00:00Z', generation: 3, managedFields: [{}], finalizers: ['kubernetes.io/pvc-protection'], labels: { app: 'x' }, ...meta },
      status: { phase: 'Bound' },
      ...extra,
    }) as never;

  it('keeps name, labels and user annotations; drops server metadata and status; renames the namespace', () => {
    const o = stripForStandby(served('ConfigMap', { data: { a: '1' } }, { annotations: { mine: 'y', 'deployment.kubernetes.io/revision': '4' } }), 'kb-dr-1');
    expect(o).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'kb-dr-1', labels: { app: 'x' }, annotations: { mine: 'y' } }, data: { a: '1' } });
  });

  it('drops what a standby rejects or must allocate itself, keeping a headless Service headless', () => {
    expect(stripForStandby(served('Service', { spec: { clusterIP: '127.64.0.9', clusterIPs: ['127.64.0.9'], ports: [{ port: 80, nodePort: 30080 }] } }), 'n')).toMatchObject({ spec: { ports: [{ port: 80 }] } });
    expect(stripForStandby(served('Service', { spec: { clusterIP: '127.64.0.9' } }), 'n').spec).toEqual({});
    expect(stripForStandby(served('Service', { spec: { clusterIP: 'None', clusterIPs: ['None'] } }), 'n').spec).toEqual({ clusterIP: 'None', clusterIPs: ['None'] });
    expect(stripForStandby(served('PersistentVolumeClaim', { spec: { volumeName: 'pv-1', accessModes: ['ReadWriteOnce'] } }), 'n').spec).toEqual({ accessModes: ['ReadWriteOnce'] });
    const job = stripForStandby(served('Job', { apiVersion: 'batch/v1', spec: { selector: { matchLabels: { 'controller-uid': 'u' } }, template: { metadata: { labels: { 'controller-uid': 'u', 'job-name': 'x', app: 'm' } }, spec: {} } } }), 'n');
    expect(job.spec).toEqual({ template: { metadata: { labels: { app: 'm' } }, spec: {} } });
    expect(stripForStandby(served('ServiceAccount', { secrets: [{ name: 'x-token-abcde' }] }), 'n')).not.toHaveProperty('secrets');
  });

  it('leaves out owned objects, token Secrets, the CA ConfigMap and longyun-tenant, and puts the namespace first', () => {
    expect(notCopiedReason(served('Pod', {}, { ownerReferences: [{ controller: true }] }))).toMatch(/controller/);
    expect(notCopiedReason(served('Secret', { type: 'kubernetes.io/service-account-token' }))).toMatch(/token/);
    expect(notCopiedReason(served('ConfigMap', {}, { name: 'kube-root-ca.crt' }))).toBeDefined();
    expect(notCopiedReason(served('RoleBinding', {}, { name: 'longyun-tenant' }))).toBeDefined();
    const { list, skipped } = standbyList({ items: [served('ConfigMap', {}, { name: 'kube-root-ca.crt' }), served('ConfigMap')] }, 'kb-dr-1');
    expect(skipped).toBe(1);
    expect(list.items.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Namespace/kb-dr-1', 'ConfigMap/x']);
  });
});
