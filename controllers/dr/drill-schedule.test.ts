import { describe, expect, it } from 'vitest';
import type { DrillPhase, FailoverDrill } from './drill-types.js';
import { drillsToPrune, nextDue, parseDrillSchedule } from './drill-schedule.js';

const T = (s: string) => new Date(s);
const CREATED = T('2026-12-02T04:00:00Z');

describe('parseDrillSchedule', () => {
  it('reads five-field cron and intervals', () => {
    expect(parseDrillSchedule({ schedule: ' 0  3 * * 1 ' })).toEqual({ kind: 'cron', expr: '0 3 * * 1' });
    expect(parseDrillSchedule({ every: '30s' })).toEqual({ kind: 'every', ms: 30_000 });
    expect(parseDrillSchedule({ every: '7d' })).toEqual({ kind: 'every', ms: 604_800_000 });
  });

  it('refuses malformed input naming the field, with an example; exactly one of the two', () => {
    expect(() => parseDrillSchedule({ schedule: '61 * * * *' })).toThrow(/^spec\.schedule "61 \* \* \* \*" is not a valid cron expression \(.*\), e\.g\. "0 3 \* \* 1"/);
    expect(() => parseDrillSchedule({ schedule: '0 3 * *' })).toThrow('spec.schedule "0 3 * *" is not a cron expression of five fields (minute hour day-of-month month day-of-week), e.g. "0 3 * * 1"');
    expect(() => parseDrillSchedule({ schedule: '0 0 3 * * 1' })).toThrow('not a cron expression of five fields');
    expect(() => parseDrillSchedule({ every: '30 seconds' })).toThrow('spec.every "30 seconds" is not an interval: a whole number and a unit s, m, h or d, e.g. "30s", "5m", "1h", "7d"');
    expect(() => parseDrillSchedule({ every: '0s' })).toThrow('is not an interval');
    expect(() => parseDrillSchedule({})).toThrow('a drill schedule has exactly one of spec.schedule (cron, e.g. "0 3 * * 1": 03:00 UTC every Monday) and spec.every (e.g. "30s", "7d"); neither is set');
    expect(() => parseDrillSchedule({ schedule: '0 3 * * 1', every: '1h' })).toThrow('both are set');
    expect(() => parseDrillSchedule({ every: 'x' }, { schedule: '--cron', every: '--every' })).toThrow(/^--every "x"/);
  });
});

describe('nextDue', () => {
  it('every: the interval after creation, then after the last due time', () => {
    expect(nextDue({ every: '30s' }, { created: CREATED }, T('2026-12-02T04:00:10Z'))).toEqual(T('2026-12-02T04:00:30Z'));
    expect(nextDue({ every: '30s' }, { created: CREATED, lastScheduleTime: T('2026-12-02T04:00:30Z') }, T('2026-12-02T04:00:31Z'))).toEqual(T('2026-12-02T04:01:00Z'));
  });

  it('cron, in UTC: the first due time after the last one', () => {
    expect(nextDue({ schedule: '0 3 * * 1' }, { created: CREATED }, CREATED)).toEqual(T('2026-12-07T03:00:00Z')); // a Wednesday → Monday
    expect(nextDue({ schedule: '*/5 * * * *' }, { created: CREATED, lastScheduleTime: T('2026-12-02T04:05:00Z') }, T('2026-12-02T04:06:00Z'))).toEqual(T('2026-12-02T04:10:00Z'));
  });

  it('due now when its time has come; several missed ones collapse into the latest', () => {
    expect(nextDue({ every: '30s' }, { created: CREATED }, T('2026-12-02T04:00:30Z'))).toEqual(T('2026-12-02T04:00:30Z'));
    expect(nextDue({ every: '30s' }, { created: CREATED }, T('2026-12-02T04:05:10Z'))).toEqual(T('2026-12-02T04:05:00Z'));
    expect(nextDue({ schedule: '*/5 * * * *' }, { created: CREATED }, T('2026-12-02T04:20:00Z'))).toEqual(T('2026-12-02T04:20:00Z'));
    expect(nextDue({ schedule: '*/5 * * * *' }, { created: CREATED }, T('2026-12-02T04:23:00Z'))).toEqual(T('2026-12-02T04:20:00Z'));
  });
});

describe('drillsToPrune', () => {
  const drill = (name: string, phase: DrillPhase | undefined, finishedAt?: string): FailoverDrill => ({
    apiVersion: 'longyun.io/v1alpha1',
    kind: 'FailoverDrill',
    metadata: { name, creationTimestamp: '2026-12-01T00:00:00Z' },
    spec: { scope: { tenants: ['a'] }, to: 'remote-dr' },
    ...(phase ? { status: { phase, ...(finishedAt ? { finishedAt } : {}) } } : {}),
  });
  const drills = [
    drill('s1', 'Succeeded', '2026-12-01T01:00:00Z'),
    drill('s2', 'Succeeded', '2026-12-01T02:00:00Z'),
    drill('f1', 'Failed', '2026-12-01T02:30:00Z'),
    drill('s3', 'Succeeded', '2026-12-01T03:00:00Z'),
    drill('p1', 'PartiallySucceeded', '2026-12-01T03:30:00Z'),
    drill('s4', 'Succeeded', '2026-12-01T04:00:00Z'),
    drill('a1', 'Aborted', '2026-12-01T04:30:00Z'),
    drill('running', 'Verifying'),
    drill('new', undefined),
  ];

  it('finished drills beyond the limits (3 successful, 1 failed by default), oldest first; running ones never', () => {
    expect(drillsToPrune(drills, {})).toEqual(['s1', 'f1', 'p1']);
    expect(drillsToPrune(drills, { successfulHistoryLimit: 0, failedHistoryLimit: 0 })).toEqual(['s1', 's2', 'f1', 's3', 'p1', 's4', 'a1']);
    expect(drillsToPrune(drills, { successfulHistoryLimit: 10, failedHistoryLimit: 3 })).toEqual([]);
  });
});
