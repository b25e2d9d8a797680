// Property-based tests of the IPAM: random small estates (municipal units, counties, townships,
// data centres, services; one or two planes; IPv6 and/or IPv4; random prefix sizes that always
// fit) built in memory, allocated, grown, shrunk and pruned.
import fc from 'fast-check';
import { runs } from '../../test/property-runs.js';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { LedgerValidationError } from '../errors.js';
import type { Estate } from '../estate.js';
import { loadEstateFromSources } from '../load.js';
import { formatPrefix, parsePrefix } from '../prefix.js';
import { AddressPlan } from './address-plan.js';
import type { AllocationList } from './allocation-list.js';
import { parseLedger, serializeLedger, type Allocation } from './ledger.js';
import { planViolations } from './plan.test-helpers.js';
import { ownersOf, requirementsOf } from './requirements.js';

const FILE = 'mem/ledger.json';

// ---------------------------------------------------------------------------------------------
// The model of a random estate.

type Level = 'province' | 'municipal' | 'county' | 'township';
interface UnitRec {
  id: string;
  level: Level;
  parent?: string;
}
interface DcRec {
  id: string;
  unit: string;
}
interface EstateModel {
  /** Units in file order (not necessarily parents first). */
  units: UnitRec[];
  dcs: DcRec[];
  services: Partial<Record<'province' | 'municipal' | 'county' | 'township' | 'datacentre', string[]>>;
  planes: Array<{ id: string; ipv6?: string; ipv4?: string }>;
  sizes: { ipv6: Record<string, number>; ipv4: Record<string, number> };
  /** How many source files the units are split into, and where. */
  split: number;
}

const MAX = { municipal: 5, county: 5, township: 4, dcPerUnit: 2 };

const serviceList = fc.subarray(['core', 'mgmt', 'video'], { maxLength: 3 });
const servicesArb = fc.record(
  { province: serviceList, municipal: serviceList, county: serviceList, township: serviceList, datacentre: serviceList },
  { requiredKeys: [] },
);

/** Sizes that always fit the bounds above (each parent has at least 16 or 8 slots). */
const sizesArb = fc.record({ r6: fc.constantFrom(32, 36, 40, 44), r4: fc.constantFrom(8, 12, 16) }).map(({ r6, r4 }) => ({
  r6,
  r4,
  ipv6: { municipal: r6 + 4, county: r6 + 8, township: r6 + 12, datacentre: r6 + 8, service: 64 },
  ipv4: { municipal: r4 + 4, county: r4 + 8, township: r4 + 11, datacentre: r4 + 8, service: r4 + 13 },
}));

const planesArb = (r6: number, r4: number) =>
  fc.array(fc.constantFrom<'both' | 'ipv6' | 'ipv4'>('both', 'ipv6', 'ipv4'), { minLength: 1, maxLength: 2 }).map((stacks) =>
    stacks.map((s, k) => ({
      id: `plane-${k + 1}`,
      ...(s !== 'ipv4' ? { ipv6: `fd00:${k}::/${r6}` } : {}),
      ...(s !== 'ipv6' ? { ipv4: `${10 + k}.0.0.0/${r4}` } : {}),
    })),
  );

const treeArb = fc.array(fc.array(fc.nat({ max: MAX.township }), { maxLength: MAX.county }), { minLength: 0, maxLength: MAX.municipal });

function unitsOfTree(tree: number[][]): UnitRec[] {
  const units: UnitRec[] = [{ id: 'prov', level: 'province' }];
  tree.forEach((counties, i) => {
    const m = `m${i}`;
    units.push({ id: m, level: 'municipal', parent: 'prov' });
    counties.forEach((townships, j) => {
      const c = `${m}-c${j}`;
      units.push({ id: c, level: 'county', parent: m });
      for (let k = 0; k < townships; k++) units.push({ id: `${c}-t${k}`, level: 'township', parent: c });
    });
  });
  return units;
}

