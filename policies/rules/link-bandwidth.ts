import type { Policy, Violation } from '../types.js';

export const BACKBONE_MIN_MBPS = 10_000;
export const COUNTY_MIN_MBPS = 1_000;

export const linkBandwidth: Policy = {
  id: 'extranet-bandwidth',
  title: 'Backbone links are at least 10 Gbit/s; city-to-county links at least 1 Gbit/s',
  sections: ['§4.1.1'],
  severity: 'error',
  defaultMode: 'enforce',
  description: 'A 10 Gbit/s backbone (province to city and to the data centres) and 1 Gbit/s to every county.',
  check({ estate }) {
    const out: Violation[] = [];
    for (const l of estate.doc.links) {
      const a = estate.siteById.get(l.a);
      const b = estate.siteById.get(l.b);
      if (!a || !b) continue;
      const la = a.datacentre !== undefined ? 'datacentre' : estate.unitById.get(a.unit)?.level;
      const lb = b.datacentre !== undefined ? 'datacentre' : estate.unitById.get(b.unit)?.level;
      const ends = new Set([la, lb]);
      let min = 0;
      let tier = '';
      if (ends.has('province') && (ends.has('municipal') || ends.has('datacentre'))) {
        min = BACKBONE_MIN_MBPS;
        tier = 'backbone';
      } else if (ends.has('municipal') && ends.has('county')) {
        min = COUNTY_MIN_MBPS;
        tier = 'city-to-county';
      }
      if (min > 0 && l.bandwidthMbps < min) {
        out.push({ ...estate.fieldOf(l, 'bandwidthMbps'), message: `${tier} link "${l.id}" has ${l.bandwidthMbps} Mbit/s; at least ${min} Mbit/s is required` });
      }
    }
    return out;
  },
};
