// A minimal HTTP(S) client for the local control plane's health checks (and tests): node's own
// http/https, no keep-alive, a hard timeout. Only ever used with 127.0.0.1 URLs from state.json.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpOptions {
  method?: string;
  /** PEM CA to verify the server with (https). */
  ca?: string | Buffer;
  /** Skip certificate verification (only for the controller-manager's self-signed /healthz on 127.0.0.1). */
  insecure?: boolean;
  /** Bearer token. */
  token?: string;
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  body: string;
}

export function httpCall(url: string, opts: HttpOptions = {}): Promise<HttpResponse> {
  const u = new URL(url);
  const payload = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  if (payload !== undefined) {
    headers['Content-Type'] = opts.contentType ?? 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  }
  const timeoutMs = opts.timeoutMs ?? 5_000;
  return new Promise((resolve, reject) => {
    const common = { method: opts.method ?? 'GET', headers, agent: false as const, timeout: timeoutMs };
    const req =
      u.protocol === 'https:'
        ? httpsRequest(u, { ...common, ca: opts.ca, rejectUnauthorized: !opts.insecure })
        : httpRequest(u, common);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${opts.method ?? 'GET'} ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** The status of GET url, or the error's message when there was no answer. */
export async function probe(url: string, opts: HttpOptions = {}): Promise<{ ok: boolean; status: number | null; detail: string }> {
  try {
    const r = await httpCall(url, opts);
    return { ok: r.status === 200, status: r.status, detail: r.status === 200 ? 'ok' : r.body.trim().split('\n').slice(-3).join(' ').slice(0, 200) };
  } catch (e) {
    return { ok: false, status: null, detail: (e as Error).message };
  }
}
