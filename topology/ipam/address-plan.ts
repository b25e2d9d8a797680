// The address plan: a validated ledger indexed as a tree per plane and family, which can fill in
// what the estate needs without ever moving an existing allocation.
import { LedgerValidationError, PrefixExhaustedError, type Issue } from '../errors.js';
import type { Estate } from '../estate.js';
import {
  contains,
  formatPrefix,
  isAligned,
  parseAddress,
  parsePrefix,
  PrefixParseError,
  truncate,
  width,
  type Family,
  type Prefix,
} from '../prefix.js';
import { didYouMean } from '../suggest.js';
import type { Allocation } from './ledger.js';
import { ChildPool, PrefixNode } from './prefix-node.js';
import { ownerIndexOf, ownerMapOf, requirementGroups, requirementsOf, type Owner, type OwnerIndex, type Requirement } from './requirements.js';

export interface BuildOptions {
  /** The ledger file, for error messages. */
  file: string;
  /** Release allocations whose owner or plane is gone from the estate instead of failing. */
  prune?: boolean;
}

/**
 * owner → allocation of one table, in the order they were added: the read side of a Map, kept
 * compact (a slot per estate owner instead of a hash entry per allocation). Every allocation is
 * keyed by its own `owner`.
 */
class OwnerMap {
  /** Owner position (in the plan's owner index) → position in `list` + 1; 0 when absent. */
  private readonly slots: Int32Array;
  /** The same for owners outside the index (only through explicit requirements). */
  private readonly others = new Map<string, number>();
  /** The allocations in the order they were added: the first `count`, room for every owner. */
  private readonly list: Allocation[];
  private count = 0;

  constructor(private readonly owners: OwnerIndex) {
    this.slots = new Int32Array(owners.ids.length);
    this.list = new Array<Allocation>(owners.ids.length);
  }

  get size(): number {
    return this.count;
  }

  private slotOf(owner: string): number {
    const i = this.owners.index.get(owner);
    return i !== undefined && i < this.slots.length ? this.slots[i]! : (this.others.get(owner) ?? 0);
  }

  get(owner: string): Allocation | undefined {
    const s = this.slotOf(owner);
    return s === 0 ? undefined : this.list[s - 1];
  }

  has(owner: string): boolean {
    return this.slotOf(owner) !== 0;
  }

  /** Has the owner at this position of the owner index an allocation? */
  hasAt(i: number): boolean {
    return this.slots[i] !== 0;
  }

  /** Adds (or replaces) the allocation of `a.owner`. */
  add(a: Allocation): void {
    const i = this.owners.index.get(a.owner);
    if (i !== undefined && i < this.slots.length) this.addAt(i, a);
    else {
      const s = this.others.get(a.owner);
      if (s) this.list[s - 1] = a;
      else this.others.set(a.owner, this.append(a));
    }
  }

  /** `add` for the owner at position `i` of the owner index (`a.owner` must be that owner). */
  addAt(i: number, a: Allocation): void {
    const s = this.slots[i]!;
    if (s) this.list[s - 1] = a;
    else this.slots[i] = this.append(a);
  }

  /** Appends; returns the new count. */
  private append(a: Allocation): number {
    this.list[this.count] = a;
    return ++this.count;
  }

  /** Like a Map's iterators, these see what is added while they run. */
  *values(): IterableIterator<Allocation> {
    for (let k = 0; k < this.count; k++) yield this.list[k]!;
  }

  *keys(): IterableIterator<string> {
    for (const a of this.values()) yield a.owner;
  }

  *entries(): IterableIterator<[string, Allocation]> {
    for (const a of this.values()) yield [a.owner, a];
  }

  [Symbol.iterator](): IterableIterator<[string, Allocation]> {
    return this.entries();
  }

  forEach(f: (a: Allocation, owner: string, map: OwnerMap) => void): void {
    for (const a of this.values()) f(a, a.owner, this);
  }
}

/** The allocations of one plane and family. */
class Table {
  /** owner → allocation */
  readonly byOwner: OwnerMap;
  /** owner → node, for allocations that hold (or may hold) children */
  readonly nodes = new Map<string, PrefixNode>();
  constructor(
    readonly plane: string,
    readonly family: Family,
    owners: OwnerIndex,
  ) {
    this.byOwner = new OwnerMap(owners);
  }
}

export interface WhoisAnswer {
  allocation: Allocation;
  /** The chain from the plane's root down to the answer. */
  chain: Allocation[];
}

/** The longest IPv6 prefix the IPAM allocates or accepts (RIPE-690: /64 is the smallest subnet). */
export const MAX_IPV6_LENGTH = 64;

