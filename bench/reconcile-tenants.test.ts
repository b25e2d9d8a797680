import { describe, expect, it } from 'vitest';
import { add, capacityResources, quotaResources, ZERO } from '../controllers/placement.js';
import { evaluateTenantPolicies } from '../policies/tenant-policies.js';
import { loadEstate } from '../topology/load.js';
import { shippedEstateDir } from '../topology/paths.js';
import { BENCH_CLOUDS, benchTenants } from './reconcile-tenants.js';

const estate = loadEstate(shippedEstateDir());

describe('the reconcile benchmark\'s tenants', () => {
  const tenants = benchTenants(1000);

  it('are 1,000 distinct tenants spread evenly over the three clouds, half of them MLPS 3 with a DR plan', () => {
    expect(new Set(tenants.map((t) => t.name)).size).toBe(1000);
    for (const c of BENCH_CLOUDS) expect(tenants.filter((t) => t.spec.node === c).length).toBeGreaterThanOrEqual(333);
    expect(tenants.filter((t) => t.spec.mlps === 3 && t.spec.dr).length).toBe(500);
  });

  it('pass every enforce-mode tenant policy of the shipped estate (else the operator would never make them Ready)', () => {
    for (const t of tenants) {
      expect(estate.departmentById.has(t.spec.department), t.name).toBe(true);
      const enforced = evaluateTenantPolicies(estate, { id: t.name, ...t.spec }, t.spec.node).filter((f) => f.mode === 'enforce');
      expect(enforced, t.name).toEqual([]);
    }
  });

  it('fit their nodes\' declared capacity', () => {
    for (const c of BENCH_CLOUDS) {
      const used = tenants.filter((t) => t.spec.node === c).reduce((sum, t) => add(sum, quotaResources(t.spec.quota)), ZERO);
      const cap = capacityResources(estate.cloudById.get(c)!.capacity);
      expect(used.cpu, c).toBeLessThanOrEqual(cap.cpu);
      expect(used.memory, c).toBeLessThanOrEqual(cap.memory);
      expect(used.storage, c).toBeLessThanOrEqual(cap.storage);
    }
  });
});
