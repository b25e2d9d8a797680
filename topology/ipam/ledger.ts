// The IPAM ledger: the allocations only, one per plane, family and owner. It lives in the estate
// directory as ledger.json (one allocation per line, so that it diffs well in git).
import { Type, type Static } from '@sinclair/typebox';
import { LedgerValidationError, type Issue } from '../errors.js';
import type { Family } from '../prefix.js';
import { validate } from '../validate.js';
import { AllocationList } from './allocation-list.js';
import { LedgerWriter, writeSortedLedgerLines } from './ledger-lines.js';
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
  if (isLedgerDocument(data)) return data.allocations as Allocation[];
  const issues: Issue[] = validate(LedgerSchema, data, file);
  if (issues.length > 0) throw new LedgerValidationError(issues);
  return (data as LedgerDocument).allocations as Allocation[];
}

const LEVELS: ReadonlySet<unknown> = new Set(ALLOCATION_LEVELS);
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * LedgerSchema checked by hand, for a ledger of hundreds of thousands of entries: true only for
 * what the schema accepts. When it says false, the schema check runs and names the problems.
 */
function isLedgerDocument(data: unknown): data is LedgerDocument {
  if (!isPlainObject(data) || Object.keys(data).length !== 3 || !Object.hasOwn(data, 'version') || !Object.hasOwn(data, 'estate') || !Object.hasOwn(data, 'allocations')) return false;
  const { version, estate, allocations } = data;
  if (version !== LEDGER_VERSION || typeof estate !== 'string' || !Array.isArray(allocations)) return false;
  for (let i = 0; i < allocations.length; i++) {
    const a: unknown = allocations[i];
    if (!isPlainObject(a)) return false;
    let keys = 0;
    for (const _ in a) keys++;
    if (
      keys !== 6 ||
      !isText(a.plane) ||
      (a.family !== 'ipv6' && a.family !== 'ipv4') ||
      !isText(a.owner) ||
      !LEVELS.has(a.level) ||
      !isText(a.prefix) ||
      !(a.parent === null || isText(a.parent)) ||
      // Six keys, and these six own: no other key.
      !Object.hasOwn(a, 'plane') ||
      !Object.hasOwn(a, 'family') ||
      !Object.hasOwn(a, 'owner') ||
      !Object.hasOwn(a, 'level') ||
      !Object.hasOwn(a, 'prefix') ||
      !Object.hasOwn(a, 'parent')
    ) {
      return false;
    }
  }
  return true;
}

/**
 * The canonical text of a ledger: allocations ordered by plane (in the given order), family
 * (IPv6 first) and address, one per line. The same allocations always give the same bytes. A
 * plan's `AllocationList` is written straight from the plan's compact storage.
 */
export function serializeLedger(estateName: string, allocations: readonly Allocation[] | AllocationList, planeOrder: readonly string[]): string {
  const out = new LedgerWriter(`{\n  "version": ${LEDGER_VERSION},\n  "estate": ${JSON.stringify(estateName)},\n  "allocations": [\n`);
  if (allocations instanceof AllocationList) allocations.writeLedgerLines(planeOrder, out);
  else writeSortedLedgerLines(allocations, planeOrder, out);
  return out.finish();
}
