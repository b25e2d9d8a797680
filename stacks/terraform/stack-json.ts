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

const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

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
  const resource: Record<string, Record<string, unknown>> = {};
  for (const r of graph.resources) {
    const { type, config } = toProviderResource(r.object);
    const byType = (resource[type] ??= {});
    if (byType[r.id] !== undefined) throw new Error(`internal: duplicate resource id ${type}.${r.id} in stack ${graph.node}`);
    byType[r.id] = { '//': { metadata: { path: `${graph.node}/${r.id}`, uniqueId: r.id } }, ...(toTerraformAttributes(config) as object) };
  }
  return sortKeys({
    '//': { metadata: { backend: backend.type, stackName: graph.node, version: CDKTF_VERSION }, outputs: {} },
    provider: { kubernetes: [{ config_context: '${var.kubeconfig_context}', config_path: '${var.kubeconfig_path}' }] },
    ...(graph.resources.length > 0 ? { resource } : {}),
    terraform: { backend: backendBlock(graph.node, backend), required_providers: { kubernetes: KUBERNETES_PROVIDER } },
    variable: VARIABLES,
  }) as Record<string, unknown>;
}
