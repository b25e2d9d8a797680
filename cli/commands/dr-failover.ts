// `longyun dr failover|failback` and `dr failover abort|list|get`: Failovers on the management
// cluster. The flags are checked first (failover-request.ts), then the request against the
// cluster's state (the validator, failover-api.ts) before anything is created; the operator runs
// the failover. Loaded when a failover command runs (dr.ts declares them).
import { FORWARD_ONLY_PHASES, isTerminalFailover, type Failover, type FailoverDirection, type FailoverSpec } from '../../controllers/dr/failover-types.js';
import type { ScopeNode, ScopeTenant } from '../../controllers/dr/drill-scope.js';
import { rpoText } from '../../controllers/dr/status.js';
import { API_VERSION } from '../../operator/crds.js';
import { LongyunError } from '../../topology/errors.js';
import { didYouMean } from '../../topology/suggest.js';
import { EXIT } from '../common.js';
import { printJson, printJsonOrView } from '../render.js';
import type { ClusterOptions } from './cluster-client.js';
import { elapsedText } from './dr-drill.js';
import { managementDrillApi, type DrillApi } from './drill-api.js';
import { productionFailoverValidator, type FailoverCheckProblem, type FailoverDeps } from './failover-api.js';
import { failoverRequest, type FailoverRequestFlags } from './failover-request.js';

export interface FailoverStartOptions extends ClusterOptions, FailoverRequestFlags {
  note?: string;
  wait?: boolean;
  estate: string;
  output: 'table' | 'json';
}

type Out = { output: 'table' | 'json' };

const api = async (opts: ClusterOptions, deps: FailoverDeps) => deps.api ?? (await managementDrillApi(opts));
const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** `failover-20261202-040000` (or `failback-…`): the UTC time it was asked for. */
export function defaultFailoverName(now: Date, direction: FailoverDirection = 'failover'): string {
  const s = now.toISOString();
  return `${direction}-${s.slice(0, 10).replaceAll('-', '')}-${s.slice(11, 19).replaceAll(':', '')}`;
}

/** The flag a problem of the request is about, for the CLI's messages. */
function flagOf(field: string, spec: Pick<FailoverSpec, 'scope' | 'to'>): string {
  const m = /^spec\.scope\.tenants\[(\d+)\]$/.exec(field);
  if (m) return `--tenant ${spec.scope.tenants![Number(m[1])]}`;
  if (field === 'spec.scope.node') return `--node ${spec.scope.node}`;
  if (field === 'spec.scope.centre') return `--centre ${spec.scope.centre}`;
  if (field === 'spec.scope') return '--tenant/--node/--centre';
  if (field === 'spec.to') return spec.to === undefined ? '--to' : `--to ${spec.to}`;
  if (field === 'spec.type') return '--planned/--emergency';
  return field;
}

const problemLine = (p: FailoverCheckProblem, spec: Pick<FailoverSpec, 'scope' | 'to'>) =>
  `  ${p.field.startsWith('spec.') && !p.field.startsWith('spec.dr') ? flagOf(p.field, spec) : p.tenant !== undefined ? `tenant ${p.tenant} ${p.field}` : p.field}: ${p.message}`;

/** A failover by name, or an error naming the closest one. */
export async function getFailover(a: DrillApi, name: string): Promise<Failover> {
  const f = await a.get<Failover>('failovers', name);
  if (f) return f;
  const names = (await a.list<Failover>('failovers')).map((x) => x.metadata.name);
  throw new LongyunError(`failover "${name}" not found${didYouMean(name, names)}: "longyun dr failover list" lists the failovers and failbacks`);
}

/** `longyun dr failover …`: to a DR centre, planned or emergency. */
export const failoverStart = (opts: FailoverStartOptions, deps: FailoverDeps = {}) => startFailover('failover', opts, deps);
/** `longyun dr failback …`: back home, planned. */
export const failbackStart = (opts: FailoverStartOptions, deps: FailoverDeps = {}) => startFailover('failback', opts, deps);

