import { join } from 'node:path';
import { EXIT, UsageError, relativeToCwd } from '../common.js';
import { printJson } from '../render.js';
import type { BackendConfig } from '../../stacks/terraform/stack-json.js';

export interface SynthOptions {
  estate: string;
  out: string;
  output: 'table' | 'json';
  backend: string;
  backendConfig: string[];
  engine: 'json' | 'cdktf';
}

/** `--backend s3 --backend-config bucket=b --backend-config key=k`, like `terraform init -backend-config`. */
export function parseBackend(type: string, pairs: readonly string[]): BackendConfig {
  const config: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new UsageError(`--backend-config takes KEY=VALUE, got "${p}"`);
    config[p.slice(0, i)] = p.slice(i + 1);
  }
  if (type === 'local') {
    const extra = Object.keys(config).filter((k) => k !== 'path');
    if (extra.length) throw new UsageError(`the local backend takes only path=…, got ${extra.join(', ')}`);
    return config.path === undefined ? { type: 'local' } : { type: 'local', path: config.path };
  }
  if (!['s3', 'http', 'pg', 'consul', 'gcs', 'azurerm'].includes(type)) {
    throw new UsageError(`--backend must be one of local, s3, http, pg, consul, gcs, azurerm; got "${type}"`);
  }
  if (Object.keys(config).length === 0) throw new UsageError(`the ${type} backend needs --backend-config KEY=VALUE settings`);
  return { type: type as 's3', config };
}

export async function synthCommand(opts: SynthOptions): Promise<number> {
  const backend = parseBackend(opts.backend, opts.backendConfig);
  const { desiredStateOf } = await import('../../stacks/desired-state-of.js');
  const { state } = desiredStateOf(opts.estate);
  let stacks: Array<{ node: string; file: string; resources: number }>;
  if (opts.engine === 'cdktf') {
    const { synthWithCdktf } = await import('../../stacks/cdktf/synth-app.js');
    synthWithCdktf(state, opts.out, backend);
    stacks = state.nodes.map((n) => ({ node: n.node, file: join(opts.out, 'stacks', n.node, 'cdk.tf.json'), resources: n.resources.length }));
  } else {
    const { writeStacks } = await import('../../stacks/synth.js');
    stacks = writeStacks(state, opts.out, { backend }).stacks;
  }
  if (opts.output === 'json') {
    printJson({ out: opts.out, engine: opts.engine, stacks: stacks.map((s) => ({ node: s.node, file: s.file, resources: s.resources })) });
  } else {
    const total = stacks.reduce((n, s) => n + s.resources, 0);
    process.stdout.write(`Synthesized ${stacks.length} stacks, ${total} resources, into ${relativeToCwd(join(opts.out, 'stacks'))}/<node>/cdk.tf.json\n`);
    for (const s of stacks) process.stdout.write(`  ${s.node.padEnd(28)} ${String(s.resources).padStart(5)} resources\n`);
  }
  return EXIT.OK;
}

export interface DiffOptions {
  estate: string;
  against: string;
  output: 'table' | 'json';
}

export async function diffCommand(opts: DiffOptions): Promise<number> {
  const { desiredStateOf } = await import('../../stacks/desired-state-of.js');
  const { renderStacks } = await import('../../stacks/synth.js');
  const { diffStacks, readStacks } = await import('../../stacks/diff.js');
  const before = readStacks(opts.against);
  const { state } = desiredStateOf(opts.estate);
  // Compare with the backend the previous output was written with, so only the graph is diffed.
  const after = new Map<string, unknown>();
  for (const [node, text] of renderStacks(state)) {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const prev = before.get(node) as Record<string, unknown> | undefined;
    if (prev?.terraform) parsed.terraform = prev.terraform;
    if (prev?.['//']) parsed['//'] = prev['//'];
    after.set(node, parsed);
  }
  const report = diffStacks(before, after);
  if (opts.output === 'json') {
    printJson(report);
    return report.changed ? EXIT.CHANGES : EXIT.OK;
  }
  const lines: string[] = [];
  for (const s of report.stacks) {
    if (s.status === 'unchanged') continue;
    lines.push(`stack ${s.stack}${s.status === 'changed' ? '' : ` (${s.status === 'added' ? 'new stack' : 'stack removed'})`}`);
    for (const a of s.added) lines.push(`  + ${a}`);
    for (const c of s.changed) {
      lines.push(`  ~ ${c.address}`);
      for (const ch of c.changes) lines.push(`      ${ch.path}: ${JSON.stringify(ch.before) ?? '(none)'} → ${JSON.stringify(ch.after) ?? '(none)'}`);
    }
    for (const r of s.removed) lines.push(`  - ${r}`);
  }
  const { added, changed, removed } = report.summary;
  lines.push(report.changed ? `Plan: ${added} to add, ${changed} to change, ${removed} to destroy.` : `No changes. The stacks match ${relativeToCwd(opts.against)}.`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return report.changed ? EXIT.CHANGES : EXIT.OK;
}

