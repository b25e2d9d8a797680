// Which tenants a failover or failback covers, and whether each can move now: the CLI checks a
// request with it before creating anything, and the operator's Precheck runs it again. Pure, like
// drill-scope.ts (whose scope reading it shares): every problem names the object, the field and the
// fix, all of them at once; `transient` marks a state the copier leaves by itself within seconds.
import { didYouMean } from '../../topology/suggest.js';
import { activeNode, byName, operationConflict, quotedList, selectScope, type DrillScopeInput, type DrillScopeProblem, type ScopeNode, type ScopeTenant } from './drill-scope.js';
import type { FailoverDirection, FailoverSpec } from './failover-types.js';
import { standbyFor } from './standbys.js';
import { DR_CENTRES, type DrCentre, type StandbyCopyStatus } from './status.js';

/** A tenant a failover can move: from its active node to `to`, with what the move is checked against. */
export interface ResolvedFailoverTenant {
  tenant: string;
  /** The active node now (status.activeNode ?? status.node). */
  from: string;
  /** The node that becomes active: the standby in the target centre, or (failback) the tenant's home. */
  to: string;
  direction: FailoverDirection;
  /** Emergency: the standby copy's recovery point, promoted from. */
  recoveryPoint?: string;
  /** The digest the promoted copy must have: production's (planned), the recovery point's (emergency), the copy on home's if reported (failback). */
  expectedDigest?: string;
  rtoTargetSeconds: number;
  rpoTargetSeconds: number;
  /** The Tenant's epoch now (1 when not written yet): the switch writes epoch + 1 only if it is still this. */
  epoch: number;
}

export interface FailoverScopeInput extends Omit<DrillScopeInput, 'drill'> {
  /** The failover asking: its own operation claim on a tenant is not a conflict. */
  failover?: string;
}

type Problem = { problems: DrillScopeProblem[] };

/**
 * The tenants of a failover or failback request and every reason it cannot run now. Tenants are
 * resolved in name order; a tenant with a problem is left out of `tenants`. A failover's node or
 * centre covers the tenants active there whose plan names `to`; a failback's, the tenants away from
 * home whose home or active node is there.
 */
export function resolveFailoverScope(spec: Pick<FailoverSpec, 'scope' | 'direction' | 'to' | 'type'>, input: FailoverScopeInput): { tenants: ResolvedFailoverTenant[]; problems: DrillScopeProblem[] } {
  const request = checkRequest(spec);
  if (request.length) return { tenants: [], problems: request };
  const back = spec.direction === 'failback';
  const noun = back ? 'failback' : 'failover';
  const sel = selectScope(spec.scope, input, noun);
  const problems = sel.problems;
  if (sel.by === undefined) return { tenants: [], problems };
  const to = spec.to as DrCentre;

  const chosen: ScopeTenant[] = [];
  if (sel.by === 'tenants') chosen.push(...sel.tenants);
  else {
    const covered = input.tenants.filter((t) => sel.at(activeNode(t)) || (back && sel.at(t.status?.node)));
    const withPlan = covered.filter((t) => t.spec.dr !== undefined);
    const fitting = withPlan.filter((t) => (back ? activeNode(t) !== t.status?.node : t.spec.dr!.centres.includes(to)));
    const names = withPlan.map((t) => t.metadata.name).sort(byName).join(', ');
    if (withPlan.length === 0) {
      problems.push({ field: sel.field, message: `no tenant on ${sel.where} has a DR plan (spec.dr): there is nothing to ${back ? 'fail back' : 'fail over'}; "longyun dr status" lists the tenants with one` });
    } else if (fitting.length === 0) {
      const message = back
        ? `no tenant of ${sel.where} is away from home (those with a DR plan: ${names} are all active on their home node): there is nothing to fail back; "longyun dr status" shows home and active node`
        : `no tenant on ${sel.where} has a DR plan naming ${to} (those with a plan: ${names}): fail over --to ${DR_CENTRES.find((c) => c !== to)}, or add ${to} to their spec.dr.centres`;
      problems.push({ field: sel.field, message });
    }
    chosen.push(...fitting);
  }

  const nodeByName = new Map(input.nodes.map((n) => [n.metadata.name, n]));
  const tenants: ResolvedFailoverTenant[] = [];
  chosen.sort((a, b) => byName(a.metadata.name, b.metadata.name));
  for (const t of chosen) {
    const r = back ? checkFailback(t, input, nodeByName) : checkFailover(t, spec.type, to, input, nodeByName);
    if ('problems' in r) problems.push(...r.problems);
    else tenants.push(r.resolved);
  }
  return { tenants, problems };
}

