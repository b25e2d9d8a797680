// The entries of a ledger as the address plan reads them: from the objects parseLedger gives, or
// straight from canonical ledger text (what serializeLedger writes), without an object or a string
// per entry for a ledger of hundreds of thousands.
import { scanPrefix, type Family } from '../prefix.js';
import type { Allocation } from './ledger.js';
import { ALLOCATION_LEVELS, type AllocationLevel, type OwnerIndex } from './requirements.js';

/** Entry i of a ledger's `allocations`, field by field (the schema holds for every entry). */
export interface LedgerEntries {
  readonly length: number;
  plane(i: number): string;
  family(i: number): Family;
  owner(i: number): string;
  level(i: number): AllocationLevel;
  prefix(i: number): string;
  parent(i: number): string | null;
  /** Is the owner the one at `position` of `owners`? (Without making its id.) */
  ownerIs(i: number, owners: OwnerIndex, position: number): boolean;
  /** `scanPrefix` of the prefix. */
  scanPrefix(i: number, out: Uint32Array, at: number): number;
  /** `scanPrefix` of the parent; -1 when it is null. */
  scanParent(i: number, out: Uint32Array, at: number): number;
  /** The entry as parseLedger gives it. */
  entry(i: number): Allocation;
}

/** The entries of parsed allocations. */
export class AllocationEntries implements LedgerEntries {
  constructor(private readonly list: readonly Allocation[]) {}

  get length(): number {
    return this.list.length;
  }

  plane(i: number): string {
    return this.list[i]!.plane;
  }

  family(i: number): Family {
    return this.list[i]!.family;
  }

  owner(i: number): string {
    return this.list[i]!.owner;
  }

  level(i: number): AllocationLevel {
    return this.list[i]!.level;
  }

  prefix(i: number): string {
    return this.list[i]!.prefix;
  }

  parent(i: number): string | null {
    return this.list[i]!.parent;
  }

  ownerIs(i: number, owners: OwnerIndex, position: number): boolean {
    const owner = this.list[i]!.owner;
    return owners.idIs(position, owner, 0, owner.length);
  }

  scanPrefix(i: number, out: Uint32Array, at: number): number {
    return scanPrefix(this.list[i]!.prefix, out, at);
  }

  scanParent(i: number, out: Uint32Array, at: number): number {
    const parent = this.list[i]!.parent;
    return parent === null ? -1 : scanPrefix(parent, out, at);
  }

  entry(i: number): Allocation {
    return this.list[i]!;
  }
}

const FAMILIES: readonly Family[] = ['ipv6', 'ipv4'];

/**
 * The entries of canonical ledger text, read where they lie in the text: field positions in
 * typed arrays, strings made only when asked for.
 */
class TextEntries implements LedgerEntries {
  constructor(
    private readonly text: string,
    readonly length: number,
    private readonly planes: readonly string[],
    private readonly planeOf: Uint16Array,
    private readonly familyOf: Uint8Array,
    private readonly levelOf: Uint8Array,
    /** Start and end of the owner, prefix and parent (-1 for null) of entry i at 6i … 6i + 5. */
    private readonly at: Int32Array,
  ) {}

  plane(i: number): string {
    return this.planes[this.planeOf[i]!]!;
  }

  family(i: number): Family {
    return FAMILIES[this.familyOf[i]!]!;
  }

  owner(i: number): string {
    return this.text.slice(this.at[6 * i]!, this.at[6 * i + 1]!);
  }

  level(i: number): AllocationLevel {
    return ALLOCATION_LEVELS[this.levelOf[i]!]!;
  }

  prefix(i: number): string {
    return this.text.slice(this.at[6 * i + 2]!, this.at[6 * i + 3]!);
  }

  parent(i: number): string | null {
    const start = this.at[6 * i + 4]!;
    return start < 0 ? null : this.text.slice(start, this.at[6 * i + 5]!);
  }

  ownerIs(i: number, owners: OwnerIndex, position: number): boolean {
    return owners.idIs(position, this.text, this.at[6 * i]!, this.at[6 * i + 1]!);
  }

  scanPrefix(i: number, out: Uint32Array, at: number): number {
    return scanPrefix(this.text, out, at, this.at[6 * i + 2]!, this.at[6 * i + 3]!);
  }

  scanParent(i: number, out: Uint32Array, at: number): number {
    const start = this.at[6 * i + 4]!;
    return start < 0 ? -1 : scanPrefix(this.text, out, at, start, this.at[6 * i + 5]!);
  }

  entry(i: number): Allocation {
    return { plane: this.plane(i), family: this.family(i), owner: this.owner(i), level: this.level(i), prefix: this.prefix(i), parent: this.parent(i) };
  }
}

const HEAD = '{\n  "version": 1,\n  "estate": "';
const HEAD_END = '",\n  "allocations": [\n';
const TAIL = '  ]\n}\n';
const LINE = '    {"plane": "';
const FAMILY = '", "family": "';
const OWNER = '", "owner": "';
const LEVEL = '", "level": "';
const PREFIX = '", "prefix": "';
const PARENT = '", "parent": ';

