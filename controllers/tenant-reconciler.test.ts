import { describe, expect, it } from 'vitest';
import { Estate } from '../topology/estate.js';
import { GANSU_DIR } from '../topology/estate.test-helpers.js';
import { openAddressPlan } from '../topology/ipam/ledger-store.js';
import { loadEstate } from '../topology/load.js';
import type { TenantSpec } from '../topology/schema.js';
import { findCondition, Reasons, TenantConditions } from './conditions.js';
import { capacityResources, place, quotaResources, type NodeView, type Resources } from './placement.js';
import { covers, reconcileTenant, refKey, refOf, TENANT_FINALIZER, type TenantAction, type TenantResource } from './tenant-reconciler.js';
import type { K8sObject } from '../stacks/graph/types.js';

const estate = loadEstate(GANSU_DIR);
const plan = openAddressPlan(estate);
const now = new Date('2026-11-26T08:00:00Z');
const ctx = { estate, plan, now };

// Every estate cloud onboarded, the standbys as standby CloudNodes (as the manager's nodeViews).
const nodes: NodeView[] = estate.doc.clouds.map((c) => ({
  name: c.id,
  kind: c.kind,
  unit: c.unit,
  ready: true,
  ...(c.role === 'standby' ? { standby: true, datacentre: c.datacentre!, protects: c.protects ?? [] } : {}),
  capacity: capacityResources(c.capacity),
}));
const none = new Map<string, Resources>();

const spec = (over: Partial<TenantSpec> = {}): TenantSpec => ({
  department: 'tianshui-big-data',
  quota: { cpu: '16', memory: '64Gi', storage: '1Ti' },
  mlps: 2,
  planes: ['plane-1', 'plane-2'],
  ...over,
});
/** The spec as the policies and placement see it: with the tenant's name. */
const request = (over: Partial<TenantSpec> = {}) => ({ id: 'tianshui-permits', ...spec(over) });
const tenant = (over: Partial<TenantResource> = {}, s: Partial<TenantSpec> = {}): TenantResource => ({
  metadata: { name: 'tianshui-permits', generation: 1, finalizers: [TENANT_FINALIZER] },
  spec: spec(s),
  ...over,
});
const applies = (actions: TenantAction[]) => actions.filter((a): a is Extract<TenantAction, { type: 'apply' }> => a.type === 'apply');
const asObserved = (objects: K8sObject[]) => new Map(objects.map((o) => [refKey(refOf(o)), structuredClone(o)]));