/** The request's own fields: direction, type and `to` agree. */
function checkRequest(spec: Pick<FailoverSpec, 'direction' | 'to' | 'type'>): DrillScopeProblem[] {
  const problems: DrillScopeProblem[] = [];
  if (spec.direction !== 'failover' && spec.direction !== 'failback') {
    problems.push({ field: 'spec.direction', message: `unknown direction "${String(spec.direction)}": "failover" (longyun dr failover) or "failback" (longyun dr failback)` });
    return problems;
  }
  if (spec.type !== 'planned' && spec.type !== 'emergency') {
    problems.push({ field: 'spec.type', message: `unknown failover type "${String(spec.type)}"${didYouMean(String(spec.type), ['planned', 'emergency'])}: "planned" (--planned: the source answers) or "emergency" (--emergency: it does not)` });
  }
  if (spec.direction === 'failback') {
    if (spec.to !== undefined) problems.push({ field: 'spec.to', message: `a failback goes to each tenant's home (status.node), never to a DR centre: leave out spec.to (--to), or use "longyun dr failover --to ${String(spec.to)}"` });
    if (spec.type === 'emergency') problems.push({ field: 'spec.type', message: 'a failback is always planned (the active copy answers, is fenced and synced home with nothing lost): leave out --emergency' });
  } else if (spec.to === undefined) {
    problems.push({ field: 'spec.to', message: `a failover names the DR centre to move to: give --to ${DR_CENTRES.join(' or --to ')}` });
  } else if (!(DR_CENTRES as readonly string[]).includes(spec.to)) {
    problems.push({ field: 'spec.to', message: `unknown DR centre "${String(spec.to)}"${didYouMean(String(spec.to), DR_CENTRES)}: a failover moves to ${quotedList(DR_CENTRES)}` });
  }
  return problems;
}

/** Deletion, placement and other operations: the same for both directions. The active node when none applies. */
function checkCommon(t: ScopeTenant, noun: string, input: FailoverScopeInput, problem: (field: string, message: string) => Problem): { from: string } | Problem {
  const name = t.metadata.name;
  if (t.metadata.deletionTimestamp !== undefined || t.status?.phase === 'Deleting') {
    return problem('metadata.deletionTimestamp', `tenant "${name}" is being deleted (metadata.deletionTimestamp): leave it out of the ${noun}`);
  }
  const from = activeNode(t);
  if (from === undefined || t.status?.node === undefined) {
    return problem('status.node', `tenant "${name}" is not placed yet (status.node is empty, phase ${t.status?.phase ?? 'Pending'}): wait until "longyun tenant get ${name}" shows it Ready`);
  }
  const busy = operationConflict(t, { kind: 'Failover', name: input.failover });
  if (busy !== undefined) return problem('status.operation', busy);
  return { from };
}

const problemsOf = (tenant: string) => (field: string, message: string, transient = false): Problem => ({ problems: [{ tenant, field, message, ...(transient ? { transient } : {}) }] });

function checkFailover(t: ScopeTenant, type: FailoverSpec['type'], to: DrCentre, input: FailoverScopeInput, nodeByName: ReadonlyMap<string, ScopeNode>): { resolved: ResolvedFailoverTenant } | Problem {
  const name = t.metadata.name;
  const plan = t.spec.dr!;
  const problem = problemsOf(name);
  const other = DR_CENTRES.find((c) => c !== to)!;
  if (!plan.centres.includes(to)) {
    return problem('spec.dr.centres', `tenant "${name}"'s DR plan names ${plan.centres.join(', ')} only (spec.dr.centres), not ${to}: fail it over --to ${other}, or add ${to} to its spec.dr.centres`);
  }
  const common = checkCommon(t, 'failover', input, problem);
  if ('problems' in common) return common;
  const { from } = common;
  const home = t.status!.node!;
  if (from !== home) {
    return problem('status.activeNode', `tenant "${name}" is active on "${from}", away from its home "${home}" (status.activeNode ≠ status.node): fail it back first ("longyun dr failback --tenant ${name}"), then fail it over`);
  }
  const sfield = `status.dr.standbys[${to}]`;
  const copy: StandbyCopyStatus | undefined = t.status?.dr?.standbys.find((s) => s.centre === to);
  if (copy === undefined) {
    if (standbyFor(input.nodes.map(asNodeLike), input.estate, from, to) === undefined) {
      return problem(sfield, `tenant "${name}" has no standby in ${to} (NoStandby: no onboarded standby there protects ${from}): onboard a standby cloud in that centre whose protects lists ${from}, or fail over --to ${other}`);
    }
    return problem(sfield, `tenant "${name}" has no standby copy in ${to} reported yet (status.dr): wait until "longyun dr status ${name}" shows ${to} Current (is "longyun operator run" running?)`, true);
  }
  if (copy.state === 'NoStandby' || copy.node === undefined) {
    return problem(sfield, `tenant "${name}" has no standby in ${to} (NoStandby${copy.message ? `: ${copy.message}` : ''}): onboard a standby cloud in that centre whose protects lists ${from}, or fail over --to ${other}`);
  }
  if (copy.state === 'NoRoom') {
    return problem(sfield, `standby "${copy.node}" in ${to} has no room for tenant "${name}" (NoRoom${copy.message ? `: ${copy.message}` : ''}): raise the standby's capacity, or fail over --to ${other}`);
  }
  const standby = nodeByName.get(copy.node);
  if (standby === undefined || standby.metadata.deletionTimestamp !== undefined) {
    return problem(sfield, `standby "${copy.node}" of tenant "${name}" in ${to} is ${standby ? 'being offboarded (metadata.deletionTimestamp)' : 'not an onboarded cloud node'}: onboard a standby in ${to} that protects ${from}, or fail over --to ${other}`);
  }
  const targets = { rtoTargetSeconds: plan.rtoMinutes * 60, rpoTargetSeconds: plan.rpoMinutes * 60 };
  const base = { tenant: name, from, to: copy.node, direction: 'failover' as const, ...targets, epoch: t.status?.epoch ?? 1 };
  if (type === 'planned') {
    if (copy.state !== 'Current') {
      return problem(sfield, `tenant "${name}"'s copy on "${copy.node}" is ${copy.state}, not Current${copy.message ? ` (${copy.message})` : ''}: a planned failover needs production answering and the copy current; wait until "longyun dr status ${name}" shows ${to} Current, or, if ${from} is down, fail over --emergency`, true);
    }
    if (copy.digest === undefined || copy.sourceDigest === undefined || copy.digest !== copy.sourceDigest) {
      const why = copy.digest === undefined || copy.sourceDigest === undefined ? 'its digest is not known yet' : "its digest differs from production's";
      return problem(sfield, `tenant "${name}"'s copy on "${copy.node}" is not in sync: ${why} (status.dr digest, sourceDigest): wait until "longyun dr status ${name}" shows ✓ for ${to}, or fail over --emergency`, true);
    }
    return { resolved: { ...base, expectedDigest: copy.sourceDigest } };
  }
  if (copy.state === 'StandbyUnreachable') {
    return problem(sfield, `standby "${copy.node}" of tenant "${name}" in ${to} does not answer (StandbyUnreachable${copy.message ? `: ${copy.message}` : ''}): its copy cannot be promoted; wait for it, or fail over --to ${other}`, true);
  }
  if (copy.recoveryPoint === undefined || copy.digest === undefined) {
    return problem(sfield, `tenant "${name}"'s copy on "${copy.node}" has no recovery point (status.dr recoveryPoint, digest): no complete copy was ever made, so there is nothing to promote; fail over --to ${other} if its copy has one`);
  }
  return { resolved: { ...base, recoveryPoint: copy.recoveryPoint, expectedDigest: copy.digest } };
}

