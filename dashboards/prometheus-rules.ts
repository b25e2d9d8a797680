// The operator's Prometheus recording and alerting rules, from the metric definitions: a rules
// file (for `rule_files:`) and the same groups as a PrometheusRule for the Prometheus Operator.
// Each alert's runbook is a subsection of the README's Monitoring section.
import { METRICS } from '../operator/metrics.js';
import { aggregate, phasesThat, queries } from './queries.js';

export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

export type Severity = 'critical' | 'warning';

export interface AlertingRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: Severity } & Record<string, string>;
  annotations: { summary: string; description: string; runbook_url: string };
}

export interface RuleGroup {
  name: string;
  rules: Array<RecordingRule | AlertingRule>;
}

export interface RulesFile {
  groups: RuleGroup[];
}

export interface PrometheusRuleResource {
  apiVersion: 'monitoring.coreos.com/v1';
  kind: 'PrometheusRule';
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: RulesFile;
}

export interface RulesOptions {
  /**
   * Where the README is published; each alert's runbook_url is this plus `#<alert name in lower
   * case>` (GitHub's anchor of the alert's heading in the Monitoring section). Default `README.md`.
   */
  runbookBase?: string;
}

/** The thresholds of the alerts; the dashboard draws the same lines. */
export const THRESHOLDS = {
  /** Share of reconciles that fail, per controller. */
  errorRatio: 0.1,
  /** 95th percentile of reconcile duration, per controller, in seconds. */
  p95Seconds: 5,
  /** Keys waiting in a work queue before a steady growth is worth a warning. */
  queueDepth: 10,
  /** Lag over the RPO target at which a standby copy is behind (the dashboard's line). */
  drLagOverRpo: 1,
} as const;

export const RULE_GROUPS = { recording: 'longyun-operator.rules', alerts: 'longyun-operator.alerts' } as const;

/** Rules over 5-minute windows (what the alerts and ad-hoc queries can read cheaply). */
function recordingRules(): RecordingRule[] {
  const q = queries({ window: '5m' });
  return [
    { record: 'controller_result:longyun_reconcile:rate5m', expr: q.reconcileRate },
    { record: 'controller:longyun_reconcile_errors:ratio_rate5m', expr: q.errorRatio('sum by (controller)') },
    { record: 'controller:longyun_reconcile_duration_seconds:p95_5m', expr: q.durationQuantile(0.95) },
  ];
}

