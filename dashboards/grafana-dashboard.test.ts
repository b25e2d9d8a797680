import { describe, expect, it } from 'vitest';
import { METRICS } from '../operator/metrics.js';
import { DASHBOARD_UID, grafanaDashboard, type Panel } from './grafana-dashboard.js';
import { longyunIdentifiers, metricOf, parseErrors, selectorNames, substituteGrafanaVariables } from './promql.test-helpers.js';
import { THRESHOLDS } from './prometheus-rules.js';

const dashboard = grafanaDashboard();
const panels = dashboard.panels.filter((p) => p.type !== 'row');
const exprsOf = (p: Panel) => (p.targets ?? []).map((t) => t.expr);
const allExprs = panels.flatMap(exprsOf);
const byTitle = (title: string) => {
  const p = panels.find((x) => x.title === title);
  if (!p) throw new Error(`no panel "${title}"; panels: ${panels.map((x) => x.title).join(', ')}`);
  return p;
};

describe('grafanaDashboard', () => {
  it('is a schemaVersion 39 dashboard with a stable uid and a Prometheus data source variable', () => {
    expect(dashboard.schemaVersion).toBe(39);
    expect(dashboard.uid).toBe(DASHBOARD_UID);
    expect(grafanaDashboard()).toEqual(dashboard);
    const ds = dashboard.templating.list.find((v) => (v as { name: string }).name === 'datasource');
    expect(ds).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const p of panels) {
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      for (const t of p.targets ?? []) expect(t.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
    }
  });

  it('has a panel for every metric in METRICS', () => {
    for (const [key, def] of Object.entries(METRICS)) {
      const users = panels.filter((p) => exprsOf(p).some((e) => longyunIdentifiers(e).some((id) => metricOf(id) === key)));
      expect(users.map((p) => p.title), `${def.name} (METRICS.${key}) has no panel in dashboards/grafana-dashboard.ts`).not.toEqual([]);
    }
  });

  it('reads only metrics in METRICS (histogram suffixes on histograms only)', () => {
    for (const e of allExprs) for (const id of longyunIdentifiers(e)) expect(metricOf(id), `${id} in ${e}`).toBeDefined();
    // The regular expression above sees what the PromQL parser sees.
    for (const e of allExprs) expect(new Set(longyunIdentifiers(e))).toEqual(new Set(selectorNames(substituteGrafanaVariables(e))));
  });

  it('has valid PromQL in every target (Prometheus\'s own grammar, after Grafana\'s variables)', () => {
    expect(allExprs.length).toBeGreaterThan(10);
    for (const e of allExprs) expect(parseErrors(substituteGrafanaVariables(e)), e).toEqual([]);
  });

  it('filters every selector by the job variable, and the variable lists the jobs that export longyun_leader', () => {
    for (const e of allExprs) {
      const selectors = [...e.matchAll(/longyun_[a-z_]+(\{[^}]*\})?/g)];
      for (const s of selectors) expect(s[1] ?? '', `${s[0]} in ${e}`).toContain('job=~"$job"');
    }
    expect(dashboard.templating.list.find((v) => (v as { name: string }).name === 'job')).toMatchObject({ type: 'query', query: `label_values(${METRICS.leader.name}, job)`, includeAll: true });
  });

  it('shows reconcile rate by controller and result, the error ratio and p50/p95/p99 from the histogram buckets', () => {
    expect(exprsOf(byTitle('Reconcile rate by controller and result'))).toEqual([expect.stringMatching(/^sum by \(controller, result\) \(rate\(longyun_reconcile_total\{/)]);
    const errors = exprsOf(byTitle('Reconcile error ratio by controller'))[0]!;
    expect(errors).toMatch(/result="error"/);
    expect(errors.split(' / ')).toHaveLength(2);
    const duration = exprsOf(byTitle('Reconcile duration by controller (p50, p95, p99, mean)'));
    for (const q of ['0.5', '0.95', '0.99']) {
      expect(duration).toContainEqual(expect.stringMatching(new RegExp(`^histogram_quantile\\(${q.replace('.', '\\.')}, sum by \\(controller, le\\) \\(rate\\(${METRICS.duration.name}_bucket\\{`)));
    }
  });

  it('reads gauges from the leader only, since a replica that lost the lease may not know it yet', () => {
    for (const title of ['Work queue depth by controller', 'Member cluster up', 'Member clusters now', 'Tenants by phase', 'Member clusters down']) {
      for (const e of exprsOf(byTitle(title))) expect(e, title).toContain('and on(job, instance) (longyun_leader{job=~"$job"} == 1)');
    }
    expect(exprsOf(byTitle('Member cluster up'))[0]).toMatch(/^max by \(cluster\)/);
    expect(exprsOf(byTitle('Leader'))[0]).toBe('longyun_leader{job=~"$job"} == 1');
  });

  it('shows each standby copy\'s recovery point lag against its RPO target, from the leader, with the alert\'s line at 1', () => {
    const ratio = byTitle('Recovery point lag / RPO target by tenant and centre');
    expect(exprsOf(ratio)[0]).toMatch(/^max by \(tenant, centre\) \(max by \(tenant, centre, node\) \(longyun_dr_recovery_point_lag_seconds\{job=~"\$job"\} and on\(job, instance\) .*\/ on\(tenant, centre\) max by \(tenant, centre\) \(longyun_dr_rpo_target_seconds\{/);
    expect((ratio.fieldConfig as { defaults: { thresholds: { steps: Array<{ value: number | null }> } } }).defaults.thresholds.steps.map((s) => s.value)).toContain(THRESHOLDS.drLagOverRpo);
    for (const title of ['Copies behind RPO', 'Copies out of sync', 'Objects in standby copies', 'Recovery point lag by tenant and centre', 'Standby copies behind RPO now']) {
      for (const e of exprsOf(byTitle(title))) expect(e, title).toContain('and on(job, instance) (longyun_leader{job=~"$job"} == 1)');
    }
    expect(dashboard.panels.find((p) => p.type === 'row' && p.title.startsWith('Disaster recovery'))).toBeDefined();
  });

  it('draws the alerts\' thresholds', () => {
    const thresholdSteps = (title: string) => (byTitle(title).fieldConfig as { defaults: { thresholds: { steps: Array<{ value: number | null }> } } }).defaults.thresholds.steps.map((s) => s.value);
    expect(thresholdSteps('Reconcile error ratio by controller')).toContain(THRESHOLDS.errorRatio);
    expect(thresholdSteps('Reconcile duration by controller (p50, p95, p99, mean)')).toContain(THRESHOLDS.p95Seconds);
    expect(thresholdSteps('Work queue depth by controller')).toContain(THRESHOLDS.queueDepth);
  });

  it('lays the panels out on the 24-column grid without overlaps, with unique ids and refIds', () => {
    const all = dashboard.panels;
    expect(new Set(all.map((p) => p.id)).size).toBe(all.length);
    for (const p of all) {
      expect(p.gridPos.x, p.title).toBeGreaterThanOrEqual(0);
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      expect(p.gridPos.h, p.title).toBeGreaterThan(0);
      const refs = (p.targets ?? []).map((t) => t.refId);
      expect(new Set(refs).size, p.title).toBe(refs.length);
    }
    for (const [i, a] of all.entries()) {
      for (const b of all.slice(i + 1)) {
        const overlap = a.gridPos.x < b.gridPos.x + b.gridPos.w && b.gridPos.x < a.gridPos.x + a.gridPos.w && a.gridPos.y < b.gridPos.y + b.gridPos.h && b.gridPos.y < a.gridPos.y + a.gridPos.h;
        expect(overlap, `${a.title} and ${b.title} overlap`).toBe(false);
      }
    }
    // Rows come in reading order: each row header is below every panel before it.
    for (const [i, row] of all.entries()) {
      if (row.type !== 'row') continue;
      for (const before of all.slice(0, i)) expect(before.gridPos.y + before.gridPos.h, `${before.title} / row ${row.title}`).toBeLessThanOrEqual(row.gridPos.y);
    }
  });
});
