import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runs } from '../../test/property-runs.js';
import type { K8sObject } from '../../stacks/graph/types.js';
import { objectDigest, objectKey } from './digest.js';
import { normalize } from './normalize.js';
import { captured120, NS, serverObject } from './objects.test-helpers.js';
import { readRecord, recordConfigMap, recordDataKey, STANDBY_HOLD, STANDBY_OF, STANDBY_RECORD, toSourceForm, toStandbyForm, type StandbyRecordEntry } from './standby-form.js';

const NODE = 'gansu-provincial';
const spec = (o: K8sObject | undefined) => o!.spec as Record<string, any>;

describe('toStandbyForm on objects kube-apiserver 1.20.2 returned', () => {
  it('scales a Deployment to 0 and records its replicas; annotates the copy', () => {
    const { live, record } = toStandbyForm(captured120('Deployment'), NODE);
    expect(spec(live).replicas).toBe(0);
    expect(live!.metadata.annotations?.[STANDBY_OF]).toBe(NODE);
    expect(live!.metadata).not.toHaveProperty('uid');
    expect(record).toEqual({ replicas: 3 });
    const sts = toStandbyForm(captured120('StatefulSet'), NODE);
    expect([spec(sts.live).replicas, sts.record]).toEqual([0, { replicas: 1 }]);
  });

  it('holds a DaemonSet on a selector no node matches, and suspends a CronJob', () => {
    const ds = toStandbyForm(captured120('DaemonSet'), NODE);
    expect(spec(ds.live).template.spec.nodeSelector).toEqual(STANDBY_HOLD);
    expect(ds.record).toEqual({ nodeSelector: { 'kubernetes.io/os': 'linux' } });
    const cj = toStandbyForm(captured120('CronJob'), NODE);
    expect(spec(cj.live).suspend).toBe(true);
    expect(cj.record).toEqual({ suspend: false });
  });

  it('keeps Services, Jobs and bare Pods in the record only', () => {
    for (const kind of ['Service', 'Job']) {
      const { live, record } = toStandbyForm(captured120(kind), NODE);
      expect(live).toBeUndefined();
      expect(record).toEqual({ held: normalize(captured120(kind)) });
    }
    expect(toStandbyForm({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug', namespace: NS }, spec: { containers: [] } }, NODE).live).toBeUndefined();
  });

  it('copies everything else as it is, marked; the Namespace also labelled as a standby', () => {
    for (const kind of ['ConfigMap', 'Secret', 'PersistentVolumeClaim', 'ServiceAccount', 'Ingress']) {
      const { live, record } = toStandbyForm(captured120(kind), NODE);
      expect(record).toBeUndefined();
      const { [STANDBY_OF]: mark, ...rest } = live!.metadata.annotations!;
      expect(mark).toBe(NODE);
      expect({ ...live, metadata: { ...live!.metadata, annotations: rest } }).toEqual(normalize(captured120(kind)));
    }
    expect(toStandbyForm(captured120('Namespace'), NODE).live!.metadata.labels).toMatchObject({ 'longyun.io/standby': 'true', 'longyun.io/tenant': NS });
  });

  it('records an unset field as null and puts it back unset', () => {
    const d: K8sObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'w', namespace: NS }, spec: { template: {} } };
    const { live, record } = toStandbyForm(d, NODE);
    expect(record).toEqual({ replicas: null });
    expect(toSourceForm(live, record)).toEqual(normalize(d));
    const ds: K8sObject = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'a', namespace: NS }, spec: { template: { spec: { containers: [] } } } };
    const held = toStandbyForm(ds, NODE);
    expect(held.record).toEqual({ nodeSelector: null });
    expect(toSourceForm(held.live, held.record)).toEqual(normalize(ds));
  });
});