function alertingRules(runbook: (alert: string) => string): AlertingRule[] {
  const q = queries({ window: '10m' });
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  const alert = (name: string, severity: Severity, expr: string, forDuration: string, summary: string, description: string): AlertingRule => ({
    alert: name,
    expr,
    for: forDuration,
    labels: { severity },
    annotations: { summary, description, runbook_url: runbook(name) },
  });
  const waiting = phasesThat('waiting');
  return [
    alert(
      'LongyunMemberClusterUnreachable',
      'critical',
      `${q.memberUp} == 0`,
      '2m',
      'Member cluster {{ $labels.cluster }} does not answer',
      'The operator has not reached the API server of member cluster {{ $labels.cluster }} for 2 minutes (its CloudNode is Reachable=False). Tenants on it are neither provisioned nor repaired, and deleting them waits until it answers.',
    ),
    alert(
      'LongyunNoLeader',
      'critical',
      `${aggregate('max', q.leader)} < 1 or absent(${METRICS.leader.name})`,
      '5m',
      'No longyun operator replica holds the leader lease',
      'For 5 minutes no replica of the longyun operator has been leading (or Prometheus scrapes none at all): nothing reconciles CloudNodes or Tenants, and member clusters are not checked.',
    ),
    alert(
      'LongyunMultipleLeaders',
      'warning',
      `${aggregate('sum', q.leader)} > 1`,
      '5m',
      '{{ $value }} longyun operator replicas say they lead',
      'For 5 minutes more than one replica has reported holding the leader lease. A replica that cannot renew stops within its renew deadline and its writes are fenced, so this is a bug (or a replica stuck reporting): find the lease holder and delete the other pods.',
    ),
    alert(
      'LongyunReconcileErrorsHigh',
      'warning',
      `${q.errorRatio('sum by (controller)')} > ${THRESHOLDS.errorRatio}`,
      '15m',
      'Over {{ $value | humanizePercentage }} of {{ $labels.controller }} reconciles fail',
      `For 15 minutes more than ${pct(THRESHOLDS.errorRatio)} of the operator's {{ $labels.controller }} reconciles have failed. They are retried with backoff; the failing objects' status and events say why.`,
    ),
    alert(
      'LongyunReconcileSlow',
      'warning',
      `${q.durationQuantile(0.95)} > ${THRESHOLDS.p95Seconds}`,
      '15m',
      '{{ $labels.controller }} reconciles take {{ $value | humanizeDuration }} (p95)',
      `For 15 minutes the 95th percentile of the operator's {{ $labels.controller }} reconcile duration has been above ${THRESHOLDS.p95Seconds} s: the management or a member API server answers slowly.`,
    ),
    alert(
      'LongyunWorkQueueStuck',
      'critical',
      `(${aggregate('max by (controller)', q.queueDepth)} > 0) unless on(controller) (${q.reconcilesFinished('10m')} > 0)`,
      '5m',
      'The {{ $labels.controller }} work queue has keys waiting and no reconcile finishes',
      'Keys wait in the leader\'s {{ $labels.controller }} work queue, and no {{ $labels.controller }} reconcile has finished for 15 minutes: the controller is wedged.',
    ),
    alert(
      'LongyunWorkQueueGrowing',
      'warning',
      `${q.queueDepth} > ${THRESHOLDS.queueDepth} and ${q.queueDepthGrowth('15m')} > 0`,
      '15m',
      'The {{ $labels.controller }} work queue keeps growing ({{ $value }} keys)',
      `For 15 minutes the leader's {{ $labels.controller }} work queue has held more than ${THRESHOLDS.queueDepth} keys and kept growing: keys arrive faster than they are reconciled.`,
    ),
    alert(
      'LongyunTenantsNotReady',
      'warning',
      `${aggregate('sum by (phase)', q.tenantsIn(waiting))} > 0`,
      '30m',
      '{{ $value }} tenants in phase {{ $labels.phase }} for 30 minutes',
      `For 30 minutes there has always been at least one Tenant in phase {{ $labels.phase }} (${waiting.join(' or ')}): waiting for a Ready cloud node with room, or for its objects to apply on the member.`,
    ),
    alert(
      'LongyunTenantDeletionStuck',
      'warning',
      `${aggregate('sum by (phase)', q.tenantsIn(phasesThat('deleting')))} > 0`,
      '30m',
      '{{ $value }} tenants have been deleting for 30 minutes',
      'For 30 minutes there has always been at least one Tenant in phase Deleting: its finalizer waits until its objects are removed from the member cluster.',
    ),
    alert(
      'LongyunDrRecoveryPointLagHigh',
      'warning',
      q.drBehindRpo,
      '5m',
      'The {{ $labels.centre }} standby copy of tenant {{ $labels.tenant }} is older than its RPO target',
      'For 5 minutes the standby copy of tenant {{ $labels.tenant }} in the {{ $labels.centre }} centre has had a recovery point older than the RPO target of its DR plan, or none at all: a failover to it now would lose more changes than the plan allows. It measures API objects only; volume data is Velero\'s.',
    ),
  ];
}

/** The rules file: recording rules, then alerts. */
export function prometheusRules(opts: RulesOptions = {}): RulesFile {
  const base = opts.runbookBase ?? 'README.md';
  return {
    groups: [
      { name: RULE_GROUPS.recording, rules: recordingRules() },
      { name: RULE_GROUPS.alerts, rules: alertingRules((alert) => `${base}#${alert.toLowerCase()}`) },
    ],
  };
}

export interface PrometheusRuleOptions extends RulesOptions {
  namespace?: string;
  /** Labels on the PrometheusRule, e.g. the one a Prometheus's ruleSelector matches. */
  labels?: Record<string, string>;
}

/** The same groups as a PrometheusRule (monitoring.coreos.com/v1). */
export function prometheusRule(opts: PrometheusRuleOptions = {}): PrometheusRuleResource {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: 'longyun-operator',
      namespace: opts.namespace ?? 'longyun-system',
      labels: { 'app.kubernetes.io/name': 'longyun-operator', 'app.kubernetes.io/managed-by': 'longyun', ...opts.labels },
    },
    spec: prometheusRules(opts),
  };
}

export function isAlertingRule(rule: RecordingRule | AlertingRule): rule is AlertingRule {
  return 'alert' in rule;
}
