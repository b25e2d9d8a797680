// Renders a node's graph as Terraform JSON (cdk.tf.json) directly, in the same shape cdktf
// synthesizes (tests check the two agree). This is the engine `longyun synth` uses: it is ~20x
// faster than building a cdktf construct tree, and the JSON is the contract either way.
import type { NodeGraph } from '../graph/types.js';
import { MAP_ATTRIBUTES, toProviderResource } from './provider-config.js';

/** The cdktf version whose output format this renderer follows. */
export const CDKTF_VERSION = '0.21.0';
/** The provider version @cdktf/provider-kubernetes 12.1.1 pins. */
export const KUBERNETES_PROVIDER = { source: 'kubernetes', version: '2.38.0' } as const;

export type BackendConfig =
  | { type: 'local'; path?: string }
  | { type: 's3' | 'http' | 'pg' | 'consul' | 'gcs' | 'azurerm'; config: Record<string, string> };

export interface StackOptions {
  backend?: BackendConfig;
}

const snakeCache = new Map<string, string>();
/** camelCase → snake_case; memoized (a stack converts the same few dozen names thousands of times). */
const snake = (k: string): string => {
  let s = snakeCache.get(k);
  if (s === undefined) {
    s = k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    if (snakeCache.size < 10_000) snakeCache.set(k, s);
  }
  return s;
};

/** Provider properties → Terraform JSON attributes: snake_case names, map keys untouched. */
export function toTerraformAttributes(value: unknown, keepKeys = false): unknown {
  if (Array.isArray(value)) return value.map((v) => toTerraformAttributes(v));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined) continue;
    if (keepKeys) out[k] = v;
    else if (k === 'manifest') out[k] = v;
    else out[snake(k)] = toTerraformAttributes(v, MAP_ATTRIBUTES.has(k));
  }
  return out;
}

/** Deep copy with object keys sorted, as cdktf writes them. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value as object).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
  return out;
}

// The renderer's copy: `sortKeys(toTerraformAttributes(config))` in one pass instead of two
// deep copies, with the same result key for key and in the same order. What the graph shares
// between objects (a tenant's labels; the frozen parts common to every tenant) is copied once per
// stack and shared in the result, which is read-only data: JSON.stringify writes shared objects
// out in full, so the text is the same.

/** Copies already made in one stackJson call, by source object. */
interface Memo {
  /** copyAttributes(v, false) of frozen values. */
  attrs: Map<object, unknown>;
  /** copyAttributes(v, true): the values of map attributes (labels, …), frozen or not. */
  maps: Map<object, unknown>;
  /** copyRaw of frozen values and of map-valued keys inside verbatim values (a manifest's labels). */
  raw: Map<object, unknown>;
}

// Scratch lists for sortedObject, one pair per nesting depth, reused so that copying an object
// allocates only the copy.
const scratchKeys: string[][] = [];
const scratchValues: unknown[][] = [];
let depth = 0;

/**
 * An object with the first `n` keys and values of the scratch lists, keys sorted as `sortKeys`
 * sorts them (`Object.keys(o).sort()`); for a key given twice, the last value wins, as with
 * repeated assignment. Clears the values it used.
 */
function sortedObject(keys: string[], values: unknown[], n: number): Record<string, unknown> {
  // Insertion sort (objects here have a handful of keys); stable, so the last of equal keys stays last.
  for (let i = 1; i < n; i++) {
    const k = keys[i]!;
    if (!(keys[i - 1]! > k)) continue;
    const v = values[i];
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      values[j + 1] = values[j];
      j--;
    }
    keys[j + 1] = k;
    values[j + 1] = v;
  }
  const out: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    if (i + 1 === n || keys[i + 1] !== keys[i]) out[keys[i]!] = values[i];
    values[i] = undefined;
  }
  return out;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** `sortKeys(value)`; `mapValued`: the value of a map attribute (memoized). */
function copyRaw(value: unknown, memo: Memo, mapValued: boolean): unknown {
  if (value === null || typeof value !== 'object') return value;
  const remember = mapValued || Object.isFrozen(value);
  if (remember) {
    const done = memo.raw.get(value);
    if (done !== undefined) return done;
  }
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) if (i in value) out[i] = copyRaw(value[i], memo, false);
    if (remember) memo.raw.set(value, out);
    return out;
  }
  const src = value as Record<string, unknown>;
  const d = depth++;
  const keys = (scratchKeys[d] ??= []);
  const values = (scratchValues[d] ??= []);
  let n = 0;
  try {
    // for…in with an own-property check visits what Object.keys lists, in the same order.
    for (const k in src) {
      if (!hasOwn.call(src, k)) continue;
      keys[n] = k;
      values[n++] = copyRaw(src[k], memo, MAP_ATTRIBUTES.has(k));
    }
    const out = sortedObject(keys, values, n);
    if (remember) memo.raw.set(value, out);
    return out;
  } finally {
    depth = d;
  }
}

