// The operator's Prometheus metrics (prom-client) and its /metrics, /healthz and /readyz server.
// dashboards/ generates Grafana panels and alert rules from METRICS.
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The kinds of metric the operator exports (prom-client's Counter, Histogram, Gauge). */
export type MetricType = 'counter' | 'histogram' | 'gauge';

export interface MetricDefinition {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly labelNames: readonly string[];
}

/**
 * The metric definitions: one place for names, help, type and labels (dashboards/ reads them and
 * generates the Grafana dashboard and the alert rules; its tests fail for a metric with no panel).
 */
export const METRICS = {
  reconciles: { name: 'longyun_reconcile_total', help: 'Reconciles by controller and result (success, error, requeue).', type: 'counter', labelNames: ['controller', 'result'] },
  duration: { name: 'longyun_reconcile_duration_seconds', help: 'Reconcile duration by controller.', type: 'histogram', labelNames: ['controller'] },
  queueDepth: { name: 'longyun_workqueue_depth', help: 'Keys waiting in the work queue, by controller.', type: 'gauge', labelNames: ['controller'] },
  memberUp: { name: 'longyun_member_cluster_up', help: '1 when the member cluster answers, 0 when it does not.', type: 'gauge', labelNames: ['cluster'] },
  tenants: { name: 'longyun_tenants', help: 'Tenants by phase.', type: 'gauge', labelNames: ['phase'] },
  leader: { name: 'longyun_leader', help: '1 on the replica that holds the leader lease.', type: 'gauge', labelNames: [] },
  writes: { name: 'longyun_kube_writes_total', help: 'Writes sent to API servers (apply, patch, create, delete), by cluster (management or the cloud node) and verb.', type: 'counter', labelNames: ['cluster', 'verb'] },
} as const satisfies Record<string, MetricDefinition>;

/** What prom-client's constructors take from a definition (its `type` is ours, not theirs). */
function config<L extends string>(def: { name: string; help: string; labelNames: readonly L[] }): { name: string; help: string; labelNames: L[] } {
  return { name: def.name, help: def.help, labelNames: [...def.labelNames] };
}

/** Values the gauges read when scraped, from the controllers while they run (none on a standby replica). */
export interface MetricSources {
  queueDepths: () => Record<string, number>;
  tenantPhases: () => ReadonlyMap<string, number>;
}

export class OperatorMetrics {
  private sources: MetricSources | undefined;
  readonly registry = new Registry();
  readonly reconciles = new Counter({ ...config(METRICS.reconciles), registers: [this.registry] });
  readonly duration = new Histogram({
    ...config(METRICS.duration),
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    ...config(METRICS.queueDepth),
    registers: [this.registry],
    collect: () => {
      this.queueDepth.reset();
      for (const [controller, depth] of Object.entries(this.sources?.queueDepths() ?? {})) this.queueDepth.set({ controller }, depth);
    },
  });
  readonly memberUp = new Gauge({ ...config(METRICS.memberUp), registers: [this.registry] });
  readonly tenants = new Gauge({
    ...config(METRICS.tenants),
    registers: [this.registry],
    collect: () => {
      this.tenants.reset();
      for (const [phase, n] of this.sources?.tenantPhases() ?? []) this.tenants.set({ phase }, n);
    },
  });
  readonly leader = new Gauge({ ...config(METRICS.leader), registers: [this.registry] });
  readonly writes = new Counter({ ...config(METRICS.writes), registers: [this.registry] });

  /** While the controllers run, the gauges read them at each scrape; `undefined` when they stop (the gauges empty). */
  observe(sources: MetricSources | undefined): void {
    this.sources = sources;
  }

  /** All writes counted so far. */
  async writeCount(): Promise<number> {
    return (await this.writes.get()).values.reduce((a, v) => a + v.value, 0);
  }
}

export interface HealthServerOptions {
  port: number;
  host?: string;
  metrics: OperatorMetrics;
  /** Ready: a standby replica is ready; a leader once its caches synced. */
  ready: () => boolean;
}

export function startHealthServer(opts: HealthServerOptions): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (req.url === '/readyz') {
      const ok = opts.ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'not ready\n');
    } else if (req.url === '/metrics') {
      opts.metrics.registry
        .metrics()
        .then((text) => res.writeHead(200, { 'content-type': opts.metrics.registry.contentType }).end(text))
        .catch((e: Error) => res.writeHead(500).end(e.message));
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve(server));
  });
}
