// `longyun dr drill start|get|list|abort|cleanup|report`: FailoverDrills on the management cluster.
// A request is checked with resolveDrillScope before anything is created; the operator runs the
// drill. Loaded when a drill command runs (dr.ts declares them).
import type { ScopeNode, ScopeTenant } from '../../controllers/dr/drill-scope.js';
import { isTerminalDrill, type DrillSpec, type FailoverDrill } from '../../controllers/dr/drill-types.js';
import { humanDuration, rpoText, type DrCentre } from '../../controllers/dr/status.js';
import { API_VERSION } from '../../operator/crds.js';
import type { Estate } from '../../topology/estate.js';
import { LongyunError } from '../../topology/errors.js';
import { didYouMean } from '../../topology/suggest.js';
import { EXIT, UsageError } from '../common.js';
import { printJson, printJsonOrView } from '../render.js';
import type { ClusterOptions } from './cluster-client.js';
import { managementDrillApi, type DrillApi } from './drill-api.js';

/** What the commands are given instead of the cluster and the estate directory (tests). */
export interface DrillDeps {
  api?: DrillApi;
  estate?: Estate;
}

export interface DrillStartOptions extends ClusterOptions {
  tenant?: string[];
  node?: string;
  centre?: string;
  to: DrCentre;
  keep?: boolean;
  note?: string;
  name?: string;
  wait?: boolean;
  estate: string;
  output: 'table' | 'json';
}

const api = async (opts: ClusterOptions, deps: DrillDeps) => deps.api ?? (await managementDrillApi(opts));
const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/** `drill-20261202-040000`: the UTC time the drill was asked for. */
export function defaultDrillName(now: Date): string {
  const s = now.toISOString();
  return `drill-${s.slice(0, 10).replaceAll('-', '')}-${s.slice(11, 19).replaceAll(':', '')}`;
}

/** The flag a problem of the request is about, for the CLI's messages. */
function flagOf(field: string, spec: DrillSpec): string {
  const m = /^spec\.scope\.tenants\[(\d+)\]$/.exec(field);
  if (m) return `--tenant ${spec.scope.tenants![Number(m[1])]}`;
  if (field === 'spec.scope.node') return `--node ${spec.scope.node}`;
  if (field === 'spec.scope.centre') return `--centre ${spec.scope.centre}`;
  if (field === 'spec.scope') return '--tenant/--node/--centre';
  if (field === 'spec.to') return `--to ${spec.to}`;
  return field;
}

/** A drill by name, or an error naming the closest one. */
export async function getDrill(a: DrillApi, name: string): Promise<FailoverDrill> {
  const d = await a.get<FailoverDrill>('failoverdrills', name);
  if (d) return d;
  const names = (await a.list<FailoverDrill>('failoverdrills')).map((x) => x.metadata.name);
  throw new LongyunError(`drill "${name}" not found${didYouMean(name, names)}: "longyun dr drill list" lists the drills`);
}

/** Checks the request against the cluster and the estate, creates the FailoverDrill, and with --wait follows it to the end. */
export async function drillStart(opts: DrillStartOptions, deps: DrillDeps = {}): Promise<number> {
  const a = await api(opts, deps);
  const now = a.now();
  const scope: DrillSpec['scope'] = {
    ...(opts.tenant?.length ? { tenants: opts.tenant } : {}),
    ...(opts.node !== undefined ? { node: opts.node } : {}),
    ...(opts.centre !== undefined ? { centre: opts.centre } : {}),
  };
  const by = a.user();
  const spec: DrillSpec = {
    scope,
    to: opts.to,
    ...(opts.keep ? { keep: true } : {}),
    ...(by !== undefined ? { requestedBy: by } : {}),
    ...(opts.note !== undefined ? { notes: [{ at: now.toISOString(), ...(by !== undefined ? { by } : {}), text: opts.note }] } : {}),
  };
  const estate = deps.estate ?? (await import('../../topology/load.js')).loadEstate(opts.estate);
  const [tenants, nodes] = await Promise.all([a.list<ScopeTenant>('tenants'), a.list<ScopeNode>('cloudnodes')]);
  const { resolveDrillScope } = await import('../../controllers/dr/drill-scope.js');
  const { tenants: resolved, problems } = resolveDrillScope(spec, { estate, tenants, nodes, now });
  if (problems.length) {
    const lines = problems.map((p) => `  ${p.field.startsWith('spec.') && !p.field.startsWith('spec.dr') ? flagOf(p.field, spec) : `tenant ${p.tenant} ${p.field}`}: ${p.message}`);
    throw new LongyunError(`the drill cannot start (${problems.length} problem${problems.length === 1 ? '' : 's'}); nothing was created:\n${lines.join('\n')}`);
  }
  const name = opts.name ?? defaultDrillName(now);
  const drill: FailoverDrill = { apiVersion: API_VERSION, kind: 'FailoverDrill', metadata: { name }, spec };
  const created = await a.create('failoverdrills', drill);
  const startMs = now.getTime();
  if (!opts.wait) {
    if (opts.output === 'json') printJson(created);
    else process.stdout.write(`failoverdrill/${name} created: ${resolved.length} tenant${resolved.length === 1 ? '' : 's'} to ${opts.to} (${resolved.map((t) => t.tenant).join(', ')}); follow it with "longyun dr drill get ${name}"\n`);
    return EXIT.OK;
  }
  const out = opts.output === 'json' ? process.stderr : process.stdout;
  out.write(`failoverdrill/${name} created: ${resolved.length} tenant${resolved.length === 1 ? '' : 's'} to ${opts.to}\n`);
  const final = await waitForDrill(a, name, startMs, (line) => out.write(`${line}\n`));
  if (opts.output === 'json') printJson(final);
  return final.status?.phase === 'Succeeded' ? EXIT.OK : EXIT.ERROR;
}

