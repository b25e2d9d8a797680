import { describe, expect, it, vi } from 'vitest';
import type { ScopeNode, ScopeTenant } from '../../controllers/dr/drill-scope.js';
import type { FailoverDrill } from '../../controllers/dr/drill-types.js';
import { PARTIAL } from '../../controllers/dr/drill-types.test-helpers.js';
import { GANSU_DIR } from '../../topology/estate.test-helpers.js';
import { loadEstate } from '../../topology/load.js';
import { fakeApi } from './drill-api.test-helpers.js';
import { defaultDrillName, drillAbort, drillCleanup, drillList, drillReportCommand, drillStart, drillWaitLines } from './dr-drill.js';

const estate = loadEstate(GANSU_DIR);
const NOW = new Date('2026-12-02T04:00:00Z');
const A = `sha256:${'a'.repeat(64)}`;
const HEALTH: ScopeTenant = {
  metadata: { name: 'health-records' },
  spec: { dr: { rpoMinutes: 15, rtoMinutes: 240, centres: ['same-city-dr', 'remote-dr'] } },
  status: { node: 'gansu-provincial', phase: 'Ready', dr: { rpoScope: 'objects', rpoSeconds: 900, standbys: [{ centre: 'remote-dr', node: 'gansu-provincial-remote-dr', state: 'Current', recoveryPoint: '2026-12-02T03:59:48Z', digest: A, sourceDigest: A }] } },
};
const NODES: ScopeNode[] = [{ metadata: { name: 'gansu-provincial' }, spec: { datacentre: 'dc-lanzhou-production' } }, { metadata: { name: 'gansu-provincial-remote-dr' }, spec: { role: 'standby', datacentre: 'dc-qingyang-dr' } }];
const start = { estate: GANSU_DIR, output: 'table' as const, to: 'remote-dr' as const };

async function stdoutOf(run: () => Promise<number>): Promise<{ code: number; out: string }> {
  let out = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    return { code: await run(), out };
  } finally {
    write.mockRestore();
  }
}

