import { describe, expect, it } from 'vitest';
import { distribution, phaseSeconds, summarizeDrill } from './dr-drill.js';
import type { DrillTenantStatus, FailoverDrill } from '../controllers/dr/drill-types.js';

const tenant = (name: string, over: Partial<DrillTenantStatus>): DrillTenantStatus => ({ tenant: name, state: 'Verified', rtoTargetSeconds: 60, rpoTargetSeconds: 900, ...over });

describe('bench/dr-drill', () => {
  it('takes nearest-rank percentiles', () => {
    expect(distribution([])).toBeNull();
    expect(distribution([5])).toEqual({ p50: 5, p90: 5, p99: 5, max: 5 });
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(distribution(hundred)).toEqual({ p50: 50, p90: 90, p99: 99, max: 100 });
  });

  it('summarizes a drill: phases, verified and failed, RTO spread, the failures', () => {
    const d: FailoverDrill = {
      apiVersion: 'longyun.io/v1alpha1',
      kind: 'FailoverDrill',
      metadata: { name: 'b' },
      spec: { scope: { centre: 'production' }, to: 'same-city-dr' },
      status: {
        phase: 'PartiallySucceeded',
        transitions: [
          { phase: 'Pending', at: '2026-12-02T06:00:00.000Z' },
          { phase: 'Precheck', at: '2026-12-02T06:00:00.500Z' },
          { phase: 'Restoring', at: '2026-12-02T06:00:01.000Z' },
          { phase: 'Verifying', at: '2026-12-02T06:00:31.250Z' },
          { phase: 'CleaningUp', at: '2026-12-02T06:00:41.000Z' },
          { phase: 'PartiallySucceeded', at: '2026-12-02T06:00:50.000Z' },
        ],
        tenants: [tenant('a', { rtoSeconds: 35, rpoSeconds: 3, rtoMet: true }), tenant('b', { rtoSeconds: 40, rpoSeconds: 4, rtoMet: true }), tenant('c', { state: 'Failed', message: 'standby copy behind' })],
      },
    };
    expect(phaseSeconds(d)).toEqual({ Pending: 0.5, Precheck: 0.5, Restoring: 30.25, Verifying: 9.75, CleaningUp: 9 });
    const s = summarizeDrill(d, 51.2);
    expect(s).toMatchObject({ seconds: 51.2, phase: 'PartiallySucceeded', tenants: 3, verified: 2, failed: 1, rtoTargetMet: 2, failures: ['c: standby copy behind'] });
    expect(s.rtoSeconds).toEqual({ p50: 35, p90: 40, p99: 40, max: 40 });
  });
});
