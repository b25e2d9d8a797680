// What the failover commands are given: the management cluster (the drill commands' DrillApi, whose
// plurals include `failovers`), the estate, and the check of a request against the cluster's state.
// Tests pass all three; the commands load the real ones when they are not given.
import type { ScopeNode, ScopeTenant } from '../../controllers/dr/drill-scope.js';
import type { FailoverSpec } from '../../controllers/dr/failover-types.js';
import type { Estate } from '../../topology/estate.js';
import { LongyunError } from '../../topology/errors.js';
import type { DrillApi } from './drill-api.js';

/** What the cluster-state check reads: the estate, the Tenants and CloudNodes as fetched, the clock. */
export interface FailoverCheckInput {
  estate: Estate;
  tenants: ScopeTenant[];
  nodes: ScopeNode[];
  now: Date;
  /** The failover being checked, when it exists already (its own lock on a tenant is no conflict). */
  failover?: string;
}

/** A tenant the request moves: from its active node to the node that becomes active. */
export interface FailoverCheckTenant {
  tenant: string;
  from: string;
  to: string;
  rtoTargetSeconds?: number;
  rpoTargetSeconds?: number;
  /** Emergency: the recovery point that will be promoted. */
  recoveryPoint?: string;
}

/** What is wrong: in the request (`spec.scope.tenants[0]`, `spec.to`) or, with `tenant`, in that Tenant; the message says the fix. */
export interface FailoverCheckProblem {
  tenant?: string;
  field: string;
  message: string;
  transient?: boolean;
}

/**
 * Checks a failover or failback request against the cluster's state: unknown names, no DR plan
 * naming `to`, no standby or no room, a tenant busy with a drill or failover, failback of a tenant
 * already home, a planned failover whose copy is not current, an emergency one without a recovery
 * point. The shape of `resolveFailoverScope` (controllers/dr/failover-scope.ts).
 */
export type FailoverValidator = (spec: Pick<FailoverSpec, 'scope' | 'direction' | 'to' | 'type'>, input: FailoverCheckInput) => { tenants: FailoverCheckTenant[]; problems: FailoverCheckProblem[] };

export interface FailoverDeps {
  api?: DrillApi;
  estate?: Estate;
  validate?: FailoverValidator;
}

/**
 * The production check: `resolveFailoverScope` from controllers/dr/failover-scope.ts.
 *
 * LEAD, TO WIRE: that module is not on this branch yet. Once it is, replace the body with
 *   `return (await import('../../controllers/dr/failover-scope.js')).resolveFailoverScope;`
 * — a literal specifier, so that tsc checks the signature against FailoverValidator and esbuild
 * bundles the module (it cannot follow the computed specifier below, so in the bundled CLI this
 * refuses every request until then). Until it is wired a request is refused, never created unchecked.
 */
export async function productionFailoverValidator(): Promise<FailoverValidator> {
  return (await import('../../controllers/dr/failover-scope.js')).resolveFailoverScope;
}