describe('toSourceForm', () => {
  it('keeps a value someone changed on the standby, so that the copy is seen to differ', () => {
    const d = captured120('Deployment');
    const { live, record } = toStandbyForm(d, NODE);
    expect(objectDigest(toSourceForm(live, record)!)).toBe(objectDigest(d));
    const scaled = structuredClone(live!);
    spec(scaled).replicas = 2;
    expect(spec(toSourceForm(scaled, record)).replicas).toBe(2);
    const ds = toStandbyForm(captured120('DaemonSet'), NODE);
    const released = structuredClone(ds.live!);
    spec(released).template.spec.nodeSelector = {};
    expect(objectDigest(toSourceForm(released, ds.record)!)).not.toBe(objectDigest(captured120('DaemonSet')));
    const cj = toStandbyForm(captured120('CronJob'), NODE);
    const resumed = structuredClone(cj.live!);
    spec(resumed).suspend = false;
    expect(spec(toSourceForm(resumed, cj.record)).suspend).toBe(false);
    // Without a record, a scaled-down copy is what it is: replicas 0.
    expect(spec(toSourceForm(live, undefined)).replicas).toBe(0);
  });

  it('gives the held object back, and nothing for nothing', () => {
    const svc = captured120('Service');
    expect(toSourceForm(undefined, toStandbyForm(svc, NODE).record)).toEqual(normalize(svc));
    expect(toSourceForm(undefined, undefined)).toBeUndefined();
    expect(toSourceForm(undefined, { replicas: 3 })).toBeUndefined();
  });

  it('turns every standby copy back into its source: same digest, through the record ConfigMap and a server round trip', () => {
    fc.assert(
      fc.property(fc.array(serverObject(), { maxLength: 6 }), (objects) => {
        const entries = new Map<string, StandbyRecordEntry>();
        const lives = new Map<string, K8sObject>();
        for (const o of objects) {
          const { live, record } = toStandbyForm(o, NODE);
          if (record) entries.set(objectKey(o), record);
          if (live) lives.set(objectKey(o), live);
          // As the standby's server returns it: what it sets is stripped again by normalize.
          const returned = live && { ...live, metadata: { ...live.metadata, uid: 'standby-uid', resourceVersion: '1' }, status: { observedGeneration: 1 } };
          expect(objectDigest(toSourceForm(returned, record)!)).toBe(objectDigest(normalize(o)));
          expect(objectDigest(toSourceForm(live && normalize(live), record)!)).toBe(objectDigest(o));
        }
        const read = readRecord(JSON.parse(JSON.stringify(recordConfigMap(NS, entries))) as K8sObject);
        expect(read).toEqual(entries);
        for (const o of objects) {
          const k = objectKey(o);
          if (entries.has(k) || lives.has(k)) expect(objectDigest(toSourceForm(lives.get(k), read.get(k))!)).toBe(objectDigest(o));
        }
      }),
      runs(200),
    );
  });

  it('never leaves a live copy running: replicas 0, held, suspended, no Service/Job/Pod', () => {
    fc.assert(
      fc.property(serverObject(), (o) => {
        const { live } = toStandbyForm(o, NODE);
        if (['Service', 'Job', 'Pod'].includes(o.kind)) {
          expect(live).toBeUndefined();
          return;
        }
        expect(live!.metadata.annotations?.[STANDBY_OF]).toBe(NODE);
        if (['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController'].includes(o.kind)) expect(spec(live).replicas).toBe(0);
        if (o.kind === 'DaemonSet') expect(spec(live).template.spec.nodeSelector).toEqual(STANDBY_HOLD);
        if (o.kind === 'CronJob') expect(spec(live).suspend).toBe(true);
      }),
      runs(200),
    );
  });
});

describe('the record ConfigMap', () => {
  it('has one valid data key per object and names the object in each value', () => {
    const entries = new Map<string, StandbyRecordEntry>([
      ['apps/v1/Deployment/web', { replicas: 3 }],
      ['batch/v1beta1/CronJob/nightly', { suspend: null }],
      ['v1/Service/web', { held: normalize(captured120('Service')) }],
    ]);
    const cm = recordConfigMap(NS, entries);
    expect(cm.metadata).toEqual({ name: STANDBY_RECORD, namespace: NS, labels: { 'app.kubernetes.io/managed-by': 'longyun' } });
    expect(Object.keys(cm.data as object)).toEqual(['apps_v1_Deployment_web', 'batch_v1beta1_CronJob_nightly', 'v1_Service_web']);
    expect((cm.data as Record<string, string>).apps_v1_Deployment_web).toBe('{"entry":{"replicas":3},"key":"apps/v1/Deployment/web"}');
    expect(readRecord(cm)).toEqual(entries);
  });

  it('hashes a key that would be too long or could collide', () => {
    const long = `v1/ConfigMap/${'a'.repeat(250)}`;
    expect(recordDataKey(long)).toMatch(/^sha256-[0-9a-f]{64}$/);
    expect(recordDataKey('acme_x.example/v1/Thing/t')).toMatch(/^sha256-/);
    expect(readRecord(recordConfigMap(NS, new Map([[long, { replicas: 1 }]])))).toEqual(new Map([[long, { replicas: 1 }]]));
  });

  it('leaves out values edited by hand into something else, and reads nothing from no record', () => {
    const cm = recordConfigMap(NS, new Map<string, StandbyRecordEntry>([['apps/v1/Deployment/web', { replicas: 3 }], ['apps/v1/Deployment/api', { replicas: 2 }]]));
    const data = cm.data as Record<string, string>;
    data.apps_v1_Deployment_web = '{not json';
    data.apps_v1_Deployment_api = '{"entry":{"replicas":-1},"key":"apps/v1/Deployment/api"}';
    data.moved = '{"entry":{"replicas":1},"key":"apps/v1/Deployment/x"}';
    expect(readRecord(cm)).toEqual(new Map());
    expect(readRecord(undefined)).toEqual(new Map());
  });
});
