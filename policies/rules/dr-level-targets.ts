// GB/T 20988 levels (topology/dr-levels.ts): a DR plan that names a level has targets within the
// level's RTO/RPO upper bounds on record. Figures without an upper bound are not checked.
import { drLevel, type DrLevel, type DrLevelFigure } from '../../topology/dr-levels.js';
import type { DrPlan } from '../../topology/schema.js';
import type { Policy, Violation } from '../types.js';

/** A target of a plan above its level's upper bound. */
export interface DrLevelShortfall {
  which: 'rto' | 'rpo';
  field: 'rtoMinutes' | 'rpoMinutes';
  planMinutes: number;
  level: DrLevel;
  figure: DrLevelFigure & { maxMinutes: number };
}

/** The plan's targets that exceed its level's upper bounds; none without a level or a bound. */
export function drLevelShortfalls(plan: Pick<DrPlan, 'level' | 'rtoMinutes' | 'rpoMinutes'>): DrLevelShortfall[] {
  if (plan.level === undefined) return [];
  const level = drLevel(plan.level);
  const out: DrLevelShortfall[] = [];
  for (const [which, field] of [['rto', 'rtoMinutes'], ['rpo', 'rpoMinutes']] as const) {
    const figure = level[which];
    if (figure?.maxMinutes === undefined || plan[field] <= figure.maxMinutes) continue;
    out.push({ which, field, planMinutes: plan[field], level, figure: figure as DrLevelShortfall['figure'] });
  }
  return out;
}

/** 30 → `30 min`, 240 → `4 h`, 2880 → `2 days`, 90 → `90 min`. */
export function formatMinutes(m: number): string {
  if (m >= 1440 && m % 1440 === 0) return `${m / 1440} day${m === 1440 ? '' : 's'}`;
  if (m >= 60 && m % 60 === 0) return `${m / 60} h`;
  return `${m} min`;
}

export const drLevelTargets: Policy = {
  id: 'dr-level-targets',
  title: 'A DR plan naming a GB/T 20988 level has targets within that level\'s RTO/RPO',
  sections: ['§4.1.2'],
  severity: 'warning',
  defaultMode: 'audit',
  description:
    'A DR plan that names its GB/T 20988 level (dr.level, e.g. gb20988-2007/5) has an RTO and an RPO no larger than the upper bounds on record for that level (topology/dr-levels.ts); a finding names the level and the figure with its source and confidence (cited or indicative). A figure with no upper bound on record (open-ended, no source, or a GB/T 20988-2025 figure not yet entered from the standard) is not checked: no violation, and nothing is claimed either. Meeting the figures does not establish the level: the standard defines levels by seven elements, not by RTO/RPO alone.',
  check({ estate }) {
    const out: Violation[] = [];
    for (const t of estate.doc.tenants) {
      if (!t.dr) continue;
      for (const s of drLevelShortfalls(t.dr)) {
        const label = s.which.toUpperCase();
        out.push({
          ...estate.fieldOf(t, `dr.${s.field}`),
          message: `tenant "${t.id}" names DR level ${s.level.id} (${s.level.name.zh}, ${s.level.name.en}), but its ${label} of ${formatMinutes(s.planMinutes)} is above the level's ${label} ${s.figure.text} (${s.figure.confidence}; ${s.figure.source}); lower ${s.field} to at most ${s.figure.maxMinutes}, or name a level the plan meets`,
        });
      }
    }
    return out;
  },
};
