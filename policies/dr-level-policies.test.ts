import { afterEach, describe, expect, it } from 'vitest';
import type { Document } from 'yaml';
import { copyGansu, editYaml, GANSU_DIR, removeDir } from '../topology/estate.test-helpers.js';
import { loadEstate } from '../topology/load.js';
import { evaluatePolicies } from './evaluate.js';
import { policyById, POLICIES } from './registry.js';
import { DEFAULT_DR_DRILL_MAX_AGE_DAYS, drillOverdue } from './rules/dr-drill-recent.js';
import { drLevelShortfalls, formatMinutes } from './rules/dr-level-targets.js';
import type { PolicyRuntime } from './types.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) removeDir(dirs.pop()!);
});

function mutated(file: string, edit: (doc: Document) => void) {
  const dir = copyGansu();
  dirs.push(dir);
  editYaml(dir, file, edit);
  return loadEstate(dir);
}
/** The shipped estate with tenants[i].dr edited. */
const withPlan = (i: number, dr: Record<string, unknown>) =>
  mutated('tenants.yaml', (doc) => {
    for (const [k, v] of Object.entries(dr)) doc.setIn(['tenants', i, 'dr', k], v);
  });
const findingsOf = (estate: ReturnType<typeof loadEstate>, policy: string, runtime?: PolicyRuntime) =>
  evaluatePolicies(estate, POLICIES, runtime).findings.filter((f) => f.policy === policy);

const NOW = new Date('2026-12-01T00:00:00Z');
const daysBefore = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();

describe('the DR level policies in the registry', () => {
  it('are audit-mode warnings under §4.1.2, after the standby policies', () => {
    const ids = POLICIES.map((p) => p.id);
    expect(ids.slice(ids.indexOf('dr-standby-protected') + 1, ids.indexOf('dr-standby-protected') + 3)).toEqual(['dr-level-targets', 'dr-drill-recent']);
    for (const id of ['dr-level-targets', 'dr-drill-recent']) {
      expect(policyById(id)).toMatchObject({ severity: 'warning', defaultMode: 'audit', sections: ['§4.1.2'] });
    }
    expect(policyById('dr-level-targets')!.description).toContain('nothing is claimed either');
    expect(policyById('dr-drill-recent')!.description).toContain('reports nothing');
  });

  it('find nothing on the shipped estate: no plan names a level, and offline there are no drill results', () => {
    const estate = loadEstate(GANSU_DIR);
    expect(estate.doc.tenants.filter((t) => t.dr?.level !== undefined)).toEqual([]);
    expect(findingsOf(estate, 'dr-level-targets')).toEqual([]);
    expect(findingsOf(estate, 'dr-drill-recent')).toEqual([]);
  });
});

describe('dr-level-targets', () => {
  it('reports an RPO above the level\'s upper bound, at the field, with the figure, its confidence and source', () => {
    // tenants[0] data-sharing-exchange: RPO 15 min, RTO 120 min.
    const e = withPlan(0, { level: 'gb20988-2007/5', rpoMinutes: 60 });
    const f = findingsOf(e, 'dr-level-targets');
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ path: 'tenants[0].dr.rpoMinutes', mode: 'audit', severity: 'warning' });
    expect(f[0]!.file).toMatch(/tenants\.yaml$/);
    expect(f[0]!.message).toBe(
      'tenant "data-sharing-exchange" names DR level gb20988-2007/5 (实时数据传输及完整设备支持, Real-time data transmission and complete equipment support), but its RPO of 1 h is above the level\'s RPO 0–30 min (indicative; secondary sources, unnamed (figures for levels 3–6 vary between them)); lower rpoMinutes to at most 30, or name a level the plan meets',
    );
  });

  it('accepts targets at or within the bound', () => {
    expect(findingsOf(withPlan(0, { level: 'gb20988-2007/5', rpoMinutes: 30 }), 'dr-level-targets')).toEqual([]);
    expect(findingsOf(withPlan(0, { level: 'gb20988-2007/6', rpoMinutes: 0 }), 'dr-level-targets')).toEqual([]);
  });

  it('level 6 allows no data loss: an RPO of 1 minute is above it', () => {
    const f = findingsOf(withPlan(0, { level: 'gb20988-2007/6', rpoMinutes: 1 }), 'dr-level-targets');
    expect(f.map((x) => x.message)).toEqual([expect.stringContaining("its RPO of 1 min is above the level's RPO 0 (indicative;")]);
  });

  it('cites Alibaba Cloud for levels 1–2 and checks only the RPO: their RTO is open-ended (≥ 2 days, ≥ 24 h)', () => {
    const f = findingsOf(withPlan(0, { level: 'gb20988-2007/1', rpoMinutes: 14 * 1440, rtoMinutes: 60 * 1440 }), 'dr-level-targets');
    expect(f).toHaveLength(1);
    expect(f[0]!.path).toBe('tenants[0].dr.rpoMinutes');
    expect(f[0]!.message).toContain("its RPO of 14 days is above the level's RPO 1–7 days (cited; Alibaba Cloud help page on GB/T 20988");
    expect(findingsOf(withPlan(0, { level: 'gb20988-2007/2', rpoMinutes: 7 * 1440, rtoMinutes: 99999 }), 'dr-level-targets')).toEqual([]);
  });

  it('claims nothing for a level whose figures are empty: 2007 levels 3–4 and every 2025 level', () => {
    for (const level of ['gb20988-2007/3', 'gb20988-2007/4', 'gb20988-2025/1', 'gb20988-2025/6']) {
      expect(findingsOf(withPlan(0, { level, rpoMinutes: 100000, rtoMinutes: 100000 }), 'dr-level-targets'), level).toEqual([]);
    }
  });

  it('drLevelShortfalls: both targets, one per figure exceeded; none without a level', () => {
    expect(drLevelShortfalls({ rpoMinutes: 9999, rtoMinutes: 9999 })).toEqual([]);
    const s = drLevelShortfalls({ level: 'gb20988-2007/1', rpoMinutes: 10081, rtoMinutes: 1 });
    expect(s.map((x) => [x.which, x.field, x.planMinutes, x.figure.maxMinutes])).toEqual([['rpo', 'rpoMinutes', 10081, 10080]]);
    expect(drLevelShortfalls({ level: 'gb20988-2007/1', rpoMinutes: 10080, rtoMinutes: 1 })).toEqual([]);
  });

  it('formatMinutes: whole days, whole hours, else minutes', () => {
    expect([30, 60, 90, 240, 1440, 2880, 1500, 1501].map(formatMinutes)).toEqual(['30 min', '1 h', '90 min', '4 h', '1 day', '2 days', '25 h', '1501 min']);
  });
});

