import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runs } from '../../test/property-runs.js';
import { LABELS, type K8sObject, type ObjectMeta } from '../../stacks/graph/types.js';
import { type ObjectRef } from '../tenant-reconciler.js';
import { planCopy } from './copy-plan.js';
import { STANDBY_RECORD } from './copy-kinds.js';
import { objectDigest, objectKey } from './digest.js';
import { byKey, VELERO_EXCLUDE } from './drill-form.js';
import { FENCE_RECORD, FENCED_LABEL, QUARANTINE_LABEL } from './failover-types.js';
import { asBeforeFence, FenceError, fenceObjects, isFenced, lostAndFound, promoteObjects, QUARANTINE_FAILOVER, quarantineNamespaceName, quarantineObjects, unfenceObjects } from './fence.js';
import { normalize, STANDBY_LABEL, STANDBY_OF } from './normalize.js';
import { CAPTURED, captured120, NS, serverObject } from './objects.test-helpers.js';
import { readRecord, STANDBY_HOLD, toSourceForm } from './standby-form.js';

const NODE = 'gansu-provincial';
const FAILOVER = 'failover-20261203-020000';
const spec = (o: K8sObject | undefined) => o!.spec as Record<string, any>;

/** A tenant's network attachment as stacks/graph/tenant-objects builds it, for a node's ranges. */
function attachment(plane: string, ranges: string[]): K8sObject {
  const config = { cniVersion: '0.3.1', name: `${NS}-${plane}`, type: 'macvlan', master: plane, mode: 'bridge', ipam: { type: 'whereabouts', ipRanges: ranges.map((range) => ({ range })) } };
  return { apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition', metadata: { name: plane, namespace: NS, labels: { [LABELS.tenant]: NS } }, spec: { config: JSON.stringify(config) } };
}

/** Metadata as a server returns it: a uid of its own. */
type ServerMeta = ObjectMeta & { uid?: string };

let rv = 100;
/** As a server holds an object after a write: its own fields added (uid kept), a fresh resourceVersion, a status. */
function served(o: K8sObject, before?: K8sObject): K8sObject {
  const meta: ServerMeta = o.metadata;
  const beforeMeta: ServerMeta | undefined = before?.metadata;
  const uid = beforeMeta?.uid ?? meta.uid ?? `uid-${objectKey(o)}`;
  return { ...structuredClone(o), metadata: { ...structuredClone(o.metadata), uid, resourceVersion: String(rv++), creationTimestamp: '2026-12-03T02:00:00Z' }, status: { observedGeneration: 2 } } as K8sObject;
}

/** The namespace after the writes of a plan, in the order the runtime makes them. */
function write(state: ReadonlyMap<string, K8sObject>, plan: { record?: K8sObject; create?: K8sObject[]; apply?: K8sObject[]; delete?: ObjectRef[] }): Map<string, K8sObject> {
  const out = new Map(state);
  const put = (o: K8sObject) => out.set(objectKey(o), served(o, out.get(objectKey(o))));
  if (plan.record) put(plan.record);
  for (const o of plan.create ?? []) {
    expect(out.has(objectKey(o)), `create ${objectKey(o)}: exists`).toBe(false);
    put(o);
  }
  for (const o of plan.apply ?? []) put(o);
  for (const r of plan.delete ?? []) {
    const key = `${r.apiVersion}/${r.kind}/${r.name}`;
    expect(out.has(key), `delete ${key}: absent`).toBe(true);
    out.delete(key);
  }
  return out;
}

const digests = (m: ReadonlyMap<string, K8sObject>) => new Map([...m].map(([k, o]) => [k, objectDigest(o)]));

function fence(objects: ReadonlyMap<string, K8sObject>) {
  const plan = fenceObjects({ namespace: NS, node: NODE, failover: FAILOVER, objects });
  return { plan, after: write(objects, plan) };
}

const NADS = [attachment('egov-extranet', ['fd00:10::/64', '10.10.0.0/24']), attachment('internet', ['10.20.0.0/24'])];
const production = () => byKey([...CAPTURED.map((o) => structuredClone(o)), ...NADS.map((o) => served(o))]);

describe('fenceObjects', () => {
  it('stops the captured namespace in place and records every value it changes', () => {
    const before = production();
    const { plan } = fence(before);
    const applied = byKey(plan.apply);
    expect(spec(applied.get('apps/v1/Deployment/web')).replicas).toBe(0);
    expect(spec(applied.get('apps/v1/StatefulSet/db')).replicas).toBe(0);
    expect(spec(applied.get('apps/v1/DaemonSet/agent')).template.spec.nodeSelector).toEqual(STANDBY_HOLD);
    expect(spec(applied.get('batch/v1beta1/CronJob/nightly')).suspend).toBe(true);
    expect(applied.get(`v1/Namespace/${NS}`)!.metadata.labels?.[FENCED_LABEL]).toBe(FAILOVER);
    expect(plan.apply[0]!.kind).toBe('Namespace');
    // In place: the object as listed (uid, resourceVersion) with one field changed, no status.
    const web = before.get('apps/v1/Deployment/web')!;
    const put = applied.get('apps/v1/Deployment/web')!;
    expect((put.metadata as any).resourceVersion).toBe((web.metadata as any).resourceVersion);
    expect((put.metadata as any).uid).toBe((web.metadata as any).uid);
    expect(put).not.toHaveProperty('status');
    expect({ ...spec(put), replicas: spec(web).replicas }).toEqual(spec(web));
    expect(put.metadata.annotations?.[STANDBY_OF]).toBeUndefined();
    // Nothing else written: configuration stays as it is.
    expect([...applied.keys()].sort()).toEqual(['apps/v1/DaemonSet/agent', 'apps/v1/Deployment/web', 'apps/v1/StatefulSet/db', 'batch/v1beta1/CronJob/nightly', `v1/Namespace/${NS}`]);
    // Services first, the attachments last.
    expect(plan.delete.map((r) => `${r.kind}/${r.name}`)).toEqual(['Service/web', 'Job/migrate', 'NetworkAttachmentDefinition/egov-extranet', 'NetworkAttachmentDefinition/internet']);
    expect(plan.delete.every((r) => r.namespace === NS)).toBe(true);
    expect(plan.record.metadata).toMatchObject({ name: FENCE_RECORD, namespace: NS });
    const record = readRecord(plan.record);
    expect(record.get('apps/v1/Deployment/web')).toEqual({ replicas: 3 });
    expect(record.get('apps/v1/DaemonSet/agent')).toEqual({ nodeSelector: { 'kubernetes.io/os': 'linux' } });
    expect(record.get('batch/v1beta1/CronJob/nightly')).toEqual({ suspend: false });
    expect(record.get('v1/Service/web')).toEqual({ held: normalize(captured120('Service')) });
    expect(record.get('k8s.cni.cncf.io/v1/NetworkAttachmentDefinition/internet')).toEqual({ held: normalize(NADS[1]!) });
    expect(record.has(`v1/Namespace/${NS}`)).toBe(false);
    expect(record.has('v1/ConfigMap/web-config')).toBe(false);
  });

  it('is idempotent: a second fence changes nothing and keeps the original record, not the fenced values', () => {
    const { plan, after } = fence(production());
    const again = fenceObjects({ namespace: NS, node: NODE, failover: FAILOVER, objects: after });
    expect(again.apply).toEqual([]);
    expect(again.delete).toEqual([]);
    expect(again.record).toEqual(plan.record);
    expect(readRecord(again.record).get('apps/v1/Deployment/web')).toEqual({ replicas: 3 });
    expect(readRecord(again.record).get('batch/v1beta1/CronJob/nightly')).toEqual({ suspend: false });
  });

  it('resumes after a crash between the record and the writes, recording the values as they were', () => {
    const before = production();
    const { plan } = fence(before);
    // The record and one PUT made, then the crash.
    const half = write(before, { record: plan.record, apply: plan.apply.filter((o) => o.kind === 'Deployment') });
    const resumed = fenceObjects({ namespace: NS, node: NODE, failover: FAILOVER, objects: half });
    expect(resumed.record).toEqual(plan.record);
    expect(resumed.apply.map(objectKey).sort()).toEqual(plan.apply.filter((o) => o.kind !== 'Deployment').map(objectKey).sort());
    expect(resumed.delete).toEqual(plan.delete);
  });

  it('adds what appeared since the first fence to the record, and keeps the rest', () => {
    const { after } = fence(production());
    const late = served({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'late', namespace: NS }, spec: { replicas: 2, template: {} } });
    const scaled = structuredClone(after.get('apps/v1/Deployment/web')!);
    spec(scaled).replicas = 5;
    const objects = new Map(after).set(objectKey(late), late).set(objectKey(scaled), scaled);
    const again = fenceObjects({ namespace: NS, node: NODE, failover: FAILOVER, objects });
    expect(again.apply.map(objectKey)).toEqual(['apps/v1/Deployment/late', 'apps/v1/Deployment/web']);
    expect(readRecord(again.record).get('apps/v1/Deployment/late')).toEqual({ replicas: 2 });
    expect(readRecord(again.record).get('apps/v1/Deployment/web')).toEqual({ replicas: 3 });
  });

  it("deletes a CronJob's running Job without recording it, a bare Pod with; leaves controller-made objects and the cluster's own alone", () => {
    const owner = (kind: string, name: string) => ({ ownerReferences: [{ apiVersion: 'apps/v1', kind, name, uid: 'u', controller: true }] });
    const objects = byKey([
      served({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'nightly-123', namespace: NS, ...owner('CronJob', 'nightly') }, spec: { template: {} } } as K8sObject),
      served({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug', namespace: NS }, spec: { containers: [] } }),
      served({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-abc', namespace: NS, ...owner('ReplicaSet', 'web-1') }, spec: { containers: [] } } as K8sObject),
      served({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-1', namespace: NS, ...owner('Deployment', 'web') }, spec: { replicas: 3 } } as K8sObject),
      served({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name: 'default-token-ab12c', namespace: NS } } as K8sObject),
      served({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: NS } }),
      served({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: NS }, data: {} } as K8sObject),
    ]);
    const plan = fenceObjects({ namespace: NS, node: NODE, failover: FAILOVER, objects });
    expect(plan.apply).toEqual([]);
    expect(plan.delete.map((r) => `${r.kind}/${r.name}`)).toEqual(['Pod/debug', 'Job/nightly-123']);
    expect([...readRecord(plan.record).keys()]).toEqual(['v1/Pod/debug']);
  });
});

describe('isFenced', () => {
  it('names what still runs or is reachable, and nothing once fenced', () => {
    const before = production();
    const check = isFenced(before);
    expect(check.fenced).toBe(false);
    expect(check.live.map((l) => l.object)).toEqual([
      'apps/v1/DaemonSet/agent',
      'apps/v1/Deployment/web',
      'apps/v1/StatefulSet/db',
      'batch/v1/Job/migrate',
      'batch/v1beta1/CronJob/nightly',
      'k8s.cni.cncf.io/v1/NetworkAttachmentDefinition/egov-extranet',
      'k8s.cni.cncf.io/v1/NetworkAttachmentDefinition/internet',
      'v1/Service/web',
    ]);
    expect(check.live.find((l) => l.object === 'apps/v1/Deployment/web')!.reason).toBe('Deployment web has 3 replicas');
    const { after } = fence(before);
    expect(isFenced(after)).toEqual({ fenced: true, live: [] });
  });

  it('tells a workload changed back after fencing, or a Service created again, from one never fenced', () => {
    const { after } = fence(production());
    const web = structuredClone(after.get('apps/v1/Deployment/web')!);
    spec(web).replicas = 2;
    const svc = served(captured120('Service'));
    const fresh = served({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'new', namespace: NS }, spec: { template: {} } });
    const check = isFenced(new Map(after).set(objectKey(web), web).set(objectKey(svc), svc).set(objectKey(fresh), fresh));
    expect(check.live).toEqual([
      { object: 'apps/v1/Deployment/new', reason: 'Deployment new has default (1) replicas' },
      { object: 'apps/v1/Deployment/web', reason: 'Deployment web has 2 replicas since it was fenced' },
      { object: 'v1/Service/web', reason: 'Service web exists (created again since it was fenced)' },
    ]);
  });

  it('is true exactly when fenceObjects has nothing left to stop', () => {
    fc.assert(
      fc.property(fc.array(serverObject(), { maxLength: 8 }), (objects) => {
        const m = byKey(objects);
        const plan = fenceObjects({ namespace: NS, node: NODE, failover: FAILOVER, objects: m });
        expect(isFenced(m).fenced).toBe(plan.apply.length === 0 && plan.delete.length === 0);
        expect(isFenced(write(m, plan)).fenced).toBe(true);
      }),
      runs(200),
    );
  });
});

describe('unfenceObjects', () => {
  it('restores the captured namespace exactly: same keys, same digests; the record deleted last', () => {
    const before = production();
    const { after } = fence(before);
    const plan = unfenceObjects({ namespace: NS, objects: after });
    expect(plan.create.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['NetworkAttachmentDefinition/egov-extranet', 'NetworkAttachmentDefinition/internet', 'Job/migrate', 'Service/web']);
    expect(plan.delete).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: FENCE_RECORD }]);
    const restored = write(after, plan);
    expect(digests(restored)).toEqual(digests(before));
    expect(restored.get(`v1/Namespace/${NS}`)!.metadata.labels).not.toHaveProperty(FENCED_LABEL);
    expect(spec(restored.get('apps/v1/Deployment/web')).replicas).toBe(3);
    // Resumed after it finished: nothing left to do.
    expect(unfenceObjects({ namespace: NS, objects: restored })).toEqual({ create: [], apply: [], delete: [] });
  });

  it('resumes after a crash part way, and keeps a value someone changed while fenced', () => {
    const before = production();
    const { after } = fence(before);
    const plan = unfenceObjects({ namespace: NS, objects: after });
    const half = write(after, { create: plan.create.slice(0, 2), apply: plan.apply.slice(0, 2) });
    const scaled = structuredClone(half.get('apps/v1/StatefulSet/db')!);
    spec(scaled).replicas = 4;
    half.set(objectKey(scaled), scaled);
    const rest = unfenceObjects({ namespace: NS, objects: half });
    expect(rest.create.map(objectKey)).toEqual(plan.create.slice(2).map(objectKey));
    const restored = write(half, rest);
    expect(spec(restored.get('apps/v1/StatefulSet/db')).replicas).toBe(4);
    expect(digests(restored)).toEqual(new Map([...digests(before)].map(([k, d]) => [k, k === 'apps/v1/StatefulSet/db' ? objectDigest(scaled) : d])));
  });

  it('fence then unfence is the identity by digest, for objects as a server returns them', () => {
    fc.assert(
      fc.property(fc.array(serverObject(), { maxLength: 10 }), fc.subarray(NADS), (objects, nads) => {
        const before = byKey([captured120('Namespace'), ...objects, ...nads.map((o) => served(o))]);
        const { plan, after } = fence(before);
        // Through the record as stored (JSON), as the runtime reads it back.
        const record = JSON.parse(JSON.stringify(plan.record)) as K8sObject;
        expect(isFenced(after, record).fenced).toBe(true);
        const restored = write(after, unfenceObjects({ namespace: NS, objects: after, record }));
        expect(digests(restored)).toEqual(digests(before));
        expect(digests(asBeforeFence(NS, after))).toEqual(digests(before));
      }),
      runs(200),
    );
  });
});

