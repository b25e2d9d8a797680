// Operator replicas that the API servers tell apart, on a local control plane (tests and benches):
// each replica authenticates as its own ServiceAccount on every cluster, so an audit log's
// user.username names the replica whatever User-Agent it sends.
//
// - Management: per replica a ServiceAccount `longyun-operator-<replica>` in longyun-system, bound
//   to the ClusterRole and Role of `longyun operator manifests` (the same least privilege), and a
//   kubeconfig with a token of it (TokenRequest).
// - Members: every replica reads the same CloudNode Secret, so the member kubeconfig in it has no
//   token of its own but an exec credential plugin (as cloud providers' kubeconfigs do) that prints
//   `$LONGYUN_REPLICA_CREDENTIALS/<member>.json`: an ExecCredential holding a token of the
//   replica's ServiceAccount `kube-system:longyun-operator-<replica>` on that member, bound to the
//   longyun-member ClusterRole. Each replica process gets its own directory in that variable.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LongyunError } from '../topology/errors.js';
import type { Cloud } from '../topology/schema.js';
import { registerCloudNode } from './cloud-node-registration.js';
import type { DevCluster, DevControlPlane } from './dev-cluster/index.js';
import { kubeconfigYaml } from './dev-cluster/pki.js';
import { OPERATOR_NAMESPACE } from './manager.js';
import { operatorManifests } from './manifests.js';
import { memberRbac } from './member-rbac.js';
import { restFor } from './dev-setup.js';
import type { RestClient } from './rest.js';

/** The variable naming a replica's credentials directory (read by the members' exec plugin). */
export const REPLICA_CREDENTIALS_ENV = 'LONGYUN_REPLICA_CREDENTIALS';
const FIELD_MANAGER = 'longyun-dev';
const MEMBER_SA_NAMESPACE = 'kube-system';
/** Long enough for any soak; a TokenRequest's own default is an hour. */
const TOKEN_SECONDS = 24 * 3600;
const RBAC = 'rbac.authorization.k8s.io';

export class DevReplicasError extends LongyunError {
  override name = 'DevReplicasError';
}

export interface DevReplica {
  name: string;
  /** Its credentials: `management.kubeconfig`, one ExecCredential per member. */
  dir: string;
  managementKubeconfig: string;
  /** The environment its process needs (REPLICA_CREDENTIALS_ENV). */
  env: Record<string, string>;
}

export interface DevReplicas {
  replicas: DevReplica[];
  /** The replica a cluster's user is, e.g. `system:serviceaccount:longyun-system:longyun-operator-a` → `a`. */
  replicaOfUser(username: string): string | undefined;
  /** The kubeconfig of a member for its CloudNode Secret: the exec plugin, no token. */
  memberKubeconfig(member: DevCluster): string;
}

export const serviceAccountName = (replica: string): string => `longyun-operator-${replica}`;

async function tokenOf(rest: RestClient, namespace: string, name: string): Promise<{ token: string; expirationTimestamp: string }> {
  const r = await rest.request<{ status: { token: string; expirationTimestamp: string } }>('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds: TOKEN_SECONDS },
  });
  return r.status;
}

/**
 * Creates the replicas' ServiceAccounts, bindings and credentials (under `dir/<replica>/`).
 * Applies the manifests' CRDs, namespace and RBAC to the management cluster first.
 */
