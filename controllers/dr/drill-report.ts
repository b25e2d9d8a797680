// The audit report of a drill (GB/T 20988: a drill documented): JSON for tools and Markdown for the
// DR file, from the FailoverDrill alone. Pure and deterministic: the only time it adds is
// `generatedAt`. The operator writes it once, into an immutable ConfigMap, when the drill finishes;
// the CLI renders a provisional one for a drill still running.
import { isTerminalDrill, type DrillInventory, type DrillNote, type DrillPhase, type DrillScope, type DrillTransition, type FailoverDrill } from './drill-types.js';
import { humanDuration, rpoText } from './status.js';
import { drillTotals } from './drill.js';

export const DRILL_SCOPE_SENTENCE = 'RTO and RPO cover API objects only: the applications were not started, and volume data is not measured.';

export interface DrillReportTenant {
  tenant: string;
  source: string | null;
  standby: string | null;
  state: string;
  message: string | null;
  recoveryPoint: string | null;
  targets: { rtoSeconds: number; rpoSeconds: number };
  achieved: { rtoSeconds: number | null; rpoSeconds: number | null };
  met: { rto: boolean | null; rpo: boolean | null };
  inventory: DrillInventory | null;
  issues: { object: string; problem: string; reason: string }[];
  availability: { state: 'Measured' | 'NotMeasured'; reason: string | null } | null;
}

export interface DrillDeviation {
  tenant?: string;
  kind: 'tenant-failed' | 'rto-missed' | 'rpo-missed' | 'object-missing' | 'object-differing' | 'object-failed' | 'drill-ended';
  object?: string;
  reason: string;
}

export interface DrillReportJson {
  /** False for a drill still running: the CLI's provisional rendering. */
  final: boolean;
  generatedAt: string;
  name: string;
  /** The day it started (UTC), else the day it was created. */
  date: string | null;
  requestedBy: string | null;
  scope: DrillScope;
  to: string;
  phase: DrillPhase | 'Pending';
  reason: string | null;
  message: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  transitions: DrillTransition[];
  rtoScope: 'objects';
  rpoScope: 'objects';
  scopeNote: string;
  tenants: DrillReportTenant[];
  totals: { tenants: number; verified: number; failed: number; rtoMet: number; rpoMet: number; maxRtoSeconds: number | null; maxRpoSeconds: number | null; inventory: DrillInventory };
  deviations: DrillDeviation[];
  /** Tenants whose workload availability was not measured, each with the reason. */
  notMeasured: { tenant: string; reason: string }[];
  cleanup: { state: string; at: string | null; namespaces: string[] };
  notes: DrillNote[];
}

const n = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

function totalsOf(drill: FailoverDrill): DrillReportJson['totals'] {
  // As the operator wrote them; a drill still running has none yet: added up as the operator would.
  const t = drill.status?.totals ?? drillTotals(drill.status?.tenants ?? []);
  return { ...t, maxRtoSeconds: n(t.maxRtoSeconds), maxRpoSeconds: n(t.maxRpoSeconds), inventory: { ...t.inventory } };
}

