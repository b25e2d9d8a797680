// What the estate needs from the IPAM: one prefix per plane, family and owner, down the hierarchy
// province → municipal → county → township, data-centre sites under their unit, and service
// subnets under every unit or data centre. Sizes per level are configurable; defaults follow
// RIPE-690 (nibble boundaries, a /48 per county site).
import type { Estate } from '../estate.js';
import { parsePrefix, type Family } from '../prefix.js';
import type { IpamLevel } from '../schema.js';

export type AllocationLevel = 'province' | IpamLevel;
export const ALLOCATION_LEVELS: readonly AllocationLevel[] = ['province', 'municipal', 'county', 'township', 'datacentre', 'cloud', 'service'];

export const DEFAULT_SIZES: Record<Family, Record<IpamLevel, number>> = {
  ipv6: { municipal: 44, county: 48, township: 56, datacentre: 48, cloud: 56, service: 64 },
  ipv4: { municipal: 17, county: 21, township: 26, datacentre: 22, cloud: 24, service: 28 },
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
  // A join makes a flat string (a template literal makes a cons string twice the size).
  return [owner, SERVICE_SEPARATOR, service].join('');
}

export interface Owner {
  id: string;
  level: AllocationLevel;
  /** The owner whose prefix holds this one's (null for the province). */
  parent: string | null;
}

/**
 * The owners of `ownersOf` without an object per owner: parallel lists in the same order, and
 * each id's position. Large estates have hundreds of thousands of service owners.
 */
export interface OwnerIndex {
  /** How many owners there are. */
  readonly size: number;
  /** Every owner's id (service owners' ids are made when first asked for: see `idAt`). */
  readonly ids: readonly string[];
  /** The id of the owner at position i (a service owner's is made, and kept, when first asked for). */
  idAt(i: number): string;
  /** Is `text.slice(start, end)` the id of the owner at position i? (Without making either.) */
  idIs(i: number, text: string, start: number, end: number): boolean;
  readonly levels: readonly AllocationLevel[];
  readonly parents: readonly (string | null)[];
  /** How many owners have each owner as their parent. */
  readonly childCounts: ArrayLike<number>;
  /** The position of each owner's parent in the lists (-1 for none). */
  readonly parentPositions: ArrayLike<number>;
  /** id → position in the lists (made when first asked for where the ids are known distinct). */
  readonly index: ReadonlyMap<string, number>;
}

/** Every owner the estate defines, keyed by id, in estate order (parents before children). */
export function ownersOf(estate: Estate): Map<string, Owner> {
  return ownerMapOf(ownerIndexOf(estate));
}

/** The `ownersOf` map of an owner index. */
export function ownerMapOf({ ids, levels, parents }: OwnerIndex): Map<string, Owner> {
  const owners = new Map<string, Owner>();
  for (let i = 0; i < ids.length; i++) owners.set(ids[i]!, { id: ids[i]!, level: levels[i]!, parent: parents[i]! });
  return owners;
}

class OwnerLists implements OwnerIndex {
  /** Ids, or for a service owner whose id is not made yet (`pending`), the service's name. */
  private readonly names: string[];
  /** 1 where `names` holds a service name whose owner id is `parents[i]/names[i]`. */
  private readonly pending: Uint8Array;
  readonly levels: AllocationLevel[];
  readonly parents: (string | null)[];
  readonly childCounts: Int32Array;
  parentPositions: Int32Array;
  private n = 0;
  private map: Map<string, number> | undefined;

  /**
   * With `capacity` (an upper bound on the owners), ids are known distinct: the lists are sized
   * once and the index by id is made when first asked for. Without, a repeated id keeps its first
   * position and takes the last value (Map.set).
   */
  constructor(capacity?: number) {
    if (capacity === undefined) this.map = new Map();
    this.names = new Array<string>(capacity ?? 0);
    this.pending = new Uint8Array(capacity ?? 0);
    this.levels = new Array<AllocationLevel>(capacity ?? 0);
    this.parents = new Array<string | null>(capacity ?? 0);
    this.childCounts = new Int32Array(capacity ?? 0);
    this.parentPositions = new Int32Array(capacity ?? 0);
  }

