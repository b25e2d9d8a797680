// `longyun operator dashboards`, from the built binary.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generatedFiles } from '../../dashboards/monitoring-files.js';
import { longyun } from './cli-helpers.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});
const committed = Object.fromEntries(generatedFiles().map((f) => [f.name, f.text]));

describe('longyun operator dashboards', () => {
  it('has help with examples', () => {
    const r = longyun(['operator', 'dashboards', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('$ longyun operator dashboards --out');
    expect(longyun(['operator', '--help']).stdout).toMatch(/^ {2}dashboards\b/m);
  });

  it('--out writes the dashboard and the rules file (into a new directory), as committed in dashboards/generated', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'longyun-dash-')), 'monitoring');
    dirs.push(dir);
    const r = longyun(['operator', 'dashboards', '--out', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['longyun-operator.dashboard.json', 'longyun-operator.rules.yaml']);
    for (const f of readdirSync(dir)) expect(readFileSync(join(dir, f), 'utf8')).toBe(committed[f]);
    expect(r.stdout).toContain('longyun-operator.rules.yaml');
  });

  it('prints one of them to stdout: the PrometheusRule with its namespace and labels, the rules as JSON', () => {
    const r = longyun(['operator', 'dashboards', '--only', 'rules', '--rules-format', 'prometheus-rule', '--namespace', 'monitoring', '--label', 'release=kube-prometheus-stack']);
    expect(r.code, r.stderr).toBe(0);
    const rule = parse(r.stdout);
    expect(rule).toMatchObject({ kind: 'PrometheusRule', metadata: { namespace: 'monitoring', labels: { release: 'kube-prometheus-stack' } } });
    const alerts = (JSON.parse(longyun(['operator', 'dashboards', '--only', 'rules', '-o', 'json', '--runbook-base', 'https://x/README.md']).stdout) as { groups: Array<{ rules: Array<{ alert?: string; annotations?: { runbook_url: string } }> }> }).groups.flatMap((g) => g.rules).filter((x) => x.alert);
    expect(alerts.map((a) => a.alert)).toContain('LongyunMemberClusterUnreachable');
    expect(alerts[0]!.annotations!.runbook_url).toMatch(/^https:\/\/x\/README\.md#longyun/);
    expect(longyun(['operator', 'dashboards', '--only', 'dashboard']).stdout).toBe(committed['longyun-operator.dashboard.json']);
  });

  it('refuses flags that would be ignored or mixed output, with exit 1', () => {
    for (const args of [[], ['--namespace', 'x'], ['--only', 'dashboard', '-o', 'yaml'], ['--only', 'rules', '--rules-format', 'prometheus-rule', '--label', 'novalue'], ['--only', 'graphs']]) {
      const r = longyun(['operator', 'dashboards', ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(/error/);
      expect(r.stdout).toBe('');
    }
  });
});
