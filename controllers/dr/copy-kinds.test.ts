import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../../stacks/graph/types.js';
import { copyKinds, discoveryFrom, groupOf, NEVER_COPIED, whyNotCopied, type Discovery, type RawDiscovery } from './copy-kinds.js';
import raw from './fixtures/kube-apiserver-1.20-discovery.json' with { type: 'json' };

const d120 = discoveryFrom(raw as unknown as RawDiscovery);
const ALL = ['list', 'watch', 'get', 'create', 'update', 'patch', 'delete', 'deletecollection'];

describe('copyKinds on kube-apiserver 1.20.2', () => {
  const { kinds, excluded } = copyKinds(d120);
  const byKind = (group: string, kind: string) => kinds.filter((k) => k.group === group && k.kind === kind);

  it('finds the department kinds, each once, by its preferred version', () => {
    expect(kinds.map((k) => `${k.apiVersion} ${k.kind}`).sort()).toEqual([
      'apps/v1 ControllerRevision',
      'apps/v1 DaemonSet',
      'apps/v1 Deployment',
      'apps/v1 ReplicaSet',
      'apps/v1 StatefulSet',
      'autoscaling/v1 HorizontalPodAutoscaler',
      'batch/v1 Job',
      'batch/v1beta1 CronJob',
      'networking.k8s.io/v1 Ingress',
      'networking.k8s.io/v1 NetworkPolicy',
      'policy/v1beta1 PodDisruptionBudget',
      'rbac.authorization.k8s.io/v1 Role',
      'rbac.authorization.k8s.io/v1 RoleBinding',
      'v1 ConfigMap',
      'v1 LimitRange',
      'v1 PersistentVolumeClaim',
      'v1 Pod',
      'v1 PodTemplate',
      'v1 ReplicationController',
      'v1 ResourceQuota',
      'v1 Secret',
      'v1 Service',
      'v1 ServiceAccount',
      'velero.io/v1 Schedule',
      'velero.io/v1 BackupStorageLocation',
    ].sort());
    const keys = kinds.map((k) => `${k.group}/${k.kind}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(byKind('batch', 'CronJob')[0]).toEqual({ apiVersion: 'batch/v1beta1', group: 'batch', version: 'v1beta1', kind: 'CronJob', plural: 'cronjobs' });
  });

  it('copies Ingress once, from networking.k8s.io, and says why not from extensions', () => {
    expect(byKind('extensions', 'Ingress')).toEqual([]);
    expect(excluded).toContainEqual({ group: 'extensions', kind: 'Ingress', reason: 'served also by networking.k8s.io: the same objects, copied once, from there' });
  });

  it('leaves out every NEVER_COPIED kind the server serves, with its reason, and kinds without the verbs', () => {
    const left = (group: string, kind: string) => excluded.find((e) => e.group === group && e.kind === kind)?.reason;
    for (const [g, k] of [['', 'Event'], ['events.k8s.io', 'Event'], ['', 'Endpoints'], ['discovery.k8s.io', 'EndpointSlice'], ['coordination.k8s.io', 'Lease'], ['k8s.cni.cncf.io', 'NetworkAttachmentDefinition'], ['', 'Binding'], ['authorization.k8s.io', 'LocalSubjectAccessReview']]) {
      expect(left(g!, k!), `${g}/${k}`).toBe(NEVER_COPIED.find((e) => e.group === g && e.kind === k)!.reason);
    }
    expect(kinds.some((k) => !k.plural || k.plural.includes('/'))).toBe(false);
  });
});

describe('copyKinds rules', () => {
  const disco = (groups: Discovery['groups'], resources: Discovery['resources']): Discovery => ({ groups, resources });

  it('walks the preferred version first, then the others; a resource seen earlier is not taken again', () => {
    const d = disco([{ name: 'batch', preferredVersion: 'v1', versions: ['v1', 'v1beta1', 'v2alpha1'] }], {
      'batch/v2alpha1': [{ name: 'cronjobs', kind: 'CronJob', namespaced: true, verbs: ALL }],
      'batch/v1beta1': [{ name: 'cronjobs', kind: 'CronJob', namespaced: true, verbs: ALL }, { name: 'jobs', kind: 'Job', namespaced: true, verbs: ALL }],
      'batch/v1': [{ name: 'jobs', kind: 'Job', namespaced: true, verbs: ALL }, { name: 'jobs/status', kind: 'Job', namespaced: true, verbs: ['get'] }],
    });
    expect(copyKinds(d).kinds.map((k) => k.apiVersion + ' ' + k.kind)).toEqual(['batch/v1 Job', 'batch/v1beta1 CronJob']);
  });

  it('leaves out cluster-scoped resources and subresources silently, and names the missing verbs', () => {
    const d = disco([{ name: 'x.example', preferredVersion: 'v1', versions: ['v1'] }], {
      'x.example/v1': [
        { name: 'globals', kind: 'Global', namespaced: false, verbs: ALL },
        { name: 'things/scale', kind: 'Scale', namespaced: true, verbs: ALL },
        { name: 'views', kind: 'View', namespaced: true, verbs: ['get', 'list', 'watch'] },
      ],
    });
    expect(copyKinds(d)).toEqual({ kinds: [], excluded: [{ group: 'x.example', kind: 'View', reason: 'serves no create, update, delete (verbs: get, list, watch)' }] });
  });

  it('copies from the legacy group when the current group does not serve the kind, and never dedupes a custom kind by name', () => {
    const d = disco(
      [
        { name: 'extensions', preferredVersion: 'v1beta1', versions: ['v1beta1'] },
        { name: 'acme.example', preferredVersion: 'v1', versions: ['v1'] },
      ],
      {
        'extensions/v1beta1': [{ name: 'ingresses', kind: 'Ingress', namespaced: true, verbs: ALL }],
        'acme.example/v1': [{ name: 'deployments', kind: 'Deployment', namespaced: true, verbs: ALL }, { name: 'ingresses', kind: 'Ingress', namespaced: true, verbs: ALL }],
      },
    );
    expect(copyKinds(d).kinds.map((k) => k.apiVersion + ' ' + k.kind)).toEqual(['extensions/v1beta1 Ingress', 'acme.example/v1 Deployment', 'acme.example/v1 Ingress']);
  });

  it('reads the raw discovery answers: core first, the preferred version of each group', () => {
    expect(d120.groups[0]).toEqual({ name: '', preferredVersion: 'v1', versions: ['v1'] });
    expect(d120.groups.find((g) => g.name === 'autoscaling')).toEqual({ name: 'autoscaling', preferredVersion: 'v1', versions: ['v1', 'v2beta1', 'v2beta2'] });
    expect(groupOf('v1')).toBe('');
    expect(groupOf('networking.k8s.io/v1')).toBe('networking.k8s.io');
  });
});

describe('whyNotCopied', () => {
  const obj = (apiVersion: string, kind: string, name: string, extra: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): K8sObject => ({ apiVersion, kind, metadata: { name, namespace: 'ns', ...meta }, ...extra });
  const owned = { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f', uid: 'u', controller: true }] };

  it('leaves out what a controller makes from an owner that is copied', () => {
    expect(whyNotCopied(obj('v1', 'Pod', 'web-5d8f-abcde', {}, owned))).toBe('made by its controller ReplicaSet web-5d8f, which is copied instead');
    expect(whyNotCopied(obj('apps/v1', 'ReplicaSet', 'web-5d8f', {}, { ownerReferences: [{ kind: 'Deployment', name: 'web', controller: true }] }))).toMatch(/Deployment web/);
    expect(whyNotCopied(obj('apps/v1', 'ControllerRevision', 'db-7c9', {}, { ownerReferences: [{ kind: 'StatefulSet', name: 'db', controller: true }] }))).toMatch(/StatefulSet db/);
    expect(whyNotCopied(obj('batch/v1', 'Job', 'nightly-27', {}, { ownerReferences: [{ kind: 'CronJob', name: 'nightly', controller: true }] }))).toMatch(/CronJob nightly/);
    // Bare ones, or owned without a controller, are the department's own: copied.
    expect(whyNotCopied(obj('v1', 'Pod', 'debug'))).toBeUndefined();
    expect(whyNotCopied(obj('batch/v1', 'Job', 'migrate'))).toBeUndefined();
    expect(whyNotCopied(obj('v1', 'Pod', 'p', {}, { ownerReferences: [{ kind: 'Thing', name: 't' }] }))).toBeUndefined();
    // A ConfigMap an operator made for its custom resource is still copied (its owner may not be).
    expect(whyNotCopied(obj('v1', 'ConfigMap', 'c', {}, { ownerReferences: [{ kind: 'Thing', name: 't', controller: true }] }))).toBeUndefined();
  });

  it('leaves out each cluster\'s own objects and the kinds never copied', () => {
    expect(whyNotCopied(obj('v1', 'Secret', 'default-token-x7k2p', { type: 'kubernetes.io/service-account-token' }))).toMatch(/ServiceAccount token/);
    expect(whyNotCopied(obj('v1', 'Secret', 'db', { type: 'Opaque' }))).toBeUndefined();
    expect(whyNotCopied(obj('v1', 'ConfigMap', 'kube-root-ca.crt'))).toMatch(/CA bundle/);
    expect(whyNotCopied(obj('v1', 'ConfigMap', 'longyun-standby'))).toMatch(/standby record/);
    expect(whyNotCopied(obj('rbac.authorization.k8s.io/v1', 'RoleBinding', 'longyun-tenant'))).toMatch(/each cluster binds/);
    expect(whyNotCopied(obj('rbac.authorization.k8s.io/v1', 'RoleBinding', 'tenant-ops'))).toBeUndefined();
    expect(whyNotCopied(obj('events.k8s.io/v1', 'Event', 'e'))).toMatch(/^Event is never copied/);
    expect(whyNotCopied(obj('coordination.k8s.io/v1', 'Lease', 'l'))).toMatch(/stale lock/);
    expect(whyNotCopied(obj('k8s.cni.cncf.io/v1', 'NetworkAttachmentDefinition', 'n'))).toMatch(/extranet plane/);
    // A custom kind named like a built-in one is judged by its group.
    expect(whyNotCopied(obj('acme.example/v1', 'Lease', 'l'))).toBeUndefined();
  });
});

describe('the README', () => {
  it('lists every kind that is never copied, with its group', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const k of NEVER_COPIED) expect(readme, `${k.group || 'core'} ${k.kind}`).toContain(`| ${k.group || 'core'} | ${k.kind} |`);
  });
});
