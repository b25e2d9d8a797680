// `longyun dr schedule create|list|get|delete|suspend|resume`: DrillSchedules on the management
// cluster. A schedule is checked before it is created (its timing, and its scope as far as a
// schedule can be judged now); the operator starts its drills when due. Loaded when a schedule
// command runs (dr.ts declares them).
import type { DrillScopeProblem, ScopeNode, ScopeTenant } from '../../controllers/dr/drill-scope.js';
import { DRILL_SCHEDULE_LABEL, type DrillSchedule, type DrillScheduleSpec, type FailoverDrill } from '../../controllers/dr/drill-types.js';
import type { DrCentre } from '../../controllers/dr/status.js';
import { API_VERSION } from '../../operator/crds.js';
import { LongyunError } from '../../topology/errors.js';
import { didYouMean } from '../../topology/suggest.js';
import { EXIT, UsageError } from '../common.js';
import { printJson, printJsonOrView } from '../render.js';
import type { ClusterOptions } from './cluster-client.js';
import { managementDrillApi, type DrillApi } from './drill-api.js';
import type { DrillDeps } from './dr-drill.js';

export interface ScheduleCreateOptions extends ClusterOptions {
  cron?: string;
  every?: string;
  tenant?: string[];
  node?: string;
  centre?: string;
  to: DrCentre;
  keep?: boolean;
  note?: string;
  successfulHistory?: string | number;
  failedHistory?: string | number;
  suspend?: boolean;
  estate: string;
  output: 'table' | 'json';
}

type Out = ClusterOptions & { output: 'table' | 'json' };

const api = async (opts: ClusterOptions, deps: DrillDeps) => deps.api ?? (await managementDrillApi(opts));
const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/** A schedule by name, or an error naming the closest one. */
export async function getSchedule(a: DrillApi, name: string): Promise<DrillSchedule> {
  const s = await a.get<DrillSchedule>('drillschedules', name);
  if (s) return s;
  const names = (await a.list<DrillSchedule>('drillschedules')).map((x) => x.metadata.name);
  throw new LongyunError(`drill schedule "${name}" not found${didYouMean(name, names)}: "longyun dr schedule list" lists the schedules`);
}

/**
 * The problems of resolveDrillScope that a schedule is refused for: those of the request itself
 * (scope not exactly one of tenants/node/centre, unknown tenant, node or centre, a tenant without
 * a DR plan, nobody on the node or centre with a plan naming `--to`), a named tenant whose plan
 * does not name `--to`, and a tenant being deleted. These stay true until someone changes the
 * estate. Not the rest (not placed yet, no standby or no room yet, copy not Current, in sync or
 * within the RPO, another operation on the tenant): they change by the minute and are judged by
 * each drill's Precheck when it runs.
 */
export function scheduleProblems(problems: readonly DrillScopeProblem[]): DrillScopeProblem[] {
  return problems.filter((p) => p.field.startsWith('spec.') || p.field === 'metadata.deletionTimestamp');
}

/** The flag a problem of the request is about. */
function flagOf(p: DrillScopeProblem, scope: DrillScheduleSpec['template']['scope'], to: string): string {
  const m = /^spec\.scope\.tenants\[(\d+)\]$/.exec(p.field);
  if (m) return `--tenant ${scope.tenants![Number(m[1])]}`;
  if (p.field === 'spec.scope.node') return `--node ${scope.node}`;
  if (p.field === 'spec.scope.centre') return `--centre ${scope.centre}`;
  if (p.field === 'spec.scope') return '--tenant/--node/--centre';
  if (p.field === 'spec.to') return `--to ${to}`;
  return `tenant ${p.tenant} ${p.field}`;
}

/** A history limit flag: a whole number, 0 or more. */
function limit(flag: string, v: string | number | undefined): number | undefined {
  if (v === undefined) return undefined;
  const s = String(v).trim();
  if (!/^[0-9]+$/.test(s)) throw new UsageError(`${flag} must be a whole number of drills to keep, 0 or more (e.g. ${flag} 3), got "${v}"`);
  return Number(s);
}

