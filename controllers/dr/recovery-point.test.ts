import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runs } from '../../test/property-runs.js';
import { lagSeconds, nextRecoveryPoint, type RecoveryPointInput } from './recovery-point.js';

const t = (s: number) => new Date(Date.UTC(2026, 11, 2, 4, 0, s));
const ready = { sourceSynced: true, standbySynced: true, pending: 0 };

describe('nextRecoveryPoint', () => {
  it('advances to the send time of the last answered liveness read once everything received is applied', () => {
    expect(nextRecoveryPoint({ ...ready, livenessSentAt: t(10) })).toEqual(t(10));
    expect(nextRecoveryPoint({ ...ready, previous: t(10), livenessSentAt: t(15) })).toEqual(t(15));
  });

  it('holds while a change is pending, a side is not synced, or production has not answered', () => {
    expect(nextRecoveryPoint({ ...ready, previous: t(10), livenessSentAt: t(15), pending: 1 })).toEqual(t(10));
    expect(nextRecoveryPoint({ ...ready, previous: t(10), livenessSentAt: t(15), sourceSynced: false })).toEqual(t(10));
    expect(nextRecoveryPoint({ ...ready, previous: t(10), livenessSentAt: t(15), standbySynced: false })).toEqual(t(10));
    expect(nextRecoveryPoint({ ...ready, previous: t(10) })).toEqual(t(10));
    expect(nextRecoveryPoint({ ...ready, pending: 2, livenessSentAt: t(15) })).toBeUndefined();
  });

  it('never moves backwards', () => {
    expect(nextRecoveryPoint({ ...ready, previous: t(20), livenessSentAt: t(15) })).toEqual(t(20));
    const input = fc.record({
      previous: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
      livenessSentAt: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
      sourceSynced: fc.boolean(),
      standbySynced: fc.boolean(),
      pending: fc.nat(3),
    });
    fc.assert(
      fc.property(input, (i) => {
        const r: RecoveryPointInput = { ...i, previous: i.previous === undefined ? undefined : t(i.previous), livenessSentAt: i.livenessSentAt === undefined ? undefined : t(i.livenessSentAt) };
        const next = nextRecoveryPoint(r);
        if (r.previous) expect(next!.getTime()).toBeGreaterThanOrEqual(r.previous.getTime());
        if (next && next !== r.previous) {
          expect(next).toEqual(r.livenessSentAt);
          expect(r.pending === 0 && r.sourceSynced && r.standbySynced).toBe(true);
        }
      }),
      runs(200),
    );
  });

  it('lag is now minus the recovery point, bounded below by 0', () => {
    expect(lagSeconds(t(30), t(10))).toBe(20);
    expect(lagSeconds(t(10), t(12))).toBe(0);
    expect(lagSeconds(t(10), undefined)).toBeUndefined();
  });
});
