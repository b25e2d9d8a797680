// Writes to the operator's own custom resources on the management cluster (Tenant, CloudNode):
// statuses and finalizers, each a read-modify-write with optimistic concurrency that keeps every
// other writer's conditions and finalizers.
import { mergeOwnConditions, OWN_CONDITION_TYPES, withFinalizer, type Condition } from '../controllers/conditions.js';
import type { CloudNodeResource } from '../controllers/cloud-node-reconciler.js';
import type { TenantResource, TenantStatus } from '../controllers/tenant-reconciler.js';
import { API_VERSION } from './crds.js';
import type { Informer } from './informer.js';
import type { OperatorMetrics } from './metrics.js';
import type { RestClient } from './rest.js';
import type * as k8s from '@kubernetes/client-node';

/** Attempts of one read-modify-write before a conflict is returned to the work queue (which backs off). */
export const MAX_CONFLICT_RETRIES = 5;

export type CloudNodeObj = CloudNodeResource & k8s.KubernetesObject;
export type TenantObj = TenantResource & k8s.KubernetesObject;
export type Plural = 'tenants' | 'cloudnodes' | 'failoverdrills' | 'drillschedules' | 'failovers';
/** What a read-modify-write starts from: any of the operator's own objects. */
type Own = k8s.KubernetesObject & { metadata: k8s.V1ObjectMeta; status?: unknown; spec?: unknown };

export class StatusWriter {
  constructor(
    private readonly rest: RestClient,
    private readonly metrics: OperatorMetrics,
    /** The informer of a plural, whose cache a write starts from and is written through to. */
    private readonly informerOf: (plural: Plural) => Pick<Informer<Own>, 'cache' | 'mutate'> | undefined,
  ) {}

  /**
   * Writes a status computed by a controller: its own condition types replaced, every other
   * writer's conditions kept (a backup tool, a GitOps controller, longyun's DR controllers).
   */
  async patchStatus(plural: Plural, name: string, status: TenantStatus | CloudNodeResource['status']): Promise<void> {
    const own = plural === 'tenants' ? OWN_CONDITION_TYPES.tenant : OWN_CONDITION_TYPES.cloudnode;
    await this.readModifyWrite(plural, name, '/status', (current) => ({
      status: { ...(plural === 'tenants' ? keepSwitch(current.status as TenantStatus | undefined, status as TenantStatus) : status), conditions: mergeOwnConditions(current.status?.conditions as Condition[] | undefined, status?.conditions, own) },
    }));
  }

  /** Adds or removes one finalizer, keeping every other writer's. */
  async setFinalizer(plural: Plural, name: string, finalizer: string, present: boolean): Promise<void> {
    await this.readModifyWrite(plural, name, '', (current) => {
      const before = current.metadata.finalizers ?? [];
      const after = withFinalizer(before, finalizer, present);
      return after.length === before.length ? undefined : { metadata: { finalizers: after } };
    });
  }

  /**
   * A read-modify-write with optimistic concurrency, as client-go's RetryOnConflict: the merge
   * patch carries the resourceVersion of the object it was computed from, so the API server refuses
   * it (409) if anyone wrote in between; then the object is read again from the API server (the
   * cache may be behind) and the patch computed anew. `modify` returns undefined when there is
   * nothing to write. An object that is gone needs no write.
   */
  async readModifyWrite<T extends Own = TenantObj | CloudNodeObj>(
    plural: Plural,
    name: string,
    subresource: '' | '/status',
    modify: (current: T) => { metadata?: Record<string, unknown>; status?: unknown } | undefined,
  ): Promise<void> {
    const path = `/apis/${API_VERSION}/${plural}/${name}`;
    let current = this.informerOf(plural)?.cache.get(name) as T | undefined;
    for (let attempt = 1; ; attempt++) {
      if (!current) {
        current = await this.rest.request<T>('GET', path).catch((e: { code?: number }) => {
          if (e.code === 404) return undefined;
          throw e;
        });
        if (!current) return;
      }
      const body = modify(current);
      if (!body) return;
      this.metrics.writes.inc({ cluster: 'management', verb: 'patch' });
      try {
        const updated = await this.rest.request<Own>('PATCH', `${path}${subresource}`, { ...body, metadata: { ...body.metadata, resourceVersion: current.metadata?.resourceVersion } }, 'application/merge-patch+json');
        // Write-through: the next reconcile sees this write before its watch event arrives.
        if (updated?.metadata) this.informerOf(plural)?.mutate(updated);
        return;
      } catch (e) {
        if ((e as { code?: number }).code !== 409 || attempt >= MAX_CONFLICT_RETRIES) throw e;
        current = undefined;
      }
    }
  }
}

/**
 * A tenant status computed by the tenant controller, with the active node and epoch as they are
 * now: once set (at placement) they are a failover's to change, and a status computed from a
 * cache read before a switch must never write the old active node back.
 */
export function keepSwitch(current: TenantStatus | undefined, computed: TenantStatus): TenantStatus {
  if (current?.activeNode === undefined) return computed;
  return { ...computed, activeNode: current.activeNode, ...(current.epoch !== undefined ? { epoch: current.epoch } : {}) };
}
