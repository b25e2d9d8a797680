// A tenant with a DR plan as the DR controller reports it, for the tests of what SREs see.
import type { DrTenant } from './status.js';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

/** Same-city current and in sync at 2026-12-02T04:00:00Z; remote 40 minutes behind, its source unreachable, one object not copied. */
export const HEALTH: DrTenant = {
  metadata: { name: 'health-records' },
  spec: { dr: { rpoMinutes: 15, centres: ['same-city-dr', 'remote-dr'] } },
  status: {
    node: 'gansu-provincial',
    activeNode: 'gansu-provincial',
    epoch: 1,
    dr: {
      rpoScope: 'objects',
      rpoSeconds: 900,
      standbys: [
        {
          centre: 'remote-dr',
          node: 'gansu-provincial-remote-dr',
          state: 'SourceUnreachable',
          message: 'gansu-provincial does not answer',
          recoveryPoint: '2026-12-02T03:20:00Z',
          sourceDigest: A,
          digest: B,
          objects: 20,
          notCopied: [{ apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', reason: 'no CRD on the standby' }],
        },
        { centre: 'same-city-dr', node: 'gansu-provincial-same-city-dr', state: 'Current', recoveryPoint: '2026-12-02T03:59:48Z', sourceDigest: A, digest: A, objects: 21 },
      ],
    },
  },
};