function checkFailback(t: ScopeTenant, input: FailoverScopeInput, nodeByName: ReadonlyMap<string, ScopeNode>): { resolved: ResolvedFailoverTenant } | Problem {
  const name = t.metadata.name;
  const plan = t.spec.dr!;
  const problem = problemsOf(name);
  const common = checkCommon(t, 'failback', input, problem);
  if ('problems' in common) return common;
  const { from } = common;
  const home = t.status!.node!;
  if (from === home) {
    return problem('status.activeNode', `tenant "${name}" is already home: active on its home "${home}" (status.activeNode = status.node), so there is nothing to fail back; "longyun dr status ${name}" shows it`);
  }
  const node = nodeByName.get(home);
  if (node === undefined || node.metadata.deletionTimestamp !== undefined) {
    return problem('status.node', `tenant "${name}"'s home "${home}" is ${node ? 'being offboarded (metadata.deletionTimestamp)' : 'not an onboarded cloud node any more'}: a failback needs it; onboard it again ("longyun node list" lists the nodes)`);
  }
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') {
    const why = ready ? `Ready is ${ready.status}${ready.reason ? ` (${ready.reason}${ready.message ? `: ${ready.message}` : ''})` : ''}` : 'no Ready condition yet';
    return problem('status.node', `tenant "${name}"'s home "${home}" is not Ready (${why}): a failback needs it answering; wait until "longyun node list" shows it Ready`);
  }
  // The reprotected copy on home, if the DR status reports one: it must be current before the final sync.
  const copy = t.status?.dr?.standbys.find((s) => s.node === home);
  if (copy !== undefined && (copy.state !== 'Current' || copy.digest === undefined || copy.digest !== copy.sourceDigest)) {
    return problem(`status.dr.standbys[${copy.centre}]`, `tenant "${name}"'s copy on its home "${home}" is ${copy.state !== 'Current' ? `${copy.state}, not Current` : 'not in sync with the active copy'}${copy.message ? ` (${copy.message})` : ''}: wait until "longyun dr status ${name}" shows it Current and ✓`, true);
  }
  return {
    resolved: {
      tenant: name,
      from,
      to: home,
      direction: 'failback',
      ...(copy?.sourceDigest !== undefined ? { expectedDigest: copy.sourceDigest } : {}),
      rtoTargetSeconds: plan.rtoMinutes * 60,
      rpoTargetSeconds: plan.rpoMinutes * 60,
      epoch: t.status?.epoch ?? 1,
    },
  };
}

/** A ScopeNode as standbyFor reads it (capacity does not matter to which standby it is). */
const asNodeLike = (n: ScopeNode) => ({ metadata: n.metadata, spec: { ...(n.spec.role ? { role: n.spec.role } : {}), ...(n.spec.datacentre ? { datacentre: n.spec.datacentre } : {}), ...(n.spec.protects ? { protects: n.spec.protects } : {}), capacity: { vcpu: 0, memoryGiB: 0, storageTiB: 0 } } });
