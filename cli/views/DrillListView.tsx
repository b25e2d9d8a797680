import { Text } from 'ink';
import React from 'react';
import type { FailoverDrill } from '../../controllers/dr/drill-types.js';
import { ageText as since, scopeText, timeText, worstText as worst } from './dr-text.js';
import { Table, type Column } from './Table.js';

export interface DrillListViewProps {
  drills: readonly FailoverDrill[];
  /** For AGE. */
  now: Date;
}


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
