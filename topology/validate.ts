// Runtime validation against the TypeBox schema, with errors a person can act on.
import type { TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import type { Issue } from './errors.js';
import { didYouMean } from './suggest.js';

/** `/units/3/name/zh` → `units[3].name.zh`. */
export function pointerToPath(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

function literalValues(schema: TSchema): string[] | undefined {
  const anyOf = (schema as { anyOf?: TSchema[] }).anyOf;
  if (!anyOf || !anyOf.every((s) => 'const' in s)) return undefined;
  return anyOf.map((s) => String((s as unknown as { const: unknown }).const));
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}

function messageFor(error: ValueError, parentSchema: TSchema | undefined): string {
  const schema = error.schema;
  switch (error.type) {
    case ValueErrorType.ObjectAdditionalProperties: {
      const key = error.path.split('/').pop() ?? '';
      const allowed = Object.keys((parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return `unknown field "${key}"${didYouMean(key, allowed)}; allowed fields: ${allowed.join(', ')}`;
    }
    case ValueErrorType.ObjectRequiredProperty:
      return `missing required field`;
    case ValueErrorType.Union: {
      const values = literalValues(schema);
      if (values) {
        const got = typeof error.value === 'string' ? error.value : '';
        return `expected one of ${values.join(', ')}, got ${describe(error.value)}${got ? didYouMean(got, values) : ''}`;
      }
      return `${error.message}, got ${describe(error.value)}`;
    }
    case ValueErrorType.StringPattern:
      return `${describe(error.value)} is not valid: expected ${schema.description ?? `a string matching ${String(schema.pattern)}`}`;
    default: {
      const base = error.message.replace(/^Expected/, 'expected');
      return `${base}, got ${describe(error.value)}`;
    }
  }
}

/** Finds the schema of the object holding `pointer`'s last segment (for listing allowed fields). */
function schemaAt(root: TSchema, pointer: string): TSchema | undefined {
  let s: TSchema | undefined = root;
  for (const seg of pointer.split('/').slice(1)) {
    if (!s) return undefined;
    const node = s as { properties?: Record<string, TSchema>; items?: TSchema; patternProperties?: Record<string, TSchema> };
    if (/^\d+$/.test(seg) && node.items) s = node.items;
    else if (node.properties?.[seg]) s = node.properties[seg];
    else if (node.patternProperties) s = Object.values(node.patternProperties)[0];
    else return undefined;
  }
  return s;
}

/** Validates `value` against `schema`; returns at most one issue per path, in document order. */
export function validate(schema: TSchema, value: unknown, file: string, basePath = ''): Issue[] {
  if (Value.Check(schema, value)) return [];
  const seen = new Set<string>();
  const issues: Issue[] = [];
  for (const error of Value.Errors(schema, value)) {
    if (seen.has(error.path)) continue;
    seen.add(error.path);
    // A missing field also reports "expected string" etc. at the same path: the first one wins.
    const parentPointer = error.path.split('/').slice(0, -1).join('/');
    const parent = error.type === ValueErrorType.ObjectAdditionalProperties ? schemaAt(schema, parentPointer) : undefined;
    const rel = pointerToPath(error.path);
    const path = basePath && rel ? (rel.startsWith('[') ? basePath + rel : `${basePath}.${rel}`) : basePath || rel;
    issues.push({ file, path, message: messageFor(error, parent) });
  }
  return issues;
}