/** Checks the schedule's timing and scope, creates the DrillSchedule, and prints when it is next due. */
export async function scheduleCreate(name: string, opts: ScheduleCreateOptions, deps: DrillDeps = {}): Promise<number> {
  const { parseDrillSchedule, nextDue, scheduleText } = await import('../../controllers/dr/drill-schedule.js');
  const timing = { ...(opts.cron !== undefined ? { schedule: opts.cron } : {}), ...(opts.every !== undefined ? { every: opts.every } : {}) };
  try {
    parseDrillSchedule(timing, { schedule: '--cron', every: '--every' });
  } catch (e) {
    throw e instanceof LongyunError ? new UsageError(e.message) : e;
  }
  const successfulHistoryLimit = limit('--successful-history', opts.successfulHistory);
  const failedHistoryLimit = limit('--failed-history', opts.failedHistory);
  const a = await api(opts, deps);
  const now = a.now();
  const scope: DrillScheduleSpec['template']['scope'] = {
    ...(opts.tenant?.length ? { tenants: opts.tenant } : {}),
    ...(opts.node !== undefined ? { node: opts.node } : {}),
    ...(opts.centre !== undefined ? { centre: opts.centre } : {}),
  };
  const by = a.user();
  const template: DrillScheduleSpec['template'] = {
    scope,
    to: opts.to,
    ...(opts.keep ? { keep: true } : {}),
    ...(opts.note !== undefined ? { notes: [{ at: now.toISOString(), ...(by !== undefined ? { by } : {}), text: opts.note }] } : {}),
  };
  const spec: DrillScheduleSpec = {
    ...timing,
    ...(opts.suspend ? { suspend: true } : {}),
    ...(successfulHistoryLimit !== undefined ? { successfulHistoryLimit } : {}),
    ...(failedHistoryLimit !== undefined ? { failedHistoryLimit } : {}),
    template,
  };
  const estate = deps.estate ?? (await import('../../topology/load.js')).loadEstate(opts.estate);
  const [tenants, nodes] = await Promise.all([a.list<ScopeTenant>('tenants'), a.list<ScopeNode>('cloudnodes')]);
  const { resolveDrillScope } = await import('../../controllers/dr/drill-scope.js');
  const problems = scheduleProblems(resolveDrillScope(template, { estate, tenants, nodes, now }).problems);
  if (problems.length) {
    const lines = problems.map((p) => `  ${flagOf(p, scope, opts.to)}: ${p.message}`);
    throw new LongyunError(`the drill schedule cannot be created (${problems.length} problem${problems.length === 1 ? '' : 's'}); nothing was created:\n${lines.join('\n')}`);
  }
  const exists = () => new LongyunError(`drill schedule "${name}" already exists: pick another name, or "longyun dr schedule delete ${name}" first ("longyun dr schedule get ${name}" shows it)`);
  if ((await a.get('drillschedules', name)) !== undefined) throw exists();
  const obj: DrillSchedule = { apiVersion: API_VERSION, kind: 'DrillSchedule', metadata: { name }, spec };
  let created: DrillSchedule;
  try {
    created = await a.create('drillschedules', obj);
  } catch (e) {
    // Created by someone else between the look and the POST (409 AlreadyExists).
    if (/already exists/i.test((e as Error).message)) throw exists();
    throw e;
  }
  if (opts.output === 'json') {
    printJson(created);
    return EXIT.OK;
  }
  const createdAt = new Date(Date.parse(created.metadata.creationTimestamp ?? '') || now.getTime());
  const next = nextDue(spec, { created: createdAt }, now);
  const { timeText } = await import('../views/dr-text.js');
  const when = opts.suspend ? `suspended: no drill starts until "longyun dr schedule resume ${name}" (it would next be due ${timeText(next.toISOString())})` : `next drill due ${timeText(next.toISOString())}`;
  process.stdout.write(`drillschedule/${name} created (${scheduleText(spec)}, to ${opts.to}); ${when}\n`);
  return EXIT.OK;
}