const modelArb: fc.Arbitrary<EstateModel> = sizesArb.chain((sizes) =>
  fc
    .record({
      tree: treeArb,
      order: fc.array(fc.nat(), { maxLength: 40 }),
      dcPicks: fc.array(fc.nat(), { maxLength: 3 }),
      services: servicesArb,
      planes: planesArb(sizes.r6, sizes.r4),
      split: fc.nat({ max: 2 }),
    })
    .map(({ tree, order, dcPicks, services, planes, split }) => {
      const units = unitsOfTree(tree);
      // Shuffle the file order a little (the loader does not need parents first).
      for (let i = 0; i < order.length && units.length > 1; i++) {
        const a = order[i]! % units.length;
        const b = (i * 7 + 3) % units.length;
        [units[a], units[b]] = [units[b]!, units[a]!];
      }
      const model: EstateModel = { units, dcs: [], services, planes, sizes: { ipv6: sizes.ipv6, ipv4: sizes.ipv4 }, split };
      dcPicks.forEach((pick, i) => addDc(model, pick, `dc${i}`));
      return model;
    }),
);

/** Data centres sit under the province or a municipal unit (their size is below a municipal one). */
function addDc(model: EstateModel, pick: number, id: string): boolean {
  const hosts = model.units.filter((u) => u.level === 'province' || u.level === 'municipal');
  const host = hosts[pick % hosts.length]!;
  if (model.dcs.filter((d) => d.unit === host.id).length >= MAX.dcPerUnit) return false;
  model.dcs.push({ id, unit: host.id });
  return true;
}

function render(model: EstateModel): Estate {
  const name = (id: string) => ({ zh: id, en: id });
  const units = model.units.map((u) => ({ id: u.id, level: u.level, ...(u.parent ? { parent: u.parent } : {}), name: name(u.id) }));
  const head = {
    estate: { name: 'prop' },
    ipam: { sizes: model.sizes, services: model.services },
    planes: model.planes.map((p) => ({ ...p, name: name(p.id), physical: 'fibre' })),
    datacentres: model.dcs.map((d) => ({ id: d.id, unit: d.unit, metro: d.unit, role: 'none', name: name(d.id), location: { lat: 36, lon: 103 } })),
  };
  const cut = model.split === 0 ? units.length : Math.floor(units.length / (model.split + 1));
  const sources = [
    { file: 'mem/a.yaml', text: stringify({ ...head, units: units.slice(0, cut) }) },
    { file: 'mem/b.yaml', text: units.length > cut ? stringify({ units: units.slice(cut) }) : '' },
  ];
  return loadEstateFromSources(sources, 'mem');
}

function clone(model: EstateModel): EstateModel {
  return structuredClone(model);
}

// ---------------------------------------------------------------------------------------------
// Growing and shrinking.

interface AddOp {
  level: 'municipal' | 'county' | 'township' | 'dc';
  parentPick: number;
  position: number;
}
const addOpsArb = fc.array(
  fc.record({ level: fc.constantFrom<AddOp['level']>('municipal', 'county', 'township', 'dc'), parentPick: fc.nat(), position: fc.nat() }),
  { minLength: 1, maxLength: 8 },
);

const PARENT_LEVEL = { municipal: 'province', county: 'municipal', township: 'county' } as const;

/** Adds units anywhere in the file order, within the capacity bounds. Returns the new ids. */
function grow(model: EstateModel, ops: AddOp[], tag: string): string[] {
  const added: string[] = [];
  ops.forEach((op, i) => {
    const id = `${tag}${i}`;
    const level = op.level;
    if (level === 'dc') {
      if (addDc(model, op.parentPick, id)) added.push(id);
      return;
    }
    const parentLevel = PARENT_LEVEL[level];
    const parents = model.units.filter((u) => u.level === parentLevel);
    if (parents.length === 0) return;
    const parent = parents[op.parentPick % parents.length]!;
    const limit = level === 'municipal' ? MAX.municipal + 1 : level === 'county' ? MAX.county + 1 : MAX.township + 1;
    if (model.units.filter((u) => u.parent === parent.id).length >= limit) return;
    model.units.splice(op.position % (model.units.length + 1), 0, { id, level, parent: parent.id });
    added.push(id);
  });
  return added;
}

