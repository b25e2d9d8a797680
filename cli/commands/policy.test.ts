import { describe, expect, it, vi } from 'vitest';
import { GANSU_DIR } from '../../topology/estate.test-helpers.js';
import { listCommand } from './policy.js';

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

describe('policy list', () => {
  it('lists every tenant policy, tenant-department-known included, with its plan section, severity and mode', async () => {
    const { code, out } = await stdoutOf(() => listCommand({ estate: GANSU_DIR, output: 'json' }));
    expect(code).toBe(0);
    const rows = JSON.parse(out) as Array<{ id: string; sections: string[]; severity: string; mode: string }>;
    expect(rows.slice(-4).map((r) => r.id)).toEqual(['tenant-department-known', 'tenant-dr-for-mlps3', 'tenant-node-of-own-city', 'tenant-not-on-standby']);
    expect(rows.filter((r) => r.id.startsWith('dr-standby-')).map((r) => [r.id, r.sections, r.severity, r.mode])).toEqual([
      ['dr-standby-room', ['§4.1.2'], 'error', 'enforce'],
      ['dr-standby-protected', ['§4.1.2'], 'warning', 'audit'],
    ]);
    expect(rows.find((r) => r.id === 'tenant-department-known')).toMatchObject({ sections: ['§3.3'], severity: 'error', mode: 'enforce' });
    const table = await stdoutOf(() => listCommand({ estate: GANSU_DIR, output: 'table' }));
    expect(table.out).toMatch(/tenant-department-known\s+§3\.3\s+error\s+enforce/);
  });
});
