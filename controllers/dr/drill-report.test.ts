import { describe, expect, it } from 'vitest';
import { drillReport } from './drill-report.js';
import { PARTIAL } from './drill-types.test-helpers.js';

const AT = new Date('2026-12-02T05:00:00Z');

describe('drillReport', () => {
  it('JSON: who, when, scope, result, per tenant the recovery point, targets, achieved, inventory, issues and availability, totals', () => {
    const { json } = drillReport(PARTIAL, { generatedAt: AT });
    expect(json).toMatchObject({
      final: true,
      generatedAt: '2026-12-02T05:00:00.000Z',
      name: 'drill-20261202-040000',
      date: '2026-12-02',
      requestedBy: 'sre-wang',
      scope: { tenants: ['gansu-transport', 'health-records'] },
      to: 'remote-dr',
      phase: 'PartiallySucceeded',
      reason: 'TenantsFailed',
      rtoScope: 'objects',
      rpoScope: 'objects',
      scopeNote: 'RTO and RPO cover API objects only: the applications were not started, and volume data is not measured.',
      totals: { tenants: 2, verified: 1, failed: 1, maxRtoSeconds: 75 },
      cleanup: { state: 'Done', at: '2026-12-02T04:01:29Z' },
      notes: [{ text: 'quarterly drill', by: 'sre-wang' }],
    });
    expect(json.transitions.map((t) => t.phase)).toEqual(['Pending', 'Precheck', 'Restoring', 'Verifying', 'CleaningUp', 'PartiallySucceeded']);
    expect(json.tenants[1]).toEqual({
      tenant: 'health-records',
      source: 'gansu-provincial',
      standby: 'gansu-provincial-remote-dr',
      state: 'Verified',
      message: null,
      recoveryPoint: '2026-12-02T03:59:48Z',
      targets: { rtoSeconds: 14_400, rpoSeconds: 900 },
      achieved: { rtoSeconds: 12.3, rpoSeconds: 13 },
      met: { rto: true, rpo: true },
      inventory: { expected: 21, restored: 21, missing: 0, differing: 0, skipped: 0 },
      issues: [],
      availability: { state: 'NotMeasured', reason: 'gansu-provincial-remote-dr has no nodes' },
    });
  });

  it('lists every deviation with its reason (the drill\'s end, failed tenants, missed targets, differing objects) and the tenants whose availability was not measured', () => {
    const { json } = drillReport(PARTIAL, { generatedAt: AT });
    expect(json.deviations).toEqual([
      { kind: 'drill-ended', reason: 'the drill ended PartiallySucceeded: TenantsFailed: 1 of 2 tenants failed verification' },
      { tenant: 'gansu-transport', kind: 'tenant-failed', reason: '1 object differs from the recovery point' },
      { tenant: 'gansu-transport', kind: 'rto-missed', reason: 'RTO 1m 15s above the target 1m' },
      { tenant: 'gansu-transport', kind: 'object-differing', object: 'v1/ConfigMap/fares', reason: 'data.peak differs from the recovery point' },
    ]);
    expect(json.notMeasured).toEqual([
      { tenant: 'gansu-transport', reason: 'gansu-provincial-remote-dr has no nodes' },
      { tenant: 'health-records', reason: 'gansu-provincial-remote-dr has no nodes' },
    ]);
  });

  it('Markdown for the DR file: tables, the scope of the measurements said plainly, deviations, availability, cleanup, notes', () => {
    const { markdown } = drillReport(PARTIAL, { generatedAt: AT });
    expect(markdown).toMatch(/^# DR drill drill-20261202-040000\n/);
    expect(markdown).toContain('| Requested by | sre-wang |');
    expect(markdown).toContain('| Result | PartiallySucceeded (TenantsFailed) |');
    expect(markdown).toContain('the applications were not started, and volume data is not measured');
    expect(markdown).toContain('| health-records | Verified | gansu-provincial | gansu-provincial-remote-dr | 2026-12-02T03:59:48Z | 12s | 4h | met | 13s | 15m | met | 21 | 21 | 0 | 0 | 0 | NotMeasured |');
    expect(markdown).toContain('| gansu-transport | object-differing | v1/ConfigMap/fares | data.peak differs from the recovery point |');
    expect(markdown).toContain('| gansu-transport | v1/Service/api | Services are not restored into a drill namespace (isolation) |');
    expect(markdown).toContain('Workload availability was **not measured** for:\n\n- gansu-transport: gansu-provincial-remote-dr has no nodes');
    expect(markdown).toContain('## Cleanup\n\nDone at 2026-12-02T04:01:29Z: drill-20261202-040000-gansu-transport, drill-20261202-040000-health-records');
    expect(markdown).toContain('- 2026-12-02T04:00:00Z (sre-wang): quarterly drill');
    expect(markdown).not.toContain('provisional');
  });

  it('is deterministic: the same drill and time give the same bytes; only generatedAt is "now"', () => {
    const a = drillReport(PARTIAL, { generatedAt: AT });
    const b = drillReport(structuredClone(PARTIAL), { generatedAt: AT });
    expect(b.markdown).toBe(a.markdown);
    expect(JSON.stringify(b.json)).toBe(JSON.stringify(a.json));
    expect(drillReport(PARTIAL, { generatedAt: new Date('2027-01-01T00:00:00Z') }).markdown.replace('2027-01-01T00:00:00.000Z', '2026-12-02T05:00:00.000Z')).toBe(a.markdown);
  });

  it('a running drill\'s report says it is provisional; totals are summed when the status has none; a clean drill has no deviations', () => {
    const running = structuredClone(PARTIAL);
    running.status = { ...running.status!, phase: 'Verifying', totals: undefined, transitions: running.status!.transitions!.slice(0, 4) };
    delete running.status.totals;
    const { json, markdown } = drillReport(running, { generatedAt: AT });
    expect(json.final).toBe(false);
    expect(markdown).toContain('> **Provisional**: the drill is still Verifying.');
    expect(json.totals).toEqual({ tenants: 2, verified: 1, failed: 1, rtoMet: 1, rpoMet: 2, maxRtoSeconds: 75, maxRpoSeconds: 31, inventory: { expected: 33, restored: 31, missing: 0, differing: 1, skipped: 1 } });
    const clean = structuredClone(PARTIAL);
    clean.status!.phase = 'Succeeded';
    clean.status!.tenants = [clean.status!.tenants![1]!];
    expect(drillReport(clean, { generatedAt: AT }).json.deviations).toEqual([]);
    expect(drillReport(clean, { generatedAt: AT }).markdown).toContain('None: every tenant verified');
  });
});
