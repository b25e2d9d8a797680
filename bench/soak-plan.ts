// The pure parts of bench/soak: a seeded random stream, the tenants it requests and how it edits
// them, the operator's `--log-writes` lines, and the end-of-run invariants, which compare what the
// clusters hold with the same desired-state graph the operator applies (desiredObjects).
import { isDeepStrictEqual } from 'node:util';
import { covers, refKey, refOf, type TenantResource } from '../controllers/tenant-reconciler.js';
import type { DesiredResource, K8sObject } from '../stacks/graph/types.js';
import { LABELS } from '../stacks/graph/types.js';
import type { DrPlan, TenantSpec } from '../topology/schema.js';
import { mulberry32 } from './harness.js';

export { mulberry32 } from './harness.js';

export interface Rng {
  /** [0, 1). */
  next(): number;
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number;
  /** A number in [lo, hi). */
  between(lo: number, hi: number): number;
  chance(p: number): boolean;
  pick<T>(xs: readonly T[]): T;
}

export function rng(seed: number): Rng {
  const next = mulberry32(seed);
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    between: (lo, hi) => lo + next() * (hi - lo),
    chance: (p) => next() < p,
    pick: (xs) => xs[Math.floor(next() * xs.length)]!,
  };
}

/** Independent streams from one seed (one per lane: tenants, leader faults, member faults), so one lane's draws do not shift another's. */
export function streams(seed: number, names: readonly string[]): Record<string, Rng> {
  const root = mulberry32(seed);
  return Object.fromEntries(names.map((n) => [n, rng(Math.floor(root() * 4294967296))]));
}

/** The clouds the soak's members stand for, in member order, and the departments of each. */
export const SOAK_CLOUDS = ['tianshui-cloud', 'gansu-provincial'] as const;
const DEPARTMENTS: Record<(typeof SOAK_CLOUDS)[number], readonly string[]> = {
  'tianshui-cloud': ['tianshui-big-data'],
  'gansu-provincial': ['gansu-data-bureau', 'gansu-health', 'gansu-hrss', 'gansu-education', 'gansu-natural-resources'],
};

export const tenantName = (i: number, count: number): string => `soak-${String(i).padStart(String(count - 1).length, '0')}`;

const CPU = ['1', '2', '4'] as const;
const MEMORY = ['1Gi', '2Gi', '4Gi'] as const;
const STORAGE = ['10Gi', '50Gi'] as const;
const PLANES = [['plane-1'], ['plane-1', 'plane-2']] as const;

function drPlan(r: Rng): DrPlan {
  const centres = r.pick([['same-city-dr'], ['remote-dr'], ['same-city-dr', 'remote-dr']] as const);
  return { rpoMinutes: r.pick([30, 60, 240]), rtoMinutes: 240, centres: [...centres], retentionDays: 7 };
}

/** A new request for tenant number `i`: on its node, by one of that node's departments; MLPS 3 always with a DR plan (the policy asks it). */
export function newSpec(r: Rng, i: number): TenantSpec {
  const node = SOAK_CLOUDS[i % SOAK_CLOUDS.length]!;
  const mlps = r.chance(0.5) ? 3 : 2;
  return {
    department: r.pick(DEPARTMENTS[node]),
    node,
    quota: { cpu: r.pick(CPU), memory: r.pick(MEMORY), storage: r.pick(STORAGE) },
    mlps,
    planes: [...r.pick(PLANES)],
    ...(mlps === 3 || r.chance(0.3) ? { dr: drPlan(r) } : {}),
  };
}

export type EditKind = 'quota' | 'planes' | 'dr' | 'mlps';

/**
 * One edit of a tenant's spec (node and department stay: a placement is for good): the JSON merge
 * patch to send and the spec it leads to.
 */
