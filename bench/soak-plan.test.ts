import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { desiredObjects, type TenantResource } from '../controllers/tenant-reconciler.js';
import { add, capacityResources, quotaResources, ZERO } from '../controllers/placement.js';
import { evaluateTenantPolicies } from '../policies/tenant-policies.js';
import type { K8sObject, ObjectMeta } from '../stacks/graph/types.js';
import { openAddressPlan } from '../topology/ipam/ledger-store.js';
import { loadEstate } from '../topology/load.js';
import { shippedEstateDir } from '../topology/paths.js';
import { TenantSpec } from '../topology/schema.js';
import { checkInvariants, editSpec, mulberry32, newSpec, parseWriteLine, rng, sentAfterDeadline, SOAK_CLOUDS, streams, tenantName, type Wanted } from './soak-plan.js';

/** An object as the API server holds it: metadata with the server's own fields. */
type ServedObject = K8sObject & { metadata: ObjectMeta & { uid: string; resourceVersion: string } };

const estate = loadEstate(shippedEstateDir());
const plan = openAddressPlan(estate);
const ctx = { estate, plan, now: new Date(0) };

describe('the soak\'s random stream', () => {
  it('is mulberry32: the same seed, the same stream; another seed, another', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(mulberry32(43)()).not.toBe(xs[0]);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    // The reference implementation's first value for seed 1.
    expect(mulberry32(1)()).toBeCloseTo(0.6270739405881613, 15);
  });

  it('gives each lane its own stream: draws in one do not shift another', () => {
    const one = streams(7, ['tenants', 'faults']);
    const two = streams(7, ['tenants', 'faults']);
    for (let i = 0; i < 100; i++) one.tenants!.next();
    expect(one.faults!.next()).toBe(two.faults!.next());
    const r = rng(3);
    for (let i = 0; i < 1000; i++) {
      const n = r.int(2, 5);
      expect(n >= 2 && n <= 5 && Number.isInteger(n)).toBe(true);
    }
  });
});

describe('the soak\'s tenants and edits', () => {
  it('every request and every chain of edits is a valid Tenant spec that no enforce-mode policy rejects, on its own node', () => {
    const r = rng(2024);
    for (let i = 0; i < 300; i++) {
      let spec = newSpec(r, i);
      expect(spec.node).toBe(SOAK_CLOUDS[i % SOAK_CLOUDS.length]);
      for (let e = 0; e < 8; e++) {
        expect(Value.Check(TenantSpec, spec), JSON.stringify(spec)).toBe(true);
        const enforced = evaluateTenantPolicies(estate, { id: tenantName(i, 300), ...spec }, spec.node).filter((f) => f.mode === 'enforce');
        expect(enforced, JSON.stringify(spec)).toEqual([]);
        const edit = editSpec(r, spec);
        // The merge patch leads to the spec it says (null removes a field).
        const patched = JSON.parse(JSON.stringify({ ...spec, ...edit.patch.spec }), (_k, v: unknown) => (v === null ? undefined : v)) as TenantSpec;
        expect(patched).toEqual(edit.spec);
        expect(edit.spec.node).toBe(spec.node);
        expect(edit.spec.department).toBe(spec.department);
        spec = edit.spec;
      }
    }
  });

  it('300 tenants at their largest fit the nodes\' capacity', () => {
    for (const c of SOAK_CLOUDS) {
      const n = Array.from({ length: 300 }, (_, i) => i).filter((i) => SOAK_CLOUDS[i % SOAK_CLOUDS.length] === c).length;
      const largest = quotaResources({ cpu: '4', memory: '4Gi', storage: '50Gi' });
      const used = Array.from({ length: n }).reduce<typeof ZERO>((sum) => add(sum, largest), ZERO);
      const cap = capacityResources(estate.cloudById.get(c)!.capacity);
      expect(used.cpu).toBeLessThanOrEqual(cap.cpu);
      expect(used.memory).toBeLessThanOrEqual(cap.memory);
      expect(used.storage).toBeLessThanOrEqual(cap.storage);
    }
  });
});

describe('--log-writes lines', () => {
  it('a write sent after its renew deadline, or with no lease, is what the fence must stop', () => {
    const line = (sent: string, deadline: string, kind = 'write') => parseWriteLine(`${kind} sent=${sent} deadline=${deadline} identity=a cluster=management PATCH /x`)!;
    expect(sentAfterDeadline(line('2026-12-02T01:40:44.001Z', '2026-12-02T01:40:44.000Z'))).toBe(true);
    expect(sentAfterDeadline(line('2026-12-02T01:40:44.000Z', '2026-12-02T01:40:44.000Z'))).toBe(false);
    expect(sentAfterDeadline(line('2026-12-02T01:40:44.000Z', 'none'))).toBe(true);
    expect(sentAfterDeadline(line('2026-12-02T01:40:45.000Z', '2026-12-02T01:40:44.000Z', 'fenced'))).toBe(false);
  });

  it('reads write and fenced lines, nothing else', () => {
    expect(parseWriteLine('write sent=2026-12-02T01:40:41.625Z deadline=2026-12-02T01:40:44.000Z identity=soak-a-1 cluster=tianshui-cloud PATCH /api/v1/namespaces/x?fieldManager=longyun&force=true')).toEqual({
      kind: 'write',
      sent: '2026-12-02T01:40:41.625Z',
      sentMs: Date.parse('2026-12-02T01:40:41.625Z'),
      deadline: '2026-12-02T01:40:44.000Z',
      deadlineMs: Date.parse('2026-12-02T01:40:44.000Z'),
      identity: 'soak-a-1',
      cluster: 'tianshui-cloud',
      method: 'PATCH',
      path: '/api/v1/namespaces/x?fieldManager=longyun&force=true',
    });
    expect(parseWriteLine('fenced sent=2026-12-02T01:40:45.000Z deadline=2026-12-02T01:40:44.000Z identity=a cluster=management DELETE /x')?.kind).toBe('fenced');
    expect(parseWriteLine('fenced sent=2026-12-02T01:40:45.000Z deadline=none identity=b cluster=management POST /api/v1/namespaces')?.deadlineMs).toBeNull();
    expect(parseWriteLine('2026-12-02T01:40:41.625Z soak-a-1 became leader (soak-a-1)')).toBeUndefined();
    expect(parseWriteLine('write sent=soon deadline=later identity=a cluster=m PATCH /x')).toBeUndefined();
  });
});