export async function scheduleList(opts: Out, deps: DrillDeps = {}): Promise<number> {
  const a = await api(opts, deps);
  const schedules = (await a.list<DrillSchedule>('drillschedules')).sort((x, y) => byName(x.metadata.name, y.metadata.name));
  await printJsonOrView(opts.output, schedules, async () => (await import('../views/DrillScheduleListView.js')).DrillScheduleListView, { schedules, now: a.now() });
  return EXIT.OK;
}

export async function scheduleGet(name: string, opts: Out, deps: DrillDeps = {}): Promise<number> {
  const a = await api(opts, deps);
  const s = await getSchedule(a, name);
  await printJsonOrView(opts.output, s, async () => (await import('../views/DrillScheduleListView.js')).DrillScheduleView, { schedule: s, now: a.now() });
  return EXIT.OK;
}

/**
 * Deletes the schedule. The drills it started are owned by it (ownerReference), so the cluster
 * deletes them with it, and with each drill its report ConfigMap; the operator removes a running
 * drill's namespaces before the drill goes.
 */
export async function scheduleDelete(name: string, opts: Out, deps: DrillDeps = {}): Promise<number> {
  const a = await api(opts, deps);
  const s = await getSchedule(a, name);
  const drills = (await a.list<FailoverDrill>('failoverdrills'))
    .filter((d) => d.metadata.labels?.[DRILL_SCHEDULE_LABEL] === name)
    .map((d) => d.metadata.name)
    .sort(byName);
  await a.remove('drillschedules', name);
  if (opts.output === 'json') {
    printJson({ deleted: `drillschedule/${name}`, drills, schedule: s });
    return EXIT.OK;
  }
  const its = drills.length === 0 ? 'it has no drills' : `its ${drills.length} drill${drills.length === 1 ? '' : 's'} (${drills.join(', ')}) ${drills.length === 1 ? 'is' : 'are'} owned by it and deleted with it, with ${drills.length === 1 ? 'its report' : 'their reports'}`;
  process.stdout.write(`drillschedule/${name} deleted: ${its}\n`);
  return EXIT.OK;
}

/** Sets spec.suspend: no drill starts while it is true; a drill already running goes on. */
export async function scheduleSuspend(name: string, opts: Out, deps: DrillDeps = {}, suspend = true): Promise<number> {
  const a = await api(opts, deps);
  const s = await getSchedule(a, name);
  const already = (s.spec.suspend ?? false) === suspend;
  const patched = already ? s : await a.patch<DrillSchedule>('drillschedules', name, { spec: { suspend } });
  if (opts.output === 'json') {
    printJson(patched);
    return EXIT.OK;
  }
  let line: string;
  if (suspend) line = already ? `drillschedule/${name} is already suspended` : `drillschedule/${name} suspended: no drill starts until "longyun dr schedule resume ${name}"${s.status?.active?.length ? `; running drills go on (${s.status.active.join(', ')})` : ''}`;
  else {
    const { nextDue } = await import('../../controllers/dr/drill-schedule.js');
    const { timeText } = await import('../views/dr-text.js');
    const now = a.now();
    const created = new Date(Date.parse(s.metadata.creationTimestamp ?? '') || now.getTime());
    const last = Date.parse(s.status?.lastScheduleTime ?? '');
    const next = nextDue(s.spec, { ...(Number.isNaN(last) ? {} : { lastScheduleTime: new Date(last) }), created }, now);
    line = already ? `drillschedule/${name} is not suspended` : `drillschedule/${name} resumed: next drill due ${timeText(next.toISOString())}${next.getTime() <= now.getTime() ? ' (now: a due time passed while it was suspended)' : ''}`;
  }
  process.stdout.write(`${line}\n`);
  return EXIT.OK;
}

export const scheduleResume = (name: string, opts: Out, deps: DrillDeps = {}) => scheduleSuspend(name, opts, deps, false);
