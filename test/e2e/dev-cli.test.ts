// `longyun dev up` from the CLI: the control plane comes up with the operator's CRDs installed in
// the management cluster and the add-ons' stand-in CRDs in the members, each member registered as
// the CloudNode of an estate cloud, which the operator then onboards; `dev down` stops it. With
// --audit every API server keeps an audit log of the writes and LISTs it received.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAuditLog } from '../../operator/dev-cluster/audit.js';
import { RestClient } from '../../operator/rest.js';
import { BIN, longyun } from './cli-helpers.js';
import { kubeConfigOf, waitFor } from './operator-helpers.js';

interface Node {
  metadata: { name: string };
  spec: { kind: string; unit: string; kubeconfigSecretRef: { name: string } };
  status?: { conditions?: Array<{ type: string; status: string }> };
}

describe('longyun dev up', () => {
  it('installs the CRDs, registers the members as the clouds named, prints JSON without tokens, keeps audit logs with --audit, and dev down stops it', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'longyun-dev-cli-'));
    try {
      // --as names one cloud, so one member.
      const r = longyun(['dev', 'up', '--as', 'tianshui-cloud', '--audit', '--state-dir', stateDir, '-o', 'json']);
      expect(r.code, r.stderr).toBe(0);
      const plane = JSON.parse(r.stdout) as { auditPolicy: string | null; clusters: Array<{ name: string; kubeconfig: string; cloudNode: string | null; auditLog: string | null; tokens?: unknown }> };
      expect(plane.clusters.map((c) => [c.name, c.cloudNode])).toEqual([
        ['management', null],
        ['member-1', 'tianshui-cloud'],
      ]);
      expect(plane.clusters.every((c) => c.tokens === undefined)).toBe(true);
      // One audit log per API server in the state directory: registering the member was written
      // there (the Secret, then the CloudNode, by the admin), and no read was.
      expect(plane.clusters.map((c) => c.auditLog)).toEqual([join(stateDir, 'audit', 'management.log'), join(stateDir, 'audit', 'member-1.log')]);
      expect(plane.auditPolicy).toBe(join(stateDir, 'audit', 'policy.yaml'));
      const written = readAuditLog(plane.clusters[0]!.auditLog!).filter((e) => e.user === 'longyun-admin');
      expect(written.map((e) => [e.verb, e.objectRef?.resource, e.objectRef?.name, e.code])).toEqual(
        expect.arrayContaining([
          ['patch', 'secrets', 'tianshui-cloud-kubeconfig', 201],
          ['patch', 'cloudnodes', 'tianshui-cloud', 201],
        ]),
      );
      // Writes and LISTs are logged; GETs and watches are not.
      expect(readAuditLog(plane.clusters[1]!.auditLog!).filter((e) => ['get', 'watch'].includes(e.verb))).toEqual([]);
      const mgmt = new RestClient(kubeConfigOf(plane.clusters[0]!.kubeconfig));
      const crdNames = async (rest: RestClient) =>
        (await rest.request<{ items: Array<{ metadata: { name: string } }> }>('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions')).items.map((c) => c.metadata.name).sort();
      expect(await crdNames(mgmt)).toEqual(['cloudnodes.longyun.io', 'drillschedules.longyun.io', 'failoverdrills.longyun.io', 'failovers.longyun.io', 'tenants.longyun.io']);
      expect(await crdNames(new RestClient(kubeConfigOf(plane.clusters[1]!.kubeconfig)))).toEqual(['backupstoragelocations.velero.io', 'network-attachment-definitions.k8s.cni.cncf.io', 'schedules.velero.io']);

      const nodes = await mgmt.request<{ items: Node[] }>('GET', '/apis/longyun.io/v1alpha1/cloudnodes');
      expect(nodes.items.map((n) => [n.metadata.name, n.spec.kind, n.spec.unit])).toEqual([['tianshui-cloud', 'municipal', 'tianshui']]);
      await mgmt.request('GET', `/api/v1/namespaces/longyun-system/secrets/${nodes.items[0]!.spec.kubeconfigSecretRef.name}`);

      // The registration is complete: the operator reaches the member and onboards it.
      const operator = spawn(process.execPath, [BIN, 'operator', 'run', '--kubeconfig', plane.clusters[0]!.kubeconfig, '--metrics-port', '0'], { stdio: 'ignore' });
      try {
        await waitFor(
          'tianshui-cloud Ready',
          async () => {
            const n = await mgmt.request<Node>('GET', '/apis/longyun.io/v1alpha1/cloudnodes/tianshui-cloud');
            return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
          },
          60_000,
          250,
        );
        // The node owns its kubeconfig Secret: deleting the node, the garbage collector deletes the credentials.
        const secretPath = `/api/v1/namespaces/longyun-system/secrets/${nodes.items[0]!.spec.kubeconfigSecretRef.name}`;
        await waitFor('the Secret owned by its node', async () => ((await mgmt.request<{ metadata: { ownerReferences?: unknown[] } }>('GET', secretPath)).metadata.ownerReferences ?? []).length > 0, 60_000, 250);
        await mgmt.request('DELETE', '/apis/longyun.io/v1alpha1/cloudnodes/tianshui-cloud');
        await waitFor('the kubeconfig Secret garbage-collected', async () => mgmt.request('GET', secretPath).then(() => false, (e: { code?: number }) => e.code === 404), 60_000, 250);
      } finally {
        operator.kill('SIGTERM');
        await new Promise((res) => operator.once('exit', res));
      }
    } finally {
      const d = longyun(['dev', 'down', '--state-dir', stateDir]);
      expect(d.code).toBe(0);
      expect(existsSync(join(stateDir, 'audit'))).toBe(false);
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 180_000);

  it('registers standby clouds named with --as as standby CloudNodes: the provincial cloud and its two standbys', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'longyun-dev-cli-'));
    try {
      const r = longyun(['dev', 'up', '--members', '3', '--as', 'gansu-provincial,gansu-provincial-same-city-dr,gansu-provincial-remote-dr', '--state-dir', stateDir, '-o', 'json']);
      expect(r.code, r.stderr).toBe(0);
      const plane = JSON.parse(r.stdout) as { clusters: Array<{ name: string; kubeconfig: string; cloudNode: string | null }> };
      expect(plane.clusters.map((c) => c.cloudNode)).toEqual([null, 'gansu-provincial', 'gansu-provincial-same-city-dr', 'gansu-provincial-remote-dr']);
      const mgmt = new RestClient(kubeConfigOf(plane.clusters[0]!.kubeconfig));
      const nodes = await mgmt.request<{ items: Array<Node & { spec: { role?: string; datacentre?: string; protects?: string[] } }> }>('GET', '/apis/longyun.io/v1alpha1/cloudnodes');
      expect(nodes.items.map((n) => [n.metadata.name, n.spec.role ?? 'production', n.spec.datacentre, n.spec.protects ?? []])).toEqual([
        ['gansu-provincial', 'production', 'dc-lanzhou-production', []],
        ['gansu-provincial-remote-dr', 'standby', 'dc-qingyang-dr', ['gansu-provincial']],
        ['gansu-provincial-same-city-dr', 'standby', 'dc-lanzhou-new-area-dr', ['gansu-provincial']],
      ]);
    } finally {
      expect(longyun(['dev', 'down', '--state-dir', stateDir]).code).toBe(0);
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 180_000);

  it('refuses an unknown cloud or a wrong count before starting anything', () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'longyun-dev-cli-'));
    try {
      const typo = longyun(['dev', 'up', '--as', 'tianshui-cloud,lanzhuo-cloud', '--state-dir', stateDir]);
      expect(typo.code).toBe(1);
      expect(typo.stderr).toMatch(/--as: .* has no cloud "lanzhuo-cloud" \(did you mean "lanzhou-cloud"\?\)/);
      const count = longyun(['dev', 'up', '--members', '3', '--as', 'tianshui-cloud', '--state-dir', stateDir]);
      expect(count.code).toBe(1);
      expect(count.stderr).toContain('--as names 1 cloud for 3 members');
      const both = longyun(['dev', 'up', '--as', 'tianshui-cloud', '--no-register', '--state-dir', stateDir]);
      expect(both.code).toBe(1);
      expect(readdirSync(stateDir)).toEqual([]);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