export class AddressPlan {
  private readonly tables = new Map<string, Table>();
  private list: Allocation[] = [];
  readonly released: Allocation[] = [];
  /** The estate's owners, compactly; `owners` is made from it when first asked for. */
  private readonly ownerIndex: OwnerIndex;
  private ownerMap: Map<string, Owner> | undefined;

  private constructor(readonly estate: Estate) {
    this.ownerIndex = ownerIndexOf(estate);
  }

  /** Every owner the estate defines (`ownersOf`), keyed by id, in estate order. */
  get owners(): Map<string, Owner> {
    return (this.ownerMap ??= ownerMapOf(this.ownerIndex));
  }

  private ownerOf(id: string): Owner | undefined {
    if (this.ownerMap) return this.ownerMap.get(id);
    const i = this.ownerIndex.index.get(id);
    return i === undefined ? undefined : { id, level: this.ownerIndex.levels[i]!, parent: this.ownerIndex.parents[i]! };
  }

  /** Validates `allocations` against the estate and indexes them. Throws LedgerValidationError. */
  static build(estate: Estate, allocations: readonly Allocation[], options: BuildOptions): AddressPlan {
    const plan = new AddressPlan(estate);
    plan.load(allocations, options);
    return plan;
  }

  allocations(): readonly Allocation[] {
    return this.list;
  }

  table(plane: string, family: Family): Table | undefined {
    return this.tables.get(`${plane}|${family}`);
  }

  private tableFor(plane: string, family: Family): Table {
    const key = `${plane}|${family}`;
    let t = this.tables.get(key);
    if (!t) {
      t = new Table(plane, family, this.ownerIndex);
      this.tables.set(key, t);
    }
    return t;
  }

  get(plane: string, family: Family, owner: string): Allocation | undefined {
    return this.table(plane, family)?.byOwner.get(owner);
  }

  node(plane: string, family: Family, owner: string): PrefixNode | undefined {
    const t = this.table(plane, family);
    if (!t) return undefined;
    let n = t.nodes.get(owner);
    if (!n) {
      const a = t.byOwner.get(owner);
      if (!a) return undefined;
      n = new PrefixNode(parsePrefix(a.prefix), a.prefix);
      t.nodes.set(owner, n);
      // Children were not indexed under a lazily made node: index them now.
      for (const c of t.byOwner.values()) if (c.parent === a.prefix) n.insert(parsePrefix(c.prefix), c);
    }
    return n;
  }