/** The drill's report: `json` for tools, `markdown` for the DR file. */
export function drillReport(drill: FailoverDrill, ctx: { generatedAt: Date }): { json: DrillReportJson; markdown: string } {
  const st = drill.status ?? {};
  const tenants: DrillReportTenant[] = (st.tenants ?? []).map((t) => ({
    tenant: t.tenant,
    source: n(t.source),
    standby: n(t.standby),
    state: t.state,
    message: n(t.message),
    recoveryPoint: n(t.recoveryPoint),
    targets: { rtoSeconds: t.rtoTargetSeconds, rpoSeconds: t.rpoTargetSeconds },
    achieved: { rtoSeconds: n(t.rtoSeconds), rpoSeconds: n(t.rpoSeconds) },
    met: { rto: n(t.rtoMet), rpo: n(t.rpoMet) },
    inventory: t.inventory ? { ...t.inventory } : null,
    issues: (t.issues ?? []).map((i) => ({ object: i.object, problem: i.problem, reason: i.reason })),
    availability: t.availability ? { state: t.availability.state, reason: n(t.availability.reason) } : null,
  }));
  const deviations: DrillDeviation[] = [];
  if (st.phase !== undefined && isTerminalDrill(st.phase) && st.phase !== 'Succeeded') deviations.push({ kind: 'drill-ended', reason: `the drill ended ${st.phase}${st.reason ? `: ${st.reason}` : ''}${st.message ? `: ${st.message}` : ''}` });
  for (const t of tenants) {
    if (t.state === 'Failed') deviations.push({ tenant: t.tenant, kind: 'tenant-failed', reason: t.message ?? 'failed (no message recorded)' });
    if (t.met.rto === false) deviations.push({ tenant: t.tenant, kind: 'rto-missed', reason: `RTO ${humanDuration(t.achieved.rtoSeconds ?? 0)} above the target ${rpoText(t.targets.rtoSeconds)}` });
    if (t.met.rpo === false) deviations.push({ tenant: t.tenant, kind: 'rpo-missed', reason: `RPO ${humanDuration(t.achieved.rpoSeconds ?? 0)} above the target ${rpoText(t.targets.rpoSeconds)}` });
    for (const i of t.issues) {
      if (i.problem === 'skipped') continue;
      deviations.push({ tenant: t.tenant, kind: i.problem === 'missing' ? 'object-missing' : i.problem === 'differing' ? 'object-differing' : 'object-failed', object: i.object, reason: i.reason });
    }
  }
  const notMeasured = tenants.filter((t) => t.availability?.state === 'NotMeasured').map((t) => ({ tenant: t.tenant, reason: t.availability!.reason ?? 'no reason recorded' }));
  const started = st.startedAt ?? drill.metadata.creationTimestamp;
  const json: DrillReportJson = {
    final: isTerminalDrill(st.phase),
    generatedAt: ctx.generatedAt.toISOString(),
    name: drill.metadata.name,
    date: started ? started.slice(0, 10) : null,
    requestedBy: n(drill.spec.requestedBy),
    scope: { ...drill.spec.scope },
    to: drill.spec.to,
    phase: st.phase ?? 'Pending',
    reason: n(st.reason),
    message: n(st.message),
    startedAt: n(st.startedAt),
    finishedAt: n(st.finishedAt),
    transitions: (st.transitions ?? []).map((t) => ({ ...t })),
    rtoScope: 'objects',
    rpoScope: 'objects',
    scopeNote: DRILL_SCOPE_SENTENCE,
    tenants,
    totals: totalsOf(drill),
    deviations,
    notMeasured,
    cleanup: { state: st.cleanup?.state ?? 'Pending', at: n(st.cleanup?.at), namespaces: [...(st.cleanup?.namespaces ?? [])] },
    notes: (drill.spec.notes ?? []).map((x) => ({ ...x })),
  };
  return { json, markdown: markdownOf(json) };
}

/** A table cell: pipes escaped, newlines flattened. */
const cell = (s: string | number | null | undefined) => (s === null || s === undefined || s === '' ? '—' : String(s).replace(/\|/g, '\\|').replace(/\n/g, ' '));
const row = (xs: (string | number | null | undefined)[]) => `| ${xs.map(cell).join(' | ')} |`;
const table = (head: string[], rows: (string | number | null | undefined)[][]) => [row(head), `|${head.map(() => ' --- ').join('|')}|`, ...rows.map(row)].join('\n');
const dur = (s: number | null) => (s === null ? null : humanDuration(s));
const verdict = (m: boolean | null) => (m === null ? '—' : m ? 'met' : 'missed');

function scopeLine(s: DrillScope): string {
  if (s.tenants?.length) return `tenants ${s.tenants.join(', ')}`;
  if (s.node !== undefined) return `every tenant of node ${s.node}`;
  return s.centre !== undefined ? `every tenant of centre ${s.centre} (the centre lost)` : '—';
}

