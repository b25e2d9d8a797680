import { describe, expect, it } from 'vitest';
import { DrillReasons, drillTotals, enterPhase, finalPhase, nextDrillStep, tenantDrillSummary, tenantFailed, tenantVerified } from './drill.js';
import type { DrillSpec, DrillStatus, DrillTenantStatus, FailoverDrill } from './drill-types.js';

const T0 = new Date('2026-12-02T06:00:00.000Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const spec: DrillSpec = { scope: { tenants: ['a', 'b'] }, to: 'same-city-dr' };
const tenant = (name: string, over: Partial<DrillTenantStatus> = {}): DrillTenantStatus => ({
  tenant: name,
  source: 'prod',
  standby: 'same',
  namespace: `${name}-drill-abcdef`,
  state: 'Pending',
  recoveryPoint: at(-40).toISOString(),
  rtoTargetSeconds: 60,
  rpoTargetSeconds: 30,
  ...over,
});
const drill = (status: DrillStatus | undefined, s: Partial<DrillSpec> = {}): Pick<FailoverDrill, 'metadata' | 'spec' | 'status'> => ({ metadata: { name: 'd1' }, spec: { ...spec, ...s }, ...(status ? { status } : {}) });
const inv = { expected: 10, restored: 8, missing: 0, differing: 0, skipped: 2 };
const notMeasured = { state: 'NotMeasured' as const, reason: 'no nodes' };

describe('nextDrillStep', () => {
  it('walks Pending → Precheck → Restoring → Verifying → CleaningUp → a terminal phase', () => {
    expect(nextDrillStep(drill(undefined)).type).toBe('init');
    let s = enterPhase(undefined, 'Pending', T0);
    expect(nextDrillStep(drill(s)).type).toBe('start');
    s = enterPhase(s, 'Precheck', at(1));
    expect(s.startedAt).toBe(at(1).toISOString());
    expect(nextDrillStep(drill(s)).type).toBe('precheck');
    s = { ...enterPhase(s, 'Restoring', at(2)), tenants: [tenant('a'), tenant('b', { state: 'Failed' })] };
    expect(nextDrillStep(drill(s))).toEqual({ type: 'restore', tenants: ['a'] });
    s = { ...enterPhase(s, 'Verifying', at(3)), tenants: [tenant('a', { state: 'Verifying' }), tenant('b', { state: 'Failed' })] };
    expect(nextDrillStep(drill(s))).toEqual({ type: 'verify', tenants: ['a'] });
    s = enterPhase(s, 'CleaningUp', at(4));
    expect(nextDrillStep(drill(s))).toEqual({ type: 'cleanup', tenants: ['a', 'b'], keep: false });
    expect(nextDrillStep(drill(s, { keep: true }))).toMatchObject({ keep: true });
    s = enterPhase(s, 'PartiallySucceeded', at(5));
    expect(s.finishedAt).toBe(at(5).toISOString());
    expect(s.transitions!.map((x) => x.phase)).toEqual(['Pending', 'Precheck', 'Restoring', 'Verifying', 'CleaningUp', 'PartiallySucceeded']);
    expect(nextDrillStep(drill(s)).type).toBe('finalize');
    expect(nextDrillStep(drill({ ...s, report: { namespace: 'longyun-system', name: 'drill-report-d1' } })).type).toBe('none');
  });

  it('aborts any phase before CleaningUp, cleans up even a kept drill, and cleans a kept drill later on request', () => {
    for (const p of ['Pending', 'Precheck', 'Restoring', 'Verifying'] as const) expect(nextDrillStep(drill({ phase: p }, { abort: true })).type).toBe('abort');
    expect(nextDrillStep(drill({ phase: 'CleaningUp', reason: DrillReasons.Aborted, tenants: [tenant('a')] }, { abort: true, keep: true }))).toEqual({ type: 'cleanup', tenants: ['a'], keep: false });
    expect(nextDrillStep(drill({ phase: 'Succeeded', report: { namespace: 'n', name: 'r' } }, { abort: true })).type).toBe('none');
    const kept: DrillStatus = { phase: 'Succeeded', cleanup: { state: 'Kept' }, tenants: [tenant('a', { state: 'Verified' })], report: { namespace: 'n', name: 'r' } };
    expect(nextDrillStep(drill(kept, { keep: true })).type).toBe('none');
    expect(nextDrillStep(drill(kept, { keep: true, cleanup: true }))).toEqual({ type: 'cleanupKept', tenants: ['a'] });
  });
});

describe('tenantVerified', () => {
  it('measures RTO from the start to now and RPO from the recovery point to the start, against the targets', () => {
    const t = tenantVerified(tenant('a', { state: 'Verifying' }), { inventory: inv, issues: [], availability: notMeasured }, T0.toISOString(), at(75));
    expect(t).toMatchObject({ state: 'Verified', rtoSeconds: 75, rpoSeconds: 40, rtoMet: false, rpoMet: false, availability: notMeasured });
    const fast = tenantVerified(tenant('a', { recoveryPoint: at(-10).toISOString(), state: 'Verifying' }), { inventory: inv, issues: [], availability: notMeasured }, T0.toISOString(), at(12.34));
    expect(fast).toMatchObject({ rtoSeconds: 12.3, rpoSeconds: 10, rtoMet: true, rpoMet: true });
  });

  it('fails a tenant with a differing or missing object, naming it; skips alone do not', () => {
    const issues = [{ object: 'v1/ConfigMap/web-config', problem: 'differing' as const, reason: 'digest' }, { object: 'v1/Service/web', problem: 'skipped' as const, reason: 'no Services' }];
    const t = tenantVerified(tenant('a'), { inventory: { ...inv, restored: 7, differing: 1 }, issues, availability: notMeasured }, T0.toISOString(), at(5));
    expect(t.state).toBe('Failed');
    expect(t.message).toContain('1 differing');
    expect(t.message).toContain('v1/ConfigMap/web-config');
    const ok = tenantVerified(tenant('a'), { inventory: inv, issues: [issues[1]!], availability: notMeasured }, T0.toISOString(), at(5));
    expect(ok.state).toBe('Verified');
  });
});

describe('finalPhase', () => {
  const verified = tenant('a', { state: 'Verified' });
  const failed = tenantFailed(tenant('b'), 'standby copy is 2h behind');
  it('is Succeeded only with every tenant verified', () => {
    expect(finalPhase({ tenants: [verified] }).phase).toBe('Succeeded');
    expect(finalPhase({ tenants: [verified, failed] })).toMatchObject({ phase: 'PartiallySucceeded', reason: DrillReasons.SomeTenantsFailed });
    expect(finalPhase({ tenants: [verified, failed] }).message).toContain('b: standby copy is 2h behind');
    expect(finalPhase({ tenants: [failed] })).toMatchObject({ phase: 'Failed', reason: DrillReasons.AllTenantsFailed });
    expect(finalPhase({ tenants: [] }).phase).toBe('Failed');
    expect(finalPhase({ tenants: [], reason: DrillReasons.PrecheckFailed, message: 'node x unknown' })).toMatchObject({ phase: 'Failed', message: 'node x unknown' });
    expect(finalPhase({ tenants: [verified], reason: DrillReasons.Aborted, message: 'aborted by sre' }).phase).toBe('Aborted');
  });
});

describe('totals and summaries', () => {
  it('add up the tenants and keep the worst RTO and RPO', () => {
    const a = tenantVerified(tenant('a'), { inventory: inv, issues: [], availability: notMeasured }, T0.toISOString(), at(20));
    const b = tenantVerified(tenant('b', { recoveryPoint: at(-5).toISOString() }), { inventory: inv, issues: [], availability: notMeasured }, T0.toISOString(), at(70));
    const totals = drillTotals([a, b, tenantFailed(tenant('c'), 'busy')]);
    expect(totals).toMatchObject({ tenants: 3, verified: 2, failed: 1, rtoMet: 1, rpoMet: 1, maxRtoSeconds: 70, maxRpoSeconds: 40 });
    expect(totals.inventory).toEqual({ expected: 20, restored: 16, missing: 0, differing: 0, skipped: 4 });
    const d = drill({ phase: 'PartiallySucceeded', finishedAt: at(80).toISOString() });
    expect(tenantDrillSummary(d, a)).toEqual({ name: 'd1', phase: 'Succeeded', finishedAt: at(80).toISOString(), to: 'same-city-dr', rtoSeconds: 20, rpoSeconds: 40, rtoMet: true, rpoMet: false });
    expect(tenantDrillSummary(d, tenantFailed(tenant('c'), 'busy')).phase).toBe('Failed');
  });
});