describe('asBeforeFence', () => {
  it('is the namespace as it was, without the record; a namespace never fenced as it is', () => {
    const before = production();
    const { after } = fence(before);
    const view = asBeforeFence(NS, after);
    expect([...view.keys()]).toEqual([...before.keys()].sort());
    expect(digests(view)).toEqual(digests(before));
    // What a final sync copies from: planCopy sees production's replicas, not the fenced 0.
    expect(digests(asBeforeFence(NS, before))).toEqual(digests(before));
  });
});

/** A standby copy of `source` as the copier makes it (drill-form.test.ts's way), and production's digests. */
function standbyCopy(source: readonly K8sObject[]) {
  const namespaceObject = source.find((o) => o.kind === 'Namespace')!;
  const rest = byKey(source.filter((o) => o.kind !== 'Namespace'));
  const standbyKinds = new Set(source.map((o) => `${o.apiVersion}/${o.kind}`));
  const plan = planCopy({ namespace: NS, sourceNode: 'prod', source: rest, standby: undefined, standbyKinds, namespaceObject });
  const standby = new Map([...plan.apply].map((o) => [objectKey(o), served(o)]));
  const again = planCopy({ namespace: NS, sourceNode: 'prod', source: rest, standby, standbyKinds, namespaceObject });
  expect(again.inSync).toBe(true);
  return { standby, sourceDigests: again.sourceDigests };
}