  get size(): number {
    return this.n;
  }

  idAt(i: number): string {
    if (this.pending[i] === 1) {
      this.names[i] = serviceOwner(this.parents[i]!, this.names[i]!);
      this.pending[i] = 0;
    }
    return this.names[i]!;
  }

  idIs(i: number, text: string, start: number, end: number): boolean {
    const name = this.names[i]!;
    if (this.pending[i] !== 1) return end - start === name.length && text.startsWith(name, start);
    const owner = this.parents[i]!;
    const slash = start + owner.length;
    return end - start === owner.length + 1 + name.length && text.startsWith(owner, start) && text.charCodeAt(slash) === 47 && text.startsWith(name, slash + 1);
  }

  get ids(): readonly string[] {
    for (let i = 0; i < this.n; i++) if (this.pending[i] === 1) this.idAt(i);
    return this.names;
  }

  get index(): ReadonlyMap<string, number> {
    if (!this.map) {
      const ids = this.ids;
      const map = new Map<string, number>();
      for (let i = 0; i < ids.length; i++) map.set(ids[i]!, i);
      this.map = map;
    }
    return this.map;
  }

  /** Records an owner with the position of its parent (-1 for none); returns its position. */
  set(id: string, level: AllocationLevel, parent: string | null, parentAt: number): number {
    let i = this.map?.get(id);
    if (i === undefined) {
      i = this.n++;
      this.map?.set(id, i);
      this.names[i] = id;
    }
    return this.record(i, level, parent, parentAt);
  }

  /**
   * Records the owner of service `service` of `owner` (at position `ownerAt`), whose id is made
   * when first asked for: only where ids are known distinct (with a capacity).
   */
  setService(owner: string, service: string, ownerAt: number): number {
    if (this.map !== undefined) return this.set(serviceOwner(owner, service), 'service', owner, ownerAt);
    const i = this.n++;
    this.names[i] = service;
    this.pending[i] = 1;
    return this.record(i, 'service', owner, ownerAt);
  }

  private record(i: number, level: AllocationLevel, parent: string | null, parentAt: number): number {
    this.levels[i] = level;
    this.parents[i] = parent;
    if (i >= this.parentPositions.length) {
      const grown = new Int32Array(Math.max(16, 2 * this.parentPositions.length, i + 1));
      grown.set(this.parentPositions);
      this.parentPositions = grown;
    }
    this.parentPositions[i] = parentAt;
    if (parentAt >= 0 && parentAt < this.childCounts.length) this.childCounts[parentAt]!++;
    return i;
  }

  /** Trims the lists to the owners recorded. */
  done(): this {
    this.names.length = this.levels.length = this.parents.length = this.n;
    if (this.parentPositions.length !== this.n) this.parentPositions = this.parentPositions.slice(0, this.n);
    return this;
  }
}

/**
 * True when the walk of `ownerIndexOf` cannot meet an id twice, so that it need not look each one
 * up: unit and data-centre ids distinct and free of the service separator (a service owner's id
 * then splits into its owner and service name one way only), and service names distinct.
 */
function ownerIdsDistinct(estate: Estate): boolean {
  const { units, datacentres, clouds } = estate.doc;
  if (estate.unitById.size !== units.length || estate.datacentreById.size !== datacentres.length) return false;
  if (estate.cloudById.size !== clouds.length) return false;
  for (const c of clouds) if (c.id.includes(SERVICE_SEPARATOR) || estate.unitById.has(c.id) || estate.datacentreById.has(c.id)) return false;
  for (const u of units) if (typeof u.id !== 'string' || u.id.includes(SERVICE_SEPARATOR)) return false;
  for (const d of datacentres) if (typeof d.id !== 'string' || d.id.includes(SERVICE_SEPARATOR) || estate.unitById.has(d.id)) return false;
  const services = estate.doc.ipam.services ?? {};
  if (Object.getPrototypeOf(services) !== Object.prototype) return false;
  for (const names of Object.values(services)) {
    if (names === undefined) continue;
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string') || new Set(names).size !== names.length) return false;
  }
  return true;
}

