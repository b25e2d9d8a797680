import { Box, Text } from 'ink';
import React from 'react';
import type { Finding } from '../../policies/types.js';
import type { EstateSummary } from '../../topology/summary.js';
import { FindingsView } from './FindingsView.js';
import { Table } from './Table.js';
import { pct } from '../format.js';

export interface PlanViewProps {
  summary: EstateSummary;
  estateDir: string;
  ledger: { path: string; added: number; released: number; written: boolean; total: number };
  findings: readonly Finding[];
  policiesEvaluated: number;
}


function Row({ label, children }: { label: string; children: React.ReactNode }): React.JSX.Element {
  return (
    <Box>
      <Box width={13} flexShrink={0}>
        <Text bold>{label}</Text>
      </Box>
      <Text>{children}</Text>
    </Box>
  );
}

/** The summary of `longyun plan`: one screen a person can take in at a glance. */
export function PlanView({ summary: s, estateDir, ledger, findings, policiesEvaluated }: PlanViewProps): React.JSX.Element {
  const roles = new Map(s.datacentres.map((d) => [d.role, d]));
  const dc = (role: string) => {
    const d = roles.get(role);
    return d ? `${d.id} (${d.unit})` : 'none';
  };
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold color="cyan">
          longyun plan
        </Text>{' '}
        estate <Text bold>{s.estate}</Text> <Text dimColor>({estateDir})</Text>
      </Text>
      <Box flexDirection="column" marginTop={1}>
        <Row label="Units">
          province {s.units.province} · municipal {s.units.municipal} · county {s.units.county} · township {s.units.township}
        </Row>
        <Row label="Clouds">
          1+15+N: provincial {s.clouds.provincial} · municipal {s.clouds.municipal} · industry {s.clouds.industry}
          {s.clouds.examples > 0 ? ` (${s.clouds.examples} marked as examples)` : ''}
          {s.clouds.standby > 0 ? ` · standby ${s.clouds.standby}` : ''}
        </Row>
        <Row label="Extranet">{s.planes.map((p) => `${p.id}: ${p.sites} sites, ${p.links} links`).join(' · ')}</Row>
        <Row label="DR">
          production {dc('production')} · same-city {dc('same-city-dr')} · remote {dc('remote-dr')}
        </Row>
        <Row label="Departments">{String(s.departments)}</Row>
      </Box>
      <Box flexDirection="column" marginTop={1}>
        <Text>
          <Text bold>Address plan</Text>{' '}
          <Text dimColor>
            {ledger.path}: {ledger.total} allocations
            {ledger.added > 0 ? `, ${ledger.added} added` : ''}
            {ledger.released > 0 ? `, ${ledger.released} released` : ''}
            {ledger.added + ledger.released > 0 ? (ledger.written ? ' (written)' : ' (not written)') : ', up to date'}
          </Text>
        </Text>
        <Table
          columns={[{ header: 'PLANE' }, { header: 'FAMILY' }, { header: 'ROOT' }, { header: 'ALLOCATIONS', align: 'right' }, { header: 'ROOT USED', align: 'right' }, { header: 'FULLEST PARENT' }]}
          rows={s.prefixes.map((p) => [
            p.plane,
            p.family,
            p.root,
            String(p.allocations),
            pct(p.rootUsed),
            p.fullest ? `${p.fullest.owner} ${p.fullest.prefix} ${pct(p.fullest.used)}` : '-',
          ])}
        />
      </Box>
      <Box flexDirection="column" marginTop={1}>
        <Text bold>Policies</Text>
        <FindingsView findings={findings} evaluated={policiesEvaluated} />
      </Box>
    </Box>
  );
}