const DR_NADS = [attachment('egov-extranet', ['fd00:90::/64', '10.90.0.0/24'])];

describe('promoteObjects', () => {
  it("turns the captured standby copy into the source: production's digests, the new node's attachments, no standby marks", () => {
    const { standby, sourceDigests } = standbyCopy(CAPTURED);
    const plan = promoteObjects({ namespace: NS, standbyObjects: standby, networkAttachments: DR_NADS });
    expect(plan.create.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['NetworkAttachmentDefinition/egov-extranet', 'Job/migrate', 'Service/web']);
    expect(plan.delete).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: STANDBY_RECORD }]);
    // What runs or is reachable first: the workloads, the Namespace; the rest only loses its mark, later.
    expect(plan.apply.every((o) => o.kind === 'Namespace' || ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob', 'ReplicaSet', 'ReplicationController'].includes(o.kind))).toBe(true);
    expect(plan.tidy.length).toBeGreaterThan(0);
    // Without the tidying the copy is already the source, digest for digest.
    const live = write(standby, { create: plan.create, apply: plan.apply, delete: plan.delete });
    for (const [key, digest] of sourceDigests) expect(objectDigest(live.get(key)!), key).toBe(digest);
    const promoted = write(live, { create: [], apply: plan.tidy });
    for (const [key, digest] of sourceDigests) expect(objectDigest(promoted.get(key)!), key).toBe(digest);
    expect([...promoted.keys()].sort()).toEqual([...sourceDigests.keys(), objectKey(DR_NADS[0]!)].sort());
    expect(spec(promoted.get('apps/v1/Deployment/web')).replicas).toBe(3);
    expect(objectDigest(promoted.get(objectKey(DR_NADS[0]!))!)).toBe(objectDigest(DR_NADS[0]!));
    for (const o of promoted.values()) expect(o.metadata.annotations?.[STANDBY_OF], objectKey(o)).toBeUndefined();
    expect(promoted.get(`v1/Namespace/${NS}`)!.metadata.labels).not.toHaveProperty(STANDBY_LABEL);
    // Resumed once done (the record gone): nothing to do.
    expect(promoteObjects({ namespace: NS, standbyObjects: promoted, networkAttachments: DR_NADS })).toEqual({ create: [], apply: [], delete: [], tidy: [] });
  });

  it('resumes after a crash before the record was deleted; deletes a stray Service the copier had not', () => {
    const { standby, sourceDigests } = standbyCopy(CAPTURED);
    const plan = promoteObjects({ namespace: NS, standbyObjects: standby, networkAttachments: DR_NADS });
    const half = write(standby, { create: plan.create, apply: [...plan.apply, ...plan.tidy].slice(0, 3) });
    const stray = served({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'someone-elses', namespace: NS }, spec: { ports: [{ port: 80 }] } });
    half.set(objectKey(stray), stray);
    const rest = promoteObjects({ namespace: NS, standbyObjects: half, networkAttachments: DR_NADS });
    expect(rest.create).toEqual([]);
    expect(rest.delete.map((r) => r.name)).toEqual(['someone-elses', STANDBY_RECORD]);
    const promoted = write(half, { ...rest, apply: [...rest.apply, ...rest.tidy] });
    for (const [key, digest] of sourceDigests) expect(objectDigest(promoted.get(key)!), key).toBe(digest);
  });

  it("overwrites an attachment with the source's ranges left on the standby, keeping its resourceVersion", () => {
    const { standby } = standbyCopy(CAPTURED);
    const old = served(NADS[0]!);
    const plan = promoteObjects({ namespace: NS, standbyObjects: new Map(standby).set(objectKey(old), old), networkAttachments: DR_NADS });
    const put = plan.apply.find((o) => o.kind === 'NetworkAttachmentDefinition')!;
    expect((put.metadata as any).resourceVersion).toBe((old.metadata as any).resourceVersion);
    expect(objectDigest(put)).toBe(objectDigest(DR_NADS[0]!));
    expect(plan.create.some((o) => o.kind === 'NetworkAttachmentDefinition')).toBe(false);
  });

  it('refuses an attachment for another namespace, or something else in its place', () => {
    const { standby } = standbyCopy(CAPTURED);
    const other = { ...DR_NADS[0]!, metadata: { ...DR_NADS[0]!.metadata, namespace: 'elsewhere' } };
    expect(() => promoteObjects({ namespace: NS, standbyObjects: standby, networkAttachments: [other] })).toThrow(FenceError);
    expect(() => promoteObjects({ namespace: NS, standbyObjects: standby, networkAttachments: [captured120('ConfigMap')] })).toThrow(/only k8s.cni.cncf.io NetworkAttachmentDefinitions/);
  });

  it("gives every generated standby copy its source's digests", () => {
    fc.assert(
      fc.property(fc.array(serverObject(), { maxLength: 10 }), (objects) => {
        const source = [captured120('Namespace'), ...byKey(objects).values()];
        const { standby, sourceDigests } = standbyCopy(source);
        const plan = promoteObjects({ namespace: NS, standbyObjects: standby, networkAttachments: DR_NADS });
        const promoted = write(standby, { ...plan, apply: [...plan.apply, ...plan.tidy] });
        expect(digests(new Map([...promoted].filter(([k]) => k !== objectKey(DR_NADS[0]!))))).toEqual(sourceDigests);
        for (const o of promoted.values()) expect(o.metadata.annotations?.[STANDBY_OF]).toBeUndefined();
        expect(promoted.has(`v1/ConfigMap/${STANDBY_RECORD}`)).toBe(false);
      }),
      runs(100),
    );
  });
});