describe('placement', () => {
  it('prefers the department\'s own city node, then the provincial cloud; never another city\'s', () => {
    expect(place(estate, request(), nodes, none)).toMatchObject({ ok: true, node: 'tianshui-cloud', reason: 'NodeChosen' });
    const full = new Map([['tianshui-cloud', capacityResources(estate.cloudById.get('tianshui-cloud')!.capacity)]]);
    expect(place(estate, request(), nodes, full)).toMatchObject({ ok: true, node: 'gansu-provincial' });
    const provincialDept = place(estate, request({ department: 'gansu-health' }), nodes, none);
    expect(provincialDept).toMatchObject({ ok: true, node: 'gansu-provincial' });
  });

  it('never over-commits: a request that does not fit anywhere is NoCapacity with the numbers', () => {
    const huge = request({ quota: { cpu: '100000', memory: '1Gi', storage: '1Gi' } });
    const r = place(estate, huge, nodes, none);
    expect(r).toMatchObject({ ok: false, reason: 'NoCapacity' });
    const requested = place(estate, { ...request(), node: 'tianshui-cloud', quota: { cpu: '1601', memory: '1Gi', storage: '1Gi' } }, nodes, none);
    expect(requested).toMatchObject({ ok: false, reason: 'NoCapacity' });
    expect(requested.message).toMatch(/1600 vCPU/);
    // Filling a node tenant by tenant stops exactly at its capacity.
    let allocated: Resources = { cpu: 0, memory: 0, storage: 0 };
    let placed = 0;
    for (;;) {
      const r2 = place(estate, { ...request(), node: 'jinchang-cloud' }, nodes, new Map([['jinchang-cloud', allocated]]));
      if (!r2.ok) break;
      const q = quotaResources(spec().quota);
      allocated = { cpu: allocated.cpu + q.cpu, memory: allocated.memory + q.memory, storage: allocated.storage + q.storage };
      placed++;
    }
    const cap = capacityResources(estate.cloudById.get('jinchang-cloud')!.capacity);
    expect(allocated.cpu).toBeLessThanOrEqual(cap.cpu);
    expect(allocated.memory).toBeLessThanOrEqual(cap.memory);
    expect(placed).toBe(Math.min(Math.floor(cap.cpu / 16), Math.floor(cap.memory / (64 * 2 ** 30)), Math.floor(cap.storage / 2 ** 40)));
  });

  it('waits for the department\'s city node while it is not Ready, rather than placing the tenant elsewhere for good', () => {
    const down = nodes.map((n) => (n.name === 'tianshui-cloud' ? { ...n, ready: false } : n));
    const waiting = place(estate, request(), down, none);
    expect(waiting).toMatchObject({ ok: false, reason: 'NodeNotReady' });
    expect(waiting.message).toContain('"tianshui-cloud", the department\'s city node');
    expect(waiting.message).toContain('spec.node or spec.placement.kind');
    // Asked for another node or kind, it goes at once; another city's node being down changes nothing.
    expect(place(estate, request({ placement: { kind: 'provincial' } }), down, none)).toMatchObject({ ok: true, node: 'gansu-provincial' });
    expect(place(estate, request({ node: 'gansu-provincial' }), down, none)).toMatchObject({ ok: true, node: 'gansu-provincial' });
    const otherDown = nodes.map((n) => (n.name === 'lanzhou-cloud' ? { ...n, ready: false } : n));
    expect(place(estate, request(), otherDown, none)).toMatchObject({ ok: true, node: 'tianshui-cloud' });
    // A provincial department has no city node to wait for.
    expect(place(estate, request({ department: 'gansu-health' }), down, none)).toMatchObject({ ok: true, node: 'gansu-provincial' });
    // The reconciler keeps the tenant Pending, unplaced, and says why.
    const d = reconcileTenant(tenant(), { nodes: down, allocated: none, memberObjects: new Map() }, ctx);
    expect(d.status.phase).toBe('Pending');
    expect(d.status.node).toBeUndefined();
    expect(findCondition(d.status.conditions, TenantConditions.Placed)).toMatchObject({ status: 'False', reason: 'NodeNotReady' });
  });

  it('a node being offboarded takes no new tenants and is not waited for, but keeps serving those on it', () => {
    const leaving = nodes.map((n) => (n.name === 'tianshui-cloud' ? { ...n, deleting: true } : n));
    expect(place(estate, request(), leaving, none)).toMatchObject({ ok: true, node: 'gansu-provincial' });
    expect(place(estate, request({ node: 'tianshui-cloud' }), leaving, none)).toMatchObject({ ok: false, reason: 'NodeNotFound', message: expect.stringContaining('being offboarded') });
    // A tenant already there stays Ready on it while the deletion waits.
    const placed = reconcileTenant(tenant(), { nodes, allocated: none, memberObjects: new Map() }, ctx);
    const objects = asObserved(applies(placed.actions).map((a) => a.object));
    const there = reconcileTenant(tenant({ metadata: { name: 'tianshui-permits', finalizers: ['longyun.io/tenant-cleanup'] }, status: placed.status }), { nodes: leaving, allocated: none, memberObjects: objects }, ctx);
    expect(there.status).toMatchObject({ phase: 'Ready', node: 'tianshui-cloud' });
    expect(there.actions).toEqual([]);
  });

  it('never chooses a standby, even when every other node is full', () => {
    const provincial = request({ department: 'gansu-health' });
    expect(place(estate, provincial, nodes, none)).toMatchObject({ ok: true, node: 'gansu-provincial' });
    expect(place(estate, request({ placement: { kind: 'provincial' } }), nodes, none)).toMatchObject({ ok: true, node: 'gansu-provincial' });
    const allFull = new Map(nodes.filter((n) => !n.standby).map((n) => [n.name, n.capacity]));
    const r = place(estate, provincial, nodes, allFull);
    expect(r).toMatchObject({ ok: false, reason: 'NoCapacity' });
    expect(r.message).not.toMatch(/-dr\b/);
    expect(place(estate, request({ placement: { kind: 'provincial', unit: 'gansu' } }), nodes, allFull)).toMatchObject({ ok: false, reason: 'NoCapacity' });
  });

  it('a requested node that is not onboarded or not ready', () => {
    expect(place(estate, { ...request(), node: 'mars-cloud' }, nodes, none)).toMatchObject({ ok: false, reason: 'NodeNotFound' });
    const down = nodes.map((n) => (n.name === 'tianshui-cloud' ? { ...n, ready: false } : n));
    expect(place(estate, { ...request(), node: 'tianshui-cloud' }, down, none)).toMatchObject({ ok: false, reason: 'NodeNotReady' });
  });
});