  private load(input: readonly Allocation[], { file, prune = false }: BuildOptions): void {
    const issues: Issue[] = [];
    const at = (i: number, field: string, message: string) => issues.push({ file, path: `allocations[${i}].${field}`, message });
    const estate = this.estate;
    const planes = estate.planeById;
    const releasedPrefixes = new Set<string>();
    const index = new Map<Allocation, number>();
    input.forEach((a, i) => index.set(a, i));

    // 1. Entries whose plane, family root or owner is gone: released with --prune, errors otherwise.
    type Parsed = { a: Allocation; i: number; p: Prefix; text: string };
    const kept: Parsed[] = [];
    input.forEach((a, i) => {
      const plane = planes.get(a.plane);
      const owner = this.ownerOf(a.owner);
      // Suggestions cost a scan of every owner: only for errors, and only for the first few.
      const suggest = (word: string, candidates: () => Iterable<string>) => (!prune && issues.length < 20 ? didYouMean(word, candidates()) : '');
      let gone: string | undefined;
      if (!plane) gone = `unknown plane "${a.plane}"${suggest(a.plane, () => planes.keys())}`;
      else if (plane[a.family] === undefined) gone = `plane "${a.plane}" has no ${a.family} root in the estate`;
      else if (!owner) gone = `unknown owner "${a.owner}"${suggest(a.owner, () => (this.ownerMap ?? this.ownerIndex.index).keys())}`;
      if (gone !== undefined) {
        if (prune) {
          this.released.push(a);
          releasedPrefixes.add(`${a.plane}|${a.family}|${a.prefix}`);
        } else {
          at(i, plane ? (plane[a.family] === undefined ? 'family' : 'owner') : 'plane',
            `${gone}; if it was removed from the estate on purpose, run "longyun ipam allocate --prune" to release its allocations, otherwise fix the entry`);
        }
        return;
      }
      let p: Prefix;
      try {
        p = parsePrefix(a.prefix);
      } catch (e) {
        if (e instanceof PrefixParseError) return void at(i, 'prefix', e.message);
        throw e;
      }
      if (p.family !== a.family) return void at(i, 'prefix', `"${a.prefix}" is an ${p.family} prefix but the entry says family "${a.family}"`);
      if (!isAligned(p)) {
        return void at(i, 'prefix', `"${a.prefix}" is misaligned: host bits are set; the /${p.len} that holds it is ${formatPrefix(truncate(p))}`);
      }
      if (p.family === 'ipv6' && p.len > MAX_IPV6_LENGTH) {
        return void at(i, 'prefix', `"${a.prefix}" is longer than /${MAX_IPV6_LENGTH}; IPv6 allocations are /${MAX_IPV6_LENGTH} or shorter (RIPE-690: a /64 is the smallest subnet)`);
      }
      if (owner!.level !== a.level) return void at(i, 'level', `"${a.level}" does not match owner "${a.owner}", which is at level "${owner!.level}"`);
      // Hand-edited spellings ("2001:DB8:10::/44") are read as the canonical text from here on.
      const text = formatPrefix(p);
      let parentText = a.parent;
      if (a.parent !== null) {
        try {
          parentText = formatPrefix(parsePrefix(a.parent));
        } catch {
          // reported when the parent is checked
        }
      }
      if (text !== a.prefix || parentText !== a.parent) {
        const canonical: Allocation = { ...a, prefix: text, parent: parentText };
        index.set(canonical, i);
        a = canonical;
      }
      kept.push({ a, i, p, text });
    });

    // With --prune, everything carved out of a released prefix goes too (children before parents
    // cannot happen: a child is always longer than its parent, so sort by length).
    kept.sort((x, y) => x.p.len - y.p.len || x.i - y.i);
    const byPrefix = new Map<string, Parsed>();
    for (const e of kept) {
      const { a, i, p, text } = e;
      const t = this.tableFor(a.plane, a.family);
      if (a.parent !== null && releasedPrefixes.has(`${a.plane}|${a.family}|${a.parent}`)) {
        this.released.push(a);
        releasedPrefixes.add(`${a.plane}|${a.family}|${a.prefix}`);
        continue;
      }
      const dup = t.byOwner.get(a.owner);
      if (dup) {
        at(i, 'owner', `"${a.owner}" already has an ${a.family} allocation on ${a.plane} (allocations[${index.get(dup)}], ${dup.prefix}); keep one`);
        continue;
      }
      const owner = this.ownerOf(a.owner)!;
      if (owner.parent === null) {
        const root = parsePrefix(estate.planeById.get(a.plane)![a.family]!);
        if (a.parent !== null) at(i, 'parent', `must be null: "${a.owner}" holds the plane's root`);
        else if (formatPrefix(root) !== text) {
          const o = estate.fieldOf(estate.planeById.get(a.plane)!, a.family);
          at(i, 'prefix', `${a.prefix} is not the ${a.family} root of ${a.plane}, ${formatPrefix(root)} (${o.file}: ${o.path}); a plane's root cannot change under existing allocations`);
        } else {
          t.byOwner.add(a);
          t.nodes.set(a.owner, new PrefixNode(p, a.prefix));
          byPrefix.set(`${a.plane}|${a.family}|${text}`, e);
        }
        continue;
      }
      if (a.parent === null) {
        at(i, 'parent', `is null, but only a plane's root has no parent; "${a.owner}" belongs under "${owner.parent}"`);
        continue;
      }
      let parentText: string;
      try {
        parentText = formatPrefix(parsePrefix(a.parent));
      } catch (err) {
        if (err instanceof PrefixParseError) at(i, 'parent', err.message);
        else throw err;
        continue;
      }
      const parent = byPrefix.get(`${a.plane}|${a.family}|${parentText}`);
      if (!parent) {
        at(i, 'parent', `${a.parent} is not an allocation of ${a.plane} ${a.family} in this ledger`);
        continue;
      }
      if (parent.a.owner !== owner.parent) {
        if (prune) {
          // The owner moved to another parent in the estate: release it (and what is under it)
          // so that it is allocated afresh under its new parent.
          this.released.push(a);
          releasedPrefixes.add(`${a.plane}|${a.family}|${a.prefix}`);
          continue;
        }
        at(i, 'parent', `${a.parent} belongs to "${parent.a.owner}", but "${a.owner}" now belongs under "${owner.parent}"; if it moved, run "longyun ipam allocate --prune" to release its prefixes and allocate new ones under "${owner.parent}"`);
        continue;
      }
      if (!contains(parent.p, p) || p.len <= parent.p.len) {
        at(i, 'prefix', `${a.prefix} is outside its parent ${a.parent}`);
        continue;
      }
      let node = t.nodes.get(parent.a.owner);
      if (!node) {
        node = new PrefixNode(parent.p, parent.a.prefix);
        t.nodes.set(parent.a.owner, node);
      }
      const clash = node.insert(p, a);
      if (clash) {
        const o = clash.overlaps as Allocation;
        at(i, 'prefix', `${a.prefix} overlaps allocations[${index.get(o)}] (${o.prefix}, owner "${o.owner}"); every prefix must be disjoint from its siblings`);
        continue;
      }
      t.byOwner.add(a);
      if (owner.level !== 'service') t.nodes.set(a.owner, t.nodes.get(a.owner) ?? new PrefixNode(p, a.prefix));
      byPrefix.set(`${a.plane}|${a.family}|${text}`, e);
    }
    if (issues.length > 0) {
      issues.sort((x, y) => Number(/\[(\d+)\]/.exec(x.path)?.[1]) - Number(/\[(\d+)\]/.exec(y.path)?.[1]));
      throw new LedgerValidationError(issues);
    }
    // Keep the input's order for what was kept.
    const released = new Set(this.released);
    const inOrder = kept.filter((k) => !released.has(k.a)).sort((x, y) => x.i - y.i);
    for (const k of inOrder) this.list.push(k.a);
  }

