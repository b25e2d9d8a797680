// Invariants of an address plan, checked independently of the code that builds it. Test-only.
import type { Estate } from '../estate.js';
import { contains, formatPrefix, isAligned, overlaps, parsePrefix, type Prefix } from '../prefix.js';
import type { Allocation } from './ledger.js';
import { requirementsOf } from './requirements.js';

const key = (plane: string, family: string, owner: string): string => `${plane}|${family}|${owner}`;

/**
 * Everything wrong with `allocations` as the plan of `estate`, as readable lines (empty when the
 * plan is sound):
 * - every requirement has exactly one allocation, and there is no other allocation;
 * - each allocation has the requirement's level and length, is canonical text and aligned;
 * - each allocation's parent is the allocation of its owner's parent, and strictly contains it;
 * - the root is the plane's root;
 * - two allocations of one plane and family overlap only when one is an ancestor of the other.
 */
export function planViolations(estate: Estate, allocations: Iterable<Allocation>): string[] {
  const out: string[] = [];
  const reqs = requirementsOf(estate);
  const reqByKey = new Map(reqs.map((r) => [key(r.plane, r.family, r.owner), r]));
  const byKey = new Map<string, Allocation[]>();
  for (const a of allocations) {
    const k = key(a.plane, a.family, a.owner);
    byKey.set(k, [...(byKey.get(k) ?? []), a]);
  }
  for (const r of reqs) {
    const n = byKey.get(key(r.plane, r.family, r.owner))?.length ?? 0;
    if (n !== 1) out.push(`${key(r.plane, r.family, r.owner)}: ${n} allocations, expected exactly 1`);
  }
  for (const k of byKey.keys()) if (!reqByKey.has(k)) out.push(`${k}: allocated but not required by the estate`);

  const groups = new Map<string, Array<{ a: Allocation; p: Prefix }>>();
  for (const a of allocations) {
    const p = parsePrefix(a.prefix);
    const g = `${a.plane}|${a.family}`;
    groups.set(g, [...(groups.get(g) ?? []), { a, p }]);
    const k = key(a.plane, a.family, a.owner);
    const r = reqByKey.get(k);
    if (p.family !== a.family) out.push(`${k}: ${a.prefix} is not ${a.family}`);
    if (!isAligned(p)) out.push(`${k}: ${a.prefix} is misaligned`);
    if (formatPrefix(p) !== a.prefix) out.push(`${k}: ${a.prefix} is not canonical text`);
    if (!r) continue;
    if (a.level !== r.level) out.push(`${k}: level ${a.level}, expected ${r.level}`);
    if (p.len !== r.length) out.push(`${k}: /${p.len}, expected /${r.length}`);
    if (r.parentOwner === null) {
      if (a.parent !== null) out.push(`${k}: a root with parent ${a.parent}`);
      if (a.prefix !== formatPrefix(parsePrefix(r.root!))) out.push(`${k}: ${a.prefix} is not the plane root ${r.root}`);
      continue;
    }
    const parent = byKey.get(key(a.plane, a.family, r.parentOwner))?.[0];
    if (!parent) {
      out.push(`${k}: no allocation for its parent owner ${r.parentOwner}`);
      continue;
    }
    if (a.parent !== parent.prefix) out.push(`${k}: parent ${a.parent}, but ${r.parentOwner} holds ${parent.prefix}`);
    const pp = parsePrefix(parent.prefix);
    if (!contains(pp, p) || p.len <= pp.len) out.push(`${k}: ${a.prefix} is not strictly inside its parent ${parent.prefix}`);
  }

  for (const [g, list] of groups) {
    const byPrefix = new Map(list.map((e) => [e.a.prefix, e.a]));
    const isAncestor = (anc: Allocation, a: Allocation): boolean => {
      const seen = new Set<Allocation>();
      for (let x: Allocation | undefined = a; x && !seen.has(x); x = x.parent === null ? undefined : byPrefix.get(x.parent)) {
        seen.add(x);
        if (x !== a && x === anc) return true;
      }
      return false;
    };
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const x = list[i]!;
        const y = list[j]!;
        if (overlaps(x.p, y.p) && !isAncestor(x.a, y.a) && !isAncestor(y.a, x.a)) {
          out.push(`${g}: ${x.a.prefix} (${x.a.owner}) overlaps ${y.a.prefix} (${y.a.owner}) and neither is the other's ancestor`);
        }
      }
    }
  }
  return out;
}
