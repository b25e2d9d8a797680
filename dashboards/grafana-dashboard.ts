// The operator's Grafana dashboard (JSON model, schemaVersion 39), from the metric definitions in
// operator/metrics.ts. Panels describe themselves with the metrics' help text; every metric has a
// panel (dashboards/grafana-dashboard.test.ts fails for one that has none).
import { METRICS } from '../operator/metrics.js';
import { aggregate, phasesThat, queries } from './queries.js';
import { THRESHOLDS } from './prometheus-rules.js';

export const DASHBOARD_UID = 'longyun-operator';

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;

export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Target {
  datasource: typeof DATASOURCE;
  refId: string;
  expr: string;
  legendFormat: string;
  editorMode: 'code';
  range: boolean;
  instant: boolean;
  format?: 'time_series' | 'table';
}

export interface Panel {
  id: number;
  type: 'timeseries' | 'stat' | 'table' | 'row';
  title: string;
  gridPos: GridPos;
  description?: string;
  datasource?: typeof DATASOURCE;
  targets?: Target[];
  fieldConfig?: object;
  options?: object;
  transformations?: object[];
  collapsed?: boolean;
  panels?: Panel[];
}

export interface GrafanaDashboard {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  timezone: string;
  editable: boolean;
  graphTooltip: number;
  time: { from: string; to: string };
  refresh: string;
  schemaVersion: number;
  version: number;
  annotations: { list: object[] };
  templating: { list: object[] };
  links: object[];
  panels: Panel[];
}

type Threshold = { color: string; value: number | null };
type Unsized = Omit<Panel, 'id' | 'gridPos'>;

const target = (expr: string, legendFormat: string, refId: string, instant = false): Target => ({
  datasource: DATASOURCE,
  refId,
  expr,
  legendFormat,
  editorMode: 'code',
  range: !instant,
  instant,
  ...(instant ? { format: 'table' as const } : {}),
});
const refIds = (pairs: Array<[string, string]>) => pairs.map(([expr, legend], i) => target(expr, legend, String.fromCharCode(65 + i)));
const thresholds = (steps: Threshold[]) => ({ mode: 'absolute', steps });
const alertLine = (value: number): Threshold[] => [
  { color: 'green', value: null },
  { color: 'red', value },
];
const UP_DOWN = [{ type: 'value', options: { '0': { text: 'down', color: 'red', index: 0 }, '1': { text: 'up', color: 'green', index: 1 } } }];

interface TimeseriesOptions {
  unit?: string;
  min?: number;
  max?: number;
  stack?: boolean;
  stepped?: boolean;
  /** Draws the alert's threshold as a dashed red line. */
  alertAt?: number;
  mappings?: object[];
}

function timeseries(title: string, description: string, targets: Array<[string, string]>, o: TimeseriesOptions = {}): Unsized {
  return {
    type: 'timeseries',
    title,
    description,
    datasource: DATASOURCE,
    targets: refIds(targets),
    fieldConfig: {
      defaults: {
        unit: o.unit ?? 'short',
        ...(o.min !== undefined ? { min: o.min } : {}),
        ...(o.max !== undefined ? { max: o.max } : {}),
        custom: {
          drawStyle: 'line',
          lineInterpolation: o.stepped ? 'stepAfter' : 'linear',
          lineWidth: 1,
          fillOpacity: o.stack ? 30 : 10,
          showPoints: 'never',
          spanNulls: false,
          stacking: { mode: o.stack ? 'normal' : 'none', group: 'A' },
          thresholdsStyle: { mode: o.alertAt !== undefined ? 'dashed' : 'off' },
        },
        color: { mode: 'palette-classic' },
        thresholds: thresholds(o.alertAt !== undefined ? alertLine(o.alertAt) : [{ color: 'green', value: null }]),
        mappings: o.mappings ?? [],
      },
      overrides: [],
    },
    options: {
      legend: { showLegend: true, displayMode: 'table', placement: 'right', calcs: ['lastNotNull', 'max'] },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
  };
}

interface StatOptions {
  unit?: string;
  steps?: Threshold[];
  textMode?: 'auto' | 'value' | 'name' | 'value_and_name';
  noValue?: string;
  mappings?: object[];
}

function stat(title: string, description: string, targets: Array<[string, string]>, o: StatOptions = {}): Unsized {
  return {
    type: 'stat',
    title,
    description,
    datasource: DATASOURCE,
    targets: refIds(targets),
    fieldConfig: {
      defaults: {
        unit: o.unit ?? 'short',
        color: { mode: 'thresholds' },
        thresholds: thresholds(o.steps ?? [{ color: 'green', value: null }]),
        mappings: o.mappings ?? [],
        ...(o.noValue ? { noValue: o.noValue } : {}),
      },
      overrides: [],
    },
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode: 'background',
      graphMode: 'none',
      justifyMode: 'auto',
      orientation: 'auto',
      textMode: o.textMode ?? 'auto',
    },
  };
}

