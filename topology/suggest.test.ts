import fc from 'fast-check';
import { runs } from '../test/property-runs.js';
import { describe, expect, it } from 'vitest';
import { loadEstate } from './load.js';
import { GANSU_DIR } from './estate.test-helpers.js';
import { closest, didYouMean, editDistance } from './suggest.js';

const gansuUnitIds = loadEstate(GANSU_DIR).doc.units.map((u) => u.id);

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['', 'abc', 3],
    ['abc', '', 3],
    ['kitten', 'sitting', 3],
    ['flaw', 'lawn', 2],
    ['lanzhou', 'lanzhuo', 1], // an adjacent transposition is one edit
    ['ca', 'abc', 3], // optimal string alignment: no edit of a transposed pair
    ['qingyang', 'qingyangg', 1],
    ['gansu', 'gansu', 0],
  ])('%j ↔ %j = %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
  });

  const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '-'), maxLength: 10 });
  it('is zero exactly on equal strings, symmetric, and bounded by the lengths', () => {
    fc.assert(
      fc.property(word, word, (a, b) => {
        expect(editDistance(a, b) === 0).toBe(a === b);
        expect(editDistance(a, b)).toBe(editDistance(b, a));
        expect(editDistance(a, b)).toBeGreaterThanOrEqual(Math.abs(a.length - b.length));
        expect(editDistance(a, b)).toBeLessThanOrEqual(Math.max(a.length, b.length));
      }),
      runs(500),
    );
  });

  it('one insertion, deletion or substitution is distance 1', () => {
    fc.assert(
      fc.property(word.filter((w) => w.length > 0), fc.nat(), fc.constantFrom('x', 'y'), (w, n, ch) => {
        const i = n % w.length;
        expect(editDistance(w, w.slice(0, i) + ch + w.slice(i))).toBe(1);
        expect(editDistance(w, w.slice(0, i) + w.slice(i + 1))).toBe(1);
        expect(editDistance(w, w.slice(0, i) + ch + w.slice(i + 1))).toBe(1);
      }),
      runs(300),
    );
  });
});

describe('closest', () => {
  it('returns an exact match', () => {
    expect(closest('lanzhou', gansuUnitIds)).toBe('lanzhou');
    expect(closest('lanzhou-new-area', gansuUnitIds)).toBe('lanzhou-new-area');
  });

  it.each([
    ['lanzhuo', 'lanzhou'],
    ['qingyangg', 'qingyang'],
    ['tianshiu-qinzhou', 'tianshui-qinzhou'],
    ['jiayuguan-', 'jiayuguan'],
    ['gannan-xiaha', 'gannan-xiahe'],
    ['lanzhou-new-aera', 'lanzhou-new-area'],
    ['dingx', 'dingxi'],
  ])('suggests the intended Gansu unit for the typo %j', (typo, intended) => {
    expect(closest(typo, gansuUnitIds)).toBe(intended);
  });

  it('suggests a field name for a misspelt field', () => {
    const fields = ['id', 'level', 'parent', 'name', 'code', 'kind', 'seat', 'location'];
    expect(closest('parnet', fields)).toBe('parent');
    expect(closest('levle', fields)).toBe('level');
    expect(closest('locaton', fields)).toBe('location');
  });

  // The doc comment of closest() promises this one: "lanzhou-xinqu" (兰州新区, xinqu = "new area")
  // is Lanzhou New Area, not Xigu district or the city of Lanzhou.
  it('maps "lanzhou-xinqu" to "lanzhou-new-area" among the Gansu units', () => {
    expect(closest('lanzhou-xinqu', gansuUnitIds)).toBe('lanzhou-new-area');
  });

  it('maps "lanzhou-xinqu" to "lanzhou-new-area" rather than to the city "lanzhou"', () => {
    expect(closest('lanzhou-xinqu', ['lanzhou', 'lanzhou-new-area', 'tianshui'])).toBe('lanzhou-new-area');
  });

  it.each(['banana', 'zzzz', 'kubernetes', 'x', 'beijing-chaoyang', '12345'])('has no suggestion for the unrelated word %j', (w) => {
    expect(closest(w, gansuUnitIds)).toBeUndefined();
  });

  it('has no suggestion without candidates', () => {
    expect(closest('lanzhou', [])).toBeUndefined();
  });

  it('always returns one of the candidates', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.subarray(gansuUnitIds, { maxLength: 20 }), (w, cands) => {
        const c = closest(w, cands);
        if (c !== undefined) expect(cands).toContain(c);
      }),
      runs(200),
    );
  });

  // A character no id contains, so that the typo cannot make the word share a longer prefix with
  // another id by coincidence (the scoring rewards shared prefixes: "qingliang", a typo of
  // "pingliang", is answered with "qingyang" — a trade-off of the heuristic, not checked here).
  it('finds an id at distance 1 after a single-character typo in any Gansu unit id', () => {
    expect(gansuUnitIds.some((id) => id.includes('9'))).toBe(false);
    fc.assert(
      fc.property(fc.constantFrom(...gansuUnitIds.filter((id) => id.length >= 6)), fc.nat(), fc.constantFrom('sub', 'ins', 'del'), (id, n, kind) => {
        const i = n % id.length;
        const typo = kind === 'sub' ? id.slice(0, i) + '9' + id.slice(i + 1) : kind === 'ins' ? id.slice(0, i) + '9' + id.slice(i) : id.slice(0, i) + id.slice(i + 1);
        const got = closest(typo, gansuUnitIds);
        // Another id may be equally close; the suggestion must be as close as the original.
        expect(got).toBeDefined();
        expect(editDistance(typo, got!)).toBeLessThanOrEqual(1);
      }),
      runs(300),
    );
  });
});

describe('didYouMean', () => {
  it('formats a suggestion, or nothing', () => {
    expect(didYouMean('qingyangg', gansuUnitIds)).toBe(' (did you mean "qingyang"?)');
    expect(didYouMean('banana', gansuUnitIds)).toBe('');
  });
});
