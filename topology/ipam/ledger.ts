// The IPAM ledger: the allocations only, one per plane, family and owner. It lives in the estate
// directory as ledger.json (one allocation per line, so that it diffs well in git).
import { Type, type Static } from '@sinclair/typebox';
import { LedgerValidationError, type Issue } from '../errors.js';
import { comparePrefixes, parsePrefix, type Family } from '../prefix.js';
import { validate } from '../validate.js';
import { ALLOCATION_LEVELS, type AllocationLevel } from './requirements.js';

export const LEDGER_FILE = 'ledger.json';
export const LEDGER_VERSION = 1;

export interface Allocation {
  plane: string;
  family: Family;
  /** A unit id, a data-centre id, or `<owner>/<service>` for a service subnet. */
  owner: string;
  level: AllocationLevel;
  prefix: string;
  /** The prefix this one was carved from; null for a plane's root. */
  parent: string | null;
}

export const AllocationSchema = Type.Object(
  {
    plane: Type.String({ minLength: 1 }),
    family: Type.Union([Type.Literal('ipv6'), Type.Literal('ipv4')]),
    owner: Type.String({ minLength: 1 }),
    level: Type.Union(ALLOCATION_LEVELS.map((l) => Type.Literal(l))),
    prefix: Type.String({ minLength: 1 }),
    parent: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
  },
  { additionalProperties: false },
);

export const LedgerSchema = Type.Object(
  {
    version: Type.Literal(LEDGER_VERSION),
    estate: Type.String(),
    allocations: Type.Array(AllocationSchema),
  },
  { additionalProperties: false },
);
export type LedgerDocument = Static<typeof LedgerSchema>;

/** Parses ledger text; an empty or missing ledger is an empty list. */
export function parseLedger(text: string | undefined, file: string): Allocation[] {
  if (text === undefined || text.trim() === '') return [];
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const reason = String((e as Error).message).split('\n')[0]!;
    const m = /position (\d+)/.exec(reason);
    // V8 gives no position for some errors; a trailing comma is the usual hand-edit slip.
    const trailing = m ? undefined : /,\s*[\]}]/.exec(text);
    const offset = m ? Number(m[1]) : trailing?.index;
    const where = offset === undefined ? '' : ` at line ${text.slice(0, offset).split('\n').length}`;
    const hint = trailing ? ' (a trailing comma before "]" or "}")' : '';
    throw new LedgerValidationError([
      { file, path: '', message: `is not valid JSON${where}${hint}: ${reason}; fix it by hand or restore it from git — it is never overwritten while invalid` },
    ]);
  }
  const issues: Issue[] = validate(LedgerSchema, data, file);
  if (issues.length > 0) throw new LedgerValidationError(issues);
  return (data as LedgerDocument).allocations as Allocation[];
}

/**
 * The canonical text of a ledger: allocations ordered by plane (in the given order), family
 * (IPv6 first) and address, one per line. The same allocations always give the same bytes.
 */
export function serializeLedger(estateName: string, allocations: readonly Allocation[], planeOrder: readonly string[]): string {
  const planeRank = new Map(planeOrder.map((p, i) => [p, i]));
  const keyed = allocations.map((a) => ({ a, p: parsePrefix(a.prefix) }));
  keyed.sort(
    (x, y) =>
      (planeRank.get(x.a.plane) ?? 1e9) - (planeRank.get(y.a.plane) ?? 1e9) ||
      (x.a.plane < y.a.plane ? -1 : x.a.plane > y.a.plane ? 1 : 0) ||
      comparePrefixes(x.p, y.p),
  );
  const lines = keyed.map(
    ({ a }) =>
      `    {"plane": ${JSON.stringify(a.plane)}, "family": "${a.family}", "owner": ${JSON.stringify(a.owner)}, "level": "${a.level}", "prefix": "${a.prefix}", "parent": ${a.parent === null ? 'null' : `"${a.parent}"`}}`,
  );
  return `{\n  "version": ${LEDGER_VERSION},\n  "estate": ${JSON.stringify(estateName)},\n  "allocations": [\n${lines.join(',\n')}${lines.length ? '\n' : ''}  ]\n}\n`;
}