export function editSpec(r: Rng, spec: TenantSpec): { kind: EditKind; patch: { spec: Record<string, unknown> }; spec: TenantSpec } {
  const kind = r.pick(['quota', 'planes', 'dr', 'mlps'] as const);
  switch (kind) {
    case 'quota': {
      const quota = { cpu: r.pick(CPU), memory: r.pick(MEMORY), storage: r.pick(STORAGE) };
      return { kind, patch: { spec: { quota } }, spec: { ...spec, quota } };
    }
    case 'planes': {
      const planes = spec.planes.length === 1 ? ['plane-1', 'plane-2'] : ['plane-1'];
      return { kind, patch: { spec: { planes } }, spec: { ...spec, planes } };
    }
    case 'dr': {
      // MLPS 3 keeps a DR plan (another one); below it, the plan comes or goes.
      if (spec.mlps < 3 && spec.dr) {
        const { dr: _dr, ...rest } = spec;
        return { kind, patch: { spec: { dr: null } }, spec: rest };
      }
      const dr = drPlan(r);
      return { kind, patch: { spec: { dr } }, spec: { ...spec, dr } };
    }
    case 'mlps': {
      if (spec.mlps === 3) return { kind, patch: { spec: { mlps: 2 } }, spec: { ...spec, mlps: 2 } };
      const dr = spec.dr ?? drPlan(r);
      return { kind, patch: { spec: { mlps: 3, dr } }, spec: { ...spec, mlps: 3, dr } };
    }
  }
}

/** One line of `longyun operator run --log-writes`. */
export interface WriteLine {
  kind: 'write' | 'fenced';
  sent: string;
  sentMs: number;
  /** The sender's renew deadline, or `none` when it held no lease. */
  deadline: string;
  deadlineMs: number | null;
  identity: string;
  cluster: string;
  method: string;
  path: string;
}

const WRITE_LINE = /^(write|fenced) sent=(\S+) deadline=(\S+) identity=(\S+) cluster=(\S+) ([A-Z]+) (\S+)/;

/** A `write sent=… deadline=… identity=… cluster=… METHOD PATH` line (or `fenced …`; deadline `none` without a lease), else undefined. */
export function parseWriteLine(line: string): WriteLine | undefined {
  const m = WRITE_LINE.exec(line.trim());
  if (!m) return undefined;
  const sentMs = Date.parse(m[2]!);
  const deadlineMs = m[3] === 'none' ? null : Date.parse(m[3]!);
  if (Number.isNaN(sentMs) || Number.isNaN(deadlineMs)) return undefined;
  return { kind: m[1] as 'write' | 'fenced', sent: m[2]!, sentMs, deadline: m[3]!, deadlineMs, identity: m[4]!, cluster: m[5]!, method: m[6]!, path: m[7]! };
}

/** What the soak asked for, per tenant name: the spec last written, or deleted. */
export type Wanted = { state: 'present'; spec: TenantSpec } | { state: 'deleted' };

/** An object as a member's API server lists it (the server's own metadata included). */
export type ServedObject = K8sObject & { metadata: K8sObject['metadata'] & { deletionTimestamp?: string } };

export interface InvariantInput {
  wanted: ReadonlyMap<string, Wanted>;
  /** The Tenants in the management cluster, by name. */
  tenants: ReadonlyMap<string, TenantResource>;
  /** Every object labelled `longyun.io/tenant` on each member, by the CloudNode it is. */
  memberObjects: ReadonlyMap<string, readonly ServedObject[]>;
  /** The operator's own desired objects of a tenant on a node (controllers' desiredObjects). */
  desired: (name: string, spec: TenantSpec, node: string) => DesiredResource[];
}

export interface Violation {
  invariant: 'tenant-ready' | 'spec-kept' | 'objects-exact' | 'objects-elsewhere' | 'deleted-tenant-gone' | 'deleted-objects-gone' | 'unknown-tenant';
  tenant: string;
  detail: string;
}

export const INVARIANTS: Record<Violation['invariant'], string> = {
  'tenant-ready': 'every surviving Tenant is Ready for its latest generation, on the node it asked for',
  'spec-kept': "every surviving Tenant's spec is the last one the soak wrote (no edit lost)",
  'objects-exact': 'on its own member, exactly the objects the desired-state graph gives for its spec, each as desired',
  'objects-elsewhere': 'none of its objects on any other member',
  'deleted-tenant-gone': 'every deleted Tenant is gone from the management cluster',
  'deleted-objects-gone': "none of a deleted tenant's objects is left on any member",
  'unknown-tenant': 'no Tenant the soak did not request',
};