/** What no string of canonical text holds: escapes, and control characters (line ends are checked per line). */
const UNREADABLE = /[\\\x00-\x09\x0b-\x1f]/;

/**
 * The entries of ledger text when it is exactly as serializeLedger writes it (and its strings
 * have no escapes): the same entries, field for field, as parseLedger gives. Otherwise undefined
 * (parseLedger reads it, or says what is wrong with it).
 */
export function canonicalLedgerEntries(text: string): LedgerEntries | undefined {
  if (!text.startsWith(HEAD) || UNREADABLE.test(text)) return undefined;
  const n = text.length;
  let p = text.indexOf('"', HEAD.length);
  if (p < 0 || text.indexOf('\n', HEAD.length) < p || !text.startsWith(HEAD_END, p)) return undefined;
  p += HEAD_END.length;
  const planes: string[] = [];
  if (text.startsWith(TAIL, p)) return p + TAIL.length === n ? new TextEntries(text, 0, planes, new Uint16Array(0), new Uint8Array(0), new Uint8Array(0), new Int32Array(0)) : undefined;
  // A line is over 100 characters: room for every entry.
  const capacity = Math.ceil((n - p) / 100) + 1;
  const planeOf = new Uint16Array(capacity);
  const familyOf = new Uint8Array(capacity);
  const levelOf = new Uint8Array(capacity);
  const at = new Int32Array(6 * capacity);
  let count = 0;
  let lastPlane = -1;
  for (;;) {
    if (count === capacity) return undefined;
    // Each field ends before the line does (so no string holds a line end).
    const lineEnd = text.indexOf('\n', p);
    if (lineEnd < 0 || !text.startsWith(LINE, p)) return undefined;
    p += LINE.length;
    // Plane
    let end = text.indexOf('"', p);
    if (end <= p || end > lineEnd) return undefined;
    const last = lastPlane >= 0 ? planes[lastPlane]! : undefined;
    if (last !== undefined && end - p === last.length && text.startsWith(last, p)) planeOf[count] = lastPlane;
    else {
      const plane = text.slice(p, end);
      let k = planes.indexOf(plane);
      if (k < 0) {
        if (planes.length === 65535) return undefined;
        k = planes.push(plane) - 1;
      }
      planeOf[count] = lastPlane = k;
    }
    p = end;
    // Family
    if (!text.startsWith(FAMILY, p)) return undefined;
    p += FAMILY.length;
    if (text.startsWith('ipv6', p)) familyOf[count] = 0;
    else if (text.startsWith('ipv4', p)) familyOf[count] = 1;
    else return undefined;
    p += 4;
    // Owner
    if (!text.startsWith(OWNER, p)) return undefined;
    p += OWNER.length;
    end = text.indexOf('"', p);
    if (end <= p || end > lineEnd) return undefined;
    at[6 * count] = p;
    at[6 * count + 1] = end;
    p = end;
    // Level
    if (!text.startsWith(LEVEL, p)) return undefined;
    p += LEVEL.length;
    end = text.indexOf('"', p);
    if (end < 0 || end > lineEnd) return undefined;
    let level = -1;
    for (let k = 0; k < ALLOCATION_LEVELS.length; k++) {
      const l = ALLOCATION_LEVELS[k]!;
      if (end - p === l.length && text.startsWith(l, p)) {
        level = k;
        break;
      }
    }
    if (level < 0) return undefined;
    levelOf[count] = level;
    p = end;
    // Prefix
    if (!text.startsWith(PREFIX, p)) return undefined;
    p += PREFIX.length;
    end = text.indexOf('"', p);
    if (end <= p || end > lineEnd) return undefined;
    at[6 * count + 2] = p;
    at[6 * count + 3] = end;
    p = end;
    // Parent
    if (!text.startsWith(PARENT, p)) return undefined;
    p += PARENT.length;
    if (text.startsWith('null}', p)) {
      at[6 * count + 4] = -1;
      at[6 * count + 5] = -1;
      p += 5;
    } else {
      if (text.charCodeAt(p) !== 34) return undefined;
      end = text.indexOf('"', p + 1);
      if (end <= p + 1 || end > lineEnd || text.charCodeAt(end + 1) !== 125) return undefined;
      at[6 * count + 4] = p + 1;
      at[6 * count + 5] = end;
      p = end + 2;
    }
    count++;
    // The next line, or the end.
    if (p === lineEnd - 1 && text.charCodeAt(p) === 44) p = lineEnd + 1;
    else if (p === lineEnd && lineEnd + 1 + TAIL.length === n && text.startsWith(TAIL, lineEnd + 1)) break;
    else return undefined;
  }
  return new TextEntries(text, count, planes, planeOf, familyOf, levelOf, at);
}
