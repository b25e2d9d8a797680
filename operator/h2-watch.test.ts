import * as k8s from '@kubernetes/client-node';
import fc from 'fast-check';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { H2Watcher, NdjsonSplitter, SessionPool, watchUrl } from './h2-watch.js';
import { UserAgentKubeConfig } from './rest.js';

describe('NdjsonSplitter', () => {
  it('gives back the same events however the bytes are cut', () => {
    const events = [{ type: 'ADDED', object: { metadata: { name: 'ä→😀' } } }, { type: 'MODIFIED', object: { n: 1 } }, { type: 'DELETED', object: {} }];
    const bytes = Buffer.from(events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 20 }), (cuts) => {
        const at = [0, ...cuts.sort((a, b) => a - b), bytes.length];
        const s = new NdjsonSplitter();
        const out: unknown[] = [];
        for (let i = 0; i + 1 < at.length; i++) out.push(...s.push(bytes.subarray(at[i], at[i + 1])));
        out.push(...s.flush());
        expect(out).toEqual(events);
      }),
    );
  });

  it('skips blank and non-JSON lines, and keeps a last line without a newline for flush', () => {
    const s = new NdjsonSplitter();
    expect(s.push(Buffer.from('\n{"a":1}\r\nnot json\n{"b"'))).toEqual([{ a: 1 }]);
    expect(s.push(Buffer.from(':2}'))).toEqual([]);
    expect(s.flush()).toEqual([{ b: 2 }]);
    expect(s.flush()).toEqual([]);
  });
});

