import fc from 'fast-check';
import { runs } from '../../test/property-runs.js';
import { describe, expect, it } from 'vitest';
import { formatPrefix, isAligned, parsePrefix, width, type Family, type Prefix } from '../prefix.js';
import { ChildPool, PrefixNode } from './prefix-node.js';

// Oracle arithmetic on BigInt.
const big = (p: Prefix): bigint => p.words.reduce((v, w) => (v << 32n) | BigInt(w >>> 0), 0n);
const sizeOf = (p: Prefix): bigint => 1n << BigInt(width(p.family) - p.len);
function make(family: Family, start: bigint, len: number): Prefix {
  const n = family === 'ipv6' ? 4 : 1;
  const words: number[] = [];
  for (let i = n - 1; i >= 0; i--) words.push(Number((start >> BigInt(32 * i)) & 0xffffffffn));
  return { family, words, len };
}
const disjoint = (a: Prefix, b: Prefix) => big(a) + sizeOf(a) <= big(b) || big(b) + sizeOf(b) <= big(a);

/** Parents whose sub-blocks can be enumerated, in both families, at lengths that exercise unitShift. */
const PARENTS = ['10.0.0.0/20', '172.16.0.0/12', '2001:db8::/40', '2001:db8::/33', 'fd00::/8'];
const scenario = fc.constantFrom(...PARENTS).chain((text) => {
  const parent = parsePrefix(text);
  const span = 12; // child lengths: parent + 1 .. parent + 12 (at most 4096 candidate blocks)
  const child = fc.record({ extra: fc.integer({ min: 1, max: span }), slot: fc.nat() });
  return fc.record({ parent: fc.constant(parent), children: fc.array(child, { maxLength: 30 }), ask: fc.integer({ min: 1, max: span }) });
});

/** Inserts the children that do not overlap earlier ones; returns the node and what was inserted. */
function fill(parent: Prefix, children: Array<{ extra: number; slot: number }>): { node: PrefixNode; inserted: Prefix[] } {
  const node = new PrefixNode(parent);
  const inserted: Prefix[] = [];
  for (const { extra, slot } of children) {
    const len = parent.len + extra;
    const c = make(parent.family, big(parent) + BigInt(slot % 2 ** extra) * (1n << BigInt(width(parent.family) - len)), len);
    const clash = node.insert(c, c);
    const overlapping = inserted.find((x) => !disjoint(x, c));
    if (overlapping) {
      // insert() must refuse, naming one child it overlaps.
      expect(clash).toBeDefined();
      expect(disjoint(clash!.overlaps as Prefix, c)).toBe(false);
    } else {
      expect(clash).toBeUndefined();
      inserted.push(c);
    }
  }
  return { node, inserted };
}

