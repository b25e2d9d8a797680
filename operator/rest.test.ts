// RestClient's write fence and User-Agent against a plain node server on 127.0.0.1 (http, and https
// with a CA of its own): what reaches the server is what the server saw, so a fenced request must
// leave no trace there.
import * as k8s from '@kubernetes/client-node';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPki, type Pki } from './dev-cluster/pki.js';
import { FencedError, LONGYUN_VERSION, operatorUserAgent, RequestCancelledError, RestClient, UserAgentKubeConfig, type WriteFence } from './rest.js';

interface Seen {
  method: string;
  url: string;
  userAgent: string | undefined;
  body: string;
}

/** A server that records every request it receives; `hold` keeps answers back until released. */
class RecordingServer {
  readonly seen: Seen[] = [];
  readonly server: Server;
  private held: Array<() => void> = [];
  hold = false;
  /** Called on every accepted TCP connection, before any TLS. */
  onConnection: (() => void) | undefined;

  constructor(readonly tls: Pki | undefined) {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        this.seen.push({ method: req.method!, url: req.url!, userAgent: req.headers['user-agent'], body });
        const answer = () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ kind: 'Status', items: [] }));
        };
        if (this.hold) this.held.push(answer);
        else answer();
      });
    };
    this.server = tls ? createHttpsServer({ cert: readFileSync(tls.servingCert), key: readFileSync(tls.servingKey) }, handler) : createHttpServer(handler);
    this.server.on('connection', () => this.onConnection?.());
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves once `n` answers are held. */
  async holding(n: number): Promise<void> {
    while (this.held.length < n) await new Promise((r) => setImmediate(r));
  }

  release(): void {
    this.hold = false;
    for (const a of this.held.splice(0)) a();
  }

  close(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

function kubeConfig(server: string, pki: Pki | undefined): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, ...(pki ? { caFile: pki.caCert, skipTLSVerify: false } : { skipTLSVerify: true }) }],
    users: [{ name: 'u', token: 'secret' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

/** A fence that is open until `close()`; it records what it was asked and what was then sent. */
function testFence() {
  const asked: string[] = [];
  const sent: string[] = [];
  let open = true;
  const fence: WriteFence = {
    admit: (method, path) => {
      asked.push(`${method} ${path}`);
      if (!open) throw new FencedError(method, path, 'the fence is closed');
      return () => sent.push(`${method} ${path}`);
    },
  };
  return { fence, asked, sent, close: () => (open = false) };
}

let pki: Pki;
let pkiDir: string;
beforeAll(() => {
  pkiDir = mkdtempSync(join(tmpdir(), 'longyun-rest-test-'));
  pki = createPki(pkiDir);
});
afterAll(() => rmSync(pkiDir, { recursive: true, force: true }));

describe.each([
  ['http', false],
  ['https', true],
] as const)('RestClient write fence over %s', (_name, tls) => {
  let srv: RecordingServer;
  let url: string;
  const clients: RestClient[] = [];
  const client = (fence: WriteFence | undefined, maxSockets?: number) => {
    const c = new RestClient(kubeConfig(url, tls ? pki : undefined), { ...(fence ? { fence } : {}), ...(maxSockets ? { maxSockets } : {}) });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    srv = new RecordingServer(tls ? pki : undefined);
    url = await srv.listen();
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
    srv.seen.length = 0;
    srv.onConnection = undefined;
    srv.release();
  });
  afterAll(() => srv.close());

  it('asks the fence about every POST, PUT, PATCH and DELETE, with its path; never about a read', async () => {
    const f = testFence();
    const rest = client(f.fence);
    await rest.request('GET', '/api/v1/namespaces/a');
    await rest.request('POST', '/api/v1/namespaces', { metadata: { name: 'a' } });
    await rest.request('PUT', '/api/v1/namespaces/a', { metadata: { name: 'a' } });
    await rest.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'a' } }, 'longyun');
    await rest.delete({ apiVersion: 'v1', kind: 'ConfigMap', name: 'c', namespace: 'a' });
    const writes = ['POST /api/v1/namespaces', 'PUT /api/v1/namespaces/a', 'PATCH /api/v1/namespaces/a/configmaps/c?fieldManager=longyun&force=true', 'DELETE /api/v1/namespaces/a/configmaps/c'];
    expect(f.asked).toEqual(writes);
    expect(f.sent).toEqual(writes);
    expect(srv.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['GET /api/v1/namespaces/a', ...writes]);
    expect(srv.seen[1]!.body).toBe('{"metadata":{"name":"a"}}');
  });

  it('a write refused by the fence fails with FencedError and never reaches the server, on a new connection and on a kept-alive one', async () => {
    const f = testFence();
    const rest = client(f.fence);
    f.close();
    await expect(rest.request('PATCH', '/api/v1/namespaces/a', {})).rejects.toBeInstanceOf(FencedError);
    await rest.request('GET', '/api/v1/namespaces/a'); // a kept-alive connection now
    await expect(rest.request('DELETE', '/api/v1/namespaces/a')).rejects.toThrow(/DELETE \/api\/v1\/namespaces\/a: not sent: the fence is closed/);
    await rest.request('GET', '/api/v1/namespaces/b');
    expect(srv.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['GET /api/v1/namespaces/a', 'GET /api/v1/namespaces/b']);
    expect(f.sent).toEqual([]);
  });

  it('a write queued in the keep-alive agent is judged when it gets its socket, not when it was asked for', async () => {
    const f = testFence();
    const rest = client(f.fence, 1);
    srv.hold = true;
    const read = rest.request('GET', '/api/v1/namespaces/a'); // holds the only connection
    await srv.holding(1);
    const write = rest.request('PATCH', '/api/v1/namespaces/a', { metadata: { labels: { x: 'y' } } });
    write.catch(() => {});
    while (rest.pending < 2) await new Promise((r) => setImmediate(r));
    expect(f.asked).toEqual([]); // made, waiting for the connection: not asked yet
    f.close(); // e.g. the renew deadline passed while it waited
    srv.release();
    await read;
    await expect(write).rejects.toBeInstanceOf(FencedError);
    expect(f.asked).toEqual(['PATCH /api/v1/namespaces/a']);
    expect(srv.seen.map((s) => s.method)).toEqual(['GET']);
  });

  it('a queued write whose fence is still open when its socket comes is sent then', async () => {
    const f = testFence();
    const rest = client(f.fence, 1);
    srv.hold = true;
    const read = rest.request('GET', '/api/v1/namespaces/a');
    await srv.holding(1);
    const write = rest.request('PATCH', '/api/v1/namespaces/a', { metadata: {} });
    srv.release();
    await read;
    await write;
    expect(srv.seen.map((s) => s.method)).toEqual(['GET', 'PATCH']);
  });

  it('cancelAll ends the requests in flight and those waiting for a socket', async () => {
    const rest = client(undefined, 1);
    srv.hold = true;
    const inFlight = rest.request('GET', '/api/v1/namespaces/a');
    await srv.holding(1);
    const waiting = rest.request('POST', '/api/v1/namespaces', {});
    rest.cancelAll(new RequestCancelledError('lost the lease'));
    await expect(inFlight).rejects.toThrow('lost the lease');
    await expect(waiting).rejects.toBeInstanceOf(RequestCancelledError);
    expect(srv.seen.map((s) => s.method)).toEqual(['GET']);
  });

  it('sends the replica\'s identity as its User-Agent: RestClient, typed clients and watches', async () => {
    const kc = new UserAgentKubeConfig(kubeConfig(url, tls ? pki : undefined), operatorUserAgent('op-a'));
    const rest = new RestClient(kc, { fence: testFence().fence });
    clients.push(rest);
    await rest.request('GET', '/api/v1/namespaces/a');
    await rest.request('PATCH', '/api/v1/namespaces/a', {});
    await kc.makeApiClient(k8s.CoreV1Api).listNamespace();
    await new Promise<void>((resolve, reject) => void new k8s.Watch(kc).watch('/api/v1/namespaces', {}, () => {}, (e) => (e ? reject(e as Error) : resolve())));
    expect(srv.seen.map((s) => s.userAgent)).toEqual(Array(4).fill(`longyun-operator/${LONGYUN_VERSION} (op-a)`));
  });

  if (tls) {
    it('a write on a new TLS connection is judged after the handshake, not when the socket is assigned', async () => {
      const f = testFence();
      const rest = client(f.fence);
      // The fence closes once the server has accepted the TCP connection: before the TLS
      // handshake, after the request got its (still connecting) socket.
      srv.onConnection = () => f.close();
      await expect(rest.request('POST', '/api/v1/namespaces', { metadata: { name: 'a' } })).rejects.toBeInstanceOf(FencedError);
      expect(f.asked).toEqual(['POST /api/v1/namespaces']);
      srv.onConnection = undefined;
      await rest.request('GET', '/api/v1/namespaces/a');
      expect(srv.seen.map((s) => s.method)).toEqual(['GET']);
    });
  }
});

describe('LONGYUN_VERSION', () => {
  it('is package.json\'s', () => {
    expect(LONGYUN_VERSION).toBe((JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version);
  });
});