describe('lostAndFound', () => {
  const point = () => Object.fromEntries(digests(byKey(CAPTURED)));

  it('finds nothing in a fenced old source unchanged since the point (the fence itself is no change)', () => {
    const { after } = fence(production());
    expect(lostAndFound(point(), after)).toEqual([]);
  });

  it('lists changed, added and deleted objects in key order, ignoring what is never copied and the records', () => {
    const now = production();
    const cm = structuredClone(now.get('v1/ConfigMap/web-config')!) as K8sObject & { data: Record<string, string> };
    cm.data = { ...cm.data, edited: 'after the point' };
    now.set(objectKey(cm), cm);
    now.delete('v1/Secret/db-password');
    const added = served({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'added', namespace: NS }, data: { a: '1' } } as K8sObject);
    now.set(objectKey(added), added);
    for (const o of [
      served({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'web.1', namespace: NS } }),
      served({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name: 'default-token-ab12c', namespace: NS } } as K8sObject),
      served({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: STANDBY_RECORD, namespace: NS }, data: {} } as K8sObject),
    ])
      now.set(objectKey(o), o);
    // Scaled up after the point, then fenced: the change is the replicas before fencing.
    const web = structuredClone(now.get('apps/v1/Deployment/web')!);
    spec(web).replicas = 5;
    now.set(objectKey(web), web);
    const { after } = fence(now);
    expect(lostAndFound(point(), after)).toEqual([
      { object: 'apps/v1/Deployment/web', change: 'changed' },
      { object: 'v1/ConfigMap/added', change: 'added' },
      { object: 'v1/ConfigMap/web-config', change: 'changed' },
      { object: 'v1/Secret/db-password', change: 'deleted' },
    ]);
    expect(lostAndFound(point(), now)).toEqual(lostAndFound(point(), after));
  });
});

