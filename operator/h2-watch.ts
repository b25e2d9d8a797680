// Watches multiplexed over HTTP/2: many watch streams on one TLS connection to the API server,
// instead of one HTTP/1.1 connection each (k8s.Watch). kube-apiserver speaks h2 over TLS (ALPN)
// and allows 250 concurrent streams per connection by default: streams go on a session until its
// peer's SETTINGS_MAX_CONCURRENT_STREAMS is reached, then on another session. The contract is
// k8s.Watch's, which the Informer relies on:
//
// - `watch(path, query, callback, done)` resolves once the server answered (or the request failed);
//   a non-200 answer or a failed request calls `done(err)` before it resolves (err.statusCode,
//   err.code: the HTTP status; err.status: the Status body, if any);
// - every newline-delimited JSON event goes to `callback(type, object, event)` (lines that are not
//   JSON are skipped); ERROR events too (a 410 in `object.code` means: list again);
// - `done` is called exactly once: `null` when the server ended the stream, an error when the
//   stream or its session failed (a session that closes or errors ends all its streams), an
//   AbortError after `abort()`.
import * as k8s from '@kubernetes/client-node';
import * as http2 from 'node:http2';
import { STATUS_CODES } from 'node:http';
import type { ConnectionOptions } from 'node:tls';
import { KubeApiError } from './rest.js';

/** Splits newline-delimited JSON arriving in arbitrary chunks (split mid-line, mid-character). */
export class NdjsonSplitter {
  private pending: Buffer[] = [];

  /** The complete lines (without their newline) that `chunk` finished, parsed; non-JSON lines are dropped. */
  push(chunk: Buffer): unknown[] {
    const out: unknown[] = [];
    let start = 0;
    for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, i);
      const line = this.pending.length ? Buffer.concat([...this.pending, piece]) : piece;
      this.pending = [];
      start = i + 1;
      parseInto(line, out);
    }
    if (start < chunk.length) this.pending.push(chunk.subarray(start));
    return out;
  }

  /** At the stream's end: a last line without a newline. */
  flush(): unknown[] {
    const out: unknown[] = [];
    if (this.pending.length) parseInto(Buffer.concat(this.pending), out);
    this.pending = [];
    return out;
  }
}

function parseInto(line: Buffer, out: unknown[]): void {
  const text = line.toString('utf8').trim();
  if (!text) return;
  try {
    out.push(JSON.parse(text));
  } catch {
    // not JSON: skipped, as k8s.Watch does
  }
}

/** One connection in a SessionPool: `active` streams of at most `limit`. */
export interface PoolEntry<S> {
  readonly session: S;
  readonly limit: number;
  active: number;
  /** No new streams (closed, errored, or the server sent GOAWAY). */
  draining: boolean;
}

/**
 * Which connection a new stream goes on: the first open one with a free stream slot; when none
 * has, one more connection is opened (one at a time: every waiter shares it, and those it has no
 * room for open the next). Pure bookkeeping; `open` makes the connection and says its limit.
 */
export class SessionPool<S> {
  readonly entries: Array<PoolEntry<S>> = [];
  private opening: Promise<void> | undefined;
  /** Connections opened so far. */
  opened = 0;

  constructor(private readonly open: () => Promise<{ session: S; limit: number }>) {}

  /** A stream slot (count it back with release); rejects when a needed connection could not be opened. */
  async acquire(): Promise<PoolEntry<S>> {
    for (;;) {
      const entry = this.entries.find((e) => !e.draining && e.active < e.limit);
      if (entry) {
        entry.active++;
        return entry;
      }
      this.opening ??= this.open().then(
        ({ session, limit }) => {
          this.opening = undefined;
          this.opened++;
          this.entries.push({ session, limit: Math.max(1, limit), active: 0, draining: false });
        },
        (e: unknown) => {
          this.opening = undefined;
          throw e;
        },
      );
      await this.opening;
    }
  }

  release(entry: PoolEntry<S>): void {
    if (entry.active > 0) entry.active--;
  }

  /** Takes no new streams (GOAWAY); dropped once closed. */
  drain(entry: PoolEntry<S>): void {
    entry.draining = true;
  }

  drop(entry: PoolEntry<S>): void {
    entry.draining = true;
    const i = this.entries.indexOf(entry);
    if (i >= 0) this.entries.splice(i, 1);
  }

  /** Streams in use, over all connections. */
  get active(): number {
    return this.entries.reduce((n, e) => n + e.active, 0);
  }
}

