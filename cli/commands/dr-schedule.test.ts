import { describe, expect, it, vi } from 'vitest';
import type { ScopeNode, ScopeTenant } from '../../controllers/dr/drill-scope.js';
import type { DrillSchedule } from '../../controllers/dr/drill-types.js';
import { GANSU_DIR } from '../../topology/estate.test-helpers.js';
import { loadEstate } from '../../topology/load.js';
import { fakeApi } from './drill-api.test-helpers.js';
import { scheduleCreate, scheduleDelete, scheduleGet, scheduleList, scheduleResume, scheduleSuspend } from './dr-schedule.js';

const estate = loadEstate(GANSU_DIR);
const NOW = new Date('2026-12-02T04:00:00Z');
// No standby copy reported, and busy: a drill now would be refused, a schedule is not.
const HEALTH: ScopeTenant = {
  metadata: { name: 'health-records' },
  spec: { dr: { rpoMinutes: 15, rtoMinutes: 240, centres: ['remote-dr'] } },
  status: { node: 'gansu-provincial', phase: 'Ready', operation: { kind: 'FailoverDrill', name: 'drill-1', since: '2026-12-02T03:00:00Z' } },
};
const NODES: ScopeNode[] = [{ metadata: { name: 'gansu-provincial' }, spec: { datacentre: 'dc-lanzhou-production' } }];
const create = { estate: GANSU_DIR, output: 'table' as const, to: 'remote-dr' as const };

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

