import type { Static } from '@sinclair/typebox';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { DrStatus as DrStatusType, StandbyCopyStatus as StandbyCopyStatusType } from '../controllers/dr/status.js';
import type { TenantStatus as TenantStatusType } from '../controllers/tenant-reconciler.js';
import { DrStatus, StandbyCopyStatus, TENANT_CRD } from './crds.js';

type Schema = { type?: string; properties?: Record<string, Schema>; items?: Schema; additionalProperties?: Schema; enum?: unknown[]; required?: string[] };
const statusSchema = () => {
  const version = (TENANT_CRD.spec as { versions: Array<{ schema: { openAPIV3Schema: Schema } }> }).versions[0]!;
  return version.schema.openAPIV3Schema.properties!.status!;
};

describe('the Tenant CRD status', () => {
  it('carries the active node, the epoch and the DR status as structural OpenAPI', () => {
    const status = statusSchema();
    expect(status.properties!.activeNode).toEqual({ type: 'string' });
    expect(status.properties!.epoch).toMatchObject({ type: 'integer', minimum: 1 });
    const dr = status.properties!.dr!;
    expect(dr.required).toEqual(['rpoScope', 'rpoSeconds', 'standbys']);
    expect(dr.properties!.rpoScope).toEqual({ type: 'string', enum: ['objects'] });
    const standby = dr.properties!.standbys!.items!;
    expect(standby.required).toEqual(['centre', 'state']);
    expect(standby.properties!.centre!.enum).toEqual(['same-city-dr', 'remote-dr']);
    expect(standby.properties!.state!.enum).toEqual(['NoStandby', 'NoRoom', 'Copying', 'Current', 'SourceUnreachable', 'StandbyUnreachable']);
    expect(standby.properties!.recoveryPoint).toEqual({ type: 'string', format: 'date-time' });
    // A map: additionalProperties of strings (a structural schema has no patternProperties).
    expect(standby.properties!.objectDigests).toEqual({ type: 'object', additionalProperties: { type: 'string' } });
    expect(standby.properties!.notCopied!.items!.required).toEqual(['apiVersion', 'kind', 'name', 'reason']);
    expect(JSON.stringify(status)).not.toMatch(/patternProperties|anyOf|const|\$id/);
  });

  it('is the shape of the controllers\' TypeScript types', () => {
    expectTypeOf<Static<typeof StandbyCopyStatus>>().toEqualTypeOf<StandbyCopyStatusType>();
    expectTypeOf<Static<typeof DrStatus>>().toEqualTypeOf<DrStatusType>();
    expectTypeOf<TenantStatusType['dr']>().toEqualTypeOf<DrStatusType | undefined>();
  });
});

describe('the FailoverDrill and DrillSchedule CRDs', () => {
  it('are the shape of controllers/dr/drill-types.ts, as structural OpenAPI', async () => {
    const { DrillSpec, DrillStatus, DrillScheduleSpec, DrillScheduleStatus, FAILOVER_DRILL_CRD, DRILL_SCHEDULE_CRD, TenantDrillSummary } = await import('./crds.js');
    expectTypeOf<Static<typeof DrillSpec>>().toEqualTypeOf<import('../controllers/dr/drill-types.js').DrillSpec>();
    expectTypeOf<Static<typeof DrillStatus>>().toEqualTypeOf<import('../controllers/dr/drill-types.js').DrillStatus>();
    expectTypeOf<Static<typeof DrillScheduleSpec>>().toEqualTypeOf<import('../controllers/dr/drill-types.js').DrillScheduleSpec>();
    expectTypeOf<Static<typeof DrillScheduleStatus>>().toEqualTypeOf<import('../controllers/dr/drill-types.js').DrillScheduleStatus>();
    expectTypeOf<Static<typeof TenantDrillSummary>>().toEqualTypeOf<import('../controllers/dr/drill-types.js').TenantDrillSummary>();
    for (const c of [FAILOVER_DRILL_CRD, DRILL_SCHEDULE_CRD]) {
      const json = JSON.stringify(c);
      expect(json).not.toMatch(/patternProperties|anyOf|const|\$id/);
      expect((c.spec as { scope: string }).scope).toBe('Cluster');
    }
    const phase = (FAILOVER_DRILL_CRD.spec as { versions: Array<{ schema: { openAPIV3Schema: Schema } }> }).versions[0]!.schema.openAPIV3Schema.properties!.status!.properties!.phase!;
    expect(phase.enum).toEqual(['Pending', 'Precheck', 'Restoring', 'Verifying', 'CleaningUp', 'Succeeded', 'PartiallySucceeded', 'Failed', 'Aborted']);
  });
});