describe('the soak\'s invariants', () => {
  const desired = (name: string, spec: TenantSpec, node: string) => desiredObjects(ctx, name, spec, node);
  const specA = newSpec(rng(1), 0);
  const specB = newSpec(rng(2), 1);
  /** What the API server returns for an applied object: what was sent, and fields of its own. */
  const served = (o: K8sObject): ServedObject => ({ ...structuredClone(o), metadata: { ...structuredClone(o.metadata), uid: 'u', resourceVersion: '1' } });
  const ready = (name: string, spec: TenantSpec): TenantResource => ({
    metadata: { name, generation: 3 },
    spec,
    status: { observedGeneration: 3, phase: 'Ready', node: spec.node!, conditions: [{ type: 'Ready', status: 'True', reason: 'TenantReady', message: '', lastTransitionTime: '' }] },
  });
  const base = () => ({
    wanted: new Map<string, Wanted>([
      ['soak-0', { state: 'present', spec: specA }],
      ['soak-1', { state: 'present', spec: specB }],
      ['soak-2', { state: 'deleted' }],
    ]),
    tenants: new Map([
      ['soak-0', ready('soak-0', specA)],
      ['soak-1', ready('soak-1', specB)],
    ]),
    memberObjects: new Map<string, K8sObject[]>([
      [specA.node!, desired('soak-0', specA, specA.node!).map((d) => served(d.object))],
      [specB.node!, desired('soak-1', specB, specB.node!).map((d) => served(d.object))],
    ]),
    desired,
  });

  it('hold when each tenant has exactly its desired objects on its node and the deleted one left nothing', () => {
    expect(specA.node).not.toBe(specB.node);
    expect(checkInvariants(base())).toEqual([]);
  });

  it('name a missing, an extra, an edited and a misplaced object, a lost edit, a tenant not Ready and a deleted tenant left behind', () => {
    const input = base();
    const a = input.memberObjects.get(specA.node!)!;
    const quota = a.find((o) => o.kind === 'ResourceQuota')!;
    (quota as unknown as { spec: { hard: Record<string, string> } }).spec.hard['requests.cpu'] = '999';
    input.memberObjects.set(specA.node!, [...a.filter((o) => o.kind !== 'LimitRange'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'soak-0', labels: { 'longyun.io/tenant': 'soak-0' } } }]);
    input.memberObjects.get(specB.node!)!.push(...desired('soak-2', specA, specB.node!).slice(0, 1).map((d) => served(d.object)));
    input.memberObjects.get(specB.node!)!.push(served({ ...desired('soak-0', specA, specA.node!)[0]!.object }));
    input.wanted.set('soak-1', { state: 'present', spec: { ...specB, quota: { cpu: '4', memory: '4Gi', storage: '50Gi' } } });
    input.tenants.set('soak-1', { ...ready('soak-1', specB), status: { ...ready('soak-1', specB).status, observedGeneration: 2 } });
    input.tenants.set('soak-2', { ...ready('soak-2', specA), metadata: { name: 'soak-2', deletionTimestamp: '2026-12-02T00:00:00Z' } });
    const v = checkInvariants(input);
    expect(v.map((x) => `${x.invariant} ${x.tenant}`).sort()).toEqual([
      'deleted-objects-gone soak-2',
      'deleted-tenant-gone soak-2',
      'objects-elsewhere soak-0',
      'objects-exact soak-0',
      'spec-kept soak-1',
      'tenant-ready soak-1',
    ]);
    const exact = v.find((x) => x.invariant === 'objects-exact' && x.tenant === 'soak-0')!.detail;
    expect(exact).toMatch(/missing LimitRange\/soak-0\/longyun-limits/);
    expect(exact).toMatch(/extra ConfigMap\/soak-0\/x/);
    expect(exact).toMatch(/not as desired ResourceQuota\/soak-0\/longyun-quota/);
    // soak-1's objects match the spec it has: only the lost edit and the old generation are named.
    expect(v.find((x) => x.invariant === 'tenant-ready')!.detail).toMatch(/observedGeneration 2 of 3/);
  });
});
