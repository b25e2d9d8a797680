import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runs } from '../../test/property-runs.js';
import type { K8sObject } from '../../stacks/graph/types.js';
import { refKey, refOf } from '../tenant-reconciler.js';
import { copyKinds, discoveryFrom, type RawDiscovery } from './copy-kinds.js';
import { objectDigest, objectKey } from './digest.js';
import { planCopy, type CopyInput, type CopyPlan } from './copy-plan.js';
import raw from './fixtures/kube-apiserver-1.20-discovery.json' with { type: 'json' };
import { CAPTURED, captured120, NS, serverObject } from './objects.test-helpers.js';
import { readRecord, STANDBY_OF, STANDBY_RECORD } from './standby-form.js';

const NODE = 'gansu-provincial';
const KINDS_120 = copyKinds(discoveryFrom(raw as unknown as RawDiscovery)).kinds;
const STANDBY_KINDS = new Set([...KINDS_120.map((k) => `${k.apiVersion}/${k.kind}`), 'v1/Namespace', 'acme.example/v1/Widget']);
const byKey = (objects: Iterable<K8sObject>) => new Map([...objects].map((o) => [refKey(refOf(o)), o]));
const namespaceObject = captured120('Namespace');
const production = () => byKey(CAPTURED.filter((o) => o.kind !== 'Namespace').map((o) => structuredClone(o)));

/** A standby's server: what it returns for what was applied (its own uids and times), less what was deleted. */
function applyTo(standby: Map<string, K8sObject>, plan: CopyPlan, serial: { n: number }): Map<string, K8sObject> {
  const next = new Map(standby);
  for (const ref of plan.delete) next.delete(refKey(ref));
  for (const o of plan.apply) {
    serial.n += 1;
    const returned = { ...structuredClone(o), metadata: { ...structuredClone(o.metadata), uid: `standby-${serial.n}`, resourceVersion: String(serial.n), creationTimestamp: '2026-12-02T04:00:00Z', managedFields: [{ manager: 'longyun' }] }, status: {} };
    next.set(refKey(refOf(o)), returned);
  }
  return next;
}

/** What every standby namespace holds of its own, which the copier leaves alone. */
const standbyOwn = (): K8sObject[] => [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: NS }, data: { 'ca.crt': 'standby CA' } },
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'default-token-q2w3e', namespace: NS }, type: 'kubernetes.io/service-account-token' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'longyun-tenant', namespace: NS }, roleRef: { kind: 'ClusterRole', name: 'longyun-tenant' } },
  { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'web.1', namespace: NS } },
];

const input = (source: Map<string, K8sObject>, standby: Map<string, K8sObject> | undefined, extra: Partial<CopyInput> = {}): CopyInput => ({
  namespace: NS,
  sourceNode: NODE,
  namespaceObject,
  source,
  standby,
  standbyKinds: STANDBY_KINDS,
  sourceKinds: KINDS_120,
  ...extra,
});

/** Plan, apply, and plan again: the second plan must have nothing to do. */
function converge(source: Map<string, K8sObject>, standby: Map<string, K8sObject>, extra: Partial<CopyInput> = {}) {
  const serial = { n: 0 };
  const first = planCopy(input(source, standby, extra));
  const after = applyTo(standby, first, serial);
  const second = planCopy(input(source, after, extra));
  return { first, after, second };
}

