import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { METRICS } from '../operator/metrics.js';
import { findPromtool, longyunIdentifiers, metricOf, parseErrors, selectorNames } from './promql.test-helpers.js';
import { isAlertingRule, prometheusRule, prometheusRules, THRESHOLDS, type AlertingRule, type RecordingRule } from './prometheus-rules.js';
import { queries, TENANT_PHASES } from './queries.js';

const file = prometheusRules();
const rules = file.groups.flatMap((g) => g.rules);
const alerts = rules.filter(isAlertingRule);
const recorded = rules.filter((r): r is RecordingRule => !isAlertingRule(r));
const alert = (name: string): AlertingRule => {
  const a = alerts.find((x) => x.alert === name);
  if (!a) throw new Error(`no alert ${name}`);
  return a;
};
const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('prometheusRules', () => {
  it('has valid PromQL in every rule (Prometheus\'s own grammar)', () => {
    expect(rules.length).toBeGreaterThanOrEqual(10);
    for (const r of rules) expect(parseErrors(r.expr), `${'alert' in r ? r.alert : r.record}: ${r.expr}`).toEqual([]);
  });

  it('reads only metrics in METRICS (histogram suffixes on histograms only) and rules it records', () => {
    const recordedNames = new Set(recorded.map((r) => r.record));
    for (const r of rules) {
      for (const id of longyunIdentifiers(r.expr)) expect(metricOf(id), `${id} in ${r.expr}`).toBeDefined();
      for (const name of selectorNames(r.expr)) {
        if (name.includes(':')) expect(recordedNames, `${name} in ${r.expr}`).toContain(name);
        else expect(metricOf(name), `${name} in ${r.expr}`).toBeDefined();
      }
    }
    // Suffixes count only on histograms: a counter's _count is not a metric.
    expect(metricOf(`${METRICS.duration.name}_bucket`)).toBe('duration');
    expect(metricOf(`${METRICS.reconciles.name}_count`)).toBeUndefined();
    expect(metricOf('longyun_member_cluster_down')).toBeUndefined();
  });

  it('records reconcile rate, error ratio and p95 duration under level:metric:operation names', () => {
    expect(recorded.map((r) => r.record)).toEqual(['controller_result:longyun_reconcile:rate5m', 'controller:longyun_reconcile_errors:ratio_rate5m', 'controller:longyun_reconcile_duration_seconds:p95_5m']);
    for (const r of recorded) expect(r.record).toMatch(/^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$/);
    expect(recorded[2]!.expr).toBe(`histogram_quantile(0.95, sum by (controller, le) (rate(${METRICS.duration.name}_bucket[5m])))`);
  });

  it('gives every alert a duration, a severity, a summary, a description and a runbook that the README has', () => {
    expect(new Set(alerts.map((a) => a.alert)).size).toBe(alerts.length);
    for (const a of alerts) {
      expect(a.for, a.alert).toMatch(/^\d+[smh]$/);
      expect(['critical', 'warning'], a.alert).toContain(a.labels.severity);
      expect(a.annotations.summary.length, a.alert).toBeGreaterThan(10);
      expect(a.annotations.description.length, a.alert).toBeGreaterThan(a.annotations.summary.length);
      expect(a.annotations.runbook_url).toBe(`README.md#${a.alert.toLowerCase()}`);
      // GitHub's anchor of a heading that is just the alert's name is its name in lower case.
      expect(new RegExp(`^#### ${a.alert}$`, 'm').test(README), `README.md has no "#### ${a.alert}" runbook`).toBe(true);
    }
    expect(prometheusRules({ runbookBase: 'https://git.example/longyun/blob/main/README.md' }).groups[1]!.rules.map((r) => (r as AlertingRule).annotations.runbook_url)).toContain(
      'https://git.example/longyun/blob/main/README.md#longyunmemberclusterunreachable',
    );
  });

  it('pages when a member cluster stops answering for 2 minutes', () => {
    const a = alert('LongyunMemberClusterUnreachable');
    expect(a).toMatchObject({ for: '2m', labels: { severity: 'critical' } });
    expect(a.expr).toBe('(longyun_member_cluster_up and on(job, instance) (longyun_leader == 1)) == 0');
    expect(a.annotations.summary).toContain('{{ $labels.cluster }}');
  });

  it('pages when no replica leads, including when none is scraped', () => {
    const a = alert('LongyunNoLeader');
    expect(a.labels.severity).toBe('critical');
    expect(a.expr).toBe('max(longyun_leader) < 1 or absent(longyun_leader)');
    expect(alert('LongyunMultipleLeaders').expr).toBe('sum(longyun_leader) > 1');
  });

  it('alerts on the reconcile error ratio, slow reconciles and a stuck or growing work queue, at the shared thresholds', () => {
    expect(alert('LongyunReconcileErrorsHigh').expr).toMatch(new RegExp(`result="error".* / .* > ${THRESHOLDS.errorRatio}$`));
    expect(alert('LongyunReconcileSlow').expr).toMatch(new RegExp(`^histogram_quantile\\(0\\.95, .*_bucket.* > ${THRESHOLDS.p95Seconds}$`));
    expect(alert('LongyunWorkQueueStuck').expr).toContain('unless on(controller) (sum by (controller) (increase(longyun_reconcile_total[10m])) > 0)');
    expect(alert('LongyunWorkQueueGrowing').expr).toContain(`> ${THRESHOLDS.queueDepth} and deriv(longyun_workqueue_depth[15m]) > 0`);
  });

  it('alerts on tenants stuck in the phases the operator sets, never on Ready or Rejected ones', () => {
    const phasesIn = (expr: string) => (/phase=~?"([^"]+)"/.exec(expr)?.[1] ?? '').split('|');
    const notReady = phasesIn(alert('LongyunTenantsNotReady').expr);
    const deleting = phasesIn(alert('LongyunTenantDeletionStuck').expr);
    expect(notReady).toEqual(['Pending', 'Provisioning']);
    expect(deleting).toEqual(['Deleting']);
    for (const p of [...notReady, ...deleting]) expect(Object.keys(TENANT_PHASES)).toContain(p);
    // Every phase is either alerted on or deliberately not.
    expect(new Set([...notReady, ...deleting, 'Ready', 'Rejected'])).toEqual(new Set(Object.keys(TENANT_PHASES)));
  });
});

