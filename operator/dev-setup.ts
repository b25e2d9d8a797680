// After `dev up`: the operator's CRDs in the management cluster, the add-ons' stand-in CRDs
// (Multus, Velero) in every member, applied server-side as plain JSON; then each member registered
// as the CloudNode of the estate cloud it stands for.
import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import type { Estate } from '../topology/estate.js';
import type { Cloud } from '../topology/schema.js';
import { ADDON_STAND_INS } from './addon-crds.js';
import { CloudNodeRegistrationError, findCloud, registerCloudNode } from './cloud-node-registration.js';
import { CRDS } from './crds.js';
import type { DevControlPlane } from './dev-cluster/index.js';
import { RestClient } from './rest.js';

const DEV_FIELD_MANAGER = 'longyun-dev';

/** The plain-JSON client of a kubeconfig file. */
export function restFor(kubeconfig: string): RestClient {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  return new RestClient(kc);
}

/** The operator's CRDs in the management cluster; the Multus and Velero stand-ins (CRDs, Velero's namespace) in the members. */
export async function installDevCrds(plane: DevControlPlane): Promise<{ cluster: string; installed: string[] }[]> {
  const out: { cluster: string; installed: string[] }[] = [];
  for (const c of plane.clusters) {
    const rest = restFor(c.kubeconfig);
    const objects = (c.role === 'management' ? CRDS : ADDON_STAND_INS) as unknown as ReadonlyArray<Parameters<RestClient['apply']>[0]>;
    for (const o of objects) await rest.apply(o, DEV_FIELD_MANAGER);
    out.push({ cluster: c.name, installed: objects.map((o) => `${o.kind === 'Namespace' ? 'namespace/' : ''}${o.metadata.name}`) });
  }
  return out;
}

/**
 * The estate clouds the members stand for, in member order: the ids given (`--as`; a standby cloud
 * registers as a standby CloudNode), or by default the provincial cloud first and then the
 * municipal clouds in estate order (standbys only when named).
 */
export function memberClouds(estate: Estate, members: number, ids: string[] | undefined, estateDir: string): Cloud[] {
  if (ids === undefined) {
    const production = estate.doc.clouds.filter((c) => c.role !== 'standby');
    const candidates = [...production.filter((c) => c.kind === 'provincial'), ...production.filter((c) => c.kind === 'municipal')];
    if (candidates.length < members) throw new CloudNodeRegistrationError(`${estateDir}: ${members} members but only ${candidates.length} provincial and municipal clouds to register them as; name them with --as`);
    return candidates.slice(0, members);
  }
  if (ids.length !== members) throw new CloudNodeRegistrationError(`--as names ${ids.length} cloud${ids.length === 1 ? '' : 's'} for ${members} member${members === 1 ? '' : 's'}; give one estate cloud id per member, in order`);
  const seen = new Set<string>();
  return ids.map((id) => {
    let cloud: Cloud;
    try {
      cloud = findCloud(estate, { id }, estateDir);
    } catch (e) {
      throw new CloudNodeRegistrationError(`--as: ${(e as Error).message}`);
    }
    if (seen.has(id)) throw new CloudNodeRegistrationError(`--as: cloud "${id}" is named twice; each member stands for a different cloud`);
    seen.add(id);
    return cloud;
  });
}

/** Registers member i as clouds[i] in the management cluster (Secret with its kubeconfig, CloudNode). */
export async function registerDevMembers(plane: DevControlPlane, clouds: Cloud[]): Promise<{ cluster: string; cloudNode: string; standby: boolean }[]> {
  const management = plane.clusters.find((c) => c.role === 'management');
  if (!management) throw new CloudNodeRegistrationError(`${plane.stateDir}: the local control plane has no management cluster`);
  const members = plane.clusters.filter((c) => c.role === 'member');
  const rest = restFor(management.kubeconfig);
  const out: { cluster: string; cloudNode: string; standby: boolean }[] = [];
  for (const [i, member] of members.entries()) {
    const cloud = clouds[i];
    if (!cloud) break;
    await registerCloudNode(rest, { cloud, kubeconfig: readFileSync(member.kubeconfig, 'utf8') }, DEV_FIELD_MANAGER);
    out.push({ cluster: member.name, cloudNode: cloud.id, standby: cloud.role === 'standby' });
  }
  return out;
}
