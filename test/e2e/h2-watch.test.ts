// Per-namespace informers over HTTP/2 against a real kube-apiserver 1.20 (`longyun dev up`, one
// member): 60 namespaces × 10 kinds (600 watches) sync and follow changes on a handful of TCP
// connections; a namespace created later, and a kind the identity may not list, do neither spin nor
// flood onError.
import * as k8s from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, kubeconfigYaml, RESTRICTED_USER, up, type DevCluster, type DevControlPlane } from '../../operator/dev-cluster/index.js';
import { H2Watcher } from '../../operator/h2-watch.js';
import { errorCause, NamespacedInformers, type ChangeType, type KindRef } from '../../operator/namespaced-informers.js';
import { RestClient, UserAgentKubeConfig } from '../../operator/rest.js';
import type { ObjectMeta } from '../../stacks/graph/types.js';
import { kubeConfigOf, waitFor } from './operator-helpers.js';

/** Metadata as the API server returns it (the watch's objects): a resourceVersion. */
type ServerMeta = ObjectMeta & { resourceVersion?: string };

const NAMESPACES = 60;
const KINDS: KindRef[] = [
  { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' },
  { apiVersion: 'v1', kind: 'Secret', plural: 'secrets' },
  { apiVersion: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts' },
  { apiVersion: 'v1', kind: 'ResourceQuota', plural: 'resourcequotas' },
  { apiVersion: 'v1', kind: 'LimitRange', plural: 'limitranges' },
  { apiVersion: 'v1', kind: 'PodTemplate', plural: 'podtemplates' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', plural: 'roles' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', plural: 'rolebindings' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', plural: 'networkpolicies' },
  { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', plural: 'leases' },
];

let plane: DevControlPlane;
let stateDir: string;
let member: DevCluster;
let kc: k8s.KubeConfig;
let rest: RestClient;

/** This process's established TCP connections to `port` (ss -tnp). */
function connectionsTo(port: number): number {
  const out = execFileSync('ss', ['-tnpH', 'state', 'established', 'dst', `127.0.0.1:${port}`], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(`pid=${process.pid},`)).length;
}

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'longyun-h2-e2e-'));
  plane = await up({ members: 1, stateDir });
  member = plane.clusters.find((c) => c.role === 'member')!;
  kc = new UserAgentKubeConfig(kubeConfigOf(member.kubeconfig), 'longyun-e2e/h2-watch');
  rest = new RestClient(kc);
  for (let i = 0; i < NAMESPACES; i++) {
    await rest.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `h2-${i}` } });
    await rest.request('POST', `/api/v1/namespaces/h2-${i}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'seed' }, data: { i: String(i) } });
  }
});

afterAll(async () => {
  rest?.close();
  if (stateDir) await down({ stateDir });
});

describe('NamespacedInformers over HTTP/2', () => {
  it('syncs 60 namespaces × 10 kinds on a handful of connections and follows creates, updates and deletes', async () => {
    const changes: Array<{ ns: string; type: ChangeType; key: string; rv?: string }> = [];
    const errors: string[] = [];
    const watcher = new H2Watcher(kc);
    const ni = new NamespacedInformers(
      kc,
      KINDS,
      { onChange: (ns, o, type) => changes.push({ ns, type, key: `${o.kind}/${o.metadata.name}`, rv: (o.metadata as ServerMeta).resourceVersion }), onError: (ns, k, e) => errors.push(`${ns} ${k.kind}: ${errorCause(e)}`) },
      { watcher },
    );
    try {
      for (let i = 0; i < NAMESPACES; i++) ni.add(`h2-${i}`);
      // A namespace that does not exist yet: lists empty, watches wait.
      ni.add('h2-late');
      await waitFor('every namespace synced', async () => ni.namespaces().every((ns) => ni.synced(ns)));
      await waitFor('every watch open', async () => watcher.streams === (NAMESPACES + 1) * KINDS.length);
      expect(ni.lists).toBe((NAMESPACES + 1) * KINDS.length);
      expect(ni.objects('h2-7').get('v1/ConfigMap/seed')?.data).toEqual({ i: '7' });
      const sockets = await waitFor('the idle list sockets closed', async () => {
        const n = connectionsTo(member.port);
        return n <= 3 + 1 && n;
      });
      // 610 streams at 250 per connection: 3 HTTP/2 connections (the lists' keep-alive sockets are
      // closed once the lists are done), and this test's own RestClient.
      expect(watcher.sessionsOpened).toBe(3);
      expect(watcher.sessions).toBe(3);
      process.stderr.write(`h2-watch e2e: ${watcher.streams} watches, ${watcher.sessions} HTTP/2 sessions, ${sockets} TCP connections to the API server\n`);

      // Create, update, delete.
      const made = await rest.request<{ metadata: { resourceVersion: string } }>('POST', '/api/v1/namespaces/h2-42/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1' }, stringData: { a: 'b' } });
      await waitFor('the Secret added', async () => changes.some((c) => c.ns === 'h2-42' && c.type === 'ADDED' && c.key === 'Secret/s1'));
      await rest.request('PATCH', '/api/v1/namespaces/h2-42/secrets/s1', { metadata: { labels: { x: 'y' } } }, 'application/merge-patch+json');
      await waitFor('the Secret modified', async () => changes.some((c) => c.ns === 'h2-42' && c.type === 'MODIFIED' && c.key === 'Secret/s1' && c.rv !== made.metadata.resourceVersion));
      expect((ni.objects('h2-42').get('v1/Secret/s1')?.metadata.labels as Record<string, string>).x).toBe('y');
      await rest.request('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/h2-3/roles', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r' }, rules: [] });
      await rest.request('DELETE', '/api/v1/namespaces/h2-42/secrets/s1');
      await waitFor('the Secret deleted', async () => changes.some((c) => c.ns === 'h2-42' && c.type === 'DELETED' && c.key === 'Secret/s1'));
      await waitFor('the Role added', async () => ni.objects('h2-3').has('rbac.authorization.k8s.io/v1/Role/r'));
      expect(ni.objects('h2-42').has('v1/Secret/s1')).toBe(false);

      // The late namespace appears, with an object: seen through the watch, no list.
      await rest.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'h2-late' } });
      await rest.request('POST', '/apis/coordination.k8s.io/v1/namespaces/h2-late/leases', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l' }, spec: { holderIdentity: 'x' } });
      await waitFor('the Lease in the late namespace', async () => ni.objects('h2-late').has('coordination.k8s.io/v1/Lease/l'));

      // setKinds: one kind fewer stops 61 watches; remove stops a namespace's.
      ni.setKinds(KINDS.filter((k) => k.kind !== 'PodTemplate'));
      ni.remove('h2-0');
      await waitFor('the streams closed', async () => watcher.streams === NAMESPACES * (KINDS.length - 1));
      // Steady state: no list beyond the initial ones.
      expect(ni.lists).toBe((NAMESPACES + 1) * KINDS.length);
      expect(errors).toEqual([]);
      expect(watcher.sessionsOpened).toBe(3);
    } finally {
      ni.stop();
      watcher.close();
    }
    expect(watcher.sessions).toBe(0);
  });

  it('reports a kind the identity may not list once, backing off, and syncs nothing else', async () => {
    const restricted = new k8s.KubeConfig();
    restricted.loadFromString(kubeconfigYaml({ cluster: member.name, server: member.server, caFile: member.caFile, user: RESTRICTED_USER, token: member.tokens.restricted }));
    const errors: string[] = [];
    const ni = new NamespacedInformers(restricted, KINDS.slice(0, 2), { onError: (ns, k, e) => errors.push(`${ns} ${k.kind}: ${errorCause(e)}`) }, { listBackoff: { initialMs: 50, maxMs: 200 } });
    try {
      ni.add('h2-1');
      await waitFor('several retries', async () => ni.lists >= 10);
      expect(errors.sort()).toEqual(['h2-1 ConfigMap: HTTP 403 Forbidden', 'h2-1 Secret: HTTP 403 Forbidden']);
      expect(ni.synced('h2-1')).toBe(false);
    } finally {
      ni.stop();
    }
  });
});