describe('dr drill start', () => {
  it('checks the request, then creates the FailoverDrill named after the UTC time, requested by the kubeconfig user, with the note', async () => {
    const api = fakeApi({ tenants: [HEALTH], cloudnodes: NODES }, NOW);
    const { code, out } = await stdoutOf(() => drillStart({ ...start, tenant: ['health-records'], note: 'quarterly' }, { api, estate }));
    expect(code).toBe(0);
    expect(defaultDrillName(NOW)).toBe('drill-20261202-040000');
    expect(out).toBe('failoverdrill/drill-20261202-040000 created: 1 tenant to remote-dr (health-records); follow it with "longyun dr drill get drill-20261202-040000"\n');
    expect(api.store.failoverdrills.get('drill-20261202-040000')).toMatchObject({
      apiVersion: 'longyun.io/v1alpha1',
      kind: 'FailoverDrill',
      spec: { scope: { tenants: ['health-records'] }, to: 'remote-dr', requestedBy: 'sre-wang', notes: [{ at: '2026-12-02T04:00:00.000Z', by: 'sre-wang', text: 'quarterly' }] },
    });
  });

  it('refuses with every problem, naming the flag, and creates nothing', async () => {
    const api = fakeApi({ tenants: [HEALTH], cloudnodes: NODES }, NOW);
    await expect(drillStart({ ...start, tenant: ['health-record', 'roads'], name: 'x' }, { api, estate })).rejects.toThrow(
      'the drill cannot start (2 problems); nothing was created:\n  --tenant health-record: tenant "health-record" not found (did you mean "health-records"?)',
    );
    await expect(drillStart({ ...start, centre: 'dc-qingyang' }, { api, estate })).rejects.toThrow(/--centre dc-qingyang: data centre "dc-qingyang" not found .*did you mean "dc-qingyang-dr"/);
    const busy = { ...HEALTH, status: { ...HEALTH.status!, operation: { kind: 'FailoverDrill' as const, name: 'drill-1', since: '2026-12-02T03:00:00Z' } } };
    await expect(drillStart({ ...start, node: 'gansu-provincial' }, { api: fakeApi({ tenants: [busy], cloudnodes: NODES }, NOW), estate })).rejects.toThrow(
      '  tenant health-records status.operation: tenant health-records is in FailoverDrill drill-1 since 2026-12-02T03:00:00Z: wait for it, or `longyun dr drill abort drill-1`',
    );
    expect(api.store.failoverdrills.size).toBe(0);
  });

  it('--wait prints a line per phase and per tenant change until the drill ends; exit 0 only on Succeeded; -o json the final drill', async () => {
    const api = fakeApi({ tenants: [HEALTH], cloudnodes: NODES }, NOW);
    const steps: ((d: FailoverDrill) => void)[] = [
      (d) => (d.status = { phase: 'Restoring', transitions: [{ phase: 'Pending', at: '2026-12-02T04:00:00Z' }, { phase: 'Precheck', at: '2026-12-02T04:00:00.2Z' }, { phase: 'Restoring', at: '2026-12-02T04:00:00.5Z' }], tenants: [{ tenant: 'health-records', state: 'Restoring', rtoTargetSeconds: 14_400, rpoTargetSeconds: 900 }] }),
      (d) => {
        d.status!.phase = 'Succeeded';
        d.status!.transitions!.push({ phase: 'Verifying', at: '2026-12-02T04:00:05Z' }, { phase: 'CleaningUp', at: '2026-12-02T04:00:12.5Z' }, { phase: 'Succeeded', at: '2026-12-02T04:00:13Z' });
        d.status!.tenants![0] = { ...d.status!.tenants![0]!, state: 'Verified', rtoSeconds: 12.3, rtoMet: true };
      },
    ];
    api.onSleep = () => {
      const d = api.store.failoverdrills.get('d1') as FailoverDrill;
      steps.shift()?.(d);
    };
    const { code, out } = await stdoutOf(() => drillStart({ ...start, tenant: ['health-records'], name: 'd1', wait: true }, { api, estate }));
    expect(code).toBe(0);
    expect(out.split('\n')).toEqual([
      'failoverdrill/d1 created: 1 tenant to remote-dr',
      '   0.0s  phase Pending',
      '   0.2s  phase Precheck',
      '   0.5s  phase Restoring',
      '   0.5s  health-records  Restoring  0.5s / 4h RTO target',
      '   5.0s  phase Verifying',
      '  12.3s  health-records  Verified  RTO 12.3s / 4h target ✓',
      '  12.5s  phase CleaningUp',
      '  13.0s  phase Succeeded',
      '',
    ]);
  });
});

describe('drillWaitLines', () => {
  it('prints only what changed, a failed tenant with its message, a terminal phase with its reason', () => {
    const prev = structuredClone(PARTIAL);
    prev.status!.phase = 'Verifying';
    prev.status!.transitions = prev.status!.transitions!.slice(0, 4);
    prev.status!.tenants = prev.status!.tenants!.map((t) => ({ ...t, state: 'Verifying' }));
    expect(drillWaitLines(prev, PARTIAL, Date.parse('2026-12-02T04:00:00Z'), Date.parse('2026-12-02T04:01:31Z'))).toEqual([
      '  12.3s  health-records  Verified  RTO 12.3s / 4h target ✓',
      ' 1m 20s  phase CleaningUp',
      ' 1m 30s  phase PartiallySucceeded: TenantsFailed: 1 of 2 tenants failed verification',
      ' 1m 31s  gansu-transport  Failed  1 object differs from the recovery point',
    ]);
    expect(drillWaitLines(PARTIAL, PARTIAL, 0, 0)).toEqual([]);
  });
});

