// The Tenant controller's decisions, as a pure function of the desired Tenant, what is observed
// (nodes, capacity committed, the tenant's objects on its member cluster) and the clock. A thin
// runtime (operator/) does the I/O: it applies the actions and writes the status.
import type { TenantDrills, TenantOperation } from './dr/drill-types.js';
import type { LostAndFoundRecord, TenantFailovers } from './dr/failover-types.js';
import { evaluateTenantPolicies, type TenantFinding } from '../policies/tenant-policies.js';
import type { DesiredResource, K8sObject } from '../stacks/graph/types.js';
import { DesiredStateError, tenantObjects } from '../stacks/graph/tenant-objects.js';
import type { Estate } from '../topology/estate.js';
import type { AddressPlan } from '../topology/ipam/address-plan.js';
import type { TenantSpec } from '../topology/schema.js';
import { Reasons, setCondition, TenantConditions, type Condition } from './conditions.js';
import type { DrStatus } from './dr/status.js';
import { place, type NodeView, type Resources } from './placement.js';

export const TENANT_FINALIZER = 'longyun.io/tenant-cleanup';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface TenantResource {
  metadata: { name: string; generation?: number; deletionTimestamp?: string; finalizers?: string[]; uid?: string };
  spec: TenantSpec;
  status?: TenantStatus;
}

export interface TenantStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  phase?: 'Pending' | 'Rejected' | 'Provisioning' | 'Ready' | 'Deleting';
  /** The tenant's home: its placement, set for good. */
  node?: string;
  /** The node holding the one active copy (its home until a failover); the others hold standby copies. */
  activeNode?: string;
  /** Raised each time the active copy moves; never lowered. */
  epoch?: number;
  appliedObjects?: ObjectRef[];
  /** The standby copies of a tenant with a DR plan (controllers/dr/status.ts). */
  dr?: DrStatus;
  /** The one DR operation on the tenant now (a drill; failovers and migrations later): claimed and released by it. */
  operation?: TenantOperation;
  /** Its last drill and last successful one (controllers/dr/drill-types.ts). */
  drills?: TenantDrills;
  /** Its last failover and last failback (controllers/dr/failover-types.ts). */
  failovers?: TenantFailovers;
  /** Objects of an old active copy that changed after the recovery point an emergency failover promoted, kept aside. */
  lostAndFound?: LostAndFoundRecord[];
}

export type TenantAction =
  | { type: 'addFinalizer' }
  | { type: 'removeFinalizer' }
  | { type: 'apply'; node: string; object: K8sObject }
  | { type: 'delete'; node: string; ref: ObjectRef }
  | { type: 'event'; eventType: 'Normal' | 'Warning'; reason: string; message: string };

export interface TenantObserved {
  nodes: readonly NodeView[];
  /** Quota committed on each node by the other tenants. */
  allocated: ReadonlyMap<string, Resources>;
  /**
   * The tenant's objects on its node as last seen (by ref key), or undefined when the member's
   * cache has not synced yet (then nothing is deleted as stale).
   */
  memberObjects: ReadonlyMap<string, K8sObject> | undefined;
  /**
   * The RoleBinding that gives longyun its rights inside the tenant's namespace on a node
   * (operator/member-rbac.ts), when that member's identity needs one: applied right after the
   * Namespace, before anything else in it. A function of the node: a tenant placed in this pass
   * is provisioned in it too.
   */
  accessBinding?: (node: string) => K8sObject | undefined;
}

export interface TenantContext {
  estate: Estate;
  plan: AddressPlan;
  now: Date;
}

export interface TenantDecision {
  actions: TenantAction[];
  status: TenantStatus;
  /** Come back later even without a change (e.g. waiting for a node). */
  requeueAfterMs?: number;
}

export function refOf(o: Pick<K8sObject, 'apiVersion' | 'kind' | 'metadata'>): ObjectRef {
  return { apiVersion: o.apiVersion, kind: o.kind, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}), name: o.metadata.name };
}

export function refKey(r: ObjectRef): string {
  return `${r.apiVersion}/${r.kind}/${r.namespace ?? ''}/${r.name}`;
}

/** True when every field we set in `desired` has the same value in `observed` (extra fields are the server's). */
export function covers(observed: unknown, desired: unknown): boolean {
  if (desired === null || typeof desired !== 'object') return observed === desired;
  if (Array.isArray(desired)) {
    return Array.isArray(observed) && observed.length === desired.length && desired.every((d, i) => covers(observed[i], d));
  }
  if (observed === null || typeof observed !== 'object' || Array.isArray(observed)) return false;
  return Object.entries(desired as Record<string, unknown>).every(([k, v]) => covers((observed as Record<string, unknown>)[k], v));
}

/** The objects a tenant wants on its node (the same that `longyun synth` writes for it). */
export function desiredObjects(ctx: TenantContext, name: string, spec: TenantSpec, node: string): DesiredResource[] {
  return tenantObjects({ estate: ctx.estate, plan: ctx.plan }, { id: name, ...spec, node });
}

