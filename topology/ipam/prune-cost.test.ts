// What pruning costs. A released entry needs no "did you mean" suggestion (nobody reads it), and
// each suggestion is an edit-distance search over every owner of the estate: computing one per
// released entry makes a prune O(released × owners).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GANSU_DIR } from '../estate.test-helpers.js';
import { loadEstateFromSources, readEstateSources } from '../load.js';
import { AddressPlan } from './address-plan.js';
import { LEDGER_FILE, parseLedger } from './ledger.js';

const calls = vi.hoisted(() => ({ closest: 0 }));
vi.mock('../suggest.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../suggest.js')>();
  const closest: typeof real.closest = (word, candidates) => {
    calls.closest++;
    return real.closest(word, candidates);
  };
  const didYouMean: typeof real.didYouMean = (word, candidates) => {
    const c = closest(word, candidates);
    return c === undefined ? '' : ` (did you mean "${c}"?)`;
  };
  return { ...real, closest, didYouMean };
});

afterEach(() => {
  calls.closest = 0;
});

const ledgerPath = join(GANSU_DIR, LEDGER_FILE);
const shipped = parseLedger(readFileSync(ledgerPath, 'utf8'), ledgerPath);
/** Gansu without the county service "video": 86 counties × 2 planes × 2 families entries to release. */
const withoutVideo = loadEstateFromSources(
  readEstateSources(GANSU_DIR).map((s) => (s.file.endsWith('estate.yaml') ? { ...s, text: s.text.replace(/^ {6}- video\n/m, '') } : s)),
  GANSU_DIR,
);

describe('pruning', () => {
  it('the estate really lost the service (sanity check of the fixture)', () => {
    expect(withoutVideo.doc.ipam.services?.county).toEqual(['office', 'management']);
  });

  it('still suggests owners in the error without prune', () => {
    expect(() => AddressPlan.build(withoutVideo, shipped, { file: ledgerPath })).toThrow(/unknown owner "lanzhou-chengguan\/video"/);
    expect(calls.closest).toBeGreaterThan(0);
  });

  it('searches no suggestion for what it releases', () => {
    const plan = AddressPlan.build(withoutVideo, shipped, { file: ledgerPath, prune: true });
    expect(plan.released).toHaveLength(86 * 2 * 2);
    expect(calls.closest).toBe(0);
  });
});
