// `longyun dev up` from the CLI: the control plane comes up with the operator's CRDs installed in
// the management cluster and the add-ons' stand-in CRDs in the members; `dev down` stops it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RestClient } from '../../operator/rest.js';
import { longyun } from './cli-helpers.js';
import { kubeConfigOf } from './operator-helpers.js';

describe('longyun dev up', () => {
  it('installs the CRDs, prints the clusters as JSON without tokens, and dev down stops it', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'longyun-dev-cli-'));
    try {
      const r = longyun(['dev', 'up', '--members', '1', '--state-dir', stateDir, '-o', 'json']);
      expect(r.code).toBe(0);
      const plane = JSON.parse(r.stdout) as { clusters: Array<{ name: string; kubeconfig: string; tokens?: unknown }> };
      expect(plane.clusters.map((c) => c.name)).toEqual(['management', 'member-1']);
      expect(plane.clusters.every((c) => c.tokens === undefined)).toBe(true);
      const crdNames = async (kubeconfig: string) =>
        (await new RestClient(kubeConfigOf(kubeconfig)).request<{ items: Array<{ metadata: { name: string } }> }>('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions')).items.map((c) => c.metadata.name).sort();
      expect(await crdNames(plane.clusters[0]!.kubeconfig)).toEqual(['cloudnodes.longyun.io', 'tenants.longyun.io']);
      expect(await crdNames(plane.clusters[1]!.kubeconfig)).toEqual(['backupstoragelocations.velero.io', 'network-attachment-definitions.k8s.cni.cncf.io', 'schedules.velero.io']);
    } finally {
      const d = longyun(['dev', 'down', '--state-dir', stateDir]);
      expect(d.code).toBe(0);
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 180_000);
});
