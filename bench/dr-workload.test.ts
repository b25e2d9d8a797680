import { describe, expect, it } from 'vitest';
import { mulberry32 } from './harness.js';
import type { K8sObject } from '../stacks/graph/types.js';
import { drWorkload, editedFields, editTarget, nextEdit, DR_PRODUCTION, type Edit } from './dr-workload.js';

/** A JSON merge patch applied to a plain object (arrays replace: enough for editedFields, which finds the container by name). */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = { ...((typeof target === 'object' && target !== null ? target : {}) as Record<string, unknown>) };
  for (const [k, v] of Object.entries(patch)) out[k] = mergePatch(out[k], v);
  return out;
}

describe("the DR bench's workload", () => {
  const tenants = drWorkload({ tenants: 200, seed: 42 });

  it('is the same for the same seed, and another for another seed', () => {
    expect(drWorkload({ tenants: 200, seed: 42 })).toEqual(tenants);
    expect(JSON.stringify(drWorkload({ tenants: 200, seed: 43 }))).not.toBe(JSON.stringify(tenants));
    // Tenant i does not depend on how many tenants there are.
    expect(drWorkload({ tenants: 20, seed: 42 })[7]!.objects).toEqual(drWorkload({ tenants: 300, seed: 42 })[7]!.objects);
  });

  it('gives every tenant a DR plan on the provincial cloud and about 20 uniquely named objects in its own namespace', () => {
    expect(new Set(tenants.map((t) => t.name)).size).toBe(200);
    const counts = tenants.map((t) => t.objects.length);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(17);
    expect(Math.max(...counts)).toBeLessThanOrEqual(24);
    const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
    expect(mean).toBeGreaterThan(19);
    expect(mean).toBeLessThan(22);
    for (const t of tenants) {
      expect(t.spec.node).toBe(DR_PRODUCTION);
      expect(t.spec.dr?.centres).toEqual(['same-city-dr', 'remote-dr']);
      expect(t.objects.every((o) => o.metadata.namespace === t.name)).toBe(true);
      const keys = t.objects.map((o) => `${o.apiVersion}/${o.kind}/${o.metadata.name}`);
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it('varies: every kind the issue lists, headless and ClusterIP Services, some large ConfigMaps', () => {
    const all = tenants.flatMap((t) => t.objects);
    const kinds = new Set(all.map((o) => `${o.apiVersion}/${o.kind}`));
    for (const k of ['apps/v1/Deployment', 'apps/v1/StatefulSet', 'apps/v1/DaemonSet', 'batch/v1beta1/CronJob', 'batch/v1/Job', 'v1/ConfigMap', 'v1/Secret', 'v1/Service', 'v1/PersistentVolumeClaim', 'networking.k8s.io/v1/Ingress', 'v1/ServiceAccount', 'rbac.authorization.k8s.io/v1/Role', 'rbac.authorization.k8s.io/v1/RoleBinding', 'bench.longyun.io/v1/AppProfile', 'bench.longyun.io/v1/DataExport']) {
      expect(kinds, k).toContain(k);
    }
    const services = all.filter((o): o is K8sObject & { spec: { clusterIP?: string } } => o.kind === 'Service');
    expect(services.some((s) => s.spec.clusterIP === 'None')).toBe(true);
    expect(services.some((s) => s.spec.clusterIP === undefined)).toBe(true);
    const large = all.filter((o) => o.kind === 'ConfigMap' && JSON.stringify(o).length > 10_000).map((o) => JSON.stringify(o).length);
    expect(large.length).toBeGreaterThan(50);
    expect(Math.max(...large)).toBeLessThan(52 * 1024);
    expect(all.filter((o) => o.kind === 'Secret').every((o) => (o as { type?: string }).type === 'Opaque')).toBe(true);
  });
});

describe("the DR bench's edits", () => {
  const tenants = drWorkload({ tenants: 20, seed: 7 });
  const rng = mulberry32(99);
  const edits: Edit[] = Array.from({ length: 400 }, (_, i) => nextEdit(rng, tenants, i + 1));

  it('mix ConfigMap, Deployment image and Secret edits over many tenants, deterministically', () => {
    const fields = new Map<string, number>();
    for (const e of edits) fields.set(e.field, (fields.get(e.field) ?? 0) + 1);
    expect(fields.get('configmap-data')).toBeGreaterThan(180);
    expect(fields.get('deployment-image')).toBeGreaterThan(80);
    expect(fields.get('secret-data')).toBeGreaterThan(15);
    expect(new Set(edits.map((e) => e.namespace)).size).toBe(20);
    const again = mulberry32(99);
    expect(Array.from({ length: 400 }, (_, i) => nextEdit(again, tenants, i + 1))).toEqual(edits);
  });

  it('each target an object the tenant has, and show up in editedFields once patched in (0 before)', () => {
    for (const e of edits) {
      const obj = tenants.find((t) => t.name === e.namespace)!.objects.find((o) => o.kind === e.kind && o.metadata.name === e.name)!;
      expect(obj, editTarget(e)).toBeDefined();
      expect(editedFields(obj)).toEqual([[editTarget(e), 0]]);
      expect(editedFields(mergePatch(obj, e.patch) as typeof obj)).toEqual([[editTarget(e), e.seq]]);
    }
  });

  it('are not seen on objects they do not target', () => {
    const other = tenants[0]!.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'nginx-conf')!;
    expect(editedFields(other)).toEqual([]);
  });
});
