// Objects for the DR tests: the ones kube-apiserver 1.20.2 returned on a dev member (fixtures/),
// and a fast-check generator of objects as a server returns them, server-set fields included.
import fc from 'fast-check';
import type { K8sObject } from '../../stacks/graph/types.js';
import captured from './fixtures/kube-apiserver-1.20-objects.json' with { type: 'json' };

export const NS = 'health-records';
/** Namespace, Deployment web, StatefulSet db, DaemonSet agent, CronJob nightly, Job migrate, Service web (NodePort), PVC uploads, ConfigMap web-config, Secret db-password, ServiceAccount web, Ingress web. */
export const CAPTURED: readonly K8sObject[] = (captured as unknown as { items: K8sObject[] }).items;

export function captured120(kind: string, name?: string): K8sObject {
  const o = CAPTURED.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  if (!o) throw new Error(`no captured ${kind} ${name ?? ''}`);
  return structuredClone(o);
}

const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/);
const labelKey = fc.oneof(fc.constantFrom('app', 'tier', 'longyun.io/tenant', 'app.kubernetes.io/name'), name);
const labels = fc.dictionary(labelKey, fc.oneof(name, fc.constant('')), { maxKeys: 3 });
const serverAnnotations = fc.subarray(['deployment.kubernetes.io/revision', 'pv.kubernetes.io/bind-completed', 'volume.kubernetes.io/selected-node', 'deprecated.daemonset.template.generation', 'control-plane.alpha.kubernetes.io/leader']);
const userAnnotations = fc.dictionary(fc.oneof(fc.constantFrom('kubectl.kubernetes.io/restartedAt', 'volume.beta.kubernetes.io/storage-class', 'example.com/note'), name), fc.string({ maxLength: 12 }), { maxKeys: 2 });
/** Extra fields of any shape, null values included (they must not matter). */
const extra = fc.dictionary(fc.constantFrom('foo', 'bar', 'paused', 'minReadySeconds', 'x-list'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 });
const podSpec = fc.record(
  {
    containers: fc.constant([{ name: 'c', image: 'registry.example/app:1' }]),
    nodeSelector: fc.dictionary(labelKey, name, { minKeys: 1, maxKeys: 2 }),
    restartPolicy: fc.constantFrom('Always', 'OnFailure', 'Never'),
  },
  { requiredKeys: ['containers'] },
);
const template = fc.record({ metadata: fc.record({ labels, creationTimestamp: fc.constant(null) }, { requiredKeys: [] }), spec: podSpec });

const specOf: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
  'apps/v1 Deployment': fc.record({ replicas: fc.nat(5), template, extra }, { requiredKeys: ['template'] }),
  'apps/v1 StatefulSet': fc.record({ replicas: fc.nat(5), serviceName: name, template }, { requiredKeys: ['template'] }),
  'apps/v1 ReplicaSet': fc.record({ replicas: fc.nat(5), template }, { requiredKeys: ['template'] }),
  'v1 ReplicationController': fc.record({ replicas: fc.nat(5), template }, { requiredKeys: ['template'] }),
  'apps/v1 DaemonSet': fc.record({ template, extra }),
  'batch/v1beta1 CronJob': fc.record({ schedule: fc.constant('0 2 * * *'), suspend: fc.boolean(), jobTemplate: fc.record({ spec: fc.record({ template }) }) }, { requiredKeys: ['schedule', 'jobTemplate'] }),
  'v1 Service': fc.record({ clusterIP: fc.constantFrom('10.96.0.12', 'None'), type: fc.constantFrom('ClusterIP', 'NodePort'), ports: fc.constant([{ port: 80, nodePort: 31000 }]) }, { requiredKeys: [] }),
  'batch/v1 Job': fc.record({ template, selector: fc.constant({ matchLabels: { 'controller-uid': 'u-1' } }), manualSelector: fc.boolean() }, { requiredKeys: ['template'] }),
  'v1 Pod': podSpec.map((s) => ({ ...s, nodeName: 'node-1', volumes: [{ name: 'default-token-ab12c', secret: { secretName: 'default-token-ab12c' } }] })),
  'v1 PersistentVolumeClaim': fc.record({ volumeName: fc.constant('pvc-1234'), accessModes: fc.constant(['ReadWriteOnce']) }, { requiredKeys: [] }),
  'networking.k8s.io/v1 Ingress': fc.record({ rules: fc.constant([{ host: 'a.example' }]) }),
  'acme.example/v1 Widget': fc.record({ size: fc.nat(), extra }),
};
const topLevelOf: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
  'v1 ConfigMap': fc.record({ data: fc.dictionary(name, fc.string({ maxLength: 8 }), { maxKeys: 3 }) }, { requiredKeys: [] }),
  'v1 Secret': fc.record({ type: fc.constant('Opaque'), data: fc.dictionary(name, fc.base64String({ maxLength: 8 }), { maxKeys: 2 }) }, { requiredKeys: [] }),
  'v1 ServiceAccount': fc.record({ secrets: fc.constant([{ name: 'x-token-ab12c' }]), imagePullSecrets: fc.constant([{ name: 'registry' }]) }, { requiredKeys: [] }),
};
export const GENERATED_KINDS = [...Object.keys(specOf), ...Object.keys(topLevelOf)];

/** An object of one of GENERATED_KINDS in namespace NS, as a server returns it. */
export function serverObject(kinds: readonly string[] = GENERATED_KINDS): fc.Arbitrary<K8sObject> {
  return fc.constantFrom(...kinds).chain((key) => {
    const [apiVersion, kind] = key.split(' ') as [string, string];
    const body = specOf[key] ? specOf[key].map((spec) => ({ spec })) : topLevelOf[key]!;
    return fc
      .record({
        name,
        labels,
        annotations: fc.tuple(serverAnnotations, userAnnotations).map(([s, u]) => ({ ...Object.fromEntries(s.map((k) => [k, '1'])), ...u })),
        server: fc.boolean(),
        body,
        status: fc.option(fc.jsonValue({ maxDepth: 1 }), { nil: undefined }),
      })
      .map(({ name, labels, annotations, server, body, status }): K8sObject => ({
        apiVersion,
        kind,
        metadata: {
          name,
          namespace: NS,
          labels,
          annotations,
          ...(server ? { uid: 'e2a1-77', resourceVersion: '4242', generation: 3, creationTimestamp: '2026-12-01T10:00:00Z', managedFields: [{ manager: 'kubectl' }], finalizers: ['kubernetes.io/pvc-protection'], ownerReferences: [{ apiVersion: 'v1', kind: 'Thing', name: 't', uid: 'u' }] } : {}),
        } as K8sObject['metadata'],
        ...structuredClone(body),
        ...(status === undefined ? {} : { status }),
      }));
  });
}