describe('SessionPool', () => {
  it('fills a connection up to its limit, then opens one more (one at a time)', async () => {
    let n = 0;
    const opens: number[] = [];
    const pool = new SessionPool(async () => {
      opens.push(++n);
      return { session: n, limit: 3 };
    });
    const got = await Promise.all(Array.from({ length: 7 }, () => pool.acquire()));
    expect(opens).toEqual([1, 2, 3]);
    expect(got.map((e) => e.session)).toEqual([1, 1, 1, 2, 2, 2, 3]);
    pool.release(got[0]!);
    expect((await pool.acquire()).session).toBe(1);
    pool.drain(pool.entries[1]!);
    pool.release(got[3]!);
    expect((await pool.acquire()).session).toBe(3);
    pool.drop(pool.entries[0]!);
    expect(pool.entries.map((e) => e.session)).toEqual([2, 3]);
    expect(pool.opened).toBe(3);
  });

  it('fails every waiter of a connection that could not be opened, and tries again for the next', async () => {
    let fail = true;
    const pool = new SessionPool(async () => {
      if (fail) throw new Error('refused');
      return { session: 's', limit: 2 };
    });
    const r = await Promise.allSettled([pool.acquire(), pool.acquire()]);
    expect(r.map((x) => x.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect((await pool.acquire()).session).toBe('s');
  });
});

describe('watchUrl', () => {
  it('adds watch=true and the query, as k8s.Watch does', () => {
    const u = watchUrl('https://h:6443', '/api/v1/namespaces/a/configmaps', { allowWatchBookmarks: true, resourceVersion: '5', labelSelector: undefined });
    expect(u.pathname + u.search).toBe('/api/v1/namespaces/a/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion=5');
  });
});

// A cleartext HTTP/2 server standing in for the API server (h2c: the same framing without TLS).
describe('H2Watcher against a local HTTP/2 server', () => {
  let server: http2.Http2Server | undefined;
  let watcher: H2Watcher | undefined;
  afterEach(async () => {
    watcher?.close();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
  });

  async function serve(maxConcurrentStreams: number, handler: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void, options: ConstructorParameters<typeof H2Watcher>[1] = {}) {
    server = http2.createServer({ settings: { maxConcurrentStreams } });
    server.on('stream', handler);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const base = new k8s.KubeConfig();
    base.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'tok' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    watcher = new H2Watcher(new UserAgentKubeConfig(base, 'longyun-operator/0.1.0 (test)'), options);
    return watcher;
  }

  function watchOnce(w: H2Watcher, path: string) {
    const events: Array<[string, unknown]> = [];
    let done!: (err: unknown) => void;
    const ended = new Promise<unknown>((r) => (done = r));
    const handle = w.watch(path, { resourceVersion: '1' }, (type, obj) => events.push([type, obj]), done);
    return { events, ended, handle };
  }

  it('streams events split across DATA frames, with the bearer token; ends with done(null)', async () => {
    const seen: http2.IncomingHttpHeaders[] = [];
    const w = await serve(10, (stream, headers) => {
      seen.push(headers);
      stream.respond({ ':status': 200, 'content-type': 'application/json' });
      const text = `${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a' } } })}\n${JSON.stringify({ type: 'ERROR', object: { code: 410 } })}\n`;
      stream.write(text.slice(0, 7));
      setImmediate(() => stream.end(text.slice(7)));
    });
    const { events, ended, handle } = watchOnce(w, '/api/v1/namespaces/a/configmaps');
    await handle;
    expect(await ended).toBeNull();
    expect(events).toEqual([
      ['ADDED', { metadata: { name: 'a' } }],
      ['ERROR', { code: 410 }],
    ]);
    expect(seen[0]![':path']).toBe('/api/v1/namespaces/a/configmaps?watch=true&resourceVersion=1');
    expect(seen[0]!.authorization).toBe('Bearer tok');
    expect(seen[0]!['user-agent']).toBe('longyun-operator/0.1.0 (test)');
    expect(w.streams).toBe(0);
  });

  it('calls done with the status before resolving when the server refuses the watch', async () => {
    const w = await serve(10, (stream) => {
      stream.respond({ ':status': 403 });
      stream.end(JSON.stringify({ kind: 'Status', reason: 'Forbidden', message: 'no', code: 403 }));
    });
    const { ended, handle } = watchOnce(w, '/api/v1/namespaces/a/secrets');
    let doneFirst = false;
    void ended.then(() => (doneFirst = true));
    await handle;
    await Promise.resolve();
    expect(doneFirst).toBe(true);
    const err = (await ended) as { statusCode: number; code: number; message: string };
    expect(err.statusCode).toBe(403);
    expect(err.code).toBe(403);
    expect(err.message).toContain('Forbidden');
  });

  it('puts streams on one connection up to the server limit, then on a new one; a lost connection ends its streams', async () => {
    const open: http2.Http2Session[] = [];
    const w = await serve(3, (stream) => {
      stream.respond({ ':status': 200 });
      stream.write('\n');
      open.push(stream.session!);
    });
    const watches = Array.from({ length: 7 }, (_, i) => watchOnce(w, `/api/v1/namespaces/n${i}/configmaps`));
    await Promise.all(watches.map((x) => x.handle));
    expect(w.sessions).toBe(3);
    expect(w.sessionsOpened).toBe(3);
    expect(w.streams).toBe(7);
    // Abort one: done(AbortError), the slot is free again, no new connection for the next watch.
    (await watches[0]!.handle).abort();
    expect(((await watches[0]!.ended) as Error).name).toBe('AbortError');
    const again = watchOnce(w, '/api/v1/namespaces/n0/configmaps');
    await again.handle;
    expect(w.sessionsOpened).toBe(3);
    // The server drops the first connection: its streams end with an error.
    open[1]!.destroy();
    const results = await Promise.all([watches[1]!.ended, watches[2]!.ended]);
    for (const r of results) expect(r).toBeInstanceOf(Error);
    w.close();
    for (const x of [...watches.slice(3), again]) expect(await x.ended).toBeInstanceOf(Error);
    expect(w.sessions).toBe(0);
  });

  it('fails a watch the server does not answer, without waiting forever', async () => {
    const w = await serve(10, () => {}, { answerTimeoutMs: 50 });
    const { ended, handle } = watchOnce(w, '/api/v1/namespaces/a/configmaps');
    await handle;
    expect(((await ended) as Error).message).toMatch(/no answer/);
    expect(w.streams).toBe(0);
  });
});
