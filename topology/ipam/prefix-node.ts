// One allocated prefix and the children allocated inside it. Only allocations are stored; free
// space is always computed as the parent minus its children (the NetBox way).
import { extractBits, formatOrBits, formatPrefix, orBits, width, type Prefix } from '../prefix.js';

/** Offsets inside a node are counted in units of 2^unitShift addresses so that they fit a double. */
const MAX_SPAN_BITS = 52;

export interface Gap {
  /** First free unit and the unit after the last free one. */
  start: number;
  end: number;
}

/**
 * Room for the children of many nodes in two large typed arrays, which the garbage collector
 * neither copies nor scans: a node takes a region sized for the children it will have (see
 * `PrefixNode.reserve`) and moves out to arrays of its own if it outgrows it. Tags in a pool are
 * 32-bit integers (a child with any other tag moves its node out).
 */
export class ChildPool {
  readonly ranges: Float64Array;
  readonly tags: Int32Array;
  private used = 0;

  constructor(capacity: number) {
    this.ranges = new Float64Array(2 * capacity);
    this.tags = new Int32Array(capacity);
  }

  /** The first of `children` free slots, or -1 when the pool is full. */
  take(children: number): number {
    if (this.used + children > this.tags.length) return -1;
    const base = this.used;
    this.used += children;
    return base;
  }
}

const NO_RANGES = new Float64Array(0);
const NO_TAGS: unknown[] = [];

export class PrefixNode {
  readonly unitShift: number;
  /** The node's size in units. */
  readonly span: number;
  /**
   * Children as sorted, disjoint [start, end) unit ranges, with the child each came from: child k
   * is ranges[2(base + k)] to ranges[2(base + k) + 1], tags[base + k], for k < count. The arrays
   * have room for `capacity` children from `base`; they are the node's own, or a region of a
   * ChildPool. They are sized by hand (see `reserve`) because a large plan has hundreds of
   * thousands of nodes and a JavaScript array grown by push keeps up to half of itself spare.
   */
  private ranges: Float64Array = NO_RANGES;
  /** The children's tags: in a pool, integers; otherwise anything. */
  private tags: unknown[] | Int32Array = NO_TAGS;
  private base = 0;
  private capacity = 0;
  private count = 0;

  /** The prefix's text, formatted when first asked for unless given. */
  private textCache: string | undefined;

  constructor(
    readonly prefix: Prefix,
    text?: string,
  ) {
    const hostBits = width(prefix.family) - prefix.len;
    this.unitShift = Math.max(0, hostBits - MAX_SPAN_BITS);
    this.span = 2 ** (hostBits - this.unitShift);
    this.textCache = text;
  }

  get text(): string {
    return (this.textCache ??= formatPrefix(this.prefix));
  }

  get childCount(): number {
    return this.count;
  }

  /** The tag of the k-th child in address order (k < childCount). */
  tagAt(k: number): unknown {
    return this.tags[this.base + k];
  }

  /**
   * Makes room for `children` children in all (a hint: more can always be inserted), in `pool`
   * when one is given and the node has no children yet.
   */
  reserve(children: number, pool?: ChildPool): void {
    if (!Number.isSafeInteger(children) || children <= this.capacity) return;
    if (pool !== undefined && this.count === 0) {
      const base = pool.take(children);
      if (base >= 0) {
        this.ranges = pool.ranges;
        this.tags = pool.tags;
        this.base = base;
        this.capacity = children;
        return;
      }
    }
    this.resize(children);
  }

  /** Moves the children to arrays of the node's own with room for `capacity`. */
  private resize(capacity: number): void {
    const ranges = new Float64Array(2 * capacity);
    const tags = new Array<unknown>(capacity);
    const b = this.base;
    for (let k = 0; k < 2 * this.count; k++) ranges[k] = this.ranges[2 * b + k]!;
    for (let k = 0; k < this.count; k++) tags[k] = this.tags[b + k];
    this.ranges = ranges;
    this.tags = tags;
    this.base = 0;
    this.capacity = capacity;
  }

  /** Puts a child at position i (which keeps the children sorted and disjoint). */
  private insertAt(i: number, start: number, end: number, tag: unknown): void {
    const n = this.count;
    if (n === this.capacity) this.resize(n < 4 ? 4 : n + (n >> 1));
    else if (this.tags instanceof Int32Array && ((tag as number) | 0) !== tag) this.resize(this.capacity);
    const ranges = this.ranges;
    const tags = this.tags as unknown[];
    const b = this.base;
    for (let k = b + n; k > b + i; k--) {
      ranges[2 * k] = ranges[2 * k - 2]!;
      ranges[2 * k + 1] = ranges[2 * k - 1]!;
      tags[k] = tags[k - 1];
    }
    ranges[2 * (b + i)] = start;
    ranges[2 * (b + i) + 1] = end;
    tags[b + i] = tag;
    this.count = n + 1;
  }