function table(title: string, description: string, expr: string, o: { valueName: string; hide: string[]; mappings?: object[] }): Unsized {
  return {
    type: 'table',
    title,
    description,
    datasource: DATASOURCE,
    targets: [target(expr, '', 'A', true)],
    fieldConfig: {
      defaults: { mappings: o.mappings ?? [], custom: { align: 'auto', cellOptions: { type: 'color-text' } }, thresholds: thresholds([{ color: 'green', value: null }]) },
      overrides: [],
    },
    options: { showHeader: true, cellHeight: 'sm', footer: { show: false, reducer: ['sum'], fields: '' } },
    transformations: [{ id: 'organize', options: { excludeByName: Object.fromEntries(['Time', '__name__', ...o.hide].map((k) => [k, true])), renameByName: { Value: o.valueName } } }],
  };
}

interface Section {
  /** A row's title; the first section has none. */
  row?: string;
  /** Panels with their width and height, laid out left to right on the 24-column grid. */
  panels: Array<[Unsized, number, number]>;
}

/** Ids in order and gridPos left to right, top to bottom; a row header is 1 high and 24 wide. */
function layout(sections: Section[]): Panel[] {
  const out: Panel[] = [];
  let id = 1;
  let y = 0;
  for (const s of sections) {
    if (s.row) {
      out.push({ id: id++, type: 'row', title: s.row, collapsed: false, panels: [], gridPos: { x: 0, y, w: 24, h: 1 } });
      y += 1;
    }
    let x = 0;
    let rowHeight = 0;
    for (const [panel, w, h] of s.panels) {
      if (x + w > 24) {
        y += rowHeight;
        x = 0;
        rowHeight = 0;
      }
      out.push({ id: id++, ...panel, gridPos: { x, y, w, h } });
      x += w;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
  }
  return out;
}

export function grafanaDashboard(): GrafanaDashboard {
  const q = queries({ matchers: ['job=~"$job"'], window: '$__rate_interval' });
  const waiting = phasesThat('waiting');
  const leaderNote = 'Only the leader\'s series: a standby exports none, and a replica that has not yet noticed it lost the lease may still show old values.';
  const drNote = 'API objects only (rpoScope: objects): volume data is Velero\'s and not measured. `longyun dr status TENANT` shows the same per tenant. Only the leader\'s series.';
  const panels = layout([
    {
      panels: [
        [stat('Leader', `The replica (instance) that holds the leader lease. ${METRICS.leader.help}`, [[q.leaders, '{{instance}}']], { textMode: 'name', noValue: 'no leader', steps: [{ color: 'green', value: null }] }), 5, 4],
        [
          stat('Replicas leading', `How many replicas report ${METRICS.leader.name} = 1: should be exactly 1.`, [[aggregate('sum', q.leader), 'leading']], {
            steps: [
              { color: 'red', value: null },
              { color: 'green', value: 1 },
              { color: 'red', value: 2 },
            ],
          }),
          3,
          4,
        ],
        [stat('Member clusters up', METRICS.memberUp.help, [[aggregate('sum', q.memberUp), 'up']], { noValue: '0' }), 3, 4],
        [stat('Member clusters down', `${METRICS.memberUp.help} Alert: LongyunMemberClusterUnreachable.`, [[`${aggregate('count', `${q.memberUp} == 0`)} or vector(0)`, 'down']], { steps: alertLine(1) }), 3, 4],
        [
          stat('Reconcile errors', `Share of all reconciles that failed. ${METRICS.reconciles.help}`, [[q.errorRatio('sum'), 'errors']], { unit: 'percentunit', steps: alertLine(THRESHOLDS.errorRatio), noValue: 'no reconciles' }),
          3,
          4,
        ],
        [stat('Tenants by phase', `${METRICS.tenants.help} ${leaderNote}`, [[aggregate('sum by (phase)', q.tenants), '{{phase}}']], { textMode: 'value_and_name', steps: [{ color: 'blue', value: null }] }), 7, 4],
      ],
    },
    {
      row: 'Reconciles',
      panels: [
        [timeseries('Reconcile rate by controller and result', METRICS.reconciles.help, [[q.reconcileRate, '{{controller}} {{result}}']], { unit: 'ops', min: 0 }), 12, 8],
        [
          timeseries('Reconcile error ratio by controller', `Failed reconciles over all reconciles. ${METRICS.reconciles.help} The dashed line is LongyunReconcileErrorsHigh's threshold.`, [[q.errorRatio('sum by (controller)'), '{{controller}}']], {
            unit: 'percentunit',
            min: 0,
            alertAt: THRESHOLDS.errorRatio,
          }),
          12,
          8,
        ],
        [
          timeseries(
            'Reconcile duration by controller (p50, p95, p99, mean)',
            `${METRICS.duration.help} Quantiles from the histogram's buckets; the dashed line is LongyunReconcileSlow's p95 threshold.`,
            [
              [q.durationQuantile(0.5), '{{controller}} p50'],
              [q.durationQuantile(0.95), '{{controller}} p95'],
              [q.durationQuantile(0.99), '{{controller}} p99'],
              [q.durationMean, '{{controller}} mean'],
            ],
            { unit: 's', min: 0, alertAt: THRESHOLDS.p95Seconds },
          ),
          24,
          9,
        ],
        [
          timeseries(
            'Writes to API servers by cluster and verb',
            `${METRICS.writes.help} An unchanged estate needs none: resyncs compare with the caches, and only drift or new work writes.`,
            [[q.writeRate, '{{cluster}} {{verb}}']],
            { unit: 'wps', min: 0, stack: true },
          ),
          24,
          7,
        ],
      ],
    },
    {
      row: 'Work queue',
      panels: [
        [
          timeseries('Work queue depth by controller', `${METRICS.queueDepth.help} Read at each scrape. ${leaderNote}`, [[aggregate('max by (controller)', q.queueDepth), '{{controller}}']], {
            min: 0,
            alertAt: THRESHOLDS.queueDepth,
          }),
          24,
          7,
        ],
      ],
    },
    {
      row: 'Member clusters',
      panels: [
        [timeseries('Member cluster up', `${METRICS.memberUp.help} ${leaderNote}`, [[aggregate('max by (cluster)', q.memberUp), '{{cluster}}']], { min: 0, max: 1, stepped: true, mappings: UP_DOWN }), 16, 8],
        [table('Member clusters now', `${METRICS.memberUp.help} ${leaderNote}`, aggregate('max by (cluster)', q.memberUp), { valueName: 'state', hide: [], mappings: UP_DOWN }), 8, 8],
      ],
    },
    {
      row: 'Tenants',
      panels: [
        [
          timeseries('Tenants by phase', `${METRICS.tenants.help} ${waiting.join(' and ')} for long: LongyunTenantsNotReady; Deleting for long: LongyunTenantDeletionStuck. ${leaderNote}`, [[aggregate('sum by (phase)', q.tenants), '{{phase}}']], {
            min: 0,
            stack: true,
          }),
          24,
          8,
        ],
      ],
    },
    {
      row: 'Disaster recovery: standby copies',
      panels: [
        [stat('Copies behind RPO', `Standby copies whose recovery point is older than their plan's RPO target, or that have none. Alert: LongyunDrRecoveryPointLagHigh. ${drNote}`, [[`count(${q.drBehindRpo}) or vector(0)`, 'behind']], { steps: alertLine(1) }), 6, 4],
        [stat('Copies out of sync', `${METRICS.drInSync.help} Copies whose digest differs from production's. ${drNote}`, [[`count(${q.drInSync} == 0) or vector(0)`, 'out of sync']], { steps: alertLine(1) }), 6, 4],
        [stat('Objects in standby copies', `${METRICS.drObjects.help} Summed over every copy. ${drNote}`, [[`sum(${q.drObjects})`, 'objects']], { noValue: '0', steps: [{ color: 'blue', value: null }] }), 6, 4],
        [stat('Standby copies', `Copies with a recovery point. ${METRICS.drLag.help}`, [[`count(${q.drLag})`, 'copies']], { noValue: '0', steps: [{ color: 'blue', value: null }] }), 6, 4],
        [
          timeseries('Recovery point lag / RPO target by tenant and centre', `${METRICS.drLag.help} Divided by ${METRICS.drRpo.name}: above the dashed line (1) the copy is older than its plan allows. ${drNote}`, [[q.drLagOverRpo, '{{tenant}} {{centre}}']], {
            unit: 'percentunit',
            min: 0,
            alertAt: THRESHOLDS.drLagOverRpo,
          }),
          12,
          8,
        ],
        [
          timeseries('Recovery point lag by tenant and centre', `${METRICS.drLag.help} The lag grows while the source does not answer (the recovery point stops). ${drNote}`, [[aggregate('max by (tenant, centre)', q.drLag), '{{tenant}} {{centre}}']], {
            unit: 's',
            min: 0,
          }),
          12,
          8,
        ],
        [table('Standby copies behind RPO now', `Lag of each copy behind its RPO target (or the target, for a centre with no copy yet). ${drNote}`, q.drBehindRpo, { valueName: 'lag (s)', hide: ['job', 'instance'] }), 12, 8],
        [timeseries('Standby copier writes by cluster and verb', `${METRICS.drCopyWrites.help} Steady state writes only what production changed, and what someone changed on a standby.`, [[q.drCopyWriteRate, '{{cluster}} {{verb}}']], { unit: 'wps', min: 0, stack: true }), 12, 8],
      ],
    },
    {
      row: 'Leader election',
      panels: [[timeseries('Leader by replica', METRICS.leader.help, [[q.leader, '{{instance}}']], { min: 0, max: 1, stepped: true }), 24, 6]],
    },
  ]);

  return {
    uid: DASHBOARD_UID,
    title: 'longyun operator',
    description: 'The longyun operator: reconciles, work queues, member clusters, tenants, standby copies (DR) and leader election. Generated by `longyun operator dashboards`.',
    tags: ['longyun', 'operator', 'kubernetes'],
    timezone: 'browser',
    editable: true,
    graphTooltip: 1,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    schemaVersion: 39,
    version: 1,
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    templating: {
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0, includeAll: false, multi: false, options: [], refresh: 1, regex: '' },
        {
          name: 'job',
          label: 'Job',
          type: 'query',
          datasource: DATASOURCE,
          query: `label_values(${METRICS.leader.name}, job)`,
          definition: `label_values(${METRICS.leader.name}, job)`,
          current: {},
          hide: 0,
          includeAll: true,
          allValue: '.+',
          multi: true,
          options: [],
          refresh: 2,
          regex: '',
          sort: 1,
        },
      ],
    },
    links: [],
    panels,
  };
}