describe('planCopy: the first copy', () => {
  it('before the standby has synced: applies everything in dependency order, deletes nothing', () => {
    const plan = planCopy(input(production(), undefined));
    expect(plan.apply.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/health-records',
      'ServiceAccount/web',
      'Secret/db-password',
      'ConfigMap/web-config',
      'PersistentVolumeClaim/uploads',
      'Ingress/web',
      `ConfigMap/${STANDBY_RECORD}`,
      'Deployment/web',
      'StatefulSet/db',
      'DaemonSet/agent',
      'CronJob/nightly',
    ]);
    expect(plan.delete).toEqual([]);
    expect(plan.inSync).toBe(false);
    expect(plan.apply[0]!.metadata.labels).toMatchObject({ 'longyun.io/standby': 'true' });
    expect(plan.apply.every((o) => o.metadata.name === STANDBY_RECORD || o.metadata.annotations?.[STANDBY_OF] === NODE)).toBe(true);
    const record = readRecord(plan.apply.find((o) => o.metadata.name === STANDBY_RECORD));
    expect([...record.keys()].sort()).toEqual(['apps/v1/DaemonSet/agent', 'apps/v1/Deployment/web', 'apps/v1/StatefulSet/db', 'batch/v1/Job/migrate', 'batch/v1beta1/CronJob/nightly', 'v1/Service/web']);
    // 12 objects: the Namespace and the 11 the department made.
    expect(plan.sourceDigests.size).toBe(12);
    expect(plan.sourceDigests.get('v1/Namespace/health-records')).toBe(objectDigest(namespaceObject));
  });

  it('converges onto an empty standby in one round, leaving the standby\'s own objects alone', () => {
    const { first, after, second } = converge(production(), byKey(standbyOwn()));
    expect(first.delete).toEqual([]);
    expect(second).toMatchObject({ apply: [], delete: [], notCopied: [], inSync: true });
    expect(second.standbyDigest).toBe(second.sourceDigest);
    expect(second.standbyDigests).toEqual(second.sourceDigests);
    for (const o of standbyOwn()) expect(after.has(refKey(refOf(o)))).toBe(true);
  });

  it('leaves out what is never copied and what a controller makes, silently', () => {
    const source = production();
    const own = [
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-5d8f-x', namespace: NS, ownerReferences: [{ kind: 'ReplicaSet', name: 'web-5d8f', controller: true }] } },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-5d8f', namespace: NS, ownerReferences: [{ kind: 'Deployment', name: 'web', controller: true }] } },
      { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: NS } },
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'leader', namespace: NS } },
      { apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition', metadata: { name: 'extranet', namespace: NS } },
      ...standbyOwn(),
    ] as K8sObject[];
    for (const o of own) source.set(refKey(refOf(o)), o);
    // The same Ingress seen through extensions/v1beta1 as well: copied once, from networking.k8s.io.
    const legacy = { ...captured120('Ingress'), apiVersion: 'extensions/v1beta1' };
    source.set(refKey(refOf(legacy)), legacy);
    const plan = planCopy(input(source, undefined));
    expect(plan.sourceDigests.size).toBe(12);
    expect(plan.notCopied).toEqual([]);
  });
});

describe('planCopy: custom resources', () => {
  const widget = (name: string): K8sObject => ({ apiVersion: 'acme.example/v1', kind: 'Widget', metadata: { name, namespace: NS }, spec: { size: 3 } });
  const gadget: K8sObject = { apiVersion: 'tools.example.org/v1', kind: 'Gadget', metadata: { name: 'g', namespace: NS }, spec: {} };

  it('copies one whose CRD the standby has; reports one whose CRD it lacks, by its plural', () => {
    const source = byKey([...production().values(), widget('w'), gadget]);
    const kinds = [...KINDS_120, { apiVersion: 'tools.example.org/v1', kind: 'Gadget', plural: 'gadgets' }];
    const { first, second } = converge(source, new Map(), { sourceKinds: kinds });
    expect(first.notCopied).toEqual([{ apiVersion: 'tools.example.org/v1', kind: 'Gadget', name: 'g', reason: 'CRD gadgets.tools.example.org is not installed on the standby' }]);
    expect(first.apply.map(objectKey)).toContain('acme.example/v1/Widget/w');
    // Reported, not counted: the copy is in sync with what can be copied.
    expect(second.inSync).toBe(true);
    expect(second.notCopied).toHaveLength(1);
    expect(second.sourceDigests.has('tools.example.org/v1/Gadget/g')).toBe(false);
  });

  it('says which versions the standby serves when it serves the kind at another one', () => {
    const kinds = new Set([...STANDBY_KINDS, 'tools.example.org/v2/Gadget']);
    expect(planCopy(input(byKey([gadget]), undefined, { standbyKinds: kinds })).notCopied[0]!.reason).toBe('tools.example.org/v1 Gadget is not served on the standby (it serves tools.example.org/v2)');
    expect(planCopy(input(byKey([{ ...gadget, apiVersion: 'batch/v2alpha1', kind: 'CronJob' }]), undefined)).notCopied[0]!.reason).toBe('batch/v2alpha1 CronJob is not served on the standby (it serves batch/v1beta1)');
  });
});

