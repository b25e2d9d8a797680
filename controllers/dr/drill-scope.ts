// Which tenants a drill covers, and whether each can be drilled now: the CLI checks a request with
// it before creating anything, and the operator's Precheck runs it again. Pure: the clock, the
// estate and the management cluster's Tenants and CloudNodes are passed in. Every problem names the
// object, the field and the fix; all of them are reported at once.
import type { Estate } from '../../topology/estate.js';
import type { DrPlan } from '../../topology/schema.js';
import { didYouMean } from '../../topology/suggest.js';
import type { DrillScope, DrillSpec, TenantOperation } from './drill-types.js';
import { DR_CENTRES, humanDuration, lagSeconds, rpoText, type DrStatus, type StandbyCopyStatus } from './status.js';

/** The parts of a Tenant the scope reads (structural: the CR as fetched). */
export interface ScopeTenant {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { quota?: unknown; dr?: DrPlan };
  status?: { node?: string; activeNode?: string; epoch?: number; dr?: DrStatus; operation?: TenantOperation; phase?: string };
}

/** The parts of a CloudNode the scope reads. */
export interface ScopeNode {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { role?: 'production' | 'standby'; datacentre?: string; protects?: string[]; kind?: string; unit?: string };
  /** Read by a failback (the home must be Ready); absent in forms that do not carry it. */
  status?: { conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> };
}

/** A tenant a drill can restore: where from, where to, its targets and the recovery point it will restore. */
export interface ResolvedDrillTenant {
  tenant: string;
  /** The active node (status.activeNode ?? status.node). */
  source: string;
  standby: string;
  rtoTargetSeconds: number;
  rpoTargetSeconds: number;
  /** From the Tenant's status.dr.standbys entry of the target centre. */
  recoveryPoint: string;
  expectedDigest: string;
  objectDigests: Record<string, string>;
}

export interface DrillScopeProblem {
  tenant?: string;
  /** Where the problem is: in the request (`spec.scope.tenants[0]`, `spec.to`) or, with `tenant`, in that Tenant (`status.dr.standbys[remote-dr]`). */
  field: string;
  /** What is wrong and the fix. */
  message: string;
  /**
   * A state the copier leaves by itself within seconds (a copy catching up, a member an operator
   * just started is still connecting to): the operator's Precheck waits a little before it fails
   * the tenant; the CLI refuses at once either way.
   */
  transient?: boolean;
}

export interface DrillScopeInput {
  estate: Estate;
  tenants: readonly ScopeTenant[];
  nodes: readonly ScopeNode[];
  now: Date;
  /** The drill asking: its own operation claim on a tenant is not a conflict. */
  drill?: string;
}

export const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });
/** The node holding the tenant's active copy: status.activeNode, else its home (status.node). */
export const activeNode = (t: ScopeTenant) => t.status?.activeNode ?? t.status?.node;
export const quotedList = (xs: readonly string[]) => xs.map((x) => `"${x}"`).join(', ');
const list = quotedList;

/** The estate's production centre (role production), `production` standing for it. */
function datacentreIds(estate: Estate): { ids: string[]; production: string | undefined } {
  const ids = estate.doc.datacentres.map((d) => d.id).sort(byName);
  return { ids, production: estate.doc.datacentres.find((d) => d.role === 'production')?.id };
}

/**
 * A DR request's scope read against the estate and the management cluster: exactly one of
 * tenants, node or centre, every name known (with the closest name when not). `tenants`: the named
 * tenants with a DR plan, each once, with the field naming it. `place`: `at(node)` says whether a
 * node is that node or stands in that centre. `noun` names the operation in messages ("drill").
 */
