import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runs } from '../../test/property-runs.js';
import type { K8sObject, ObjectMeta } from '../../stacks/graph/types.js';
import { canonicalJson, copyDigest, objectDigest, objectKey } from './digest.js';
import { normalize } from './normalize.js';
import { captured120, serverObject } from './objects.test-helpers.js';

const spec = (o: K8sObject) => o.spec as Record<string, any>;

describe('normalize on objects kube-apiserver 1.20.2 returned', () => {
  it('keeps only what the department wrote in metadata, and drops status', () => {
    const n = normalize(captured120('Deployment', 'web'));
    expect(n.metadata).toEqual({
      name: 'web',
      namespace: 'health-records',
      labels: { app: 'web' },
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': expect.any(String) },
    });
    expect(n.status).toBeUndefined();
    expect(spec(n).replicas).toBe(3);
    // The template's `creationTimestamp: null` is gone with every null.
    expect(spec(n).template.metadata).toEqual({ labels: { app: 'web' } });
  });

  it('strips what each cluster allocates: cluster IPs, the Job selector and its labels, the PVC finalizer, Namespace finalizers', () => {
    const svc = normalize(captured120('Service'));
    expect(spec(svc).clusterIP).toBeUndefined();
    expect(spec(svc).clusterIPs).toBeUndefined();
    expect(spec(svc).ports).toEqual([{ nodePort: 31979, port: 80, protocol: 'TCP', targetPort: 8080 }]);
    const job = normalize(captured120('Job'));
    expect(spec(job).selector).toBeUndefined();
    expect(job.metadata.labels).toBeUndefined();
    expect(spec(job).template.metadata).toEqual({});
    expect(normalize(captured120('PersistentVolumeClaim')).metadata).not.toHaveProperty('finalizers');
    const ns = normalize(captured120('Namespace'));
    expect(ns.spec).toBeUndefined();
    expect(ns.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'longyun', 'longyun.io/tenant': 'health-records' });
  });

  it('gives the same source form to an object re-created on another cluster', () => {
    // What a standby's server returns for the same Job and Service: other uid, IPs, times.
    const job = captured120('Job');
    const other = JSON.parse(JSON.stringify(job).replaceAll(job.metadata && (job.metadata as ObjectMeta & { uid: string }).uid, '0f0f0f0f-1111-2222-3333-444444444444')) as K8sObject;
    Object.assign(other.metadata, { resourceVersion: '99', creationTimestamp: '2026-12-03T00:00:00Z' });
    expect(objectDigest(other)).toBe(objectDigest(job));
    const svc = captured120('Service');
    const elsewhere = structuredClone(svc);
    Object.assign(spec(elsewhere), { clusterIP: '10.99.1.2', clusterIPs: ['10.99.1.2'] });
    expect(objectDigest(elsewhere)).toBe(objectDigest(svc));
  });
});

