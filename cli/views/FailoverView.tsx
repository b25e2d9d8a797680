import { Box, Text } from 'ink';
import React from 'react';
import { isTerminalFailover, type Failover, type FailoverTenantStatus } from '../../controllers/dr/failover-types.js';
import { humanDuration } from '../../controllers/dr/status.js';
import { achievedText as achieved, scopeText, timeText } from './dr-text.js';
import { fromToText } from './FailoverListView.js';
import { Table, type Column } from './Table.js';

export interface FailoverViewProps {
  failover: Failover;
  now: Date;
}

const epochs = (t: FailoverTenantStatus) => (t.epochBefore === undefined && t.epochAfter === undefined ? '-' : `${t.epochBefore ?? '?'}→${t.epochAfter ?? '?'}`);

function cells(t: FailoverTenantStatus): string[] {
  return [
    t.tenant,
    t.from,
    t.to,
    t.state,
    epochs(t),
    achieved(t.rtoSeconds, t.rtoTargetSeconds, t.rtoMet),
    achieved(t.rpoSeconds, t.rpoTargetSeconds, t.rpoMet),
    t.lostAndFound ? String(t.lostAndFound.objects.length) : '-',
  ];
}

/** `longyun dr failover get NAME`: direction, type, phase and times, then per tenant the move, its state, epochs, RTO and RPO, lost+found, and each tenant's message. */
export function FailoverView({ failover: f, now }: FailoverViewProps): React.JSX.Element {
  const st = f.status ?? {};
  const tenants = st.tenants ?? [];
  const columns: Column[] = [
    { header: 'TENANT' },
    { header: 'FROM' },
    { header: 'TO' },
    { header: 'STATE' },
    { header: 'EPOCH' },
    { header: 'RTO / TARGET', align: 'right' },
    { header: 'RPO / TARGET', align: 'right' },
    { header: 'LOST+FOUND', align: 'right' },
  ];
  const notes: string[] = [];
  for (const t of tenants) {
    if (t.message) notes.push(`${t.tenant}: ${t.message}`);
    if (t.recoveryPoint) notes.push(`${t.tenant}: promoted from the recovery point ${t.recoveryPoint}`);
    if (t.lostAndFound?.objects.length) notes.push(`${t.tenant}: ${t.lostAndFound.objects.length} object${t.lostAndFound.objects.length === 1 ? '' : 's'} of ${t.from} changed after the recovery point, kept aside in namespace ${t.lostAndFound.quarantineNamespace}`);
    for (const [i, s] of (t.plan ?? []).entries()) notes.push(`${t.tenant}: plan ${i + 1}. ${s.kind} on ${s.on}: ${s.description}`);
  }
  const age = f.metadata.creationTimestamp ? ` · created ${humanDuration((now.getTime() - Date.parse(f.metadata.creationTimestamp)) / 1000)} ago` : '';
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>{f.metadata.name}</Text> {st.phase ?? 'Pending'} · {f.spec.direction} {f.spec.type}
        {f.spec.dryRun ? ' (dry run)' : ''} · {scopeText(f.spec.scope)} · {fromToText(f)}
        {f.spec.requestedBy ? ` · by ${f.spec.requestedBy}` : ''}
        {age}
      </Text>
      <Text>
        started {timeText(st.startedAt)} · switched {timeText(st.switchedAt)} · finished {timeText(st.finishedAt)} · RTO and RPO of API objects only
        {st.volumeData ? `; volume data ${st.volumeData.state}` : ''}
      </Text>
      {st.reason || st.message ? <Text color="yellow">{[st.reason, st.message].filter(Boolean).join(': ')}</Text> : null}
      {f.spec.abort && !isTerminalFailover(st.phase) ? <Text color="yellow">abort requested</Text> : null}
      {tenants.length ? (
        <Box marginLeft={2} marginTop={1} flexDirection="column">
          <Table columns={columns} rows={tenants.map(cells)} rowColor={(r) => (tenants[r]!.state === 'Failed' ? 'red' : tenants[r]!.state === 'RolledBack' ? 'yellow' : undefined)} />
          {notes.map((n, i) => (
            <Text key={i} dimColor>
              {n}
            </Text>
          ))}
        </Box>
      ) : (
        <Text>{'  '}no tenants resolved yet (is "longyun operator run" running?)</Text>
      )}
      {(f.spec.notes ?? []).map((n, i) => (
        <Text key={`n${i}`}>
          note {n.at}
          {n.by ? ` (${n.by})` : ''}: {n.text}
        </Text>
      ))}
    </Box>
  );
}