/** Removes units (with their descendants and data centres). Returns every removed unit or DC id. */
function shrink(model: EstateModel, picks: number[]): string[] {
  const removed = new Set<string>();
  for (const pick of picks) {
    const candidates = model.units.filter((u) => u.level !== 'province' && !removed.has(u.id));
    if (candidates.length === 0) break;
    const victim = candidates[pick % candidates.length]!;
    const queue = [victim.id];
    while (queue.length) {
      const id = queue.pop()!;
      removed.add(id);
      for (const u of model.units) if (u.parent === id && !removed.has(u.id)) queue.push(u.id);
    }
  }
  model.units = model.units.filter((u) => !removed.has(u.id));
  for (const d of model.dcs) if (removed.has(d.unit)) removed.add(d.id);
  model.dcs = model.dcs.filter((d) => !removed.has(d.id));
  return [...removed];
}

const k = (a: Pick<Allocation, 'plane' | 'family' | 'owner'>) => `${a.plane}|${a.family}|${a.owner}`;

function allocateFresh(estate: Estate): AddressPlan {
  const plan = AddressPlan.build(estate, [], { file: FILE });
  plan.allocateMissing();
  return plan;
}

/** The ledger as it would be written and read back. */
function roundTrip(estate: Estate, allocations: readonly Allocation[] | AllocationList): Allocation[] {
  return parseLedger(serializeLedger(estate.name, allocations, estate.doc.planes.map((p) => p.id)), FILE);
}

// ---------------------------------------------------------------------------------------------