/**
 * Checks the flags (a UsageError), then the request against the cluster (every problem listed,
 * nothing created), warns before an emergency failover, creates the Failover and prints its name.
 * `--dry-run` and `--wait` follow it to the end (a dry run then prints each tenant's plan); exit 0
 * only if it Succeeded.
 */
async function startFailover(direction: FailoverDirection, opts: FailoverStartOptions, deps: FailoverDeps): Promise<number> {
  const req = failoverRequest(direction, opts);
  const a = await api(opts, deps);
  const now = a.now();
  const estate = deps.estate ?? (await import('../../topology/load.js')).loadEstate(opts.estate);
  const validate = deps.validate ?? (await productionFailoverValidator());
  const [tenants, nodes] = await Promise.all([a.list<ScopeTenant>('tenants'), a.list<ScopeNode>('cloudnodes')]);
  const { tenants: resolved, problems } = validate(req, { estate, tenants, nodes, now });
  if (problems.length) {
    throw new LongyunError(`the ${direction} cannot start (${plural(problems.length, 'problem')}); nothing was created:\n${problems.map((p) => problemLine(p, req)).join('\n')}`);
  }
  const by = a.user();
  const spec: FailoverSpec = {
    ...req,
    ...(by !== undefined ? { requestedBy: by } : {}),
    ...(opts.note !== undefined ? { notes: [{ at: now.toISOString(), ...(by !== undefined ? { by } : {}), text: opts.note }] } : {}),
  };
  const name = opts.name ?? defaultFailoverName(now, direction);
  const where = direction === 'failback' ? 'home' : `to ${req.to}`;
  const what = `${plural(resolved.length, 'tenant')} ${where}, ${req.type}${req.dryRun ? ', dry run' : ''}`;
  if (req.type === 'emergency') {
    process.stderr.write(`warning: emergency failover: production (${[...new Set(resolved.map((t) => t.from))].join(', ') || 'the active nodes'}) is presumed gone and is not fenced now; each tenant's RPO will be its recovery point's age${req.dryRun ? ' (dry run: nothing changes)' : ''}\n`);
  }
  const created = await a.create<Failover>('failovers', { apiVersion: API_VERSION, kind: 'Failover', metadata: { name }, spec });
  const follow = opts.wait || req.dryRun;
  if (!follow) {
    if (opts.output === 'json') printJson(created);
    else process.stdout.write(`failover/${name} created: ${what} (${resolved.map((t) => t.tenant).join(', ')}); follow it with "longyun dr failover get ${name}"\n`);
    return EXIT.OK;
  }
  const out = opts.output === 'json' ? process.stderr : process.stdout;
  out.write(`failover/${name} created: ${what}\n`);
  const final = await waitForFailover(a, name, now.getTime(), opts.wait ? (line) => out.write(`${line}\n`) : () => {});
  if (opts.output === 'json') printJson(final);
  else if (req.dryRun) out.write(failoverPlanLines(final).map((l) => `${l}\n`).join(''));
  else if (awaitingOldSource(final)) out.write(`every tenant is active on its standby; failover/${name} stays in Reprotecting until ${[...new Set((final.status?.tenants ?? []).map((t) => t.from))].join(', ')} answers again, then fences it, keeps what changed there after the recovery point in lost+found, and copies back into it ("longyun dr failover get ${name}")\n`);
  return final.status?.phase === 'Succeeded' || (awaitingOldSource(final) && !(final.status?.tenants ?? []).some((t) => t.state === 'Failed')) ? EXIT.OK : EXIT.ERROR;
}

/**
 * An emergency failover whose tenants are all active on the target, reprotecting only once the
 * old source answers again (which may be days): what `--wait` waits for, not Succeeded.
 */
export function awaitingOldSource(f: Failover): boolean {
  const s = f.status;
  return f.spec.type === 'emergency' && s?.phase === 'Reprotecting' && (s.tenants ?? []).every((t) => t.state === 'Verified' || t.state === 'Failed' || t.state === 'Reprotected' || t.state === 'RolledBack');
}

