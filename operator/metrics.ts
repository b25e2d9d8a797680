// The operator's Prometheus metrics (prom-client) and its /metrics, /healthz and /readyz server.
// dashboards/ generates Grafana panels and alert rules from METRICS.
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The metric definitions: one place for names, help and labels (dashboards/ reads them). */
export const METRICS = {
  reconciles: { name: 'longyun_reconcile_total', help: 'Reconciles by controller and result (success, error, requeue).', labelNames: ['controller', 'result'] },
  duration: { name: 'longyun_reconcile_duration_seconds', help: 'Reconcile duration by controller.', labelNames: ['controller'] },
  queueDepth: { name: 'longyun_workqueue_depth', help: 'Keys waiting in the work queue, by controller.', labelNames: ['controller'] },
  memberUp: { name: 'longyun_member_cluster_up', help: '1 when the member cluster answers, 0 when it does not.', labelNames: ['cluster'] },
  tenants: { name: 'longyun_tenants', help: 'Tenants by phase.', labelNames: ['phase'] },
  leader: { name: 'longyun_leader', help: '1 on the replica that holds the leader lease.', labelNames: [] as string[] },
} as const;

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconciles = new Counter({ ...METRICS.reconciles, labelNames: [...METRICS.reconciles.labelNames], registers: [this.registry] });
  readonly duration = new Histogram({
    ...METRICS.duration,
    labelNames: [...METRICS.duration.labelNames],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({ ...METRICS.queueDepth, labelNames: [...METRICS.queueDepth.labelNames], registers: [this.registry] });
  readonly memberUp = new Gauge({ ...METRICS.memberUp, labelNames: [...METRICS.memberUp.labelNames], registers: [this.registry] });
  readonly tenants = new Gauge({ ...METRICS.tenants, labelNames: [...METRICS.tenants.labelNames], registers: [this.registry] });
  readonly leader = new Gauge({ name: METRICS.leader.name, help: METRICS.leader.help, registers: [this.registry] });
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
