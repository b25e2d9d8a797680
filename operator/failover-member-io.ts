// A failover's reads and writes on one member (operator/failover-runner.ts and operator/fence-guard.ts):
// a tenant namespace as the member's caches hold it, fenced or unfenced from its record, compared
// with the copy on another member, promoted, digested, and its lost+found kept aside. The decisions
// are controllers/dr/fence.ts and copy-plan.ts; this file only does their I/O, in their order.
import { copyKinds } from '../controllers/dr/copy-kinds.js';
import { planCopy } from '../controllers/dr/copy-plan.js';
import { FENCE_RECORD } from '../controllers/dr/failover-types.js';
import { fenceObjects, isFenced, promoteObjects, quarantineObjects, sourceForCopy, unfenceObjects, type FenceCheck } from '../controllers/dr/fence.js';
import { canonicalJson } from '../controllers/dr/digest.js';
import type { ObjectRef } from '../controllers/tenant-reconciler.js';
import type { K8sObject } from '../stacks/graph/types.js';
import { DrillMemberIO } from './drill-member-io.js';
import type { MemberCluster } from './member-cluster.js';
import { KubeApiError } from './rest.js';
import { NotYet } from './operation-steps.js';

const DISCOVERY_MS = 30_000;
const nsKey = (ns: string) => `v1/Namespace/${ns}`;

export class FailoverMemberIO {
  readonly io = new DrillMemberIO();
  private readonly served = new Map<string, { at: number; served: Set<string> }>();

  /** The kinds `m` serves (`apiVersion/kind`); its copied kinds are watched from now on. */
  private async servedOn(m: MemberCluster): Promise<Set<string>> {
    const known = this.served.get(m.name);
    if (known && Date.now() - known.at < DISCOVERY_MS) return known.served;
    const d = await m.discovery();
    m.setCopyKinds(copyKinds(d).kinds);
    const served = new Set<string>();
    for (const [gv, resources] of Object.entries(d.resources)) for (const r of resources) if (!r.name.includes('/')) served.add(`${gv}/${r.kind}`);
    this.served.set(m.name, { at: Date.now(), served });
    return served;
  }

  /**
   * The tenant namespace on `m` as its caches hold it, every copied kind and longyun's own (network
   * attachments included) and the Namespace itself, by objectKey: undefined when it does not exist;
   * NotYet until the watches have synced.
   */
  async view(m: MemberCluster, ns: string): Promise<Map<string, K8sObject> | undefined> {
    await this.servedOn(m);
    m.watchCopies(ns);
    const nsObject = m.namespaceObject(ns);
    const inside = m.namespaceObjects(ns);
    if (!m.synced) throw new NotYet(500, `${m.name}'s caches have not synced`);
    if (!nsObject) return undefined;
    if (!inside) throw new NotYet(500, `${ns} on ${m.name} is not watched yet`);
    return new Map([...inside, [nsKey(ns), nsObject]]);
  }

  private async put(m: MemberCluster, o: K8sObject): Promise<void> {
    const plural = await this.io.pluralOf(m, o.apiVersion, o.kind);
    try {
      await m.replace(o, plural, o);
    } catch (e) {
      if (e instanceof KubeApiError && e.code === 409) throw new NotYet(200, `${o.kind} ${o.metadata.name} on ${m.name} changed while it was written`);
      throw e;
    }
  }

  private async remove(m: MemberCluster, r: ObjectRef): Promise<void> {
    await m.delete(r, await this.io.pluralOf(m, r.apiVersion, r.kind));
  }

  /**
   * Fences the tenant namespace on `m` (fenceObjects): its record written first, then every field
   * put, then Services, Pods, Jobs and network attachments deleted. Idempotent. Returns what is
   * left live after it (nothing, unless an object changed meanwhile: then NotYet).
   */
  async fence(m: MemberCluster, ns: string, failover: string): Promise<{ wrote: number }> {
    const objects = await this.view(m, ns);
    if (!objects) return { wrote: 0 };
    const plan = fenceObjects({ namespace: ns, node: m.name, failover, objects });
    const existing = objects.get(`v1/ConfigMap/${FENCE_RECORD}`);
    let wrote = 0;
    if (!existing || canonicalJson(existing.data ?? {}) !== canonicalJson(plan.record.data ?? {})) {
      try {
        await m.replace(plan.record, 'configmaps', existing);
      } catch (e) {
        // Written meanwhile (a retry, a successor's cache behind): read it again next time.
        if (e instanceof KubeApiError && e.code === 409) throw new NotYet(200, `the fence record in ${ns} on ${m.name} changed while it was written`);
        throw e;
      }
      wrote++;
    }
    for (const o of plan.apply) {
      await this.put(m, o);
      wrote++;
    }
    for (const r of plan.delete) {
      await this.remove(m, r);
      wrote++;
    }
    return { wrote };
  }

  /** Whether the namespace on `m` is fenced now (as its caches have it); a namespace that is not there counts as fenced. */
  async fenced(m: MemberCluster, ns: string): Promise<FenceCheck & { labelled: boolean }> {
    const objects = await this.view(m, ns);
    if (!objects) return { fenced: true, live: [], labelled: true };
    return { ...isFenced(objects), labelled: objects.get(nsKey(ns))?.metadata.labels?.['longyun.io/fenced'] !== undefined };
  }