/** The owners of `ownersOf`, as an owner index. */
export function ownerIndexOf(estate: Estate): OwnerIndex {
  const services = estate.doc.ipam.services ?? {};
  // With distinct ids, each unit and data centre is met at most once: an upper bound on owners.
  let capacity: number | undefined;
  if (ownerIdsDistinct(estate)) {
    const count = (names: unknown) => (Array.isArray(names) ? names.length : 0);
    capacity = 0;
    for (const u of estate.doc.units) capacity += 1 + count(services[u.level]);
    capacity += estate.doc.datacentres.length * (1 + count(services.datacentre));
    capacity += estate.doc.clouds.length;
  }
  const owners = new OwnerLists(capacity);
  const addServices = (ownerId: string, at: number, names: readonly string[] | undefined) => {
    for (const s of names ?? []) owners.setService(ownerId, s, at);
  };
  // Parents before children regardless of file order: walk the tree from the province.
  const province = estate.province();
  if (!province) return owners.done();
  // Data centres by unit, in file order.
  const dcsOf = new Map<string, (typeof estate.doc.datacentres)[number][]>();
  for (const dc of estate.doc.datacentres) {
    const list = dcsOf.get(dc.unit);
    if (list) list.push(dc);
    else dcsOf.set(dc.unit, [dc]);
  }
  // Cloud nodes by host: their data centre if they name one, else their unit (file order).
  const cloudsOf = new Map<string, string[]>();
  for (const c of estate.doc.clouds) {
    const host = c.datacentre ?? c.unit;
    const list = cloudsOf.get(host);
    if (list) list.push(c.id);
    else cloudsOf.set(host, [c.id]);
  }
  const addClouds = (host: string, at: number) => {
    for (const id of cloudsOf.get(host) ?? []) owners.set(id, 'cloud', host, at);
  };
  const visit = (unitId: string, parentAt: number) => {
    const u = estate.unitById.get(unitId)!;
    const at = owners.set(u.id, u.level, u.parent ?? null, parentAt);
    addServices(u.id, at, services[u.level]);
    for (const dc of dcsOf.get(u.id) ?? []) {
      const dcAt = owners.set(dc.id, 'datacentre', u.id, at);
      addServices(dc.id, dcAt, services.datacentre);
      addClouds(dc.id, dcAt);
    }
    addClouds(u.id, at);
    for (const child of estate.children(u.id)) visit(child.id, at);
  };
  visit(province.id, -1);
  return owners.done();
}

/** The requirements for every plane and family with a configured root, parents first. */
export function requirementsOf(estate: Estate, owners: Map<string, Owner> = ownersOf(estate)): Requirement[] {
  const out: Requirement[] = [];
  for (const r of eachRequirement(estate, owners)) out.push(r);
  return out;
}

/** The plane's families with a root, in requirement order, with the prefix lengths per level. */
export function requirementGroups(estate: Estate): Array<{ plane: string; family: Family; root: string; len: Record<IpamLevel, number> }> {
  const out: Array<{ plane: string; family: Family; root: string; len: Record<IpamLevel, number> }> = [];
  const sizes = estate.doc.ipam.sizes ?? {};
  for (const plane of estate.doc.planes) {
    for (const family of ['ipv6', 'ipv4'] as const) {
      const root = plane[family];
      if (root === undefined) continue;
      out.push({ plane: plane.id, family, root, len: { ...DEFAULT_SIZES[family], ...(sizes[family] ?? {}) } as Record<IpamLevel, number> });
    }
  }
  return out;
}

/** `requirementsOf`, one at a time: the same requirements in the same order, none held. */
export function* eachRequirement(estate: Estate, owners: Map<string, Owner> = ownersOf(estate)): Generator<Requirement, void, undefined> {
  for (const { plane, family, root, len } of requirementGroups(estate)) {
    for (const o of owners.values()) {
      if (o.level === 'province') {
        yield { plane, family, owner: o.id, level: o.level, parentOwner: null, length: parsePrefix(root).len, root };
      } else {
        yield { plane, family, owner: o.id, level: o.level, parentOwner: o.parent, length: len[o.level] };
      }
    }
  }
}