describe('drillOverdue', () => {
  it('no drill on record is overdue', () => {
    expect(drillOverdue(undefined, NOW, 365)).toEqual({ overdue: true, message: 'no successful drill on record (a drill is due every 365 days)' });
  });

  it('within the period is not overdue; beyond it is, with the age in whole days', () => {
    expect(drillOverdue(daysBefore(12.5), NOW, 365)).toEqual({
      overdue: false,
      ageDays: 12,
      message: `last successful drill 12 days ago (${daysBefore(12.5)}): within 365 days`,
    });
    expect(drillOverdue(daysBefore(365), NOW, 365)).toMatchObject({ overdue: false, ageDays: 365 });
    expect(drillOverdue(new Date(NOW.getTime() - 365 * 86_400_000 - 1).toISOString(), NOW, 365)).toMatchObject({ overdue: true, ageDays: 365 });
    expect(drillOverdue(daysBefore(400), NOW, 365)).toEqual({
      overdue: true,
      ageDays: 400,
      message: `last successful drill 400 days ago (${daysBefore(400)}): more than 365 days ago`,
    });
    expect(drillOverdue(daysBefore(1), NOW, 365).message).toContain('1 day ago');
  });

  it('a time after now (clock skew) counts as age 0; an unparsable time is overdue, saying so', () => {
    expect(drillOverdue(daysBefore(-2), NOW, 30)).toMatchObject({ overdue: false, ageDays: 0 });
    expect(drillOverdue('yesterday', NOW, 30)).toEqual({ overdue: true, message: 'the last successful drill\'s time "yesterday" is not a valid date (a drill is due every 30 days)' });
  });
});

describe('dr-drill-recent', () => {
  const drTenants = loadEstate(GANSU_DIR).doc.tenants.filter((t) => t.dr).map((t) => t.id);

  it('without drill results (offline) reports nothing', () => {
    expect(findingsOf(loadEstate(GANSU_DIR), 'dr-drill-recent', { now: NOW })).toEqual([]);
  });

  it('reports every DR plan without a successful drill within 365 days by default, at the plan', () => {
    const estate = loadEstate(GANSU_DIR);
    const drills = new Map(drTenants.map((id, i) => [id, i === 0 ? { lastSucceeded: daysBefore(400) } : i === 1 ? {} : { lastSucceeded: daysBefore(10) }]));
    drills.delete(drTenants[2]!); // never drilled
    const f = findingsOf(estate, 'dr-drill-recent', { drills, now: NOW });
    expect(f.map((x) => x.message.split(' has a DR plan')[0])).toEqual([drTenants[0], drTenants[1], drTenants[2]].map((t) => `tenant "${t}"`));
    expect(f[0]).toMatchObject({ path: 'tenants[0].dr', mode: 'audit', severity: 'warning' });
    expect(f[0]!.message).toBe(
      `tenant "data-sharing-exchange" has a DR plan with no successful drill within ${DEFAULT_DR_DRILL_MAX_AGE_DAYS} days (policies.drDrillMaxAgeDays): last successful drill 400 days ago (${daysBefore(400)}): more than 365 days ago; drill it: \`longyun dr drill start --tenant data-sharing-exchange --to same-city-dr\``,
    );
    expect(f[2]!.message).toContain('no successful drill on record');
  });

  it('takes its period from policies.drDrillMaxAgeDays', () => {
    const estate = mutated('estate.yaml', (doc) => doc.setIn(['policies', 'drDrillMaxAgeDays'], 7));
    const drills = new Map(drTenants.map((id) => [id, { lastSucceeded: daysBefore(10) }]));
    const f = findingsOf(estate, 'dr-drill-recent', { drills, now: NOW });
    expect(f).toHaveLength(drTenants.length);
    expect(f[0]!.message).toContain('within 7 days (policies.drDrillMaxAgeDays)');
    expect(findingsOf(loadEstate(GANSU_DIR), 'dr-drill-recent', { drills, now: NOW })).toEqual([]);
  });

  it('a malformed period is an estate error naming the field', () => {
    expect(() => mutated('estate.yaml', (doc) => doc.setIn(['policies', 'drDrillMaxAgeDays'], 0))).toThrow(/policies\.drDrillMaxAgeDays: expected integer to be greater or equal to 1/);
  });
});
