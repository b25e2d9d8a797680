import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import type { DrTenant, DrTenantRow } from '../../controllers/dr/status.js';
import { HEALTH } from '../../controllers/dr/status.test-helpers.js';
import { drStatusCommand, registerDrCommands, type DrStatusSource } from './dr.js';

const NOW = new Date('2026-12-02T04:00:00Z');
const ROADS: DrTenant = { metadata: { name: 'roads' }, spec: {}, status: { node: 'lanzhou-cloud', activeNode: 'lanzhou-cloud', epoch: 1 } };
const source = (tenants: DrTenant[]): DrStatusSource => ({ tenants: async () => tenants, now: () => NOW });

/** What a command writes to stdout. */
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

describe('dr status', () => {
  it('lists the tenants with a DR plan only, unless one is named', async () => {
    const all = await stdoutOf(() => drStatusCommand(undefined, { output: 'table' }, source([ROADS, HEALTH])));
    expect(all.code).toBe(0);
    expect(all.out).toContain('health-records home gansu-provincial');
    expect(all.out).not.toContain('roads');
    const named = await stdoutOf(() => drStatusCommand('roads', { output: 'table' }, source([ROADS, HEALTH])));
    expect(named.out).toBe('roads home lanzhou-cloud · active lanzhou-cloud · epoch 1\n  no DR plan\n');
    expect((await stdoutOf(() => drStatusCommand(undefined, { output: 'table' }, source([ROADS])))).out).toBe('No tenants with a DR plan.\n');
  });

  it('names an unknown tenant, with the closest one, and fails', async () => {
    await expect(drStatusCommand('health-record', { output: 'table' }, source([ROADS, HEALTH]))).rejects.toThrow(
      'tenant "health-record" not found (did you mean "health-records"?); "longyun tenant list" lists the tenants, "longyun dr status" those with a DR plan',
    );
  });

  it('-o json: one object per tenant with lag, RPO verdict and digest match per centre, and the status as written', async () => {
    const { code, out } = await stdoutOf(() => drStatusCommand(undefined, { output: 'json' }, source([HEALTH, ROADS])));
    expect(code).toBe(0);
    const rows = JSON.parse(out) as DrTenantRow[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ tenant: 'health-records', rpoScope: 'objects', home: 'gansu-provincial', activeNode: 'gansu-provincial', epoch: 1, rpoSeconds: 900 });
    expect(rows[0]!.standbys.map((s) => [s.centre, s.lagSeconds, s.withinRpo, s.digestMatch, s.state])).toEqual([
      ['same-city-dr', 12, true, 'match', 'Current'],
      ['remote-dr', 2400, false, 'mismatch', 'SourceUnreachable'],
    ]);
    expect(rows[0]!.standbys[1]!.status).toEqual(HEALTH.status!.dr!.standbys[0]);
    // Absent values are null, not missing: a script can tell "none" from a typo.
    const unreported = await stdoutOf(() => drStatusCommand(undefined, { output: 'json' }, source([{ ...HEALTH, status: { node: 'gansu-provincial' } }])));
    expect((JSON.parse(unreported.out) as unknown[])[0]).toMatchObject({ activeNode: null, epoch: null, reported: false, standbys: [{ centre: 'same-city-dr', node: null, lagSeconds: null, state: null, status: null }, { centre: 'remote-dr' }] });
  });

  it('-o wide off a terminal: every column in full, 200 wide', async () => {
    const { out } = await stdoutOf(() => drStatusCommand('health-records', { output: 'wide' }, source([HEALTH])));
    const lines = out.split('\n');
    expect(lines[1]).toMatch(/^ {2}CENTRE\s+STANDBY\s+RECOVERY POINT\s+LAG\s+DIGEST\s+STATE\s+LAST DRILL\s+OBJECTS\s+NOT COPIED\s+SOURCE DIGEST\s+STANDBY DIGEST$/);
    expect(lines[3]).toMatch(/^ {2}remote-dr\s+gansu-provincial-remote-dr\s+03:20:00Z\s+40m 00s !\s+✗\s+SourceUnreachable\s+—\s+20\s+1\s+sha256:aaaaaaaaaaaa\s+sha256:bbbbbbbbbbbb$/);
    expect(out).not.toMatch(/\u001b\[/); // plain text: no colour off a terminal
  });

  it('LAST DRILL and -o json: the last drill and the last successful one as the Tenant records them, and whether a drill is overdue', async () => {
    const last = { name: 'weekly-1764471600', phase: 'Succeeded' as const, finishedAt: '2026-11-30T03:01:00Z', to: 'remote-dr' as const, rtoSeconds: 12.3, rpoSeconds: 31, rtoMet: true, rpoMet: true };
    const drilled: DrTenant = { ...HEALTH, status: { ...HEALTH.status!, drills: { last, lastSucceeded: last } } };
    const json = JSON.parse((await stdoutOf(() => drStatusCommand(undefined, { output: 'json' }, source([drilled, HEALTH, ROADS])))).out) as Record<string, unknown>[];
    expect(json[0]).toMatchObject({ lastDrill: last, lastSucceededDrill: last, drillOverdue: { overdue: false, ageDays: 2, maxAgeDays: 365 } });
    const overdue = JSON.parse((await stdoutOf(() => drStatusCommand(undefined, { output: 'json', drillMaxAgeDays: '1' }, source([drilled])))).out) as Record<string, unknown>[];
    expect(overdue[0]).toMatchObject({ drillOverdue: { overdue: true, ageDays: 2, maxAgeDays: 1 } });
    const none = JSON.parse((await stdoutOf(() => drStatusCommand('health-records', { output: 'json' }, source([HEALTH])))).out) as Record<string, unknown>[];
    expect(none[0]).toMatchObject({ lastDrill: null, lastSucceededDrill: null, drillOverdue: { overdue: true, ageDays: null, message: 'no successful drill on record (a drill is due every 365 days)' } });
    expect((JSON.parse((await stdoutOf(() => drStatusCommand('roads', { output: 'json' }, source([ROADS])))).out) as Record<string, unknown>[])[0]).toMatchObject({ drillOverdue: null });
    const table = (await stdoutOf(() => drStatusCommand(undefined, { output: 'table' }, source([drilled])))).out.split('\n');
    expect(table[3]).toMatch(/^ {2}remote-dr\s.*SourceUnreachable\s+Succeeded 2d$/);
    await expect(drStatusCommand(undefined, { output: 'table', drillMaxAgeDays: 'soon' }, source([drilled]))).rejects.toThrow('--drill-max-age-days must be a whole number of days, 1 or more');
  });

  it('-o json and the table: the last failover and failback from status.failovers, the lost+found records and their object count', async () => {
    const back = { name: 'failback-20261202-030000', at: '2026-12-02T03:00:00Z', from: 'gansu-provincial-remote-dr', to: 'gansu-provincial', type: 'planned' as const, phase: 'Succeeded' as const };
    const over = { name: 'failover-20261201-220000', at: '2026-12-01T22:00:00Z', from: 'gansu-provincial', to: 'gansu-provincial-remote-dr', type: 'emergency' as const, phase: 'Succeeded' as const };
    const record = { failover: over.name, at: '2026-12-01T23:00:00Z', node: 'gansu-provincial', recoveryPoint: '2026-12-01T21:59:30Z', quarantineNamespace: 'health-records-lost-4f2a9c', objects: [{ object: 'v1/ConfigMap/fees', change: 'changed' as const }] };
    const moved: DrTenant = { ...HEALTH, status: { ...HEALTH.status!, epoch: 3, failovers: { lastFailover: over, lastFailback: back }, lostAndFound: [record] } };
    const json = JSON.parse((await stdoutOf(() => drStatusCommand(undefined, { output: 'json' }, source([moved])))).out) as Record<string, unknown>[];
    expect(json[0]).toMatchObject({ epoch: 3, lastFailover: over, lastFailback: back, lostAndFound: [record], lostAndFoundObjects: 1 });
    const never = JSON.parse((await stdoutOf(() => drStatusCommand(undefined, { output: 'json' }, source([HEALTH])))).out) as Record<string, unknown>[];
    expect(never[0]).toMatchObject({ lastFailover: null, lastFailback: null, lostAndFound: [], lostAndFoundObjects: 0 });
    const table = (await stdoutOf(() => drStatusCommand(undefined, { output: 'table' }, source([moved])))).out;
    expect(table.split('\n').slice(1, 3)).toEqual([
      '  last failover failover-20261201-220000 Succeeded 6h 00m ago (emergency, gansu-provincial → gansu-provincial-remote-dr)',
      '  last failback failback-20261202-030000 Succeeded 1h 00m ago (gansu-provincial-remote-dr → gansu-provincial)',
    ]);
    expect(table).toContain('  lost+found (failover-20261201-220000): 1 object kept aside in namespace health-records-lost-4f2a9c on node gansu-provincial: review them, then delete the namespace\n');
  });
});

