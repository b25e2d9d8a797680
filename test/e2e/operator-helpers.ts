// Shared by the operator's end-to-end tests: a local control plane with the CRDs installed and
// the members registered as CloudNodes, on real kube-apiservers.
import * as k8s from '@kubernetes/client-node';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADDON_STAND_INS } from '../../operator/addon-crds.js';
import { API_VERSION, CRDS } from '../../operator/crds.js';
import { down, kubeconfigYaml, RESTRICTED_USER, up, type DevControlPlane } from '../../operator/dev-cluster/index.js';
import { memberRbac } from '../../operator/member-rbac.js';
import { RestClient } from '../../operator/rest.js';

export interface Env {
  plane: DevControlPlane;
  stateDir: string;
  management: k8s.KubeConfig;
  members: k8s.KubeConfig[];
  stop(): Promise<void>;
}

export function kubeConfigOf(file: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(file);
  return kc;
}

/** Server-side apply of plain JSON (the typed client would drop `x-kubernetes-*` keys). */
export async function applyAll(kc: k8s.KubeConfig, objects: readonly object[]): Promise<void> {
  const rest = new RestClient(kc);
  for (const o of objects) await rest.apply(o as Parameters<RestClient['apply']>[0], 'longyun-test');
}

/**
 * Edits a ResourceQuota's `spec.hard` the way a person on the member would, with a JSON merge patch
 * under another field manager. A patch carries no resourceVersion, so it cannot lose a race with
 * the quota controller's status updates (a read-modify-replace can, with a 409).
 */
export async function editQuotaOnMember(kc: k8s.KubeConfig, namespace: string, hard: Record<string, string>): Promise<{ spec: { hard: Record<string, string> } }> {
  const rest = new RestClient(kc);
  try {
    return await rest.request('PATCH', `/api/v1/namespaces/${namespace}/resourcequotas/longyun-quota?fieldManager=someone-else`, { spec: { hard } }, 'application/merge-patch+json');
  } finally {
    rest.close();
  }
}

/**
 * Waits for a condition, polling every `everyMs`. The limit only guards against a hang (a condition
 * that never comes fails with what was awaited and the last error), never a speed target: how fast
 * things happen is measured in bench/. Keep it well above what a loaded 2-core machine needs.
 */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Starts `members` member clusters and a management cluster, installs CRDs, and registers the
 * members as CloudNodes named `nodes[i]`. With `memberIdentity: 'longyun-member'` the kubeconfig
 * each CloudNode gets authenticates as the member's least-privilege user, bound to the
 * longyun-member ClusterRole and nothing else (as municipal ops hand one over); otherwise as its admin.
 */
export async function startEnv(
  nodes: Array<{ name: string; kind: string; unit: string; capacity: { vcpu: number; memoryGiB: number; storageTiB: number }; role?: 'production' | 'standby'; datacentre?: string; protects?: string[] }>,
  options: { memberIdentity?: 'admin' | 'longyun-member'; audit?: boolean } = {},
): Promise<Env> {
  const stateDir = mkdtempSync(join(tmpdir(), 'longyun-e2e-'));
  const plane = await up({ members: nodes.length, stateDir, audit: options.audit ?? false });
  const management = kubeConfigOf(plane.clusters.find((c) => c.role === 'management')!.kubeconfig);
  const memberClusters = plane.clusters.filter((c) => c.role === 'member');
  const members = memberClusters.map((c) => kubeConfigOf(c.kubeconfig));
  await applyAll(management, CRDS);
  for (const m of members) await applyAll(m, ADDON_STAND_INS);
  // CRDs take a moment to be served.
  const custom = management.makeApiClient(k8s.CustomObjectsApi);
  const [group, version] = API_VERSION.split('/') as [string, string];
  await waitFor('the CRDs to be served', async () => (await custom.listClusterCustomObject({ group, version, plural: 'tenants' })) !== undefined);
  for (const m of members) {
    const c = m.makeApiClient(k8s.CustomObjectsApi);
    await waitFor('the add-on CRDs', async () => (await c.listClusterCustomObject({ group: 'k8s.cni.cncf.io', version: 'v1', plural: 'network-attachment-definitions' })) !== undefined);
  }
  const core = management.makeApiClient(k8s.CoreV1Api);
  try {
    await core.createNamespace({ body: { metadata: { name: 'longyun-system' } } });
  } catch {
    // exists
  }
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    const c = memberClusters[i]!;
    let kubeconfig = readFileSync(c.kubeconfig, 'utf8');
    if (options.memberIdentity === 'longyun-member') {
      await applyAll(members[i]!, memberRbac([{ kind: 'User', name: RESTRICTED_USER }]));
      kubeconfig = kubeconfigYaml({ cluster: c.name, server: c.server, caFile: c.caFile, user: RESTRICTED_USER, token: c.tokens.restricted });
    }
    await core.createNamespacedSecret({
      namespace: 'longyun-system',
      body: { metadata: { name: `${n.name}-kubeconfig` }, data: { kubeconfig: Buffer.from(kubeconfig).toString('base64') } },
    });
    await custom.createClusterCustomObject({
      group,
      version,
      plural: 'cloudnodes',
      body: { apiVersion: API_VERSION, kind: 'CloudNode', metadata: { name: n.name }, spec: { kind: n.kind, unit: n.unit, kubeconfigSecretRef: { name: `${n.name}-kubeconfig`, key: 'kubeconfig' }, capacity: n.capacity, ...(n.role ? { role: n.role } : {}), ...(n.datacentre ? { datacentre: n.datacentre } : {}), ...(n.protects ? { protects: n.protects } : {}) } },
    });
  }
  return { plane, stateDir, management, members, stop: async () => void (await down({ stateDir })) };
}

/**
 * Whether `user` (an authenticated user with no other groups, as the dev clusters' restricted
 * user) may do something on the cluster of `kc`, by the API server's own SubjectAccessReview.
 */
export async function canI(
  kc: k8s.KubeConfig,
  user: string,
  attributes: { verb: string; group?: string; resource: string; namespace?: string; name?: string } | { verb: string; path: string },
): Promise<boolean> {
  const rest = new RestClient(kc);
  try {
    const spec = { user, groups: ['system:authenticated'], ...('path' in attributes ? { nonResourceAttributes: attributes } : { resourceAttributes: attributes }) };
    const review = await rest.request<{ status: { allowed: boolean } }>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec });
    return review.status.allowed;
  } finally {
    rest.close();
  }
}