/** Polls the failover every 500 ms until it is in a terminal phase, passing each progress line on. */
export async function waitForFailover(a: DrillApi, name: string, startMs: number, print: (line: string) => void): Promise<Failover> {
  let prev: Failover | undefined;
  for (;;) {
    const cur = await getFailover(a, name);
    for (const line of failoverWaitLines(prev, cur, startMs, a.now().getTime())) print(line);
    if (isTerminalFailover(cur.status?.phase) || awaitingOldSource(cur)) return cur;
    prev = cur;
    await a.sleep(500);
  }
}

const metText = (s: number, target: number, met: boolean | undefined) => `${elapsedText(s * 1000)} / ${rpoText(target)} target ${met ?? s <= target ? '✓' : '✗'}`;

/**
 * What `--wait` prints between two looks at a failover: one line per phase entered (at its
 * recorded time; a failed or rolled-back end with its reason) and one per tenant whose state
 * changed — Verified with its RTO (and RPO) against the targets, Failed or RolledBack with its
 * message, otherwise the time so far against the RTO target. Times are from `startMs`, when the
 * failover was asked for; a tenant's change is dated `nowMs` (when it was seen), a verified one by
 * its recorded RTO.
 */
export function failoverWaitLines(prev: Failover | undefined, cur: Failover, startMs: number, nowMs: number): string[] {
  const lines: { at: number; order: number; text: string }[] = [];
  const seen = new Set((prev?.status?.transitions ?? []).map((t) => `${t.phase}@${t.at}`));
  const pad = (ms: number) => elapsedText(ms).padStart(7);
  const st = cur.status;
  // A tenant's change is dated when it was seen, but never after the last phase entered by then
  // (a tenant reprotected shows before the Succeeded that needed it).
  let lastPhaseMs: number | undefined;
  for (const t of st?.transitions ?? []) {
    const at = Date.parse(t.at);
    const ms = Number.isNaN(at) ? nowMs - startMs : at - startMs;
    lastPhaseMs = ms;
    if (seen.has(`${t.phase}@${t.at}`)) continue;
    const why = isTerminalFailover(t.phase) && t.phase !== 'Succeeded' && st?.phase === t.phase && (st.reason || st.message) ? `: ${[st.reason, st.message].filter(Boolean).join(': ')}` : '';
    lines.push({ at: ms, order: isTerminalFailover(t.phase) ? 2 : 0, text: `${pad(ms)}  phase ${t.phase}${why}` });
  }
  // RTO is measured from the failover's start (its Precheck), not from when it was asked for.
  const started = st?.startedAt !== undefined && !Number.isNaN(Date.parse(st.startedAt)) ? Date.parse(st.startedAt) - startMs : 0;
  const before = new Map((prev?.status?.tenants ?? []).map((t) => [t.tenant, t.state]));
  for (const t of st?.tenants ?? []) {
    const was = before.get(t.tenant);
    if (was === t.state || (was === undefined && t.state === 'Pending')) continue;
    let ms = Math.min(nowMs - startMs, lastPhaseMs ?? Infinity);
    let tail: string;
    if (t.state === 'Verified' && t.rtoSeconds !== undefined) {
      ms = started + t.rtoSeconds * 1000;
      tail = `RTO ${metText(t.rtoSeconds, t.rtoTargetSeconds, t.rtoMet)}${t.rpoSeconds !== undefined ? ` · RPO ${metText(t.rpoSeconds, t.rpoTargetSeconds, t.rpoMet)}` : ''}`;
    } else if (t.state === 'Failed' || t.state === 'RolledBack') {
      tail = t.message ?? '';
    } else if (t.state === 'Reprotected') {
      tail = t.message ?? `${t.from} is a standby of ${t.to}`;
    } else {
      tail = `${elapsedText(ms)} / ${rpoText(t.rtoTargetSeconds)} RTO target`;
    }
    lines.push({ at: ms, order: 1, text: `${pad(ms)}  ${t.tenant}  ${t.state}${tail ? `  ${tail}` : ''}` });
  }
  return lines.sort((x, y) => x.at - y.at || x.order - y.order).map((l) => l.text);
}

