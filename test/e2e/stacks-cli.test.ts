// `longyun synth` and `longyun diff` as a platform engineer runs them.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copyGansu, editYaml } from '../../topology/estate.test-helpers.js';
import { longyun } from './cli-helpers.js';

const dirs: string[] = [];
const temp = (make: () => string) => {
  const d = make();
  dirs.push(d);
  return d;
};
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

describe('synth', () => {
  it('writes <out>/stacks/<node>/cdk.tf.json for every node, the same bytes every time', () => {
    const work = temp(() => mkdtempSync(join(tmpdir(), 'longyun-work-')));
    const r = longyun(['synth', '--output', 'json'], { cwd: work });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.out).toBe('cdktf.out');
    expect(out.stacks).toHaveLength(21); // 19 clouds and the provincial cloud's 2 standbys
    const file = join(work, 'cdktf.out', 'stacks', 'lanzhou-cloud', 'cdk.tf.json');
    const first = readFileSync(file, 'utf8');
    expect(JSON.parse(first).resource.kubernetes_namespace_v1).toHaveProperty(['tenant_lanzhou-one-window_namespace']);
    expect(longyun(['synth'], { cwd: work }).stdout).toMatch(/Synthesized 21 stacks, \d+ resources/);
    expect(readFileSync(file, 'utf8')).toBe(first);
  });

  it('--backend with --backend-config, and a clear error for a bad pair', () => {
    const out = temp(() => mkdtempSync(join(tmpdir(), 'longyun-out-')));
    const ok = longyun(['synth', '--out', out, '--backend', 's3', '--backend-config', 'bucket=tfstate', '--backend-config', 'region=gansu']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'stacks', 'gansu-provincial', 'cdk.tf.json'), 'utf8')).terraform.backend).toEqual({ s3: { bucket: 'tfstate', region: 'gansu' } });
    const bad = longyun(['synth', '--out', out, '--backend', 's3', '--backend-config', 'bucket']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--backend-config takes KEY=VALUE, got "bucket"');
  });

  it('the cdktf engine writes the same stacks', () => {
    const a = temp(() => mkdtempSync(join(tmpdir(), 'longyun-a-')));
    const b = temp(() => mkdtempSync(join(tmpdir(), 'longyun-b-')));
    expect(longyun(['synth', '--out', a]).code).toBe(0);
    expect(longyun(['synth', '--out', b, '--engine', 'cdktf']).code).toBe(0);
    for (const node of ['gansu-provincial', 'qingyang-cloud', 'industry-energy']) {
      const read = (d: string) => JSON.parse(readFileSync(join(d, 'stacks', node, 'cdk.tf.json'), 'utf8'));
      expect(read(b)).toEqual(read(a));
    }
  }, 120_000);
});

describe('diff', () => {
  it('exit 0 without changes, 2 with changes (listed like terraform plan), 1 without a previous synth', () => {
    const estate = temp(() => copyGansu({ withLedger: true }));
    const out = temp(() => mkdtempSync(join(tmpdir(), 'longyun-out-')));
    expect(longyun(['synth', '--estate', estate, '--out', out]).code).toBe(0);
    const same = longyun(['diff', '--estate', estate, '--against', out]);
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('No changes.');

    editYaml(estate, 'tenants.yaml', (doc) => doc.setIn(['tenants', 10, 'quota', 'memory'], '256Gi'));
    const changed = longyun(['diff', '--estate', estate, '--against', out]);
    expect(changed.code).toBe(2);
    expect(changed.stdout).toContain('stack qingyang-cloud');
    expect(changed.stdout).toContain('~ kubernetes_resource_quota_v1.tenant_qingyang-emergency-command_quota');
    expect(changed.stdout).toContain('spec.hard.limits.memory: "128Gi" → "256Gi"');
    expect(changed.stdout).toMatch(/Plan: 0 to add, 2 to change, 0 to destroy\./);
    const json = JSON.parse(longyun(['diff', '--estate', estate, '--against', out, '-o', 'json']).stdout);
    expect(json.summary).toEqual({ added: 0, changed: 2, removed: 0 });

    const none = longyun(['diff', '--estate', estate, '--against', join(out, 'nowhere')]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no previous synth output');
  });

  it('a synth from an incomplete ledger is refused with the fix', () => {
    const estate = temp(() => copyGansu({ withLedger: false }));
    const r = longyun(['synth', '--estate', estate, '--out', join(estate, 'out')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the ledger lacks \d+ allocations .*longyun ipam allocate/);
  });
});

