import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../../stacks/graph/types.js';
import { planCopy } from './copy-plan.js';
import { copyDigest, objectDigest, objectKey } from './digest.js';
import { byKey, DRILL_REMOVED_NETWORKS, drillNamespaceName, drillObjects, drillRecord, fromDrillForm, NETWORKS_ANNOTATION, readDrillRecord, toDrillForm, verifyDrill, whyNotRestored } from './drill-form.js';
import { DRILL_LABEL } from './drill-types.js';
import { CAPTURED, NS, serverObject } from './objects.test-helpers.js';

const DRILL = 'drill-20261202-061500';
const DRILL_NS = drillNamespaceName(NS, DRILL);

/** A standby copy of the captured namespace as the copier makes it, and the recovery point's digests. */
function standbyCopy(source: readonly K8sObject[] = CAPTURED) {
  const namespaceObject = source.find((o) => o.kind === 'Namespace')!;
  const plan = planCopy({ namespace: NS, sourceNode: 'prod', source: byKey(source.filter((o) => o.kind !== 'Namespace')), standby: undefined, standbyKinds: new Set(source.map((o) => `${o.apiVersion}/${o.kind}`)), namespaceObject });
  // What the standby then holds: the written objects (a server would add its fields; the digests ignore them).
  const standby = byKey(plan.apply);
  const again = planCopy({ namespace: NS, sourceNode: 'prod', source: byKey(source.filter((o) => o.kind !== 'Namespace')), standby, standbyKinds: new Set(source.map((o) => `${o.apiVersion}/${o.kind}`)), namespaceObject });
  expect(again.standbyDigest).toBe(again.sourceDigest);
  return { standby, expected: Object.fromEntries(again.standbyDigests) };
}

/** What a server would hold after the drill's writes: the objects as written, plus fields a server sets. */
function served(objects: readonly K8sObject[]): Map<string, K8sObject> {
  return byKey(objects.map((o) => ({ ...o, metadata: { ...o.metadata, uid: 'u', resourceVersion: '7', creationTimestamp: '2026-12-02T06:15:00Z' }, status: { observed: true } }) as K8sObject));
}

describe('drill namespaces', () => {
  it('are DNS labels, unique per drill and tenant', () => {
    const long = 'a'.repeat(70);
    expect(drillNamespaceName(long, DRILL).length).toBeLessThanOrEqual(63);
    expect(drillNamespaceName(long, DRILL)).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(drillNamespaceName(NS, DRILL)).not.toBe(drillNamespaceName(NS, `${DRILL}x`));
    expect(drillNamespaceName(NS, DRILL)).toMatch(new RegExp(`^${NS}-drill-[0-9a-f]{6}$`));
  });
});