describe('quarantine', () => {
  it('names a DNS label per failover and tenant', () => {
    const long = 'a'.repeat(70);
    expect(quarantineNamespaceName(long, FAILOVER).length).toBeLessThanOrEqual(63);
    expect(quarantineNamespaceName(long, FAILOVER)).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(quarantineNamespaceName(`${'b'.repeat(50)}-x`, FAILOVER)).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(quarantineNamespaceName(NS, FAILOVER)).toMatch(new RegExp(`^${NS}-lost-[0-9a-f]{6}$`));
    expect(quarantineNamespaceName(NS, FAILOVER)).not.toBe(quarantineNamespaceName(NS, `${FAILOVER}x`));
  });

  it('copies the changed and added objects as they were before fencing, held so that nothing runs', () => {
    const now = production();
    const web = structuredClone(now.get('apps/v1/Deployment/web')!);
    spec(web).replicas = 5;
    const svc = structuredClone(now.get('v1/Service/web')!);
    svc.metadata.labels = { ...svc.metadata.labels, edited: 'yes' };
    now.set(objectKey(web), web).set(objectKey(svc), svc).delete('v1/Secret/db-password');
    const { after } = fence(now);
    const lost = lostAndFound(Object.fromEntries(digests(byKey(CAPTURED))), after);
    const q = quarantineNamespaceName(NS, FAILOVER);
    const objects = quarantineObjects({ tenant: NS, failover: FAILOVER, node: NODE, namespace: NS, objects: after, lost });
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Namespace/' + q, `ConfigMap/${STANDBY_RECORD}`, 'Deployment/web']);
    const [namespace, record, deployment] = objects as [K8sObject, K8sObject, K8sObject];
    expect(namespace.metadata.labels).toEqual({ [QUARANTINE_LABEL]: NS, 'app.kubernetes.io/managed-by': 'longyun', [VELERO_EXCLUDE]: 'true' });
    expect(namespace.metadata.labels).not.toHaveProperty(LABELS.tenant);
    expect(namespace.metadata.annotations).toEqual({ [QUARANTINE_FAILOVER]: FAILOVER });
    expect(record.metadata.namespace).toBe(q);
    expect(deployment.metadata.namespace).toBe(q);
    expect(spec(deployment).replicas).toBe(0);
    const entries = readRecord(record);
    expect(entries.get('apps/v1/Deployment/web')).toEqual({ replicas: 5 });
    expect(entries.get('v1/Service/web')).toMatchObject({ held: { metadata: { namespace: q, labels: { edited: 'yes' } } } });
    // Read back with the record, each copy is the lost object (but for its namespace).
    const back = toSourceForm(deployment, entries.get('apps/v1/Deployment/web'))!;
    expect(objectDigest({ ...back, metadata: { ...back.metadata, namespace: NS } })).toBe(objectDigest(web));
  });

  it('never leaves anything running in a quarantine, whatever was lost', () => {
    fc.assert(
      fc.property(fc.array(serverObject(), { maxLength: 8 }), (objects) => {
        const now = byKey([captured120('Namespace'), ...objects]);
        const lost = lostAndFound({}, now);
        const q = quarantineObjects({ tenant: NS, failover: FAILOVER, node: NODE, namespace: NS, objects: now, lost });
        const name = quarantineNamespaceName(NS, FAILOVER);
        expect(q.every((o) => (o.kind === 'Namespace' ? o.metadata.name === name : o.metadata.namespace === name))).toBe(true);
        expect(isFenced(byKey(q.filter((o) => o.kind !== 'Namespace'))).fenced).toBe(true);
        expect(q[0]!.kind).toBe('Namespace');
      }),
      runs(100),
    );
  });
});

