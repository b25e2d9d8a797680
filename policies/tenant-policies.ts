// Policies over tenancy requests (the estate's `tenants` and the operator's Tenant objects).
import type { Estate } from '../topology/estate.js';
import type { CloudKind, TenantSpec, Unit } from '../topology/schema.js';
import type { PolicyInfo, PolicyMode, Severity } from './types.js';

export interface TenantRequest extends TenantSpec {
  /** The tenant's id: the estate entry's id or the Tenant object's name. */
  id: string;
}

/**
 * The node a tenant runs or would run on: an estate cloud's id, or an onboarded node as the
 * operator sees it (a CloudNode's name, kind and unit).
 */
export type TenantNode = string | { name: string; kind: CloudKind; unit: string; standby?: boolean; protects?: readonly string[] };

export interface TenantPolicy extends PolicyInfo {
  /** Messages for what is wrong with the request; `node` is the node it would run on, if known. */
  check(estate: Estate, tenant: TenantRequest, node: TenantNode | undefined): string[];
}

export interface TenantFinding {
  policy: string;
  sections: readonly string[];
  severity: Severity;
  mode: PolicyMode;
  message: string;
}

/**
 * The city whose cloud node is the department's own (cities build and run a node; counties use
 * their city's, plan §3.3); undefined for a provincial department or one not in the estate.
 */
export function departmentCity(estate: Estate, department: string): Unit | undefined {
  const dept = estate.departmentById.get(department);
  return dept ? estate.ancestorAt(dept.unit, 'municipal') : undefined;
}

/** True when `node` is the department's own city's node. */
export function isOwnCityNode(estate: Estate, department: string, node: { kind: CloudKind; unit: string }): boolean {
  const city = departmentCity(estate, department);
  return city !== undefined && node.kind === 'municipal' && node.unit === city.id;
}

export const departmentKnown: TenantPolicy = {
  id: 'tenant-department-known',
  title: 'A tenant belongs to a department of the estate',
  sections: ['§3.3'],
  severity: 'error',
  defaultMode: 'enforce',
  description:
    'A tenancy is requested by a department listed in the estate, so that its unit, and from it the city whose node is its own (plan §3.3), its labels and its operators are known.',
  check(estate, t) {
    return estate.departmentById.has(t.department) ? [] : [`department "${t.department}" is not in the estate`];
  },
};

export const drForProtectedSystems: TenantPolicy = {
  id: 'tenant-dr-for-mlps3',
  title: 'Systems at MLPS level 3 or above have a DR plan with a remote copy',
  sections: ['§4.1.2', '§4.5.2'],
  severity: 'error',
  defaultMode: 'enforce',
  description:
    'Non-classified systems protected at MLPS 2.0 level 3 or above back up to the DR centres: a DR plan with an RPO of at most 24 hours that includes the same-city or remote DR centre.',
  check(_estate, t) {
    if (t.mlps < 3) return [];
    if (!t.dr) return [`tenant "${t.id}" is at MLPS level ${t.mlps} but has no DR plan; add dr: { rpoMinutes, rtoMinutes, centres }`];
    if (t.dr.rpoMinutes > 24 * 60) return [`tenant "${t.id}" is at MLPS level ${t.mlps} but its RPO is ${t.dr.rpoMinutes} minutes; at most 1440 (24 h)`];
    return [];
  },
};

export const nodeOfOwnLevel: TenantPolicy = {
  id: 'tenant-node-of-own-city',
  title: 'A department runs on the provincial cloud, its own city\'s node, or an industry cloud',
  sections: ['§3.3', '§4.1.2'],
  severity: 'error',
  defaultMode: 'enforce',
  description:
    'Cities build and run their own cloud node; counties use their city\'s (plan §3.3). A municipal or county department\'s tenant is not placed on another city\'s node.',
  check(estate, t, node) {
    // A department not in the estate is tenant-department-known's finding.
    if (node === undefined || !estate.departmentById.has(t.department)) return [];
    const name = typeof node === 'string' ? node : node.name;
    const cloud = typeof node === 'string' ? estate.cloudById.get(node) : node;
    if (!cloud || cloud.kind !== 'municipal' || isOwnCityNode(estate, t.department, cloud)) return [];
    const city = departmentCity(estate, t.department);
    if (!city) return [`tenant "${t.id}" of provincial department "${t.department}" is on municipal node "${name}"; use the provincial cloud or an industry cloud`];
    return [`tenant "${t.id}" of "${t.department}" (${city.id}) is on "${name}", the node of ${cloud.unit}; use ${city.id}'s node`];
  },
};

export const notOnStandby: TenantPolicy = {
  id: 'tenant-not-on-standby',
  title: 'Standby clouds get no tenants of their own',
  sections: ['§4.1.2'],
  severity: 'error',
  defaultMode: 'enforce',
  description:
    'A standby cloud (role: standby) in a DR centre holds standby copies of the tenants of the clouds it protects, with room reserved for them; a tenant of its own would take that room and have no standby itself.',
  check(estate, t, node) {
    if (node === undefined) return [];
    const name = typeof node === 'string' ? node : node.name;
    const cloud = typeof node === 'string' ? estate.cloudById.get(node) : undefined;
    const standby = typeof node === 'string' ? cloud?.role === 'standby' : node.standby === true;
    if (!standby) return [];
    const protects = (typeof node === 'string' ? cloud?.protects : node.protects) ?? [];
    const of = protects.length ? ` for ${protects.map((p) => `"${p}"`).join(', ')}` : '';
    const fix = protects.length ? `; put it on a production node such as "${protects[0]}"` : '; put it on a production node';
    return [`tenant "${t.id}" is on "${name}", a standby cloud: it holds DR copies${of} and gets no tenants of its own${fix}`];
  },
};

export const TENANT_POLICIES: readonly TenantPolicy[] = [departmentKnown, drForProtectedSystems, nodeOfOwnLevel, notOnStandby];

/** Evaluates the tenant policies, with the estate's mode overrides (`policies.modes`). */
export function evaluateTenantPolicies(estate: Estate, tenant: TenantRequest, node: TenantNode | undefined): TenantFinding[] {
  const modes = estate.doc.policies.modes ?? {};
  const out: TenantFinding[] = [];
  for (const p of TENANT_POLICIES) {
    for (const message of p.check(estate, tenant, node)) {
      out.push({ policy: p.id, sections: p.sections, severity: p.severity, mode: modes[p.id] ?? p.defaultMode, message });
    }
  }
  return out;
}
