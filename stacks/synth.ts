// Writes the stacks of a desired state as `<out>/stacks/<node>/cdk.tf.json` (the layout
// `cdktf synth` uses), byte-identical for the same estate and ledger.
import { mkdirSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../topology/fs-atomic.js';
import type { DesiredState } from './graph/types.js';
import { CDKTF_VERSION, stackJson, type StackOptions } from './terraform/stack-json.js';

export const DEFAULT_OUT = 'cdktf.out';
export const STACK_FILE = 'cdk.tf.json';

export interface SynthResult {
  out: string;
  stacks: Array<{ node: string; file: string; resources: number; bytes: number }>;
  /** Stack directories removed because their node is gone. */
  removed: string[];
}

/** The Terraform JSON text of every stack, in node order. */
export function renderStacks(state: DesiredState, options: StackOptions = {}): Map<string, string> {
  const out = new Map<string, string>();
  for (const graph of state.nodes) out.set(graph.node, `${JSON.stringify(stackJson(graph, options), null, 2)}\n`);
  return out;
}

export function manifestJson(nodes: readonly string[]): string {
  const stacks: Record<string, unknown> = {};
  for (const n of [...nodes].sort()) {
    stacks[n] = {
      annotations: [],
      constructPath: n,
      dependencies: [],
      name: n,
      stackMetadataPath: `stacks/${n}/metadata.json`,
      synthesizedStackPath: `stacks/${n}/${STACK_FILE}`,
      workingDirectory: `stacks/${n}`,
    };
  }
  return `${JSON.stringify({ stacks, version: CDKTF_VERSION }, null, 2)}\n`;
}

export function writeStacks(state: DesiredState, out: string, options: StackOptions = {}): SynthResult {
  const rendered = renderStacks(state, options);
  const stacksDir = join(out, 'stacks');
  mkdirSync(stacksDir, { recursive: true });
  const result: SynthResult = { out, stacks: [], removed: [] };
  for (const graph of state.nodes) {
    const dir = join(stacksDir, graph.node);
    mkdirSync(dir, { recursive: true });
    const text = rendered.get(graph.node)!;
    const file = join(dir, STACK_FILE);
    writeFileAtomic(file, text);
    result.stacks.push({ node: graph.node, file, resources: graph.resources.length, bytes: Buffer.byteLength(text) });
  }
  // A node removed from the estate: its stack goes too, but only directories we wrote.
  for (const name of readdirSync(stacksDir)) {
    if (rendered.has(name)) continue;
    const dir = join(stacksDir, name);
    if (existsSync(join(dir, STACK_FILE))) {
      rmSync(dir, { recursive: true, force: true });
      result.removed.push(name);
    }
  }
  writeFileAtomic(join(out, 'manifest.json'), manifestJson(state.nodes.map((n) => n.node)));
  return result;
}
