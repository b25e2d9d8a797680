import { Box, Text } from 'ink';
import React from 'react';
import type { drillOverdue } from '../../policies/rules/dr-drill-recent.js';
import type { TenantFailoverSummary } from '../../controllers/dr/failover-types.js';
import { humanDuration, rpoText, shortDuration, type DigestMatch, type DrTenantRow, type StandbyRow } from '../../controllers/dr/status.js';
import { Table, type Column } from './Table.js';

/** A tenant's row, and (with a DR plan) whether its last successful drill is overdue (drillOverdue of policy dr-drill-recent). */
export type DrStatusViewRow = DrTenantRow & { drillOverdue?: ReturnType<typeof drillOverdue> | undefined };

export interface DrStatusViewProps {
  tenants: readonly DrStatusViewRow[];
  /** The time the lags were computed at: a recovery point of the same (UTC) day shows its time only. */
  now: Date;
  /** Also objects, objects not copied and the digests. */
  wide?: boolean;
}

const DIGEST: Record<DigestMatch, string> = { match: '✓', mismatch: '✗', unknown: '—' };
/** A digest shortened to what a person compares: `sha256:0123456789ab`. */
const short = (d: string | undefined) => (d === undefined ? '-' : d.slice(0, 'sha256:'.length + 12));
const behind = (s: StandbyRow) => !s.withinRpo || s.digestMatch === 'mismatch';

/** `03:59:48Z` on the day of `now` (UTC), else the RFC 3339 time as written. */
function pointText(point: string | undefined, now: Date): string {
  if (point === undefined) return '-';
  const t = new Date(point);
  if (Number.isNaN(t.getTime())) return point;
  return t.toISOString().slice(0, 10) === now.toISOString().slice(0, 10) ? `${t.toISOString().slice(11, 19)}Z` : point;
}

/**
 * LAST DRILL: the tenant's last drill (status.drills.last), its phase and how long ago it
 * finished, on the row of the centre it restored into; `—` on the other rows and without one.
 */
function lastDrillText(t: DrTenantRow, s: StandbyRow, now: Date): string {
  const d = t.lastDrill;
  if (d === undefined || d.to !== s.centre) return '—';
  const at = Date.parse(d.finishedAt);
  return Number.isNaN(at) ? d.phase : `${d.phase} ${shortDuration((now.getTime() - at) / 1000)}`;
}

function cells(t: DrTenantRow, s: StandbyRow, now: Date, wide: boolean): string[] {
  const lag = s.lagSeconds === undefined ? '-' : `${humanDuration(s.lagSeconds)}${s.withinRpo ? '' : ' !'}`;
  const row = [s.centre, s.node ?? '-', pointText(s.recoveryPoint, now), lag, DIGEST[s.digestMatch], s.state ?? '-', lastDrillText(t, s, now)];
  if (wide) row.push(s.objects === undefined ? '-' : String(s.objects), String(s.notCopied), short(s.status?.sourceDigest), short(s.status?.digest));
  return row;
}

/** `last failover failover-20261202-040000 Succeeded 2h 00m ago (emergency, gansu-provincial → gansu-provincial-remote-dr)`. */
function failoverText(what: string, f: TenantFailoverSummary, now: Date): string {
  const at = Date.parse(f.at);
  const ago = Number.isNaN(at) ? '' : ` ${humanDuration((now.getTime() - at) / 1000)} ago`;
  return `  last ${what} ${f.name} ${f.phase}${ago} (${what === 'failover' ? `${f.type}, ` : ''}${f.from} → ${f.to})`;
}

/** The lines under a tenant's header: its last failover and last failback (status.failovers), those it has had. */
function failoverLines(t: DrTenantRow, now: Date): string[] {
  return [t.lastFailover ? failoverText('failover', t.lastFailover, now) : undefined, t.lastFailback ? failoverText('failback', t.lastFailback, now) : undefined].filter((x) => x !== undefined);
}

