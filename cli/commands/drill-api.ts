// What the drill, schedule and failover commands read and write on the management cluster, behind one small
// interface so that their tests pass an in-memory one. The real one is the plain-JSON REST client.
import type { ClusterOptions } from './cluster-client.js';

export type DrillPlural = 'failoverdrills' | 'drillschedules' | 'failovers' | 'tenants' | 'cloudnodes';

export interface DrillApi {
  list<T>(plural: DrillPlural): Promise<T[]>;
  /** Undefined when there is no such object. */
  get<T>(plural: DrillPlural, name: string): Promise<T | undefined>;
  create<T>(plural: DrillPlural, obj: T): Promise<T>;
  /** A JSON merge patch (RFC 7386); a `metadata.resourceVersion` in it makes it conditional. */
  patch<T>(plural: DrillPlural, name: string, patch: unknown): Promise<T>;
  remove(plural: DrillPlural, name: string): Promise<boolean>;
  configMap(namespace: string, name: string): Promise<{ data?: Record<string, string> } | undefined>;
  /** Who is asking: the kubeconfig's current user, else $USER. */
  user(): string | undefined;
  now(): Date;
  sleep(ms: number): Promise<void>;
}

/** The management cluster's API through the kubeconfig of --kubeconfig/--context. */
export async function managementDrillApi(opts: ClusterOptions): Promise<DrillApi> {
  const { call, crPath, managementConfig, RestClient } = await import('./cluster-client.js');
  const kc = managementConfig(opts);
  const rest = new RestClient(kc);
  const orUndefined = async <T>(what: string, path: string): Promise<T | undefined> => {
    try {
      return await rest.request<T>('GET', path);
    } catch (e) {
      const err = e as { code?: number; status?: { reason?: string } };
      if (err.code === 404 && err.status?.reason === 'NotFound') return undefined;
      return call(what, () => Promise.reject(e));
    }
  };
  return {
    list: async <T>(plural: DrillPlural) => (await call(plural, () => rest.request<{ items: T[] }>('GET', crPath(plural)))).items,
    get: <T>(plural: DrillPlural, name: string) => orUndefined<T>(`${plural}/${name}`, crPath(plural, name)),
    create: <T>(plural: DrillPlural, obj: T) => call(plural, () => rest.request<T>('POST', crPath(plural), obj)),
    patch: <T>(plural: DrillPlural, name: string, patch: unknown) => call(`${plural}/${name}`, () => rest.request<T>('PATCH', crPath(plural, name), patch, 'application/merge-patch+json')),
    remove: async (plural: DrillPlural, name: string) => {
      const found = await orUndefined(`${plural}/${name}`, crPath(plural, name));
      if (found === undefined) return false;
      await call(`${plural}/${name}`, () => rest.request('DELETE', crPath(plural, name)));
      return true;
    },
    configMap: (namespace: string, name: string) => orUndefined(`configmaps/${name}`, `/api/v1/namespaces/${namespace}/configmaps/${name}`),
    user: () => kc.getCurrentUser()?.name || process.env.USER || undefined,
    now: () => new Date(),
    sleep: (ms: number) => new Promise((r) => setTimeout(r, ms)),
  };
}
