import type { Policy, Violation } from '../types.js';

const BELOW_CITY = new Set(['county', 'township']);

export const countyBuildsNoCloud: Policy = {
  id: 'county-builds-no-cloud',
  title: 'County-level units and below host no cloud or data centre',
  sections: ['§3.3'],
  severity: 'error',
  defaultMode: 'enforce',
  description: 'Counties and townships do not build their own cloud or data centre; they use their city\'s (plan §3.3).',
  check({ estate }) {
    const out: Violation[] = [];
    for (const c of estate.doc.clouds) {
      const u = estate.unitById.get(c.unit);
      if (u && BELOW_CITY.has(u.level)) {
        out.push({ ...estate.fieldOf(c, 'unit'), message: `cloud "${c.id}" is hosted by ${u.level} "${u.id}"; host it at the city level ("${u.parent}") instead` });
      }
    }
    for (const d of estate.doc.datacentres) {
      const u = estate.unitById.get(d.unit);
      if (u && BELOW_CITY.has(u.level)) {
        out.push({ ...estate.fieldOf(d, 'unit'), message: `data centre "${d.id}" is at ${u.level} "${u.id}"; counties use their city's data centres` });
      }
    }
    return out;
  },
};
