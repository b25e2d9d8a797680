// Writing the lines of the ledger file, one allocation each, in the ledger's order (see
// serializeLedger). Apart from ledger.ts so that the address plan can write them without loading
// the schema.
import { comparePrefixes, parsePrefix } from '../prefix.js';
import type { Allocation } from './ledger.js';

/** Scratch pieces of a line (lines are made one at a time). */
const PIECES: string[] = ['    {"plane": ', '', ', "family": "', '', '", "owner": ', '', ', "level": "', '', '", "prefix": "', '', '", "parent": ', '', '}'];

/**
 * One line of the ledger's allocations (without the separating comma); plane and owner as JSON.
 * Made with one join, as a flat string (a template literal makes a tree of a dozen strings).
 */
export function ledgerLine(planeJson: string, family: string, ownerJson: string, level: string, prefix: string, parent: string | null): string {
  const p = PIECES;
  p[1] = planeJson;
  p[3] = family;
  p[5] = ownerJson;
  p[7] = level;
  p[9] = prefix;
  p[11] = parent === null ? 'null' : `"${parent}"`;
  return p.join('');
}

/** Lines per block (see LedgerWriter). */
const BLOCK = 2048;

/**
 * The text of a ledger: `head`, the lines joined by ",\n" (and a line end after the last), then
 * the closing "  ]\n}\n". Lines are joined into blocks as they come and the blocks into the text
 * at the end, so that a ledger of hundreds of thousands of lines is never held as as many
 * strings; the text is one flat string.
 */
export class LedgerWriter {
  private readonly blocks: string[] = [];
  private pending: string[] = [];
  /** Lines written. */
  lines = 0;

  constructor(private readonly head: string) {}

  /** One allocation's line; plane and owner already as JSON. */
  line(planeJson: string, family: string, ownerJson: string, level: string, prefix: string, parent: string | null): void {
    this.pending.push(ledgerLine(planeJson, family, ownerJson, level, prefix, parent));
    this.lines++;
    if (this.pending.length === BLOCK) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.blocks.push(this.pending.join(',\n'));
    this.pending = [];
  }

  /** Where the writer is, for `reset`. */
  mark(): { blocks: number; lines: number } {
    this.flush();
    return { blocks: this.blocks.length, lines: this.lines };
  }

  /** Forgets what was written since `mark`. */
  reset(mark: { blocks: number; lines: number }): void {
    this.blocks.length = mark.blocks;
    this.pending = [];
    this.lines = mark.lines;
  }

  finish(): string {
    this.flush();
    const parts = [this.head];
    for (let i = 0; i < this.blocks.length; i++) parts.push(i === 0 ? '' : ',\n', this.blocks[i]!);
    parts.push(this.lines > 0 ? '\n  ]\n}\n' : '  ]\n}\n');
    return parts.join('');
  }
}

/** Writes the ledger lines of `allocations` to `out`, in ledger order. */
export function writeSortedLedgerLines(allocations: readonly Allocation[], planeOrder: readonly string[], out: LedgerWriter): void {
  const planeRank = new Map(planeOrder.map((p, i) => [p, i]));
  const keyed = allocations.map((a) => ({ a, p: parsePrefix(a.prefix) }));
  keyed.sort(
    (x, y) =>
      (planeRank.get(x.a.plane) ?? 1e9) - (planeRank.get(y.a.plane) ?? 1e9) ||
      (x.a.plane < y.a.plane ? -1 : x.a.plane > y.a.plane ? 1 : 0) ||
      comparePrefixes(x.p, y.p),
  );
  for (const { a } of keyed) out.line(JSON.stringify(a.plane), a.family, JSON.stringify(a.owner), a.level, a.prefix, a.parent);
}
