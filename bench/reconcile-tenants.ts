// The tenant set of the reconcile benchmark: N tenants of the shipped Gansu estate's departments,
// spread round-robin over three member clouds (the provincial cloud, Lanzhou, Tianshui), each on
// its own department's node so that every tenant policy passes. Every other tenant is MLPS level 3
// with a DR plan (backups to the same-city and remote centres: two Velero Schedules more).
import type { TenantSpec } from '../topology/schema.js';

/** The clouds the three members stand for, in member order. */
export const BENCH_CLOUDS = ['gansu-provincial', 'lanzhou-cloud', 'tianshui-cloud'] as const;

const DEPARTMENTS: Record<(typeof BENCH_CLOUDS)[number], readonly string[]> = {
  'gansu-provincial': ['gansu-data-bureau', 'gansu-health', 'gansu-hrss', 'gansu-education', 'gansu-natural-resources'],
  'lanzhou-cloud': ['lanzhou-government-services', 'yuzhong-government-office'],
  'tianshui-cloud': ['tianshui-big-data'],
};

export interface BenchTenant {
  name: string;
  spec: TenantSpec;
}

export function benchTenants(count: number, clouds: readonly string[] = BENCH_CLOUDS): BenchTenant[] {
  const width = String(count - 1).length;
  return Array.from({ length: count }, (_, i) => {
    const node = clouds[i % clouds.length]! as (typeof BENCH_CLOUDS)[number];
    const departments = DEPARTMENTS[node] ?? [];
    const department = departments[Math.floor(i / clouds.length) % departments.length]!;
    const dr = i % 2 === 1;
    const spec: TenantSpec = {
      department,
      node,
      quota: { cpu: '1', memory: '2Gi', storage: '50Gi' },
      mlps: dr ? 3 : 2,
      planes: ['plane-1', 'plane-2'],
      ...(dr ? { dr: { rpoMinutes: 60, rtoMinutes: 240, centres: ['same-city-dr', 'remote-dr'], retentionDays: 7 } } : {}),
    };
    return { name: `bench-${String(i).padStart(width, '0')}`, spec };
  });
}