describe('dr drill list, abort, cleanup, report', () => {
  it('list: a table with phase, scope, tenants verified and the worst RTO and RPO', async () => {
    const { out } = await stdoutOf(() => drillList({ output: 'table' }, { api: fakeApi({ failoverdrills: [PARTIAL] }, new Date('2026-12-02T06:00:00Z')) }));
    expect(out.split('\n')[0]).toMatch(/^NAME\s+PHASE\s+SCOPE\s+TO\s+TENANTS\s+VERIFIED\s+MAX RTO\s+MAX RPO\s+STARTED\s+AGE$/);
    expect(out.split('\n')[1]).toMatch(/^drill-20261202-040000\s+PartiallySucceeded\s+tenants gansu-transport, health-records\s+remote-dr\s+2\s+1\/2\s+1m 15s ✗\s+31s\s+2026-12-02 04:00:01Z\s+2h 00m$/);
  });

  it('abort refuses a finished drill with its phase; sets spec.abort on a running one', async () => {
    const api = fakeApi({ failoverdrills: [PARTIAL, { ...PARTIAL, metadata: { name: 'running' }, status: { phase: 'Restoring' } } satisfies FailoverDrill] }, NOW);
    await expect(drillAbort('drill-20261202-040000', { output: 'table' }, { api })).rejects.toThrow('drill "drill-20261202-040000" already finished (phase PartiallySucceeded): there is nothing to abort');
    await expect(drillAbort('runing', { output: 'table' }, { api })).rejects.toThrow('drill "runing" not found (did you mean "running"?)');
    expect((await stdoutOf(() => drillAbort('running', { output: 'table' }, { api }))).out).toContain('failoverdrill/running abort requested (phase Restoring)');
    expect(api.patches).toEqual([{ plural: 'failoverdrills', name: 'running', patch: { spec: { abort: true } } }]);
  });

  it('cleanup sets spec.cleanup on a kept drill only', async () => {
    const kept = { ...PARTIAL, metadata: { name: 'kept' }, status: { ...PARTIAL.status!, cleanup: { state: 'Kept' as const, namespaces: ['ns-a'] } } };
    const api = fakeApi({ failoverdrills: [PARTIAL, kept] }, NOW);
    await expect(drillCleanup('drill-20261202-040000', { output: 'table' }, { api })).rejects.toThrow('is already cleaned up (at 2026-12-02T04:01:29Z)');
    expect((await stdoutOf(() => drillCleanup('kept', { output: 'table' }, { api }))).out).toBe('failoverdrill/kept cleanup requested: the operator deletes its namespaces (ns-a)\n');
    expect(api.patches[0]!.patch).toEqual({ spec: { cleanup: true } });
  });

  it('report: a finished drill\'s from its ConfigMap, --note refused; a running drill\'s provisional, --note appended', async () => {
    const running: FailoverDrill = { ...PARTIAL, metadata: { ...PARTIAL.metadata, name: 'running' }, status: { ...PARTIAL.status!, phase: 'Verifying' } };
    const api = fakeApi({ failoverdrills: [PARTIAL, running] }, NOW);
    api.configMaps.set('longyun-system/drill-report-drill-20261202-040000', { data: { 'report.md': '# the report\n', 'report.json': '{"name":"x"}' } });
    expect((await stdoutOf(() => drillReportCommand('drill-20261202-040000', { output: 'markdown' }, { api }))).out).toBe('# the report\n');
    expect((await stdoutOf(() => drillReportCommand('drill-20261202-040000', { output: 'json' }, { api }))).out).toBe('{"name":"x"}\n');
    await expect(drillReportCommand('drill-20261202-040000', { output: 'markdown', note: 'late' }, { api })).rejects.toThrow('its report is immutable');
    await expect(drillReportCommand('drill-20261202-040000', { output: 'markdown', namespace: 'elsewhere' }, { api })).rejects.toThrow('report ConfigMap elsewhere/drill-report-drill-20261202-040000 is not there');
    const { out } = await stdoutOf(() => drillReportCommand('running', { output: 'markdown', note: 'firewall change CHG-311' }, { api }));
    expect(out).toContain('# DR drill running (provisional)');
    expect(out).toContain('- 2026-12-02T04:00:00.000Z (sre-wang): firewall change CHG-311');
    expect((api.store.failoverdrills.get('running') as FailoverDrill).spec.notes).toHaveLength(2);
  });
});