describe('the DR alert', () => {
  it('compares each standby copy\'s lag with its plan\'s RPO target by tenant and centre, on the leader, and counts a missing copy', () => {
    const a = alert('LongyunDrRecoveryPointLagHigh');
    expect(a).toMatchObject({ for: '5m', labels: { severity: 'warning' } });
    const lag = 'max by (tenant, centre, node) (longyun_dr_recovery_point_lag_seconds and on(job, instance) (longyun_leader == 1))';
    const rpo = 'max by (tenant, centre) (longyun_dr_rpo_target_seconds and on(job, instance) (longyun_leader == 1))';
    expect(a.expr).toBe(`(${lag} > on(tenant, centre) group_left ${rpo}) or (${rpo} unless on(tenant, centre) ${lag})`);
    expect(a.expr).toBe(queries({ window: '10m' }).drBehindRpo);
    expect(a.annotations.description).toContain('volume data is Velero\'s');
  });
});

describe('prometheusRule', () => {
  it('wraps the same groups in a monitoring.coreos.com/v1 PrometheusRule', () => {
    const r = prometheusRule();
    expect(r).toMatchObject({ apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'longyun-operator', namespace: 'longyun-system' } });
    expect(r.spec).toEqual(prometheusRules());
    const custom = prometheusRule({ namespace: 'monitoring', labels: { release: 'kube-prometheus-stack' }, runbookBase: 'https://x/README.md' });
    expect(custom.metadata.namespace).toBe('monitoring');
    expect(custom.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'longyun-operator', 'app.kubernetes.io/managed-by': 'longyun', release: 'kube-prometheus-stack' });
    expect(custom.spec).toEqual(prometheusRules({ runbookBase: 'https://x/README.md' }));
  });
});

