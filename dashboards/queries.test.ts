import { describe, expect, it } from 'vitest';
import { parseErrors } from './promql.test-helpers.js';
import { aggregate, paren, phasesThat, queries, TENANT_PHASES } from './queries.js';

describe('paren and aggregate', () => {
  it('wrap an expression once, and only when it is not already wrapped as a whole', () => {
    expect(paren('a')).toBe('(a)');
    expect(paren('(a)')).toBe('(a)');
    expect(paren('(a) + (b)')).toBe('((a) + (b))');
    expect(paren('(a and on(x) (b == 1))')).toBe('(a and on(x) (b == 1))');
    expect(aggregate('sum', 'rate(x[5m])')).toBe('sum(rate(x[5m]))');
    expect(aggregate('sum by (phase)', '(a and b)')).toBe('sum by (phase) (a and b)');
  });
});

describe('queries', () => {
  it('adds the scope\'s matchers to every selector and uses its window', () => {
    const q = queries({ matchers: ['job=~"$job"'], window: '$__rate_interval' });
    expect(q.reconcileRate).toBe('sum by (controller, result) (rate(longyun_reconcile_total{job=~"$job"}[$__rate_interval]))');
    expect(q.errorRatio('sum')).toBe(
      '(sum(rate(longyun_reconcile_total{job=~"$job", result="error"}[$__rate_interval])) or sum(rate(longyun_reconcile_total{job=~"$job"}[$__rate_interval])) * 0) / sum(rate(longyun_reconcile_total{job=~"$job"}[$__rate_interval]))',
    );
    expect(queries({ window: '5m' }).durationMean).toBe('sum by (controller) (rate(longyun_reconcile_duration_seconds_sum[5m])) / sum by (controller) (rate(longyun_reconcile_duration_seconds_count[5m]))');
  });

  it('keeps only the leader\'s gauges, in parentheses so that a comparison after them applies to the result', () => {
    const q = queries({ window: '5m' });
    expect(q.memberUp).toBe('(longyun_member_cluster_up and on(job, instance) (longyun_leader == 1))');
    expect(q.tenantsIn(['Pending', 'Provisioning'])).toBe('(longyun_tenants{phase=~"Pending|Provisioning"} and on(job, instance) (longyun_leader == 1))');
    expect(q.tenantsIn(['Deleting'])).toBe('(longyun_tenants{phase="Deleting"} and on(job, instance) (longyun_leader == 1))');
    for (const e of [q.memberUp, q.queueDepth, q.tenants, `${q.queueDepth} > 10`]) expect(parseErrors(e)).toEqual([]);
  });
});

describe('TENANT_PHASES', () => {
  it('sorts every phase the operator sets into waiting, ready, rejected or deleting', () => {
    expect(Object.keys(TENANT_PHASES).sort()).toEqual(['Deleting', 'Pending', 'Provisioning', 'Ready', 'Rejected']);
    expect(phasesThat('waiting')).toEqual(['Pending', 'Provisioning']);
    expect(phasesThat('ready')).toEqual(['Ready']);
  });
});
