// The operator's Prometheus metrics (prom-client) and its /metrics, /healthz and /readyz server.
// dashboards/ generates Grafana panels and alert rules from METRICS.
import { createServer, type Server } from 'node:http';
import { isIPv6 } from 'node:net';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DrObservation } from '../controllers/dr/status.js';
import { LongyunError } from '../topology/errors.js';

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
  drLag: {
    name: 'longyun_dr_recovery_point_lag_seconds',
    help: 'Seconds from the recovery point of a tenant\'s standby copy (API objects only) to now, per tenant, DR centre and standby node; none while the copy has no recovery point.',
    type: 'gauge',
    labelNames: ['tenant', 'centre', 'node'],
  },
  drRpo: { name: 'longyun_dr_rpo_target_seconds', help: 'The RPO target of a tenant\'s DR plan, per DR centre it names.', type: 'gauge', labelNames: ['tenant', 'centre'] },
  drInSync: { name: 'longyun_dr_copy_in_sync', help: '1 when the digest of a tenant\'s standby copy (in source form) equals production\'s, else 0.', type: 'gauge', labelNames: ['tenant', 'centre', 'node'] },
  drObjects: { name: 'longyun_dr_copy_objects', help: 'Objects in a tenant\'s standby copy.', type: 'gauge', labelNames: ['tenant', 'centre', 'node'] },
  drCopyWrites: { name: 'longyun_dr_copy_writes_total', help: 'Writes the standby copier sent to standby clusters (apply, delete), by cluster and verb.', type: 'counter', labelNames: ['cluster', 'verb'] },
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
  private dr: { observations: () => readonly DrObservation[]; now: () => Date } | undefined;
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
  readonly drLag = new Gauge({
    ...config(METRICS.drLag),
    registers: [this.registry],
    collect: () => {
      this.collectDr(this.drLag, (o, now) => (o.node !== undefined && o.recoveryPoint ? [{ tenant: o.tenant, centre: o.centre, node: o.node }, Math.max(0, (now.getTime() - o.recoveryPoint.getTime()) / 1000)] : undefined));
    },
  });
  readonly drRpo = new Gauge({
    ...config(METRICS.drRpo),
    registers: [this.registry],
    collect: () => {
      this.collectDr(this.drRpo, (o) => [{ tenant: o.tenant, centre: o.centre }, o.rpoSeconds]);
    },
  });
  readonly drInSync = new Gauge({
    ...config(METRICS.drInSync),
    registers: [this.registry],
    collect: () => {
      this.collectDr(this.drInSync, (o) => (o.node !== undefined ? [{ tenant: o.tenant, centre: o.centre, node: o.node }, o.inSync ? 1 : 0] : undefined));
    },
  });
  readonly drObjects = new Gauge({
    ...config(METRICS.drObjects),
    registers: [this.registry],
    collect: () => {
      this.collectDr(this.drObjects, (o) => (o.node !== undefined && o.objects !== undefined ? [{ tenant: o.tenant, centre: o.centre, node: o.node }, o.objects] : undefined));
    },
  });
  /** The standby copier counts its writes here (as well as in `writes`). */
  readonly drCopyWrites = new Counter({ ...config(METRICS.drCopyWrites), registers: [this.registry] });

  /** While the controllers run, the gauges read them at each scrape; `undefined` when they stop (the gauges empty). */
  observe(sources: MetricSources | undefined): void {
    this.sources = sources;
  }

  /**
   * While the DR controller runs (on the leader), the DR gauges read its standby copies at each
   * scrape, the lag computed then from `now`; `undefined` when it stops (the gauges empty).
   */
  observeDr(observations: (() => readonly DrObservation[]) | undefined, now: () => Date = () => new Date()): void {
    this.dr = observations && { observations, now };
  }

  private collectDr<L extends string>(gauge: Gauge<L>, value: (o: DrObservation, now: Date) => [Partial<Record<L, string>>, number] | undefined): void {
    gauge.reset();
    if (!this.dr) return;
    const now = this.dr.now();
    for (const o of this.dr.observations()) {
      const v = value(o, now);
      if (v) gauge.set(v[0], v[1]);
    }
  }

  /** All writes counted so far. */
  async writeCount(): Promise<number> {
    return (await this.writes.get()).values.reduce((a, v) => a + v.value, 0);
  }
}

/** Where /metrics, /healthz and /readyz listen; no host: every interface (what a kubelet's probes and a scrape need). */
export interface MetricsListen {
  host?: string;
  port: number;
}

/** kubebuilder's default: port 8080 on every interface. */
export const DEFAULT_METRICS_BIND_ADDRESS = ':8080';

