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
import { PrefixNode } from './prefix-node.js';
import { ownersOf, requirementsOf, type Owner, type Requirement } from './requirements.js';

export interface BuildOptions {
  /** The ledger file, for error messages. */
  file: string;
  /** Release allocations whose owner or plane is gone from the estate instead of failing. */
  prune?: boolean;
}

/** The allocations of one plane and family. */
class Table {
  /** owner → allocation */
  readonly byOwner = new Map<string, Allocation>();
  /** owner → node, for allocations that hold (or may hold) children */
  readonly nodes = new Map<string, PrefixNode>();
  constructor(
    readonly plane: string,
    readonly family: Family,
  ) {}
}

export interface WhoisAnswer {
  allocation: Allocation;
  /** The chain from the plane's root down to the answer. */
  chain: Allocation[];
}

export class AddressPlan {
  private readonly tables = new Map<string, Table>();
  private readonly list: Allocation[] = [];
  readonly released: Allocation[] = [];
  readonly owners: Map<string, Owner>;

  private constructor(readonly estate: Estate) {
    this.owners = ownersOf(estate);
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
      t = new Table(plane, family);
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
      const owner = this.owners.get(a.owner);
      let gone: string | undefined;
      if (!plane) gone = `unknown plane "${a.plane}"${didYouMean(a.plane, planes.keys())}`;
      else if (plane[a.family] === undefined) gone = `plane "${a.plane}" has no ${a.family} root in the estate`;
      else if (!owner) gone = `unknown owner "${a.owner}"${didYouMean(a.owner, this.owners.keys())}`;
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
      if (owner!.level !== a.level) return void at(i, 'level', `"${a.level}" does not match owner "${a.owner}", which is at level "${owner!.level}"`);
      kept.push({ a, i, p, text: formatPrefix(p) });
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
      const owner = this.owners.get(a.owner)!;
      if (owner.parent === null) {
        const root = parsePrefix(estate.planeById.get(a.plane)![a.family]!);
        if (a.parent !== null) at(i, 'parent', `must be null: "${a.owner}" holds the plane's root`);
        else if (formatPrefix(root) !== text) {
          const o = estate.fieldOf(estate.planeById.get(a.plane)!, a.family);
          at(i, 'prefix', `${a.prefix} is not the ${a.family} root of ${a.plane}, ${formatPrefix(root)} (${o.file}: ${o.path}); a plane's root cannot change under existing allocations`);
        } else {
          t.byOwner.set(a.owner, a);
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
        at(i, 'parent', `${a.parent} belongs to "${parent.a.owner}", but "${a.owner}" belongs under "${owner.parent}"`);
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
      t.byOwner.set(a.owner, a);
      if (owner.level !== 'service') t.nodes.set(a.owner, t.nodes.get(a.owner) ?? new PrefixNode(p, a.prefix));
      byPrefix.set(`${a.plane}|${a.family}|${text}`, e);
    }
    if (issues.length > 0) {
      issues.sort((x, y) => Number(/\[(\d+)\]/.exec(x.path)?.[1]) - Number(/\[(\d+)\]/.exec(y.path)?.[1]));
      throw new LedgerValidationError(issues);
    }
    // Keep the input's order for what was kept.
    const keptSet = new Set(kept.map((k) => k.a));
    for (const r of this.released) keptSet.delete(r);
    for (const a of input) if (keptSet.has(a)) this.list.push(a);
  }

  /**
   * Allocates every requirement that has no allocation yet, first fit in its parent. Existing
   * allocations never move. Returns what was added.
   */
  allocateMissing(requirements: Iterable<Requirement> = requirementsOf(this.estate, this.owners)): Allocation[] {
    const added: Allocation[] = [];
    for (const r of requirements) {
      const t = this.tableFor(r.plane, r.family);
      if (t.byOwner.has(r.owner)) continue;
      if (r.parentOwner === null) {
        const p = parsePrefix(r.root!);
        const a: Allocation = { plane: r.plane, family: r.family, owner: r.owner, level: r.level, prefix: formatPrefix(p), parent: null };
        t.byOwner.set(r.owner, a);
        t.nodes.set(r.owner, new PrefixNode(p, a.prefix));
        added.push(a);
        continue;
      }
      const node = t.nodes.get(r.parentOwner) ?? this.node(r.plane, r.family, r.parentOwner);
      if (!node) throw new Error(`internal: no allocation for parent "${r.parentOwner}" of "${r.owner}" on ${r.plane} ${r.family}`);
      const p = node.firstFit(r.length);
      if (!p) throw this.exhausted(r, node);
      const a: Allocation = { plane: r.plane, family: r.family, owner: r.owner, level: r.level, prefix: formatPrefix(p), parent: node.text };
      node.insert(p, a);
      t.byOwner.set(r.owner, a);
      if (r.level !== 'service') t.nodes.set(r.owner, new PrefixNode(p, a.prefix));
      added.push(a);
    }
    for (const a of added) this.list.push(a);
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