describe('normalize, per kind', () => {
  const base = (apiVersion: string, kind: string, rest: Record<string, unknown>, meta: Record<string, unknown> = {}): K8sObject => ({ apiVersion, kind, metadata: { name: 'x', namespace: 'ns', ...meta }, ...rest });

  it('keeps a headless Service headless, and a manual Job selector', () => {
    expect(spec(normalize(base('v1', 'Service', { spec: { clusterIP: 'None', clusterIPs: ['None'] } })))).toEqual({ clusterIP: 'None', clusterIPs: ['None'] });
    const manual = { manualSelector: true, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } } } };
    expect(spec(normalize(base('batch/v1', 'Job', { spec: manual })))).toEqual(manual);
  });

  it('strips server annotations but keeps the department\'s, the storage-class one included', () => {
    const pvc = base('v1', 'PersistentVolumeClaim', { spec: { volumeName: 'pvc-1' } }, {
      annotations: { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes', 'volume.beta.kubernetes.io/storage-provisioner': 'x', 'volume.beta.kubernetes.io/storage-class': 'fast', 'longyun.io/standby-of': 'gansu-provincial' },
    });
    const n = normalize(pvc);
    expect(n.metadata.annotations).toEqual({ 'volume.beta.kubernetes.io/storage-class': 'fast' });
    expect(n.spec).toEqual({});
  });

  it('drops ServiceAccount token Secrets, a Pod\'s node and its token volume', () => {
    expect(normalize(base('v1', 'ServiceAccount', { secrets: [{ name: 'web-token-abcde' }], imagePullSecrets: [{ name: 'reg' }] }))).toEqual(base('v1', 'ServiceAccount', { imagePullSecrets: [{ name: 'reg' }] }));
    const pod = base('v1', 'Pod', {
      spec: {
        nodeName: 'n1',
        volumes: [{ name: 'default-token-x7k2p', secret: { secretName: 'default-token-x7k2p' } }, { name: 'data', emptyDir: {} }],
        containers: [{ name: 'c', volumeMounts: [{ name: 'default-token-x7k2p', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }, { name: 'data', mountPath: '/d' }] }],
      },
    });
    expect(spec(normalize(pod))).toEqual({ volumes: [{ name: 'data', emptyDir: {} }], containers: [{ name: 'c', volumeMounts: [{ name: 'data', mountPath: '/d' }] }] });
  });

  it('sorts keys at every level and never changes its input', () => {
    const o = base('v1', 'ConfigMap', { data: { b: '1', a: '2' } }, { uid: 'u' });
    const before = structuredClone(o);
    expect(canonicalJson(normalize(o))).toBe('{"apiVersion":"v1","data":{"a":"2","b":"1"},"kind":"ConfigMap","metadata":{"name":"x","namespace":"ns"}}');
    expect(JSON.stringify(normalize(o))).toBe(canonicalJson(normalize(o)));
    expect(o).toEqual(before);
  });
});

describe('normalize properties', () => {
  it('is idempotent and deterministic', () => {
    fc.assert(
      fc.property(serverObject(), (o) => {
        const once = normalize(o);
        expect(normalize(once)).toEqual(once);
        expect(JSON.stringify(normalize(structuredClone(o)))).toBe(JSON.stringify(once));
      }),
      runs(300),
    );
  });

  // Null array elements are positional and stay; null field values are dropped.
  const nullKeys = (v: unknown, path = ''): string[] =>
    Array.isArray(v) ? v.flatMap((x, i) => nullKeys(x, `${path}[${i}]`)) : v !== null && typeof v === 'object' ? Object.entries(v).flatMap(([k, x]) => (x === null ? [`${path}.${k}`] : nullKeys(x, `${path}.${k}`))) : [];

  it('leaves no server-set metadata, no status and no null field', () => {
    fc.assert(
      fc.property(serverObject(), (o) => {
        const n = normalize(o);
        expect(Object.keys(n.metadata).every((k) => ['name', 'namespace', 'labels', 'annotations'].includes(k))).toBe(true);
        expect(n.status).toBeUndefined();
        expect(nullKeys(n)).toEqual([]);
      }),
      runs(300),
    );
  });
});

describe('digests', () => {
  it('objectDigest is sha256 of the normalised object; key order and server fields do not matter', () => {
    const a: K8sObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns' }, data: { a: '1', b: '2' } };
    const b = { data: { b: '2', a: '1' }, metadata: { uid: 'u', namespace: 'ns', name: 'c', resourceVersion: '1' }, kind: 'ConfigMap', apiVersion: 'v1' } as K8sObject;
    expect(objectDigest(a)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(objectDigest(b)).toBe(objectDigest(a));
    expect(objectDigest({ ...a, data: { a: '1', b: '3' } })).not.toBe(objectDigest(a));
    expect(objectKey(a)).toBe('v1/ConfigMap/c');
    expect(objectKey(captured120('Ingress'))).toBe('networking.k8s.io/v1/Ingress/web');
  });

  it('copyDigest depends on the keys and digests, not on the order of the map', () => {
    const m = new Map([['v1/ConfigMap/a', 'sha256:1'], ['apps/v1/Deployment/w', 'sha256:2']]);
    const reversed = new Map([...m].reverse());
    expect(copyDigest(reversed)).toBe(copyDigest(m));
    expect(copyDigest(new Map([...m, ['v1/Secret/s', 'sha256:3']]))).not.toBe(copyDigest(m));
    expect(copyDigest(new Map([['v1/ConfigMap/a', 'sha256:2'], ['apps/v1/Deployment/w', 'sha256:1']]))).not.toBe(copyDigest(m));
    expect(copyDigest(new Map())).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
