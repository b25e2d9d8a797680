import type { Policy, Violation } from '../types.js';

export const onePlusFifteenPlusN: Policy = {
  id: 'cloud-1-15-n',
  title: '"1+15+N": one provincial cloud and one cloud node per municipal unit',
  sections: ['§3.2', '§4.1.2'],
  severity: 'error',
  defaultMode: 'enforce',
  description:
    'Exactly one provincial government cloud, hosted by the province, and exactly one municipal cloud node per municipal unit (14 cities and prefectures plus Lanzhou New Area); industry clouds (N) are free in number. Standby clouds (role: standby) are not counted.',
  check({ estate }) {
    const out: Violation[] = [];
    // Standby clouds hold DR copies of the clouds they protect: they are not nodes of 1+15+N.
    const clouds = estate.doc.clouds.filter((c) => c.role !== 'standby');
    const provincial = clouds.filter((c) => c.kind === 'provincial');
    if (provincial.length === 0) {
      const p = estate.province();
      out.push({ ...(p ? estate.where(p) : { file: estate.dir ?? '<estate>', path: 'clouds' }), message: 'the estate has no provincial cloud; add one with kind: provincial' });
    }
    for (const extra of provincial.slice(1)) {
      out.push({ ...estate.fieldOf(extra, 'kind'), message: `a second provincial cloud ("${extra.id}", first is "${provincial[0]!.id}"); there is exactly one` });
    }
    for (const c of provincial) {
      const u = estate.unitById.get(c.unit);
      if (u && u.level !== 'province') out.push({ ...estate.fieldOf(c, 'unit'), message: `the provincial cloud is hosted by ${u.level} "${u.id}"; it belongs to the province` });
    }
    const byUnit = new Map<string, string[]>();
    for (const c of clouds) {
      if (c.kind !== 'municipal') continue;
      const u = estate.unitById.get(c.unit);
      if (u && u.level !== 'municipal') {
        out.push({ ...estate.fieldOf(c, 'unit'), message: `municipal cloud "${c.id}" is hosted by ${u.level} "${u.id}"; host it at a municipal unit` });
        continue;
      }
      const list = byUnit.get(c.unit) ?? [];
      list.push(c.id);
      byUnit.set(c.unit, list);
      if (list.length > 1) out.push({ ...estate.fieldOf(c, 'unit'), message: `"${c.unit}" already has cloud node "${list[0]}"; one node per municipal unit` });
    }
    for (const u of estate.unitsAt('municipal')) {
      if (!byUnit.has(u.id)) out.push({ ...estate.where(u), message: `municipal unit "${u.id}" (${u.name.zh}) has no cloud node; add a cloud with kind: municipal, unit: ${u.id}` });
    }
    return out;
  },
};