export function reconcileTenant(tenant: TenantResource, observed: TenantObserved, ctx: TenantContext): TenantDecision {
  const { now } = ctx;
  const generation = tenant.metadata.generation;
  const gen = generation === undefined ? {} : { observedGeneration: generation };
  let conditions = tenant.status?.conditions ?? [];
  const set = (type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string) => {
    conditions = setCondition(conditions, { type, status, reason, message, ...gen }, now);
  };
  const actions: TenantAction[] = [];
  const applied = tenant.status?.appliedObjects ?? [];
  const node = tenant.status?.node;
  // Placed: the home is for good, and until a failover moves it the active copy is at home.
  const placedOn = (n: string) => ({ node: n, activeNode: tenant.status?.activeNode ?? n, epoch: tenant.status?.epoch ?? 1 });

  // Deletion: remove what we applied from the member, then release the finalizer.
  if (tenant.metadata.deletionTimestamp) {
    const hasFinalizer = tenant.metadata.finalizers?.includes(TENANT_FINALIZER) ?? false;
    if (!hasFinalizer) return { actions, status: tenant.status ?? {} };
    // What it applied and is still there, and whatever else on its node is labelled as this
    // tenant's: an object applied by a replica that stopped before recording it, or a stale
    // leader's late write (a Schedule in Velero's namespace would outlive the tenant's namespace).
    // An object already being deleted counts as gone: its finalizers (a PVC's protection in a
    // namespace being emptied) are the member's to clear, and need not hold the Tenant up.
    // What is inside the tenant's namespace goes with it: once the Namespace is being deleted its
    // objects count as gone, and while the Namespace is still to delete only it and what is outside
    // it are deleted (longyun's own rights in the namespace, its access binding, must outlast
    // every delete made there).
    const recorded = new Set(applied.map(refKey));
    const going = (key: string) => (observed.memberObjects?.get(key)?.metadata as { deletionTimestamp?: string } | undefined)?.deletionTimestamp !== undefined;
    const namespaceOf = applied.find((r) => r.kind === 'Namespace' && r.apiVersion === 'v1')?.name;
    const nsKey = namespaceOf === undefined ? undefined : refKey({ apiVersion: 'v1', kind: 'Namespace', name: namespaceOf });
    const nsGoing = nsKey !== undefined && going(nsKey);
    const gone = (r: ObjectRef) => going(refKey(r)) || (nsGoing && r.namespace === namespaceOf);
    const unrecorded = [...(observed.memberObjects?.values() ?? [])].map(refOf).filter((r) => !recorded.has(refKey(r)) && !gone(r));
    // On the node holding the active copy (the home until a failover); the copier removes the others.
    const active = tenant.status?.activeNode ?? node;
    const left = active === undefined ? [] : [...applied.filter((r) => observed.memberObjects === undefined || (observed.memberObjects.has(refKey(r)) && !gone(r))), ...unrecorded];
    const nsLeft = left.some((r) => nsKey !== undefined && refKey(r) === nsKey);
    for (const r of left) if (active && !(nsLeft && r.namespace === namespaceOf)) actions.push({ type: 'delete', node: active, ref: r });
    // The DR copier removes the standby copies, then the record of them (status.dr).
    const copies = (tenant.status as { dr?: { standbys?: Array<{ node?: string }> } } | undefined)?.dr?.standbys?.filter((s) => s.node).length ?? 0;
    set(
      TenantConditions.Ready,
      'False',
      Reasons.Deleting,
      left.length ? `removing ${left.length} objects from ${active}` : copies ? `removed from ${active}; waiting for the DR copier to remove ${copies} standby cop${copies === 1 ? 'y' : 'ies'}` : 'removed from the member cluster',
    );
    if (left.length === 0 && copies === 0) actions.push({ type: 'removeFinalizer' });
    const waiting = left.length > 0 || copies > 0;
    return { actions, status: { ...tenant.status, ...gen, conditions, phase: 'Deleting', appliedObjects: left }, ...(waiting ? { requeueAfterMs: 1000 } : {}) };
  }
  if (!(tenant.metadata.finalizers ?? []).includes(TENANT_FINALIZER)) actions.push({ type: 'addFinalizer' });

  // 1. Policies, on the node the tenant asked for or is on (as onboarded, if it is): an
  // enforce-mode finding rejects the request, naming the policy and why.
  const request = { id: tenant.metadata.name, ...tenant.spec };
  const asOnboarded = (name: string | undefined) => (name === undefined ? undefined : (observed.nodes.find((n) => n.name === name) ?? name));
  const findings = evaluateTenantPolicies(ctx.estate, request, asOnboarded(tenant.spec.node ?? node));
  const enforced = findings.filter((f) => f.mode === 'enforce');
  if (enforced.length > 0) {
    const f = enforced[0]!;
    const message = `policy ${f.policy} (plan ${f.sections.join(', ')}): ${f.message}`;
    set(TenantConditions.Approved, 'False', Reasons.PolicyViolation, message);
    set(TenantConditions.Ready, 'False', Reasons.PolicyViolation, 'rejected by policy');
    if (tenant.status?.phase !== 'Rejected') actions.push({ type: 'event', eventType: 'Warning', reason: Reasons.PolicyViolation, message });
    return { actions, status: { ...gen, conditions, phase: 'Rejected', appliedObjects: applied, ...(node ? placedOn(node) : {}) } };
  }
  const approve = (audit: readonly TenantFinding[]) =>
    set(
      TenantConditions.Approved,
      'True',
      audit.length ? Reasons.AuditFindings : Reasons.PoliciesPassed,
      audit.length ? audit.map((f) => `${f.policy}: ${f.message}`).join('; ') : 'every policy passed',
    );
  approve(findings);

  // 2. Placement, among the nodes the policies allow: once placed, a tenant stays on its node
  // (its data is there).
  let chosen = node;
  if (chosen === undefined) {
    const p = place(ctx.estate, request, observed.nodes, observed.allocated);
    if (!p.ok) {
      set(TenantConditions.Placed, 'False', p.reason, p.message);
      set(TenantConditions.Ready, 'False', Reasons.Waiting, 'waiting for a node with room');
      return { actions, status: { ...gen, conditions, phase: 'Pending', appliedObjects: applied }, requeueAfterMs: 30_000 };
    }
    chosen = p.node;
    set(TenantConditions.Placed, 'True', p.reason, p.message);
    // An event records a decision the operator made; a requested node is in the spec already.
    if (p.reason !== Reasons.NodeRequested) {
      actions.push({ type: 'event', eventType: 'Normal', reason: p.reason, message: p.message });
      // The audit-mode findings on the node chosen, which step 1 could not know.
      approve(evaluateTenantPolicies(ctx.estate, request, asOnboarded(chosen)));
    }
  } else {
    set(TenantConditions.Placed, 'True', tenant.spec.node ? Reasons.NodeRequested : Reasons.NodeChosen, `on "${chosen}"`);
  }
  // Where the tenant's objects are applied: the node holding its active copy — its home until a
  // failover moves it (DR III). The home is never touched while another node is active.
  const target = tenant.status?.activeNode ?? chosen;
  const nodeView = observed.nodes.find((n) => n.name === target);
  if (!nodeView?.ready) {
    set(TenantConditions.Ready, 'False', Reasons.NodeNotReady, `node "${target}" is not Ready`);
    return { actions, status: { ...gen, conditions, phase: 'Provisioning', ...placedOn(chosen), appliedObjects: applied }, requeueAfterMs: 10_000 };
  }

  // 3. Provisioning: apply what is missing or drifted; delete what we applied that is no longer wanted.
  let desired: DesiredResource[];
  try {
    desired = desiredObjects(ctx, tenant.metadata.name, tenant.spec, target);
    const binding = observed.accessBinding?.(target);
    if (binding) {
      const at = desired.findIndex((d) => d.object.kind === 'Namespace') + 1;
      desired = [...desired.slice(0, at), { id: `tenant_${tenant.metadata.name}_access`, tenant: tenant.metadata.name, object: binding }, ...desired.slice(at)];
    }
  } catch (e) {
    if (!(e instanceof DesiredStateError)) throw e;
    set(TenantConditions.Provisioned, 'False', Reasons.Applying, e.message);
    set(TenantConditions.Ready, 'False', Reasons.Applying, e.message);
    return { actions, status: { ...gen, conditions, phase: 'Provisioning', ...placedOn(chosen), appliedObjects: applied }, requeueAfterMs: 30_000 };
  }
  const wanted = new Map(desired.map((d) => [refKey(refOf(d.object)), d.object]));
  let drifted = 0;
  let missing = 0;
  for (const [key, object] of wanted) {
    const seen = observed.memberObjects?.get(key);
    if (seen === undefined) {
      missing++;
      actions.push({ type: 'apply', node: target, object });
    } else if (!covers(seen, object)) {
      drifted++;
      actions.push({ type: 'apply', node: target, object });
    }
  }
  if (observed.memberObjects !== undefined) {
    for (const r of applied) if (!wanted.has(refKey(r)) && observed.memberObjects.has(refKey(r))) actions.push({ type: 'delete', node: target, ref: r });
  }
  if (drifted > 0) actions.push({ type: 'event', eventType: 'Normal', reason: Reasons.DriftCorrected, message: `restored ${drifted} object${drifted === 1 ? '' : 's'} edited on ${target}` });
  const appliedObjects = [...wanted.values()].map(refOf);
  const pending = missing + drifted;
  if (pending > 0 || observed.memberObjects === undefined) {
    set(TenantConditions.Provisioned, 'False', drifted ? Reasons.DriftCorrected : Reasons.Applying, `applying ${pending} of ${wanted.size} objects on ${target}`);
    set(TenantConditions.Ready, 'False', Reasons.Applying, 'provisioning');
    return { actions, status: { ...gen, conditions, phase: 'Provisioning', ...placedOn(chosen), appliedObjects } };
  }
  set(TenantConditions.Provisioned, 'True', Reasons.Applied, `${wanted.size} objects on ${target}`);
  set(TenantConditions.Ready, 'True', Reasons.TenantReady, `ready on ${target}`);
  return { actions, status: { ...gen, conditions, phase: 'Ready', ...placedOn(chosen), appliedObjects } };
}
