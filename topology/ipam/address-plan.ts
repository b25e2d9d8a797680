// The address plan: a validated ledger indexed as a tree per plane and family, which can fill in
// what the estate needs without ever moving an existing allocation.
//
// Allocations are stored compactly (a few typed-array entries each, per plane and family) and made
// into `Allocation` objects only when asked for: a plan of hundreds of thousands of allocations is
// built and written without an object or a prefix string per allocation.
import { LedgerValidationError, PrefixExhaustedError, type Issue } from '../errors.js';
import type { Estate } from '../estate.js';
import {
  contains,
  formatPrefix,
  formatPrefixAt,
  isAligned,
  parseAddress,
  parsePrefix,
  PrefixParseError,
  scanPrefix,
  SCAN_CANONICAL,
  SCAN_IPV6,
  truncate,
  width,
  writeOrBits,
  type Family,
  type Prefix,
} from '../prefix.js';
import { didYouMean } from '../suggest.js';
import { AllocationList, type AllocationSource } from './allocation-list.js';
import type { Allocation } from './ledger.js';
import { AllocationEntries, type LedgerEntries } from './ledger-entries.js';
import { writeSortedLedgerLines, type LedgerWriter } from './ledger-lines.js';
import { ChildPool, PrefixNode } from './prefix-node.js';
import {
  ALLOCATION_LEVELS,
  ownerIndexOf,
  ownerMapOf,
  requirementGroups,
  requirementsOf,
  type AllocationLevel,
  type Owner,
  type OwnerIndex,
  type Requirement,
} from './requirements.js';

export interface BuildOptions {
  /** The ledger file, for error messages. */
  file: string;
  /** Release allocations whose owner or plane is gone from the estate instead of failing. */
  prune?: boolean;
}

/** Level ↔ the small number a table stores for it. */
const LEVEL_CODE = new Map<AllocationLevel, number>(ALLOCATION_LEVELS.map((l, i) => [l, i]));
const SERVICE_CODE = LEVEL_CODE.get('service')!;

/** `isAligned` for an address kept in a typed array: no bit set past `len`. */
function alignedAt(words: Uint32Array, at: number, count: number, len: number): boolean {
  for (let i = 0; i < count; i++) {
    const kept = len - 32 * i;
    if (kept >= 32) continue;
    const w = words[at + i]!;
    if (kept <= 0 ? w !== 0 : (w & (0xffffffff >>> kept)) !== 0) return false;
  }
  return true;
}

/** A copy of `a` with room for `capacity` entries. */
function grown<T extends Int32Array | Uint8Array | Uint32Array>(a: T, capacity: number): T {
  const b = new (a.constructor as new (length: number) => T)(capacity);
  b.set(a.subarray(0, Math.min(a.length, capacity)));
  return b;
}

/**
 * The allocations of one plane and family. Each allocation is a slot (0, 1, … in the order they
 * were added) in parallel typed arrays: its owner, level, parent's slot, length and address. The
 * `Allocation` object of a slot is made when first asked for and kept, so that a slot always gives
 * the same object.
 */
export class Table {
  /** The number of allocations (slots 0 to count - 1). */
  count = 0;
  /** Address words per allocation: 4 for IPv6, 1 for IPv4. */
  readonly wordsPer: number;
  private capacity = 0;
  /** The owner's position in the owner index, or -(k + 1) for `otherOwners[k]`. */
  private ownerRefs = new Int32Array(0);
  /** The parent's slot; -1 for the plane's root. */
  private parentSlots = new Int32Array(0);
  private levelCodes = new Uint8Array(0);
  private lengths = new Uint8Array(0);
  /** Network addresses, `wordsPer` words per slot, most significant first. */
  private words = new Uint32Array(0);
  /** Owner position in the owner index → slot + 1; 0 when the owner has no allocation here. */
  private readonly slotByPosition: Int32Array;
  /** Owners outside the owner index (only through explicit requirements) → slot. */
  private readonly slotByOther = new Map<string, number>();
  private readonly otherOwners: string[] = [];
  /** slot → its Allocation, made when first asked for. */
  private readonly made: (Allocation | undefined)[] = [];
  /** owner → node, for allocations that hold (or may hold) children; children are tagged with their slot */
  readonly nodes = new Map<string, PrefixNode>();

  constructor(
    readonly plane: string,
    readonly family: Family,
    /** The table's position in the plan's allocation log. */
    readonly id: number,
    private readonly owners: OwnerIndex,
  ) {
    this.wordsPer = family === 'ipv6' ? 4 : 1;
    this.slotByPosition = new Int32Array(owners.size);
  }