/** Polls the drill every 500 ms until it is in a terminal phase, passing each progress line on. */
export async function waitForDrill(a: DrillApi, name: string, startMs: number, print: (line: string) => void): Promise<FailoverDrill> {
  let prev: FailoverDrill | undefined;
  for (;;) {
    const cur = await getDrill(a, name);
    for (const line of drillWaitLines(prev, cur, startMs, a.now().getTime())) print(line);
    if (isTerminalDrill(cur.status?.phase)) return cur;
    prev = cur;
    await a.sleep(500);
  }
}

/** `12.3s` under a minute, else `3m 05s`. */
export function elapsedText(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  return s < 60 ? `${s.toFixed(1)}s` : humanDuration(s);
}

/**
 * What `--wait` prints between two looks at a drill: one line per phase entered (at its recorded
 * time) and one per tenant whose state changed (Verified with its RTO against the target, ✓ or ✗;
 * Failed with its message; otherwise the time so far against the target). Times are from
 * `startMs`, when the drill was asked for; a tenant's change is dated `nowMs` (when it was seen),
 * a verified one by its recorded RTO.
 */
export function drillWaitLines(prev: FailoverDrill | undefined, cur: FailoverDrill, startMs: number, nowMs: number): string[] {
  const lines: { at: number; order: number; text: string }[] = [];
  const seen = new Set((prev?.status?.transitions ?? []).map((t) => `${t.phase}@${t.at}`));
  const pad = (ms: number) => elapsedText(ms).padStart(7);
  for (const t of cur.status?.transitions ?? []) {
    if (seen.has(`${t.phase}@${t.at}`)) continue;
    const at = Date.parse(t.at);
    const ms = Number.isNaN(at) ? nowMs - startMs : at - startMs;
    const why = isTerminalDrill(t.phase) && t.phase !== 'Succeeded' && cur.status?.phase === t.phase && (cur.status.reason || cur.status.message) ? `: ${[cur.status.reason, cur.status.message].filter(Boolean).join(': ')}` : '';
    lines.push({ at: ms, order: 0, text: `${pad(ms)}  phase ${t.phase}${why}` });
  }
  const before = new Map((prev?.status?.tenants ?? []).map((t) => [t.tenant, t.state]));
  for (const t of cur.status?.tenants ?? []) {
    const was = before.get(t.tenant);
    if (was === t.state || (was === undefined && t.state === 'Pending')) continue;
    const target = rpoText(t.rtoTargetSeconds);
    let ms = nowMs - startMs;
    let tail: string;
    if (t.state === 'Verified' && t.rtoSeconds !== undefined) {
      ms = t.rtoSeconds * 1000;
      const met = t.rtoMet ?? t.rtoSeconds <= t.rtoTargetSeconds;
      tail = `RTO ${elapsedText(ms)} / ${target} target ${met ? '✓' : '✗'}`;
    } else if (t.state === 'Failed' || t.state === 'Skipped') {
      tail = t.message ?? '';
    } else {
      tail = `${elapsedText(ms)} / ${target} RTO target`;
    }
    lines.push({ at: ms, order: 1, text: `${pad(ms)}  ${t.tenant}  ${t.state}${tail ? `  ${tail}` : ''}` });
  }
  return lines.sort((x, y) => x.at - y.at || x.order - y.order).map((l) => l.text);
}

// ---- get, list, abort, cleanup --------------------------------------------------------------------

export async function drillGet(name: string, opts: ClusterOptions & { output: 'table' | 'json' }, deps: DrillDeps = {}): Promise<number> {
  const a = await api(opts, deps);
  const d = await getDrill(a, name);
  await printJsonOrView(opts.output, d, async () => (await import('../views/DrillView.js')).DrillView, { drill: d, now: a.now() });
  return EXIT.OK;
}

export async function drillList(opts: ClusterOptions & { output: 'table' | 'json' }, deps: DrillDeps = {}): Promise<number> {
  const a = await api(opts, deps);
  const drills = (await a.list<FailoverDrill>('failoverdrills')).sort((x, y) => byName(x.metadata.name, y.metadata.name));
  await printJsonOrView(opts.output, drills, async () => (await import('../views/DrillListView.js')).DrillListView, { drills, now: a.now() });
  return EXIT.OK;
}

