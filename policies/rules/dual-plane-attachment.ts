import type { Link } from '../../topology/schema.js';
import type { Policy, Violation } from '../types.js';

export const dualPlaneAttachment: Policy = {
  id: 'extranet-dual-plane',
  title: 'Every county site is attached to both planes over physically different paths',
  sections: ['§3.2', '§4.1.1'],
  severity: 'error',
  defaultMode: 'enforce',
  description:
    '"One network, two planes": each county-level site has a link on every extranet plane, and the links of different planes run over different physical paths.',
  check({ estate }) {
    const out: Violation[] = [];
    const linksAt = new Map<string, Link[]>();
    for (const l of estate.doc.links) {
      for (const end of [l.a, l.b]) {
        const list = linksAt.get(end) ?? [];
        list.push(l);
        linksAt.set(end, list);
      }
    }
    const planes = estate.doc.planes.map((p) => p.id);
    const sitesOf = new Map<string, string[]>();
    for (const s of estate.doc.sites) {
      if (s.datacentre !== undefined) continue;
      const list = sitesOf.get(s.unit) ?? [];
      list.push(s.id);
      sitesOf.set(s.unit, list);
    }
    for (const county of estate.unitsAt('county')) {
      const sites = sitesOf.get(county.id);
      if (!sites) {
        out.push({ ...estate.where(county), message: `county "${county.id}" (${county.name.zh}) has no extranet site; add a site with unit: ${county.id} and links on ${planes.join(' and ')}` });
        continue;
      }
      for (const siteId of sites) {
        const site = estate.siteById.get(siteId)!;
        const links = linksAt.get(siteId) ?? [];
        const pathsByPlane = new Map<string, Set<string>>();
        for (const l of links) {
          const set = pathsByPlane.get(l.plane) ?? new Set();
          set.add(l.path);
          pathsByPlane.set(l.plane, set);
        }
        for (const p of planes) {
          if (!pathsByPlane.has(p)) out.push({ ...estate.where(site), message: `site "${siteId}" has no link on ${p}; every county site reaches both planes` });
        }
        for (let i = 0; i < planes.length; i++) {
          for (let j = i + 1; j < planes.length; j++) {
            const a = pathsByPlane.get(planes[i]!);
            const b = pathsByPlane.get(planes[j]!);
            if (!a || !b) continue;
            const shared = [...a].filter((x) => b.has(x));
            if (shared.length > 0) {
              const link = links.find((l) => l.plane === planes[j] && shared.includes(l.path))!;
              out.push({
                ...estate.fieldOf(link, 'path'),
                message: `site "${siteId}" reaches ${planes[i]} and ${planes[j]} over the same physical path "${shared[0]}"; the planes need physically different paths`,
              });
            }
          }
        }
      }
    }
    return out;
  },
};
