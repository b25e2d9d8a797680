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

describe('the Failover CRD', () => {
  it('is the shape of controllers/dr/failover-types.ts, as structural OpenAPI', async () => {
    const { FailoverSpec, FailoverStatus, FailoverTenantStatus, FAILOVER_CRD, CRDS, TenantFailoverSummary, TenantFailovers, LostAndFoundRecord } = await import('./crds.js');
    type Types = typeof import('../controllers/dr/failover-types.js');
    expectTypeOf<Static<typeof FailoverSpec>>().toEqualTypeOf<import('../controllers/dr/failover-types.js').FailoverSpec>();
    expectTypeOf<Static<typeof FailoverStatus>>().toEqualTypeOf<import('../controllers/dr/failover-types.js').FailoverStatus>();
    expectTypeOf<Static<typeof FailoverTenantStatus>>().toEqualTypeOf<import('../controllers/dr/failover-types.js').FailoverTenantStatus>();
    expectTypeOf<Static<typeof TenantFailoverSummary>>().toEqualTypeOf<import('../controllers/dr/failover-types.js').TenantFailoverSummary>();
    expectTypeOf<Static<typeof TenantFailovers>>().toEqualTypeOf<import('../controllers/dr/failover-types.js').TenantFailovers>();
    expectTypeOf<Static<typeof LostAndFoundRecord>>().toEqualTypeOf<import('../controllers/dr/failover-types.js').LostAndFoundRecord>();
    expectTypeOf<Types['FAILOVER_PHASES'][number]>().toEqualTypeOf<NonNullable<Static<typeof FailoverStatus>['phase']>>();
    expect(CRDS).toContain(FAILOVER_CRD);
    const spec = FAILOVER_CRD.spec as { scope: string; names: { plural: string; shortNames: string[]; kind: string }; versions: Array<{ subresources: unknown; additionalPrinterColumns: Array<{ name: string; jsonPath: string }>; schema: { openAPIV3Schema: Schema } }> };
    expect(spec.scope).toBe('Cluster');
    expect(spec.names).toMatchObject({ kind: 'Failover', plural: 'failovers', shortNames: ['fo'] });
    expect(FAILOVER_CRD.metadata).toMatchObject({ name: 'failovers.longyun.io' });
    const v = spec.versions[0]!;
    expect(v.subresources).toEqual({ status: {} });
    expect(v.additionalPrinterColumns.map((c) => [c.name, c.jsonPath])).toEqual([
      ['Phase', '.status.phase'],
      ['Direction', '.spec.direction'],
      ['Type', '.spec.type'],
      ['Tenants', '.status.totals.tenants'],
      ['Started', '.status.startedAt'],
      ['Age', '.metadata.creationTimestamp'],
    ]);
    const root = v.schema.openAPIV3Schema.properties!;
    expect(root.spec!.required).toEqual(['scope', 'direction', 'type']);
    expect(root.spec!.properties!.type!.enum).toEqual(['planned', 'emergency']);
    expect(root.spec!.properties!.to!.enum).toEqual(['same-city-dr', 'remote-dr']);
    expect(root.status!.properties!.phase!.enum).toEqual(['Pending', 'Precheck', 'Fencing', 'FinalSync', 'Switching', 'Promoting', 'Verifying', 'Reprotecting', 'Succeeded', 'Failed', 'RolledBack']);
    expect(root.status!.properties!.tenants!.items!.properties!.state!.enum).toEqual(['Pending', 'Fenced', 'Synced', 'Switched', 'Promoted', 'Verified', 'Reprotected', 'Failed', 'RolledBack']);
    expect(JSON.stringify(FAILOVER_CRD)).not.toMatch(/patternProperties|anyOf|const|\$id/);
  });

  it('gives the Tenant status its failovers and lost+found, typed as the controllers\' TenantStatus', () => {
    expectTypeOf<TenantStatusType['failovers']>().toEqualTypeOf<import('../controllers/dr/failover-types.js').TenantFailovers | undefined>();
    expectTypeOf<TenantStatusType['lostAndFound']>().toEqualTypeOf<import('../controllers/dr/failover-types.js').LostAndFoundRecord[] | undefined>();
    const status = statusSchema();
    expect(Object.keys(status.properties!.failovers!.properties!)).toEqual(['lastFailover', 'lastFailback']);
    expect(status.properties!.failovers!.properties!.lastFailback!.required).toEqual(['name', 'at', 'from', 'to', 'type', 'phase']);
    const record = status.properties!.lostAndFound!.items!;
    // No quarantine namespace when nothing was lost (never an empty string: a merge patch of a custom resource takes "" for null).
    expect(record.required).toEqual(['failover', 'at', 'node', 'recoveryPoint', 'objects']);
    expect(record.properties!.quarantineNamespace!.type).toBe('string');
    expect(record.properties!.objects!.items!.properties!.change!.enum).toEqual(['changed', 'added', 'deleted']);
  });
});