describe('PrefixNode', () => {
  it('insert() refuses exactly the children that overlap an earlier one', () => {
    fc.assert(
      fc.property(scenario, ({ parent, children }) => {
        const { node, inserted } = fill(parent, children);
        expect(node.childCount).toBe(inserted.length);
      }),
      runs(300),
    );
  });

  it('firstFit() is the lowest aligned free block of the asked length', () => {
    fc.assert(
      fc.property(scenario, ({ parent, children, ask }) => {
        const { node, inserted } = fill(parent, children);
        const len = parent.len + ask;
        let expected: Prefix | undefined;
        for (let i = 0n; i < 1n << BigInt(ask); i++) {
          const cand = make(parent.family, big(parent) + i * (1n << BigInt(width(parent.family) - len)), len);
          if (inserted.every((x) => disjoint(x, cand))) {
            expected = cand;
            break;
          }
        }
        const got = node.firstFit(len);
        expect(got && formatPrefix(got)).toBe(expected && formatPrefix(expected));
        if (got) {
          expect(isAligned(got)).toBe(true);
          expect(node.insert(got, got)).toBeUndefined();
        }
      }),
      runs(300),
    );
  });

  it('firstFit() never returns the parent itself or something longer than the family allows', () => {
    const node = new PrefixNode(parsePrefix('10.0.0.0/24'));
    expect(node.firstFit(24)).toBeUndefined();
    expect(node.firstFit(16)).toBeUndefined();
    expect(node.firstFit(33)).toBeUndefined();
    expect(formatPrefix(node.firstFit(32)!)).toBe('10.0.0.0/32');
  });

  it('freePrefixes() and the children partition the parent, in as few aligned blocks as possible', () => {
    fc.assert(
      fc.property(scenario, ({ parent, children }) => {
        const { node, inserted } = fill(parent, children);
        const free = node.freePrefixes();
        const all = [...free, ...inserted];
        for (const f of free) {
          expect(isAligned(f)).toBe(true);
          expect(f.len).toBeGreaterThanOrEqual(parent.len);
          expect(big(f) >= big(parent) && big(f) + sizeOf(f) <= big(parent) + sizeOf(parent)).toBe(true);
        }
        for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) expect(disjoint(all[i]!, all[j]!)).toBe(true);
        expect(all.reduce((s, p) => s + sizeOf(p), 0n)).toBe(sizeOf(parent));
        // No two free blocks are buddies that would merge into one aligned block.
        const keys = new Set(free.map((f) => `${big(f)}/${f.len}`));
        for (const f of free) {
          if (f.len === parent.len) continue;
          const buddy = big(f) ^ sizeOf(f);
          expect(keys.has(`${buddy}/${f.len}`)).toBe(false);
        }
        // Utilisation is the share covered by children.
        const used = inserted.reduce((s, p) => s + sizeOf(p), 0n);
        expect(node.utilisation()).toBeCloseTo(Number(used) / Number(sizeOf(parent)), 12);
      }),
      runs(300),
    );
  });

  it('freePrefixes(limit) stops after limit blocks', () => {
    const node = new PrefixNode(parsePrefix('10.0.0.0/24'));
    node.insert(parsePrefix('10.0.0.64/26'), 'x');
    expect(node.freePrefixes().map(formatPrefix)).toEqual(['10.0.0.0/26', '10.0.0.128/25']);
    expect(node.freePrefixes(1).map(formatPrefix)).toEqual(['10.0.0.0/26']);
  });

  it('a node in a child pool keeps its children in order, and any tag (moving out of the pool for one that is not an integer)', () => {
    const pool = new ChildPool(3);
    const node = new PrefixNode(parsePrefix('10.0.0.0/24'));
    node.reserve(2, pool);
    const other = new PrefixNode(parsePrefix('10.0.1.0/24'));
    other.reserve(1, pool);
    expect(other.insert(parsePrefix('10.0.1.0/25'), 9)).toBeUndefined();
    expect(node.insert(parsePrefix('10.0.0.128/25'), 1)).toBeUndefined();
    expect(node.insert(parsePrefix('10.0.0.0/26'), 2)).toBeUndefined();
    const tag = { owner: 'x' };
    expect(node.insert(parsePrefix('10.0.0.64/26'), tag)).toBeUndefined(); // outgrows its region, and is not an integer
    expect([0, 1, 2].map((k) => node.tagAt(k))).toEqual([2, tag, 1]);
    expect(node.insert(parsePrefix('10.0.0.64/27'), 3)?.overlaps).toBe(tag);
    expect(other.tagAt(0)).toBe(9);
    expect(other.firstFit(25)).toEqual(parsePrefix('10.0.1.128/25'));
    expect(node.firstFit(26)).toBeUndefined();
  });

  it('a tag that is not an integer moves a node out of its pool while it has room there', () => {
    const pool = new ChildPool(4);
    const node = new PrefixNode(parsePrefix('2001:db8::/48'));
    node.reserve(4, pool);
    expect(node.insert(parsePrefix('2001:db8:0:1::/64'), 5)).toBeUndefined();
    expect(node.insert(parsePrefix('2001:db8::/64'), 'first')).toBeUndefined();
    expect(node.insert(parsePrefix('2001:db8:0:2::/64'), 1.5)).toBeUndefined();
    expect([0, 1, 2].map((k) => node.tagAt(k))).toEqual(['first', 5, 1.5]);
    expect([...pool.tags]).toEqual([5, 0, 0, 0]);
  });
});
