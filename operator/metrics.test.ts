import { describe, expect, it } from 'vitest';
import { METRICS, OperatorMetrics } from './metrics.js';

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
    const values = async (g: typeof m.tenants) => Object.fromEntries((await g.get()).values.map((v) => [Object.values(v.labels).join(), v.value]));
    expect(await values(m.queueDepth)).toEqual({ tenant: 3, cloudnode: 0 });
    depth = 5;
    expect((await values(m.queueDepth)).tenant).toBe(5);
    expect(await values(m.tenants)).toEqual({ Ready: 7, Pending: 1 });
    m.observe(undefined); // a replica that stops leading exports no stale values
    expect(await values(m.queueDepth)).toEqual({});
    expect(await values(m.tenants)).toEqual({});
  });

  it('counts writes by cluster and verb', async () => {
    const m = new OperatorMetrics();
    m.writes.inc({ cluster: 'management', verb: 'patch' });
    m.writes.inc({ cluster: 'tianshui-cloud', verb: 'apply' }, 2);
    expect(await m.writeCount()).toBe(3);
  });
});
