// The local control plane for real: etcd, a management and two member kube-apiservers with their
// controller-managers, from the binaries scripts/local-control-plane/build.sh caches. Nothing is
// skipped: without the binaries, every test fails and says to run the build script.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevCluster, type DevControlPlane, down, findBinaries, kubeRequest, readState, status, up } from '../../operator/dev-cluster/index.js';

const stateDir = mkdtempSync(join(tmpdir(), 'longyun-dev-e2e-'));
let plane: DevControlPlane | undefined;
let startError: unknown;
let upMs = 0;

// A failed start fails every test with its message (e.g. "…run scripts/local-control-plane/build.sh…"
// when the binaries are not cached) instead of leaving them skipped.
beforeAll(async () => {
  try {
    findBinaries();
    const t0 = Date.now();
    plane = await up({ members: 2, stateDir });
    upMs = Date.now() - t0;
  } catch (e) {
    startError = e;
  }
}, 240_000);

afterAll(async () => {
  await down({ stateDir }).catch(() => undefined);
  rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

function started(): DevControlPlane {
  if (!plane) throw startError instanceof Error ? startError : new Error(`the local control plane did not start: ${String(startError)}`);
  return plane;
}
const cluster = (name: string): DevCluster => {
  const c = started().clusters.find((x) => x.name === name);
  if (!c) throw new Error(`no cluster ${name}`);
  return c;
};

/** The namespace names of a cluster, through kubectl when build.sh recorded one, else the REST API. */
function namespaceNames(c: DevCluster): Promise<string[]> | string[] {
  const kubectl = started().kubectl;
  if (kubectl) {
    const out = execFileSync(kubectl, ['--kubeconfig', c.kubeconfig, 'get', 'namespaces', '-o', 'name'], { encoding: 'utf8', timeout: 30_000 });
    return out.trim().split('\n').map((l) => l.replace(/^namespace\//, ''));
  }
  return kubeRequest(c, 'GET', '/api/v1/namespaces').then((r) => (JSON.parse(r.body) as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name));
}

/** Polls until `fn` gives a value; the limit only guards against a hang. */
async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

describe('longyun dev: the local control plane', () => {
  it('starts a management and two member API servers on 127.0.0.1, each ready, with a kubeconfig', async () => {
    const p = started();
    expect(p.phase).toBe('ready');
    expect(p.clusters.map((c) => c.name)).toEqual(['management', 'member-1', 'member-2']);
    expect(new Set(p.clusters.map((c) => c.port)).size).toBe(3);
    expect(new Set(p.clusters.map((c) => c.etcdPrefix)).size).toBe(3);
    expect(p.etcd.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const c of p.clusters) {
      expect(c.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect((await kubeRequest(c, 'GET', '/readyz')).status).toBe(200);
      expect(readFileSync(c.kubeconfig, 'utf8')).toContain(`server: ${c.server}`);
      expect(c.controllerManager).not.toBeNull();
    }
    expect(readState(stateDir)).toEqual(p);
    const st = await status({ stateDir });
    expect(st.healthy).toBe(true);
    expect(st.processes).toHaveLength(1 + 2 * 3);
    expect(st.processes.every((x) => x.alive)).toBe(true);
    console.info(`dev up (2 members): ${upMs} ms; RSS MiB: ${st.processes.map((x) => `${x.name}=${x.rssMiB}`).join(' ')}`);
  });

  it('serves `get namespaces` on every cluster with its kubeconfig', async () => {
    for (const c of started().clusters) {
      const names = await namespaceNames(c);
      expect(names).toEqual(expect.arrayContaining(['default', 'kube-system', 'kube-public']));
    }
  });

  it('keeps the clusters apart: a namespace made in member-1 is not in member-2 or the management cluster', async () => {
    const m1 = cluster('member-1');
    const r = await kubeRequest(m1, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'only-in-member-1' } });
    expect(r.status).toBe(201);
    expect(await namespaceNames(m1)).toContain('only-in-member-1');
    expect(await namespaceNames(cluster('member-2'))).not.toContain('only-in-member-1');
    expect(await namespaceNames(cluster('management'))).not.toContain('only-in-member-1');
    expect((await kubeRequest(cluster('member-2'), 'GET', '/api/v1/namespaces/only-in-member-1')).status).toBe(404);
  });

  it('runs the controller-manager: quota usage is computed and a deleted namespace finalizes', async () => {
    const c = cluster('member-2');
    const ns = 'finalize-me';
    expect((await kubeRequest(c, 'POST', '/api/v1/namespaces', { metadata: { name: ns } })).status).toBe(201);
    expect((await kubeRequest(c, 'POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'cm' }, data: { a: 'b' } })).status).toBe(201);
    const quota = { metadata: { name: 'q' }, spec: { hard: { configmaps: '10' } } };
    expect((await kubeRequest(c, 'POST', `/api/v1/namespaces/${ns}/resourcequotas`, quota)).status).toBe(201);
    const used = await eventually('ResourceQuota status.used', async () => {
      const q = JSON.parse((await kubeRequest(c, 'GET', `/api/v1/namespaces/${ns}/resourcequotas/q`)).body) as { status?: { used?: Record<string, string> } };
      return q.status?.used?.configmaps;
    });
    expect(Number(used)).toBeGreaterThanOrEqual(1);

    expect((await kubeRequest(c, 'DELETE', `/api/v1/namespaces/${ns}`)).status).toBe(200);
    await eventually('the namespace to finalize', async () => ((await kubeRequest(c, 'GET', `/api/v1/namespaces/${ns}`)).status === 404 ? true : undefined));
    expect((await kubeRequest(c, 'GET', `/api/v1/namespaces/${ns}/configmaps/cm`)).status).toBe(404);
  }, 150_000);

  it('authenticates tokens and authorizes with RBAC: the least-privilege token may not list namespaces', async () => {
    const c = cluster('management');
    expect((await kubeRequest(c, 'GET', '/api/v1/namespaces', undefined, c.tokens.restricted)).status).toBe(403);
    expect((await kubeRequest(c, 'GET', '/api/v1/namespaces', undefined, 'not-a-token')).status).toBe(401);
    expect((await kubeRequest(c, 'GET', '/api/v1/namespaces')).status).toBe(200);
    // Each cluster has its own tokens.
    expect((await kubeRequest(cluster('member-1'), 'GET', '/api/v1/namespaces', undefined, c.tokens.admin)).status).toBe(401);
  });

  it('refuses a second `up` in the same state directory', async () => {
    await expect(up({ members: 1, stateDir })).rejects.toThrow(/already running/);
    expect((await status({ stateDir })).healthy).toBe(true);
  });

  it('`down` stops every process it started and removes the state', async () => {
    const p = started();
    const pids = [p.etcd.process.pid, ...p.clusters.flatMap((c) => [c.apiserver.pid, c.controllerManager!.pid])];
    const result = await down({ stateDir });
    expect(result.stopped.map((s) => s.pid).sort()).toEqual([...pids].sort());
    expect(result.stopped.every((s) => s.outcome === 'terminated' || s.outcome === 'killed')).toBe(true);
    for (const pid of pids) {
      // Gone, or a zombie about to be reaped by this process: not running either way.
      let state = 'gone';
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!;
      } catch {
        // no such process
      }
      expect(['gone', 'Z', 'X'], `pid ${pid}`).toContain(state);
    }
    expect(existsSync(join(stateDir, 'state.json'))).toBe(false);
    expect(existsSync(join(stateDir, 'management.kubeconfig'))).toBe(false);
    const st = await status({ stateDir });
    expect(st.running).toBe(false);
    expect(st.processes).toEqual([]);
    expect((await down({ stateDir })).stopped).toEqual([]);
  });
});