describe('dr schedule create', () => {
  it('creates the DrillSchedule from the flags and prints when the first drill is due; copy freshness and busy tenants are left to each drill', async () => {
    const api = fakeApi({ tenants: [HEALTH], cloudnodes: NODES }, NOW);
    const { code, out } = await stdoutOf(() => scheduleCreate('weekly', { ...create, cron: '0 3 * * 1', tenant: ['health-records'], keep: true, note: 'GB/T 20988', successfulHistory: '2', failedHistory: '0' }, { api, estate }));
    expect(code).toBe(0);
    // 2026-12-02 is a Wednesday: the next Monday 03:00 UTC
    expect(out).toBe('drillschedule/weekly created (0 3 * * 1, to remote-dr); next drill due 2026-12-07 03:00:00Z\n');
    expect(api.store.drillschedules.get('weekly')).toMatchObject({
      apiVersion: 'longyun.io/v1alpha1',
      kind: 'DrillSchedule',
      spec: { schedule: '0 3 * * 1', successfulHistoryLimit: 2, failedHistoryLimit: 0, template: { scope: { tenants: ['health-records'] }, to: 'remote-dr', keep: true, notes: [{ at: '2026-12-02T04:00:00.000Z', by: 'sre-wang', text: 'GB/T 20988' }] } },
    });
    expect((api.store.drillschedules.get('weekly') as DrillSchedule).spec).not.toHaveProperty('every');
    const every = await stdoutOf(() => scheduleCreate('smoke', { ...create, every: '30s', node: 'gansu-provincial', suspend: true }, { api, estate }));
    expect(every.out).toBe('drillschedule/smoke created (every 30s, to remote-dr); suspended: no drill starts until "longyun dr schedule resume smoke" (it would next be due 2026-12-02 04:00:30Z)\n');
    expect((api.store.drillschedules.get('smoke') as DrillSchedule).spec).toEqual({ every: '30s', suspend: true, template: { scope: { node: 'gansu-provincial' }, to: 'remote-dr' } });
  });

  it('needs exactly one of --cron and --every, each well formed, and names the flag with an example', async () => {
    const api = fakeApi({ tenants: [HEALTH], cloudnodes: NODES }, NOW);
    const t = { ...create, tenant: ['health-records'] };
    await expect(scheduleCreate('s', t, { api, estate })).rejects.toThrow('exactly one of --cron (cron, e.g. "0 3 * * 1": 03:00 UTC every Monday) and --every (e.g. "30s", "7d"); neither is set');
    await expect(scheduleCreate('s', { ...t, cron: '0 3 * * 1', every: '1h' }, { api, estate })).rejects.toThrow('both are set');
    await expect(scheduleCreate('s', { ...t, every: '30 s' }, { api, estate })).rejects.toThrow('--every "30 s" is not an interval: a whole number and a unit s, m, h or d, e.g. "30s"');
    await expect(scheduleCreate('s', { ...t, cron: '0 3 * *' }, { api, estate })).rejects.toThrow('--cron "0 3 * *" is not a cron expression of five fields');
    await expect(scheduleCreate('s', { ...t, cron: '0 25 * * *' }, { api, estate })).rejects.toThrow(/--cron "0 25 \* \* \*" is not a valid cron expression/);
    await expect(scheduleCreate('s', { ...t, every: '1h', successfulHistory: '-1' }, { api, estate })).rejects.toThrow('--successful-history must be a whole number of drills to keep, 0 or more (e.g. --successful-history 3), got "-1"');
    expect(api.store.drillschedules.size).toBe(0);
  });

  it('refuses an unknown tenant, node or centre and a plan not naming --to, every problem with its flag; creates nothing', async () => {
    const api = fakeApi({ tenants: [HEALTH, { metadata: { name: 'roads' }, spec: {} }], cloudnodes: NODES }, NOW);
    await expect(scheduleCreate('s', { ...create, every: '1h', tenant: ['health-record', 'roads'] }, { api, estate })).rejects.toThrow(
      'the drill schedule cannot be created (2 problems); nothing was created:\n  --tenant health-record: tenant "health-record" not found (did you mean "health-records"?): "longyun dr status" lists the tenants with a DR plan\n  --tenant roads: tenant "roads" has no DR plan (spec.dr)',
    );
    await expect(scheduleCreate('s', { ...create, every: '1h', tenant: ['health-records'], to: 'same-city-dr' }, { api, estate })).rejects.toThrow(
      '  tenant health-records spec.dr.centres: tenant "health-records"\'s DR plan names remote-dr only (spec.dr.centres), not same-city-dr',
    );
    await expect(scheduleCreate('s', { ...create, every: '1h', node: 'gansu-provincal' }, { api, estate })).rejects.toThrow('--node gansu-provincal: cloud node "gansu-provincal" not found (did you mean "gansu-provincial"?)');
    await expect(scheduleCreate('s', { ...create, every: '1h', centre: 'dc-qingyang' }, { api, estate })).rejects.toThrow(/--centre dc-qingyang: data centre "dc-qingyang" not found .*did you mean "dc-qingyang-dr"/);
    await expect(scheduleCreate('s', { ...create, every: '1h', node: 'gansu-provincial', to: 'same-city-dr' }, { api, estate })).rejects.toThrow('--node gansu-provincial: no tenant on node "gansu-provincial" has a DR plan naming same-city-dr');
    expect(api.store.drillschedules.size).toBe(0);
  });

  it('a name that exists is an error naming it; nothing is changed', async () => {
    const api = fakeApi({ tenants: [HEALTH], cloudnodes: NODES }, NOW);
    await stdoutOf(() => scheduleCreate('weekly', { ...create, cron: '0 3 * * 1', tenant: ['health-records'] }, { api, estate }));
    await expect(scheduleCreate('weekly', { ...create, every: '1h', tenant: ['health-records'] }, { api, estate })).rejects.toThrow('drill schedule "weekly" already exists: pick another name, or "longyun dr schedule delete weekly" first');
    expect((api.store.drillschedules.get('weekly') as DrillSchedule).spec.schedule).toBe('0 3 * * 1');
    // Created by someone else between the look and the POST: the API's 409 reads the same.
    api.get = async () => undefined;
    await expect(scheduleCreate('weekly', { ...create, every: '1h', tenant: ['health-records'] }, { api, estate })).rejects.toThrow('drill schedule "weekly" already exists');
  });
});

const WEEKLY: DrillSchedule = {
  apiVersion: 'longyun.io/v1alpha1',
  kind: 'DrillSchedule',
  metadata: { name: 'weekly', creationTimestamp: '2026-11-01T00:00:00Z' },
  spec: { schedule: '0 3 * * 1', template: { scope: { tenants: ['health-records'] }, to: 'remote-dr' } },
  status: {
    lastScheduleTime: '2026-11-30T03:00:00Z',
    nextScheduleTime: '2026-12-07T03:00:00Z',
    active: [],
    lastDrill: { name: 'weekly-1764471600', phase: 'Succeeded', finishedAt: '2026-11-30T03:01:00Z' },
    lastSuccessfulTime: '2026-11-30T03:01:00Z',
    conditions: [{ type: 'Scheduled', status: 'True', reason: 'Scheduled', message: 'next drill at 2026-12-07T03:00:00.000Z', lastTransitionTime: '2026-11-30T03:00:00Z' }],
  },
};
const SMOKE: DrillSchedule = { ...WEEKLY, metadata: { name: 'smoke', creationTimestamp: '2026-12-02T03:59:00Z' }, spec: { every: '30s', suspend: true, template: { scope: { node: 'gansu-provincial' }, to: 'same-city-dr' } }, status: { active: ['smoke-1764647990'] } };

