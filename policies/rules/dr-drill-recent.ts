// GB/T 20988 asks for DR plans that are drilled: every DR plan has a successful drill within
// policies.drDrillMaxAgeDays. Drill results live on the management cluster (the Tenants'
// status.drills), so offline (`longyun plan`) there is nothing to judge and nothing is reported.
import type { Policy, Violation } from '../types.js';

export const DEFAULT_DR_DRILL_MAX_AGE_DAYS = 365;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Whether a tenant's last successful drill (ISO `finishedAt`, undefined: none) is older than
 * `maxAgeDays` at `now`. `ageDays` is whole days, absent when there is no valid time; a time
 * after `now` (clock skew) counts as age 0.
 */
export function drillOverdue(lastSucceeded: string | undefined, now: Date, maxAgeDays: number): { overdue: boolean; ageDays?: number; message: string } {
  if (lastSucceeded === undefined) return { overdue: true, message: `no successful drill on record (a drill is due every ${maxAgeDays} days)` };
  const at = Date.parse(lastSucceeded);
  if (Number.isNaN(at)) return { overdue: true, message: `the last successful drill's time "${lastSucceeded}" is not a valid date (a drill is due every ${maxAgeDays} days)` };
  const ageMs = Math.max(0, now.getTime() - at);
  const ageDays = Math.floor(ageMs / DAY_MS);
  const ago = `last successful drill ${ageDays} day${ageDays === 1 ? '' : 's'} ago (${new Date(at).toISOString()})`;
  if (ageMs > maxAgeDays * DAY_MS) return { overdue: true, ageDays, message: `${ago}: more than ${maxAgeDays} days ago` };
  return { overdue: false, ageDays, message: `${ago}: within ${maxAgeDays} days` };
}

export const drDrillRecent: Policy = {
  id: 'dr-drill-recent',
  title: 'Every DR plan has had a successful drill within policies.drDrillMaxAgeDays',
  sections: ['§4.1.2'],
  severity: 'warning',
  defaultMode: 'audit',
  description: `Every tenant with a DR plan has a successful drill (a FailoverDrill that Succeeded for it) within policies.drDrillMaxAgeDays (default ${DEFAULT_DR_DRILL_MAX_AGE_DAYS}); GB/T 20988 asks for DR plans that are tested and drilled. Drill results live on the management cluster, not in the estate: evaluated without them (offline, as \`longyun plan\` and \`npm start\` do) this policy reports nothing.`,
  check({ estate, drills, now, drDrillMaxAgeDays }) {
    if (drills === undefined || now === undefined) return [];
    const out: Violation[] = [];
    for (const t of estate.doc.tenants) {
      if (!t.dr) continue;
      const r = drillOverdue(drills.get(t.id)?.lastSucceeded, now, drDrillMaxAgeDays);
      if (!r.overdue) continue;
      out.push({
        ...estate.fieldOf(t, 'dr'),
        message: `tenant "${t.id}" has a DR plan with no successful drill within ${drDrillMaxAgeDays} days (policies.drDrillMaxAgeDays): ${r.message}; drill it: \`longyun dr drill start --tenant ${t.id} --to ${t.dr.centres[0]}\``,
      });
    }
    return out;
  },
};
