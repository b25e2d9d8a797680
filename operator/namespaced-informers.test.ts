import * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { K8sObject, ObjectMeta } from '../stacks/graph/types.js';
import { KubeApiError } from './rest.js';
import { errorCause, Limiter, NamespacedInformers, type KindRef } from './namespaced-informers.js';

const kc = new k8s.KubeConfig();
kc.loadFromOptions({ clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });

/** An object as the API server returns it: metadata with a resourceVersion. */
type ServedObject = K8sObject & { metadata: ObjectMeta & { resourceVersion: string } };

const CM: KindRef = { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' };
const SECRET: KindRef = { apiVersion: 'v1', kind: 'Secret', plural: 'secrets' };
const ROLE: KindRef = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', plural: 'roles' };

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 1));
  expect(cond()).toBe(true);
}

/** Lists from `items` (path → objects), watches that stay open; `forbidden` paths answer 403. */
function fakes(items: Record<string, object[]> = {}) {
  let inFlight = 0;
  let maxInFlight = 0;
  const forbidden = new Set<string>();
  const watches = new Map<string, { cb: (phase: string, obj: unknown) => void; aborted: boolean }>();
  const rest = {
    list: async <T,>(path: string) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
      if (forbidden.has(path)) throw new KubeApiError(403, { reason: 'Forbidden' }, 'GET', path);
      return { items: (items[path] ?? []) as T[], metadata: { resourceVersion: '10' } };
    },
    close: () => {},
  };
  const watcher = {
    watch: async (path: string, _q: unknown, cb: (phase: string, obj: unknown) => void) => {
      const w = { cb, aborted: false };
      watches.set(path, w);
      // Only abort() of the watch's AbortController is used: a partial one.
      return { abort: () => { w.aborted = true; } } as AbortController;
    },
  };
  return { rest, watcher, watches, forbidden, maxInFlight: () => maxInFlight };
}

describe('Limiter', () => {
  it('runs at most `limit` at once, in order', async () => {
    const l = new Limiter(2);
    let now = 0;
    let max = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        l.run(async () => {
          now++;
          max = Math.max(max, now);
          order.push(i);
          await new Promise((r) => setTimeout(r, 1));
          now--;
        }),
      ),
    );
    expect(max).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(l.active).toBe(0);
  });
});

describe('errorCause', () => {
  it('is the HTTP status for API errors and the message otherwise', () => {
    expect(errorCause(new KubeApiError(403, { reason: 'Forbidden' }, 'GET', '/x'))).toBe('HTTP 403 Forbidden');
    expect(errorCause(Object.assign(new Error('Gone'), { statusCode: 410 }))).toBe('HTTP 410');
    expect(errorCause(new Error('socket hang up'))).toBe('socket hang up');
  });
});

