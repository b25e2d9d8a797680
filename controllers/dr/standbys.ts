// Standby clouds (plan §4.1.2, two sites, three centres): which standby holds a tenant's copy in a
// DR centre, and the room the copies reserve there. Pure; it reads nodes in any of the forms they
// come in: the estate's clouds, the operator's NodeViews and CloudNode objects.
import { LongyunError } from '../../topology/errors.js';
import type { Estate } from '../../topology/estate.js';
import type { Capacity, CloudRole, DrPlan, TenantQuota } from '../../topology/schema.js';
import { add, capacityResources, quotaResources, ZERO, type NodeView, type Resources } from '../placement.js';

/** A DR centre a plan names: the role of the data centre a standby stands in. */
export type DrCentre = DrPlan['centres'][number];
export const DR_CENTRES: readonly DrCentre[] = ['same-city-dr', 'remote-dr'];

/** A node in one of the forms longyun holds it. */
export type NodeLike =
  | NodeView
  | { id: string; role?: CloudRole; datacentre?: string; protects?: readonly string[]; capacity: Capacity }
  | { metadata: { name: string; deletionTimestamp?: string }; spec: { role?: CloudRole; datacentre?: string; protects?: readonly string[]; capacity: Capacity } };

/** A standby, whatever form it came in. */
export interface StandbyView {
  name: string;
  datacentre: string | undefined;
  protects: readonly string[];
  capacity: Resources;
  /** Being offboarded: it takes no new copies. */
  deleting: boolean;
}

/** A tenant as far as standbys care: the node its active copy is on, its quota and DR plan. */
export interface DrTenantLike {
  /** The active node (a Tenant's status.activeNode, else status.node; an estate tenant's node). */
  node: string | undefined;
  quota: TenantQuota;
  dr?: { centres: readonly string[] } | undefined;
}

export class StandbyError extends LongyunError {
  override name = 'StandbyError';
}

/** The node as a standby, or undefined when it is not one. */
export function standbyView(n: NodeLike): StandbyView | undefined {
  if ('metadata' in n) {
    if (n.spec.role !== 'standby') return undefined;
    return { name: n.metadata.name, datacentre: n.spec.datacentre, protects: n.spec.protects ?? [], capacity: capacityResources(n.spec.capacity), deleting: n.metadata.deletionTimestamp !== undefined };
  }
  if ('id' in n) {
    if (n.role !== 'standby') return undefined;
    return { name: n.id, datacentre: n.datacentre, protects: n.protects ?? [], capacity: capacityResources(n.capacity), deleting: false };
  }
  if (n.standby !== true) return undefined;
  return { name: n.name, datacentre: n.datacentre, protects: n.protects ?? [], capacity: n.capacity, deleting: n.deleting === true };
}

/** The centre a standby stands in: its data centre's role, if that is a DR centre of the estate. */
export function centreOf(estate: Estate, standby: { datacentre?: string | undefined }): DrCentre | undefined {
  const role = standby.datacentre === undefined ? undefined : estate.datacentreById.get(standby.datacentre)?.role;
  return role === 'same-city-dr' || role === 'remote-dr' ? role : undefined;
}

/**
 * The standby that holds copies of tenants on `tenantNode` in `centre`: a standby (not being
 * offboarded) that protects the node and stands in a data centre of that role. Several such: the
 * first by name, so that every caller agrees. Undefined when there is none (the plan's copy in
 * that centre has nowhere to go).
 */
export function standbyFor<N extends NodeLike>(nodes: readonly N[], estate: Estate, tenantNode: string, centre: DrCentre): N | undefined {
  let best: { node: N; name: string } | undefined;
  for (const n of nodes) {
    const s = standbyView(n);
    if (!s || s.deleting || !s.protects.includes(tenantNode) || centreOf(estate, s) !== centre) continue;
    if (best === undefined || s.name < best.name) best = { node: n, name: s.name };
  }
  return best?.node;
}

/**
 * Where a tenant's copy for `centre` goes: the standby protecting its home there — unless that
 * standby holds the tenant's active copy (after a failover to it), when the home takes its place:
 * the old production becomes the standby of the new active node (reprotect).
 */
export function copyTargetFor<N extends NodeLike>(nodes: readonly N[], estate: Estate, home: string, active: string | undefined, centre: DrCentre): N | undefined {
  const standby = standbyFor(nodes, estate, home, centre);
  if (standby && active !== undefined && active !== home && nodeName(standby) === active) return nodes.find((n) => nodeName(n) === home);
  return standby;
}

function nodeName(n: NodeLike): string {
  return 'metadata' in n ? n.metadata.name : 'id' in n ? n.id : n.name;
}

/**
 * What the DR tenants a standby protects reserve on it: the sum of the quotas of the tenants on
 * a node it protects whose plan names its centre (capacity counts a tenant's quota on its active
 * node and reserves room on its standbys). With `nodes`, only the tenants whose standby in that
 * centre is this one (standbyFor), when several protect the same node there.
 */
export function reservedOn(standby: NodeLike, tenants: readonly DrTenantLike[], estate: Estate, nodes?: readonly NodeLike[]): Resources {
  const s = standbyView(standby);
  const name = 'metadata' in standby ? standby.metadata.name : 'id' in standby ? standby.id : standby.name;
  if (!s) throw new StandbyError(`"${name}" is not a standby (role: standby); only standbys hold DR copies`);
  const centre = centreOf(estate, s);
  if (!centre) {
    throw new StandbyError(`standby "${s.name}" stands in ${s.datacentre === undefined ? 'no data centre' : `"${s.datacentre}"`}, not a same-city-dr or remote-dr centre of estate ${estate.name}; set its datacentre to one`);
  }
  let total = ZERO;
  for (const t of tenants) {
    if (t.node === undefined || !t.dr?.centres.includes(centre) || !s.protects.includes(t.node)) continue;
    if (nodes !== undefined) {
      const chosen = standbyFor(nodes, estate, t.node, centre);
      if (chosen === undefined || standbyView(chosen)?.name !== s.name) continue;
    }
    total = add(total, quotaResources(t.quota));
  }
  return total;
}
