import { Text } from 'ink';
import React from 'react';
import type { DrillScope, FailoverDrill } from '../../controllers/dr/drill-types.js';
import { humanDuration } from '../../controllers/dr/status.js';
import { Table, type Column } from './Table.js';

export interface DrillListViewProps {
  drills: readonly FailoverDrill[];
  /** For AGE. */
  now: Date;
}

/** `tenants a, b +2`, `node gansu-provincial`, `centre production`. */
export function scopeText(scope: DrillScope): string {
  if (scope.tenants?.length) return `tenants ${scope.tenants.slice(0, 2).join(', ')}${scope.tenants.length > 2 ? ` +${scope.tenants.length - 2}` : ''}`;
  if (scope.node !== undefined) return `node ${scope.node}`;
  return scope.centre !== undefined ? `centre ${scope.centre}` : '-';
}

/** `2026-12-02 03:59:48Z`. */
export const timeText = (t: string | undefined) => (t === undefined || Number.isNaN(Date.parse(t)) ? t ?? '-' : `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')}Z`);
const since = (t: string | undefined, now: Date) => (t === undefined || Number.isNaN(Date.parse(t)) ? '-' : humanDuration((now.getTime() - Date.parse(t)) / 1000));
/** A maximum with ✗ when some tenant missed its target. */
const worst = (s: number | undefined, missed: boolean) => (s === undefined ? '-' : `${humanDuration(s)}${missed ? ' ✗' : ''}`);

export function drillRow(d: FailoverDrill, now: Date): string[] {
  const st = d.status;
  const totals = st?.totals;
  const n = totals?.tenants ?? st?.tenants?.length;
  const verified = totals?.verified ?? st?.tenants?.filter((t) => t.state === 'Verified').length;
  const ts = st?.tenants ?? [];
  return [
    d.metadata.name,
    st?.phase ?? 'Pending',
    scopeText(d.spec.scope),
    d.spec.to,
    n === undefined ? '-' : String(n),
    n === undefined || verified === undefined ? '-' : `${verified}/${n}`,
    worst(totals?.maxRtoSeconds, ts.some((t) => t.rtoMet === false)),
    worst(totals?.maxRpoSeconds, ts.some((t) => t.rpoMet === false)),
    timeText(st?.startedAt),
    since(d.metadata.creationTimestamp, now),
  ];
}

const COLOR: Record<string, string | undefined> = { Succeeded: undefined, PartiallySucceeded: 'yellow', Failed: 'red', Aborted: 'yellow' };

/** `longyun dr drill list`: one line per drill. */
export function DrillListView({ drills, now }: DrillListViewProps): React.JSX.Element {
  if (drills.length === 0) return <Text>No drills. Start one with "longyun dr drill start --tenant NAME --to same-city-dr".</Text>;
  const columns: Column[] = [
    { header: 'NAME' },
    { header: 'PHASE' },
    { header: 'SCOPE' },
    { header: 'TO' },
    { header: 'TENANTS', align: 'right' },
    { header: 'VERIFIED', align: 'right' },
    { header: 'MAX RTO', align: 'right' },
    { header: 'MAX RPO', align: 'right' },
    { header: 'STARTED' },
    { header: 'AGE', align: 'right' },
  ];
  return <Table columns={columns} rows={drills.map((d) => drillRow(d, now))} rowColor={(r) => COLOR[drills[r]!.status?.phase ?? '']} />;
}
