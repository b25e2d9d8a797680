import { describe, expect, it, vi } from 'vitest';
import type { Failover } from '../../controllers/dr/failover-types.js';
import { GANSU_DIR } from '../../topology/estate.test-helpers.js';
import { loadEstate } from '../../topology/load.js';
import { fakeApi } from './drill-api.test-helpers.js';
import { defaultFailoverName, failbackStart, failoverAbort, failoverList, failoverPlanLines, failoverStart, failoverWaitLines } from './dr-failover.js';
import { EMERGENCY, fakeValidator } from './failover-api.test-helpers.js';
import { failoverRequest } from './failover-request.js';

const estate = loadEstate(GANSU_DIR);
const NOW = new Date('2026-12-02T04:00:00Z');
const HEALTH = { tenant: 'health-records', from: 'gansu-provincial', to: 'gansu-provincial-remote-dr', rtoTargetSeconds: 14_400, rpoTargetSeconds: 900 };
const base = { estate: GANSU_DIR, output: 'table' as const };
const failover = { ...base, to: 'remote-dr', planned: true };

/** What a command writes to stdout and stderr, in order, each. */
async function outputOf(run: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
  try {
    return { code: await run(), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('failoverRequest: the flags alone', () => {
  it('makes the spec: one scope, --to and the type for a failover; home and planned for a failback', () => {
    expect(failoverRequest('failover', { tenant: ['a', 'b', 'a'], to: 'remote-dr', emergency: true, dryRun: true })).toEqual({ scope: { tenants: ['a', 'b'] }, direction: 'failover', to: 'remote-dr', type: 'emergency', dryRun: true });
    expect(failoverRequest('failover', { node: 'gansu-provincial', to: 'same-city-dr', planned: true })).toEqual({ scope: { node: 'gansu-provincial' }, direction: 'failover', to: 'same-city-dr', type: 'planned' });
    expect(failoverRequest('failback', { centre: 'production' })).toEqual({ scope: { centre: 'production' }, direction: 'failback', type: 'planned' });
  });

  it('refuses, as usage errors, anything but exactly one scope, a missing or unknown --to, both or neither type, --to or --emergency on a failback, a bad --name', () => {
    const usage = (f: () => unknown, msg: string | RegExp) => expect(f).toThrow(expect.objectContaining({ name: 'UsageError', message: expect.stringMatching(msg) }));
    usage(() => failoverRequest('failover', { to: 'remote-dr', planned: true }), /^longyun dr failover needs exactly one of --tenant \(repeatable\), --node and --centre, got none/);
    usage(() => failoverRequest('failback', { tenant: ['a'], node: 'n' }), /got --tenant and --node/);
    usage(() => failoverRequest('failover', { tenant: ['a'], planned: true }), /needs --to same-city-dr or --to remote-dr/);
    usage(() => failoverRequest('failover', { tenant: ['a'], to: 'remote', planned: true }), /--to must be same-city-dr or remote-dr, got "remote"/);
    usage(() => failoverRequest('failover', { tenant: ['a'], to: 'remote-dr' }), /exactly one of --planned .* and --emergency .*, got neither$/);
    usage(() => failoverRequest('failover', { tenant: ['a'], to: 'remote-dr', planned: true, emergency: true }), /got both$/);
    usage(() => failoverRequest('failback', { tenant: ['a'], to: 'remote-dr' }), /takes no --to: a failback goes to each tenant's home/);
    usage(() => failoverRequest('failback', { tenant: ['a'], emergency: true }), /a failback is always planned/);
    usage(() => failoverRequest('failover', { tenant: ['a'], to: 'remote-dr', planned: true, name: 'Big_Move' }), /--name must be a Kubernetes object name/);
  });
});

describe('dr failover / failback', () => {
  it('checks the request with the validator, then creates the Failover named after the UTC time, requested by the kubeconfig user, with the note', async () => {
    const api = fakeApi({ tenants: [{ metadata: { name: 'health-records' } }], cloudnodes: [{ metadata: { name: 'gansu-provincial' } }] }, NOW);
    const validate = fakeValidator([HEALTH]);
    const { code, out, err } = await outputOf(() => failoverStart({ ...failover, tenant: ['health-records'], note: 'CHG-412' }, { api, estate, validate }));
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(defaultFailoverName(NOW)).toBe('failover-20261202-040000');
    expect(out).toBe('failover/failover-20261202-040000 created: 1 tenant to remote-dr, planned (health-records); follow it with "longyun dr failover get failover-20261202-040000"\n');
    expect(validate.calls).toHaveLength(1);
    expect(validate.calls[0]![0]).toEqual({ scope: { tenants: ['health-records'] }, direction: 'failover', to: 'remote-dr', type: 'planned' });
    expect(validate.calls[0]![1]).toMatchObject({ estate, tenants: [{ metadata: { name: 'health-records' } }], nodes: [{ metadata: { name: 'gansu-provincial' } }], now: NOW });
    expect(api.store.failovers.get('failover-20261202-040000')).toEqual(
      expect.objectContaining({
        apiVersion: 'longyun.io/v1alpha1',
        kind: 'Failover',
        spec: { scope: { tenants: ['health-records'] }, direction: 'failover', to: 'remote-dr', type: 'planned', requestedBy: 'sre-wang', notes: [{ at: '2026-12-02T04:00:00.000Z', by: 'sre-wang', text: 'CHG-412' }] },
      }),
    );
  });

  it('a failback: direction failback, planned, no --to, named failback-…', async () => {
    const api = fakeApi({}, NOW);
    const validate = fakeValidator([{ ...HEALTH, from: HEALTH.to, to: HEALTH.from }]);
    const { out } = await outputOf(() => failbackStart({ ...base, tenant: ['health-records'] }, { api, estate, validate }));
    expect(out).toBe('failover/failback-20261202-040000 created: 1 tenant home, planned (health-records); follow it with "longyun dr failover get failback-20261202-040000"\n');
    expect((api.store.failovers.get('failback-20261202-040000') as unknown as Failover).spec).toEqual({ scope: { tenants: ['health-records'] }, direction: 'failback', type: 'planned', requestedBy: 'sre-wang' });
  });

  it('bad flags are usage errors before the cluster is asked anything', async () => {
    const api = fakeApi({}, NOW);
    const validate = fakeValidator([HEALTH]);
    await expect(failoverStart({ ...base, tenant: ['health-records'], to: 'remote-dr' }, { api, estate, validate })).rejects.toThrow(expect.objectContaining({ name: 'UsageError' }));
    expect(validate.calls).toHaveLength(0);
    expect(api.store.failovers.size).toBe(0);
  });

  it('refuses with every cluster-state problem, naming the flag or the tenant, and creates nothing', async () => {
    const api = fakeApi({}, NOW);
    const validate = fakeValidator([], [
      { field: 'spec.scope.tenants[1]', message: 'tenant "roads" not found (did you mean "roads-gansu"?)' },
      { tenant: 'health-records', field: 'status.operation', message: 'tenant health-records is in FailoverDrill drill-1 since 2026-12-02T03:00:00Z: wait for it, or `longyun dr drill abort drill-1`' },
      { field: 'spec.to', message: 'no DR plan names remote-dr' },
    ]);
    await expect(failoverStart({ ...failover, tenant: ['health-records', 'roads'], emergency: true, planned: false }, { api, estate, validate })).rejects.toThrow(
      'the failover cannot start (3 problems); nothing was created:\n' +
        '  --tenant roads: tenant "roads" not found (did you mean "roads-gansu"?)\n' +
        '  tenant health-records status.operation: tenant health-records is in FailoverDrill drill-1 since 2026-12-02T03:00:00Z: wait for it, or `longyun dr drill abort drill-1`\n' +
        '  --to remote-dr: no DR plan names remote-dr',
    );
    expect(api.store.failovers.size).toBe(0);
  });

  it('--wait on an emergency failover stops once every tenant is active on the target: reprotecting waits for the old source, which may be days', async () => {
    const { awaitingOldSource } = await import('./dr-failover.js');
    const f = (type: 'planned' | 'emergency', phase: 'Verifying' | 'Reprotecting', states: Array<'Verified' | 'Promoted' | 'Failed'>) =>
      ({ apiVersion: 'longyun.io/v1alpha1', kind: 'Failover', metadata: { name: 'f' }, spec: { scope: { tenants: ['a'] }, direction: 'failover', to: 'same-city-dr', type }, status: { phase, tenants: states.map((state, i) => ({ tenant: `t${i}`, from: 'p', to: 's', state, rtoTargetSeconds: 60, rpoTargetSeconds: 60 })) } }) as never;
    expect(awaitingOldSource(f('emergency', 'Reprotecting', ['Verified', 'Failed']))).toBe(true);
    expect(awaitingOldSource(f('emergency', 'Reprotecting', ['Verified', 'Promoted']))).toBe(false);
    expect(awaitingOldSource(f('emergency', 'Verifying', ['Verified']))).toBe(false);
    expect(awaitingOldSource(f('planned', 'Reprotecting', ['Verified']))).toBe(false);
  });

  it('without a validator the production one (resolveFailoverScope) checks the request against the cluster\'s state, and nothing is created on a problem', async () => {
    const api = fakeApi({}, NOW);
    // The in-memory cluster has no such tenant: resolveFailoverScope says so, with the closest names.
    await expect(failoverStart({ ...failover, tenant: ['no-such-tenant'] }, { api, estate })).rejects.toThrow(/no-such-tenant.*not found/);
    expect(api.store.failovers.size).toBe(0);
  });

  it('an emergency failover warns, once and before creating, that production is presumed gone and the RPO is the recovery point\'s age', async () => {
    const api = fakeApi({}, NOW);
    const create = api.create;
    let errBeforeCreate = '';
    api.create = async (plural, obj) => {
      errBeforeCreate = vi.mocked(process.stderr.write).mock.calls.map((c) => String(c[0])).join('');
      return create(plural, obj);
    };
    const { code, err } = await outputOf(() => failoverStart({ ...base, node: 'gansu-provincial', to: 'remote-dr', emergency: true }, { api, estate, validate: fakeValidator([HEALTH]) }));
    expect(code).toBe(0);
    expect(err).toBe("warning: emergency failover: production (gansu-provincial) is presumed gone and is not fenced now; each tenant's RPO will be its recovery point's age\n");
    expect(errBeforeCreate).toBe(err);
    expect(api.store.failovers.size).toBe(1);
    const planned = await outputOf(() => failoverStart({ ...failover, node: 'gansu-provincial', name: 'p' }, { api, estate, validate: fakeValidator([HEALTH]) }));
    expect(planned.err).toBe('');
  });

  it('--wait prints a line per phase and per tenant change until it ends; exit 0 only on Succeeded; -o json the final Failover', async () => {
    const run = async (end: 'Succeeded' | 'RolledBack', output: 'table' | 'json') => {
      const api = fakeApi({}, NOW);
      const steps: ((f: Failover) => void)[] = [
        (f) =>
          (f.status = {
            phase: 'Fencing',
            transitions: [{ phase: 'Pending', at: '2026-12-02T04:00:00Z' }, { phase: 'Precheck', at: '2026-12-02T04:00:00.2Z' }, { phase: 'Fencing', at: '2026-12-02T04:00:00.4Z' }],
            tenants: [{ ...HEALTH, state: 'Pending' }],
          }),
        end === 'Succeeded'
          ? (f) => {
              f.status!.phase = 'Succeeded';
              f.status!.transitions!.push({ phase: 'FinalSync', at: '2026-12-02T04:00:01Z' }, { phase: 'Switching', at: '2026-12-02T04:00:02Z' }, { phase: 'Promoting', at: '2026-12-02T04:00:02.5Z' }, { phase: 'Verifying', at: '2026-12-02T04:00:06Z' }, { phase: 'Reprotecting', at: '2026-12-02T04:00:08Z' }, { phase: 'Succeeded', at: '2026-12-02T04:00:09Z' });
              f.status!.tenants![0] = { ...f.status!.tenants![0]!, state: 'Verified', rtoSeconds: 7.5, rpoSeconds: 0, rtoMet: true, rpoMet: true };
            }
          : (f) => {
              f.status!.phase = 'RolledBack';
              f.status!.reason = 'Aborted';
              f.status!.message = 'abort requested';
              f.status!.transitions!.push({ phase: 'RolledBack', at: '2026-12-02T04:00:01.5Z' });
              f.status!.tenants![0] = { ...f.status!.tenants![0]!, state: 'RolledBack', message: 'unfenced from longyun-fence' };
            },
      ];
      api.onSleep = () => steps.shift()?.(api.store.failovers.get('f1') as unknown as Failover);
      return outputOf(() => failoverStart({ ...failover, output, tenant: ['health-records'], name: 'f1', wait: true }, { api, estate, validate: fakeValidator([HEALTH]) }));
    };
    const ok = await run('Succeeded', 'table');
    expect(ok.code).toBe(0);
    expect(ok.out.split('\n')).toEqual([
      'failover/f1 created: 1 tenant to remote-dr, planned',
      '   0.0s  phase Pending',
      '   0.2s  phase Precheck',
      '   0.4s  phase Fencing',
      '   1.0s  phase FinalSync',
      '   2.0s  phase Switching',
      '   2.5s  phase Promoting',
      '   6.0s  phase Verifying',
      '   7.5s  health-records  Verified  RTO 7.5s / 4h target ✓ · RPO 0.0s / 15m target ✓',
      '   8.0s  phase Reprotecting',
      '   9.0s  phase Succeeded',
      '',
    ]);
    const back = await run('RolledBack', 'json');
    expect(back.code).toBe(1);
    expect(back.err).toContain('   1.5s  phase RolledBack: Aborted: abort requested\n');
    expect(back.err).toContain('health-records  RolledBack  unfenced from longyun-fence\n');
    expect((JSON.parse(back.out) as Failover).status!.phase).toBe('RolledBack');
  });

  it('--dry-run sets spec.dryRun, waits without --wait, prints each tenant\'s plan; exit 1 when the dry run did not succeed', async () => {
    const api = fakeApi({}, NOW);
    api.onSleep = () => {
      const f = api.store.failovers.get('dry') as unknown as Failover;
      f.status = {
        phase: 'Succeeded',
        transitions: [{ phase: 'Pending', at: '2026-12-02T04:00:00Z' }, { phase: 'Precheck', at: '2026-12-02T04:00:00.2Z' }, { phase: 'Succeeded', at: '2026-12-02T04:00:00.4Z' }],
        tenants: [{ ...HEALTH, state: 'Pending', plan: [{ kind: 'fence', on: 'gansu-provincial', description: 'scale 3 workloads to 0, remove 2 Services and 1 network attachment (recorded in longyun-fence)' }, { kind: 'switch', on: 'management', description: 'activeNode gansu-provincial-remote-dr, epoch 1 → 2' }] }],
      };
    };
    const { code, out } = await outputOf(() => failoverStart({ ...failover, tenant: ['health-records'], name: 'dry', dryRun: true }, { api, estate, validate: fakeValidator([HEALTH]) }));
    expect(code).toBe(0);
    expect((api.store.failovers.get('dry') as unknown as Failover).spec.dryRun).toBe(true);
    expect(out).toBe(
      [
        'failover/dry created: 1 tenant to remote-dr, planned, dry run',
        'dry run dry: nothing was changed; the plan (1 tenant, planned):',
        'health-records  gansu-provincial → gansu-provincial-remote-dr',
        '  1. fence on gansu-provincial: scale 3 workloads to 0, remove 2 Services and 1 network attachment (recorded in longyun-fence)',
        '  2. switch on management: activeNode gansu-provincial-remote-dr, epoch 1 → 2',
        '',
      ].join('\n'),
    );
    expect(failoverPlanLines({ ...EMERGENCY, spec: { ...EMERGENCY.spec, dryRun: true } })).toEqual([
      'dry run failover-20261202-040000 ended Failed: TenantsFailed: 1 of 2 tenants failed verification; nothing was changed',
      '  gansu-transport: 1 object differs from the recovery point',
    ]);
  });
});

describe('failoverWaitLines', () => {
  it('prints only what changed: a verified tenant with RTO and RPO against targets, a failed one with its message, a failed end with its reason', () => {
    const prev = structuredClone(EMERGENCY);
    prev.status!.phase = 'Verifying';
    prev.status!.transitions = prev.status!.transitions!.slice(0, 5);
    prev.status!.tenants = prev.status!.tenants!.map((t) => ({ ...t, state: 'Promoted' }));
    expect(failoverWaitLines(prev, EMERGENCY, Date.parse('2026-12-02T04:00:00Z'), Date.parse('2026-12-02T04:00:21Z'))).toEqual([
      '  15.0s  phase Reprotecting',
      // Seen at 21 s, shown no later than the end they led to.
      '  20.0s  health-records  Reprotected  gansu-provincial is a standby of gansu-provincial-remote-dr',
      '  20.0s  gansu-transport  Failed  1 object differs from the recovery point',
      '  20.0s  phase Failed: TenantsFailed: 1 of 2 tenants failed verification',
    ]);
    const verified = structuredClone(prev);
    verified.status!.tenants![0]!.state = 'Verified';
    expect(failoverWaitLines(prev, verified, Date.parse('2026-12-02T04:00:00Z'), Date.parse('2026-12-02T04:00:13Z'))).toEqual(['  12.8s  health-records  Verified  RTO 12.3s / 4h target ✓ · RPO 15.0s / 15m target ✓']);
    // RTO counts from the failover's start (Precheck: 0.5 s after it was asked for in the fixture, 0.4 s here).
    const later = structuredClone(verified);
    later.status!.startedAt = '2026-12-02T04:00:00.400Z';
    expect(failoverWaitLines(prev, later, Date.parse('2026-12-02T04:00:00Z'), Date.parse('2026-12-02T04:00:13Z'))).toEqual(['  12.7s  health-records  Verified  RTO 12.3s / 4h target ✓ · RPO 15.0s / 15m target ✓']);
    const slow = structuredClone(prev);
    slow.status!.tenants![1]!.state = 'Verified';
    expect(failoverWaitLines(prev, slow, Date.parse('2026-12-02T04:00:00.5Z'), 0)).toEqual([' 1m 15s  gansu-transport  Verified  RTO 1m 15s / 1m target ✗ · RPO 31.0s / 15m target ✓']);
    expect(failoverWaitLines(EMERGENCY, EMERGENCY, 0, 0)).toEqual([]);
  });
});

describe('dr failover abort, list', () => {
  it('abort refuses a finished failover with its phase; sets spec.abort on a running one; warns at or after Switching', async () => {
    const api = fakeApi({ failovers: [EMERGENCY, { ...EMERGENCY, metadata: { name: 'fencing' }, status: { phase: 'Fencing' } } satisfies Failover, { ...EMERGENCY, metadata: { name: 'promoting' }, status: { phase: 'Promoting' } } satisfies Failover] }, NOW);
    await expect(failoverAbort('failover-20261202-040000', { output: 'table' }, { api })).rejects.toThrow('failover "failover-20261202-040000" already finished (phase Failed): there is nothing to abort');
    await expect(failoverAbort('fencng', { output: 'table' }, { api })).rejects.toThrow('failover "fencng" not found (did you mean "fencing"?)');
    const before = await outputOf(() => failoverAbort('fencing', { output: 'table' }, { api }));
    expect(before.out).toBe('failover/fencing abort requested (phase Fencing): the operator rolls back to the source (unfenced from its fence record) and ends it RolledBack\n');
    expect(before.err).toBe('');
    const after = await outputOf(() => failoverAbort('promoting', { output: 'table' }, { api }));
    expect(after.err).toBe('warning: failover "promoting" is at Promoting: at or after Switching the operator refuses an abort and completes the failover (the tenants keep one active copy, on the new node)\n');
    expect(after.out).toContain('the operator will refuse it and complete the failover');
    expect(api.patches).toEqual([
      { plural: 'failovers', name: 'fencing', patch: { spec: { abort: true } } },
      { plural: 'failovers', name: 'promoting', patch: { spec: { abort: true } } },
    ]);
  });

  it('list: a table off a terminal; -o json the Failovers by name', async () => {
    const api = fakeApi({ failovers: [EMERGENCY, { ...EMERGENCY, metadata: { name: 'a-first' }, status: undefined }] }, new Date('2026-12-02T06:00:00Z'));
    const { out } = await outputOf(() => failoverList({ output: 'table' }, { api }));
    expect(out.split('\n')[0]).toMatch(/^NAME\s+DIRECTION\s+TYPE\s+PHASE\s+SCOPE\s+FROM→TO\s+TENANTS\s+VERIFIED\s+MAX RTO\s+MAX RPO\s+STARTED\s+AGE$/);
    const json = JSON.parse((await outputOf(() => failoverList({ output: 'json' }, { api }))).out) as Failover[];
    expect(json.map((f) => f.metadata.name)).toEqual(['a-first', 'failover-20261202-040000']);
  });
});
