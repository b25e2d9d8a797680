import * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { dropManagedFields, Informer, newerVersion } from './informer.js';

// No request is made: the cache is fed through applyWatchEvent and mutate, as the watch and own writes do.
const kc = new k8s.KubeConfig();
kc.loadFromOptions({ clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });

type Obj = k8s.KubernetesObject & { spec?: { v: number } };
const obj = (name: string, rv: string, v = 0, tenant = 't1'): Obj => ({
  metadata: { name, namespace: 'ns', resourceVersion: rv, labels: { 'longyun.io/tenant': tenant }, managedFields: [{ manager: 'longyun', operation: 'Apply' }] },
  spec: { v },
});

function informer() {
  const events: string[] = [];
  const inf = new Informer<Obj>(
    kc,
    { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' },
    {
      onAdd: (o) => events.push(`add ${o.metadata?.name}@${o.metadata?.resourceVersion}`),
      onUpdate: (o) => events.push(`update ${o.metadata?.name}@${o.metadata?.resourceVersion}`),
      onDelete: (o) => events.push(`delete ${o.metadata?.name}`),
    },
    { transform: dropManagedFields, indexBy: (o) => o.metadata?.labels?.['longyun.io/tenant'] },
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