  /** The unit range a child prefix covers (rounded outwards when it is finer than one unit). */
  rangeOf(child: Prefix): Gap {
    const w = width(child.family);
    const hostTop = w - this.prefix.len;
    const start = extractBits(child.words, this.unitShift, hostTop);
    const childHost = w - child.len;
    const size = childHost > this.unitShift ? 2 ** (childHost - this.unitShift) : 1;
    return { start, end: start + size };
  }

  /**
   * Records a child. Returns the tag of an existing child it overlaps instead of inserting, or
   * undefined when it was inserted.
   */
  insert(child: Prefix, tag: unknown): { overlaps: unknown } | undefined {
    const { start, end } = this.rangeOf(child);
    const i = this.lowerBound(start);
    const b = this.base;
    if (i > 0 && this.ranges[2 * (b + i) - 1]! > start) return { overlaps: this.tags[b + i - 1] };
    if (i < this.count && this.ranges[2 * (b + i)]! < end) return { overlaps: this.tags[b + i] };
    this.insertAt(i, start, end, tag);
    return undefined;
  }

  /**
   * First fit: the lowest aligned block of 2^(width - length) addresses that no child covers,
   * or undefined when there is no room.
   */
  firstFit(length: number): Prefix | undefined {
    const at = this.fitOffset(length);
    return at < 0 ? undefined : this.prefixAt(length, at);
  }

  /**
   * The first-fit scan of `firstFit`, as a unit offset (-1 when there is no room): with
   * `textAt`, `prefixAt` and `place`, an allocation without intermediate objects.
   */
  fitOffset(length: number): number {
    const w = width(this.prefix.family);
    if (length <= this.prefix.len || length > w) return -1;
    const sizeBits = w - length - this.unitShift;
    if (sizeBits < 0) return -1; // finer than we allocate; never asked for by the planner
    const size = 2 ** sizeBits;
    const ranges = this.ranges;
    const from = 2 * this.base;
    const to = from + 2 * this.count;
    let cursor = 0;
    for (let k = from; k < to; k += 2) {
      const aligned = Math.ceil(cursor / size) * size;
      if (aligned + size <= ranges[k]!) return aligned;
      if (ranges[k + 1]! > cursor) cursor = ranges[k + 1]!;
    }
    const aligned = Math.ceil(cursor / size) * size;
    return aligned + size <= this.span ? aligned : -1;
  }

  /** The /length block at unit offset `at` (as returned by `fitOffset`). */
  prefixAt(length: number, at: number): Prefix {
    return { family: this.prefix.family, len: length, words: orBits(this.prefix.words, at, this.unitShift) };
  }

  /** `formatPrefix(prefixAt(length, at))`. */
  textAt(length: number, at: number): string {
    return formatOrBits(this.prefix.family, this.prefix.words, at, this.unitShift, length);
  }

  /**
   * `insert(prefixAt(length, at), tag)` for a block found by `fitOffset`: records the child, or
   * returns the tag of an existing child it overlaps.
   */
  place(length: number, at: number, tag: unknown): { overlaps: unknown } | undefined {
    const childHost = width(this.prefix.family) - length;
    const end = at + (childHost > this.unitShift ? 2 ** (childHost - this.unitShift) : 1);
    const i = this.lowerBound(at);
    const b = this.base;
    if (i > 0 && this.ranges[2 * (b + i) - 1]! > at) return { overlaps: this.tags[b + i - 1] };
    if (i < this.count && this.ranges[2 * (b + i)]! < end) return { overlaps: this.tags[b + i] };
    this.insertAt(i, at, end, tag);
    return undefined;
  }

  /** Units covered by children. */
  usedUnits(): number {
    let used = 0;
    const b = this.base;
    for (let i = 0; i < this.count; i++) used += this.ranges[2 * (b + i) + 1]! - this.ranges[2 * (b + i)]!;
    return used;
  }

  utilisation(): number {
    return this.usedUnits() / this.span;
  }

  /** The free space: the parent minus its children, as maximal aligned prefixes. */
  freePrefixes(limit = Infinity): Prefix[] {
    const out: Prefix[] = [];
    let cursor = 0;
    const w = width(this.prefix.family);
    const emit = (from: number, to: number) => {
      let a = from;
      while (a < to && out.length < limit) {
        // Largest power-of-two block aligned at a that fits before `to`.
        let bits = 0;
        while (bits < 53 && a % 2 ** (bits + 1) === 0 && a + 2 ** (bits + 1) <= to) bits++;
        out.push({ family: this.prefix.family, len: w - this.unitShift - bits, words: orBits(this.prefix.words, a, this.unitShift) });
        a += 2 ** bits;
      }
    };
    const b = this.base;
    for (let i = 0; i < this.count; i++) {
      if (this.ranges[2 * (b + i)]! > cursor) emit(cursor, this.ranges[2 * (b + i)]!);
      cursor = Math.max(cursor, this.ranges[2 * (b + i) + 1]!);
    }
    if (cursor < this.span) emit(cursor, this.span);
    return out;
  }

  private lowerBound(start: number): number {
    let lo = 0;
    let hi = this.count;
    const b = this.base;
    // Fast path for the common append.
    if (hi === 0 || this.ranges[2 * (b + hi - 1)]! < start) return hi;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ranges[2 * (b + mid)]! < start) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
