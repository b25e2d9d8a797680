// The estate schema as Kubernetes structural OpenAPI v3 (for CRDs): `anyOf` of literals becomes
// `enum`, `uniqueItems` becomes `x-kubernetes-list-type: set`, and keywords a CRD may not carry
// (`additionalProperties: false`, `$id`, `const`, defaults on required fields) are dropped.
import type { TSchema } from '@sinclair/typebox';

export type OpenApiSchema = Record<string, unknown>;

export function toStructural(schema: TSchema | OpenApiSchema): OpenApiSchema {
  const s = schema as Record<string, unknown>;
  const anyOf = s.anyOf as Array<Record<string, unknown>> | undefined;
  if (anyOf) {
    if (anyOf.every((x) => 'const' in x)) {
      const values = anyOf.map((x) => x.const);
      return { type: typeof values[0] === 'number' ? 'integer' : 'string', enum: values, ...(s.description ? { description: s.description } : {}) };
    }
    throw new Error(`a CRD schema cannot express this union: ${JSON.stringify(schema).slice(0, 120)}`);
  }
  if ('const' in s) return { type: typeof s.const === 'number' ? 'integer' : 'string', enum: [s.const] };
  const out: OpenApiSchema = {};
  for (const key of ['type', 'description', 'pattern', 'minimum', 'maximum', 'minLength', 'maxLength', 'minItems', 'maxItems', 'format'] as const) {
    if (s[key] !== undefined) out[key] = s[key];
  }
  if (s.type === 'object') {
    const props = s.properties as Record<string, TSchema> | undefined;
    if (props) {
      out.properties = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, toStructural(v)]));
      const required = (s.required as string[] | undefined) ?? [];
      if (required.length) out.required = required;
    } else if (s.patternProperties) {
      out.additionalProperties = toStructural(Object.values(s.patternProperties as Record<string, TSchema>)[0]!);
    } else if (s.additionalProperties && typeof s.additionalProperties === 'object') {
      out.additionalProperties = toStructural(s.additionalProperties as TSchema);
    }
  }
  if (s.type === 'array' && s.items) {
    out.items = toStructural(s.items as TSchema);
    if (s.uniqueItems) out['x-kubernetes-list-type'] = 'set';
  }
  return out;
}
