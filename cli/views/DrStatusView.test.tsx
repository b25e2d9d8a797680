import { renderToString } from 'ink';
import { render } from 'ink-testing-library';
import React from 'react';
import { describe, expect, it } from 'vitest';
import type { TenantDrillSummary } from '../../controllers/dr/drill-types.js';
import { drTenantRow } from '../../controllers/dr/status.js';
import { drillOverdue } from '../../policies/rules/dr-drill-recent.js';
import { HEALTH } from '../../controllers/dr/status.test-helpers.js';
import { DrStatusView } from './DrStatusView.js';

const NOW = new Date('2026-12-02T04:00:00Z');
const lines = (frame: string) => frame.split('\n');

describe('DrStatusView', () => {
  it('shows per tenant home, active node, epoch and RPO, then per centre standby, recovery point, lag, digest match, state and message', () => {
    // 120 wide: with LAST DRILL the table no longer fits 100 columns (cells are truncated there)
    const frame = renderToString(<DrStatusView tenants={[drTenantRow(HEALTH, NOW)]} now={NOW} />, { columns: 120 });
    expect(lines(frame)[0]).toBe('health-records home gansu-provincial · active gansu-provincial · epoch 1 · RPO 15m (API objects)');
    expect(lines(frame)[1]).toMatch(/^ {2}CENTRE\s+STANDBY\s+RECOVERY POINT\s+LAG\s+DIGEST\s+STATE\s+LAST DRILL$/);
    // same-city first; a recovery point of today as its time; the lag in human units; remote-dr
    // behind its RPO and differing from production, its message under the table
    expect(lines(frame)[2]).toMatch(/^ {2}same-city-dr\s+gansu-provincial-same-city-dr\s+03:59:48Z\s+12s\s+✓\s+Current\s+—$/);
    expect(lines(frame)[3]).toMatch(/^ {2}remote-dr\s+gansu-provincial-remote-dr\s+03:20:00Z\s+40m 00s !\s+✗\s+SourceUnreachable\s+—$/);
    expect(lines(frame)[4]).toBe('  remote-dr: gansu-provincial does not answer');
    expect(frame).toContain('! lag above the RPO target');
    const yesterday = renderToString(<DrStatusView tenants={[drTenantRow(HEALTH, new Date('2026-12-03T00:10:00Z'))]} now={new Date('2026-12-03T00:10:00Z')} />, { columns: 120 });
    expect(yesterday).toMatch(/same-city-dr\s+gansu-provincial-same-city-.*2026-12-02T03:59.*\s20h 10m !/); // the full time, from another day
    expect(frame).not.toContain('OBJECTS');
  });

  it('wide adds columns (the command prints them 200 wide off a terminal) and lists what was not copied, and why', () => {
    const frame = render(<DrStatusView tenants={[drTenantRow(HEALTH, NOW)]} now={NOW} wide />).lastFrame()!;
    expect(lines(frame)[1]).toMatch(/OBJ.*NOT.*SOURCE.*STANDBY/);
    expect(frame).toContain('  remote-dr: not copied example.com/v1 Widget w: no CRD on the standby');
  });

  it('says when the operator has not reported a plan yet, when a tenant has no plan, and when none has', () => {
    const unreported = drTenantRow({ ...HEALTH, status: { node: 'gansu-provincial' } }, NOW);
    const frame = render(<DrStatusView tenants={[unreported, drTenantRow({ metadata: { name: 'roads' }, spec: {}, status: { node: 'lanzhou-cloud' } }, NOW)]} now={NOW} />).lastFrame()!;
    expect(frame).toMatch(/same-city-dr\s+-\s+-\s+-\s+—\s+-\s+—\n/);
    expect(frame).toContain('no DR status from the operator yet');
    expect(frame).toContain('roads home lanzhou-cloud · active - · epoch -\n  no DR plan');
    expect(frame).not.toContain('! lag');
    expect(render(<DrStatusView tenants={[]} now={NOW} />).lastFrame()).toBe('No tenants with a DR plan.');
  });

  it('LAST DRILL: the last drill\'s phase and age on the row of its centre; under the table a failed last drill and whether a successful one is overdue', () => {
    const ok: TenantDrillSummary = { name: 'weekly-1', phase: 'Succeeded', finishedAt: '2026-11-30T03:01:00Z', to: 'same-city-dr', rtoSeconds: 12, rpoSeconds: 30, rtoMet: true, rpoMet: true };
    const failed: TenantDrillSummary = { name: 'drill-20261202-035700', phase: 'Failed', finishedAt: '2026-12-02T03:57:00Z', to: 'remote-dr' };
    const row = drTenantRow({ ...HEALTH, status: { ...HEALTH.status!, drills: { last: failed, lastSucceeded: ok } } }, NOW);
    const frame = renderToString(<DrStatusView tenants={[{ ...row, drillOverdue: drillOverdue(ok.finishedAt, NOW, 365) }]} now={NOW} />, { columns: 140 });
    expect(lines(frame)[2]).toMatch(/^ {2}same-city-dr\s.*Current\s+—$/);
    expect(lines(frame)[3]).toMatch(/^ {2}remote-dr\s.*SourceUnreachable\s+Failed 3m$/);
    expect(frame).toContain('  last drill drill-20261202-035700 (remote-dr) Failed: "longyun dr drill report drill-20261202-035700" says why\n');
    expect(frame).toContain('  last successful drill 2 days ago (2026-11-30T03:01:00.000Z): within 365 days (weekly-1, same-city-dr)\n');
    const never = renderToString(<DrStatusView tenants={[{ ...drTenantRow(HEALTH, NOW), drillOverdue: drillOverdue(undefined, NOW, 365) }]} now={NOW} />, { columns: 140 });
    expect(never).toContain('  drill overdue: no successful drill on record (a drill is due every 365 days)');
  });
});

