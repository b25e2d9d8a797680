// An in-memory management cluster for the drill, schedule and failover commands' tests.
import type { DrillApi, DrillPlural } from './drill-api.js';

type Obj = { metadata: { name: string; resourceVersion?: string } };

function merge(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = merge(out[k], v);
  }
  return out;
}

export interface FakeApi extends DrillApi {
  store: Record<DrillPlural, Map<string, Obj>>;
  configMaps: Map<string, { data?: Record<string, string> }>;
  patches: { plural: DrillPlural; name: string; patch: unknown }[];
  /** Called on every sleep: the test moves the drill along. */
  onSleep: () => void;
  clock: { ms: number };
}

export function fakeApi(objects: Partial<Record<DrillPlural, Obj[]>>, now: Date): FakeApi {
  const store = { failoverdrills: new Map(), drillschedules: new Map(), failovers: new Map(), tenants: new Map(), cloudnodes: new Map() } as Record<DrillPlural, Map<string, Obj>>;
  for (const [plural, list] of Object.entries(objects) as [DrillPlural, Obj[]][]) for (const o of list) store[plural].set(o.metadata.name, structuredClone(o));
  const api: FakeApi = {
    store,
    configMaps: new Map(),
    patches: [],
    onSleep: () => {},
    clock: { ms: now.getTime() },
    list: async <T>(plural: DrillPlural) => [...store[plural].values()].map((o) => structuredClone(o)) as T[],
    get: async <T>(plural: DrillPlural, name: string) => (store[plural].has(name) ? (structuredClone(store[plural].get(name)) as T) : undefined),
    create: async <T>(plural: DrillPlural, obj: T) => {
      const o = obj as Obj;
      if (store[plural].has(o.metadata.name)) throw new Error(`${plural}/${o.metadata.name} already exists`);
      const made = { ...o, metadata: { ...o.metadata, resourceVersion: '1', creationTimestamp: new Date(api.clock.ms).toISOString() } };
      store[plural].set(o.metadata.name, made);
      return structuredClone(made) as T;
    },
    patch: async <T>(plural: DrillPlural, name: string, patch: unknown) => {
      const cur = store[plural].get(name);
      if (!cur) throw new Error(`${plural}/${name} not found`);
      const rv = (patch as Obj).metadata?.resourceVersion;
      if (rv !== undefined && rv !== cur.metadata.resourceVersion) throw new Error('conflict');
      api.patches.push({ plural, name, patch });
      const next = merge(cur, patch) as Obj;
      next.metadata.resourceVersion = String(Number(cur.metadata.resourceVersion ?? '1') + 1);
      store[plural].set(name, next);
      return structuredClone(next) as T;
    },
    remove: async (plural: DrillPlural, name: string) => store[plural].delete(name),
    configMap: async (namespace: string, name: string) => api.configMaps.get(`${namespace}/${name}`),
    user: () => 'sre-wang',
    now: () => new Date(api.clock.ms),
    sleep: async (ms: number) => {
      api.clock.ms += ms;
      api.onSleep();
    },
  };
  return api;
}
