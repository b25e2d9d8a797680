import { describe, expect, it } from 'vitest';
import { operatorManifests } from './manifests.js';
import { metricsListen } from './metrics.js';

type Container = { args: string[]; ports: Array<{ name: string; containerPort: number }>; readinessProbe: { httpGet: { path: string; port: string } }; livenessProbe: { httpGet: { path: string; port: string } } };
type Doc = { kind: string; metadata: { name: string; annotations?: Record<string, string> }; spec: { template: { spec: { containers: Container[] } }; ports: Array<{ port: number; targetPort: string }> } };

describe('operatorManifests: the Deployment serves its probes and metrics where they are reached', () => {
  const docs = operatorManifests({ namespace: 'ops' }) as Doc[];
  const container = docs.find((d) => d.kind === 'Deployment')!.spec.template.spec.containers[0]!;
  const service = docs.find((d) => d.kind === 'Service')!;
  const flag = (name: string) => {
    const i = container.args.indexOf(name);
    return i < 0 ? undefined : container.args[i + 1];
  };

  it('runs in-cluster, its namespace the pod\'s', () => {
    expect(container.args.slice(0, 3)).toEqual(['operator', 'run', '--in-cluster']);
    expect(flag('--namespace')).toBeUndefined();
  });

  it('binds every interface (the pod\'s IP) on the port the probes and the Service name', () => {
    const listen = metricsListen({ bindAddress: flag('--metrics-bind-address'), port: flag('--metrics-port') });
    const metricsPort = container.ports.find((p) => p.name === 'metrics')!.containerPort;
    expect(listen).toEqual({ port: metricsPort });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(service.spec.ports[0]).toMatchObject({ port: metricsPort, targetPort: 'metrics' });
    expect(service.metadata.annotations?.['prometheus.io/port']).toBe(String(metricsPort));
  });
});
