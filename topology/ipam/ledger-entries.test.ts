import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { runs } from '../../test/property-runs.js';
import { describe, expect, it } from 'vitest';
import { GANSU_DIR } from '../estate.test-helpers.js';
import { loadEstate } from '../load.js';
import { AddressPlan } from './address-plan.js';
import { LEDGER_FILE, parseLedger, serializeLedger } from './ledger.js';
import { canonicalLedgerEntries } from './ledger-entries.js';
import { loadAddressPlan } from './ledger-store.js';

const gansu = loadEstate(GANSU_DIR);
const shippedText = readFileSync(join(GANSU_DIR, LEDGER_FILE), 'utf8');
const planeOrder = gansu.doc.planes.map((p) => p.id);
const FILE = 'edited/ledger.json';

type Outcome = { ok: true; allocations: unknown[]; released: unknown[]; text: string } | { ok: false; name: string; message: string };

function outcome(build: () => AddressPlan): Outcome {
  try {
    const plan = build();
    return { ok: true, allocations: plan.allocations().toArray(), released: plan.released, text: serializeLedger(gansu.name, plan.allocations(), planeOrder) };
  } catch (e) {
    return { ok: false, name: (e as Error).name, message: (e as Error).message };
  }
}

/** The plan from the text's fast path and from parseLedger + build: the same plan or the same error. */
function sameEitherWay(text: string, prune: boolean): Outcome {
  const viaText = outcome(() => loadAddressPlan(gansu, text, { file: FILE, prune }));
  const viaObjects = outcome(() => AddressPlan.build(gansu, parseLedger(text, FILE), { file: FILE, prune }));
  expect(viaText).toEqual(viaObjects);
  return viaText;
}

describe('canonical ledger text', () => {
  it('reads the shipped ledger field for field as parseLedger does', () => {
    const entries = canonicalLedgerEntries(shippedText)!;
    expect(entries).toBeDefined();
    const parsed = parseLedger(shippedText, FILE);
    expect(entries.length).toBe(parsed.length);
    for (let i = 0; i < parsed.length; i++) expect(entries.entry(i)).toEqual(parsed[i]);
    const out = sameEitherWay(shippedText, false);
    expect(out.ok && out.text).toBe(shippedText);
  });

  it('reads an empty ledger', () => {
    const empty = serializeLedger('gansu', [], planeOrder);
    expect(canonicalLedgerEntries(empty)?.length).toBe(0);
    sameEitherWay(empty, false);
  });

  it('leaves other layouts and escapes to parseLedger', () => {
    const lines = shippedText.split('\n');
    const variants = [
      shippedText.replace(/\n/g, '\r\n'),
      shippedText.replace('"owner": "gansu"', '"owner": "\\u0067ansu"'),
      shippedText.replace('{"plane"', '{ "plane"'),
      shippedText.replace('\n  ]', ',\n  ]'),
      `${shippedText} `,
      JSON.stringify(JSON.parse(shippedText)),
      [...lines.slice(0, 4), lines[4]!.replace('"parent": null', '"parent": null, "note": "x"'), ...lines.slice(5)].join('\n'),
    ];
    for (const text of variants) {
      expect(canonicalLedgerEntries(text)).toBeUndefined();
      sameEitherWay(text, false);
    }
  });

  // Hand edits of single lines, which keep the text canonical in layout: the fast path must give
  // exactly what parseLedger + build give (the plan, or the error with every issue).
  const lines = shippedText.split('\n');
  const first = 4;
  const last = lines.length - 4; // the last entry line
  const edits: Array<(line: string) => string> = [
    (l) => l.replace(/"prefix": "([^"]*)"/, (_, p: string) => `"prefix": "${p.toUpperCase()}"`),
    (l) => l.replace(/"parent": "([^"]*)"/, (_, p: string) => `"parent": "${p.toUpperCase()}"`),
    (l) => l.replace(/"prefix": "([^"]*)::\/(\d+)"/, '"prefix": "$1:0:0::/$2"'),
    (l) => l.replace(/"prefix": "([^"]*)\.0\/(\d+)"/, '"prefix": "$1.1/$2"'),
    (l) => l.replace(/"prefix": "[^"]*"/, '"prefix": "10.0.0.0/8"'),
    (l) => l.replace(/"prefix": "[^"]*"/, '"prefix": "2001:db8::/80"'),
    (l) => l.replace(/"prefix": "[^"]*"/, '"prefix": "not-a-prefix"'),
    (l) => l.replace(/"parent": "[^"]*"/, '"parent": "2001:db8:ffff::/48"'),
    (l) => l.replace(/"parent": "[^"]*"/, '"parent": null'),
    (l) => l.replace(/"parent": null/, '"parent": "2001:db8::/33"'),
    (l) => l.replace(/"owner": "([^"]*)"/, '"owner": "$1x"'),
    (l) => l.replace(/"plane": "([^"]*)"/, '"plane": "$1x"'),
    (l) => l.replace(/"family": "ipv6"/, '"family": "ipv4"').replace(/"family": "ipv4"(?!.*ipv6)/, '"family": "ipv6"'),
    (l) => l.replace(/"level": "([^"]*)"/, (_, v: string) => `"level": "${v === 'service' ? 'county' : 'service'}"`),
    (l) => l.replace(/"level": "[^"]*"/, '"level": "village"'),
    (l) => l.replace(/"owner": "[^"]*"/, '"owner": ""'),
  ];
  const lineArb = fc.integer({ min: first, max: last });

  it('gives the same plan or the same error as parseLedger + build after hand edits', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(lineArb, fc.integer({ min: 0, max: edits.length - 1 })), { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        (changes, prune) => {
          const copy = [...lines];
          for (const [i, e] of changes) copy[i] = edits[e]!(copy[i]!);
          sameEitherWay(copy.join('\n'), prune);
        },
      ),
      runs(150),
    );
  });

  it('gives the same plan or the same error after lines are moved, copied or dropped', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(lineArb, lineArb, fc.constantFrom('swap', 'copy', 'drop')), { minLength: 1, maxLength: 3 }), fc.boolean(), (changes, prune) => {
        const copy = lines.slice(first, last + 1).map((l) => l.replace(/,$/, ''));
        for (const [a, b, op] of changes) {
          const i = (a - first) % copy.length;
          const j = (b - first) % copy.length;
          if (op === 'swap') [copy[i], copy[j]] = [copy[j]!, copy[i]!];
          else if (op === 'copy') copy.splice(j, 0, copy[i]!);
          else if (copy.length > 1) copy.splice(i, 1);
        }
        const text = [...lines.slice(0, first), `${copy.join(',\n')}`, ...lines.slice(last + 1)].join('\n');
        expect(canonicalLedgerEntries(text)).toBeDefined();
        sameEitherWay(text, prune);
      }),
      runs(100),
    );
  });
});