  get size(): number {
    return this.count;
  }

  /** Makes room for `extra` more allocations. */
  reserve(extra: number): void {
    const need = this.count + extra;
    if (need <= this.capacity) return;
    const capacity = Math.max(need, Math.ceil(this.capacity * 1.5), 16);
    this.ownerRefs = grown(this.ownerRefs, capacity);
    this.parentSlots = grown(this.parentSlots, capacity);
    this.levelCodes = grown(this.levelCodes, capacity);
    this.lengths = grown(this.lengths, capacity);
    this.words = grown(this.words, capacity * this.wordsPer);
    this.capacity = capacity;
  }

  private positionOf(owner: string): number {
    const i = this.owners.index.get(owner);
    return i !== undefined && i < this.slotByPosition.length ? i : -1;
  }

  /** The slot of the owner's allocation, or -1. */
  slotOf(owner: string): number {
    const i = this.positionOf(owner);
    return i >= 0 ? this.slotByPosition[i]! - 1 : (this.slotByOther.get(owner) ?? -1);
  }

  /** The slot of the allocation of the owner at this position of the owner index, or -1. */
  slotAt(position: number): number {
    return this.slotByPosition[position]! - 1;
  }

  /**
   * Appends an allocation for `owner` (at `position` of the owner index, or -1 to look it up) at
   * the address `words` ORed with `value` at bit `shift` (see `writeOrBits`); returns its slot.
   * The owner must have no allocation here yet.
   */
  add(position: number, owner: string, level: number, parent: number, length: number, words: readonly number[], value = 0, shift = 0): number {
    if (this.count === this.capacity) this.reserve(1);
    const s = this.count++;
    const i = position >= 0 ? position : this.positionOf(owner);
    if (i >= 0) {
      this.slotByPosition[i] = s + 1;
      this.ownerRefs[s] = i;
    } else {
      this.slotByOther.set(owner, s);
      this.ownerRefs[s] = -1 - this.otherOwners.length;
      this.otherOwners.push(owner);
    }
    this.levelCodes[s] = level;
    this.parentSlots[s] = parent;
    this.lengths[s] = length;
    writeOrBits(words, value, shift, this.words, s * this.wordsPer);
    return s;
  }

  ownerAt(slot: number): string {
    const r = this.ownerRefs[slot]!;
    return r >= 0 ? this.owners.idAt(r) : this.otherOwners[-1 - r]!;
  }

  levelAt(slot: number): AllocationLevel {
    return ALLOCATION_LEVELS[this.levelCodes[slot]!]!;
  }

  /** The parent's slot, -1 for the root. */
  parentAt(slot: number): number {
    return this.parentSlots[slot]!;
  }

  lengthAt(slot: number): number {
    return this.lengths[slot]!;
  }

  prefixAt(slot: number): Prefix {
    const w = this.wordsPer;
    return { family: this.family, len: this.lengths[slot]!, words: Array.from(this.words.subarray(slot * w, slot * w + w)) };
  }

  textAt(slot: number): string {
    return this.made[slot]?.prefix ?? formatPrefixAt(this.family, this.words, slot * this.wordsPer, this.lengths[slot]!);
  }

  /** True when the allocation at `slot` is the /len at `words[at]` onwards. */
  isAt(slot: number, words: Uint32Array, at: number, len: number): boolean {
    if (this.lengths[slot] !== len) return false;
    const from = slot * this.wordsPer;
    for (let i = 0; i < this.wordsPer; i++) if (this.words[from + i] !== words[at + i]) return false;
    return true;
  }

  /** True when the allocation at `slot` holds the address (or prefix) `target` of this family. */
  holds(slot: number, target: Prefix): boolean {
    const len = this.lengths[slot]!;
    if (target.len < len) return false;
    const at = slot * this.wordsPer;
    for (let i = 0; i < this.wordsPer; i++) {
      const bits = len - i * 32;
      if (bits <= 0) break;
      const mask = bits >= 32 ? 0xffffffff : ~0 << (32 - bits);
      if (((this.words[at + i]! ^ target.words[i]!) & mask) !== 0) return false;
    }
    return true;
  }

  /** The allocation at `slot`, as an object (made once). */
  allocation(slot: number): Allocation {
    const made = this.made;
    if (slot < made.length) {
      const a = made[slot];
      if (a !== undefined) return a;
    } else {
      while (made.length <= slot) made.push(undefined);
    }
    const p = this.parentSlots[slot]!;
    const a: Allocation = {
      plane: this.plane,
      family: this.family,
      owner: this.ownerAt(slot),
      level: this.levelAt(slot),
      prefix: this.textAt(slot),
      parent: p < 0 ? null : this.textAt(p),
    };
    made[slot] = a;
    return a;
  }