export function selectScope(
  scope: DrillScope | undefined,
  input: Pick<DrillScopeInput, 'estate' | 'tenants' | 'nodes'>,
  noun: string,
): { by: 'tenants'; tenants: ScopeTenant[]; problems: DrillScopeProblem[] } | { by: 'place'; field: string; where: string; at: (node: string | undefined) => boolean; problems: DrillScopeProblem[] } | { by: undefined; problems: DrillScopeProblem[] } {
  const problems: DrillScopeProblem[] = [];
  const { estate } = input;
  const s = scope ?? {};
  const given = (['tenants', 'node', 'centre'] as const).filter((k) => (k === 'tenants' ? (s.tenants?.length ?? 0) > 0 : s[k] !== undefined && s[k] !== ''));
  if (given.length !== 1) {
    const what = given.length === 0 ? 'names none' : `names ${given.join(' and ')}`;
    problems.push({ field: 'spec.scope', message: `a ${noun}'s scope names exactly one of tenants, node or centre, but this one ${what}: give tenants (--tenant, repeatable), one node (--node) or one centre (--centre)` });
    return { by: undefined, problems };
  }
  const tenantByName = new Map(input.tenants.map((t) => [t.metadata.name, t]));
  const nodeByName = new Map(input.nodes.map((n) => [n.metadata.name, n]));

  if (given[0] === 'tenants') {
    const chosen: ScopeTenant[] = [];
    const seen = new Set<string>();
    s.tenants!.forEach((name, i) => {
      const field = `spec.scope.tenants[${i}]`;
      if (seen.has(name)) return;
      seen.add(name);
      const t = tenantByName.get(name);
      if (!t) {
        problems.push({ tenant: name, field, message: `tenant "${name}" not found${didYouMean(name, tenantByName.keys())}: "longyun dr status" lists the tenants with a DR plan` });
        return;
      }
      if (!t.spec.dr) {
        problems.push({ tenant: name, field, message: `tenant "${name}" has no DR plan (spec.dr): give it one (rpoMinutes, rtoMinutes, centres) or leave it out of the ${noun}` });
        return;
      }
      chosen.push(t);
    });
    return { by: 'tenants', tenants: chosen, problems };
  }
  if (given[0] === 'node') {
    const name = s.node!;
    const field = 'spec.scope.node';
    if (!nodeByName.has(name)) {
      problems.push({ field, message: `cloud node "${name}" not found${didYouMean(name, nodeByName.keys())}: "longyun node list" lists the onboarded nodes` });
      return { by: undefined, problems };
    }
    return { by: 'place', field, where: `node "${name}"`, at: (n) => n === name, problems };
  }
  const asked = s.centre!;
  const field = 'spec.scope.centre';
  const { ids, production } = datacentreIds(estate);
  const id = asked === 'production' ? production : ids.includes(asked) ? asked : undefined;
  if (id === undefined) {
    const message =
      asked === 'production'
        ? `estate "${estate.name}" has no data centre with role production: name a centre by its id (${list(ids)})`
        : `data centre "${asked}" not found in estate "${estate.name}"${didYouMean(asked, [...ids, 'production'])}: name one of ${list(ids)}, or "production" for the production centre`;
    problems.push({ field, message });
    return { by: undefined, problems };
  }
  const datacentreOf = (node: string) => nodeByName.get(node)?.spec.datacentre ?? estate.cloudById.get(node)?.datacentre;
  return { by: 'place', field, where: `centre "${id}"`, at: (n) => n !== undefined && datacentreOf(n) === id, problems };
}

/**
 * The tenants of a drill request, each with the standby copy it will restore, and every reason the
 * drill cannot run now. Tenants are resolved in name order; a tenant with a problem is left out of
 * `tenants`. Node and centre scopes cover the tenants there whose DR plan names `to`.
 */
export function resolveDrillScope(spec: Pick<DrillSpec, 'scope' | 'to'>, input: DrillScopeInput): { tenants: ResolvedDrillTenant[]; problems: DrillScopeProblem[] } {
  const { now } = input;
  const to = spec.to;
  if (!(DR_CENTRES as readonly string[]).includes(to)) {
    return { tenants: [], problems: [{ field: 'spec.to', message: `unknown DR centre "${String(to)}"${didYouMean(String(to), DR_CENTRES)}: a drill restores into ${list(DR_CENTRES)}` }] };
  }
  const sel = selectScope(spec.scope, input, 'drill');
  const problems = sel.problems;
  if (sel.by === undefined) return { tenants: [], problems };
  const nodeByName = new Map(input.nodes.map((n) => [n.metadata.name, n]));
  /** Explicit tenants are all checked; a node's or centre's only if their plan names `to`. */
  const chosen: ScopeTenant[] = [];
  if (sel.by === 'tenants') chosen.push(...sel.tenants);
  else {
    const covered = input.tenants.filter((t) => sel.at(activeNode(t)));
    const withPlan = covered.filter((t) => t.spec.dr !== undefined);
    const naming = withPlan.filter((t) => t.spec.dr!.centres.includes(to));
    if (withPlan.length === 0) {
      problems.push({ field: sel.field, message: `no tenant on ${sel.where} has a DR plan (spec.dr): there is nothing to drill; "longyun dr status" lists the tenants with one` });
    } else if (naming.length === 0) {
      const names = withPlan.map((t) => t.metadata.name).sort(byName);
      problems.push({ field: sel.field, message: `no tenant on ${sel.where} has a DR plan naming ${to} (those with a plan: ${names.join(', ')}): drill --to ${DR_CENTRES.find((c) => c !== to)}, or add ${to} to their spec.dr.centres` });
    }
    chosen.push(...naming);
  }

  const tenants: ResolvedDrillTenant[] = [];
  chosen.sort((a, b) => byName(a.metadata.name, b.metadata.name));
  for (const tenant of chosen) {
    const r = checkTenant(tenant, to, input, nodeByName, now);
    if ('problems' in r) problems.push(...r.problems);
    else tenants.push(r.resolved);
  }
  return { tenants, problems };
}

/** Why the tenant is busy in another DR operation than `own` (one operation per tenant at a time), naming it and the fix; undefined when it is free or held by `own`. */
export function operationConflict(t: ScopeTenant, own: { kind: TenantOperation['kind']; name: string | undefined }): string | undefined {
  const op = t.status?.operation;
  if (op === undefined || (op.kind === own.kind && op.name === own.name)) return undefined;
  const fix =
    op.kind === 'FailoverDrill' ? `wait for it, or \`longyun dr drill abort ${op.name}\`` : op.kind === 'Failover' ? `wait for it to finish ("longyun dr failover get ${op.name}"; before its switch \`longyun dr failover abort ${op.name}\` rolls it back)` : 'wait for it to finish';
  return `tenant ${t.metadata.name} is in ${op.kind} ${op.name} since ${op.since}: ${fix}`;
}