describe('placement asks the tenant policies', () => {
  /** The estate with `policies.modes` overridden, as an estate.yaml edit would. */
  const withModes = (modes: Record<string, 'audit' | 'enforce'>) => new Estate({ ...estate.doc, policies: { ...estate.doc.policies, modes } }, undefined);
  const auditing = withModes({ 'tenant-node-of-own-city': 'audit' });
  const fullAt = (names: string[]) => new Map(names.map((n) => [n, nodes.find((x) => x.name === n)!.capacity]));
  // Every node tenant-node-of-own-city allows a Tianshui department is full.
  const compliantFull = fullAt(nodes.filter((n) => n.name === 'tianshui-cloud' || n.kind !== 'municipal').map((n) => n.name));
  const observedFull = { nodes, allocated: compliantFull, memberObjects: new Map() };

  it('in the default (enforce) mode another city\'s node is never a candidate, and an explicit enforce is the same', () => {
    for (const e of [estate, withModes({ 'tenant-node-of-own-city': 'enforce' })]) {
      const r = place(e, request(), nodes, compliantFull);
      expect(r).toMatchObject({ ok: false, reason: 'NoCapacity' });
      expect(r.message).toMatch(/tried tianshui-cloud, gansu-provincial, industry-/);
      expect(r.message).not.toMatch(/lanzhou-cloud/);
      expect(place(e, request({ placement: { kind: 'municipal', unit: 'lanzhou' } }), nodes, none)).toMatchObject({ ok: false, reason: 'NoCapacity' });
    }
  });

  it('in audit mode another city\'s node is a last resort: only once every node the policy allows is full, and the finding is reported', () => {
    // Room on a compliant node: audit mode changes nothing.
    expect(place(auditing, request(), nodes, none)).toMatchObject({ ok: true, node: 'tianshui-cloud' });
    expect(place(auditing, request(), nodes, fullAt(['tianshui-cloud']))).toMatchObject({ ok: true, node: 'gansu-provincial' });
    // None: the other city's node with most room, saying which policy only audits it.
    const r = place(auditing, request(), nodes, compliantFull);
    expect(r).toMatchObject({ ok: true, node: 'lanzhou-cloud', reason: 'NodeChosen', message: 'placed on "lanzhou-cloud" (municipal, lanzhou); audit findings: tenant-node-of-own-city' });
    expect(place(auditing, request({ placement: { kind: 'municipal', unit: 'lanzhou' } }), nodes, none)).toMatchObject({ ok: true, node: 'lanzhou-cloud' });
    // Its own city's node not Ready: it still waits for it rather than go elsewhere for good.
    const down = nodes.map((n) => (n.name === 'tianshui-cloud' ? { ...n, ready: false } : n));
    expect(place(auditing, request(), down, compliantFull)).toMatchObject({ ok: false, reason: 'NodeNotReady' });
  });

  it('the reconciler places on it with Approved=True, reason AuditFindings, and keeps reporting it once placed', () => {
    const d = reconcileTenant(tenant(), observedFull, { ...ctx, estate: auditing });
    expect(d.status).toMatchObject({ phase: 'Provisioning', node: 'lanzhou-cloud' });
    expect(applies(d.actions).every((a) => a.node === 'lanzhou-cloud')).toBe(true);
    const approved = findCondition(d.status.conditions, TenantConditions.Approved)!;
    expect(approved).toMatchObject({ status: 'True', reason: Reasons.AuditFindings });
    expect(approved.message).toBe('tenant-node-of-own-city: tenant "tianshui-permits" of "tianshui-big-data" (tianshui) is on "lanzhou-cloud", the node of lanzhou; use tianshui\'s node');
    expect(d.actions).toContainEqual(expect.objectContaining({ type: 'event', eventType: 'Normal', reason: Reasons.NodeChosen, message: expect.stringContaining('audit findings: tenant-node-of-own-city') }));
    const later = reconcileTenant(tenant({ status: d.status }), { nodes, allocated: none, memberObjects: new Map() }, { ...ctx, estate: auditing, now: new Date(now.getTime() + 60_000) });
    expect(later.status.node).toBe('lanzhou-cloud');
    expect(findCondition(later.status.conditions, TenantConditions.Approved)).toMatchObject({ status: 'True', reason: Reasons.AuditFindings, lastTransitionTime: now.toISOString() });
    // Back in enforce mode, the policy judges the node the tenant is on: rejected, nothing applied.
    const enforced = reconcileTenant(tenant({ status: d.status }), { nodes, allocated: none, memberObjects: new Map() }, ctx);
    expect(enforced.status).toMatchObject({ phase: 'Rejected', node: 'lanzhou-cloud' });
    expect(findCondition(enforced.status.conditions, TenantConditions.Approved)?.message).toMatch(/^policy tenant-node-of-own-city \(plan §3\.3, §4\.1\.2\): /);
    expect(applies(enforced.actions)).toEqual([]);
  });

  it('in enforce mode the reconciler leaves the tenant Pending rather than on another city\'s node', () => {
    const d = reconcileTenant(tenant(), observedFull, ctx);
    expect(d.status.phase).toBe('Pending');
    expect(d.status.node).toBeUndefined();
    expect(findCondition(d.status.conditions, TenantConditions.Placed)).toMatchObject({ status: 'False', reason: Reasons.NoCapacity });
    expect(findCondition(d.status.conditions, TenantConditions.Approved)).toMatchObject({ status: 'True', reason: Reasons.PoliciesPassed });
  });

  it('judges an onboarded node by its CloudNode\'s kind and unit, as the policy does, even when the estate does not list it', () => {
    const extra: NodeView = { name: 'lanzhou-cloud-2', kind: 'municipal', unit: 'lanzhou', ready: true, capacity: nodes.find((n) => n.name === 'lanzhou-cloud')!.capacity };
    expect(place(estate, request(), [...nodes, extra], compliantFull)).toMatchObject({ ok: false, reason: 'NoCapacity' });
    expect(place(auditing, request(), [extra], none)).toMatchObject({ ok: true, node: 'lanzhou-cloud-2' });
    const ownExtra = { ...extra, name: 'tianshui-cloud-2', unit: 'tianshui' };
    expect(place(estate, request(), [...nodes, ownExtra], none)).toMatchObject({ ok: true, node: 'tianshui-cloud-2' });
  });

  it('a department not in the estate is rejected by the policy tenant-department-known', () => {
    const d = reconcileTenant(tenant({}, { department: 'mars-big-data' }), { nodes, allocated: none, memberObjects: new Map() }, ctx);
    expect(d.status.phase).toBe('Rejected');
    expect(findCondition(d.status.conditions, TenantConditions.Approved)?.message).toBe('policy tenant-department-known (plan §3.3): department "mars-big-data" is not in the estate');
  });
});

