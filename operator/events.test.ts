import { describe, expect, it } from 'vitest';
import { COMBINED_PREFIX, EventCorrelator, EventRecorder, LruCache, objectReference, type CoreEvent, type Occurrence } from './events.js';
import { KubeApiError } from './rest.js';

const source = { component: 'longyun-operator' };
const node = objectReference({ apiVersion: 'longyun.io/v1alpha1', kind: 'CloudNode', metadata: { name: 'lanzhou', uid: 'u1' } });
const tenant = objectReference({ apiVersion: 'longyun.io/v1alpha1', kind: 'Tenant', metadata: { name: 'gs-health', namespace: 'tenants', uid: 'u2' } });
const unreachable = (message = 'member cluster stopped answering: timeout'): Occurrence => ({ involvedObject: node, type: 'Warning', reason: 'Unreachable', message });

/** A correlator on a clock the test moves, and the API server's side of it: each Event it holds. */
function correlator(options: { maxEntries?: number } = {}) {
  let t = Date.parse('2024-05-01T00:00:00Z');
  const c = new EventCorrelator({ source, now: () => t, ...options });
  let n = 0;
  /** Correlate, then record as the API server would answer (a create names the Event). */
  const observe = (o: Occurrence) => {
    const r = c.correlate(o);
    c.recorded(r.key, { ...r.event, metadata: { name: r.existing?.name ?? `${r.event.metadata.generateName}${++n}` } });
    return r;
  };
  return { c, observe, advance: (ms: number) => (t += ms) };
}

describe('EventCorrelator', () => {
  it('creates the first Event: count 1, in "default" for a cluster-scoped object', () => {
    const { c } = correlator();
    const r = c.correlate(unreachable());
    expect(r.existing).toBeUndefined();
    expect(r.event).toMatchObject({ metadata: { generateName: 'lanzhou.', namespace: 'default' }, count: 1, firstTimestamp: '2024-05-01T00:00:00.000Z', lastTimestamp: '2024-05-01T00:00:00.000Z', source });
    expect(c.correlate({ ...unreachable(), involvedObject: tenant }).event.metadata.namespace).toBe('tenants');
  });

  it('patches the recorded Event on a repeat: count up, lastTimestamp moved, firstTimestamp kept', () => {
    const { observe, advance } = correlator();
    observe(unreachable());
    advance(30_000);
    const r2 = observe(unreachable());
    expect(r2.existing).toEqual({ name: 'lanzhou.1', patch: { count: 2, lastTimestamp: '2024-05-01T00:00:30.000Z', message: unreachable().message } });
    advance(30_000);
    const r3 = observe(unreachable());
    expect(r3.existing?.patch.count).toBe(3);
    expect(r3.event).toMatchObject({ count: 3, firstTimestamp: '2024-05-01T00:00:00.000Z', lastTimestamp: '2024-05-01T00:01:00.000Z' });
  });

  it('creates a new Event for anything that differs: message, reason, type, object, uid', () => {
    const { observe } = correlator();
    observe(unreachable());
    const variants: Occurrence[] = [
      unreachable('member cluster stopped answering: connection refused'),
      { ...unreachable(), reason: 'Connected' },
      { ...unreachable(), type: 'Normal' },
      { ...unreachable(), involvedObject: tenant },
      { ...unreachable(), involvedObject: { ...node, uid: 'u1-recreated' } },
    ];
    for (const v of variants) expect(observe(v).existing).toBeUndefined();
    expect(observe(unreachable()).existing?.patch.count).toBe(2);
  });

  it('does not patch before the create has answered with a name', () => {
    const { c } = correlator();
    c.correlate(unreachable());
    expect(c.correlate(unreachable()).existing).toBeUndefined();
  });

  it('combines the tenth different message for one object and reason within ten minutes, then counts on it', () => {
    const { observe, advance } = correlator();
    for (let i = 1; i <= 9; i++) {
      expect(observe(unreachable(`m${i}`)).event.message).toBe(`m${i}`);
      advance(60_000);
    }
    const tenth = observe(unreachable('m10'));
    expect(tenth.existing).toBeUndefined();
    expect(tenth.event.message).toBe(`${COMBINED_PREFIX}m10`);
    const eleventh = observe(unreachable('m11'));
    expect(eleventh.existing?.patch).toMatchObject({ count: 2, message: `${COMBINED_PREFIX}m11` });
    // Ten quiet minutes later, each message stands on its own again.
    advance(600_001);
    expect(observe(unreachable('m12')).event.message).toBe('m12');
  });

  it('forgets the least recently used Events beyond maxEntries; a repeat of one then creates anew', () => {
    const { observe } = correlator({ maxEntries: 2 });
    observe(unreachable('a'));
    observe(unreachable('b'));
    observe(unreachable('a')); // a is now more recent than b
    observe(unreachable('c')); // b is dropped
    expect(observe(unreachable('a')).existing?.name).toBe('lanzhou.1');
    expect(observe(unreachable('b')).existing).toBeUndefined();
  });
});