function markdownOf(r: DrillReportJson): string {
  const out: string[] = [];
  out.push(`# DR drill ${r.name}${r.final ? '' : ' (provisional)'}`, '');
  if (!r.final) out.push(`> **Provisional**: the drill is still ${r.phase}. The final report is written when it finishes.`, '');
  out.push(
    table(
      ['Drill', r.name],
      [
        ['Date', r.date],
        ['Requested by', r.requestedBy],
        ['Scope', scopeLine(r.scope)],
        ['Restored into', r.to],
        ['Result', `${r.phase}${r.reason ? ` (${r.reason})` : ''}`],
        ['Started', r.startedAt],
        ['Finished', r.finishedAt],
        ['Tenants verified', `${r.totals.verified} of ${r.totals.tenants}`],
        ['RTO targets met', `${r.totals.rtoMet} of ${r.totals.tenants}`],
        ['RPO targets met', `${r.totals.rpoMet} of ${r.totals.tenants}`],
        ['Worst RTO / RPO', `${dur(r.totals.maxRtoSeconds) ?? '—'} / ${dur(r.totals.maxRpoSeconds) ?? '—'}`],
      ],
    ),
    '',
  );
  if (r.message) out.push(r.message, '');
  out.push(`**Scope of the measurements** (rtoScope: ${r.rtoScope}, rpoScope: ${r.rpoScope}): ${r.scopeNote} RTO is from the drill's start to the tenant's objects verified on the standby; RPO is from the recovery point restored to the drill's start.`, '');

  out.push('## Phases', '', table(['Phase', 'Entered'], r.transitions.map((t) => [t.phase, t.at])), '');

  out.push('## Tenants', '');
  out.push(
    table(
      ['Tenant', 'State', 'From', 'Standby', 'Recovery point', 'RTO', 'RTO target', 'RTO met', 'RPO', 'RPO target', 'RPO met', 'Expected', 'Restored', 'Missing', 'Differing', 'Skipped', 'Availability'],
      r.tenants.map((t) => [
        t.tenant,
        t.state,
        t.source,
        t.standby,
        t.recoveryPoint,
        dur(t.achieved.rtoSeconds),
        rpoText(t.targets.rtoSeconds),
        verdict(t.met.rto),
        dur(t.achieved.rpoSeconds),
        rpoText(t.targets.rpoSeconds),
        verdict(t.met.rpo),
        t.inventory?.expected,
        t.inventory?.restored,
        t.inventory?.missing,
        t.inventory?.differing,
        t.inventory?.skipped,
        t.availability?.state,
      ]),
    ),
    '',
  );
  out.push(
    `Totals: ${r.totals.tenants} tenants, ${r.totals.verified} verified, ${r.totals.failed} failed; objects expected ${r.totals.inventory.expected}, restored ${r.totals.inventory.restored}, missing ${r.totals.inventory.missing}, differing ${r.totals.inventory.differing}, skipped ${r.totals.inventory.skipped}.`,
    '',
  );

  out.push('## Deviations', '');
  if (r.deviations.length === 0) out.push('None: every tenant verified, every object restored with its digest, every target met.', '');
  else out.push(table(['Tenant', 'Deviation', 'Object', 'Reason'], r.deviations.map((d) => [d.tenant, d.kind, d.object, d.reason])), '');

  const skipped = r.tenants.flatMap((t) => t.issues.filter((i) => i.problem === 'skipped').map((i) => [t.tenant, i.object, i.reason]));
  if (skipped.length) out.push('## Not restored by design', '', table(['Tenant', 'Object', 'Reason'], skipped), '');

  out.push('## Availability', '');
  if (r.notMeasured.length === 0) out.push(r.tenants.length ? 'Workload availability was measured for every tenant.' : '—', '');
  else out.push('Workload availability was **not measured** for:', '', ...r.notMeasured.map((x) => `- ${x.tenant}: ${x.reason}`), '');

  out.push('## Cleanup', '', `${r.cleanup.state}${r.cleanup.at ? ` at ${r.cleanup.at}` : ''}${r.cleanup.namespaces.length ? `: ${r.cleanup.namespaces.join(', ')}` : ''}`, '');

  out.push('## Notes', '');
  if (r.notes.length === 0) out.push('None.', '');
  else out.push(...r.notes.map((x) => `- ${x.at}${x.by ? ` (${x.by})` : ''}: ${x.text.replace(/\n/g, ' ')}`), '');

  out.push(`Generated ${r.generatedAt} by longyun from FailoverDrill ${r.name}.`);
  return `${out.join('\n')}\n`;
}