/** One tenant of the scope: its plan, placement, operation and standby copy in `to`. */
function checkTenant(
  t: ScopeTenant,
  to: DrillSpec['to'],
  input: DrillScopeInput,
  nodeByName: ReadonlyMap<string, ScopeNode>,
  now: Date,
): { resolved: ResolvedDrillTenant } | { problems: DrillScopeProblem[] } {
  const name = t.metadata.name;
  const plan = t.spec.dr!;
  const problem = (f: string, message: string, transient = false) => ({ problems: [{ tenant: name, field: f, message, ...(transient ? { transient } : {}) }] });
  const other = DR_CENTRES.find((c) => c !== to)!;
  if (!plan.centres.includes(to)) {
    return problem('spec.dr.centres', `tenant "${name}"'s DR plan names ${plan.centres.join(', ')} only (spec.dr.centres), not ${to}: drill it --to ${other}, or add ${to} to its spec.dr.centres`);
  }
  if (t.metadata.deletionTimestamp !== undefined || t.status?.phase === 'Deleting') {
    return problem('metadata.deletionTimestamp', `tenant "${name}" is being deleted (metadata.deletionTimestamp): leave it out of the drill`);
  }
  const source = activeNode(t);
  if (source === undefined) {
    return problem('status.node', `tenant "${name}" is not placed yet (status.node is empty, phase ${t.status?.phase ?? 'Pending'}): wait until "longyun tenant get ${name}" shows it Ready`);
  }
  const busy = operationConflict(t, { kind: 'FailoverDrill', name: input.drill });
  if (busy !== undefined) return problem('status.operation', busy);
  const copy: StandbyCopyStatus | undefined = t.status?.dr?.standbys.find((s) => s.centre === to);
  const sfield = `status.dr.standbys[${to}]`;
  if (copy === undefined) {
    return problem(sfield, `tenant "${name}" has no standby copy in ${to} reported yet (status.dr): wait until "longyun dr status ${name}" shows ${to} Current (is "longyun operator run" running?)`);
  }
  if (copy.state === 'NoStandby' || copy.node === undefined) {
    return problem(sfield, `tenant "${name}" has no standby in ${to}${copy.message ? ` (${copy.message})` : ''}: onboard a standby cloud in that centre whose protects lists ${source}`);
  }
  if (copy.state === 'NoRoom') {
    return problem(sfield, `standby "${copy.node}" in ${to} has no room for tenant "${name}"${copy.message ? ` (${copy.message})` : ''}: raise the standby's capacity, or drill --to ${other}`);
  }
  const standbyNode = nodeByName.get(copy.node);
  if (standbyNode === undefined || standbyNode.metadata.deletionTimestamp !== undefined) {
    return problem(sfield, `standby "${copy.node}" of tenant "${name}" in ${to} is ${standbyNode ? 'being offboarded (metadata.deletionTimestamp)' : 'not an onboarded cloud node'}: onboard a standby in ${to} that protects ${source}, or drill --to ${other}`);
  }
  const rpo = plan.rpoMinutes * 60;
  if (copy.state !== 'Current') {
    return problem(sfield, `tenant "${name}"'s copy on "${copy.node}" is ${copy.state}, not Current${copy.message ? ` (${copy.message})` : ''}: wait until "longyun dr status ${name}" shows ${to} Current`, true);
  }
  if (copy.digest === undefined || copy.sourceDigest === undefined || copy.digest !== copy.sourceDigest) {
    const why = copy.digest === undefined || copy.sourceDigest === undefined ? 'its digest is not known yet' : "its digest differs from production's";
    return problem(sfield, `tenant "${name}"'s copy on "${copy.node}" is not in sync: ${why} (status.dr digest, sourceDigest): wait until "longyun dr status ${name}" shows ✓ for ${to}`, true);
  }
  const lag = lagSeconds(copy, now);
  if (copy.recoveryPoint === undefined || lag === undefined) {
    return problem(sfield, `tenant "${name}"'s copy on "${copy.node}" has no recovery point yet: wait until "longyun dr status ${name}" shows one for ${to}`, true);
  }
  if (lag > rpo) {
    return problem(sfield, `tenant "${name}"'s copy on "${copy.node}" is ${humanDuration(lag)} behind (recovery point ${copy.recoveryPoint}), beyond the plan's RPO of ${rpoText(rpo)} (spec.dr.rpoMinutes): wait until the copy catches up ("longyun dr status ${name}")`);
  }
  return {
    resolved: {
      tenant: name,
      source,
      standby: copy.node,
      rtoTargetSeconds: plan.rtoMinutes * 60,
      rpoTargetSeconds: rpo,
      recoveryPoint: copy.recoveryPoint,
      expectedDigest: copy.digest,
      objectDigests: { ...(copy.objectDigests ?? {}) },
    },
  };
}
