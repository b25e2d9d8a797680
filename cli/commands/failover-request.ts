// What `dr failover` and `dr failback` can check of a request on their own, before asking the
// cluster anything: the flags. The cluster-state checks (names, DR plans, standbys, busy tenants,
// copies current) are the validator's (failover-api.ts). A problem here is a usage error.
import type { FailoverDirection, FailoverSpec, FailoverType } from '../../controllers/dr/failover-types.js';
import { DR_CENTRES, type DrCentre } from '../../controllers/dr/status.js';
import { UsageError } from '../common.js';

/** The flags of `dr failover` and `dr failback` that make the request. */
export interface FailoverRequestFlags {
  tenant?: string[] | undefined;
  node?: string | undefined;
  centre?: string | undefined;
  to?: string | undefined;
  planned?: boolean | undefined;
  emergency?: boolean | undefined;
  dryRun?: boolean | undefined;
  name?: string | undefined;
}

/** The spec of the request (without requestedBy and notes, which the command adds). */
export type FailoverRequest = Pick<FailoverSpec, 'scope' | 'direction' | 'to' | 'type' | 'dryRun'>;

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * The request the flags make, or a UsageError naming the flag and the fix: exactly one of
 * --tenant/--node/--centre; a failover needs --to (a DR centre) and exactly one of --planned and
 * --emergency; a failback takes neither (it goes home, planned).
 */
export function failoverRequest(direction: FailoverDirection, f: FailoverRequestFlags): FailoverRequest {
  const cmd = `longyun dr ${direction}`;
  const given = [f.tenant?.length ? '--tenant' : undefined, f.node !== undefined ? '--node' : undefined, f.centre !== undefined ? '--centre' : undefined].filter((x) => x !== undefined);
  if (given.length !== 1) {
    throw new UsageError(`${cmd} needs exactly one of --tenant (repeatable), --node and --centre, got ${given.length === 0 ? 'none' : given.join(' and ')} (e.g. ${cmd} --tenant health-records${direction === 'failover' ? ' --to same-city-dr --planned' : ''})`);
  }
  for (const [flag, v] of [['--tenant', f.tenant?.find((t) => t.trim() === '')], ['--node', f.node], ['--centre', f.centre]] as const) {
    if (v !== undefined && v.trim() === '') throw new UsageError(`${flag} needs a name, got ""`);
  }
  if (f.name !== undefined && (f.name.length > 253 || !DNS_SUBDOMAIN.test(f.name))) {
    throw new UsageError(`--name must be a Kubernetes object name (lower-case letters, digits, "-" and ".", starting and ending with a letter or digit), got "${f.name}"`);
  }
  const scope: FailoverSpec['scope'] = f.tenant?.length ? { tenants: [...new Set(f.tenant)] } : f.node !== undefined ? { node: f.node } : { centre: f.centre! };
  const dryRun = f.dryRun ? { dryRun: true } : {};
  if (direction === 'failback') {
    if (f.to !== undefined) throw new UsageError(`${cmd} takes no --to: a failback goes to each tenant's home (status.node); to move a tenant to a DR centre use "longyun dr failover"`);
    if (f.emergency) throw new UsageError(`${cmd} takes no --emergency: a failback is always planned (the active copy answers, is fenced and synced first)`);
    return { scope, direction, type: 'planned', ...dryRun };
  }
  if (f.to === undefined) throw new UsageError(`${cmd} needs --to same-city-dr or --to remote-dr: the DR centre whose standby becomes active`);
  if (!(DR_CENTRES as readonly string[]).includes(f.to)) throw new UsageError(`--to must be same-city-dr or remote-dr, got "${f.to}"`);
  if (Boolean(f.planned) === Boolean(f.emergency)) {
    throw new UsageError(`${cmd} needs exactly one of --planned (production answers: it is fenced and synced first, RPO 0) and --emergency (production is gone: promote the last recovery point), got ${f.planned ? 'both' : 'neither'}`);
  }
  const type: FailoverType = f.emergency ? 'emergency' : 'planned';
  return { scope, direction, to: f.to as DrCentre, type, ...dryRun };
}
