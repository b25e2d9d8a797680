// The Tenant CRD is generated from the estate schema: a DR plan's GB/T 20988 level reaches it.
import { describe, expect, it } from 'vitest';
import { DR_LEVEL_ID_PATTERN } from '../topology/dr-levels.js';
import { TENANT_CRD } from './crds.js';

type Schema = { properties?: Record<string, Schema>; pattern?: string; type?: string; description?: string; required?: string[] };

describe('the Tenant CRD: spec.dr.level', () => {
  it('is an optional string with the level id pattern and the valid ids in its description', () => {
    const version = (TENANT_CRD.spec as { versions: Array<{ schema: { openAPIV3Schema: Schema } }> }).versions[0]!;
    const dr = version.schema.openAPIV3Schema.properties!.spec!.properties!.dr!;
    expect(dr.properties!.level).toEqual({
      type: 'string',
      pattern: DR_LEVEL_ID_PATTERN,
      description: expect.stringContaining('gb20988-2007/1 to gb20988-2007/6'),
    });
    expect(dr.required).not.toContain('level');
  });
});
