// After `dev up`: the operator's CRDs in the management cluster, and the add-ons' stand-in CRDs
// (Multus, Velero) in every member, applied server-side as plain JSON.
import * as k8s from '@kubernetes/client-node';
import { ADDON_CRDS } from './addon-crds.js';
import { CRDS } from './crds.js';
import type { DevControlPlane } from './dev-cluster/index.js';
import { RestClient } from './rest.js';

export async function installDevCrds(plane: DevControlPlane): Promise<{ cluster: string; crds: string[] }[]> {
  const out: { cluster: string; crds: string[] }[] = [];
  for (const c of plane.clusters) {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(c.kubeconfig);
    const rest = new RestClient(kc);
    const crds = c.role === 'management' ? CRDS : ADDON_CRDS;
    for (const crd of crds) await rest.apply(crd as unknown as Parameters<RestClient['apply']>[0], 'longyun-dev');
    out.push({ cluster: c.name, crds: crds.map((d) => (d.metadata as { name: string }).name) });
  }
  return out;
}
