import { Text } from 'ink';
import React from 'react';
import type { Failover } from '../../controllers/dr/failover-types.js';
import { ageText as since, scopeText, timeText, worstText as worst } from './dr-text.js';
import { Table, type Column } from './Table.js';

export interface FailoverListViewProps {
  failovers: readonly Failover[];
  /** For AGE. */
  now: Date;
}


/**
 * `gansu-provincial → gansu-provincial-remote-dr` when every tenant moves between the same two
 * nodes; `2 nodes → …` otherwise; before the tenants are resolved, `- → remote-dr` (or `→ home`).
 */
export function fromToText(f: Failover): string {
  const ts = f.status?.tenants ?? [];
  const froms = [...new Set(ts.map((t) => t.from))];
  const tos = [...new Set(ts.map((t) => t.to))];
  const side = (nodes: string[], fallback: string) => (nodes.length === 1 ? nodes[0]! : nodes.length === 0 ? fallback : `${nodes.length} nodes`);
  return `${side(froms, '-')} → ${side(tos, f.spec.direction === 'failback' ? 'home' : (f.spec.to ?? '-'))}`;
}

export function failoverRow(f: Failover, now: Date): string[] {
  const st = f.status;
  const totals = st?.totals;
  const ts = st?.tenants ?? [];
  const n = totals?.tenants ?? st?.tenants?.length;
  const verified = totals?.verified ?? st?.tenants?.filter((t) => t.state === 'Verified' || t.state === 'Reprotected').length;
  return [
    f.metadata.name,
    f.spec.direction,
    `${f.spec.type}${f.spec.dryRun ? ' (dry run)' : ''}`,
    st?.phase ?? 'Pending',
    scopeText(f.spec.scope),
    fromToText(f),
    n === undefined ? '-' : String(n),
    n === undefined || verified === undefined ? '-' : `${verified}/${n}`,
    worst(totals?.maxRtoSeconds, ts.some((t) => t.rtoMet === false)),
    worst(totals?.maxRpoSeconds, ts.some((t) => t.rpoMet === false)),
    timeText(st?.startedAt),
    since(f.metadata.creationTimestamp, now),
  ];
}

const COLOR: Record<string, string | undefined> = { Succeeded: undefined, Failed: 'red', RolledBack: 'yellow' };

/** `longyun dr failover list`: one line per failover or failback. */
export function FailoverListView({ failovers, now }: FailoverListViewProps): React.JSX.Element {
  if (failovers.length === 0) return <Text>No failovers. A dry run shows what one would do: "longyun dr failover --tenant NAME --to same-city-dr --planned --dry-run".</Text>;
  const columns: Column[] = [
    { header: 'NAME' },
    { header: 'DIRECTION' },
    { header: 'TYPE' },
    { header: 'PHASE' },
    { header: 'SCOPE' },
    { header: 'FROM→TO' },
    { header: 'TENANTS', align: 'right' },
    { header: 'VERIFIED', align: 'right' },
    { header: 'MAX RTO', align: 'right' },
    { header: 'MAX RPO', align: 'right' },
    { header: 'STARTED' },
    { header: 'AGE', align: 'right' },
  ];
  return <Table columns={columns} rows={failovers.map((f) => failoverRow(f, now))} rowColor={(r) => COLOR[failovers[r]!.status?.phase ?? '']} />;
}
