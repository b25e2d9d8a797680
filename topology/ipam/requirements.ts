// What the estate needs from the IPAM: one prefix per plane, family and owner, down the hierarchy
// province → municipal → county → township, data-centre sites under their unit, and service
// subnets under every unit or data centre. Sizes per level are configurable; defaults follow
// RIPE-690 (nibble boundaries, a /48 per county site).
import type { Estate } from '../estate.js';
import { parsePrefix, type Family } from '../prefix.js';
import type { IpamLevel } from '../schema.js';

export type AllocationLevel = 'province' | IpamLevel;
export const ALLOCATION_LEVELS: readonly AllocationLevel[] = ['province', 'municipal', 'county', 'township', 'datacentre', 'service'];

export const DEFAULT_SIZES: Record<Family, Record<IpamLevel, number>> = {
  ipv6: { municipal: 44, county: 48, township: 56, datacentre: 48, service: 64 },
  ipv4: { municipal: 17, county: 21, township: 26, datacentre: 22, service: 28 },
};

export interface Requirement {
  plane: string;
  family: Family;
  owner: string;
  level: AllocationLevel;
  /** The owner whose prefix this one is carved from; null for the plane's root. */
  parentOwner: string | null;
  /** Prefix length wanted; for the root, the root's own length. */
  length: number;
  /** For the root only: the plane's configured prefix. */
  root?: string;
}

/** The separator between an owner and a service name: `lanzhou-chengguan/video`. */
export const SERVICE_SEPARATOR = '/';

export function serviceOwner(owner: string, service: string): string {
  return `${owner}${SERVICE_SEPARATOR}${service}`;
}

export interface Owner {
  id: string;
  level: AllocationLevel;
  /** The owner whose prefix holds this one's (null for the province). */
  parent: string | null;
}

/** Every owner the estate defines, keyed by id, in estate order (parents before children). */
export function ownersOf(estate: Estate): Map<string, Owner> {
  const owners = new Map<string, Owner>();
  const services = estate.doc.ipam.services ?? {};
  const addServices = (ownerId: string, names: readonly string[] | undefined) => {
    for (const s of names ?? []) {
      const id = serviceOwner(ownerId, s);
      owners.set(id, { id, level: 'service', parent: ownerId });
    }
  };
  // Parents before children regardless of file order: walk the tree from the province.
  const province = estate.province();
  if (!province) return owners;
  const visit = (unitId: string) => {
    const u = estate.unitById.get(unitId)!;
    owners.set(u.id, { id: u.id, level: u.level, parent: u.parent ?? null });
    addServices(u.id, services[u.level]);
    for (const dc of estate.doc.datacentres) {
      if (dc.unit !== u.id) continue;
      owners.set(dc.id, { id: dc.id, level: 'datacentre', parent: u.id });
      addServices(dc.id, services.datacentre);
    }
    for (const child of estate.children(u.id)) visit(child.id);
  };
  visit(province.id);
  return owners;
}

/** The requirements for every plane and family with a configured root, parents first. */
export function requirementsOf(estate: Estate, owners: Map<string, Owner> = ownersOf(estate)): Requirement[] {
  const out: Requirement[] = [];
  const sizes = estate.doc.ipam.sizes ?? {};
  for (const plane of estate.doc.planes) {
    for (const family of ['ipv6', 'ipv4'] as const) {
      const root = plane[family];
      if (root === undefined) continue;
      const len = { ...DEFAULT_SIZES[family], ...(sizes[family] ?? {}) } as Record<IpamLevel, number>;
      for (const o of owners.values()) {
        if (o.level === 'province') {
          out.push({ plane: plane.id, family, owner: o.id, level: o.level, parentOwner: null, length: parsePrefix(root).len, root });
        } else {
          out.push({ plane: plane.id, family, owner: o.id, level: o.level, parentOwner: o.parent, length: len[o.level] });
        }
      }
    }
  }
  return out;
}
