import { describe, expect, it, vi } from 'vitest';
import type { DrTenant, DrTenantRow } from '../../controllers/dr/status.js';
import { HEALTH } from '../../controllers/dr/status.test-helpers.js';
import { drStatusCommand, type DrStatusSource } from './dr.js';

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

  it('-o wide off a terminal: every column in full, 160 wide', async () => {
    const { out } = await stdoutOf(() => drStatusCommand('health-records', { output: 'wide' }, source([HEALTH])));
    const lines = out.split('\n');
    expect(lines[1]).toMatch(/^ {2}CENTRE\s+STANDBY\s+RECOVERY POINT\s+LAG\s+DIGEST\s+STATE\s+OBJECTS\s+NOT COPIED\s+SOURCE DIGEST\s+STANDBY DIGEST$/);
    expect(lines[3]).toMatch(/^ {2}remote-dr\s+gansu-provincial-remote-dr\s+03:20:00Z\s+40m 00s !\s+✗\s+SourceUnreachable\s+20\s+1\s+sha256:aaaaaaaaaaaa\s+sha256:bbbbbbbbbbbb$/);
    expect(out).not.toMatch(/\u001b\[/); // plain text: no colour off a terminal
  });
});