/**
 * `sortKeys(toTerraformAttributes(value, keepKeys))`. `firstKey`, when given, is a key and value
 * put before the object's own (the `//` metadata of a resource body, overridden by an own `//`).
 */
function copyAttributes(value: unknown, keepKeys: boolean, memo: Memo, firstKey?: string, firstValue?: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  // The copy of an object depends on keepKeys (and on firstKey: never remembered).
  const cache = firstKey !== undefined ? undefined : keepKeys ? memo.maps : Object.isFrozen(value) ? memo.attrs : undefined;
  if (cache) {
    const done = cache.get(value);
    if (done !== undefined) return done;
  }
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) if (i in value) out[i] = copyAttributes(value[i], false, memo);
    if (cache) cache.set(value, out);
    return out;
  }
  const src = value as Record<string, unknown>;
  const d = depth++;
  const keys = (scratchKeys[d] ??= []);
  const values = (scratchValues[d] ??= []);
  let n = 0;
  try {
    if (firstKey !== undefined) {
      keys[n] = firstKey;
      values[n++] = firstValue;
    }
    for (const k in src) {
      if (!hasOwn.call(src, k)) continue;
      const v = src[k];
      if (v === undefined) continue;
      if (keepKeys || k === 'manifest') {
        keys[n] = k;
        values[n++] = copyRaw(v, memo, false);
      } else {
        keys[n] = snake(k);
        values[n++] = copyAttributes(v, MAP_ATTRIBUTES.has(k), memo);
      }
    }
    const out = sortedObject(keys, values, n);
    if (cache) cache.set(value, out);
    return out;
  } finally {
    depth = d;
  }
}

export function backendBlock(node: string, backend: BackendConfig = { type: 'local' }): Record<string, unknown> {
  if (backend.type === 'local') return { local: { path: backend.path ?? `terraform.${node}.tfstate` } };
  return { [backend.type]: Object.fromEntries(Object.entries(backend.config).map(([k, v]) => [snake(k), v])) };
}

export const VARIABLES = {
  kubeconfig_context: { description: 'the kubeconfig context of this cloud node', type: 'string', default: '' },
  kubeconfig_path: { description: 'path to the kubeconfig of this cloud node (credentials stay out of the stack)', type: 'string' },
} as const;

export function stackJson(graph: NodeGraph, options: StackOptions = {}): Record<string, unknown> {
  const backend = options.backend ?? { type: 'local' };
  // Each resource body is made sorted in one copy (copyAttributes), and the resource
  // block is not copied again by a sortKeys of the whole stack: the same JSON as
  // sortKeys({ ..., resource: { [type]: { [id]: { '//': …, ...toTerraformAttributes(config) } } } }).
  const resource = new Map<string, Map<string, unknown>>();
  const memo: Memo = { attrs: new Map(), maps: new Map(), raw: new Map() };
  for (const r of graph.resources) {
    const { type, config } = toProviderResource(r.object);
    let byType = resource.get(type);
    if (!byType) resource.set(type, (byType = new Map()));
    if (byType.has(r.id)) throw new Error(`internal: duplicate resource id ${type}.${r.id} in stack ${graph.node}`);
    // { '//': …, ...toTerraformAttributes(config) }, sorted.
    byType.set(r.id, copyAttributes(config, false, memo, '//', { metadata: { path: `${graph.node}/${r.id}`, uniqueId: r.id } }));
  }
  const rest = sortKeys({
    '//': { metadata: { backend: backend.type, stackName: graph.node, version: CDKTF_VERSION }, outputs: {} },
    provider: { kubernetes: [{ config_context: '${var.kubeconfig_context}', config_path: '${var.kubeconfig_path}' }] },
    terraform: { backend: backendBlock(graph.node, backend), required_providers: { kubernetes: KUBERNETES_PROVIDER } },
    variable: VARIABLES,
  }) as Record<string, unknown>;
  if (graph.resources.length === 0) return rest;
  const sortedResource: Record<string, unknown> = {};
  for (const type of [...resource.keys()].sort()) {
    const byType = resource.get(type)!;
    const ids: Record<string, unknown> = {};
    for (const id of [...byType.keys()].sort()) ids[id] = byType.get(id);
    sortedResource[type] = ids;
  }
  const out: Record<string, unknown> = {};
  for (const k of [...Object.keys(rest), 'resource'].sort()) out[k] = k === 'resource' ? sortedResource : rest[k];
  return out;
}