describe('NamespacedInformers', () => {
  it('lists every (namespace, kind) with bounded concurrency, then follows the watches', async () => {
    const f = fakes({ '/api/v1/namespaces/ns0/configmaps': [{ metadata: { name: 'a', namespace: 'ns0', resourceVersion: '5' } }] });
    const changes: string[] = [];
    const ni = new NamespacedInformers(kc, [CM, SECRET, ROLE], { onChange: (ns, o, t) => changes.push(`${ns} ${t} ${o.kind}/${o.metadata.name}`) }, { rest: f.rest, watcher: f.watcher, listConcurrency: 3 });
    for (let i = 0; i < 5; i++) ni.add(`ns${i}`);
    await until(() => ni.namespaces().every((ns) => ni.synced(ns)));
    expect(f.maxInFlight()).toBe(3);
    expect(ni.lists).toBe(15);
    expect(f.watches.size).toBe(15);
    expect([...ni.objects('ns0').keys()]).toEqual(['v1/ConfigMap/a']);
    f.watches.get('/apis/rbac.authorization.k8s.io/v1/namespaces/ns3/roles')!.cb('ADDED', { metadata: { name: 'r', namespace: 'ns3', resourceVersion: '11' } });
    f.watches.get('/api/v1/namespaces/ns0/configmaps')!.cb('DELETED', { metadata: { name: 'a', namespace: 'ns0', resourceVersion: '12' } });
    expect(changes).toEqual(['ns0 ADDED ConfigMap/a', 'ns3 ADDED Role/r', 'ns0 DELETED ConfigMap/a']);
    expect(ni.objects('ns3').get('rbac.authorization.k8s.io/v1/Role/r')?.apiVersion).toBe('rbac.authorization.k8s.io/v1');
    // Write-through: seen at once, without a change event.
    const written: ServedObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'ns1', resourceVersion: '13' } };
    ni.mutate(written);
    expect(ni.objects('ns1').has('v1/Secret/s')).toBe(true);
    expect(changes).toHaveLength(3);
    expect(ni.lists).toBe(15);
    ni.stop();
    expect([...f.watches.values()].every((w) => w.aborted)).toBe(true);
  });

  it('reports a forbidden kind once however often it is retried, and syncs once allowed', async () => {
    const f = fakes();
    f.forbidden.add('/api/v1/namespaces/t/secrets');
    const errors: string[] = [];
    const ni = new NamespacedInformers(kc, [CM, SECRET], { onError: (ns, k, e) => errors.push(`${ns} ${k.kind} ${errorCause(e)}`) }, { rest: f.rest, watcher: f.watcher, listBackoff: { initialMs: 1, maxMs: 1 } });
    ni.add('t');
    await until(() => ni.lists > 10);
    expect(errors).toEqual(['t Secret HTTP 403 Forbidden']);
    expect(ni.synced('t')).toBe(false);
    f.forbidden.clear();
    await until(() => ni.synced('t'));
    ni.stop();
  });

  it('starts and stops informers as kinds and namespaces come and go', async () => {
    const f = fakes({ '/api/v1/namespaces/a/secrets': [{ metadata: { name: 's', namespace: 'a', resourceVersion: '3' } }] });
    const ni = new NamespacedInformers(kc, [CM], {}, { rest: f.rest, watcher: f.watcher });
    ni.add('a');
    ni.add('b');
    await until(() => ni.synced('a') && ni.synced('b'));
    ni.setKinds([SECRET]);
    expect(f.watches.get('/api/v1/namespaces/a/configmaps')!.aborted).toBe(true);
    await until(() => ni.synced('a') && ni.synced('b'));
    expect([...ni.objects('a').keys()]).toEqual(['v1/Secret/s']);
    ni.remove('a');
    expect(f.watches.get('/api/v1/namespaces/a/secrets')!.aborted).toBe(true);
    expect(ni.synced('a')).toBe(false);
    expect(ni.objects('a').size).toBe(0);
    expect(ni.namespaces()).toEqual(['b']);
    ni.stop();
  });

  it('lists again only after 410 Gone, and reports what the list shows was missed', async () => {
    const items: Record<string, object[]> = { '/api/v1/namespaces/g/configmaps': [{ metadata: { name: 'a', namespace: 'g', resourceVersion: '5' } }] };
    const f = fakes(items);
    const dones = new Map<string, (err: unknown) => void>();
    const watcher = {
      watch: async (path: string, q: unknown, cb: (phase: string, obj: unknown) => void, done: (err: unknown) => void) => {
        dones.set(path, done);
        return f.watcher.watch(path, q, cb);
      },
    };
    const changes: string[] = [];
    const ni = new NamespacedInformers(kc, [CM], { onChange: (_ns, o, t) => changes.push(`${t} ${o.metadata.name}`) }, { rest: f.rest, watcher });
    ni.add('g');
    await until(() => ni.synced('g') && dones.size === 1);
    // A watch that ends normally is resumed without a list.
    dones.get('/api/v1/namespaces/g/configmaps')!(null);
    await until(() => f.watches.size === 1 && ni.lists === 1);
    items['/api/v1/namespaces/g/configmaps'] = [];
    const path = '/api/v1/namespaces/g/configmaps';
    f.watches.get(path)!.cb('ERROR', { code: 410, reason: 'Expired' });
    dones.get(path)!(null);
    await until(() => ni.lists === 2 && changes.includes('DELETED a'));
    expect(ni.objects('g').size).toBe(0);
    ni.stop();
  });

  it('aborts a watch that opens after its namespace was removed', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let aborted = false;
    const watcher = {
      watch: async () => {
        await gate;
        return { abort: () => { aborted = true; } } as AbortController;
      },
    };
    const f = fakes();
    const ni = new NamespacedInformers(kc, [CM], {}, { rest: f.rest, watcher });
    ni.add('x');
    await until(() => ni.synced('x'));
    ni.remove('x');
    release();
    await until(() => aborted);
    ni.stop();
  });
});