// Prometheus's promtool evaluates the rules on synthetic series: the one scripts/promtool/fetch.sh
// caches (Debian's, which `npm test` fetches), else promtool on PATH. Without either this fails,
// saying to run fetch.sh; it never skips.
describe('the alerts on synthetic series (promtool test rules)', () => {
  /** Expands the annotation templates the way Prometheus does, for what these tests use. */
  const expand = (a: AlertingRule, labels: Record<string, string>, value: number) =>
    Object.fromEntries(
      Object.entries(a.annotations).map(([k, v]) => [
        k,
        v
          .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, l: string) => labels[l] ?? '')
          .replace(/\{\{ \$value \| humanizePercentage \}\}/g, `${Number((value * 100).toPrecision(4))}%`)
          .replace(/\{\{ \$value \}\}/g, String(value)),
      ]),
    );
  const expected = (name: string, labels: Record<string, string>, value: number) => {
    const a = alert(name);
    const all = { ...labels, severity: a.labels.severity };
    return { exp_labels: all, exp_annotations: expand(a, { ...labels }, value) };
  };
  const L = { job: 'longyun', instance: 'a:8080' };
  const OLD = { job: 'longyun', instance: 'b:8080' };
  const series = (name: string, labels: Record<string, string>, values: string) => ({
    series: `${name}{${Object.entries(labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(', ')}}`,
    values,
  });

  it('fire when they should and stay quiet on a former leader\'s stale gauges', () => {
    const promtool = findPromtool();
    const dir = mkdtempSync(join(tmpdir(), 'longyun-rules-'));
    try {
      writeFileSync(join(dir, 'rules.yaml'), stringify(prometheusRules()));
      const tests = {
        rule_files: ['rules.yaml'],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: [
              // Replica a leads; b led before and still exports what it last saw.
              series('longyun_leader', L, '1x60'),
              series('longyun_leader', OLD, '0x60'),
              series('longyun_member_cluster_up', { ...L, cluster: 'tianshui' }, '1 1 1 0x57'),
              series('longyun_member_cluster_up', { ...L, cluster: 'lanzhou' }, '1x60'),
              series('longyun_member_cluster_up', { ...OLD, cluster: 'lanzhou' }, '0x60'),
              // tenant reconciles: 3 successes and 1 error a minute; cloudnode: all succeed.
              series('longyun_reconcile_total', { ...L, controller: 'tenant', result: 'success' }, '0+3x60'),
              series('longyun_reconcile_total', { ...L, controller: 'tenant', result: 'error' }, '0+1x60'),
              series('longyun_reconcile_total', { ...L, controller: 'cloudnode', result: 'success' }, '0+4x60'),
              series('longyun_workqueue_depth', { ...L, controller: 'cloudnode' }, '0x60'),
              series('longyun_workqueue_depth', { ...OLD, controller: 'tenant' }, '7x60'),
              series('longyun_tenants', { ...L, phase: 'Ready' }, '5x60'),
              series('longyun_tenants', { ...L, phase: 'Provisioning' }, '2x60'),
              series('longyun_tenants', { ...OLD, phase: 'Deleting' }, '1x60'),
            ],
            alert_rule_test: [
              { eval_time: '4m', alertname: 'LongyunMemberClusterUnreachable', exp_alerts: [] },
              { eval_time: '6m', alertname: 'LongyunMemberClusterUnreachable', exp_alerts: [expected('LongyunMemberClusterUnreachable', { ...L, cluster: 'tianshui' }, 0)] },
              { eval_time: '30m', alertname: 'LongyunNoLeader', exp_alerts: [] },
              { eval_time: '30m', alertname: 'LongyunMultipleLeaders', exp_alerts: [] },
              { eval_time: '30m', alertname: 'LongyunReconcileErrorsHigh', exp_alerts: [expected('LongyunReconcileErrorsHigh', { controller: 'tenant' }, 0.25)] },
              // The former leader's stale tenant queue depth is not the leader's.
              { eval_time: '30m', alertname: 'LongyunWorkQueueStuck', exp_alerts: [] },
              { eval_time: '20m', alertname: 'LongyunTenantsNotReady', exp_alerts: [] },
              { eval_time: '45m', alertname: 'LongyunTenantsNotReady', exp_alerts: [expected('LongyunTenantsNotReady', { phase: 'Provisioning' }, 2)] },
              { eval_time: '45m', alertname: 'LongyunTenantDeletionStuck', exp_alerts: [] },
            ],
            promql_expr_test: [
              {
                // A controller with no error yet (no result="error" series) has a ratio of 0, not none.
                expr: 'controller:longyun_reconcile_errors:ratio_rate5m',
                eval_time: '30m',
                exp_samples: [
                  { labels: 'controller:longyun_reconcile_errors:ratio_rate5m{controller="tenant"}', value: 0.25 },
                  { labels: 'controller:longyun_reconcile_errors:ratio_rate5m{controller="cloudnode"}', value: 0 },
                ],
              },
            ],
          },
          {
            // The tenant queue holds keys and no tenant reconcile finishes; the cloudnode queue keeps growing.
            interval: '1m',
            input_series: [
              series('longyun_leader', L, '1x40'),
              series('longyun_workqueue_depth', { ...L, controller: 'tenant' }, '0 3x40'),
              series('longyun_reconcile_total', { ...L, controller: 'tenant', result: 'success' }, '0 1x40'),
              series('longyun_workqueue_depth', { ...L, controller: 'cloudnode' }, '0+1x40'),
              series('longyun_reconcile_total', { ...L, controller: 'cloudnode', result: 'success' }, '0+5x40'),
            ],
            alert_rule_test: [
              { eval_time: '3m', alertname: 'LongyunWorkQueueStuck', exp_alerts: [] },
              { eval_time: '17m', alertname: 'LongyunWorkQueueStuck', exp_alerts: [expected('LongyunWorkQueueStuck', { controller: 'tenant' }, 3)] },
              { eval_time: '20m', alertname: 'LongyunWorkQueueGrowing', exp_alerts: [] },
              { eval_time: '28m', alertname: 'LongyunWorkQueueGrowing', exp_alerts: [expected('LongyunWorkQueueGrowing', { ...L, controller: 'cloudnode' }, 28)] },
            ],
          },
          {
            // DR: health's same-city copy keeps up; its remote copy stops advancing (lag +60 s a
            // minute against a 900 s RPO); roads' plan names remote-dr and no copy exists; a
            // former leader still exports a huge lag for health's same-city copy.
            interval: '1m',
            input_series: [
              series('longyun_leader', L, '1x40'),
              series('longyun_leader', OLD, '0x40'),
              series('longyun_dr_rpo_target_seconds', { ...L, tenant: 'health', centre: 'same-city-dr' }, '900x40'),
              series('longyun_dr_rpo_target_seconds', { ...L, tenant: 'health', centre: 'remote-dr' }, '900x40'),
              series('longyun_dr_rpo_target_seconds', { ...L, tenant: 'roads', centre: 'remote-dr' }, '600x40'),
              series('longyun_dr_recovery_point_lag_seconds', { ...L, tenant: 'health', centre: 'same-city-dr', node: 'sc' }, '10x40'),
              series('longyun_dr_recovery_point_lag_seconds', { ...L, tenant: 'health', centre: 'remote-dr', node: 'rd' }, '0+60x40'),
              series('longyun_dr_rpo_target_seconds', { ...OLD, tenant: 'health', centre: 'same-city-dr' }, '900x40'),
              series('longyun_dr_recovery_point_lag_seconds', { ...OLD, tenant: 'health', centre: 'same-city-dr', node: 'sc' }, '99999x40'),
            ],
            alert_rule_test: [
              { eval_time: '3m', alertname: 'LongyunDrRecoveryPointLagHigh', exp_alerts: [] },
              { eval_time: '8m', alertname: 'LongyunDrRecoveryPointLagHigh', exp_alerts: [expected('LongyunDrRecoveryPointLagHigh', { tenant: 'roads', centre: 'remote-dr' }, 600)] },
              // remote-dr passes its RPO at 16 minutes; it fires 5 minutes later.
              { eval_time: '19m', alertname: 'LongyunDrRecoveryPointLagHigh', exp_alerts: [expected('LongyunDrRecoveryPointLagHigh', { tenant: 'roads', centre: 'remote-dr' }, 600)] },
              {
                eval_time: '22m',
                alertname: 'LongyunDrRecoveryPointLagHigh',
                exp_alerts: [
                  expected('LongyunDrRecoveryPointLagHigh', { tenant: 'health', centre: 'remote-dr', node: 'rd' }, 1320),
                  expected('LongyunDrRecoveryPointLagHigh', { tenant: 'roads', centre: 'remote-dr' }, 600),
                ],
              },
            ],
            promql_expr_test: [
              {
                expr: `${'max by (tenant, centre) (longyun_dr_recovery_point_lag_seconds and on(job, instance) (longyun_leader == 1))'} / on(tenant, centre) max by (tenant, centre) (longyun_dr_rpo_target_seconds and on(job, instance) (longyun_leader == 1))`,
                eval_time: '30m',
                exp_samples: [
                  { labels: '{tenant="health", centre="same-city-dr"}', value: 10 / 900 },
                  { labels: '{tenant="health", centre="remote-dr"}', value: 2 },
                ],
              },
            ],
          },
          {
            // The leader lets go and nobody takes over; then the only replica disappears.
            interval: '1m',
            input_series: [series('longyun_leader', L, '1x10 0x10 _x40')],
            alert_rule_test: [
              { eval_time: '14m', alertname: 'LongyunNoLeader', exp_alerts: [] },
              { eval_time: '17m', alertname: 'LongyunNoLeader', exp_alerts: [expected('LongyunNoLeader', {}, 0)] },
              { eval_time: '50m', alertname: 'LongyunNoLeader', exp_alerts: [expected('LongyunNoLeader', {}, 1)] },
            ],
          },
        ],
      };
      writeFileSync(join(dir, 'tests.yaml'), stringify(tests));
      const r = spawnSync(promtool, ['test', 'rules', 'tests.yaml'], { cwd: dir, encoding: 'utf8' });
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