describe('planCopy: keeping the copy current', () => {
  const synced = () => converge(production(), byKey(standbyOwn())).after;

  it('re-applies an object edited on production, and only that one', () => {
    const source = production();
    const cm = [...source.values()].find((o) => o.kind === 'ConfigMap')!;
    (cm.data as Record<string, string>).LOG_LEVEL = 'debug';
    const plan = planCopy(input(source, synced()));
    expect(plan.apply.map(objectKey)).toEqual(['v1/ConfigMap/web-config']);
    expect(plan.sourceDigest).not.toBe(plan.standbyDigest);
    expect([...plan.sourceDigests].filter(([k, d]) => plan.standbyDigests.get(k) !== d).map(([k]) => k)).toEqual(['v1/ConfigMap/web-config']);
  });

  it('changes only the record when a held Service or a replica count changes on production', () => {
    const source = production();
    const svc = [...source.values()].find((o) => o.kind === 'Service')!;
    (svc.spec as { selector: object }).selector = { app: 'web2' };
    const deploy = [...source.values()].find((o) => o.kind === 'Deployment')!;
    (deploy.spec as { replicas: number }).replicas = 5;
    const plan = planCopy(input(source, synced()));
    // The live Deployment is at 0 either way; only its record entry changes.
    expect(plan.apply.map(objectKey)).toEqual([`v1/ConfigMap/${STANDBY_RECORD}`]);
    expect(readRecord(plan.apply[0]).get('apps/v1/Deployment/web')).toEqual({ replicas: 5 });
  });

  it('restores what someone changed on the standby: an edit, a scale-up, a lost mark, a deleted copy', () => {
    const standby = synced();
    const find = (kind: string) => [...standby.values()].find((o) => o.kind === kind && o.metadata.annotations?.[STANDBY_OF] === NODE)!;
    // As a watch delivers an edit: a new object in the cache (the copier's memos rely on it).
    const edit = (kind: string, change: (o: K8sObject) => void) => {
      const o = structuredClone(find(kind));
      change(o);
      standby.set(refKey(refOf(o)), o);
    };
    edit('ConfigMap', (o) => ((o.data as Record<string, string>) = { LOG_LEVEL: 'trace' }));
    edit('Deployment', (o) => ((o.spec as { replicas: number }).replicas = 2));
    edit('Secret', (o) => delete o.metadata.annotations![STANDBY_OF]);
    standby.delete(refKey(refOf(find('PersistentVolumeClaim'))));
    const plan = planCopy(input(production(), standby));
    expect(plan.apply.map(objectKey)).toEqual(['v1/Secret/db-password', 'v1/ConfigMap/web-config', 'v1/PersistentVolumeClaim/uploads', 'apps/v1/Deployment/web']);
    expect((plan.apply.at(-1)!.spec as { replicas: number }).replicas).toBe(0);
    expect(plan.delete).toEqual([]);
  });

  it('rewrites a record edited on the standby', () => {
    const standby = synced();
    const record = structuredClone([...standby.values()].find((o) => o.metadata.name === STANDBY_RECORD)!);
    (record.data as Record<string, string>).apps_v1_Deployment_web = '{"entry":{"replicas":9},"key":"apps/v1/Deployment/web"}';
    standby.set(refKey(refOf(record)), record);
    expect(planCopy(input(production(), standby)).apply.map(objectKey)).toEqual([`v1/ConfigMap/${STANDBY_RECORD}`]);
  });

  it('deletes the copy of an object deleted on production, objects nobody copied, and live held kinds', () => {
    const source = production();
    source.delete(refKey(refOf([...source.values()].find((o) => o.kind === 'DaemonSet')!)));
    source.delete(refKey(refOf([...source.values()].find((o) => o.kind === 'Secret')!)));
    const standby = synced();
    const stray: K8sObject[] = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'left-by-hand', namespace: NS } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS }, spec: { clusterIP: '10.0.0.9' } },
    ];
    for (const o of stray) standby.set(refKey(refOf(o)), o);
    const plan = planCopy(input(source, standby));
    expect(plan.delete.map((r) => `${r.kind}/${r.namespace}/${r.name}`)).toEqual([`DaemonSet/${NS}/agent`, `Service/${NS}/web`, `ConfigMap/${NS}/left-by-hand`, `Secret/${NS}/db-password`]);
    expect(plan.apply.map(objectKey)).toEqual([`v1/ConfigMap/${STANDBY_RECORD}`]);
    const next = applyTo(standby, plan, { n: 100 });
    expect(planCopy(input(source, next)).inSync).toBe(true);
  });

  it('never deletes the namespace, and marks a namespace that lost its standby label', () => {
    const standby = synced();
    const ns = structuredClone(standby.get(refKey(refOf(namespaceObject)))!);
    delete ns.metadata.labels!['longyun.io/standby'];
    standby.set(refKey(refOf(namespaceObject)), ns);
    const plan = planCopy(input(new Map(), standby));
    expect(plan.apply.map(objectKey)).toEqual(['v1/Namespace/health-records', `v1/ConfigMap/${STANDBY_RECORD}`]);
    expect(plan.delete.some((r) => r.kind === 'Namespace')).toBe(false);
  });
});