export interface H2WatcherOptions {
  /** At most this many streams per connection, even if the server allows more. */
  maxStreamsPerSession?: number;
  /** Give up connecting after this long (default 30 s). */
  connectTimeoutMs?: number;
  /** A watch the server has not answered (its response headers) within this long fails (default 30 s). */
  answerTimeoutMs?: number;
  /** PING each connection this often (default 30 s); one unanswered for pingTimeoutMs (15 s) ends it. */
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
}

export type WatchCallback = (phase: string, apiObj: any, watchObj?: any) => void;

interface Session {
  h2: http2.ClientHttp2Session;
  streams: Set<(err: unknown) => void>;
}

/** The TLS material and authorisation of a KubeConfig, as applyToHTTPSOptions gives them (with its User-Agent). */
async function credentials(kc: k8s.KubeConfig): Promise<{ tls: ConnectionOptions; headers: Record<string, string> }> {
  const opts: Parameters<k8s.KubeConfig['applyToHTTPSOptions']>[0] = { headers: {} };
  await kc.applyToHTTPSOptions(opts);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  if (opts.auth) headers.authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  const o = opts as ConnectionOptions;
  const tls: ConnectionOptions = {};
  for (const k of ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const) if (o[k] !== undefined) (tls as Record<string, unknown>)[k] = o[k];
  return { tls, headers };
}

/** Where k8s.Watch would send the watch: the cluster's URL plus `path`, `watch=true` and the query. */
export function watchUrl(server: string, path: string, queryParams: Record<string, unknown> | undefined): URL {
  const url = new URL(server + path);
  url.searchParams.set('watch', 'true');
  for (const [key, val] of Object.entries(queryParams ?? {})) if (val !== undefined) url.searchParams.set(key, String(val));
  return url;
}

class AbortError extends Error {
  override name = 'AbortError';
}

export class H2Watcher {
  private readonly pool: SessionPool<Session>;
  private readonly server: URL;
  private closed = false;

  constructor(
    private readonly kubeConfig: k8s.KubeConfig,
    private readonly options: H2WatcherOptions = {},
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    if (cluster.proxyUrl) throw new Error('H2Watcher: a proxied cluster is not supported');
    this.server = new URL(cluster.server);
    this.pool = new SessionPool(() => this.connect());
  }

  /** Connections open now. */
  get sessions(): number {
    return this.pool.entries.length;
  }

  /** Connections opened since the start. */
  get sessionsOpened(): number {
    return this.pool.opened;
  }

  /** Watch streams open now. */
  get streams(): number {
    return this.pool.active;
  }

  /** Ends every stream (each gets its done) and every connection; later watches fail. */
  close(): void {
    this.closed = true;
    for (const e of [...this.pool.entries]) {
      this.pool.drop(e);
      for (const end of [...e.session.streams]) end(new Error('H2Watcher closed'));
      e.session.h2.destroy();
    }
  }