export class MetricsAddressError extends LongyunError {
  override name = 'MetricsAddressError';
}

function parsePort(text: string, flag: string, example: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw new MetricsAddressError(`${flag} must be a port number (0-65535, 0 picks a free one), got "${text}"; e.g. ${example}`);
  return Number(text);
}

/**
 * `--metrics-bind-address` as kubebuilder means it: `HOST:PORT`, an empty host for every interface
 * (`:8080`), an IPv6 host in brackets (`[::1]:8080`), `0` for no server at all (undefined).
 */
export function parseMetricsBindAddress(address: string): MetricsListen | undefined {
  const flag = '--metrics-bind-address';
  if (address === '0') return undefined;
  const i = address.lastIndexOf(':');
  if (i < 0) throw new MetricsAddressError(`${flag} takes HOST:PORT (":8080" for every interface, "127.0.0.1:8080" for one) or 0 for none, got "${address}"`);
  let host = address.slice(0, i);
  const port = parsePort(address.slice(i + 1), flag, `${flag} ${host}:8080`);
  if (host.startsWith('[') && host.endsWith(']')) {
    host = host.slice(1, -1);
    if (!isIPv6(host)) throw new MetricsAddressError(`${flag}: "[${host}]" is not an IPv6 address`);
  } else if (host.includes(':')) {
    throw new MetricsAddressError(`${flag}: put an IPv6 address in brackets, e.g. [${host}]:${port}`);
  } else if (/\s|\/|\[|\]/.test(host)) {
    throw new MetricsAddressError(`${flag}: "${host}" is not a host name or address`);
  }
  return host === '' ? { port } : { host, port };
}

/**
 * The address from `--metrics-bind-address` and its shorthand `--metrics-port`: the port alone
 * listens on every interface; both together must name the same port (the bind address then gives
 * the host); neither is DEFAULT_METRICS_BIND_ADDRESS. Undefined: no server.
 */
export function metricsListen(opts: { bindAddress?: string | undefined; port?: string | undefined }): MetricsListen | undefined {
  if (opts.bindAddress === undefined) {
    if (opts.port === undefined) return parseMetricsBindAddress(DEFAULT_METRICS_BIND_ADDRESS);
    return { port: parsePort(opts.port, '--metrics-port', '--metrics-port 8080') };
  }
  const listen = parseMetricsBindAddress(opts.bindAddress);
  if (opts.port === undefined) return listen;
  const port = parsePort(opts.port, '--metrics-port', '--metrics-port 8080');
  if (!listen) throw new MetricsAddressError(`--metrics-port ${opts.port} contradicts --metrics-bind-address 0 (no metrics server); drop one of them`);
  if (listen.port !== port) {
    throw new MetricsAddressError(
      `--metrics-port ${opts.port} contradicts --metrics-bind-address ${opts.bindAddress} (port ${listen.port}); give the port once, e.g. --metrics-bind-address ${formatListen({ ...listen, port })}`,
    );
  }
  return listen;
}

/** `:8080`, `127.0.0.1:8080`, `[::1]:8080`: the bind-address spelling. */
export function formatListen(l: MetricsListen): string {
  return `${l.host === undefined ? '' : isIPv6(l.host) ? `[${l.host}]` : l.host}:${l.port}`;
}

/** A URL of this machine that reaches the server (loopback for a wildcard bind). */
export function localUrl(l: MetricsListen, path: string): string {
  const host = l.host === undefined || l.host === '0.0.0.0' ? '127.0.0.1' : l.host === '::' ? '[::1]' : isIPv6(l.host) ? `[${l.host}]` : l.host;
  return `http://${host}:${l.port}${path}`;
}

/** The server could not listen where it was told (address in use, not on this machine, …). */
export class HealthServerListenError extends LongyunError {
  override name = 'HealthServerListenError';
  constructor(
    readonly listen: MetricsListen,
    readonly code: string | undefined,
    cause: string,
  ) {
    super(`cannot listen on ${formatListen(listen)} for /metrics, /healthz and /readyz: ${cause}`);
  }
}

export interface HealthServerOptions {
  port: number;
  /** Undefined: every interface. */
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
  const listen: MetricsListen = opts.host === undefined ? { port: opts.port } : { host: opts.host, port: opts.port };
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new HealthServerListenError(listen, e.code, e.message)));
    const listening = () => resolve(server);
    // No host: Node listens on :: (IPv4 too) or, without IPv6, on 0.0.0.0.
    if (opts.host === undefined) server.listen(opts.port, listening);
    else server.listen(opts.port, opts.host, listening);
  });
}