/** The lines under a tenant's table: each centre's message and, wide, what was not copied and why. */
function notes(t: DrStatusViewRow, wide: boolean): { text: string; warn?: boolean }[] {
  const out: { text: string; warn?: boolean }[] = [];
  if (!t.reported) out.push({ text: 'no DR status from the operator yet (is "longyun operator run" running?)' });
  for (const s of t.standbys) {
    if (s.message) out.push({ text: `${s.centre}: ${s.message}` });
    if (wide) for (const n of s.status?.notCopied ?? []) out.push({ text: `${s.centre}: not copied ${n.apiVersion} ${n.kind} ${n.name}: ${n.reason}` });
  }
  const last = t.lastDrill;
  if (last !== undefined && last.phase !== 'Succeeded') out.push({ text: `last drill ${last.name} (${last.to}) ${last.phase}: "longyun dr drill report ${last.name}" says why` });
  const ok = t.lastSucceededDrill;
  const due = t.drillOverdue;
  if (due !== undefined) out.push({ text: `${due.overdue ? 'drill overdue: ' : ''}${due.message}${ok ? ` (${ok.name}, ${ok.to})` : ''}`, warn: due.overdue });
  for (const r of t.lostAndFound) {
    if (r.objects.length === 0) continue;
    out.push({ text: `lost+found (${r.failover}): ${r.objects.length} object${r.objects.length === 1 ? '' : 's'} kept aside in namespace ${r.quarantineNamespace} on node ${r.node}: review them, then delete the namespace`, warn: true });
  }
  return out;
}

/** `longyun dr status`: per tenant its nodes, epoch and RPO target, then one line per DR centre. */
export function DrStatusView({ tenants, now, wide = false }: DrStatusViewProps): React.JSX.Element {
  if (tenants.length === 0) return <Text>No tenants with a DR plan.</Text>;
  const columns: Column[] = [{ header: 'CENTRE' }, { header: 'STANDBY' }, { header: 'RECOVERY POINT' }, { header: 'LAG', align: 'right' }, { header: 'DIGEST' }, { header: 'STATE' }, { header: 'LAST DRILL' }];
  if (wide) columns.push({ header: 'OBJECTS', align: 'right' }, { header: 'NOT COPIED', align: 'right' }, { header: 'SOURCE DIGEST' }, { header: 'STANDBY DIGEST' });
  const anyBehind = tenants.some((t) => t.standbys.some((s) => s.lagSeconds !== undefined && !s.withinRpo));
  return (
    <Box flexDirection="column">
      {tenants.map((t, i) => (
        <Box key={t.tenant} flexDirection="column" marginTop={i === 0 ? 0 : 1}>
          <Text>
            <Text bold>{t.tenant}</Text> home {t.home ?? '-'} · active{' '}
            <Text color={t.activeNode !== undefined && t.activeNode !== t.home ? 'yellow' : undefined}>{t.activeNode ?? '-'}</Text> · epoch {t.epoch ?? '-'}
            {t.hasDrPlan ? ` · RPO ${t.rpoSeconds === undefined ? '-' : rpoText(t.rpoSeconds)} (API objects)` : ''}
          </Text>
          {failoverLines(t, now).map((line) => (
            <Text key={line}>{line}</Text>
          ))}
          {t.hasDrPlan ? (
            <Box marginLeft={2} flexDirection="column">
              <Table columns={columns} rows={t.standbys.map((s) => cells(t, s, now, wide))} rowColor={(r) => (behind(t.standbys[r]!) ? 'red' : t.standbys[r]!.state === 'Current' ? undefined : 'yellow')} />
              {notes(t, wide).map((line, j) => (
                <Text key={j} dimColor={!line.warn} color={line.warn ? 'yellow' : undefined}>
                  {line.text}
                </Text>
              ))}
            </Box>
          ) : (
            <Text>{'  '}no DR plan</Text>
          )}
        </Box>
      ))}
      {anyBehind ? (
        <Box marginTop={1}>
          <Text dimColor>! lag above the RPO target: a failover to that centre now would lose more than the plan allows</Text>
        </Box>
      ) : null}
    </Box>
  );
}