  /**
   * Writes the ledger lines of the slots marked in `member` to `out`, in address order (a
   * pre-order walk of the tree, children in address order, is the order of `comparePrefixes`).
   * Returns how many it wrote; a slot out of the tree's reach is not written.
   */
  writeLedgerLines(member: Uint8Array, out: LedgerWriter): number {
    // The nodes with children, by slot (only non-service owners have children in an estate's
    // plan; were a service to have some, the count comes out short and the caller sorts).
    const nodeOfSlot = new Map<number, PrefixNode>();
    for (let s = 0; s < this.count; s++) {
      if (this.levelCodes[s] === SERVICE_CODE) continue;
      const node = this.nodes.get(this.ownerAt(s));
      if (node !== undefined && node.childCount > 0) nodeOfSlot.set(s, node);
    }
    const planeJson = JSON.stringify(this.plane);
    const before = out.lines;
    const visit = (slot: number, parentText: string | null): void => {
      const node = nodeOfSlot.get(slot);
      if (!member[slot] && node === undefined) return;
      const text = this.textAt(slot);
      if (member[slot]) out.line(planeJson, this.family, JSON.stringify(this.ownerAt(slot)), this.levelAt(slot), text, parentText);
      if (node !== undefined) for (let k = 0; k < node.childCount; k++) visit(node.tagAt(k) as number, text);
    };
    for (let s = 0; s < this.count; s++) if (this.parentSlots[s]! < 0) visit(s, null);
    return out.lines - before;
  }
}

/**
 * The plan's allocations in the order they were added, as (table, slot) pairs: what
 * `allocations()` and `allocateMissing()` return views of. Append-only, so views stay valid.
 */
class AllocationLog implements AllocationSource {
  readonly tables: Table[] = [];
  private tableIds = new Int32Array(0);
  private slots = new Int32Array(0);
  /** Positions in the plan (what was written since is not, until `length` moves past it). */
  length = 0;

  reserve(positions: number): void {
    if (positions <= this.slots.length) return;
    const capacity = Math.max(positions, Math.ceil(this.slots.length * 1.5), 16);
    this.tableIds = grown(this.tableIds, capacity);
    this.slots = grown(this.slots, capacity);
  }

  set(position: number, table: number, slot: number): void {
    if (position >= this.slots.length) this.reserve(position + 1);
    this.tableIds[position] = table;
    this.slots[position] = slot;
  }

  tableAt(position: number): Table {
    return this.tables[this.tableIds[position]!]!;
  }

  slotAt(position: number): number {
    return this.slots[position]!;
  }

  allocationAt(position: number): Allocation {
    return this.tables[this.tableIds[position]!]!.allocation(this.slots[position]!);
  }

