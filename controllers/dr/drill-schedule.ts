// When a DrillSchedule is due, and which of its finished drills to delete. Pure: the clock is
// passed in. Cron expressions (five fields) are read by cron-parser, in UTC; `every` is a number
// and a unit (s, m, h, d).
import { CronExpressionParser } from 'cron-parser';
import { LongyunError } from '../../topology/errors.js';
import { isTerminalDrill, type DrillScheduleSpec, type FailoverDrill } from './drill-types.js';

export type ParsedDrillSchedule = { kind: 'cron'; expr: string } | { kind: 'every'; ms: number };

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** What the fields are called where the user wrote them: the spec's, or the CLI's flags. */
export interface ScheduleFieldNames {
  schedule: string;
  every: string;
}
const SPEC_FIELDS: ScheduleFieldNames = { schedule: 'spec.schedule', every: 'spec.every' };

/** Exactly one of `schedule` (five-field cron) and `every` (`30s`, `5m`, `1h`, `7d`), checked. */
export function parseDrillSchedule(spec: Pick<DrillScheduleSpec, 'schedule' | 'every'>, fields: ScheduleFieldNames = SPEC_FIELDS): ParsedDrillSchedule {
  const { schedule, every } = spec;
  if ((schedule === undefined) === (every === undefined)) {
    throw new LongyunError(`a drill schedule has exactly one of ${fields.schedule} (cron, e.g. "0 3 * * 1": 03:00 UTC every Monday) and ${fields.every} (e.g. "30s", "7d"); ${schedule === undefined ? 'neither is' : 'both are'} set`);
  }
  if (every !== undefined) {
    const m = /^([1-9][0-9]*)(s|m|h|d)$/.exec(every.trim());
    if (!m) throw new LongyunError(`${fields.every} "${every}" is not an interval: a whole number and a unit s, m, h or d, e.g. "30s", "5m", "1h", "7d"`);
    return { kind: 'every', ms: Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] };
  }
  const expr = schedule!.trim().replace(/\s+/g, ' ');
  const example = 'e.g. "0 3 * * 1" (03:00 UTC every Monday) or "30 2 1 * *" (02:30 UTC on the 1st of each month)';
  if (expr.split(' ').length !== 5) throw new LongyunError(`${fields.schedule} "${schedule}" is not a cron expression of five fields (minute hour day-of-month month day-of-week), ${example}`);
  try {
    CronExpressionParser.parse(expr, { tz: 'UTC', strict: false });
  } catch (e) {
    throw new LongyunError(`${fields.schedule} "${schedule}" is not a valid cron expression (${(e as Error).message}), ${example}`);
  }
  return { kind: 'cron', expr };
}

/** How a schedule reads in a table: its cron expression (UTC) or `every 30s`. */
export function scheduleText(spec: Pick<DrillScheduleSpec, 'schedule' | 'every'>): string {
  return spec.every !== undefined ? `every ${spec.every}` : spec.schedule ?? '-';
}

/**
 * The time the schedule is next due: the first due time after the last one (or after creation).
 * When several have passed by `now` (the operator was down), only the latest of them is due, as a
 * CronJob starts only the most recent missed run.
 */
export function nextDue(spec: Pick<DrillScheduleSpec, 'schedule' | 'every'>, times: { lastScheduleTime?: Date; created: Date }, now: Date): Date {
  const parsed = parseDrillSchedule(spec);
  const base = times.lastScheduleTime ?? times.created;
  if (parsed.kind === 'every') {
    const first = base.getTime() + parsed.ms;
    if (first > now.getTime()) return new Date(first);
    return new Date(base.getTime() + Math.floor((now.getTime() - base.getTime()) / parsed.ms) * parsed.ms);
  }
  const first = CronExpressionParser.parse(parsed.expr, { tz: 'UTC', currentDate: base }).next().toDate();
  if (first.getTime() > now.getTime()) return first;
  // The latest due time at or before now (cron-parser's prev() is strictly before its date).
  return CronExpressionParser.parse(parsed.expr, { tz: 'UTC', currentDate: new Date(now.getTime() + 1) }).prev().toDate();
}

/** Finished drills kept per schedule: CronJob's defaults. */
export const DEFAULT_SUCCESSFUL_HISTORY = 3;
export const DEFAULT_FAILED_HISTORY = 1;

const finishedMs = (d: FailoverDrill) => Date.parse(d.status?.finishedAt ?? d.metadata.creationTimestamp ?? '') || 0;

/**
 * The schedule's finished drills beyond its history limits, oldest first: Succeeded ones beyond
 * `successfulHistoryLimit` newest, the others (PartiallySucceeded, Failed, Aborted) beyond
 * `failedHistoryLimit`. Drills still running are never pruned. The caller passes the schedule's drills.
 */
export function drillsToPrune(drills: readonly FailoverDrill[], limits: Pick<DrillScheduleSpec, 'successfulHistoryLimit' | 'failedHistoryLimit'>): string[] {
  const finished = drills.filter((d) => isTerminalDrill(d.status?.phase));
  const newestFirst = (xs: FailoverDrill[]) => [...xs].sort((a, b) => finishedMs(b) - finishedMs(a) || b.metadata.name.localeCompare(a.metadata.name));
  const ok = newestFirst(finished.filter((d) => d.status?.phase === 'Succeeded'));
  const failed = newestFirst(finished.filter((d) => d.status?.phase !== 'Succeeded'));
  const prune = [...ok.slice(Math.max(0, limits.successfulHistoryLimit ?? DEFAULT_SUCCESSFUL_HISTORY)), ...failed.slice(Math.max(0, limits.failedHistoryLimit ?? DEFAULT_FAILED_HISTORY))];
  return prune.sort((a, b) => finishedMs(a) - finishedMs(b) || a.metadata.name.localeCompare(b.metadata.name)).map((d) => d.metadata.name);
}
