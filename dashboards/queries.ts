// The PromQL the dashboard and the alert rules share, built from the metric definitions in
// operator/metrics.ts: names come from METRICS, and the helpers only take a metric of the right
// type (rate() a counter or a histogram's series, histogram_quantile() a histogram).
import type { TenantStatus } from '../controllers/tenant-reconciler.js';
import { METRICS, type MetricDefinition, type MetricType } from '../operator/metrics.js';

type Metric<T extends MetricType> = MetricDefinition & { readonly type: T };
type Phase = NonNullable<TenantStatus['phase']>;

/**
 * Every value of longyun_tenants' `phase` label (the operator counts status.phase, 'Pending' when
 * unset) and what it means for alerting. A Record over the reconciler's phase type: a phase added
 * there and not here does not compile.
 */
export const TENANT_PHASES = {
  Pending: 'waiting',
  Provisioning: 'waiting',
  Ready: 'ready',
  Rejected: 'rejected',
  Deleting: 'deleting',
} as const satisfies Record<Phase, 'waiting' | 'ready' | 'rejected' | 'deleting'>;

export function phasesThat(state: (typeof TENANT_PHASES)[Phase]): Phase[] {
  return (Object.keys(TENANT_PHASES) as Phase[]).filter((p) => TENANT_PHASES[p] === state);
}

/** `expr` in parentheses, unless it is already wrapped in one pair. */
export function paren(expr: string): string {
  if (expr.startsWith('(')) {
    let depth = 0;
    for (let i = 0; i < expr.length; i++) {
      if (expr[i] === '(') depth++;
      else if (expr[i] === ')' && --depth === 0) {
        if (i === expr.length - 1) return expr;
        break;
      }
    }
  }
  return `(${expr})`;
}

/** An aggregation over an expression: `aggregate('sum by (phase)', x)` is `sum by (phase) (x)`. */
export function aggregate(op: string, expr: string): string {
  return `${op}${op.endsWith(')') ? ' ' : ''}${paren(expr)}`;
}

export interface QueryScope {
  /** Label matchers added to every selector, e.g. `job=~"$job"` on the dashboard. */
  matchers?: readonly string[];
  /** The range of rate(), increase() and deriv(): `5m`, or Grafana's `$__rate_interval`. */
  window: string;
}

/** The operator's queries in one scope (the dashboard's, with its variables, or the rules'). */
export function queries(scope: QueryScope) {
  const w = scope.window;
  const sel = (name: string, extra: readonly string[] = []): string => {
    const m = [...(scope.matchers ?? []), ...extra];
    return m.length ? `${name}{${m.join(', ')}}` : name;
  };
  const gauge = (m: Metric<'gauge'>, extra: readonly string[] = []) => sel(m.name, extra);
  const counterRate = (m: Metric<'counter'>, extra: readonly string[] = [], range = w) => `rate(${sel(m.name, extra)}[${range}])`;
  const histogramRate = (m: Metric<'histogram'>, series: '_bucket' | '_sum' | '_count', range = w) => `rate(${sel(m.name + series)}[${range}])`;
  const leaders = `${gauge(METRICS.leader)} == 1`;
  /**
   * Only the leader's series of a gauge. A replica empties the gauges it sets while leading (member
   * clusters, queue depth, tenants) when it stops, but one that has not yet noticed it lost the
   * lease (cut off from the API server) still exports old values.
   */
  const onLeader = (expr: string) => `(${expr} and on(job, instance) (${leaders}))`;
  /** 0, not nothing, while there has been no error (prom-client exports a label set once it counts one). */
  const errorRatio = (by: string, range = w) => {
    const all = aggregate(by, counterRate(METRICS.reconciles, [], range));
    return `(${aggregate(by, counterRate(METRICS.reconciles, ['result="error"'], range))} or ${all} * 0) / ${all}`;
  };
  const durationQuantile = (q: number, range = w) => `histogram_quantile(${q}, ${aggregate('sum by (controller, le)', histogramRate(METRICS.duration, '_bucket', range))})`;
  const drLag = aggregate('max by (tenant, centre, node)', onLeader(gauge(METRICS.drLag)));
  const drRpo = aggregate('max by (tenant, centre)', onLeader(gauge(METRICS.drRpo)));
  const tenantsIn = (phases: readonly Phase[]) => onLeader(gauge(METRICS.tenants, [phases.length === 1 ? `phase="${phases[0]}"` : `phase=~"${phases.join('|')}"`]));
  return {
    reconcileRate: aggregate('sum by (controller, result)', counterRate(METRICS.reconciles)),
    /** Errors over all reconciles; `by` is the aggregation: `sum by (controller)` or `sum`. */
    errorRatio,
    durationQuantile,
    durationMean: `${aggregate('sum by (controller)', histogramRate(METRICS.duration, '_sum'))} / ${aggregate('sum by (controller)', histogramRate(METRICS.duration, '_count'))}`,
    writeRate: aggregate('sum by (cluster, verb)', counterRate(METRICS.writes)),
    reconcilesFinished: (range: string) => aggregate('sum by (controller)', `increase(${sel(METRICS.reconciles.name)}[${range}])`),
    queueDepth: onLeader(gauge(METRICS.queueDepth)),
    queueDepthGrowth: (range: string) => `deriv(${gauge(METRICS.queueDepth)}[${range}])`,
    memberUp: onLeader(gauge(METRICS.memberUp)),
    tenants: onLeader(gauge(METRICS.tenants)),
    tenantsIn,
    leader: gauge(METRICS.leader),
    leaders,
    /** Per standby copy (max over replicas: labels stay put when the leader changes). */
    drLag,
    /** Per tenant and centre its plan names. */
    drRpo,
    drLagOverRpo: `${aggregate('max by (tenant, centre)', drLag)} / on(tenant, centre) ${drRpo}`,
    /**
     * Standby copies behind their plan's RPO target: lag above it (value: the lag), or no
     * recovery point at all for a centre the plan names (value: the target).
     */
    drBehindRpo: `(${drLag} > on(tenant, centre) group_left ${drRpo}) or (${drRpo} unless on(tenant, centre) ${drLag})`,
    drInSync: aggregate('max by (tenant, centre, node)', onLeader(gauge(METRICS.drInSync))),
    drObjects: aggregate('max by (tenant, centre, node)', onLeader(gauge(METRICS.drObjects))),
    drCopyWriteRate: aggregate('sum by (cluster, verb)', counterRate(METRICS.drCopyWrites)),
  };
}
