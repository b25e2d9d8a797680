// Standby clouds for the tenants' DR plans (plan §4.1.2): every centre a plan names has a standby
// with room for the copies it holds, and a plan on a cloud no standby protects is reported.
import { centreOf, reservedOn, standbyFor, type DrCentre } from '../../controllers/dr/standbys.js';
import { fits, ZERO, type Resources } from '../../controllers/placement.js';
import type { Estate } from '../../topology/estate.js';
import { GiB, TiB } from '../../topology/quantity.js';
import type { Cloud, Tenant } from '../../topology/schema.js';
import type { Policy, Violation } from '../types.js';

const standbysOf = (estate: Estate): Cloud[] => estate.doc.clouds.filter((c) => c.role === 'standby');
/** True when some standby protects `node`, in whichever centre. */
const isProtected = (standbys: readonly Cloud[], node: string): boolean => standbys.some((s) => s.protects?.includes(node));
/** The estate's data centres of a DR role, to name in a fix. */
const centresWithRole = (estate: Estate, centre: DrCentre): string => {
  const ids = estate.doc.datacentres.filter((d) => d.role === centre).map((d) => d.id);
  return ids.length ? ids.join(' or ') : `a data centre with role ${centre}`;
};
const fmt = (r: Resources) => `${r.cpu} vCPU, ${Math.round(r.memory / GiB)} GiB memory, ${Math.round((r.storage / TiB) * 100) / 100} TiB storage`;

export const drStandbyRoom: Policy = {
  id: 'dr-standby-room',
  title: 'Every DR plan on a protected cloud has a standby with room in each centre it names',
  sections: ['§4.1.2'],
  severity: 'error',
  defaultMode: 'enforce',
  description:
    'For every tenant with a DR plan on a cloud that standbys protect, each centre its plan names (same-city-dr, remote-dr) has a standby cloud protecting that cloud, and each standby has room for the quotas of all the DR tenants it holds copies for.',
  check({ estate }) {
    const out: Violation[] = [];
    const standbys = standbysOf(estate);
    const tenants = estate.doc.tenants.filter((t): t is Tenant & { dr: NonNullable<Tenant['dr']> } => t.dr !== undefined && isProtected(standbys, t.node));
    for (const t of tenants) {
      t.dr.centres.forEach((centre, i) => {
        if (standbyFor(standbys, estate, t.node, centre)) return;
        out.push({
          ...estate.fieldOf(t, `dr.centres[${i}]`),
          message: `tenant "${t.id}" on "${t.node}" has a DR plan naming ${centre}, but no standby there protects "${t.node}"; add a cloud with role: standby, datacentre: ${centresWithRole(estate, centre)}, protects: [${t.node}], or drop ${centre} from the plan`,
        });
      });
    }
    for (const s of standbys) {
      if (!centreOf(estate, s)) continue; // the estate does not load: see topology/load.ts
      const reserved = reservedOn(s, tenants, estate, standbys);
      const capacity = { cpu: s.capacity.vcpu, memory: s.capacity.memoryGiB * GiB, storage: s.capacity.storageTiB * TiB };
      if (fits(reserved, ZERO, capacity)) continue;
      const holds = tenants.filter((t) => t.dr.centres.some((c) => standbyFor(standbys, estate, t.node, c) === s)).map((t) => t.id);
      out.push({
        ...estate.fieldOf(s, 'capacity'),
        message: `standby "${s.id}" holds copies of ${holds.length} DR tenants (${holds.join(', ')}) needing ${fmt(reserved)}, beyond its capacity of ${fmt(capacity)}; raise its capacity, or add a standby for some of the clouds it protects`,
      });
    }
    return out;
  },
};

export const drStandbyProtected: Policy = {
  id: 'dr-standby-protected',
  title: 'DR plans are on clouds a standby protects',
  sections: ['§4.1.2'],
  severity: 'warning',
  defaultMode: 'audit',
  description:
    'A tenant\'s DR plan on a cloud no standby cloud protects has Velero backups in the DR centres but no standby copy to fail over to; add standbys (role: standby, protects) for that cloud.',
  check({ estate }) {
    const standbys = standbysOf(estate);
    return estate.doc.tenants
      .filter((t) => t.dr !== undefined && !isProtected(standbys, t.node))
      .map((t) => ({
        ...estate.fieldOf(t, 'dr'),
        message: `tenant "${t.id}" has a DR plan on "${t.node}", which no standby protects: its backups have no standby copy to fail over to; add a cloud with role: standby and protects: [${t.node}] in ${t.dr!.centres.map((c) => centresWithRole(estate, c)).join(' and ')}`,
      }));
  },
};
