// What the DR copier (operator/standby-copier.ts) reads and writes through: the operator's caches
// of CloudNodes and Tenants, its member clusters, and the Tenant status (the copier's own field and
// condition only); and the room a standby holds for the copies it keeps.
import { CloudNodeConditions, isTrue, mergeOwnConditions, OWN_CONDITION_TYPES } from '../controllers/conditions.js';
import { reservedOn, StandbyError } from '../controllers/dr/standbys.js';
import { capacityResources, fits, quotaResources, ZERO, type Resources } from '../controllers/placement.js';
import type { Estate } from '../topology/estate.js';
import type { Informer } from './informer.js';
import type { MemberCluster } from './member-cluster.js';
import type { OperatorMetrics } from './metrics.js';
import type { CopierHost, CopierTenant } from './standby-copier.js';
import type { CloudNodeObj, StatusWriter, TenantObj } from './status-writer.js';

export interface HostContext {
  estate: Estate;
  members: ReadonlyMap<string, MemberCluster>;
  nodes: Informer<CloudNodeObj> | undefined;
  tenants: Informer<TenantObj> | undefined;
  writer: StatusWriter;
  metrics: OperatorMetrics;
  log: (line: string) => void;
}

function tenantOf(t: TenantObj): CopierTenant {
  return {
    name: t.metadata.name,
    ...(t.spec.dr ? { dr: t.spec.dr } : {}),
    ...(t.status?.node ? { home: t.status.node } : {}),
    ...(t.status?.activeNode ? { active: t.status.activeNode } : {}),
    deleting: t.metadata.deletionTimestamp !== undefined,
    ...(t.status ? { status: t.status as CopierTenant['status'] } : {}),
    ...(t.metadata.generation !== undefined ? { generation: t.metadata.generation } : {}),
  };
}

export function copierHost(ctx: HostContext): CopierHost {
  return {
    estate: ctx.estate,
    member: (name) => ctx.members.get(name),
    nodes: () =>
      (ctx.nodes?.list() ?? []).map((n) => ({
        name: n.metadata.name,
        ...(n.spec.role ? { role: n.spec.role } : {}),
        ...(n.spec.datacentre ? { datacentre: n.spec.datacentre } : {}),
        ...(n.spec.protects ? { protects: n.spec.protects } : {}),
        capacity: n.spec.capacity,
        ...(n.metadata.deletionTimestamp ? { deleting: true } : {}),
        ready: isTrue(n.status?.conditions, CloudNodeConditions.Ready) && (ctx.members.get(n.metadata.name)?.synced ?? false),
        connecting: isTrue(n.status?.conditions, CloudNodeConditions.Ready) && !(ctx.members.get(n.metadata.name)?.synced ?? false),
      })),
    tenants: () => (ctx.tenants?.list() ?? []).map(tenantOf),
    tenant: (name) => {
      const t = ctx.tenants?.cache.get(name);
      return t ? tenantOf(t) : undefined;
    },
    writeStatus: (name, dr, conditions) =>
      ctx.writer.readModifyWrite('tenants', name, '/status', (current) => ({
        status: { dr: dr ?? null, conditions: mergeOwnConditions(current.status?.conditions, conditions, OWN_CONDITION_TYPES.dr) },
      })),
    hasRoom: (standby, tenant) => {
      const node = ctx.nodes?.cache.get(standby);
      const t = ctx.tenants?.cache.get(tenant);
      if (!node || !t) return false;
      return fits(quotaResources(t.spec.quota), reservedRoom(node, ctx, tenant), capacityResources(node.spec.capacity));
    },
    log: ctx.log,
    onWrite: (cluster, verb) => ctx.metrics.drCopyWrites.inc({ cluster, verb }),
  };
}

/** Room a standby holds for the DR tenants whose copies it keeps (controllers/dr/standbys.ts), but `except`'s. */
export function reservedRoom(standby: CloudNodeObj, ctx: Pick<HostContext, 'estate' | 'nodes' | 'tenants'>, except?: string): Resources {
  const tenants = (ctx.tenants?.list() ?? [])
    .filter((t) => t.metadata.name !== except && !t.metadata.deletionTimestamp)
    .map((t) => ({ node: t.status?.activeNode ?? t.status?.node, quota: t.spec.quota, dr: t.spec.dr }));
  try {
    return reservedOn(standby, tenants, ctx.estate, ctx.nodes?.list() ?? []);
  } catch (e) {
    if (e instanceof StandbyError) return ZERO; // a standby in no DR centre holds no copies
    throw e;
  }
}
