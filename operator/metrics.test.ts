import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Gauge } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { formatListen, HealthServerListenError, localUrl, METRICS, MetricsAddressError, metricsListen, OperatorMetrics, parseMetricsBindAddress, startHealthServer } from './metrics.js';

describe('METRICS', () => {
  it('says what prom-client registers: name, type and labels of each metric', async () => {
    const m = new OperatorMetrics();
    m.reconciles.inc({ controller: 'tenant', result: 'success' });
    m.duration.observe({ controller: 'tenant' }, 0.2);
    const registered = new Map((await m.registry.getMetricsAsJSON()).map((r) => [r.name, r]));
    expect([...registered.keys()].sort()).toEqual(Object.values(METRICS).map((d) => d.name).sort());
    for (const def of Object.values(METRICS)) {
      const r = registered.get(def.name)!;
      expect(r.type, def.name).toBe(def.type);
      expect(r.help).toBe(def.help);
    }
    const labelsOf = (name: string) => new Set(registered.get(name)!.values.flatMap((v) => Object.keys(v.labels)).filter((l) => l !== 'le'));
    expect(labelsOf(METRICS.reconciles.name)).toEqual(new Set(METRICS.reconciles.labelNames));
    expect(labelsOf(METRICS.duration.name)).toEqual(new Set(METRICS.duration.labelNames));
  });

  it('exports every metric in the text format under its name, with its type', async () => {
    const text = await new OperatorMetrics().registry.metrics();
    for (const def of Object.values(METRICS)) expect(text).toContain(`# TYPE ${def.name} ${def.type}`);
  });
});

describe('gauges read at scrape time', () => {
  it('report the controllers\' queue depths and tenant phases while observed, and nothing after', async () => {
    const m = new OperatorMetrics();
    let depth = 3;
    m.observe({ queueDepths: () => ({ tenant: depth, cloudnode: 0 }), tenantPhases: () => new Map([['Ready', 7], ['Pending', 1]]) });
    const values = async <L extends string>(g: Gauge<L>) => Object.fromEntries((await g.get()).values.map((v) => [Object.values(v.labels).join(), v.value]));
    expect(await values(m.queueDepth)).toEqual({ tenant: 3, cloudnode: 0 });
    depth = 5;
    expect((await values(m.queueDepth)).tenant).toBe(5);
    expect(await values(m.tenants)).toEqual({ Ready: 7, Pending: 1 });
    m.observe(undefined); // a replica that stops leading exports no stale values
    expect(await values(m.queueDepth)).toEqual({});
    expect(await values(m.tenants)).toEqual({});
  });

  it('report each standby copy\'s lag at scrape time, its RPO target, digest match and objects while DR is observed', async () => {
    const m = new OperatorMetrics();
    let now = new Date('2026-12-02T04:00:00Z');
    m.observeDr(
      () => [
        { tenant: 'health', centre: 'same-city-dr', node: 'gansu-provincial-same-city-dr', recoveryPoint: new Date('2026-12-02T03:59:50Z'), rpoSeconds: 900, inSync: true, objects: 21 },
        { tenant: 'health', centre: 'remote-dr', rpoSeconds: 900, inSync: false },
      ],
      () => now,
    );
    const values = async (g: typeof m.drLag) => Object.fromEntries((await g.get()).values.map((v) => [Object.values(v.labels).join(), v.value]));
    expect(await values(m.drLag)).toEqual({ 'health,same-city-dr,gansu-provincial-same-city-dr': 10 });
    now = new Date('2026-12-02T04:01:00Z'); // the recovery point did not move: the lag grows
    expect(await values(m.drLag)).toEqual({ 'health,same-city-dr,gansu-provincial-same-city-dr': 70 });
    // The RPO target for every centre of the plan, a standby or not (the alert reads the missing lag).
    expect(await values(m.drRpo)).toEqual({ 'health,same-city-dr': 900, 'health,remote-dr': 900 });
    expect(await values(m.drInSync)).toEqual({ 'health,same-city-dr,gansu-provincial-same-city-dr': 1 });
    expect(await values(m.drObjects)).toEqual({ 'health,same-city-dr,gansu-provincial-same-city-dr': 21 });
    m.observeDr(undefined);
    for (const g of [m.drLag, m.drRpo, m.drInSync, m.drObjects]) expect(await values(g)).toEqual({});
  });

  it('counts writes by cluster and verb', async () => {
    const m = new OperatorMetrics();
    m.writes.inc({ cluster: 'management', verb: 'patch' });
    m.writes.inc({ cluster: 'tianshui-cloud', verb: 'apply' }, 2);
    expect(await m.writeCount()).toBe(3);
  });
});