  /**
   * Allocates every requirement that has no allocation yet, first fit in its parent. Existing
   * allocations never move. Returns what was added. Without an argument, the estate's
   * requirements (`requirementsOf`), walked without materialising them.
   */
  allocateMissing(requirements?: Iterable<Requirement>): Allocation[] {
    let added: Allocation[] = [];
    let count = 0;
    // The table and parent node of the previous requirement: consecutive requirements mostly
    // share them (a unit's services, a county's townships). A table's node for an owner never
    // changes once made, so these stay valid.
    let t: Table | undefined;
    let tPlane = '';
    let tFamily = '';
    let parentOwnerOf: string | undefined;
    let parentNode: PrefixNode | undefined;
    const childCounts = this.ownerIndex.childCounts;
    /** Room for the children of the nodes made in the walk below (when there is one). */
    let pool: ChildPool | undefined;

    /** One requirement; `at` is the owner's position in the owner index, or -1 if not known. */
    const allocate = (
      at: number,
      plane: string,
      family: Family,
      owner: string,
      level: Requirement['level'],
      parentOwner: string | null,
      length: number,
      root: string | undefined,
    ): void => {
      if (t === undefined || plane !== tPlane || family !== tFamily) {
        t = this.tableFor(plane, family);
        tPlane = plane;
        tFamily = family;
        parentOwnerOf = undefined;
        parentNode = undefined;
      }
      const table = t;
      if (at >= 0 ? table.byOwner.hasAt(at) : table.byOwner.has(owner)) return;
      let a: Allocation | undefined;
      if (parentOwner === null) {
        const p = parsePrefix(root!);
        a = { plane, family, owner, level, prefix: formatPrefix(p), parent: null };
        const n = new PrefixNode(p, a.prefix);
        if (at >= 0) n.reserve(childCounts[at]!, pool);
        table.nodes.set(owner, n);
      } else {
        let node: PrefixNode | undefined;
        if (parentOwner === parentOwnerOf && parentNode !== undefined) node = parentNode;
        else {
          node = table.nodes.get(parentOwner) ?? this.node(plane, family, parentOwner);
          if (!node) throw new Error(`internal: no allocation for parent "${parentOwner}" of "${owner}" on ${plane} ${family}`);
          parentOwnerOf = parentOwner;
          parentNode = node;
        }
        const offset = node.fitOffset(length);
        if (offset < 0) {
          const r: Requirement = { plane, family, owner, level, parentOwner, length };
          if (root !== undefined) r.root = root;
          throw this.exhausted(r, node);
        }
        const text = node.textAt(length, offset);
        a = { plane, family, owner, level, prefix: text, parent: node.text };
        node.place(length, offset, a);
        if (level !== 'service') {
          const n = new PrefixNode(node.prefixAt(length, offset), text);
          if (at >= 0) n.reserve(childCounts[at]!, pool);
          table.nodes.set(owner, n);
        }
      }
      if (at >= 0) table.byOwner.addAt(at, a);
      else table.byOwner.add(a);
      added[count++] = a;
    };

    if (requirements !== undefined) {
      for (const r of requirements) allocate(-1, r.plane, r.family, r.owner, r.level, r.parentOwner, r.length, r.root);
    } else if (this.ownerMap !== undefined) {
      // `owners` was handed out (and may have been changed): requirementsOf(estate, owners).
      for (const r of requirementsOf(this.estate, this.ownerMap)) allocate(-1, r.plane, r.family, r.owner, r.level, r.parentOwner, r.length, r.root);
    } else {
      // requirementsOf(this.estate, this.owners), one at a time. It parses every root up front
      // (when there is a province to give one to), so a bad root fails before anything changes.
      const { ids, levels, parents } = this.ownerIndex;
      const groups = requirementGroups(this.estate);
      const rootLength = levels.includes('province') ? groups.map((g) => parsePrefix(g.root).len) : [];
      // What is missing, to size the result and, per table, one pool for the children of the
      // nodes made here.
      const missing = groups.map(({ plane, family }) => {
        const table = this.table(plane, family);
        let owners = 0;
        let children = 0;
        for (let i = 0; i < ids.length; i++) {
          if (table?.byOwner.hasAt(i)) continue;
          owners++;
          children += childCounts[i]!;
        }
        return { owners, children };
      });
      added = new Array<Allocation>(missing.reduce((sum, m) => sum + m.owners, 0));
      groups.forEach(({ plane, family, root, len }, g) => {
        pool = missing[g]!.children > 0 ? new ChildPool(missing[g]!.children) : undefined;
        for (let i = 0; i < ids.length; i++) {
          const level = levels[i]!;
          if (level === 'province') allocate(i, plane, family, ids[i]!, level, null, rootLength[g]!, root);
          else allocate(i, plane, family, ids[i]!, level, parents[i]!, len[level], undefined);
        }
      });
    }
    added.length = count;
    if (this.list.length === 0) this.list = added.slice();
    else for (const a of added) this.list.push(a);
    return added;
  }