describe('planCopy properties', () => {
  const sources = fc.uniqueArray(serverObject(), { maxLength: 8, selector: objectKey }).map(byKey);

  it('one round of apply and delete brings any standby level with any source', () => {
    fc.assert(
      fc.property(sources, sources, (source, before) => {
        const standby = new Map([...before, ...byKey(standbyOwn())]);
        const { second } = converge(source, standby);
        expect(second.apply).toEqual([]);
        expect(second.delete).toEqual([]);
        expect(second.inSync).toBe(true);
        expect(second.standbyDigests).toEqual(second.sourceDigests);
      }),
      runs(100),
    );
  });

  it('is deterministic: the order of the input maps does not matter', () => {
    fc.assert(
      fc.property(sources, sources, (source, standby) => {
        const a = planCopy(input(source, standby));
        const b = planCopy(input(new Map([...source].reverse()), new Map([...standby].reverse())));
        expect(JSON.stringify(b.apply)).toBe(JSON.stringify(a.apply));
        expect(b.delete).toEqual(a.delete);
        expect([b.sourceDigest, b.standbyDigest]).toEqual([a.sourceDigest, a.standbyDigest]);
      }),
      runs(60),
    );
  });
});

describe('planCopy: admission constraints last', () => {
  it('applies ResourceQuotas and LimitRanges after everything they constrain (production may hold objects admitted before its quota)', () => {
    const source = production();
    const quota: K8sObject = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'longyun-quota', namespace: namespaceObject.metadata.namespace ?? namespaceObject.metadata.name }, spec: { hard: { 'requests.storage': '1Gi' } } };
    const limits: K8sObject = { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'longyun-limits', namespace: quota.metadata.namespace }, spec: { limits: [{ type: 'PersistentVolumeClaim', max: { storage: '1Gi' } }] } };
    for (const o of [quota, limits]) source.set(refKey(refOf(o)), o);
    const kinds = planCopy(input(source, undefined)).apply.map((o) => o.kind);
    expect(kinds.slice(-2)).toEqual(['LimitRange', 'ResourceQuota']);
    expect(kinds.indexOf('PersistentVolumeClaim')).toBeLessThan(kinds.indexOf('ResourceQuota'));
  });
});
