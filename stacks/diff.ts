// Compares two sets of synthesized stacks resource by resource, like `terraform plan` reads:
// resources added, changed (with the attributes that changed) and removed, per stack.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LongyunError } from '../topology/errors.js';
import { STACK_FILE } from './synth.js';

export interface AttributeChange {
  path: string;
  before: unknown;
  after: unknown;
}

export interface StackDiff {
  stack: string;
  /** `type.name` addresses. */
  added: string[];
  removed: string[];
  changed: Array<{ address: string; changes: AttributeChange[] }>;
  /** The whole stack is new or gone. */
  status: 'added' | 'removed' | 'changed' | 'unchanged';
}

export interface DiffReport {
  stacks: StackDiff[];
  changed: boolean;
  summary: { added: number; changed: number; removed: number };
}

type Resources = Map<string, unknown>;

function resourcesOf(stack: unknown): Resources {
  const out: Resources = new Map();
  const resource = ((stack as Record<string, unknown>)?.resource ?? {}) as Record<string, Record<string, unknown>>;
  for (const [type, byName] of Object.entries(resource)) {
    for (const [name, body] of Object.entries(byName)) {
      const { '//': _meta, ...attrs } = body as Record<string, unknown>;
      out.set(`${type}.${name}`, attrs);
    }
  }
  return out;
}

/** Leaf-level differences between two JSON values; arrays of scalars compare whole. */
export function attributeChanges(before: unknown, after: unknown, path = ''): AttributeChange[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const isObj = (v: unknown) => v !== null && typeof v === 'object';
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length && before.some(isObj)) {
    return before.flatMap((b, i) => attributeChanges(b, after[i], `${path}[${i}]`));
  }
  if (isObj(before) && isObj(after) && !Array.isArray(before) && !Array.isArray(after)) {
    const keys = [...new Set([...Object.keys(before as object), ...Object.keys(after as object)])].sort();
    return keys.flatMap((k) =>
      attributeChanges((before as Record<string, unknown>)[k], (after as Record<string, unknown>)[k], path ? `${path}.${k}` : k),
    );
  }
  return [{ path, before, after }];
}

export function diffStacks(before: Map<string, unknown>, after: Map<string, unknown>): DiffReport {
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  const stacks: StackDiff[] = [];
  const summary = { added: 0, changed: 0, removed: 0 };
  for (const stack of names) {
    const b = resourcesOf(before.get(stack));
    const a = resourcesOf(after.get(stack));
    const d: StackDiff = { stack, added: [], removed: [], changed: [], status: 'unchanged' };
    for (const addr of [...a.keys()].sort()) if (!b.has(addr)) d.added.push(addr);
    for (const addr of [...b.keys()].sort()) if (!a.has(addr)) d.removed.push(addr);
    for (const addr of [...a.keys()].sort()) {
      if (!b.has(addr)) continue;
      const changes = attributeChanges(b.get(addr), a.get(addr));
      if (changes.length) d.changed.push({ address: addr, changes });
    }
    d.status = !before.has(stack) ? 'added' : !after.has(stack) ? 'removed' : d.added.length + d.removed.length + d.changed.length ? 'changed' : 'unchanged';
    summary.added += d.added.length;
    summary.removed += d.removed.length;
    summary.changed += d.changed.length;
    stacks.push(d);
  }
  return { stacks, changed: stacks.some((s) => s.status !== 'unchanged'), summary };
}

/** Reads `<out>/stacks/<node>/cdk.tf.json` for every stack in a synth output directory. */
export function readStacks(out: string): Map<string, unknown> {
  const dir = join(out, 'stacks');
  if (!existsSync(dir)) {
    throw new LongyunError(`${out}: no previous synth output (expected ${dir}/<node>/${STACK_FILE}); run "longyun synth --out ${out}" first, or pass --against DIR`);
  }
  const stacks = new Map<string, unknown>();
  for (const name of readdirSync(dir).sort()) {
    const file = join(dir, name, STACK_FILE);
    if (!existsSync(file)) continue;
    try {
      stacks.set(name, JSON.parse(readFileSync(file, 'utf8')));
    } catch (e) {
      throw new LongyunError(`${file}: is not valid JSON (${(e as Error).message.split('\n')[0]}); re-run "longyun synth"`);
    }
  }
  return stacks;
}