  writeLedgerLines(start: number, end: number, planeOrder: readonly string[], out: LedgerWriter): void {
    const member = this.tables.map((t) => new Uint8Array(t.count));
    const counts = this.tables.map(() => 0);
    for (let p = start; p < end; p++) {
      const t = this.tableIds[p]!;
      member[t]![this.slots[p]!] = 1;
      counts[t]!++;
    }
    const rank = new Map(planeOrder.map((p, i) => [p, i]));
    const order = this.tables
      .filter((t) => counts[t.id]! > 0)
      .sort(
        (x, y) =>
          (rank.get(x.plane) ?? 1e9) - (rank.get(y.plane) ?? 1e9) ||
          (x.plane < y.plane ? -1 : x.plane > y.plane ? 1 : 0) ||
          (x.family === y.family ? 0 : x.family === 'ipv6' ? -1 : 1),
      );
    const mark = out.mark();
    for (const t of order) {
      // Every allocation hangs from its table's root; were one not to, sort the slow way.
      if (t.writeLedgerLines(member[t.id]!, out) !== counts[t.id]) {
        out.reset(mark);
        const all: Allocation[] = [];
        for (let p = start; p < end; p++) all.push(this.allocationAt(p));
        writeSortedLedgerLines(all, planeOrder, out);
        return;
      }
    }
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
  private readonly log = new AllocationLog();
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

  /**
   * Validates `allocations` against the estate and indexes them. Throws LedgerValidationError.
   * The plan keeps none of the objects given (but those it releases, in `released`): it stores
   * allocations compactly and makes its own objects when they are read.
   */
  static build(estate: Estate, allocations: readonly Allocation[] | AllocationList, options: BuildOptions): AddressPlan {
    const plan = new AddressPlan(estate);
    plan.load(new AllocationEntries(allocations instanceof AllocationList ? allocations.toArray() : allocations), options);
    return plan;
  }

  /** `build` from ledger entries read some other way (see `canonicalLedgerEntries`). */
  static fromEntries(estate: Estate, entries: LedgerEntries, options: BuildOptions): AddressPlan {
    const plan = new AddressPlan(estate);
    plan.load(entries, options);
    return plan;
  }

  /** Every allocation, in ledger-input order then the order allocated (a view of the plan as it is now). */
  allocations(): AllocationList {
    return new AllocationList(this.log, 0, this.log.length);
  }

  table(plane: string, family: Family): Table | undefined {
    return this.tables.get(`${plane}|${family}`);
  }

  private tableFor(plane: string, family: Family): Table {
    const key = `${plane}|${family}`;
    let t = this.tables.get(key);
    if (!t) {
      t = new Table(plane, family, this.log.tables.length, this.ownerIndex);
      this.tables.set(key, t);
      this.log.tables.push(t);
    }
    return t;
  }

  get(plane: string, family: Family, owner: string): Allocation | undefined {
    const t = this.table(plane, family);
    if (!t) return undefined;
    const s = t.slotOf(owner);
    return s < 0 ? undefined : t.allocation(s);
  }

  node(plane: string, family: Family, owner: string): PrefixNode | undefined {
    const t = this.table(plane, family);
    if (!t) return undefined;
    let n = t.nodes.get(owner);
    if (!n) {
      const s = t.slotOf(owner);
      if (s < 0) return undefined;
      n = new PrefixNode(t.prefixAt(s));
      t.nodes.set(owner, n);
      // Children were not indexed under a lazily made node: index them now.
      for (let c = 0; c < t.count; c++) if (t.parentAt(c) === s) n.insert(t.prefixAt(c), c);
    }
    return n;
  }

  private load(input: LedgerEntries, { file, prune = false }: BuildOptions): void {
    const n = input.length;
    if (n === 0) return;
    const issues: Issue[] = [];
    const at = (i: number, field: string, message: string) => issues.push({ file, path: `allocations[${i}].${field}`, message });
    const estate = this.estate;
    const planes = estate.planeById;
    const ownerIndex = this.ownerIndex;
    const { levels: ownerLevels, parents: ownerParents, parentPositions, childCounts } = ownerIndex;
    const releasedPrefixes = new Set<string>();
    // Suggestions cost a scan of every owner: only for errors, and only for the first few.
    const suggest = (word: string, candidates: () => Iterable<string>) => (!prune && issues.length < 20 ? didYouMean(word, candidates()) : '');
    /** The canonical text of a parent, or the text itself when it does not parse. */
    const canonicalParent = (parent: string): string => {
      try {
        return formatPrefix(parsePrefix(parent));
      } catch {
        return parent; // reported when the parent is checked
      }
    };

    // 1. Entries whose plane, family root or owner is gone: released with --prune, errors otherwise.
    // What is kept is held in typed arrays, k = 0, 1, …: no object per entry.
    const keptInput = new Int32Array(n);
    const keptOwner = new Int32Array(n);
    const keptTable = new Int32Array(n);
    const keptLength = new Uint8Array(n);
    const keptWords = new Uint32Array(4 * n);
    /** k → the canonical text, where the entry's own is not. */
    const respelt = new Map<number, string>();
    /** Per table: entries, and children its nodes will hold (to size it and its child pool). */
    const tableEntries: number[] = [];
    const tableChildren: number[] = [];
    const maxLength = width('ipv6');
    const byLength = new Int32Array(maxLength + 2);
    let kept = 0;
    let t: Table | undefined;
    // Owners are looked up by id, but first guessed: a ledger lists a table in address order,
    // which for prefixes allocated first fit is mostly the estate's order of owners.
    let lastOwner = -1;
    for (let i = 0; i < n; i++) {
      const planeId = input.plane(i);
      const family = input.family(i);
      const plane = planes.get(planeId);
      let gone: string | undefined;
      let owner: number | undefined;
      if (!plane) gone = `unknown plane "${planeId}"${suggest(planeId, () => planes.keys())}`;
      else if (plane[family] === undefined) gone = `plane "${planeId}" has no ${family} root in the estate`;
      else {
        const guess = lastOwner + 1 < ownerIndex.size ? lastOwner + 1 : 0;
        if (input.ownerIs(i, ownerIndex, guess)) owner = guess;
        else {
          const ownerId = input.owner(i);
          owner = ownerIndex.index.get(ownerId);
          if (owner === undefined) gone = `unknown owner "${ownerId}"${suggest(ownerId, () => ownerIndex.index.keys())}`;
        }
        if (owner !== undefined) lastOwner = owner;
      }
      if (gone !== undefined) {
        if (prune) {
          const a = input.entry(i);
          this.released.push(a);
          releasedPrefixes.add(`${a.plane}|${a.family}|${a.prefix}`);
        } else {
          at(i, plane ? (plane[family] === undefined ? 'family' : 'owner') : 'plane',
            `${gone}; if it was removed from the estate on purpose, run "longyun ipam allocate --prune" to release its allocations, otherwise fix the entry`);
        }
        continue;
      }
      const w = 4 * kept;
      let code = input.scanPrefix(i, keptWords, w);
      if (code < 0) {
        // Not the common spelling: parsePrefix reads it (or says what is wrong with it).
        const text = input.prefix(i);
        let p: Prefix;
        try {
          p = parsePrefix(text);
        } catch (e) {
          if (e instanceof PrefixParseError) at(i, 'prefix', e.message);
          else throw e;
          continue;
        }
        for (let k = 0; k < p.words.length; k++) keptWords[w + k] = p.words[k]!;
        code = p.len | (p.family === 'ipv6' ? SCAN_IPV6 : 0) | (formatPrefix(p) === text ? SCAN_CANONICAL : 0);
      }
      const parsedFamily: Family = code & SCAN_IPV6 ? 'ipv6' : 'ipv4';
      const words = parsedFamily === 'ipv6' ? 4 : 1;
      const len = code & 0xff;
      if (parsedFamily !== family || !alignedAt(keptWords, w, words, len) || (family === 'ipv6' && len > MAX_IPV6_LENGTH)) {
        const text = input.prefix(i);
        const p = { family: parsedFamily, len, words: Array.from(keptWords.subarray(w, w + words)) };
        if (parsedFamily !== family) at(i, 'prefix', `"${text}" is an ${parsedFamily} prefix but the entry says family "${family}"`);
        else if (!isAligned(p)) at(i, 'prefix', `"${text}" is misaligned: host bits are set; the /${len} that holds it is ${formatPrefix(truncate(p))}`);
        else at(i, 'prefix', `"${text}" is longer than /${MAX_IPV6_LENGTH}; IPv6 allocations are /${MAX_IPV6_LENGTH} or shorter (RIPE-690: a /64 is the smallest subnet)`);
        continue;
      }
      const level = ownerLevels[owner!]!;
      if (level !== input.level(i)) {
        at(i, 'level', `"${input.level(i)}" does not match owner "${input.owner(i)}", which is at level "${level}"`);
        continue;
      }
      // Hand-edited spellings ("2001:DB8:10::/44") are read as the canonical text from here on.
      if (!(code & SCAN_CANONICAL)) respelt.set(kept, formatPrefix({ family, len, words: Array.from(keptWords.subarray(w, w + words)) }));
      if (t === undefined || t.plane !== planeId || t.family !== family) t = this.tableFor(planeId, family);
      keptInput[kept] = i;
      keptOwner[kept] = owner!;
      keptTable[kept] = t.id;
      keptLength[kept] = len;
      tableEntries[t.id] = (tableEntries[t.id] ?? 0) + 1;
      if (level !== 'service') tableChildren[t.id] = (tableChildren[t.id] ?? 0) + childCounts[owner!]!;
      byLength[len]!++;
      kept++;
    }

    // Parents before children: a child is always longer than its parent, so go by length (then
    // input order). With --prune, everything carved out of a released prefix goes too.
    const order = new Int32Array(kept);
    for (let len = 0, sum = 0; len <= maxLength + 1; len++) {
      const c = byLength[len]!;
      byLength[len] = sum;
      sum += c;
    }
    for (let k = 0; k < kept; k++) order[byLength[keptLength[k]!]!++] = k;

    const tables = this.log.tables;
    const pools: (ChildPool | undefined)[] = [];
    for (const table of tables) {
      table.reserve(tableEntries[table.id] ?? 0);
      const children = tableChildren[table.id] ?? 0;
      pools[table.id] = children > 0 ? new ChildPool(children) : undefined;
    }
    /** Per table, the input position of each slot. */
    const inputOf: Int32Array[] = tables.map((table) => new Int32Array(tableEntries[table.id] ?? 0));
    /** Input position → slot + 1, for what was kept. */
    const slotOfInput = new Int32Array(n);
    /** Per table, prefix text → slot, made only when a lookup by text is needed. */
    const byText: (Map<string, number> | undefined)[] = [];
    const lookupByText = (table: Table, text: string): number => {
      let m = byText[table.id];
      if (!m) {
        m = new Map();
        for (let s = 0; s < table.count; s++) m.set(table.textAt(s), s);
        byText[table.id] = m;
      }
      return m.get(text) ?? -1;
    };
    /** Releases entry i (with canonical text). */
    const release = (i: number, text: string, parentText: string | null) => {
      const a = input.entry(i);
      const c = text !== a.prefix || parentText !== a.parent ? { ...a, prefix: text, parent: parentText } : a;
      this.released.push(c);
      releasedPrefixes.add(`${c.plane}|${c.family}|${c.prefix}`);
    };
    /** Records entry i (of owner `pos`, prefix `p`, canonical text `text`) at `slot` of `table`. */
    const record = (table: Table, slot: number, i: number, text: string | undefined, pos: number, levelCode: number, p: Prefix) => {
      inputOf[table.id]![slot] = i;
      slotOfInput[i] = slot + 1;
      byText[table.id]?.set(text ?? table.textAt(slot), slot);
      if (levelCode !== SERVICE_CODE) {
        const owner = table.ownerAt(slot);
        if (!table.nodes.has(owner)) {
          const node = new PrefixNode({ family: p.family, len: p.len, words: p.words.slice() }, text);
          node.reserve(childCounts[pos]!, pools[table.id]);
          table.nodes.set(owner, node);
        }
      }
    };
    // The entry being looked at, as a prefix (its words copied in; nothing keeps it).
    const scratch = { ipv6: { family: 'ipv6' as Family, len: 0, words: [0, 0, 0, 0] }, ipv4: { family: 'ipv4' as Family, len: 0, words: [0] } };
    const parentWords = new Uint32Array(4);

    const roots = new Map<Table, string>();
    // The parent node of the previous entry: entries of one length in address order mostly share it.
    let lastParent = -1;
    let lastParentTable: Table | undefined;
    let lastParentNode: PrefixNode | undefined;
    for (let o = 0; o < kept; o++) {
      const k = order[o]!;
      const i = keptInput[k]!;
      const table = tables[keptTable[k]!]!;
      const pos = keptOwner[k]!;
      /** The canonical text where the entry's own is not (entries spelt canonically are not read as strings). */
      const text = respelt.get(k);
      // The parent's canonical text, worked out only when needed (see below).
      let parentText: string | null | undefined;
      if (releasedPrefixes.size > 0) {
        const parent = input.parent(i);
        if (parent !== null) {
          parentText = canonicalParent(parent);
          if (releasedPrefixes.has(`${table.plane}|${table.family}|${parentText}`)) {
            release(i, (text ?? input.prefix(i)), parentText);
            continue;
          }
        }
      }
      const dup = table.slotAt(pos);
      if (dup >= 0) {
        at(i, 'owner', `"${input.owner(i)}" already has an ${table.family} allocation on ${table.plane} (allocations[${inputOf[table.id]![dup]}], ${table.textAt(dup)}); keep one`);
        continue;
      }
      const p = scratch[table.family];
      p.len = keptLength[k]!;
      for (let x = 0; x < p.words.length; x++) p.words[x] = keptWords[4 * k + x]!;
      const levelCode = LEVEL_CODE.get(ownerLevels[pos]!)!;
      const ownerParent = ownerParents[pos]!;
      const parentCode = input.scanParent(i, parentWords, 0);
      if (ownerParent === null) {
        let root = roots.get(table);
        if (root === undefined) roots.set(table, (root = formatPrefix(parsePrefix(estate.planeById.get(table.plane)![table.family]!))));
        if (input.parent(i) !== null) at(i, 'parent', `must be null: "${input.owner(i)}" holds the plane's root`);
        else if (root !== (text ?? input.prefix(i))) {
          const f = estate.fieldOf(estate.planeById.get(table.plane)!, table.family);
          at(i, 'prefix', `${(text ?? input.prefix(i))} is not the ${table.family} root of ${table.plane}, ${root} (${f.file}: ${f.path}); a plane's root cannot change under existing allocations`);
        } else record(table, table.add(pos, '', levelCode, -1, p.len, p.words), i, text, pos, levelCode, p);
        continue;
      }
      if (input.parent(i) === null) {
        at(i, 'parent', `is null, but only a plane's root has no parent; "${input.owner(i)}" belongs under "${ownerParent}"`);
        continue;
      }
      // Fast path: the parent is the allocation of the owner's parent, spelt canonically.
      const expected = parentPositions[pos]! >= 0 ? table.slotAt(parentPositions[pos]!) : table.slotOf(ownerParent);
      let parent: number;
      if (expected >= 0 && parentCode >= 0 && parentCode & SCAN_CANONICAL && table.isAt(expected, parentWords, 0, parentCode & 0xff)) parent = expected;
      else {
        try {
          parentText = formatPrefix(parsePrefix(input.parent(i)!));
        } catch (err) {
          if (err instanceof PrefixParseError) at(i, 'parent', err.message);
          else throw err;
          continue;
        }
        parent = lookupByText(table, parentText);
        if (parent < 0) {
          at(i, 'parent', `${parentText} is not an allocation of ${table.plane} ${table.family} in this ledger`);
          continue;
        }
        const parentOwner = table.ownerAt(parent);
        if (parentOwner !== ownerParent) {
          if (prune) {
            // The owner moved to another parent in the estate: release it (and what is under it)
            // so that it is allocated afresh under its new parent.
            release(i, (text ?? input.prefix(i)), parentText);
            continue;
          }
          at(i, 'parent', `${parentText} belongs to "${parentOwner}", but "${input.owner(i)}" now belongs under "${ownerParent}"; if it moved, run "longyun ipam allocate --prune" to release its prefixes and allocate new ones under "${ownerParent}"`);
          continue;
        }
      }
      let node = parent === lastParent && table === lastParentTable ? lastParentNode : table.nodes.get(ownerParent);
      if (!node) {
        node = new PrefixNode(table.prefixAt(parent));
        table.nodes.set(ownerParent, node);
      }
      lastParent = parent;
      lastParentTable = table;
      lastParentNode = node;
      if (!contains(node.prefix, p) || p.len <= node.prefix.len) {
        at(i, 'prefix', `${(text ?? input.prefix(i))} is outside its parent ${parentText ?? table.textAt(parent)}`);
        continue;
      }
      const clash = node.insert(p, table.count);
      if (clash) {
        const c = clash.overlaps as number;
        at(i, 'prefix', `${(text ?? input.prefix(i))} overlaps allocations[${inputOf[table.id]![c]}] (${table.textAt(c)}, owner "${table.ownerAt(c)}"); every prefix must be disjoint from its siblings`);
        continue;
      }
      record(table, table.add(pos, '', levelCode, parent, p.len, p.words), i, text, pos, levelCode, p);
    }
    if (issues.length > 0) {
      issues.sort((x, y) => Number(/\[(\d+)\]/.exec(x.path)?.[1]) - Number(/\[(\d+)\]/.exec(y.path)?.[1]));
      throw new LedgerValidationError(issues);
    }
    // Keep the input's order for what was kept.
    const log = this.log;
    let end = log.length;
    log.reserve(end + kept);
    for (let k = 0; k < kept; k++) {
      const i = keptInput[k]!;
      if (slotOfInput[i]! > 0) log.set(end++, keptTable[k]!, slotOfInput[i]! - 1);
    }
    log.length = end;
  }

  /**
   * Allocates every requirement that has no allocation yet, first fit in its parent. Existing
   * allocations never move. Returns what was added. Without an argument, the estate's
   * requirements (`requirementsOf`), walked without materialising them.
   */
  allocateMissing(requirements?: Iterable<Requirement>): AllocationList {
    const log = this.log;
    const start = log.length;
    let end = start;
    // The table and parent node of the previous requirement: consecutive requirements mostly
    // share them (a unit's services, a county's townships). A table's node for an owner never
    // changes once made, so these stay valid.
    let t: Table | undefined;
    let tPlane = '';
    let tFamily = '';
    let parentOwnerOf: string | undefined;
    let parentNode: PrefixNode | undefined;
    let parentSlot = -1;
    const childCounts = this.ownerIndex.childCounts;
    /** Room for the children of the nodes made in the walk below (when there is one). */
    let pool: ChildPool | undefined;

    const ownerIndex = this.ownerIndex;
    const idOf = (at: number, ownerId: string | undefined): string => ownerId ?? ownerIndex.idAt(at);
    /**
     * One requirement; `at` is the owner's position in the owner index and `parentAt` its
     * parent's, or -1 if not known. With a position, the owner's id may be left out (it is made
     * only if needed: service owners' ids are not made for allocating).
     */
    const allocate = (
      at: number,
      plane: string,
      family: Family,
      ownerId: string | undefined,
      level: Requirement['level'],
      parentOwner: string | null,
      parentAt: number,
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
      if (at >= 0 ? table.slotAt(at) >= 0 : table.slotOf(ownerId!) >= 0) return;
      const levelCode = LEVEL_CODE.get(level)!;
      let slot: number;
      if (parentOwner === null) {
        const p = parsePrefix(root!);
        slot = table.add(at, idOf(at, ownerId), levelCode, -1, p.len, p.words);
        const n = new PrefixNode(p);
        if (at >= 0) n.reserve(childCounts[at]!, pool);
        table.nodes.set(idOf(at, ownerId), n);
      } else {
        let node: PrefixNode | undefined;
        if (parentOwner === parentOwnerOf && parentNode !== undefined) node = parentNode;
        else {
          node = table.nodes.get(parentOwner) ?? this.node(plane, family, parentOwner);
          if (!node) throw new Error(`internal: no allocation for parent "${parentOwner}" of "${idOf(at, ownerId)}" on ${plane} ${family}`);
          parentOwnerOf = parentOwner;
          parentNode = node;
          parentSlot = parentAt >= 0 ? table.slotAt(parentAt) : table.slotOf(parentOwner);
        }
        const offset = node.fitOffset(length);
        if (offset < 0) {
          const r: Requirement = { plane, family, owner: idOf(at, ownerId), level, parentOwner, length };
          if (root !== undefined) r.root = root;
          throw this.exhausted(r, node);
        }
        slot = table.add(at, at >= 0 ? '' : idOf(at, ownerId), levelCode, parentSlot, length, node.prefix.words, offset, node.unitShift);
        node.place(length, offset, slot);
        if (level !== 'service') {
          const n = new PrefixNode(node.prefixAt(length, offset));
          if (at >= 0) n.reserve(childCounts[at]!, pool);
          table.nodes.set(idOf(at, ownerId), n);
        }
      }
      log.set(end++, table.id, slot);
    };

    if (requirements !== undefined) {
      for (const r of requirements) allocate(-1, r.plane, r.family, r.owner, r.level, r.parentOwner, -1, r.length, r.root);
    } else if (this.ownerMap !== undefined) {
      // `owners` was handed out (and may have been changed): requirementsOf(estate, owners).
      for (const r of requirementsOf(this.estate, this.ownerMap)) allocate(-1, r.plane, r.family, r.owner, r.level, r.parentOwner, -1, r.length, r.root);
    } else {
      // requirementsOf(this.estate, this.owners), one at a time. It parses every root up front
      // (when there is a province to give one to), so a bad root fails before anything changes.
      const { size, levels, parents, parentPositions } = this.ownerIndex;
      const groups = requirementGroups(this.estate);
      const rootLength = levels.includes('province') ? groups.map((g) => parsePrefix(g.root).len) : [];
      // What is missing, to size the tables and, per table, one pool for the children of the
      // nodes made here.
      const missing = groups.map(({ plane, family }) => {
        const table = this.table(plane, family);
        let owners = 0;
        let children = 0;
        for (let i = 0; i < size; i++) {
          if (table !== undefined && table.slotAt(i) >= 0) continue;
          owners++;
          children += childCounts[i]!;
        }
        return { owners, children };
      });
      log.reserve(start + missing.reduce((sum, m) => sum + m.owners, 0));
      groups.forEach(({ plane, family, root, len }, g) => {
        pool = missing[g]!.children > 0 ? new ChildPool(missing[g]!.children) : undefined;
        if (missing[g]!.owners > 0) this.tableFor(plane, family).reserve(missing[g]!.owners);
        for (let i = 0; i < size; i++) {
          const level = levels[i]!;
          if (level === 'province') allocate(i, plane, family, undefined, level, null, -1, rootLength[g]!, root);
          else allocate(i, plane, family, undefined, level, parents[i]!, parentPositions[i]!, len[level], undefined);
        }
      });
    }
    log.length = end;
    return new AllocationList(log, start, end);
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
    const log = this.log;
    let best: Table | undefined;
    let bestSlot = -1;
    for (let k = 0; k < log.length; k++) {
      const t = log.tableAt(k);
      if (t.family !== target.family) continue;
      const s = log.slotAt(k);
      if (t.holds(s, target) && (best === undefined || t.lengthAt(s) > best.lengthAt(bestSlot))) {
        best = t;
        bestSlot = s;
      }
    }
    if (best === undefined) return undefined;
    const chain: Allocation[] = [];
    for (let s = bestSlot; s >= 0; s = best.parentAt(s)) chain.unshift(best.allocation(s));
    return { allocation: best.allocation(bestSlot), chain };
  }

  /** Utilisation of a plane's root in one family: the share of it given to its children. */
  rootUtilisation(plane: string, family: Family): { prefix: string; used: number; count: number } | undefined {
    const t = this.table(plane, family);
    const province = this.estate.province();
    if (!t || !province) return undefined;
    const node = this.node(plane, family, province.id);
    if (!node) return undefined;
    return { prefix: node.text, used: node.utilisation(), count: t.size };
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