const show = (keys: Iterable<string>) => [...keys].map((k) => k.replace(/^[^/]*\/?v1\//, '')).join(', ');

/** Every violated invariant, one entry per tenant and invariant. */
export function checkInvariants(input: InvariantInput): Violation[] {
  const out: Violation[] = [];
  const byTenant = new Map<string, Map<string, ServedObject[]>>();
  for (const [node, objects] of input.memberObjects) {
    for (const o of objects) {
      const t = o.metadata.labels?.[LABELS.tenant];
      if (!t) continue;
      const perNode = byTenant.get(t) ?? new Map<string, ServedObject[]>();
      perNode.set(node, [...(perNode.get(node) ?? []), o]);
      byTenant.set(t, perNode);
    }
  }
  for (const [name, w] of input.wanted) {
    const t = input.tenants.get(name);
    const onNodes = byTenant.get(name) ?? new Map<string, ServedObject[]>();
    if (w.state === 'deleted') {
      if (t) out.push({ invariant: 'deleted-tenant-gone', tenant: name, detail: `still there${t.metadata.deletionTimestamp ? ` (deleting since ${t.metadata.deletionTimestamp}, phase ${t.status?.phase})` : ''}` });
      for (const [node, objects] of onNodes) out.push({ invariant: 'deleted-objects-gone', tenant: name, detail: `${objects.length} left on ${node}: ${show(objects.map((o) => refKey(refOf(o))))}` });
      continue;
    }
    const node = w.spec.node!;
    if (!t || t.metadata.deletionTimestamp) {
      out.push({ invariant: 'tenant-ready', tenant: name, detail: t ? 'being deleted' : 'missing' });
      continue;
    }
    if (!isDeepStrictEqual(JSON.parse(JSON.stringify(t.spec)), JSON.parse(JSON.stringify(w.spec)))) out.push({ invariant: 'spec-kept', tenant: name, detail: `spec ${JSON.stringify(t.spec)}, last written ${JSON.stringify(w.spec)}` });
    const ready = t.status?.conditions?.find((c) => c.type === 'Ready');
    if (t.status?.phase !== 'Ready' || ready?.status !== 'True' || t.status.observedGeneration !== t.metadata.generation || t.status.node !== node) {
      out.push({ invariant: 'tenant-ready', tenant: name, detail: `phase ${t.status?.phase}, Ready ${ready?.status} (${ready?.reason}: ${ready?.message}), observedGeneration ${t.status?.observedGeneration} of ${t.metadata.generation}, node ${t.status?.node}` });
    }
    const want = new Map(input.desired(name, t.spec, node).map((d) => [refKey(refOf(d.object)), d.object]));
    const have = new Map((onNodes.get(node) ?? []).map((o) => [refKey(refOf(o)), o]));
    const missing = [...want.keys()].filter((k) => !have.has(k));
    const extra = [...have.keys()].filter((k) => !want.has(k));
    const differ = [...want].filter(([k, d]) => have.has(k) && !covers(have.get(k), d)).map(([k]) => k);
    const going = [...have].filter(([, o]) => o.metadata.deletionTimestamp !== undefined).map(([k]) => k);
    if (missing.length || extra.length || differ.length || going.length) {
      out.push({
        invariant: 'objects-exact',
        tenant: name,
        detail: [missing.length ? `missing ${show(missing)}` : '', extra.length ? `extra ${show(extra)}` : '', differ.length ? `not as desired ${show(differ)}` : '', going.length ? `being deleted ${show(going)}` : ''].filter(Boolean).join('; '),
      });
    }
    for (const [other, objects] of onNodes) {
      if (other !== node) out.push({ invariant: 'objects-elsewhere', tenant: name, detail: `${objects.length} on ${other}: ${show(objects.map((o) => refKey(refOf(o))))}` });
    }
  }
  for (const name of input.tenants.keys()) if (!input.wanted.has(name)) out.push({ invariant: 'unknown-tenant', tenant: name, detail: 'not requested by the soak' });
  for (const name of byTenant.keys()) if (!input.wanted.has(name)) out.push({ invariant: 'unknown-tenant', tenant: name, detail: 'objects labelled with it on a member' });
  return out;
}

/** Sent by a replica after its own renew deadline, or with no lease at all: what the fence must never let through. */
export const sentAfterDeadline = (w: WriteLine): boolean => w.kind === 'write' && (w.deadlineMs === null || w.sentMs > w.deadlineMs);
