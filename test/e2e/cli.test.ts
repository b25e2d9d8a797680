// The built `longyun` binary on temporary copies of the shipped Gansu estate, as a user runs it.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copyGansu, editText, editYaml, GANSU_DIR, removeDir } from '../../topology/estate.test-helpers.js';

const GANSU_LEDGER = join(GANSU_DIR, 'ledger.json');
/** Every allocation the shipped estate needs (2 planes × 2 families × owners). */
const TOTAL = requirementsOf(loadEstate(GANSU_DIR)).length;
import { requirementsOf } from '../../topology/ipam/requirements.js';
import { loadEstate } from '../../topology/load.js';
import { BIN, longyun } from './cli-helpers.js';

const dirs: string[] = [];
function estate(withLedger = true): string {
  const d = copyGansu({ withLedger });
  dirs.push(d);
  return d;
}
afterEach(() => {
  while (dirs.length) removeDir(dirs.pop()!);
});

interface ExportedAllocation {
  plane: string;
  family: string;
  owner: string;
  level: string;
  prefix: string;
  parent: string | null;
}
const exported = (dir: string): ExportedAllocation[] => JSON.parse(longyun(['ipam', 'export', '--estate', dir]).stdout);

describe('help', () => {
  it('lists every command with one-line help and exit codes', () => {
    const r = longyun(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['plan', 'ipam', 'synth', 'diff', 'policy', 'operator', 'node', 'tenant', 'dr', 'dev']) expect(r.stdout).toMatch(new RegExp(`^  ${cmd}\\b.*\\S`, 'm'));
    expect(r.stdout).toContain('Exit codes');
  });

  it.each([['plan'], ['synth'], ['diff'], ['operator', 'run'], ['operator', 'manifests'], ['node', 'onboard'], ['node', 'member-rbac'], ['node', 'list'], ['node', 'get'], ['node', 'delete'], ['tenant', 'request'], ['tenant', 'list'], ['tenant', 'get'], ['tenant', 'delete'], ['dr', 'status'], ['ipam', 'allocate'], ['ipam', 'show'], ['ipam', 'whois'], ['ipam', 'export'], ['policy', 'list'], ['policy', 'check']])(
    '%s %s --help has examples',
    (...cmd) => {
      const r = longyun([...cmd.filter(Boolean), '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Examples:');
      expect(r.stdout).toContain(`$ longyun ${cmd.filter(Boolean).join(' ')}`);
    },
  );

  it('rejects an unknown command and a bad --output with exit 1', () => {
    expect(longyun(['plna']).code).toBe(1);
    const r = longyun(['plan', '--output', 'yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('yaml');
  });
});

describe('plan', () => {
  it('summarizes the shipped estate in plain text when not a TTY', () => {
    const dir = estate();
    const r = longyun(['plan', '--estate', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/province 1 · municipal 15 · county 86/);
    expect(r.stdout).toMatch(/provincial 1 · municipal 15 · industry 3/);
    expect(r.stdout).toContain('2001:db8::/33');
    // The only findings: DR plans on clouds no standby protects, audited (exit 0).
    expect(r.stdout).toContain('4 findings (0 enforced, 4 audit)');
    expect(r.stdout).not.toMatch(/\x1b\[/); // no ANSI escapes in a pipe
  });

  it('prints a stable JSON document', () => {
    const dir = estate();
    const a = longyun(['plan', '--estate', dir, '--output', 'json']);
    const b = longyun(['plan', '--estate', dir, '--output', 'json']);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const doc = JSON.parse(a.stdout);
    expect(doc.units).toHaveLength(102);
    expect(doc.units[1]).toEqual({ id: 'lanzhou', level: 'municipal', parent: 'gansu', code: '620100', name: { zh: '兰州市', en: 'Lanzhou' } });
    expect(doc.clouds.filter((c: { kind: string }) => c.kind === 'municipal')).toHaveLength(15);
    expect(doc.allocations[0]).toEqual({ plane: 'plane-1', family: 'ipv6', owner: 'gansu', level: 'province', prefix: '2001:db8::/33', parent: null });
    expect(doc.findings.map((f: { policy: string; mode: string }) => `${f.policy} ${f.mode}`)).toEqual(Array(4).fill('dr-standby-protected audit'));
    expect(doc.clouds.filter((c: { role?: string }) => c.role === 'standby').map((c: { id: string }) => c.id)).toEqual(['gansu-provincial-same-city-dr', 'gansu-provincial-remote-dr']);
  });

  it('creates the ledger when it is missing, and a second run changes nothing', () => {
    const dir = estate(false);
    const r = longyun(['plan', '--estate', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${TOTAL} allocations, ${TOTAL} added (written)`);
    const first = readFileSync(join(dir, 'ledger.json'), 'utf8');
    expect(first).toBe(readFileSync(join(GANSU_LEDGER), 'utf8')); // same estate, same bytes as the shipped ledger
    const again = longyun(['plan', '--estate', dir]);
    expect(again.stdout).toContain('up to date');
    expect(readFileSync(join(dir, 'ledger.json'), 'utf8')).toBe(first);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('--dry-run allocates in memory and writes nothing', () => {
    const dir = estate(false);
    const r = longyun(['plan', '--estate', dir, '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('(not written)');
    expect(existsSync(join(dir, 'ledger.json'))).toBe(false);
  });
});

describe('bad estates: the error names the file, the path and the fix; exit 1', () => {
  it('unknown unit, with a suggestion', () => {
    const dir = estate();
    editText(dir, 'clouds.yaml', (t) => t.replace('unit: lanzhou-new-area', 'unit: lanzhou-xinqu'));
    const r = longyun(['plan', '--estate', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/clouds\.yaml: clouds\[15\]\.unit: unknown unit "lanzhou-xinqu" \(did you mean "lanzhou-new-area"\?\)/);
  });

  it('unknown field', () => {
    const dir = estate();
    editYaml(dir, 'units.yaml', (doc) => doc.setIn(['units', 3, 'populaton'], 1000));
    const r = longyun(['policy', 'check', '--estate', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/units\.yaml: units\[3\]\.populaton: unknown field "populaton"/);
  });

  it('duplicate id names both places', () => {
    const dir = estate();
    editYaml(dir, 'units.yaml', (doc) => doc.setIn(['units', 5, 'id'], 'lanzhou-chengguan'));
    const r = longyun(['plan', '--estate', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/units\.yaml: units\[5\]\.id: duplicate id "lanzhou-chengguan" \(first declared at .*units\.yaml: units\[2\]\)/);
  });

  it('a value outside an enumeration lists what is allowed', () => {
    const dir = estate();
    editYaml(dir, 'clouds.yaml', (doc) => doc.setIn(['clouds', 0, 'kind'], 'provincal'));
    const r = longyun(['plan', '--estate', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/clouds\[0\]\.kind: expected one of provincial, municipal, industry, got "provincal" \(did you mean "provincial"\?\)/);
  });

  it('YAML syntax errors name the line', () => {
    const dir = estate();
    editText(dir, 'departments.yaml', (t) => `${t}\n  - id: [unclosed\n`);
    const r = longyun(['plan', '--estate', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/departments\.yaml:\d+:\d+: YAML syntax error/);
  });

  it('a missing estate directory', () => {
    const r = longyun(['plan', '--estate', '/nonexistent/estate']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('/nonexistent/estate: is not a readable estate directory');
  });

  it('an unknown policy in policies.modes', () => {
    const dir = estate();
    editYaml(dir, 'estate.yaml', (doc) => doc.setIn(['policies', 'modes'], { 'extranet-bandwith': 'audit' }));
    const r = longyun(['policy', 'check', '--estate', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/estate\.yaml: policies\.modes\.extranet-bandwith: unknown policy "extranet-bandwith" \(did you mean "extranet-bandwidth"\?\)/);
  });
});

describe('bad ledgers are reported and never overwritten', () => {
  const mutateLedger = (dir: string, edit: (allocs: ExportedAllocation[]) => void) => {
    const path = join(dir, 'ledger.json');
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    edit(doc.allocations);
    writeFileSync(path, JSON.stringify(doc, null, 1));
    return readFileSync(path, 'utf8');
  };
  const cases: Array<[string, (a: ExportedAllocation[]) => void, RegExp]> = [
    ['overlap', (a) => (a.find((x) => x.owner === 'tianshui' && x.family === 'ipv6')!.prefix = a.find((x) => x.owner === 'lanzhou' && x.family === 'ipv6')!.prefix), /allocations\[\d+\]\.prefix: .* overlaps allocations\[\d+\]/],
    ['outside its parent', (a) => (a.find((x) => x.owner === 'lanzhou-chengguan/video' && x.family === 'ipv4')!.prefix = '10.100.0.0/28'), /allocations\[\d+\]\.prefix: 10\.100\.0\.0\/28 is outside its parent/],
    ['misaligned', (a) => (a.find((x) => x.owner === 'lanzhou' && x.family === 'ipv6')!.prefix = '2001:db8:10::1/44'), /allocations\[\d+\]\.prefix: "2001:db8:10::1\/44" is misaligned/],
    ['wrong family', (a) => (a.find((x) => x.owner === 'lanzhou' && x.family === 'ipv6')!.family = 'ipv4'), /allocations\[\d+\]\.prefix: .* is an ipv6 prefix but the entry says family "ipv4"/],
    ['wrong plane', (a) => (a.find((x) => x.owner === 'lanzhou')!.plane = 'plane-3'), /allocations\[\d+\]\.plane: unknown plane "plane-3"/],
    ['unknown owner', (a) => (a.find((x) => x.owner === 'lanzhou-chengguan')!.owner = 'lanzhou-chengguang'), /allocations\[\d+\]\.owner: unknown owner "lanzhou-chengguang" \(did you mean "lanzhou-chengguan"\?\).*--prune/],
  ];
  it.each(cases)('%s', (_name, edit, message) => {
    const dir = estate();
    const before = mutateLedger(dir, edit);
    const r = longyun(['ipam', 'allocate', '--estate', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('ledger.json');
    expect(r.stderr).toContain('The ledger was not changed.');
    expect(readFileSync(join(dir, 'ledger.json'), 'utf8')).toBe(before);
  });

  it('invalid JSON', () => {
    const dir = estate();
    writeFileSync(join(dir, 'ledger.json'), '{"version": 1, "allocations": [');
    const r = longyun(['plan', '--estate', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ledger\.json: is not valid JSON/);
    expect(readFileSync(join(dir, 'ledger.json'), 'utf8')).toBe('{"version": 1, "allocations": [');
  });
});

describe('ipam', () => {
  it('adding a county allocates for it and moves nothing; removing it needs --prune, which releases it', () => {
    const dir = estate();
    const before = exported(dir);
    editText(dir, 'units.yaml', (t) => `${t}  - { id: lanzhou-test-county, level: county, parent: lanzhou, name: { zh: 测试县, en: Test County } }\n`);
    const add = longyun(['ipam', 'allocate', '--estate', dir, '--output', 'json']);
    expect(add.code).toBe(0);
    const added = JSON.parse(add.stdout).added as ExportedAllocation[];
    // 2 planes × 2 families × (the county + its 3 county services)
    expect(added).toHaveLength(16);
    expect(new Set(added.map((a) => a.owner.split('/')[0]))).toEqual(new Set(['lanzhou-test-county']));
    const after = exported(dir);
    for (const a of before) expect(after).toContainEqual(a);

    editText(dir, 'units.yaml', (t) => t.split('\n').filter((l) => !l.includes('lanzhou-test-county')).join('\n'));
    const stale = longyun(['plan', '--estate', dir]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/unknown owner "lanzhou-test-county".*--prune/);
    const pruned = longyun(['ipam', 'allocate', '--prune', '--estate', dir, '--output', 'json']);
    expect(pruned.code).toBe(0);
    expect(JSON.parse(pruned.stdout).released).toHaveLength(16);
    expect(exported(dir)).toEqual(before);
  });

  it('a county moved to another city keeps its prefixes until --prune re-allocates them under the new parent', () => {
    const dir = estate();
    editText(dir, 'units.yaml', (t) => t.replace(/(id: lanzhou-yuzhong\n\s+level: county\n\s+parent: )lanzhou/, '$1baiyin'));
    const refused = longyun(['ipam', 'allocate', '--estate', dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/"lanzhou-yuzhong" now belongs under "baiyin"; if it moved, run "longyun ipam allocate --prune"/);
    const moved = longyun(['ipam', 'allocate', '--prune', '--estate', dir, '-o', 'json']);
    expect(moved.code).toBe(0);
    const out = JSON.parse(moved.stdout);
    expect(out.released).toHaveLength(16);
    expect(out.added).toHaveLength(16);
    const baiyin = exported(dir).filter((a) => a.owner === 'baiyin');
    for (const a of exported(dir).filter((x) => x.owner === 'lanzhou-yuzhong')) {
      expect(a.parent).toBe(baiyin.find((b) => b.plane === a.plane && b.family === a.family)!.prefix);
    }
  });

  it('running out of space is a typed, explained error', () => {
    const dir = estate(false);
    editYaml(dir, 'estate.yaml', (doc) => doc.setIn(['ipam', 'sizes', 'ipv4', 'county'], 18));
    const r = longyun(['ipam', 'allocate', '--estate', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no room in 10\.\d+\.\d+\.0\/17 \(plane-1, ipv4\) for a \/18 .*ipam\.sizes\.ipv4\.county/);
    expect(existsSync(join(dir, 'ledger.json'))).toBe(false);
  });

  it('whois names the unit, plane and level', () => {
    const dir = estate();
    const chengguan = exported(dir).find((a) => a.owner === 'lanzhou-chengguan' && a.plane === 'plane-2' && a.family === 'ipv4')!;
    const address = chengguan.prefix.replace(/\.0\/\d+$/, '.200');
    const r = longyun(['ipam', 'whois', address, '--estate', dir, '--output', 'json']);
    expect(r.code).toBe(0);
    const w = JSON.parse(r.stdout);
    expect(w).toMatchObject({ plane: 'plane-2', family: 'ipv4', owner: 'lanzhou-chengguan', level: 'county', prefix: chengguan.prefix });
    expect(w.chain.map((c: ExportedAllocation) => c.owner)).toEqual(['gansu', 'lanzhou', 'lanzhou-chengguan']);
    const text = longyun(['ipam', 'whois', address, '--estate', dir]);
    expect(text.stdout).toContain('城关区');
    expect(longyun(['ipam', 'whois', 'not-an-ip', '--estate', dir]).code).toBe(1);
  });

  it('export: JSON objects with exactly the documented keys; CSV with a header', () => {
    const dir = estate();
    const list = exported(dir);
    expect(list).toHaveLength(TOTAL);
    for (const a of list) expect(Object.keys(a)).toEqual(['plane', 'family', 'owner', 'level', 'prefix', 'parent']);
    const csv = longyun(['ipam', 'export', '--estate', dir, '--output', 'csv']).stdout.trim().split('\n');
    expect(csv[0]).toBe('plane,family,owner,level,prefix,parent');
    expect(csv).toHaveLength(TOTAL + 1);
  });

  it('show UNIT lists its allocations, children and free space', () => {
    const dir = estate();
    const r = longyun(['ipam', 'show', 'tianshui', '--estate', dir, '--family', 'ipv6', '--plane', 'plane-1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('天水市');
    expect(r.stdout).toMatch(/tianshui-qinzhou/);
    expect(r.stdout).toMatch(/free/);
    expect(longyun(['ipam', 'show', 'tianshiu', '--estate', dir]).stderr).toContain('did you mean "tianshui"');
  });

  it('two concurrent allocate runs neither overlap nor lose allocations', async () => {
    const dir = estate(false);
    const run = () =>
      new Promise<number>((resolve) => {
        const p = spawn(process.execPath, [BIN, 'ipam', 'allocate', '--estate', dir], { stdio: 'ignore' });
        p.on('exit', (code) => resolve(code ?? -1));
      });
    const codes = await Promise.all([run(), run(), run()]);
    expect(codes).toEqual([0, 0, 0]);
    const list = exported(dir);
    expect(list).toHaveLength(TOTAL);
    expect(new Set(list.map((a) => `${a.plane}|${a.family}|${a.prefix}`)).size).toBe(TOTAL);
    expect(longyun(['ipam', 'allocate', '--estate', dir, '-o', 'json']).stdout).toContain('"added": []');
  });
});

describe('policy', () => {
  it('list shows id, plan section, severity and mode', () => {
    const r = longyun(['policy', 'list', '--output', 'json']);
    const list = JSON.parse(r.stdout);
    expect(list.length).toBeGreaterThanOrEqual(6);
    for (const p of list) {
      expect(p.sections.every((s: string) => /^§\d+(\.\d+)*$/.test(s))).toBe(true);
      expect(['audit', 'enforce']).toContain(p.mode);
    }
  });

  it('an enforce-mode finding fails the command with exit 3; audit mode only reports', () => {
    const dir = estate();
    editText(dir, 'extranet.yaml', (t) => t.replace(/(id: p1\.lanzhou\.lanzhou-yuzhong[\s\S]*?bandwidthMbps: )1000/, '$1100'));
    const r = longyun(['policy', 'check', '--estate', dir, '--output', 'json']);
    expect(r.code).toBe(3);
    const report = JSON.parse(r.stdout);
    // The one enforce-mode finding; the shipped estate's audit-mode ones (dr-standby-protected) stay beside it.
    expect(report.findings.filter((f: { mode: string }) => f.mode === 'enforce')).toEqual([
      expect.objectContaining({ policy: 'extranet-bandwidth', mode: 'enforce', path: expect.stringMatching(/^links\[\d+\]\.bandwidthMbps$/), file: expect.stringMatching(/extranet\.yaml$/) }),
    ]);
    expect(report.findings.filter((f: { mode: string }) => f.mode === 'audit').every((f: { policy: string }) => f.policy === 'dr-standby-protected')).toBe(true);
    expect(longyun(['policy', 'check', '--estate', dir]).stdout).toMatch(/ENFORCE extranet-bandwidth/);
    editYaml(dir, 'estate.yaml', (doc) => doc.setIn(['policies', 'modes'], { 'extranet-bandwidth': 'audit' }));
    const audit = longyun(['policy', 'check', '--estate', dir]);
    expect(audit.code).toBe(0);
    expect(audit.stdout).toMatch(/AUDIT\s+extranet-bandwidth/);
  });
});