describe('--metrics-bind-address and --metrics-port', () => {
  it('take kubebuilder\'s HOST:PORT: an empty host is every interface, 0 no server, IPv6 in brackets', () => {
    expect(parseMetricsBindAddress(':8080')).toEqual({ port: 8080 });
    expect(parseMetricsBindAddress('127.0.0.1:9090')).toEqual({ host: '127.0.0.1', port: 9090 });
    expect(parseMetricsBindAddress('[::1]:8080')).toEqual({ host: '::1', port: 8080 });
    expect(parseMetricsBindAddress('localhost:0')).toEqual({ host: 'localhost', port: 0 });
    expect(parseMetricsBindAddress('0')).toBeUndefined();
    expect(metricsListen({})).toEqual({ port: 8080 });
  });

  it('say which flag is wrong and how to write it', () => {
    expect(() => parseMetricsBindAddress('8080')).toThrow(/--metrics-bind-address takes HOST:PORT \(":8080" for every interface.*got "8080"/);
    expect(() => parseMetricsBindAddress(':http')).toThrow(/--metrics-bind-address must be a port number \(0-65535.*got "http"; e\.g\. --metrics-bind-address :8080/);
    expect(() => parseMetricsBindAddress(':65536')).toThrow(MetricsAddressError);
    expect(() => parseMetricsBindAddress('::1:8080')).toThrow('--metrics-bind-address: put an IPv6 address in brackets, e.g. [::1]:8080');
    expect(() => parseMetricsBindAddress('[10.0.0.1]:8080')).toThrow(/"\[10\.0\.0\.1\]" is not an IPv6 address/);
    expect(() => metricsListen({ port: '-1' })).toThrow(/--metrics-port must be a port number .* got "-1"/);
  });

  it('--metrics-port alone listens on every interface; with a bind address the ports must agree', () => {
    expect(metricsListen({ port: '0' })).toEqual({ port: 0 });
    expect(metricsListen({ port: '9090' })).toEqual({ port: 9090 });
    expect(metricsListen({ bindAddress: '127.0.0.1:9090', port: '9090' })).toEqual({ host: '127.0.0.1', port: 9090 });
    expect(() => metricsListen({ bindAddress: '127.0.0.1:8080', port: '9090' })).toThrow(
      '--metrics-port 9090 contradicts --metrics-bind-address 127.0.0.1:8080 (port 8080); give the port once, e.g. --metrics-bind-address 127.0.0.1:9090',
    );
    expect(() => metricsListen({ bindAddress: '0', port: '8080' })).toThrow(/--metrics-port 8080 contradicts --metrics-bind-address 0 \(no metrics server\)/);
  });

  it('print as bind addresses and as a URL of this machine', () => {
    expect(formatListen({ port: 8080 })).toBe(':8080');
    expect(formatListen({ host: '::1', port: 8080 })).toBe('[::1]:8080');
    expect(localUrl({ port: 8080 }, '/metrics')).toBe('http://127.0.0.1:8080/metrics');
    expect(localUrl({ host: '::', port: 1 }, '/healthz')).toBe('http://[::1]:1/healthz');
    expect(localUrl({ host: '10.1.2.3', port: 1 }, '/metrics')).toBe('http://10.1.2.3:1/metrics');
  });
});

describe('startHealthServer', () => {
  const get = async (host: string, port: number, path: string) => (await fetch(`http://${host}:${port}${path}`)).status;
  const close = (s: Server) => new Promise((r) => s.close(r));

  it('without a host, answers on every interface: on 127.0.0.2 as a kubelet\'s probe reaches the pod\'s IP', async () => {
    let ready = false;
    const server = await startHealthServer({ port: 0, metrics: new OperatorMetrics(), ready: () => ready });
    try {
      const port = (server.address() as AddressInfo).port;
      expect(await get('127.0.0.2', port, '/healthz')).toBe(200);
      expect(await get('127.0.0.2', port, '/readyz')).toBe(503);
      ready = true;
      expect(await get('127.0.0.2', port, '/readyz')).toBe(200);
      expect(await get('127.0.0.2', port, '/metrics')).toBe(200);
      expect(await get('127.0.0.1', port, '/healthz')).toBe(200);
    } finally {
      await close(server);
    }
  });

  it('with a host, only there (so 127.0.0.2 above is another address than 127.0.0.1)', async () => {
    const server = await startHealthServer({ port: 0, host: '127.0.0.1', metrics: new OperatorMetrics(), ready: () => true });
    try {
      const port = (server.address() as AddressInfo).port;
      expect(await get('127.0.0.1', port, '/healthz')).toBe(200);
      await expect(get('127.0.0.2', port, '/healthz')).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
    } finally {
      await close(server);
    }
  });

  it('a port in use: a typed error naming the address', async () => {
    const first = await startHealthServer({ port: 0, host: '127.0.0.1', metrics: new OperatorMetrics(), ready: () => true });
    try {
      const port = (first.address() as AddressInfo).port;
      const second = startHealthServer({ port, host: '127.0.0.1', metrics: new OperatorMetrics(), ready: () => true });
      await expect(second).rejects.toBeInstanceOf(HealthServerListenError);
      await expect(second).rejects.toMatchObject({ code: 'EADDRINUSE', message: expect.stringContaining(`cannot listen on 127.0.0.1:${port} for /metrics, /healthz and /readyz`) });
    } finally {
      await close(first);
    }
  });
});