describe('sourceForCopy', () => {
  it('copies a fenced source as it was before fencing: the same source digests, production\'s replicas in the standby record, the fence record not copied', async () => {
    const { sourceForCopy } = await import('./fence.js');
    const { whyNotCopied } = await import('./copy-kinds.js');
    const original = byKey(CAPTURED.map((o) => served(o)));
    const nsKey = [...original.keys()].find((k) => k.startsWith('v1/Namespace/'))!;
    const copyOf = (objects: ReadonlyMap<string, K8sObject>) => {
      const namespaceObject = objects.get(nsKey)!;
      const rest = new Map([...objects].filter(([k]) => k !== nsKey));
      const src = sourceForCopy(NS, rest, namespaceObject);
      return planCopy({ namespace: NS, sourceNode: NODE, source: src.objects, standby: undefined, standbyKinds: new Set(CAPTURED.map((o) => `${o.apiVersion}/${o.kind}`).concat('v1/ConfigMap')), namespaceObject: src.namespaceObject });
    };
    const { after } = fence(original);
    expect(after.has(`v1/ConfigMap/${FENCE_RECORD}`)).toBe(true);
    const before = copyOf(original);
    const fenced = copyOf(after);
    expect(fenced.sourceDigest).toBe(before.sourceDigest);
    expect([...fenced.sourceDigests.keys()]).not.toContain(`v1/ConfigMap/${FENCE_RECORD}`);
    const record = readRecord(fenced.apply.find((o) => o.kind === 'ConfigMap' && o.metadata.name === STANDBY_RECORD));
    const web = [...record].find(([k]) => k.startsWith('apps/v1/Deployment/'))![1];
    expect(web).toEqual({ replicas: spec(original.get([...original.keys()].find((k) => k.startsWith('apps/v1/Deployment/'))!)).replicas });
    // Without the source view the fenced zeros would be copied: the check above can fail.
    const raw = planCopy({ namespace: NS, sourceNode: NODE, source: new Map([...after].filter(([k]) => k !== nsKey)), standby: undefined, standbyKinds: new Set(CAPTURED.map((o) => `${o.apiVersion}/${o.kind}`)), namespaceObject: after.get(nsKey)! });
    expect(raw.sourceDigest).not.toBe(before.sourceDigest);
    expect(whyNotCopied(after.get(`v1/ConfigMap/${FENCE_RECORD}`)!)).toMatch(/fence record/);
  });
});
