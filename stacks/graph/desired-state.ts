// The desired-state graph of the whole estate: one NodeGraph per cloud node (the provincial
// cloud, each municipal node, each industry cloud), with its tenants' objects and the backup
// storage locations their DR plans' Schedules name.
import type { Estate } from '../../topology/estate.js';
import type { AddressPlan } from '../../topology/ipam/address-plan.js';
import { backupCentres, backupStorageLocation, tenantObjects } from './tenant-objects.js';
import type { DesiredResource, DesiredState, NodeGraph } from './types.js';

export function buildDesiredState(estate: Estate, plan: AddressPlan): DesiredState {
  const byNode = new Map<string, typeof estate.doc.tenants>();
  for (const t of estate.doc.tenants) {
    const list = byNode.get(t.node) ?? [];
    list.push(t);
    byNode.set(t.node, list);
  }
  // One memo for every tenant (address lookups, shared specs): the plan does not change during the build.
  const ctx = { estate, plan, memo: new Map<string, unknown>() };
  const nodes: NodeGraph[] = estate.doc.clouds.map((cloud) => {
    const tenants = [...(byNode.get(cloud.id) ?? [])].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const resources: DesiredResource[] = [];
    const dcRoles = new Set<string>();
    for (const t of tenants) {
      resources.push(...tenantObjects(ctx, t));
      for (const role of t.dr?.centres ?? []) dcRoles.add(role);
    }
    for (const dc of backupCentres(estate, dcRoles)) resources.push(backupStorageLocation(estate, cloud.id, dc));
    return { node: cloud.id, kind: cloud.kind, unit: cloud.unit, resources };
  });
  return { estate: estate.name, nodes };
}
