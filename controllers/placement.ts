// Placement of a tenant on a cloud node with room for its quota, among the nodes the tenant
// policies allow. Pure: the caller passes what is already committed on each node, and serialises
// decisions so that nothing is over-committed.
import { evaluateTenantPolicies, isOwnCityNode, type TenantFinding, type TenantRequest } from '../policies/tenant-policies.js';
import type { Estate } from '../topology/estate.js';
import { GiB, parseQuantity, TiB } from '../topology/quantity.js';
import type { Capacity, TenantQuota } from '../topology/schema.js';

/** Cores and bytes. */
export interface Resources {
  cpu: number;
  memory: number;
  storage: number;
}

export const ZERO: Resources = { cpu: 0, memory: 0, storage: 0 };

export function quotaResources(q: TenantQuota): Resources {
  return { cpu: parseQuantity(q.cpu), memory: parseQuantity(q.memory), storage: parseQuantity(q.storage) };
}

export function capacityResources(c: Capacity): Resources {
  return { cpu: c.vcpu, memory: c.memoryGiB * GiB, storage: c.storageTiB * TiB };
}

export function add(a: Resources, b: Resources): Resources {
  return { cpu: a.cpu + b.cpu, memory: a.memory + b.memory, storage: a.storage + b.storage };
}

export function fits(request: Resources, allocated: Resources, capacity: Resources): boolean {
  return allocated.cpu + request.cpu <= capacity.cpu && allocated.memory + request.memory <= capacity.memory && allocated.storage + request.storage <= capacity.storage;
}

export interface NodeView {
  name: string;
  kind: 'provincial' | 'municipal' | 'industry';
  unit: string;
  ready: boolean;
  /** Being offboarded (deleted): it keeps serving its tenants but takes no new ones. */
  deleting?: boolean;
  /** A standby (CloudNode spec.role: standby): it holds DR copies, never tenants of its own. */
  standby?: boolean;
  /** A standby's data centre (its role is the DR centre it stands in) and the nodes it protects. */
  datacentre?: string;
  protects?: readonly string[];
  capacity: Resources;
}

export type PlacementResult =
  | { ok: true; node: string; reason: 'NodeRequested' | 'NodeChosen'; message: string }
  | { ok: false; reason: 'NodeNotFound' | 'NodeNotReady' | 'NoCapacity'; message: string };

const fmt = (r: Resources) => `${r.cpu} vCPU, ${Math.round(r.memory / GiB)} GiB memory, ${Math.round((r.storage / TiB) * 100) / 100} TiB storage`;

/**
 * Chooses a node: the requested one if it is ready and has room (the policies judge a requested
 * node when the request is approved, see reconcileTenant); otherwise a ready node matching the
 * placement constraints on which no enforce-mode tenant policy has a finding: those with the
 * fewest audit-mode findings first, then the department's own city's node, the provincial cloud,
 * industry clouds, any other node; among equals, the one with most free CPU; ties by name.
 * A placement is for good (the tenant's data lives there), so while the city's own node is
 * onboarded but not Ready the tenant waits for it rather than going elsewhere for good; only a
 * full city node sends it on. `node` or `placement` in the spec places it elsewhere at once.
 * A node being offboarded takes no new tenants, and is not waited for. A standby is never chosen:
 * it holds DR copies only (a requested standby is tenant-not-on-standby's finding).
 */
export function place(
  estate: Estate,
  tenant: TenantRequest,
  nodes: readonly NodeView[],
  allocated: ReadonlyMap<string, Resources>,
): PlacementResult {
  const request = quotaResources(tenant.quota);
  const used = (n: string) => allocated.get(n) ?? ZERO;
  if (tenant.node !== undefined) {
    const n = nodes.find((x) => x.name === tenant.node);
    if (!n) return { ok: false, reason: 'NodeNotFound', message: `node "${tenant.node}" is not onboarded` };
    if (n.deleting) return { ok: false, reason: 'NodeNotFound', message: `node "${n.name}" is being offboarded and takes no new tenants` };
    if (!n.ready) return { ok: false, reason: 'NodeNotReady', message: `node "${n.name}" is not Ready` };
    if (!fits(request, used(n.name), n.capacity)) {
      return { ok: false, reason: 'NoCapacity', message: `node "${n.name}" has ${fmt(used(n.name))} committed of ${fmt(n.capacity)}; the request is ${fmt(request)}` };
    }
    return { ok: true, node: n.name, reason: 'NodeRequested', message: `on the requested node "${n.name}"` };
  }
  const audit = new Map<string, TenantFinding[]>();
  const allowed = (n: NodeView) => {
    const findings = evaluateTenantPolicies(estate, tenant, n);
    if (findings.some((f) => f.mode === 'enforce')) return false;
    audit.set(n.name, findings);
    return true;
  };
  const audited = (n: NodeView) => audit.get(n.name)?.length ?? 0;
  const rank = (n: NodeView) => (isOwnCityNode(estate, tenant.department, n) ? 0 : n.kind === 'provincial' ? 1 : n.kind === 'industry' ? 2 : 3);
  const matching = nodes.filter((n) => !n.deleting && !n.standby && (tenant.placement?.kind === undefined || n.kind === tenant.placement.kind) && (tenant.placement?.unit === undefined || n.unit === tenant.placement.unit) && allowed(n));
  const cityNodeDown = matching.find((n) => rank(n) === 0 && !n.ready);
  const candidates = matching
    .filter((n) => n.ready)
    .sort((a, b) => audited(a) - audited(b) || rank(a) - rank(b) || b.capacity.cpu - used(b.name).cpu - (a.capacity.cpu - used(a.name).cpu) || (a.name < b.name ? -1 : 1));
  for (const n of candidates) {
    if (!fits(request, used(n.name), n.capacity)) continue;
    if (rank(n) > 0 && cityNodeDown) {
      return { ok: false, reason: 'NodeNotReady', message: `waiting for "${cityNodeDown.name}", the department's city node, to be Ready; to place the tenant elsewhere now, set spec.node or spec.placement.kind` };
    }
    const policies = [...new Set(audit.get(n.name)!.map((f) => f.policy))];
    const note = policies.length ? `; audit findings: ${policies.join(', ')}` : '';
    return { ok: true, node: n.name, reason: 'NodeChosen', message: `placed on "${n.name}" (${n.kind}, ${n.unit})${note}` };
  }
  if (cityNodeDown) return { ok: false, reason: 'NodeNotReady', message: `waiting for "${cityNodeDown.name}", the department's city node, to be Ready (no other node has room either)` };
  if (candidates.length === 0) return { ok: false, reason: 'NoCapacity', message: 'no Ready node matches the placement constraints and the tenant policies' };
  return { ok: false, reason: 'NoCapacity', message: `no matching node has room for ${fmt(request)} (tried ${candidates.map((c) => c.name).join(', ')})` };
}
