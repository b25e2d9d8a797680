// A finished emergency failover and a validator standing in for resolveFailoverScope, for the
// failover commands' and views' tests.
import type { Failover } from '../../controllers/dr/failover-types.js';
import type { FailoverCheckProblem, FailoverCheckTenant, FailoverValidator } from './failover-api.js';

/** Emergency to remote-dr, 2026-12-02 04:00Z: health-records verified and reprotected with one object in lost+found; gansu-transport failed. */
export const EMERGENCY: Failover = {
  apiVersion: 'longyun.io/v1alpha1',
  kind: 'Failover',
  metadata: { name: 'failover-20261202-040000', creationTimestamp: '2026-12-02T04:00:00Z' },
  spec: { scope: { node: 'gansu-provincial' }, direction: 'failover', to: 'remote-dr', type: 'emergency', requestedBy: 'sre-wang' },
  status: {
    phase: 'Failed',
    startedAt: '2026-12-02T04:00:00.5Z',
    switchedAt: '2026-12-02T04:00:03Z',
    finishedAt: '2026-12-02T04:00:20Z',
    transitions: [
      { phase: 'Pending', at: '2026-12-02T04:00:00Z' },
      { phase: 'Precheck', at: '2026-12-02T04:00:00.5Z' },
      { phase: 'Switching', at: '2026-12-02T04:00:03Z' },
      { phase: 'Promoting', at: '2026-12-02T04:00:04Z' },
      { phase: 'Verifying', at: '2026-12-02T04:00:09Z' },
      { phase: 'Reprotecting', at: '2026-12-02T04:00:15Z' },
      { phase: 'Failed', at: '2026-12-02T04:00:20Z' },
    ],
    rtoScope: 'objects',
    rpoScope: 'objects',
    volumeData: { state: 'NotMeasured', reason: "volume data is Velero's" },
    reason: 'TenantsFailed',
    message: '1 of 2 tenants failed verification',
    tenants: [
      {
        tenant: 'health-records',
        from: 'gansu-provincial',
        to: 'gansu-provincial-remote-dr',
        state: 'Reprotected',
        epochBefore: 1,
        epochAfter: 2,
        recoveryPoint: '2026-12-02T03:59:48Z',
        switchedAt: '2026-12-02T04:00:03Z',
        rtoSeconds: 12.3,
        rpoSeconds: 15,
        rtoTargetSeconds: 14_400,
        rpoTargetSeconds: 900,
        rtoMet: true,
        rpoMet: true,
        lostAndFound: { quarantineNamespace: 'health-records-lost-4f2a9c', objects: [{ object: 'v1/ConfigMap/fees', change: 'changed' }] },
      },
      { tenant: 'gansu-transport', from: 'gansu-provincial', to: 'gansu-provincial-remote-dr', state: 'Failed', message: '1 object differs from the recovery point', epochBefore: 3, epochAfter: 4, rtoSeconds: 75, rpoSeconds: 31, rtoTargetSeconds: 60, rpoTargetSeconds: 900, rtoMet: false, rpoMet: true },
    ],
    totals: { tenants: 2, verified: 1, failed: 1, rolledBack: 0, maxRtoSeconds: 75, maxRpoSeconds: 31 },
  },
};

/** A validator that records what it was asked and answers with `tenants` or `problems`. */
export function fakeValidator(tenants: FailoverCheckTenant[], problems: FailoverCheckProblem[] = []): FailoverValidator & { calls: Parameters<FailoverValidator>[] } {
  const calls: Parameters<FailoverValidator>[] = [];
  const v = ((spec, input) => {
    calls.push([spec, input]);
    return { tenants: problems.length ? [] : tenants, problems };
  }) as FailoverValidator & { calls: Parameters<FailoverValidator>[] };
  v.calls = calls;
  return v;
}
