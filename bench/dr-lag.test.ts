import { describe, expect, it } from 'vitest';
import { combinedLag, LagTracker, percentile } from './dr-lag.js';

describe('percentile', () => {
  it('is nearest-rank, null without values', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // 1..100, unsorted
    expect(percentile(xs, 0.5)).toBe(50);
    expect(percentile(xs, 0.99)).toBe(99);
    expect(percentile(xs, 1)).toBe(100);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeNull();
  });
});

describe('LagTracker', () => {
  it('times each edit from its send to the first observation of its sequence number or a later one on the same field', () => {
    const t = new LagTracker();
    t.sent('cm/a#x', 1, 1000);
    t.sent('cm/a#x', 2, 1050);
    t.sent('cm/b#x', 3, 1100);
    t.observed('cm/a#x', 2, 1300); // coalesced: 1 and 2 both shown
    t.observed('cm/a#x', 1, 1400); // an older state later changes nothing
    expect([...t.lagBySeq()].sort()).toEqual([
      [1, 300],
      [2, 250],
    ]);
    expect(t.summary()).toEqual({ sent: 3, seen: 2, unseen: 1, medianMs: 250, p99Ms: 300, maxMs: 300 });
    t.observed('cm/b#x', 3, 1200);
    expect(t.summary().unseen).toBe(0);
  });

  it('ignores observations of the initial state and of other fields', () => {
    const t = new LagTracker();
    t.observed('cm/a#x', 0, 500);
    t.sent('cm/a#x', 1, 1000);
    t.observed('cm/a#y', 9, 1100);
    expect(t.summary()).toMatchObject({ sent: 1, seen: 0, unseen: 1, p99Ms: null });
  });

  it('combines standbys: an edit counts when every standby showed it, at the slowest', () => {
    const a = new LagTracker();
    const b = new LagTracker();
    for (const t of [a, b]) {
      t.sent('f', 1, 0);
      t.sent('g', 2, 0);
    }
    a.observed('f', 1, 100);
    b.observed('f', 1, 400);
    a.observed('g', 2, 50);
    expect(combinedLag([a, b], 2)).toEqual({ sent: 2, seen: 1, unseen: 1, medianMs: 400, p99Ms: 400, maxMs: 400 });
  });
});
