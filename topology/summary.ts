// The at-a-glance numbers of an estate and its address plan (what `longyun plan` shows).
import type { Estate } from './estate.js';
import type { AddressPlan } from './ipam/address-plan.js';
import { UNIT_LEVELS, CLOUD_KINDS, type CloudKind, type UnitLevel } from './schema.js';

export interface PrefixSummary {
  plane: string;
  family: 'ipv6' | 'ipv4';
  root: string;
  allocations: number;
  /** Share of the root given to its children, 0..1. */
  rootUsed: number;
  /** The fullest parent prefix: where space runs out first. */
  fullest?: { owner: string; prefix: string; used: number };
}

export interface EstateSummary {
  estate: string;
  units: Record<UnitLevel, number>;
  /** The 1+15+N clouds by kind; standby clouds (role: standby) are counted apart. */
  clouds: Record<CloudKind, number> & { examples: number; standby: number };
  planes: Array<{ id: string; name: string; sites: number; links: number }>;
  datacentres: Array<{ id: string; role: string; unit: string; metro: string }>;
  departments: number;
  prefixes: PrefixSummary[];
}

export function summarize(estate: Estate, plan: AddressPlan): EstateSummary {
  const units = Object.fromEntries(UNIT_LEVELS.map((l) => [l, 0])) as Record<UnitLevel, number>;
  for (const u of estate.doc.units) units[u.level]++;
  const clouds = { ...(Object.fromEntries(CLOUD_KINDS.map((k) => [k, 0])) as Record<CloudKind, number>), examples: 0, standby: 0 };
  for (const c of estate.doc.clouds) {
    if (c.role === 'standby') {
      clouds.standby++;
      continue;
    }
    clouds[c.kind]++;
    if (c.example) clouds.examples++;
  }
  const planes = estate.doc.planes.map((p) => {
    const sites = new Set<string>();
    let links = 0;
    for (const l of estate.doc.links) {
      if (l.plane !== p.id) continue;
      links++;
      sites.add(l.a);
      sites.add(l.b);
    }
    return { id: p.id, name: p.name.en, sites: sites.size, links };
  });
  const prefixes: PrefixSummary[] = [];
  for (const p of estate.doc.planes) {
    for (const family of ['ipv6', 'ipv4'] as const) {
      const root = plan.rootUtilisation(p.id, family);
      if (!root) continue;
      const fullest = plan.fullest(p.id, family);
      prefixes.push({ plane: p.id, family, root: root.prefix, allocations: root.count, rootUsed: root.used, ...(fullest ? { fullest } : {}) });
    }
  }
  return {
    estate: estate.name,
    units,
    clouds,
    planes,
    datacentres: estate.doc.datacentres.map((d) => ({ id: d.id, role: d.role, unit: d.unit, metro: d.metro })),
    departments: estate.doc.departments.length,
    prefixes,
  };
}