  private exhausted(r: Requirement, node: PrefixNode): PrefixExhaustedError {
    const family = r.family;
    if (r.length <= node.prefix.len) {
      return new PrefixExhaustedError(r.plane, family, r.owner, node.text, r.length,
        `a /${r.length} does not fit inside a /${node.prefix.len}; set ipam.sizes.${family}.${r.level} to a length above ${node.prefix.len}`);
    }
    const pct = Math.round(node.utilisation() * 1000) / 10;
    return new PrefixExhaustedError(r.plane, family, r.owner, node.text, r.length,
      `${node.text} is ${pct}% used by ${node.childCount} allocations and has no free aligned /${r.length}; ` +
        `make ipam.sizes.${family}.${r.level} longer (now /${r.length}) or give "${r.parentOwner}" a larger prefix`);
  }

  /** The most specific allocation holding `address`, on any plane, with its chain from the root. */
  whois(address: string): WhoisAnswer | undefined {
    const target = parseAddress(address);
    let best: { a: Allocation; p: Prefix } | undefined;
    for (const a of this.list) {
      if (a.family !== target.family) continue;
      const p = parsePrefix(a.prefix);
      if (contains(p, target) && (!best || p.len > best.p.len)) best = { a, p };
    }
    if (!best) return undefined;
    const t = this.table(best.a.plane, best.a.family)!;
    const byPrefix = new Map<string, Allocation>();
    for (const a of t.byOwner.values()) byPrefix.set(a.prefix, a);
    const chain: Allocation[] = [];
    for (let a: Allocation | undefined = best.a; a; a = a.parent === null ? undefined : byPrefix.get(a.parent)) chain.unshift(a);
    return { allocation: best.a, chain };
  }

  /** Utilisation of a plane's root in one family: the share of it given to its children. */
  rootUtilisation(plane: string, family: Family): { prefix: string; used: number; count: number } | undefined {
    const t = this.table(plane, family);
    const province = this.estate.province();
    if (!t || !province) return undefined;
    const node = this.node(plane, family, province.id);
    if (!node) return undefined;
    return { prefix: node.text, used: node.utilisation(), count: t.byOwner.size };
  }

  /** The fullest parent prefix of a plane and family: where space will run out first. */
  fullest(plane: string, family: Family): { owner: string; prefix: string; used: number } | undefined {
    const t = this.table(plane, family);
    if (!t) return undefined;
    let best: { owner: string; prefix: string; used: number } | undefined;
    for (const [owner, node] of t.nodes) {
      if (node.childCount === 0) continue;
      const used = node.utilisation();
      if (!best || used > best.used) best = { owner, prefix: node.text, used };
    }
    return best;
  }
}

export function hostCount(prefix: string): number {
  const p = parsePrefix(prefix);
  return 2 ** (width(p.family) - p.len);
}