describe('dr schedule list, get, delete, suspend, resume', () => {
  it('list: timing, scope, target, suspended, last drill and when, next, last success, drills running', async () => {
    const { out } = await stdoutOf(() => scheduleList({ output: 'table' }, { api: fakeApi({ drillschedules: [WEEKLY, SMOKE] }, NOW) }));
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^NAME\s+SCHEDULE\s+SCOPE\s+TO\s+SUSPENDED\s+LAST\s+NEXT\s+LAST SUCCESS\s+ACTIVE$/);
    expect(lines[1]).toMatch(/^smoke\s+every 30s\s+node gansu-provincial\s+same-city-dr\s+yes\s+-\s+suspended\s+-\s+1$/);
    expect(lines[2]).toMatch(/^weekly\s+0 3 \* \* 1\s+tenants health-records\s+remote-dr\s+no\s+Succeeded 2d\s+2026-12-07 03:00:00Z\s+2d ago\s+0$/);
    const json = await stdoutOf(() => scheduleList({ output: 'json' }, { api: fakeApi({ drillschedules: [WEEKLY] }, NOW) }));
    expect((JSON.parse(json.out) as DrillSchedule[])[0]!.status!.lastDrill!.name).toBe('weekly-1764471600');
  });

  it('get: the schedule, its template, limits, last and next drill; an unknown name with the closest one', async () => {
    const api = fakeApi({ drillschedules: [WEEKLY] }, NOW);
    const { out } = await stdoutOf(() => scheduleGet('weekly', { output: 'table' }, { api }));
    expect(out).toContain('weekly 0 3 * * 1 (UTC) · created 31d ago\ndrills tenants health-records → remote-dr\nkeeps 3 successful and 1 other finished drill(s)\nnext 2026-12-07 03:00:00Z');
    expect(out).toContain('last drill weekly-1764471600 Succeeded (finished 2026-11-30 03:01:00Z) · active none');
    await expect(scheduleGet('weekley', { output: 'table' }, { api })).rejects.toThrow('drill schedule "weekley" not found (did you mean "weekly"?): "longyun dr schedule list" lists the schedules');
  });

  it('delete: the schedule goes, and says its drills go with it', async () => {
    const mine = (name: string) => ({ metadata: { name, labels: { 'longyun.io/drill-schedule': 'weekly' } } });
    const api = fakeApi({ drillschedules: [WEEKLY], failoverdrills: [mine('weekly-2'), mine('weekly-1'), { metadata: { name: 'other' } }] }, NOW);
    const { out } = await stdoutOf(() => scheduleDelete('weekly', { output: 'table' }, { api }));
    expect(out).toBe('drillschedule/weekly deleted: its 2 drills (weekly-1, weekly-2) are owned by it and deleted with it, with their reports\n');
    expect(api.store.drillschedules.size).toBe(0);
    await expect(scheduleDelete('weekly', { output: 'table' }, { api })).rejects.toThrow('drill schedule "weekly" not found');
  });

  it('suspend and resume merge-patch spec.suspend, and say what follows', async () => {
    const api = fakeApi({ drillschedules: [WEEKLY, SMOKE] }, NOW);
    expect((await stdoutOf(() => scheduleSuspend('weekly', { output: 'table' }, { api }))).out).toBe('drillschedule/weekly suspended: no drill starts until "longyun dr schedule resume weekly"\n');
    expect((await stdoutOf(() => scheduleSuspend('smoke', { output: 'table' }, { api }))).out).toBe('drillschedule/smoke is already suspended\n');
    expect((await stdoutOf(() => scheduleResume('smoke', { output: 'table' }, { api }))).out).toBe('drillschedule/smoke resumed: next drill due 2026-12-02 04:00:00Z (now: a due time passed while it was suspended)\n');
    expect(api.patches).toEqual([
      { plural: 'drillschedules', name: 'weekly', patch: { spec: { suspend: true } } },
      { plural: 'drillschedules', name: 'smoke', patch: { spec: { suspend: false } } },
    ]);
    expect((api.store.drillschedules.get('weekly') as DrillSchedule).spec.suspend).toBe(true);
  });
});