describe('drillObjects and verifyDrill', () => {
  it('restore the recovery point with production replicas, no Services, nothing in the tenant namespace', () => {
    const { standby, expected } = standbyCopy();
    const { objects, missing } = drillObjects({ drill: DRILL, tenantNamespace: NS, namespace: DRILL_NS, standbyObjects: standby, expected });
    expect(missing).toEqual([]);
    expect(objects.every((o) => o.metadata.namespace === DRILL_NS && o.metadata.labels?.[DRILL_LABEL] === DRILL)).toBe(true);
    expect(objects.some((o) => o.kind === 'Service' || o.kind === 'Namespace' || o.kind === 'NetworkPolicy')).toBe(false);
    const web = objects.find((o) => o.kind === 'Deployment')! as K8sObject & { spec: { replicas?: number } };
    const sourceWeb = CAPTURED.find((o) => o.kind === 'Deployment')! as K8sObject & { spec: { replicas?: number } };
    expect(web.spec.replicas).toBe(sourceWeb.spec.replicas);
    expect(web.spec.replicas).toBeGreaterThan(0);
    const { inventory, issues } = verifyDrill({ expected, restored: served(objects), tenantNamespace: NS });
    expect(inventory.differing + inventory.missing).toBe(0);
    expect(inventory.restored).toBe(objects.length);
    expect(inventory.expected).toBe(Object.keys(expected).length);
    expect(issues.filter((i) => i.problem === 'skipped').map((i) => i.object).sort()).toEqual([`v1/Namespace/${NS}`, 'v1/Service/web']);
  });

  it('name an object edited on the standby as differing, and an absent one as missing', () => {
    const { standby, expected } = standbyCopy();
    const cm = [...standby.values()].find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'web-config')!;
    const edited = new Map(standby);
    edited.set(objectKey(cm), { ...cm, data: { edited: 'on the standby' } } as K8sObject);
    const { objects } = drillObjects({ drill: DRILL, tenantNamespace: NS, namespace: DRILL_NS, standbyObjects: edited, expected });
    const restored = served(objects);
    const secret = objects.find((o) => o.kind === 'Secret')!;
    restored.delete(objectKey(secret));
    const { inventory, issues } = verifyDrill({ expected, restored, tenantNamespace: NS });
    expect(inventory).toMatchObject({ differing: 1, missing: 1 });
    expect(issues[0]).toMatchObject({ object: objectKey(secret), problem: 'missing' });
    expect(issues[1]).toMatchObject({ object: 'v1/ConfigMap/web-config', problem: 'differing' });
  });

  it('report an object the standby copy lacks before writing anything', () => {
    const { standby, expected } = standbyCopy();
    const gone = new Map([...standby].filter(([, o]) => o.kind !== 'StatefulSet'));
    const { missing } = drillObjects({ drill: DRILL, tenantNamespace: NS, namespace: DRILL_NS, standbyObjects: gone, expected });
    expect(missing.map((m) => m.object)).toEqual(['apps/v1/StatefulSet/db']);
  });

  it('take secondary networks out of pod templates and put them back for the digest', () => {
    fc.assert(
      fc.property(serverObject(), fc.string({ minLength: 1, maxLength: 20 }), (o, networks) => {
        const withNet = structuredClone(o) as K8sObject & { spec?: { template?: { metadata?: { annotations?: Record<string, string> } } } };
        if (withNet.spec?.template) withNet.spec.template.metadata = { ...withNet.spec.template.metadata, annotations: { [NETWORKS_ANNOTATION]: networks } };
        const drilled = toDrillForm(withNet, DRILL_NS, DRILL);
        expect(JSON.stringify(drilled).includes(`"${NETWORKS_ANNOTATION}"`)).toBe(false);
        if (withNet.spec?.template) expect(drilled.metadata.annotations?.[DRILL_REMOVED_NETWORKS]).toBeDefined();
        expect(objectDigest(fromDrillForm(drilled, withNet.metadata.namespace ?? NS))).toBe(objectDigest({ ...withNet, metadata: { ...withNet.metadata, namespace: withNet.metadata.namespace ?? NS } }));
      }),
    );
  });
});

describe('the drill record', () => {
  it('reads back what was written, and refuses one whose digests do not add up', () => {
    const { expected } = standbyCopy();
    const r = { drill: DRILL, tenant: NS, recoveryPoint: '2026-12-02T06:14:00.000Z', expectedDigest: copyDigest(new Map(Object.entries(expected))), expected };
    expect(readDrillRecord(drillRecord(DRILL_NS, r))).toEqual(r);
    const cm = drillRecord(DRILL_NS, { ...r, expectedDigest: 'sha256:0' });
    expect(readDrillRecord(cm)).toBeUndefined();
    expect(readDrillRecord(undefined)).toBeUndefined();
  });
});

describe('whyNotRestored', () => {
  it('skips Services, NetworkPolicies and the Namespace, and nothing else', () => {
    expect(whyNotRestored('v1/Service/web', NS)).toMatch(/no Services/);
    expect(whyNotRestored('networking.k8s.io/v1/NetworkPolicy/allow', NS)).toMatch(/default-deny/);
    expect(whyNotRestored(`v1/Namespace/${NS}`, NS)).toMatch(/stands in/);
    expect(whyNotRestored('apps/v1/Deployment/web', NS)).toBeUndefined();
    expect(whyNotRestored('example.longyun.io/v1/Widget/w', NS)).toBeUndefined();
  });
});

describe('unavailableWorkloads', () => {
  it('names the workloads below their ready count, and nothing else', async () => {
    const { unavailableWorkloads } = await import('./drill-form.js');
    const w = (kind: string, name: string, spec: object, status: object) => ({ apiVersion: 'apps/v1', kind, metadata: { name }, spec, status }) as unknown as K8sObject;
    expect(
      unavailableWorkloads([
        w('Deployment', 'web', { replicas: 3 }, { readyReplicas: 1 }),
        w('Deployment', 'idle', { replicas: 0 }, {}),
        w('StatefulSet', 'db', { replicas: 2 }, { readyReplicas: 2 }),
        w('DaemonSet', 'agent', {}, { desiredNumberScheduled: 4, numberReady: 3 }),
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } } as K8sObject,
      ]),
    ).toEqual(['DaemonSet/agent 3/4 ready', 'Deployment/web 1/3 ready']);
  });
});