describe('dr failover: options and subcommands', () => {
  it('with positional options (as main.ts sets them) a subcommand\'s options go to it, the request\'s to failover; failback has no --to', () => {
    const seen: unknown[] = [];
    const program = new Command().enablePositionalOptions().exitOverride();
    const dr = registerDrCommands(program);
    const failover = dr.commands.find((c) => c.name() === 'failover')!;
    failover.action((o: Record<string, unknown>) => void seen.push(['failover', { ...o, estate: undefined }]));
    failover.commands.find((c) => c.name() === 'get')!.action((name: string, o: Record<string, unknown>) => void seen.push(['get', name, o]));
    const failback = dr.commands.find((c) => c.name() === 'failback')!.exitOverride().configureOutput({ writeErr: () => {} });
    failback.action((o: Record<string, unknown>) => void seen.push(['failback', { ...o, estate: undefined }]));
    program.parse(['dr', 'failover', 'get', 'f1', '-o', 'json', '--context', 'mgmt'], { from: 'user' });
    program.parse(['dr', 'failover', '--tenant', 'a', '--tenant', 'b', '--to', 'remote-dr', '--emergency', '--dry-run', '-o', 'json'], { from: 'user' });
    expect(seen).toEqual([
      ['get', 'f1', { output: 'json', context: 'mgmt' }],
      ['failover', { output: 'json', tenant: ['a', 'b'], to: 'remote-dr', emergency: true, dryRun: true, estate: undefined }],
    ]);
    expect(() => program.parse(['dr', 'failback', '--tenant', 'a', '--to', 'remote-dr'], { from: 'user' })).toThrow("unknown option '--to'");
  });
});