describe('DrStatusView: failovers and lost+found', () => {
  it('under the header the last failover and failback (those it has had); under the table each lost+found record, with what to do', () => {
    const status = {
      ...HEALTH.status!,
      activeNode: 'gansu-provincial-remote-dr',
      epoch: 3,
      failovers: {
        lastFailover: { name: 'failover-20261202-010000', at: '2026-12-02T01:00:00Z', from: 'gansu-provincial', to: 'gansu-provincial-remote-dr', type: 'emergency' as const, phase: 'Succeeded' as const },
      },
      lostAndFound: [
        { failover: 'failover-20261202-010000', at: '2026-12-02T03:00:00Z', node: 'gansu-provincial', recoveryPoint: '2026-12-02T00:59:30Z', quarantineNamespace: 'health-records-lost-4f2a9c', objects: [{ object: 'v1/ConfigMap/fees', change: 'changed' as const }, { object: 'apps/v1/Deployment/intake', change: 'added' as const }] },
      ],
    };
    const row = drTenantRow({ ...HEALTH, status }, NOW);
    expect(row).toMatchObject({ lastFailover: status.failovers.lastFailover, lastFailback: undefined, lostAndFoundObjects: 2 });
    const frame = renderToString(<DrStatusView tenants={[row]} now={NOW} />, { columns: 200 });
    expect(lines(frame)[0]).toBe('health-records home gansu-provincial · active gansu-provincial-remote-dr · epoch 3 · RPO 15m (API objects)');
    expect(lines(frame)[1]).toBe('  last failover failover-20261202-010000 Succeeded 3h 00m ago (emergency, gansu-provincial → gansu-provincial-remote-dr)');
    expect(lines(frame)[2]).toMatch(/^ {2}CENTRE\s+STANDBY\s+RECOVERY POINT/);
    expect(frame).toContain('  lost+found (failover-20261202-010000): 2 objects kept aside in namespace health-records-lost-4f2a9c on node gansu-provincial: review them, then delete the namespace\n');
    // none of it without failovers: the header is followed by the table
    expect(lines(renderToString(<DrStatusView tenants={[drTenantRow(HEALTH, NOW)]} now={NOW} />, { columns: 200 }))[1]).toMatch(/^ {2}CENTRE/);
  });
});
