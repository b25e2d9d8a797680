// The drill runner's reads and writes on a standby member (operator/drill-runner.ts): by the plural
// its discovery gives, creating what is not there, replacing what differs; and whether it has
// nodes, which decides whether a drill can observe its workloads come up.
import type { Measurement } from '../controllers/dr/drill-types.js';
import type { K8sObject } from '../stacks/graph/types.js';
import type { MemberCluster } from './member-cluster.js';
import { KubeApiError, resourcePath } from './rest.js';

/** An object as a member's API server returns it. */
export type Live = K8sObject & { metadata: K8sObject['metadata'] & { deletionTimestamp?: string; resourceVersion?: string } };

export class DrillMemberIO {
  private readonly plurals = new Map<string, { at: number; plural: Map<string, string> }>();
  private readonly nodesOf = new Map<string, Measurement>();

  /** Workload availability can only be observed where pods can run: NotMeasured, with why, on a member without nodes. */
  async availability(m: MemberCluster): Promise<Measurement> {
    const known = this.nodesOf.get(m.name);
    if (known) return known;
    let result: Measurement;
    try {
      const nodes = await m.rest.request<{ items: unknown[] }>('GET', '/api/v1/nodes?limit=1');
      result = nodes.items.length === 0 ? { state: 'NotMeasured', reason: `${m.name} has no nodes (no kubelet runs there): no pod can start, so whether the workloads come up is not observed` } : { state: 'Measured' };
    } catch (e) {
      result = { state: 'NotMeasured', reason: `the nodes of ${m.name} cannot be read (${(e as Error).message}): whether the workloads come up is not observed` };
    }
    this.nodesOf.set(m.name, result);
    return result;
  }

  async pluralOf(m: MemberCluster, apiVersion: string, kind: string): Promise<string> {
    let known = this.plurals.get(m.name);
    if (!known || Date.now() - known.at > 30_000 || !known.plural.has(`${apiVersion}/${kind}`)) {
      const disc = await m.discovery();
      const plural = new Map<string, string>();
      for (const [gv, resources] of Object.entries(disc.resources)) for (const r of resources) if (!r.name.includes('/')) plural.set(`${gv}/${r.kind}`, r.name);
      this.plurals.set(m.name, (known = { at: Date.now(), plural }));
    }
    const p = known.plural.get(`${apiVersion}/${kind}`);
    if (!p) throw new Error(`${apiVersion} ${kind} is not served on ${m.name}`);
    return p;
  }

  async get(m: MemberCluster, o: Pick<K8sObject, 'apiVersion' | 'kind' | 'metadata'>): Promise<Live | undefined> {
    try {
      return await m.rest.request<Live>('GET', resourcePath(o, await this.pluralOf(m, o.apiVersion, o.kind)));
    } catch (e) {
      if (e instanceof KubeApiError && e.code === 404) return undefined;
      throw e;
    }
  }

  /** POST; an object that exists already is left as it is (an earlier attempt wrote it). */
  async create(m: MemberCluster, o: K8sObject): Promise<void> {
    const plural = await this.pluralOf(m, o.apiVersion, o.kind);
    try {
      await m.rest.request('POST', resourcePath({ ...o, metadata: { ...o.metadata, name: '' } }, plural), o);
    } catch (e) {
      if (!(e instanceof KubeApiError && e.code === 409)) throw e;
    }
  }

  /** POST, or PUT over what is there (an earlier attempt, or someone's edit): the object becomes exactly `o`. */
  async ensure(m: MemberCluster, o: K8sObject): Promise<void> {
    const plural = await this.pluralOf(m, o.apiVersion, o.kind);
    try {
      await m.rest.request('POST', resourcePath({ ...o, metadata: { ...o.metadata, name: '' } }, plural), o);
      return;
    } catch (e) {
      if (!(e instanceof KubeApiError && e.code === 409)) throw e;
    }
    const current = await this.get(m, o);
    await m.rest.request('PUT', resourcePath(o, plural), { ...o, metadata: { ...o.metadata, resourceVersion: current?.metadata.resourceVersion } });
  }
}