/** Sets spec.abort: the operator stops the drill, cleans up and ends it Aborted. A finished drill is refused. */
export async function drillAbort(name: string, opts: ClusterOptions & { output: 'table' | 'json' }, deps: DrillDeps = {}): Promise<number> {
  const a = await api(opts, deps);
  const d = await getDrill(a, name);
  if (isTerminalDrill(d.status?.phase)) throw new LongyunError(`drill "${name}" already finished (phase ${d.status!.phase}): there is nothing to abort${d.status?.cleanup?.state === 'Kept' ? `; its namespaces were kept: "longyun dr drill cleanup ${name}" removes them` : ''}`);
  const patched = await a.patch<FailoverDrill>('failoverdrills', name, { spec: { abort: true } });
  if (opts.output === 'json') printJson(patched);
  else process.stdout.write(`failoverdrill/${name} abort requested (phase ${d.status?.phase ?? 'Pending'}): the operator stops it, cleans up and ends it Aborted\n`);
  return EXIT.OK;
}

/** Sets spec.cleanup on a finished drill kept with --keep: the operator deletes its namespaces. */
export async function drillCleanup(name: string, opts: ClusterOptions & { output: 'table' | 'json' }, deps: DrillDeps = {}): Promise<number> {
  const a = await api(opts, deps);
  const d = await getDrill(a, name);
  const state = d.status?.cleanup?.state;
  if (state === 'Done') throw new LongyunError(`drill "${name}" is already cleaned up${d.status?.cleanup?.at ? ` (at ${d.status.cleanup.at})` : ''}: nothing is left on the standby`);
  if (!isTerminalDrill(d.status?.phase)) {
    if (!d.spec.keep) throw new LongyunError(`drill "${name}" is still running (phase ${d.status?.phase ?? 'Pending'}) and cleans up after itself: wait for it, or "longyun dr drill abort ${name}"`);
  } else if (state !== 'Kept') {
    throw new LongyunError(`drill "${name}" kept nothing (cleanup ${state ?? 'not recorded'}): only a drill started with --keep leaves namespaces to clean up`);
  }
  const patched = await a.patch<FailoverDrill>('failoverdrills', name, { spec: { cleanup: true } });
  if (opts.output === 'json') printJson(patched);
  else process.stdout.write(`failoverdrill/${name} cleanup requested: the operator deletes ${d.status?.cleanup?.namespaces?.length ? `its namespaces (${d.status.cleanup.namespaces.join(', ')})` : 'its namespaces'}${isTerminalDrill(d.status?.phase) ? '' : ' when it finishes'}\n`);
  return EXIT.OK;
}

/** `--to` outside the two DR centres is a usage error (commander's choices say so first). */
export function checkTo(to: string): DrCentre {
  if (to !== 'same-city-dr' && to !== 'remote-dr') throw new UsageError(`--to must be same-city-dr or remote-dr, got "${to}"`);
  return to;
}

// ---- report -----------------------------------------------------------------------------------

export const REPORT_NAMESPACE = 'longyun-system';

export interface DrillReportOptions extends ClusterOptions {
  output: 'markdown' | 'json';
  note?: string;
  namespace?: string;
}

/**
 * A finished drill's report as the operator wrote it (ConfigMap `drill-report-<name>`, immutable);
 * an unfinished drill's rendered now and labelled provisional. `--note` adds to an unfinished
 * drill's notes; a finished drill's report cannot change.
 */
export async function drillReportCommand(name: string, opts: DrillReportOptions, deps: DrillDeps = {}): Promise<number> {
  const a = await api(opts, deps);
  let d = await getDrill(a, name);
  const finished = isTerminalDrill(d.status?.phase);
  if (opts.note !== undefined) {
    if (finished) throw new LongyunError(`drill "${name}" finished (phase ${d.status!.phase}): its report is immutable, so --note cannot add to it; file your note beside the report`);
    const by = a.user();
    const note = { at: a.now().toISOString(), ...(by !== undefined ? { by } : {}), text: opts.note };
    d = await a.patch<FailoverDrill>('failoverdrills', name, { metadata: { resourceVersion: d.metadata.resourceVersion }, spec: { notes: [...(d.spec.notes ?? []), note] } });
  }
  if (finished) {
    const ns = opts.namespace ?? d.status?.report?.namespace ?? REPORT_NAMESPACE;
    const cm = d.status?.report?.name ?? `drill-report-${name}`;
    const found = await a.configMap(ns, cm);
    const key = opts.output === 'json' ? 'report.json' : 'report.md';
    const text = found?.data?.[key];
    if (text === undefined) throw new LongyunError(`drill "${name}" finished (phase ${d.status!.phase}) but its report ConfigMap ${ns}/${cm} ${found ? `has no ${key}` : 'is not there'}: is the operator running in ${ns}? (pass --namespace if it runs elsewhere)`);
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return EXIT.OK;
  }
  const { drillReport } = await import('../../controllers/dr/drill-report.js');
  const r = drillReport(d, { generatedAt: a.now() });
  if (opts.output === 'json') printJson(r.json);
  else process.stdout.write(r.markdown);
  return EXIT.OK;
}