/** A dry run's result: per tenant where it moves and its plan, numbered; or why there is none. */
export function failoverPlanLines(f: Failover): string[] {
  const st = f.status;
  const tenants = st?.tenants ?? [];
  if (st?.phase !== 'Succeeded') {
    const out = [`dry run ${f.metadata.name} ended ${st?.phase ?? 'Pending'}${st?.reason || st?.message ? `: ${[st.reason, st.message].filter(Boolean).join(': ')}` : ''}; nothing was changed`];
    for (const t of tenants) if (t.message) out.push(`  ${t.tenant}: ${t.message}`);
    return out;
  }
  const out = [`dry run ${f.metadata.name}: nothing was changed; the plan (${plural(tenants.length, 'tenant')}, ${f.spec.type}):`];
  for (const t of tenants) {
    out.push(`${t.tenant}  ${t.from} → ${t.to}${t.recoveryPoint ? `  from recovery point ${t.recoveryPoint}` : ''}`);
    const steps = t.plan ?? [];
    if (steps.length === 0) out.push('  (no steps recorded)');
    steps.forEach((s, i) => out.push(`  ${i + 1}. ${s.kind} on ${s.on}: ${s.description}`));
  }
  return out;
}

// ---- get, list, abort -----------------------------------------------------------------------------

export async function failoverGet(name: string, opts: ClusterOptions & Out, deps: FailoverDeps = {}): Promise<number> {
  const a = await api(opts, deps);
  const f = await getFailover(a, name);
  await printJsonOrView(opts.output, f, async () => (await import('../views/FailoverView.js')).FailoverView, { failover: f, now: a.now() });
  return EXIT.OK;
}

export async function failoverList(opts: ClusterOptions & Out, deps: FailoverDeps = {}): Promise<number> {
  const a = await api(opts, deps);
  const failovers = (await a.list<Failover>('failovers')).sort((x, y) => byName(x.metadata.name, y.metadata.name));
  await printJsonOrView(opts.output, failovers, async () => (await import('../views/FailoverListView.js')).FailoverListView, { failovers, now: a.now() });
  return EXIT.OK;
}

/**
 * Sets spec.abort. Before Switching the operator rolls back (unfences the source from its fence
 * record) and ends it RolledBack; at or after Switching it refuses and completes the failover, so
 * the request is still made but with a warning. A finished failover is refused.
 */
export async function failoverAbort(name: string, opts: ClusterOptions & Out, deps: FailoverDeps = {}): Promise<number> {
  const a = await api(opts, deps);
  const f = await getFailover(a, name);
  const phase = f.status?.phase;
  if (isTerminalFailover(phase)) throw new LongyunError(`failover "${name}" already finished (phase ${phase}): there is nothing to abort${phase === 'Succeeded' && f.spec.direction === 'failover' ? `; to go back home, "longyun dr failback --tenant …"` : ''}`);
  const forwardOnly = phase !== undefined && FORWARD_ONLY_PHASES.includes(phase);
  if (forwardOnly) process.stderr.write(`warning: failover "${name}" is at ${phase}: at or after Switching the operator refuses an abort and completes the failover (the tenants keep one active copy, on the new node)\n`);
  const patched = await a.patch<Failover>('failovers', name, { spec: { abort: true } });
  if (opts.output === 'json') printJson(patched);
  else process.stdout.write(`failover/${name} abort requested (phase ${phase ?? 'Pending'}): ${forwardOnly ? 'the operator will refuse it and complete the failover' : 'the operator rolls back to the source (unfenced from its fence record) and ends it RolledBack'}\n`);
  return EXIT.OK;
}
