import { Box, Text } from 'ink';
import React from 'react';
import type { DrillTenantStatus, FailoverDrill } from '../../controllers/dr/drill-types.js';
import { humanDuration } from '../../controllers/dr/status.js';
import { achievedText as achieved, scopeText, timeText } from './dr-text.js';
import { Table, type Column } from './Table.js';

export interface DrillViewProps {
  drill: FailoverDrill;
  now: Date;
}


function cells(t: DrillTenantStatus): string[] {
  const inv = t.inventory;
  return [
    t.tenant,
    t.state,
    t.standby ?? '-',
    timeText(t.recoveryPoint),
    achieved(t.rtoSeconds, t.rtoTargetSeconds, t.rtoMet),
    achieved(t.rpoSeconds, t.rpoTargetSeconds, t.rpoMet),
    inv ? `${inv.restored}/${inv.expected}` : '-',
    inv ? `${inv.missing}/${inv.differing}/${inv.skipped}` : '-',
    t.availability ? t.availability.state : '-',
  ];
}

/** `longyun dr drill get NAME`: the drill's phase, times and scope, then one line per tenant and each tenant's issues. */
export function DrillView({ drill, now }: DrillViewProps): React.JSX.Element {
  const st = drill.status ?? {};
  const tenants = st.tenants ?? [];
  const columns: Column[] = [
    { header: 'TENANT' },
    { header: 'STATE' },
    { header: 'STANDBY' },
    { header: 'RECOVERY POINT' },
    { header: 'RTO / TARGET', align: 'right' },
    { header: 'RPO / TARGET', align: 'right' },
    { header: 'RESTORED', align: 'right' },
    { header: 'MISS/DIFF/SKIP', align: 'right' },
    { header: 'AVAILABILITY' },
  ];
  const notes: string[] = [];
  for (const t of tenants) {
    if (t.message) notes.push(`${t.tenant}: ${t.message}`);
    for (const i of t.issues ?? []) if (i.problem !== 'skipped') notes.push(`${t.tenant}: ${i.problem} ${i.object}: ${i.reason}`);
    if (t.availability?.state === 'NotMeasured' && t.availability.reason) notes.push(`${t.tenant}: availability not measured: ${t.availability.reason}`);
  }
  const age = drill.metadata.creationTimestamp ? ` · created ${humanDuration((now.getTime() - Date.parse(drill.metadata.creationTimestamp)) / 1000)} ago` : '';
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>{drill.metadata.name}</Text> {st.phase ?? 'Pending'} · {scopeText(drill.spec.scope)} → {drill.spec.to}
        {drill.spec.requestedBy ? ` · by ${drill.spec.requestedBy}` : ''}
        {age}
      </Text>
      <Text>
        started {timeText(st.startedAt)} · finished {timeText(st.finishedAt)} · RTO and RPO of API objects only: the applications were not started
      </Text>
      {st.reason || st.message ? <Text color="yellow">{[st.reason, st.message].filter(Boolean).join(': ')}</Text> : null}
      {tenants.length ? (
        <Box marginLeft={2} marginTop={1} flexDirection="column">
          <Table columns={columns} rows={tenants.map(cells)} rowColor={(r) => (tenants[r]!.state === 'Failed' ? 'red' : undefined)} />
          {notes.map((n, i) => (
            <Text key={i} dimColor>
              {n}
            </Text>
          ))}
        </Box>
      ) : (
        <Text>{'  '}no tenants resolved yet (is "longyun operator run" running?)</Text>
      )}
      <Text>
        cleanup {st.cleanup?.state ?? '-'}
        {st.cleanup?.namespaces?.length ? ` (${st.cleanup.namespaces.join(', ')})` : ''}
        {st.report ? ` · report configmap ${st.report.namespace}/${st.report.name}` : ''}
      </Text>
    </Box>
  );
}