describe('IPAM properties', () => {
  it('allocateMissing() on an empty ledger satisfies every requirement exactly once, nested, aligned and disjoint', () => {
    fc.assert(
      fc.property(modelArb, (model) => {
        const estate = render(model);
        const plan = AddressPlan.build(estate, [], { file: FILE });
        const added = plan.allocateMissing();
        expect(added).toHaveLength(requirementsOf(estate).length);
        expect(planViolations(estate, plan.allocations())).toEqual([]);
        // The validator accepts what the allocator produced, and there is nothing left to do.
        const again = AddressPlan.build(estate, roundTrip(estate, plan.allocations()), { file: FILE });
        expect(again.allocateMissing().toArray()).toEqual([]);
        expect(again.released).toEqual([]);
      }),
      runs(60),
    );
  });

  it('allocation is deterministic: the same estate gives the same ledger bytes', () => {
    fc.assert(
      fc.property(modelArb, (model) => {
        const e1 = render(model);
        const e2 = render(clone(model));
        const s = (e: Estate) => serializeLedger(e.name, allocateFresh(e).allocations(), e.doc.planes.map((p) => p.id));
        expect(s(e1)).toBe(s(e2));
      }),
      runs(20),
    );
  });

  it('allocateMissing() gives the same result however the requirements are supplied', () => {
    fc.assert(
      fc.property(modelArb, addOpsArb, (model, ops) => {
        // From a partial ledger, so that some requirements are already met.
        const e0 = render(model);
        const l0 = roundTrip(e0, allocateFresh(e0).allocations());
        const grown = clone(model);
        grow(grown, ops, 'n');
        const e1 = render(grown);

        const implicit = AddressPlan.build(e1, l0, { file: FILE });
        const a1 = implicit.allocateMissing();
        const explicit = AddressPlan.build(e1, l0, { file: FILE });
        const a2 = explicit.allocateMissing(requirementsOf(e1));
        const viaOwners = AddressPlan.build(e1, l0, { file: FILE });
        expect(viaOwners.owners).toEqual(ownersOf(e1));
        const a3 = viaOwners.allocateMissing();

        expect(a2).toEqual(a1);
        expect(a3).toEqual(a1);
        expect(explicit.allocations()).toEqual(implicit.allocations());
        expect(viaOwners.allocations()).toEqual(implicit.allocations());
        // Every table answers get() for every allocation, whichever path made it.
        for (const a of implicit.allocations()) expect(implicit.get(a.plane, a.family, a.owner)).toBe(a);
        // The plan writes its ledger (all of it, or what was added) as the objects would be written.
        const planes = e1.doc.planes.map((p) => p.id);
        for (const list of [a1, a2, implicit.allocations(), explicit.allocations(), implicit.allocations().slice(1)]) {
          expect(serializeLedger(e1.name, list, planes)).toBe(serializeLedger(e1.name, list.toArray(), planes));
        }
      }),
      runs(30),
    );
  });

  it('adding units anywhere in the file order never moves an earlier allocation', () => {
    fc.assert(
      fc.property(modelArb, addOpsArb, (model, ops) => {
        const e0 = render(model);
        const l0 = roundTrip(e0, allocateFresh(e0).allocations());

        const grown = clone(model);
        const newIds = grow(grown, ops, 'n');
        const e1 = render(grown);
        const plan1 = AddressPlan.build(e1, l0, { file: FILE });
        const added = plan1.allocateMissing();

        for (const a of l0) expect(plan1.get(a.plane, a.family, a.owner)).toEqual(a);
        expect(added).toHaveLength(requirementsOf(e1).length - requirementsOf(e0).length);
        // Only the new owners (and their services) were added.
        const newOwners = new Set([...ownersOf(e1).values()].filter((o) => !ownersOf(e0).has(o.id)).map((o) => o.id));
        for (const id of newIds) expect(newOwners.has(id)).toBe(true);
        for (const a of added) expect(newOwners.has(a.owner)).toBe(true);
        expect(planViolations(e1, plan1.allocations())).toEqual([]);
      }),
      runs(60),
    );
  });

  it('removing units: without prune the ledger is refused naming the owners; with prune exactly their allocations are released', () => {
    fc.assert(
      fc.property(modelArb, addOpsArb, fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), addOpsArb, (model, ops, picks, laterOps) => {
        const grown = clone(model);
        grow(grown, ops, 'n');
        const e1 = render(grown);
        const l1 = roundTrip(e1, allocateFresh(e1).allocations());

        const shrunk = clone(grown);
        const removed = shrink(shrunk, picks);
        fc.pre(removed.length > 0);
        const e2 = render(shrunk);
        const owners2 = ownersOf(e2);
        const gone = l1.filter((a) => !owners2.has(a.owner));
        expect(gone.length).toBeGreaterThan(0);

        // Without prune: refused, naming every removed owner and the way out.
        let error: unknown;
        try {
          AddressPlan.build(e2, l1, { file: FILE });
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(LedgerValidationError);
        const message = (error as LedgerValidationError).message;
        expect(message).toContain('--prune');
        for (const id of removed) expect(message).toContain(`"${id}"`);
        for (const issue of (error as LedgerValidationError).issues) {
          expect(issue.file).toBe(FILE);
          expect(issue.path).toMatch(/^allocations\[\d+\]\.owner$/);
        }

        // With prune: exactly the removed owners' allocations (their services, descendants, data
        // centres) are released; the rest is unchanged and complete.
        const plan2 = AddressPlan.build(e2, l1, { file: FILE, prune: true });
        expect(plan2.released.map(k).sort()).toEqual(gone.map(k).sort());
        const kept = l1.filter((a) => owners2.has(a.owner));
        expect(plan2.allocations().toArray()).toEqual(kept);
        expect(plan2.allocateMissing().toArray()).toEqual([]);
        expect(planViolations(e2, plan2.allocations())).toEqual([]);

        // A later allocation (into the freed space, too) moves nothing that was kept.
        const l2 = roundTrip(e2, plan2.allocations());
        const regrown = clone(shrunk);
        grow(regrown, laterOps, 'z');
        const e3 = render(regrown);
        const plan3 = AddressPlan.build(e3, l2, { file: FILE });
        plan3.allocateMissing();
        for (const a of l2) expect(plan3.get(a.plane, a.family, a.owner)).toEqual(a);
        expect(planViolations(e3, plan3.allocations())).toEqual([]);
      }),
      runs(50),
    );
  });

  it('removing a service name from the config: refused without prune, released with prune', () => {
    fc.assert(
      fc.property(modelArb, fc.constantFrom<keyof EstateModel['services']>('province', 'municipal', 'county', 'township', 'datacentre'), (model, level) => {
        const names = model.services[level] ?? [];
        fc.pre(names.length > 0);
        const e1 = render(model);
        const l1 = roundTrip(e1, allocateFresh(e1).allocations());
        const smaller = clone(model);
        const dropped = names[0]!;
        smaller.services[level] = names.slice(1);
        const e2 = render(smaller);
        const gone = l1.filter((a) => a.level === 'service' && a.owner.endsWith(`/${dropped}`) && !ownersOf(e2).has(a.owner));
        fc.pre(gone.length > 0);
        expect(() => AddressPlan.build(e2, l1, { file: FILE })).toThrow(LedgerValidationError);
        const plan2 = AddressPlan.build(e2, l1, { file: FILE, prune: true });
        expect(plan2.released.map(k).sort()).toEqual(gone.map(k).sort());
        expect(planViolations(e2, plan2.allocations())).toEqual([]);
      }),
      runs(30),
    );
  });

  it('removing a plane releases all of its allocations with prune, and only those', () => {
    fc.assert(
      fc.property(modelArb, (model) => {
        fc.pre(model.planes.length === 2);
        const e1 = render(model);
        const l1 = roundTrip(e1, allocateFresh(e1).allocations());
        const smaller = clone(model);
        smaller.planes = smaller.planes.slice(0, 1);
        const e2 = render(smaller);
        let error: unknown;
        try {
          AddressPlan.build(e2, l1, { file: FILE });
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(LedgerValidationError);
        expect((error as LedgerValidationError).issues.every((i) => /^allocations\[\d+\]\.plane$/.test(i.path))).toBe(true);
        const plan2 = AddressPlan.build(e2, l1, { file: FILE, prune: true });
        expect(plan2.released.map(k).sort()).toEqual(l1.filter((a) => a.plane === 'plane-2').map(k).sort());
        expect(plan2.allocateMissing().toArray()).toEqual([]);
      }),
      runs(20),
    );
  });

  it('whois answers the most specific allocation holding an address, with its chain from the root', () => {
    fc.assert(
      fc.property(modelArb, fc.nat(), fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (model, pick, offset) => {
        const estate = render(model);
        const plan = allocateFresh(estate);
        const list = plan.allocations();
        const target = list[pick % list.length]!;
        // An address inside `target`, chosen at random.
        const p = parsePrefix(target.prefix);
        const w = p.family === 'ipv6' ? 128 : 32;
        let v = 0n;
        for (const x of p.words) v = (v << 32n) | BigInt(x);
        v |= offset & ((1n << BigInt(w - p.len)) - 1n);
        const words: number[] = [];
        for (let i = p.words.length - 1; i >= 0; i--) words.push(Number((v >> BigInt(32 * i)) & 0xffffffffn));
        const address = formatPrefix({ family: p.family, words, len: w }).replace(/\/\d+$/, '');

        const answer = plan.whois(address);
        expect(answer).toBeDefined();
        const holders = list.filter((a) => a.family === p.family);
        const containing = holders.filter((a) => {
          const q = parsePrefix(a.prefix);
          const host = BigInt(w - q.len);
          let qv = 0n;
          for (const x of q.words) qv = (qv << 32n) | BigInt(x);
          return v >> host === qv >> host;
        });
        const longest = Math.max(...containing.map((a) => parsePrefix(a.prefix).len));
        expect(parsePrefix(answer!.allocation.prefix).len).toBe(longest);
        expect(containing).toContain(answer!.allocation);
        // The chain: root first, each the parent of the next, ending at the answer.
        const chain = answer!.chain;
        expect(chain[0]!.parent).toBeNull();
        expect(chain[chain.length - 1]).toBe(answer!.allocation);
        for (let i = 1; i < chain.length; i++) expect(chain[i]!.parent).toBe(chain[i - 1]!.prefix);
      }),
      runs(40),
    );
  });
});