describe('LruCache', () => {
  it('drops the least recently used entry, a read counting as a use', () => {
    const l = new LruCache<number>(2);
    l.set('a', 1);
    l.set('b', 2);
    l.get('a');
    l.set('c', 3);
    expect([l.get('a'), l.get('b'), l.get('c'), l.size]).toEqual([1, undefined, 3, 2]);
  });
});

describe('EventRecorder', () => {
  /** An API server for Events: POST names (generateName), PATCH merges, `failPatch` answers the next PATCH with an error. */
  function server() {
    const events = new Map<string, CoreEvent>();
    const requests: string[] = [];
    const writes: string[] = [];
    let n = 0;
    let failPatch: number | undefined;
    const rest = {
      async request<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
        await new Promise((r) => setTimeout(r, 1)); // answers come later, so that records overlap
        requests.push(`${method} ${path} ${contentType}${method === 'PATCH' ? ` ${JSON.stringify(body)}` : ''}`);
        if (method === 'POST') {
          const e = body as CoreEvent;
          const name = `${e.metadata.generateName}${++n}`;
          const created = { ...e, metadata: { namespace: e.metadata.namespace, name } };
          events.set(name, created);
          return created as T;
        }
        const name = path.split('/').pop()!;
        const code = failPatch ?? (events.has(name) ? undefined : 404);
        failPatch = undefined;
        if (code) throw new KubeApiError(code, { reason: code === 404 ? 'NotFound' : 'InternalError' }, method, path);
        const patched = { ...events.get(name)!, ...(body as object) };
        events.set(name, patched);
        return patched as T;
      },
    };
    const recorder = new EventRecorder(rest, { source, onWrite: (verb) => writes.push(verb) });
    return { recorder, events, requests, writes, failPatch: (code: number) => (failPatch = code) };
  }

  it('creates an Event, then patches its count with a JSON merge patch', async () => {
    const s = server();
    await s.recorder.record(unreachable());
    await s.recorder.record(unreachable());
    await s.recorder.record({ ...unreachable(), reason: 'Connected', type: 'Normal' });
    expect(s.requests.map((r) => r.replace(/"lastTimestamp":"[^"]+",/, ''))).toEqual([
      'POST /api/v1/namespaces/default/events application/json',
      `PATCH /api/v1/namespaces/default/events/lanzhou.1 application/merge-patch+json {"count":2,"message":"${unreachable().message}"}`,
      'POST /api/v1/namespaces/default/events application/json',
    ]);
    expect(s.events.get('lanzhou.1')?.count).toBe(2);
    expect(s.writes).toEqual(['create', 'patch', 'create']);
  });

  it('writes overlapping repeats one after another, so they count on one Event', async () => {
    const s = server();
    await Promise.all([1, 2, 3].map(() => s.recorder.record(unreachable())));
    expect([...s.events.values()].map((e) => e.count)).toEqual([3]);
  });

  it('creates the Event again, with its count, when the one to patch has gone', async () => {
    const s = server();
    await s.recorder.record(unreachable());
    s.events.clear(); // expired
    await s.recorder.record(unreachable());
    expect(s.requests.map((r) => r.split(' ')[0])).toEqual(['POST', 'PATCH', 'POST']);
    expect(s.events.get('lanzhou.2')).toMatchObject({ count: 2 });
    await s.recorder.record(unreachable());
    expect(s.events.get('lanzhou.2')).toMatchObject({ count: 3 });
  });

  it('passes on other errors without creating a duplicate, and recovers after them', async () => {
    const s = server();
    await s.recorder.record(unreachable());
    s.failPatch(500);
    await expect(s.recorder.record(unreachable())).rejects.toBeInstanceOf(KubeApiError);
    await s.recorder.record(unreachable());
    expect(s.requests.map((r) => r.split(' ')[0])).toEqual(['POST', 'PATCH', 'PATCH']);
    expect([...s.events.values()].map((e) => e.count)).toEqual([2]);
  });
});