  /** Undoes a fence from its record (unfenceObjects): attachments and Services created, fields put back, the record deleted last. */
  async unfence(m: MemberCluster, ns: string): Promise<void> {
    const objects = await this.view(m, ns);
    if (!objects) return;
    const plan = unfenceObjects({ namespace: ns, objects });
    for (const o of plan.create) await this.io.create(m, o);
    for (const o of plan.apply) await this.put(m, o);
    for (const r of plan.delete) await this.remove(m, r);
  }

  /**
   * The copy of `ns` from `from` (as it was before fencing) against the one on `to`, as the copier's
   * planCopy sees them: in sync, and the source's digest.
   */
  async compare(from: MemberCluster, to: MemberCluster, ns: string): Promise<{ inSync: boolean; sourceDigest: string; standbyDigest: string }> {
    const source = await this.view(from, ns);
    if (!source) throw new Error(`namespace ${ns} is not on ${from.name}`);
    const standby = await this.view(to, ns);
    const nsObject = source.get(nsKey(ns))!;
    const inside = new Map(source);
    inside.delete(nsKey(ns));
    const before = sourceForCopy(ns, inside, nsObject);
    const plan = planCopy({ namespace: ns, sourceNode: from.name, namespaceObject: before.namespaceObject, source: before.objects, standby, standbyKinds: await this.servedOn(to) });
    return { inSync: plan.inSync, sourceDigest: plan.sourceDigest, standbyDigest: plan.standbyDigest };
  }

  /** The digest of the live tenant namespace on `m`, as the copier takes a source's (its sourceDigest). */
  async digest(m: MemberCluster, ns: string): Promise<{ digest: string; objects: Map<string, string> }> {
    const source = await this.view(m, ns);
    if (!source) throw new Error(`namespace ${ns} is not on ${m.name}`);
    const nsObject = source.get(nsKey(ns))!;
    const inside = new Map(source);
    inside.delete(nsKey(ns));
    const plan = planCopy({ namespace: ns, sourceNode: m.name, namespaceObject: nsObject, source: inside, standby: undefined, standbyKinds: await this.servedOn(m) });
    return { digest: plan.sourceDigest, objects: plan.sourceDigests };
  }

  /** Turns the standby copy on `m` into the live one (promoteObjects): attachments and held objects created, fields put back, the standby record deleted last. */
  async promote(m: MemberCluster, ns: string, networkAttachments: readonly K8sObject[]): Promise<void> {
    const objects = await this.view(m, ns);
    if (!objects) throw new Error(`there is no copy of ${ns} on ${m.name} to promote`);
    const plan = promoteObjects({ namespace: ns, standbyObjects: objects, networkAttachments });
    for (const o of plan.create) await this.io.ensure(m, o);
    for (const o of plan.apply) await this.put(m, o);
    for (const r of plan.delete) await this.remove(m, r);
  }

  /** After a promotion: the `standby-of` marks left on objects that needed nothing else (promoteObjects' tidy), taken off. */
  async tidy(m: MemberCluster, ns: string): Promise<number> {
    const objects = await this.view(m, ns);
    if (!objects) return 0;
    const { tidy } = promoteObjects({ namespace: ns, standbyObjects: objects, networkAttachments: [] });
    for (const o of tidy) await this.put(m, o);
    return tidy.length;
  }

  /** Writes lost+found's quarantine namespace on `m` (quarantineObjects): each object created, or made exactly so. */
  async quarantine(m: MemberCluster, input: { tenant: string; failover: string; namespace: string; lost: Parameters<typeof quarantineObjects>[0]['lost'] }): Promise<string> {
    const objects = await this.view(m, input.namespace);
    if (!objects) throw new Error(`namespace ${input.namespace} is not on ${m.name}`);
    const out = quarantineObjects({ ...input, node: m.name, objects });
    const ns = out.find((o) => o.kind === 'Namespace')!;
    for (const o of out) {
      if (o === ns) await this.io.create(m, o);
      else await this.io.ensure(m, o);
      if (o === ns) {
        const binding = m.accessBinding(input.tenant, ns.metadata.name);
        if (binding) {
          await this.io.create(m, binding);
          await m.awaitAccess(ns.metadata.name);
        }
      }
    }
    return ns.metadata.name;
  }

  /** Deletes the fence record from `ns` on `m` (once the namespace is a standby copy again, the record would mislead a later copy). */
  async dropFenceRecord(m: MemberCluster, ns: string): Promise<void> {
    const objects = await this.view(m, ns);
    const rec = objects?.get(`v1/ConfigMap/${FENCE_RECORD}`);
    if (rec) await this.remove(m, { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: FENCE_RECORD });
  }

  /** Deletes the tenant's Velero Schedules on `m` (they follow the active node). */
  async dropSchedules(m: MemberCluster, tenant: string): Promise<number> {
    const objects = m.tenantObjects(tenant) ?? new Map<string, K8sObject>();
    let n = 0;
    for (const o of objects.values()) {
      if (o.kind !== 'Schedule') continue;
      await m.delete({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace!, name: o.metadata.name });
      n++;
    }
    return n;
  }
}