export async function devReplicas(plane: DevControlPlane, names: readonly string[], dir: string): Promise<DevReplicas> {
  if (names.length === 0 || new Set(names).size !== names.length || names.some((n) => !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n))) {
    throw new DevReplicasError(`replica names must be distinct DNS labels, got ${JSON.stringify(names)}`);
  }
  const management = plane.clusters.find((c) => c.role === 'management')!;
  const members = plane.clusters.filter((c) => c.role === 'member');
  const mgmt = restFor(management.kubeconfig);
  const users = new Map<string, string>();
  try {
    const rbac = (operatorManifests() as Array<{ apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }>).filter((o) => !['Deployment', 'Service'].includes(o.kind));
    for (const o of rbac) await mgmt.apply(o, FIELD_MANAGER);
    const roleName = (kind: string) => rbac.find((o) => o.kind === kind)!.metadata.name;
    const subjects = names.map((n) => ({ kind: 'ServiceAccount', name: serviceAccountName(n), namespace: OPERATOR_NAMESPACE }));
    for (const n of names) {
      await mgmt.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: serviceAccountName(n), namespace: OPERATOR_NAMESPACE } }, FIELD_MANAGER);
      users.set(`system:serviceaccount:${OPERATOR_NAMESPACE}:${serviceAccountName(n)}`, n);
    }
    await mgmt.apply({ apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'longyun-operator-replicas' }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: roleName('ClusterRole') }, subjects } as never, FIELD_MANAGER);
    await mgmt.apply({ apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name: 'longyun-operator-replicas', namespace: OPERATOR_NAMESPACE }, roleRef: { apiGroup: RBAC, kind: 'Role', name: roleName('Role') }, subjects } as never, FIELD_MANAGER);

    for (const m of members) {
      const rest = restFor(m.kubeconfig);
      try {
        for (const n of names) {
          await rest.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: serviceAccountName(n), namespace: MEMBER_SA_NAMESPACE } }, FIELD_MANAGER);
          users.set(`system:serviceaccount:${MEMBER_SA_NAMESPACE}:${serviceAccountName(n)}`, n);
        }
        for (const o of memberRbac(names.map((n) => ({ kind: 'ServiceAccount' as const, name: serviceAccountName(n), namespace: MEMBER_SA_NAMESPACE })))) await rest.apply(o as never, FIELD_MANAGER);
      } finally {
        rest.close();
      }
    }

    const replicas: DevReplica[] = [];
    for (const n of names) {
      const rdir = join(dir, n);
      mkdirSync(rdir, { recursive: true, mode: 0o700 });
      const { token } = await tokenOf(mgmt, OPERATOR_NAMESPACE, serviceAccountName(n));
      const managementKubeconfig = join(rdir, 'management.kubeconfig');
      writeFileSync(managementKubeconfig, kubeconfigYaml({ cluster: management.name, server: management.server, caFile: management.caFile, user: serviceAccountName(n), token }), { mode: 0o600 });
      for (const m of members) {
        const rest = restFor(m.kubeconfig);
        try {
          const status = await tokenOf(rest, MEMBER_SA_NAMESPACE, serviceAccountName(n));
          // With its expiry, the client caches the credential instead of running the plugin per request.
          const credential = { apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status };
          writeFileSync(join(rdir, `${m.name}.json`), `${JSON.stringify(credential)}\n`, { mode: 0o600 });
        } finally {
          rest.close();
        }
      }
      replicas.push({ name: n, dir: rdir, managementKubeconfig, env: { [REPLICA_CREDENTIALS_ENV]: rdir } });
    }
    return {
      replicas,
      replicaOfUser: (username) => users.get(username),
      memberKubeconfig: (member) => execKubeconfig(member),
    };
  } finally {
    mgmt.close();
  }
}

/** A member kubeconfig whose user is the exec plugin printing the running replica's credential for it. */
export function execKubeconfig(member: Pick<DevCluster, 'name' | 'server' | 'caFile'>): string {
  const base = kubeconfigYaml({ cluster: member.name, server: member.server, caFile: member.caFile, user: 'longyun-replica', token: 'unused' });
  const exec = [
    '    exec:',
    '      apiVersion: client.authentication.k8s.io/v1beta1',
    '      command: /bin/sh',
    '      args:',
    '      - -c',
    `      - 'cat "$${REPLICA_CREDENTIALS_ENV}/${member.name}.json"'`,
  ].join('\n');
  return base.replace('    token: unused', exec);
}

/** Registers member i as clouds[i] with the exec kubeconfig (Secret, CloudNode), as `dev up` registers them. */
export async function registerReplicaMembers(plane: DevControlPlane, clouds: readonly Cloud[], replicas: DevReplicas): Promise<{ cluster: string; cloudNode: string }[]> {
  const management = plane.clusters.find((c) => c.role === 'management')!;
  const rest = restFor(management.kubeconfig);
  try {
    const out: { cluster: string; cloudNode: string }[] = [];
    for (const [i, member] of plane.clusters.filter((c) => c.role === 'member').entries()) {
      const cloud = clouds[i];
      if (!cloud) break;
      await registerCloudNode(rest, { cloud, kubeconfig: replicas.memberKubeconfig(member) }, FIELD_MANAGER);
      out.push({ cluster: member.name, cloudNode: cloud.id });
    }
    return out;
  } finally {
    rest.close();
  }
}