describe('reconcileTenant', () => {
  it('adds its finalizer, places, and applies the same objects synth writes', () => {
    const d = reconcileTenant(tenant({ metadata: { name: 'tianshui-permits', generation: 1 } }), { nodes, allocated: none, memberObjects: new Map() }, ctx);
    expect(d.actions[0]).toEqual({ type: 'addFinalizer' });
    expect(d.status.node).toBe('tianshui-cloud');
    const kinds = applies(d.actions).map((a) => a.object.kind);
    expect(kinds).toEqual(['Namespace', 'ResourceQuota', 'LimitRange', 'NetworkPolicy', 'NetworkPolicy', 'NetworkPolicy', 'Role', 'RoleBinding', 'NetworkAttachmentDefinition', 'NetworkAttachmentDefinition']);
    expect(applies(d.actions).every((a) => a.node === 'tianshui-cloud')).toBe(true);
    expect(findCondition(d.status.conditions, TenantConditions.Placed)).toMatchObject({ status: 'True', reason: Reasons.NodeChosen, observedGeneration: 1 });
    expect(findCondition(d.status.conditions, TenantConditions.Ready)?.status).toBe('False');
    expect(d.status.phase).toBe('Provisioning');
  });

  it('records a placement it decided as an event, but not a node the spec requested', () => {
    const events = (d: { actions: TenantAction[] }) => d.actions.filter((x) => x.type === 'event');
    const chosen = reconcileTenant(tenant(), { nodes, allocated: none, memberObjects: new Map() }, ctx);
    expect(events(chosen)).toEqual([expect.objectContaining({ eventType: 'Normal', reason: Reasons.NodeChosen })]);
    const requested = reconcileTenant(tenant({}, { node: 'tianshui-cloud' }), { nodes, allocated: none, memberObjects: new Map() }, ctx);
    expect(events(requested)).toEqual([]);
    expect(findCondition(requested.status.conditions, TenantConditions.Placed)).toMatchObject({ status: 'True', reason: Reasons.NodeRequested });
  });

  it('is Ready, with no actions, once the member has every object', () => {
    const first = reconcileTenant(tenant(), { nodes, allocated: none, memberObjects: new Map() }, ctx);
    const member = asObserved(applies(first.actions).map((a) => a.object));
    const second = reconcileTenant(tenant({ status: first.status }), { nodes, allocated: none, memberObjects: member }, ctx);
    expect(second.actions).toEqual([]);
    expect(second.status.phase).toBe('Ready');
    expect(findCondition(second.status.conditions, TenantConditions.Ready)).toMatchObject({ status: 'True', reason: Reasons.TenantReady });
    expect(second.status.appliedObjects).toHaveLength(10);
  });

  it('restores an edited quota (drift) and says so', () => {
    const first = reconcileTenant(tenant(), { nodes, allocated: none, memberObjects: new Map() }, ctx);
    const member = asObserved(applies(first.actions).map((a) => a.object));
    const quotaKey = [...member.keys()].find((k) => k.includes('/ResourceQuota/'))!;
    (member.get(quotaKey)!.spec as { hard: Record<string, string> }).hard['requests.cpu'] = '999';
    const d = reconcileTenant(tenant({ status: first.status }), { nodes, allocated: none, memberObjects: member }, ctx);
    expect(applies(d.actions).map((a) => a.object.kind)).toEqual(['ResourceQuota']);
    expect(d.actions).toContainEqual(expect.objectContaining({ type: 'event', reason: Reasons.DriftCorrected }));
    expect(findCondition(d.status.conditions, TenantConditions.Provisioned)?.reason).toBe(Reasons.DriftCorrected);
  });

  it('a policy violation rejects the request, naming the policy and the plan section, and applies nothing', () => {
    const d = reconcileTenant(tenant({}, { mlps: 3 }), { nodes, allocated: none, memberObjects: new Map() }, ctx);
    expect(applies(d.actions)).toEqual([]);
    expect(d.status.phase).toBe('Rejected');
    const approved = findCondition(d.status.conditions, TenantConditions.Approved)!;
    expect(approved).toMatchObject({ status: 'False', reason: Reasons.PolicyViolation });
    expect(approved.message).toMatch(/^policy tenant-dr-for-mlps3 \(plan §4\.1\.2, §4\.5\.2\): .*MLPS level 3 .*no DR plan/);
    const wrongCity = reconcileTenant(tenant({}, { node: 'lanzhou-cloud' }), { nodes, allocated: none, memberObjects: new Map() }, ctx);
    expect(findCondition(wrongCity.status.conditions, TenantConditions.Approved)?.message).toMatch(/tenant-node-of-own-city/);
  });

  it('a Tenant requesting a standby node is rejected by tenant-not-on-standby, and applies nothing', () => {
    const d = reconcileTenant(tenant({}, { department: 'gansu-health', node: 'gansu-provincial-same-city-dr' }), { nodes, allocated: none, memberObjects: new Map() }, ctx);
    expect(applies(d.actions)).toEqual([]);
    expect(d.status.phase).toBe('Rejected');
    expect(findCondition(d.status.conditions, TenantConditions.Approved)).toMatchObject({
      status: 'False',
      reason: Reasons.PolicyViolation,
      message:
        'policy tenant-not-on-standby (plan §4.1.2): tenant "tianshui-permits" is on "gansu-provincial-same-city-dr", a standby cloud: it holds DR copies for "gansu-provincial" and gets no tenants of its own; put it on a production node such as "gansu-provincial"',
    });
    // An onboarded standby the estate does not list is judged by its CloudNode's role.
    const extra: NodeView = { name: 'dr-spare', kind: 'provincial', unit: 'gansu', ready: true, standby: true, protects: ['gansu-provincial'], capacity: nodes[0]!.capacity };
    const spare = reconcileTenant(tenant({}, { department: 'gansu-health', node: 'dr-spare' }), { nodes: [...nodes, extra], allocated: none, memberObjects: new Map() }, ctx);
    expect(spare.status.phase).toBe('Rejected');
    expect(findCondition(spare.status.conditions, TenantConditions.Approved)?.message).toMatch(/^policy tenant-not-on-standby .*"dr-spare", a standby cloud/);
  });

  it('waits (Pending, requeue) when no node has room', () => {
    const d = reconcileTenant(tenant({}, { quota: { cpu: '90000', memory: '1Gi', storage: '1Gi' } }), { nodes, allocated: none, memberObjects: new Map() }, ctx);
    expect(d.status.phase).toBe('Pending');
    expect(findCondition(d.status.conditions, TenantConditions.Placed)?.reason).toBe(Reasons.NoCapacity);
    expect(d.requeueAfterMs).toBeGreaterThan(0);
  });

  it('on deletion removes what it applied from the member, then releases the finalizer', () => {
    const first = reconcileTenant(tenant(), { nodes, allocated: none, memberObjects: new Map() }, ctx);
    const member = asObserved(applies(first.actions).map((a) => a.object));
    const ready = reconcileTenant(tenant({ status: first.status }), { nodes, allocated: none, memberObjects: member }, ctx);
    const deleting = tenant({ status: ready.status, metadata: { name: 'tianshui-permits', generation: 2, finalizers: [TENANT_FINALIZER], deletionTimestamp: now.toISOString() } });
    const d1 = reconcileTenant(deleting, { nodes, allocated: none, memberObjects: member }, ctx);
    // The Namespace: everything it holds goes with it.
    expect(d1.actions.filter((a) => a.type === 'delete')).toEqual([{ type: 'delete', node: 'tianshui-cloud', ref: { apiVersion: 'v1', kind: 'Namespace', name: 'tianshui-permits' } }]);
    expect(d1.actions).not.toContainEqual({ type: 'removeFinalizer' });
    const d2 = reconcileTenant({ ...deleting, status: d1.status }, { nodes, allocated: none, memberObjects: new Map() }, ctx);
    expect(d2.actions).toEqual([{ type: 'removeFinalizer' }]);
  });

  it('on deletion also removes what its node holds labelled as the tenant\'s but not recorded as applied (applied by a replica that stopped before recording it)', () => {
    const dr = { rpoMinutes: 60, rtoMinutes: 240, centres: ['remote-dr' as const] };
    const first = reconcileTenant(tenant({}, { mlps: 3, dr }), { nodes, allocated: none, memberObjects: new Map() }, ctx);
    const member = asObserved(applies(first.actions).map((a) => a.object));
    const schedule = applies(first.actions).find((a) => a.object.kind === 'Schedule')!.object;
    // Recorded: the node and the namespace only.
    const recorded = { ...first.status, appliedObjects: [{ apiVersion: 'v1', kind: 'Namespace', name: 'tianshui-permits' }] };
    const deleting = tenant({ status: recorded, metadata: { name: 'tianshui-permits', generation: 2, finalizers: [TENANT_FINALIZER], deletionTimestamp: now.toISOString() } }, { mlps: 3, dr });
    const d = reconcileTenant(deleting, { nodes, allocated: none, memberObjects: member }, ctx);
    const deleted = d.actions.filter((a): a is Extract<TenantAction, { type: 'delete' }> => a.type === 'delete').map((a) => refKey(a.ref));
    // The Namespace (with what it holds), and what is outside it though unrecorded: the Schedule.
    expect(deleted.sort()).toEqual([refKey({ apiVersion: 'v1', kind: 'Namespace', name: 'tianshui-permits' }), refKey(refOf(schedule))].sort());
    expect(d.actions).not.toContainEqual({ type: 'removeFinalizer' });
  });

  it('removes objects it applied that are no longer wanted (a plane dropped from the spec)', () => {
    const first = reconcileTenant(tenant(), { nodes, allocated: none, memberObjects: new Map() }, ctx);
    const member = asObserved(applies(first.actions).map((a) => a.object));
    const d = reconcileTenant(tenant({ status: first.status }, { planes: ['plane-1'] }), { nodes, allocated: none, memberObjects: member }, ctx);
    const deletes = d.actions.filter((a) => a.type === 'delete');
    expect(deletes).toEqual([{ type: 'delete', node: 'tianshui-cloud', ref: { apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition', namespace: 'tianshui-permits', name: 'plane-2' } }]);
  });

  it('keeps a condition\'s transition time while its status does not change', () => {
    const first = reconcileTenant(tenant(), { nodes, allocated: none, memberObjects: new Map() }, ctx);
    const later = { ...ctx, now: new Date(now.getTime() + 60_000) };
    const again = reconcileTenant(tenant({ status: first.status }), { nodes, allocated: none, memberObjects: new Map() }, later);
    expect(findCondition(again.status.conditions, TenantConditions.Placed)!.lastTransitionTime).toBe(now.toISOString());
  });
});

describe('covers', () => {
  it('ignores fields the server adds, but not changed or missing ones', () => {
    expect(covers({ a: 1, b: { c: 2, d: 3 }, e: [1, 2] }, { b: { c: 2 }, e: [1, 2] })).toBe(true);
    expect(covers({ b: { c: 3 } }, { b: { c: 2 } })).toBe(false);
    expect(covers({ e: [1, 2, 3] }, { e: [1, 2] })).toBe(false);
    expect(covers({}, { a: 1 })).toBe(false);
  });
});

describe('the active copy', () => {
  it('is at home once placed (activeNode = node, epoch 1), and a later pass keeps what the status says', () => {
    const first = reconcileTenant(tenant(), { nodes, allocated: none, memberObjects: new Map() }, ctx);
    expect(first.status).toMatchObject({ node: 'tianshui-cloud', activeNode: 'tianshui-cloud', epoch: 1 });
    // A failover (DR III) moves the active copy and raises the epoch; the tenant controller keeps both.
    const moved = reconcileTenant(tenant({ status: { ...first.status, activeNode: 'gansu-provincial', epoch: 3 } }), { nodes, allocated: none, memberObjects: new Map() }, ctx);
    expect(moved.status).toMatchObject({ node: 'tianshui-cloud', activeNode: 'gansu-provincial', epoch: 3 });
  });

  it('is where its objects are applied, with that node\'s own address ranges; the home is not touched while another node is active', () => {
    const home = reconcileTenant(tenant(), { nodes, allocated: none, memberObjects: new Map() }, ctx);
    const moved = reconcileTenant(tenant({ status: { ...home.status, activeNode: 'gansu-provincial', epoch: 2 } }), { nodes, allocated: none, memberObjects: new Map() }, ctx);
    expect(applies(moved.actions).length).toBeGreaterThan(0);
    expect(applies(moved.actions).every((a) => a.node === 'gansu-provincial')).toBe(true);
    const nad = (d: { actions: TenantAction[] }) => applies(d.actions).find((a) => a.object.kind === 'NetworkAttachmentDefinition')!.object as K8sObject & { spec: { config: string } };
    expect(nad(moved).spec.config).not.toBe(nad(home).spec.config);
    expect(moved.status).toMatchObject({ node: 'tianshui-cloud', activeNode: 'gansu-provincial' });
    // Deleting: from the active node.
    const member = asObserved(applies(moved.actions).map((a) => a.object));
    const deleting = tenant({ status: moved.status, metadata: { name: 'tianshui-permits', generation: 2, finalizers: [TENANT_FINALIZER], deletionTimestamp: now.toISOString() } });
    const d = reconcileTenant(deleting, { nodes, allocated: none, memberObjects: member }, ctx);
    expect(d.actions.filter((a) => a.type === 'delete').every((a) => a.type === 'delete' && a.node === 'gansu-provincial')).toBe(true);
  });

  it('waits for the active node to be Ready, not for the home', () => {
    const home = reconcileTenant(tenant(), { nodes, allocated: none, memberObjects: new Map() }, ctx);
    const down = nodes.map((n) => (n.name === 'gansu-provincial' ? { ...n, ready: false } : n));
    const d = reconcileTenant(tenant({ status: { ...home.status, activeNode: 'gansu-provincial', epoch: 2 } }), { nodes: down, allocated: none, memberObjects: new Map() }, ctx);
    expect(d.actions.filter((a) => a.type === 'apply')).toEqual([]);
    expect(findCondition(d.status.conditions, TenantConditions.Ready)?.message).toMatch(/gansu-provincial/);
  });

  it('is not set before placement', () => {
    const waiting = reconcileTenant(tenant({}, { node: 'no-such-node' }), { nodes, allocated: none, memberObjects: new Map() }, ctx);
    expect(waiting.status.activeNode).toBeUndefined();
    expect(waiting.status.epoch).toBeUndefined();
  });
});

describe('deleting a tenant with standby copies', () => {
  it('keeps its finalizer until the DR copier has removed the copies (status.dr gone)', () => {
    const deleting = (dr?: unknown) =>
      tenant({ metadata: { name: 'tianshui-permits', generation: 1, finalizers: [TENANT_FINALIZER], deletionTimestamp: now.toISOString() }, status: { node: 'tianshui-cloud', appliedObjects: [], ...(dr ? { dr } : {}) } as never });
    const withCopies = reconcileTenant(deleting({ rpoScope: 'objects', rpoSeconds: 900, standbys: [{ centre: 'remote-dr', node: 'gansu-provincial-remote-dr', state: 'Current' }] }), { nodes, allocated: none, memberObjects: new Map() }, ctx);
    expect(withCopies.actions.map((a) => a.type)).not.toContain('removeFinalizer');
    expect(findCondition(withCopies.status.conditions, TenantConditions.Ready)?.message).toMatch(/waiting for the DR copier to remove 1 standby copy/);
    expect(withCopies.requeueAfterMs).toBeGreaterThan(0);
    const gone = reconcileTenant(deleting(), { nodes, allocated: none, memberObjects: new Map() }, ctx);
    expect(gone.actions.map((a) => a.type)).toContain('removeFinalizer');
  });
});

describe('the access binding', () => {
  it('is applied right after the Namespace, before anything else in it, on the node chosen in the same pass', () => {
    const binding: K8sObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'longyun-tenant', namespace: 'tianshui-permits' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'longyun-tenant' }, subjects: [{ kind: 'User', name: 'longyun' }] };
    const d = reconcileTenant(tenant(), { nodes, allocated: none, memberObjects: new Map(), accessBinding: (node) => (node === 'tianshui-cloud' ? binding : undefined) }, ctx);
    const kinds = applies(d.actions).map((a) => `${a.object.kind}/${a.object.metadata.name}`);
    expect(kinds.slice(0, 2)).toEqual(['Namespace/tianshui-permits', 'RoleBinding/longyun-tenant']);
    expect(d.status.appliedObjects?.map((r) => r.name)).toContain('longyun-tenant');
  });
});

describe('deleting a tenant whose namespace the member is still emptying', () => {
  it('counts an object being deleted as gone (a PVC protection finalizer is the member\'s to clear)', () => {
    const ns: K8sObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tianshui-permits', deletionTimestamp: now.toISOString() } as K8sObject['metadata'] };
    const t = tenant({ metadata: { name: 'tianshui-permits', generation: 1, finalizers: [TENANT_FINALIZER], deletionTimestamp: now.toISOString() }, status: { node: 'tianshui-cloud', appliedObjects: [refOf(ns)] } });
    const d = reconcileTenant(t, { nodes, allocated: none, memberObjects: asObserved([ns]) }, ctx);
    expect(d.actions.map((a) => a.type)).toEqual(['removeFinalizer']);
    // Not yet being deleted: deleted, and waited for.
    const live = reconcileTenant(t, { nodes, allocated: none, memberObjects: asObserved([{ ...ns, metadata: { name: 'tianshui-permits' } }]) }, ctx);
    expect(live.actions.map((a) => a.type)).toEqual(['delete']);
  });
});

describe('deleting a tenant with its namespace', () => {
  it('deletes the Namespace and what is outside it, never what is inside (the access binding must outlast every delete there); once the Namespace is going, what is inside counts as gone', () => {
    const ns: K8sObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tianshui-permits' } };
    const quota: K8sObject = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'longyun-quota', namespace: 'tianshui-permits' } };
    const access: K8sObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'longyun-tenant', namespace: 'tianshui-permits' } };
    const schedule: K8sObject = { apiVersion: 'velero.io/v1', kind: 'Schedule', metadata: { name: 'tianshui-permits-remote-dr', namespace: 'velero' } };
    const all = [ns, access, quota, schedule];
    const t = tenant({ metadata: { name: 'tianshui-permits', generation: 1, finalizers: [TENANT_FINALIZER], deletionTimestamp: now.toISOString() }, status: { node: 'tianshui-cloud', appliedObjects: all.map(refOf) } });
    const first = reconcileTenant(t, { nodes, allocated: none, memberObjects: asObserved(all) }, ctx);
    const deleted = first.actions.filter((a): a is Extract<TenantAction, { type: 'delete' }> => a.type === 'delete').map((a) => `${a.ref.kind}/${a.ref.name}`);
    expect(deleted.sort()).toEqual(['Namespace/tianshui-permits', 'Schedule/tianshui-permits-remote-dr']);
    const terminating = { ...ns, metadata: { ...ns.metadata, deletionTimestamp: now.toISOString() } as K8sObject['metadata'] };
    const then = reconcileTenant(t, { nodes, allocated: none, memberObjects: asObserved([terminating, access, quota]) }, ctx);
    expect(then.actions.map((a) => a.type)).toEqual(['removeFinalizer']);
  });
});