  private async connect(): Promise<{ session: Session; limit: number }> {
    if (this.closed) throw new Error('H2Watcher closed');
    const { tls } = await credentials(this.kubeConfig);
    const timeoutMs = this.options.connectTimeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const h2 = http2.connect(this.server.origin, { ...tls, settings: { enablePush: false }, maxSessionMemory: 64 });
      const session: Session = { h2, streams: new Set() };
      let entry: PoolEntry<Session> | undefined;
      let failure: unknown;
      let keepAlive: NodeJS.Timeout | undefined;
      const timer = setTimeout(() => h2.destroy(new Error(`HTTP/2 connection to ${this.server.origin}: no SETTINGS within ${timeoutMs / 1000} s`)), timeoutMs);
      h2.once('remoteSettings', (settings) => {
        clearTimeout(timer);
        if (this.closed) {
          h2.destroy(new Error('H2Watcher closed'));
          return;
        }
        h2.setLocalWindowSize(16 << 20);
        keepAlive = setInterval(() => this.ping(h2), this.options.pingIntervalMs ?? 30_000).unref();
        const limit = Math.min(settings.maxConcurrentStreams ?? 100, this.options.maxStreamsPerSession ?? Infinity);
        resolve({ session, limit });
      });
      // The pool lists the session once it has its limit: looked up when needed.
      const find = () => (entry ??= this.pool.entries.find((e) => e.session === session));
      h2.on('goaway', () => {
        const e = find();
        if (e) this.pool.drain(e);
      });
      h2.on('error', (err) => {
        failure = err;
      });
      h2.on('close', () => {
        clearTimeout(timer);
        clearInterval(keepAlive);
        const e = find();
        if (e) this.pool.drop(e);
        const err = failure ?? new Error(`HTTP/2 connection to ${this.server.origin} closed`);
        reject(err);
        for (const end of [...session.streams]) end(err);
      });
    });
  }

  /** A dead connection (no TCP reset seen) is found by its unanswered PING: ended, with its streams. */
  private ping(h2: http2.ClientHttp2Session): void {
    if (h2.destroyed || h2.closed) return;
    const timeoutMs = this.options.pingTimeoutMs ?? 15_000;
    const timer = setTimeout(() => h2.destroy(new Error(`HTTP/2 connection to ${this.server.origin}: PING unanswered for ${timeoutMs / 1000} s`)), timeoutMs).unref();
    const sent = h2.ping((err) => {
      clearTimeout(timer);
      if (err && !h2.destroyed) h2.destroy(err);
    });
    if (!sent) clearTimeout(timer);
  }

  async watch(path: string, queryParams: Record<string, unknown>, callback: WatchCallback, done: (err: unknown) => void): Promise<AbortController> {
    let finished = false;
    let stream: http2.ClientHttp2Stream | undefined;
    let entry: PoolEntry<Session> | undefined;
    let answered = () => {};
    const finish = (err: unknown) => {
      if (finished) return;
      finished = true;
      answered();
      if (entry) {
        entry.session.streams.delete(finish);
        this.pool.release(entry);
      }
      if (stream && !stream.closed) stream.close(http2.constants.NGHTTP2_CANCEL);
      done(err);
    };
    // As k8s.Watch: an AbortController; aborting it ends the watch (done gets an AbortError).
    const handle = new AbortController();
    handle.signal.addEventListener('abort', () => finish(new AbortError('watch aborted')), { once: true });
    try {
      if (this.closed) throw new Error('H2Watcher closed');
      const url = watchUrl(this.server.origin + this.server.pathname.replace(/\/$/, ''), path, queryParams);
      const { headers } = await credentials(this.kubeConfig);
      entry = await this.pool.acquire();
      if (finished) {
        // aborted while waiting for a slot
        this.pool.release(entry);
        return handle;
      }
      entry.session.streams.add(finish);
      const h2 = entry.session.h2;
      const s = h2.request({ ...headers, ':method': 'GET', ':path': url.pathname + url.search, accept: 'application/json' }, { endStream: true });
      stream = s;
      const splitter = new NdjsonSplitter();
      let sawEnd = false;
      const deliver = (events: unknown[]) => {
        for (const ev of events) {
          if (finished) return;
          const e = ev as { type?: string; object?: unknown };
          callback(e.type ?? '', e.object, ev);
        }
      };
      const answerMs = this.options.answerTimeoutMs ?? 30_000;
      const noAnswer = setTimeout(() => finish(new Error(`WATCH ${path}: no answer within ${answerMs / 1000} s`)), answerMs).unref();
      await new Promise<void>((resolve) => {
        answered = () => {
          clearTimeout(noAnswer);
          resolve();
        };
        s.once('response', (h) => {
          clearTimeout(noAnswer);
          const status = Number(h[':status']);
          if (status === 200) {
            s.on('data', (chunk: Buffer) => deliver(splitter.push(chunk)));
            s.once('end', () => {
              sawEnd = true;
              deliver(splitter.flush());
              // A lost connection ends its streams too: only one the server ended itself (its
              // session still up a turn later, when a lost one has reported) ends without an error.
              setImmediate(() => finish(h2.destroyed || h2.closed ? new Error(`WATCH ${path}: HTTP/2 connection lost`) : null));
            });
            resolve();
            return;
          }
          // Not a watch: read the Status body for the error.
          const chunks: Buffer[] = [];
          s.on('data', (c: Buffer) => chunks.push(c));
          s.once('end', () => {
            let body: { reason?: string; message?: string } | undefined;
            try {
              body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
              body = { reason: STATUS_CODES[status] ?? 'Internal Server Error' };
            }
            const err = Object.assign(new KubeApiError(status, body, 'WATCH', path), { statusCode: status });
            finish(err);
            resolve();
          });
        });
        s.once('error', (err) => {
          finish(err);
          resolve();
        });
        s.once('close', () => {
          if (sawEnd) return; // decided by 'end'
          finish(new Error(`WATCH ${path}: stream closed (code ${s.rstCode})`));
          resolve();
        });
      });
    } catch (e) {
      finish(e);
    }
    return handle;
  }
}
