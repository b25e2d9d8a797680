import * as k8s from '@kubernetes/client-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Backoff, dropManagedFields, Informer, newerVersion, TOMBSTONE_TTL_MS, watchHealthy } from './informer.js';

// No request is made: the cache is fed through applyWatchEvent and mutate, as the watch and own writes do.
const kc = new k8s.KubeConfig();
kc.loadFromOptions({ clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });

type Obj = k8s.KubernetesObject & { spec?: { v: number } };
const obj = (name: string, rv: string, v = 0, tenant = 't1'): Obj => ({
  metadata: { name, namespace: 'ns', resourceVersion: rv, labels: { 'longyun.io/tenant': tenant }, managedFields: [{ manager: 'longyun', operation: 'Apply' }] },
  spec: { v },
});

function informer(now?: () => number) {
  const events: string[] = [];
  const inf = new Informer<Obj>(
    kc,
    { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' },
    {
      onAdd: (o) => events.push(`add ${o.metadata?.name}@${o.metadata?.resourceVersion}`),
      onUpdate: (o) => events.push(`update ${o.metadata?.name}@${o.metadata?.resourceVersion}`),
      onDelete: (o) => events.push(`delete ${o.metadata?.name}`),
    },
    { transform: dropManagedFields, indexBy: (o) => o.metadata?.labels?.['longyun.io/tenant'], ...(now ? { now } : {}) },
  );
  return { inf, events };
}

describe('newerVersion', () => {
  it('compares etcd revisions as integers, not as strings', () => {
    expect(newerVersion('10', '9')).toBe(true);
    expect(newerVersion('9', '10')).toBe(false);
    expect(newerVersion('123456789012345678901', '99')).toBe(true);
    expect(newerVersion('7', '7')).toBe(false);
  });

  it('treats anything it cannot compare as newer', () => {
    expect(newerVersion('abc', '10')).toBe(true);
    expect(newerVersion(undefined, '10')).toBe(true);
  });
});

describe('Informer cache', () => {
  it('drops managedFields and indexes by tenant', () => {
    const { inf } = informer();
    inf.applyWatchEvent('ADDED', obj('a', '5'));
    inf.applyWatchEvent('ADDED', obj('b', '6', 0, 't2'));
    expect(inf.cache.get('ns/a')?.metadata?.managedFields).toBeUndefined();
    expect(inf.cache.get('ns/a')?.kind).toBe('ConfigMap');
    expect([...inf.indexed('t1')].map((o) => o.metadata?.name)).toEqual(['a']);
    inf.applyWatchEvent('MODIFIED', { ...obj('a', '7'), metadata: { ...obj('a', '7').metadata, labels: { 'longyun.io/tenant': 't2' } } });
    expect([...inf.indexed('t1')]).toEqual([]);
    expect([...inf.indexed('t2')].map((o) => o.metadata?.name).sort()).toEqual(['a', 'b']);
    inf.applyWatchEvent('DELETED', obj('b', '8', 0, 't2'));
    expect([...inf.indexed('t2')].map((o) => o.metadata?.name)).toEqual(['a']);
  });

  it('takes an own write at once, without a handler; its watch event then changes nothing', () => {
    const { inf, events } = informer();
    inf.applyWatchEvent('ADDED', obj('a', '5', 1));
    inf.mutate(obj('a', '9', 2));
    expect(inf.cache.get('ns/a')?.spec?.v).toBe(2);
    inf.applyWatchEvent('MODIFIED', obj('a', '9', 2));
    expect(events).toEqual(['add a@5']);
  });

  it('never goes back: an older watch event or an older write leaves the newer object', () => {
    const { inf, events } = informer();
    inf.mutate(obj('a', '20', 3));
    inf.applyWatchEvent('ADDED', obj('a', '12', 1)); // the watch is behind the own write
    expect(inf.cache.get('ns/a')?.spec?.v).toBe(3);
    inf.mutate(obj('a', '15', 2));
    expect(inf.cache.get('ns/a')?.spec?.v).toBe(3);
    inf.applyWatchEvent('MODIFIED', obj('a', '21', 4)); // someone else's edit: the handler runs
    expect(inf.cache.get('ns/a')?.spec?.v).toBe(4);
    expect(events).toEqual(['update a@21']);
  });

  it('does not resurrect a deleted object from a late own-write response', () => {
    const { inf } = informer();
    inf.applyWatchEvent('ADDED', obj('a', '5'));
    inf.applyWatchEvent('DELETED', obj('a', '8'));
    inf.mutate(obj('a', '6')); // the answer to a write made before the deletion
    expect(inf.cache.has('ns/a')).toBe(false);
    inf.mutate(obj('a', '9')); // a write after it (re-created)
    expect(inf.cache.has('ns/a')).toBe(true);
  });
});

describe('Informer tombstones', () => {
  it('are forgotten after TOMBSTONE_TTL_MS, when no write answered before the deletion can still arrive', () => {
    let t = 0;
    const { inf } = informer(() => t);
    for (const name of ['a', 'b', 'c']) inf.applyWatchEvent('ADDED', obj(name, '5'));
    inf.applyWatchEvent('DELETED', obj('a', '8'));
    t = 60_000;
    inf.applyWatchEvent('DELETED', obj('b', '9'));
    expect(inf.tombstoneCount).toBe(2);
    t = TOMBSTONE_TTL_MS + 1;
    inf.mutate(obj('b', '7')); // b's tombstone is still young: the stale answer stays out
    expect(inf.cache.has('ns/b')).toBe(false);
    expect(inf.tombstoneCount).toBe(1);
    t = 60_000 + TOMBSTONE_TTL_MS + 1;
    expect(inf.tombstoneCount).toBe(0);
  });

  it('date from the latest deletion of a name', () => {
    let t = 0;
    const { inf } = informer(() => t);
    inf.applyWatchEvent('DELETED', obj('a', '8'));
    t = 100_000;
    inf.applyWatchEvent('DELETED', obj('a', '9'));
    t = TOMBSTONE_TTL_MS + 1;
    expect(inf.tombstoneCount).toBe(1);
    inf.mutate(obj('a', '9'));
    expect(inf.cache.has('ns/a')).toBe(false);
  });
});

describe('watch backoff', () => {
  it('doubles over consecutive failures up to the cap, and starts over after a success', () => {
    const b = new Backoff({ initialMs: 200, maxMs: 5000 });
    expect(Array.from({ length: 7 }, () => b.failure())).toEqual([200, 400, 800, 1600, 3200, 5000, 5000]);
    b.success();
    expect(b.failure()).toBe(200);
  });

  it('judges a watch as client-go does: routine if it delivered events or stayed open a second', () => {
    expect(watchHealthy({ opened: true, durationMs: 60_000, events: 0, errorEvent: false })).toBe(true); // server time-out
    expect(watchHealthy({ opened: true, durationMs: 10, events: 3, errorEvent: false })).toBe(true);
    expect(watchHealthy({ opened: true, durationMs: 10, events: 0, errorEvent: false })).toBe(false); // very short watch
    expect(watchHealthy({ opened: false, durationMs: 0, events: 0, errorEvent: false })).toBe(false); // refused, 403, 500
    expect(watchHealthy({ opened: true, durationMs: 60_000, events: 5, errorEvent: true })).toBe(false);
  });
});

describe('Informer reconnects', () => {
  // The transports are replaced: the list answers at once, and each watch plays one scripted run
  // under fake timers. The times at which watches are opened show the waits in between.
  type Run = { fail: true } | { openMs: number; events?: number };
  function scripted(runs: Run[]) {
    vi.useFakeTimers();
    const { inf } = informer();
    const opened: number[] = [];
    let rv = 10;
    const watcher = {
      async watch(_path: string, _q: unknown, cb: (phase: string, o: unknown) => void, done: (err: unknown) => void) {
        opened.push(Date.now());
        const run = runs.shift();
        if (!run) return new AbortController(); // stays open
        if ('fail' in run) {
          done(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
        } else {
          setTimeout(() => {
            for (let i = 0; i < (run.events ?? 0); i++) cb('MODIFIED', obj('a', String(++rv)));
            done(null);
          }, run.openMs);
        }
        return new AbortController();
      },
    };
    const rest = { list: async () => ({ items: [], metadata: { resourceVersion: '10' } }), close: () => {} };
    Object.assign(inf, { watcher, rest });
    return { inf, opened, gaps: () => opened.slice(1).map((t, i) => t - opened[i]!) };
  }

  afterEach(() => {
    vi.useRealTimers();
  });

  it('watches again at once after routine server-side time-outs', async () => {
    const { inf, gaps } = scripted(Array.from({ length: 8 }, (_, i) => ({ openMs: 60_000, events: i % 2 })));
    await inf.start();
    await vi.advanceTimersByTimeAsync(8 * 60_000 + 1000);
    inf.stop();
    expect(gaps()).toEqual(Array(8).fill(60_000));
  });

  it('keep out a stale write to an object a relist found gone', async () => {
    const { inf } = scripted([]);
    inf.applyWatchEvent('ADDED', obj('a', '5')); // deleted while the informer was away
    await inf.start(); // the list (resourceVersion 10) has no "a"
    inf.mutate(obj('a', '7'));
    expect(inf.cache.has('ns/a')).toBe(false);
    inf.mutate(obj('a', '11'));
    expect(inf.cache.has('ns/a')).toBe(true);
    inf.stop();
  });

  it('backs off over consecutive failures only, starting over after a healthy watch', async () => {
    const fail = { fail: true } as const;
    const { inf, gaps } = scripted([fail, fail, fail, fail, { openMs: 30_000 }, fail, { openMs: 20 }, fail]);
    await inf.start();
    await vi.advanceTimersByTimeAsync(60_000);
    inf.stop();
    // A 20 ms watch that delivered nothing is a failure too (client-go's "very short watch").
    expect(gaps()).toEqual([200, 400, 800, 1600, 30_000, 200, 400 + 20, 800]);
  });
});
