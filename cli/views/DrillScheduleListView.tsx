import { Box, Text } from 'ink';
import React from 'react';
import { nextDue, scheduleText as timing } from '../../controllers/dr/drill-schedule.js';
import type { DrillSchedule } from '../../controllers/dr/drill-types.js';
import { shortDuration } from '../../controllers/dr/status.js';
import { scopeText, timeText } from './dr-text.js';
import { Table, type Column } from './Table.js';

export interface DrillScheduleListViewProps {
  schedules: readonly DrillSchedule[];
  /** For the ages, and NEXT before the operator has written one. */
  now: Date;
}

const ms = (t: string | undefined) => (t === undefined ? NaN : Date.parse(t));
const ago = (t: string | undefined, now: Date) => (Number.isNaN(ms(t)) ? undefined : shortDuration((now.getTime() - ms(t)) / 1000));

const scheduleText = (s: DrillSchedule) => timing(s.spec);

/** The last drill started: its phase (Pending until the operator writes one) and how long ago it was due. */
function lastText(s: DrillSchedule, now: Date): string {
  const age = ago(s.status?.lastScheduleTime, now);
  if (age === undefined) return '-';
  return s.status?.lastDrill ? `${s.status.lastDrill.phase ?? 'Pending'} ${age}` : `${age} ago`;
}

/** The operator's nextScheduleTime; before it has written one, computed from the spec; none while suspended. */
export function nextText(s: DrillSchedule, now: Date): string {
  if (s.spec.suspend) return 'suspended';
  if (s.status?.nextScheduleTime) return timeText(s.status.nextScheduleTime);
  try {
    const created = Number.isNaN(ms(s.metadata.creationTimestamp)) ? now : new Date(ms(s.metadata.creationTimestamp));
    const last = ms(s.status?.lastScheduleTime);
    return timeText(nextDue(s.spec, { ...(Number.isNaN(last) ? {} : { lastScheduleTime: new Date(last) }), created }, now).toISOString());
  } catch {
    return '- (invalid schedule)';
  }
}

export function scheduleRow(s: DrillSchedule, now: Date): string[] {
  const ok = ago(s.status?.lastSuccessfulTime, now);
  return [s.metadata.name, scheduleText(s), scopeText(s.spec.template.scope), s.spec.template.to, s.spec.suspend ? 'yes' : 'no', lastText(s, now), nextText(s, now), ok === undefined ? '-' : `${ok} ago`, String(s.status?.active?.length ?? 0)];
}

/** `longyun dr schedule list`: one line per schedule. */
export function DrillScheduleListView({ schedules, now }: DrillScheduleListViewProps): React.JSX.Element {
  if (schedules.length === 0) return <Text>No drill schedules. Create one with "longyun dr schedule create NAME --cron '0 3 * * 1' --tenant NAME --to same-city-dr".</Text>;
  const columns: Column[] = [
    { header: 'NAME' },
    { header: 'SCHEDULE' },
    { header: 'SCOPE' },
    { header: 'TO' },
    { header: 'SUSPENDED' },
    { header: 'LAST' },
    { header: 'NEXT' },
    { header: 'LAST SUCCESS', align: 'right' },
    { header: 'ACTIVE', align: 'right' },
  ];
  const color = (s: DrillSchedule) => (s.spec.suspend ? 'yellow' : s.status?.lastDrill?.phase && s.status.lastDrill.phase !== 'Succeeded' && s.status.lastDrill.finishedAt ? 'yellow' : undefined);
  return <Table columns={columns} rows={schedules.map((s) => scheduleRow(s, now))} rowColor={(r) => color(schedules[r]!)} />;
}

export interface DrillScheduleViewProps {
  schedule: DrillSchedule;
  now: Date;
}

/** `longyun dr schedule get NAME`: the schedule, its template, history limits and what it last did. */
export function DrillScheduleView({ schedule: s, now }: DrillScheduleViewProps): React.JSX.Element {
  const st = s.status ?? {};
  const t = s.spec.template;
  const lines: string[] = [
    `drills ${scopeText(t.scope)} → ${t.to}${t.keep ? ' (--keep: namespaces left for inspection)' : ''}`,
    `keeps ${s.spec.successfulHistoryLimit ?? 3} successful and ${s.spec.failedHistoryLimit ?? 1} other finished drill(s)`,
    `next ${nextText(s, now)} · last due ${timeText(st.lastScheduleTime)} · last success ${timeText(st.lastSuccessfulTime)}`,
    `last drill ${st.lastDrill ? `${st.lastDrill.name} ${st.lastDrill.phase ?? 'Pending'}${st.lastDrill.finishedAt ? ` (finished ${timeText(st.lastDrill.finishedAt)})` : ''}` : '-'} · active ${st.active?.length ? st.active.join(', ') : 'none'}`,
  ];
  if (st.lastSkipped) lines.push(`skipped ${timeText(st.lastSkipped.at)}: ${st.lastSkipped.reason}`);
  for (const n of t.notes ?? []) lines.push(`note ${n.at}${n.by ? ` (${n.by})` : ''}: ${n.text}`);
  for (const c of st.conditions ?? []) lines.push(`${c.type} ${c.status}${c.reason ? ` ${c.reason}` : ''}${c.message ? `: ${c.message}` : ''}`);
  const age = ago(s.metadata.creationTimestamp, now);
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>{s.metadata.name}</Text> {scheduleText(s)}
        {s.spec.schedule !== undefined ? ' (UTC)' : ''}
        {s.spec.suspend ? ' · suspended' : ''}
        {age !== undefined ? ` · created ${age} ago` : ''}
      </Text>
      {lines.map((l, i) => (
        <Text key={i}>{l}</Text>
      ))}
    </Box>
  );
}
