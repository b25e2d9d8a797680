import { describe, expect, it } from 'vitest';
import {
  abortRefused,
  enterFailoverPhase,
  FailoverReasons,
  FailoverStateError,
  failoverAbortable,
  failoverOutcome,
  failoverPhases,
  failoverPlan,
  failoverTenantFailed,
  failoverHolds,
  failoverTotals,
  nextFailoverStep,
  tenantLostAndFound,
  startRollback,
  summaryKey,
  switchTenantStatus,
  tenantFailoverSummary,
  tenantFailoverVerified,
  tenantFenced,
  tenantPromoted,
  tenantReprotected,
  tenantRolledBack,
  tenantSwitched,
  tenantSynced,
  type FailoverStep,
} from './failover.js';
import type { Failover, FailoverPhase, FailoverSpec, FailoverStatus, FailoverTenantStatus } from './failover-types.js';

const T0 = new Date('2026-12-02T06:00:00.000Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const PLANNED: FailoverSpec = { scope: { tenants: ['a', 'b'] }, direction: 'failover', to: 'same-city-dr', type: 'planned' };
const EMERGENCY: FailoverSpec = { ...PLANNED, type: 'emergency' };
const tenant = (name: string, over: Partial<FailoverTenantStatus> = {}): FailoverTenantStatus => ({
  tenant: name,
  from: 'gansu-provincial',
  to: 'gansu-provincial-same-city-dr',
  state: 'Pending',
  rtoTargetSeconds: 60,
  rpoTargetSeconds: 30,
  ...over,
});
const fo = (status: FailoverStatus | undefined, spec: Partial<FailoverSpec> = {}): Pick<Failover, 'metadata' | 'spec' | 'status'> => ({
  metadata: { name: 'fo-1', creationTimestamp: T0.toISOString() },
  spec: { ...PLANNED, ...spec },
  ...(status ? { status } : {}),
});
const step = (status: FailoverStatus | undefined, spec: Partial<FailoverSpec> = {}): FailoverStep => nextFailoverStep(fo(status, spec));
const inPhase = (phase: FailoverPhase, tenants: FailoverTenantStatus[], extra: Partial<FailoverStatus> = {}): FailoverStatus => ({ phase, startedAt: T0.toISOString(), tenants, ...extra });

/**
 * Drives a failover to its end the way a runner would, every tenant succeeding: returns the steps
 * taken and the phases entered.
 */
function drive(spec: FailoverSpec): { steps: string[]; phases: FailoverPhase[]; status: FailoverStatus } {
  let s: FailoverStatus | undefined;
  const steps: string[] = [];
  for (let i = 0; i < 40; i++) {
    const st = nextFailoverStep({ spec, status: s });
    steps.push(st.type);
    const now = at(i);
    const map = (f: (t: FailoverTenantStatus) => FailoverTenantStatus, names: string[]) => ({ ...s!, tenants: s!.tenants!.map((t) => (names.includes(t.tenant) ? f(t) : t)) });
    switch (st.type) {
      case 'init':
        s = enterFailoverPhase(s, 'Pending', now);
        break;
      case 'start':
        s = enterFailoverPhase(s, 'Precheck', now);
        break;
      case 'precheck':
        s = { ...s!, tenants: [tenant('a', { epochBefore: 3, recoveryPoint: at(-20).toISOString(), digestBefore: spec.type === 'emergency' ? A : undefined, ...(spec.dryRun ? { plan: [] } : {}) })] };
        break;
      case 'advance':
        s = enterFailoverPhase(s, st.phase, now);
        break;
      case 'fence':
        s = map((t) => tenantFenced(t, 'longyun-fence'), st.tenants);
        break;
      case 'finalSync':
        s = map((t) => tenantSynced(t, A), st.tenants);
        break;
      case 'switch':
        s = map((t) => tenantSwitched(t, 3, now), st.tenants);
        break;
      case 'promote':
        s = map(tenantPromoted, st.tenants);
        break;
      case 'verify':
        s = map((t) => tenantFailoverVerified(t, { digestAfter: A, type: spec.type, startedAt: s!.startedAt! }, now), st.tenants);
        break;
      case 'reprotect':
        s = map(tenantReprotected, st.tenants);
        break;
      case 'finish':
        s = { ...enterFailoverPhase(s, st.phase, now), reason: st.reason, message: st.message, totals: failoverTotals(s!.tenants ?? []) };
        break;
      case 'none':
        return { steps, phases: s!.transitions!.map((t) => t.phase), status: s! };
      default:
        throw new Error(`unexpected step ${st.type}`);
    }
  }
  throw new Error('did not finish');
}

describe('the phase order', () => {
  it('planned: Pending → Precheck → Fencing → FinalSync → Switching → Promoting → Verifying → Reprotecting → Succeeded', () => {
    const r = drive(PLANNED);
    expect(r.phases).toEqual(['Pending', 'Precheck', 'Fencing', 'FinalSync', 'Switching', 'Promoting', 'Verifying', 'Reprotecting', 'Succeeded']);
    expect(r.phases).toEqual(failoverPhases(PLANNED));
    expect(r.steps).toEqual(['init', 'start', 'precheck', 'advance', 'fence', 'advance', 'finalSync', 'advance', 'switch', 'advance', 'promote', 'advance', 'verify', 'advance', 'reprotect', 'finish', 'none']);
    expect(r.status).toMatchObject({ reason: FailoverReasons.AllReprotected, totals: { tenants: 1, verified: 1, failed: 0, rolledBack: 0, maxRpoSeconds: 0 } });
    expect(r.status.tenants![0]).toMatchObject({ state: 'Reprotected', epochBefore: 3, epochAfter: 4, rpoSeconds: 0, rpoMet: true, fenceRecord: 'longyun-fence' });
  });

  it('emergency skips Fencing and FinalSync, switching from Pending', () => {
    const r = drive(EMERGENCY);
    expect(r.phases).toEqual(['Pending', 'Precheck', 'Switching', 'Promoting', 'Verifying', 'Reprotecting', 'Succeeded']);
    expect(r.phases).toEqual(failoverPhases(EMERGENCY));
    expect(r.steps).not.toContain('fence');
    expect(r.steps).not.toContain('finalSync');
    // Recovery point 20 s before T0, switched at the fifth step (T0 + 4 s).
    expect(r.status.tenants![0]).toMatchObject({ state: 'Reprotected', rpoSeconds: 24, rpoMet: true });
  });

  it('dry run: Pending → Precheck → Succeeded with the plans, nothing fenced or switched', () => {
    const r = drive({ ...PLANNED, dryRun: true });
    expect(r.phases).toEqual(['Pending', 'Precheck', 'Succeeded']);
    expect(r.phases).toEqual(failoverPhases({ type: 'planned', dryRun: true }));
    expect(r.steps).toEqual(['init', 'start', 'precheck', 'finish', 'none']);
    expect(r.status.reason).toBe(FailoverReasons.Planned);
    expect(r.status.switchedAt).toBeUndefined();
  });
});

describe('enterFailoverPhase', () => {
  it('records each transition; Precheck sets startedAt, Switching switchedAt, a terminal phase finishedAt, each once', () => {
    let s = enterFailoverPhase(undefined, 'Pending', T0);
    expect(s).toMatchObject({ phase: 'Pending', rtoScope: 'objects', rpoScope: 'objects', volumeData: { state: 'NotMeasured' } });
    expect(s.startedAt).toBeUndefined();
    s = enterFailoverPhase(s, 'Precheck', at(1));
    s = enterFailoverPhase(s, 'Precheck', at(2));
    expect(s.startedAt).toBe(at(1).toISOString());
    s = enterFailoverPhase(s, 'Switching', at(5));
    s = enterFailoverPhase(s, 'Switching', at(6));
    expect(s.switchedAt).toBe(at(5).toISOString());
    expect(s.finishedAt).toBeUndefined();
    s = enterFailoverPhase(s, 'Failed', at(9));
    expect(s.finishedAt).toBe(at(9).toISOString());
    expect(s.transitions).toEqual([
      { phase: 'Pending', at: T0.toISOString() },
      { phase: 'Precheck', at: at(1).toISOString() },
      { phase: 'Precheck', at: at(2).toISOString() },
      { phase: 'Switching', at: at(5).toISOString() },
      { phase: 'Switching', at: at(6).toISOString() },
      { phase: 'Failed', at: at(9).toISOString() },
    ]);
  });
});

describe('nextFailoverStep', () => {
  it('lists only the tenants in the state each phase starts from', () => {
    const ts = [tenant('a', { state: 'Fenced', fenceRecord: 'longyun-fence' }), tenant('b'), tenant('c', { state: 'Failed', message: 'busy' }), tenant('d', { state: 'RolledBack' })];
    expect(step(inPhase('Fencing', ts))).toEqual({ type: 'fence', tenants: ['b'] });
    expect(step(inPhase('FinalSync', ts))).toEqual({ type: 'finalSync', tenants: ['a'] });
    expect(step(inPhase('Switching', [tenant('a', { state: 'Synced' }), tenant('b')]))).toEqual({ type: 'switch', tenants: ['a'] });
    expect(step(inPhase('Switching', [tenant('a', { state: 'Synced' }), tenant('b')]), { type: 'emergency' })).toEqual({ type: 'switch', tenants: ['b'] });
    expect(step(inPhase('Promoting', [tenant('a', { state: 'Switched' }), tenant('b', { state: 'Promoted' })]))).toEqual({ type: 'promote', tenants: ['a'] });
    expect(step(inPhase('Verifying', [tenant('a', { state: 'Switched' }), tenant('b', { state: 'Promoted' })]))).toEqual({ type: 'verify', tenants: ['b'] });
    expect(step(inPhase('Reprotecting', [tenant('a', { state: 'Verified' }), tenant('b', { state: 'Reprotected' })]))).toEqual({ type: 'reprotect', tenants: ['a'] });
  });

  it('finishes from Precheck when no tenant passed it: Failed PrecheckFailed, nothing touched', () => {
    const s = inPhase('Precheck', [tenant('a', { state: 'Failed', message: 'tenant "a" has no standby in same-city-dr' })]);
    expect(step(s)).toEqual({ type: 'finish', phase: 'Failed', reason: FailoverReasons.PrecheckFailed, message: expect.stringContaining('a: Failed: tenant "a" has no standby') });
    expect(step(inPhase('Precheck', []))).toMatchObject({ type: 'finish', phase: 'Failed', reason: FailoverReasons.PrecheckFailed });
    expect(step(inPhase('Precheck', [tenant('a')]))).toEqual({ type: 'advance', phase: 'Fencing' });
    expect(step(inPhase('Precheck', [tenant('a')]), { type: 'emergency' })).toEqual({ type: 'advance', phase: 'Switching' });
  });

  it('is done with a terminal failover', () => {
    for (const p of ['Succeeded', 'Failed', 'RolledBack'] as const) expect(step(inPhase(p, [tenant('a')]), { abort: true }).type).toBe('none');
  });
});

describe('before the switch: abort, interruption and failure roll back', () => {
  it('an abort in any phase before Switching unfences every tenant touched, then ends RolledBack', () => {
    const ts = [tenant('a', { state: 'Fenced', fenceRecord: 'longyun-fence' }), tenant('b', { state: 'Synced', fenceRecord: 'longyun-fence' }), tenant('c', { state: 'Failed', message: 'no standby' }), tenant('d')];
    for (const p of ['Precheck', 'Fencing', 'FinalSync'] as const) {
      expect(step(inPhase(p, ts), { abort: true })).toEqual({ type: 'rollback', tenants: ['a', 'b', 'd'] });
    }
    expect(step(enterFailoverPhase(undefined, 'Pending', T0), { abort: true })).toMatchObject({ type: 'finish', phase: 'RolledBack', reason: FailoverReasons.Aborted, message: 'aborted in Pending' });
    const done = ts.map((t) => (t.state === 'Failed' ? t : tenantRolledBack(t, 'aborted')));
    expect(step(inPhase('FinalSync', done), { abort: true })).toEqual({ type: 'finish', phase: 'RolledBack', reason: FailoverReasons.Aborted, message: 'aborted in FinalSync' });
    expect(failoverAbortable(fo(inPhase('FinalSync', ts)))).toEqual({ abortable: true });
  });

  it('a successor that finds a failover interrupted before Switching rolls it back', () => {
    const s = startRollback(inPhase('Fencing', [tenant('a', { state: 'Fenced', fenceRecord: 'longyun-fence' }), tenant('b', { fenceRecord: 'longyun-fence' })]), FailoverReasons.Interrupted, 'the operator restarted in Fencing');
    // b's fence had begun (record named) when the operator stopped: it is unfenced too.
    expect(step(s)).toEqual({ type: 'rollback', tenants: ['a', 'b'] });
    const rolled = { ...s, tenants: s.tenants!.map((t) => tenantRolledBack(t, 'interrupted')) };
    expect(step(rolled)).toEqual({ type: 'finish', phase: 'RolledBack', reason: FailoverReasons.Interrupted, message: 'the operator restarted in Fencing' });
    expect(() => startRollback(inPhase('Switching', []), FailoverReasons.Interrupted, 'x')).toThrow(FailoverStateError);
  });

  it('a tenant failing before the switch is unfenced before anything moves on; the others go on', () => {
    const failed = failoverTenantFailed(tenant('a', { fenceRecord: 'longyun-fence' }), 'scaling deployment web to 0: forbidden');
    const ok = tenant('b', { state: 'Fenced', fenceRecord: 'longyun-fence' });
    expect(step(inPhase('Fencing', [failed, ok]))).toEqual({ type: 'rollback', tenants: ['a'] });
    expect(step(inPhase('FinalSync', [failed, ok]))).toEqual({ type: 'rollback', tenants: ['a'] });
    const back = tenantRolledBack(failed, 'fence undone');
    expect(back).toMatchObject({ state: 'RolledBack', message: 'scaling deployment web to 0: forbidden; fence undone: active on gansu-provincial as before' });
    expect(step(inPhase('Fencing', [back, ok]))).toEqual({ type: 'advance', phase: 'FinalSync' });
    expect(step(inPhase('FinalSync', [back, tenantSynced(ok, A)]))).toEqual({ type: 'advance', phase: 'Switching' });
  });

  it('ends RolledBack when every tenant failed before the switch and was rolled back', () => {
    const back = tenantRolledBack(failoverTenantFailed(tenant('a', { fenceRecord: 'longyun-fence' }), 'final sync: standby unreachable'), 'fence undone');
    const s = inPhase('FinalSync', [back, tenant('b', { state: 'Failed', message: 'busy' })]);
    expect(step(s)).toEqual({ type: 'finish', phase: 'RolledBack', reason: FailoverReasons.AllRolledBack, message: expect.stringContaining('no tenant switched: 2 of 2 tenants not done (a: RolledBack: final sync') });
  });
});

describe('at or after the switch: only forward', () => {
  it('refuses an abort once, recording why, and goes on', () => {
    for (const p of ['Switching', 'Promoting', 'Verifying', 'Reprotecting'] as const) {
      const s = inPhase(p, [tenant('a', { state: 'Switched', epochAfter: 4 })]);
      const a = failoverAbortable(fo(s));
      expect(a.abortable).toBe(false);
      const refused = step(s, { abort: true });
      expect(refused).toEqual({ type: 'refuseAbort', message: expect.stringContaining(`abort refused: it is in ${p}, at or after the switch (1 tenant already active on the target)`) });
      const recorded = abortRefused(s, (refused as { message: string }).message);
      expect(recorded.reason).toBe(FailoverReasons.AbortRefused);
      expect(step(recorded, { abort: true }).type).not.toBe('refuseAbort');
      expect(step(recorded, { abort: true }).type).not.toBe('rollback');
    }
    expect(step(abortRefused(inPhase('Promoting', [tenant('a', { state: 'Switched' })]), 'x'), { abort: true })).toEqual({ type: 'promote', tenants: ['a'] });
    expect(failoverAbortable(fo(inPhase('Succeeded', [])))).toEqual({ abortable: false, why: 'it has finished (Succeeded)' });
  });

  it('never unfences a tenant after the switch, even one that failed (it stays active on the target)', () => {
    const failed = failoverTenantFailed(tenantSwitched(tenant('a', { fenceRecord: 'longyun-fence', state: 'Synced' }), 3, at(5)), 'promotion failed: quota');
    expect(step(inPhase('Promoting', [failed]))).toMatchObject({ type: 'finish', phase: 'Failed', reason: FailoverReasons.SomeTenantsFailed });
    expect(() => tenantRolledBack(failed, 'x')).toThrow(FailoverStateError);
    // A switch conflict leaves the tenant Failed, fenced source and all: its active node moved elsewhere.
    const conflict = failoverTenantFailed(tenant('b', { fenceRecord: 'longyun-fence', state: 'Synced' }), 'switched meanwhile');
    expect(step(inPhase('Switching', [conflict, tenant('c', { state: 'Switched', epochAfter: 2 })]))).toEqual({ type: 'advance', phase: 'Promoting' });
    expect(step(inPhase('Switching', [conflict]))).toMatchObject({ type: 'finish', phase: 'Failed' });
  });
});

describe('per tenant results', () => {
  it('switched: epochAfter = epochBefore + 1, switchedAt kept on a repeat', () => {
    const t = tenantSwitched(tenant('a', { state: 'Synced' }), 7, at(5));
    expect(t).toMatchObject({ state: 'Switched', epochBefore: 7, epochAfter: 8, switchedAt: at(5).toISOString() });
    expect(tenantSwitched(t, 7, at(9)).switchedAt).toBe(at(5).toISOString());
  });

  it('verified planned: RTO from the start, RPO 0, met against the targets', () => {
    const t = tenantFailoverVerified(tenant('a', { state: 'Promoted', digestBefore: A, switchedAt: at(10).toISOString() }), { digestAfter: A, type: 'planned', startedAt: T0.toISOString() }, at(42.26));
    expect(t).toMatchObject({ state: 'Verified', rtoSeconds: 42.3, rtoMet: true, rpoSeconds: 0, rpoMet: true, digestAfter: A, verifiedAt: at(42.26).toISOString() });
    const slow = tenantFailoverVerified(tenant('a', { digestBefore: A }), { digestAfter: A, type: 'planned', startedAt: T0.toISOString() }, at(61));
    expect(slow).toMatchObject({ rtoSeconds: 61, rtoMet: false });
  });

  it('verified emergency: RPO = switchedAt − recovery point', () => {
    const t = tenant('a', { state: 'Promoted', digestBefore: B, recoveryPoint: at(-45).toISOString(), switchedAt: at(3).toISOString() });
    expect(tenantFailoverVerified(t, { digestAfter: B, type: 'emergency', startedAt: T0.toISOString() }, at(20))).toMatchObject({ state: 'Verified', rtoSeconds: 20, rpoSeconds: 48, rpoMet: false, rtoMet: true });
    const within = { ...t, recoveryPoint: at(-20).toISOString() };
    expect(tenantFailoverVerified(within, { digestAfter: B, type: 'emergency', startedAt: T0.toISOString() }, at(20))).toMatchObject({ rpoSeconds: 23, rpoMet: true });
  });

  it('a digest that differs fails the tenant, naming both digests', () => {
    const t = tenantFailoverVerified(tenant('a', { digestBefore: A }), { digestAfter: B, type: 'planned', startedAt: T0.toISOString() }, at(5));
    expect(t.state).toBe('Failed');
    expect(t.message).toContain(`digest ${B}, expected ${A}`);
    expect(tenantFailoverVerified(tenant('a'), { digestAfter: B, type: 'planned', startedAt: T0.toISOString() }, at(5)).state).toBe('Failed');
  });

  it('totals count and keep the worst RTO and RPO', () => {
    const ts = [
      tenant('a', { state: 'Reprotected', rtoSeconds: 12, rpoSeconds: 30 }),
      tenant('b', { state: 'Verified', rtoSeconds: 40, rpoSeconds: 5 }),
      tenant('c', { state: 'Failed' }),
      tenant('d', { state: 'RolledBack' }),
    ];
    expect(failoverTotals(ts)).toEqual({ tenants: 4, verified: 2, failed: 1, rolledBack: 1, maxRtoSeconds: 40, maxRpoSeconds: 30 });
    expect(failoverTotals([])).toEqual({ tenants: 0, verified: 0, failed: 0, rolledBack: 0 });
  });
});

describe('failoverOutcome', () => {
  const done = tenant('a', { state: 'Reprotected', epochAfter: 2 });
  it('is Succeeded only with every tenant verified and reprotected', () => {
    expect(failoverOutcome({ tenants: [done] })).toEqual({ phase: 'Succeeded', reason: FailoverReasons.AllReprotected, message: '1 of 1 tenant active on the target, verified and reprotected' });
    const unreprotected = tenant('b', { state: 'Verified', epochAfter: 2, message: 'gansu-provincial does not answer' });
    expect(failoverOutcome({ tenants: [done, unreprotected] })).toEqual({
      phase: 'Failed',
      reason: FailoverReasons.SomeTenantsFailed,
      message: '1 of 2 tenants not done (b: Verified, not reprotected (gansu-provincial does not answer))',
    });
    expect(failoverOutcome({ tenants: [done, tenant('c', { state: 'RolledBack', message: 'fence failed' })] })).toMatchObject({ phase: 'Failed', message: expect.stringContaining('c: RolledBack: fence failed') });
  });

  it('is RolledBack when aborted or interrupted before the switch', () => {
    expect(failoverOutcome({ reason: FailoverReasons.Aborted, message: 'aborted in Fencing', tenants: [tenant('a', { state: 'RolledBack' })] })).toEqual({ phase: 'RolledBack', reason: 'Aborted', message: 'aborted in Fencing' });
    expect(failoverOutcome({ reason: FailoverReasons.Interrupted, tenants: [] }).phase).toBe('RolledBack');
  });

  it('is Failed PrecheckFailed when nothing was touched, naming up to three tenants', () => {
    const fails = ['a', 'b', 'c', 'd'].map((n) => tenant(n, { state: 'Failed', message: `${n} is busy` }));
    const o = failoverOutcome({ tenants: fails });
    expect(o).toMatchObject({ phase: 'Failed', reason: FailoverReasons.PrecheckFailed });
    expect(o.message).toBe('4 of 4 tenants not done (a: Failed: a is busy; b: Failed: b is busy; c: Failed: c is busy; …)');
    expect(failoverOutcome({ tenants: [], message: 'spec.scope.node: cloud node "x" not found' }).message).toBe('spec.scope.node: cloud node "x" not found');
  });

  it('a dry run succeeds when every tenant has a plan', () => {
    expect(failoverOutcome({ tenants: [tenant('a', { plan: [] })] }, { dryRun: true })).toMatchObject({ phase: 'Succeeded', reason: FailoverReasons.Planned, message: 'dry run: 1 tenant planned, nothing changed' });
    expect(failoverOutcome({ tenants: [tenant('a', { plan: [] }), tenant('b', { state: 'Failed', message: 'no standby' })] }, { dryRun: true })).toMatchObject({ phase: 'Failed', message: 'dry run: 1 of 2 tenants not done (b: Failed: no standby)' });
    expect(step(inPhase('Precheck', [tenant('a', { plan: [] }), tenant('b', { state: 'Failed', message: 'x' })]), { dryRun: true })).toMatchObject({ type: 'finish', phase: 'Failed' });
  });
});

describe('tenantFailoverSummary', () => {
  it('keeps when it switched (else when the failover started), from, to, type and how it ended for the tenant', () => {
    const f = fo({ phase: 'Failed', startedAt: at(1).toISOString() }, { type: 'emergency' });
    expect(tenantFailoverSummary(f, tenant('a', { state: 'Reprotected', switchedAt: at(4).toISOString() }))).toEqual({ name: 'fo-1', at: at(4).toISOString(), from: 'gansu-provincial', to: 'gansu-provincial-same-city-dr', type: 'emergency', phase: 'Succeeded' });
    expect(tenantFailoverSummary(f, tenant('b', { state: 'RolledBack' }))).toMatchObject({ at: at(1).toISOString(), phase: 'RolledBack' });
    expect(tenantFailoverSummary(f, tenant('c', { state: 'Verified' })).phase).toBe('Failed');
    expect(summaryKey({ direction: 'failback' })).toBe('lastFailback');
    expect(summaryKey({ direction: 'failover' })).toBe('lastFailover');
  });
});

describe('switchTenantStatus', () => {
  it('makes the target active with the epoch raised by one', () => {
    expect(switchTenantStatus({ node: 'p', activeNode: 'p', epoch: 3 }, 's', 3)).toEqual({ ok: true, patch: { activeNode: 's', epoch: 4 }, already: false });
    expect(switchTenantStatus({ node: 'p' }, 's', 1)).toEqual({ ok: true, patch: { activeNode: 's', epoch: 2 }, already: false });
  });

  it('recognises its own switch already written (a successor resuming)', () => {
    expect(switchTenantStatus({ node: 'p', activeNode: 's', epoch: 4 }, 's', 3)).toEqual({ ok: true, patch: { activeNode: 's', epoch: 4 }, already: true });
  });

  it('refuses when the tenant was switched meanwhile: never two switches', () => {
    const r = switchTenantStatus({ node: 'p', activeNode: 'r', epoch: 4 }, 's', 3);
    expect(r).toEqual({ ok: false, conflict: { field: 'status.epoch', expectedEpoch: 3, actualEpoch: 4, activeNode: 'r', message: expect.stringContaining("the tenant's epoch is 4 (active on r), not 3") } });
    expect(switchTenantStatus({ node: 'p', activeNode: 'p', epoch: 5 }, 's', 3).ok).toBe(false);
  });
});

describe('failoverPlan', () => {
  const t = { tenant: 'health-records', from: 'gansu-provincial', to: 'gansu-provincial-remote-dr', epoch: 2, recoveryPoint: '2026-12-02T03:59:30Z', expectedDigest: A };
  it('planned: fence, sync, switch, promote, verify, reprotect', () => {
    const plan = failoverPlan(t, { type: 'planned', direction: 'failover' });
    expect(plan.map((p) => [p.kind, p.on])).toEqual([
      ['fence', 'gansu-provincial'],
      ['sync', 'gansu-provincial-remote-dr'],
      ['switch', 'management'],
      ['promote', 'gansu-provincial-remote-dr'],
      ['verify', 'gansu-provincial-remote-dr'],
      ['reprotect', 'gansu-provincial'],
    ]);
    expect(plan[2]!.description).toBe('Tenant health-records: status.activeNode gansu-provincial → gansu-provincial-remote-dr, epoch 2 → 3 (the commit point)');
  });

  it('emergency: no fence or sync, promotes from the recovery point, quarantines what the old source changed later', () => {
    const plan = failoverPlan(t, { type: 'emergency', direction: 'failover' });
    expect(plan.map((p) => p.kind)).toEqual(['switch', 'promote', 'verify', 'quarantine', 'reprotect']);
    expect(plan[1]!.description).toContain('from the recovery point 2026-12-02T03:59:30Z');
    expect(plan[3]!.description).toContain('fence health-records there before anything else');
  });
});

describe('failoverHolds: what a running failover keeps other controllers from doing', () => {
  const holds = (phase: FailoverPhase, t: FailoverTenantStatus, spec: Partial<FailoverSpec> = {}) => failoverHolds(fo(inPhase(phase, [t]), spec), t.tenant);
  it('before the tenant is verified on the target its member objects are the failover\'s; between the switch and verification nothing is copied', () => {
    expect(holds('Fencing', tenant('a', { fenceRecord: 'longyun-fence' }))).toEqual({ reconcile: true, copies: false });
    expect(holds('FinalSync', tenant('a', { state: 'Fenced' }))).toEqual({ reconcile: true, copies: false });
    // In Switching the Tenant may show the switch before the failover records it.
    expect(holds('Switching', tenant('a', { state: 'Synced' }))).toEqual({ reconcile: true, copies: true });
    expect(holds('Promoting', tenant('a', { state: 'Switched', epochAfter: 2 }))).toEqual({ reconcile: true, copies: true });
    expect(holds('Verifying', tenant('a', { state: 'Promoted', epochAfter: 2 }))).toEqual({ reconcile: true, copies: true });
    expect(holds('Reprotecting', tenant('a', { state: 'Verified', epochAfter: 2 }))).toEqual({ reconcile: false, copies: false });
  });
  it('after an emergency switch nothing is copied into the old source until its lost+found is recorded', () => {
    const verified = tenant('a', { state: 'Verified', epochAfter: 2 });
    expect(holds('Reprotecting', verified, { type: 'emergency' })).toEqual({ reconcile: false, copies: false, copiesInto: 'gansu-provincial' });
    expect(holds('Reprotecting', tenantLostAndFound(verified, 'a-lost-123456', [], T0), { type: 'emergency' })).toEqual({ reconcile: false, copies: false });
    // Nothing lost: no quarantine namespace, and no empty string in its place (a custom resource's merge patch takes "" for null).
    expect(tenantLostAndFound(verified, undefined, [], T0).lostAndFound).toEqual({ objects: [] });
    // Before the switch an emergency failover has touched nothing.
    expect(holds('Precheck', tenant('a'), { type: 'emergency' })).toEqual({ reconcile: true, copies: false });
  });
  it('holds nothing once finished, for a dry run, or for a tenant it does not cover', () => {
    expect(holds('Succeeded', tenant('a', { state: 'Reprotected' }))).toEqual({ reconcile: false, copies: false });
    expect(holds('Precheck', tenant('a'), { dryRun: true })).toEqual({ reconcile: false, copies: false });
    expect(failoverHolds(fo(inPhase('Fencing', [tenant('a')])), 'other')).toEqual({ reconcile: false, copies: false });
  });
});
