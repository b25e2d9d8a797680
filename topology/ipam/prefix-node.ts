// One allocated prefix and the children allocated inside it. Only allocations are stored; free
// space is always computed as the parent minus its children (the NetBox way).
import { extractBits, formatPrefix, orBits, width, type Prefix } from '../prefix.js';

/** Offsets inside a node are counted in units of 2^unitShift addresses so that they fit a double. */
const MAX_SPAN_BITS = 52;

export interface Gap {
  /** First free unit and the unit after the last free one. */
  start: number;
  end: number;
}

export class PrefixNode {
  readonly unitShift: number;
  /** The node's size in units. */
  readonly span: number;
  /** Children as sorted, disjoint [start, end) unit ranges, with the child each came from. */
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly owners: unknown[] = [];

  constructor(
    readonly prefix: Prefix,
    readonly text: string = formatPrefix(prefix),
  ) {
    const hostBits = width(prefix.family) - prefix.len;
    this.unitShift = Math.max(0, hostBits - MAX_SPAN_BITS);
    this.span = 2 ** (hostBits - this.unitShift);
  }

  get childCount(): number {
    return this.starts.length;
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
    if (i > 0 && this.ends[i - 1]! > start) return { overlaps: this.owners[i - 1] };
    if (i < this.starts.length && this.starts[i]! < end) return { overlaps: this.owners[i] };
    this.starts.splice(i, 0, start);
    this.ends.splice(i, 0, end);
    this.owners.splice(i, 0, tag);
    return undefined;
  }

  /**
   * First fit: the lowest aligned block of 2^(width - length) addresses that no child covers,
   * or undefined when there is no room.
   */
  firstFit(length: number): Prefix | undefined {
    const w = width(this.prefix.family);
    if (length <= this.prefix.len || length > w) return undefined;
    const sizeBits = w - length - this.unitShift;
    if (sizeBits < 0) return undefined; // finer than we allocate; never asked for by the planner
    const size = 2 ** sizeBits;
    let cursor = 0;
    for (let i = 0; i <= this.starts.length; i++) {
      const aligned = Math.ceil(cursor / size) * size;
      const limit = i < this.starts.length ? this.starts[i]! : this.span;
      if (aligned + size <= limit) {
        return { family: this.prefix.family, len: length, words: orBits(this.prefix.words, aligned, this.unitShift) };
      }
      if (i < this.starts.length && this.ends[i]! > cursor) cursor = this.ends[i]!;
    }
    return undefined;
  }

  /** Units covered by children. */
  usedUnits(): number {
    let used = 0;
    for (let i = 0; i < this.starts.length; i++) used += this.ends[i]! - this.starts[i]!;
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
    for (let i = 0; i < this.starts.length; i++) {
      if (this.starts[i]! > cursor) emit(cursor, this.starts[i]!);
      cursor = Math.max(cursor, this.ends[i]!);
    }
    if (cursor < this.span) emit(cursor, this.span);
    return out;
  }

  private lowerBound(start: number): number {
    let lo = 0;
    let hi = this.starts.length;
    // Fast path for the common append.
    if (hi === 0 || this.starts[hi - 1]! < start) return hi;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! < start) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
