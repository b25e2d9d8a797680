import { describe, expect, it } from 'vitest';
import { digestMatch, drObservations, drTenantRow, humanDuration, lagSeconds, rpoText, withinRpo, type DrTenant } from './status.js';

const NOW = new Date('2026-12-02T04:00:00Z');
const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

const tenant: DrTenant = {
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
        { centre: 'same-city-dr', node: 'gansu-provincial-same-city-dr', state: 'Current', recoveryPoint: '2026-12-02T03:59:48Z', sourceDigest: A, digest: A, objects: 21 },
        {
          centre: 'remote-dr',
          node: 'gansu-provincial-remote-dr',
          state: 'SourceUnreachable',
          message: 'gansu-provincial does not answer',
          recoveryPoint: '2026-12-02T03:20:00Z',
          sourceDigest: A,
          digest: B,
          objects: 20,
          notCopied: [{ apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', reason: 'no CRD widgets.example.com on the standby' }],
        },
      ],
    },
  },
};

describe('lag and RPO', () => {
  it('lag is now minus the recovery point, never negative, none without a recovery point', () => {
    expect(lagSeconds({ recoveryPoint: '2026-12-02T03:59:48Z' }, NOW)).toBe(12);
    expect(lagSeconds({ recoveryPoint: '2026-12-02T04:00:03Z' }, NOW)).toBe(0);
    expect(lagSeconds({}, NOW)).toBeUndefined();
    expect(lagSeconds({ recoveryPoint: 'yesterday' }, NOW)).toBeUndefined();
  });

  it('a copy is within the RPO when its lag is at most the target; without a recovery point it is not', () => {
    expect(withinRpo({ recoveryPoint: '2026-12-02T03:45:00Z' }, 900, NOW)).toBe(true);
    expect(withinRpo({ recoveryPoint: '2026-12-02T03:44:59Z' }, 900, NOW)).toBe(false);
    expect(withinRpo({}, 900, NOW)).toBe(false);
  });

  it('digests match only when both are known and equal', () => {
    expect(digestMatch({ digest: A, sourceDigest: A })).toBe('match');
    expect(digestMatch({ digest: B, sourceDigest: A })).toBe('mismatch');
    expect(digestMatch({ sourceDigest: A })).toBe('unknown');
  });

  it('durations read in the two largest units', () => {
    expect([0, 42, 185, 7620, 3 * 86_400 + 4 * 3600 + 5].map(humanDuration)).toEqual(['0s', '42s', '3m 05s', '2h 07m', '3d 04h']);
    expect([900, 3600, 5400, 86_400, 0].map(rpoText)).toEqual(['15m', '1h', '90m', '24h', '0s']);
  });
});

describe('drTenantRow', () => {
  it('gives home, active node, epoch, RPO and per centre lag, RPO verdict, digest match and state', () => {
    const row = drTenantRow(tenant, NOW);
    expect(row).toMatchObject({ tenant: 'health-records', home: 'gansu-provincial', activeNode: 'gansu-provincial', epoch: 1, rpoSeconds: 900, hasDrPlan: true, reported: true });
    expect(row.standbys.map((s) => [s.centre, s.lagSeconds, s.withinRpo, s.digestMatch, s.state, s.notCopied])).toEqual([
      ['same-city-dr', 12, true, 'match', 'Current', 0],
      ['remote-dr', 2400, false, 'mismatch', 'SourceUnreachable', 1],
    ]);
    expect(row.standbys[1]!.status).toBe(tenant.status!.dr!.standbys[1]);
  });

  it('shows the plan\'s centres and RPO before the operator has reported, and no plan as none', () => {
    const unreported = drTenantRow({ ...tenant, status: { node: 'gansu-provincial' } }, NOW);
    expect(unreported).toMatchObject({ rpoSeconds: 900, hasDrPlan: true, reported: false });
    expect(unreported.standbys.map((s) => [s.centre, s.state, s.withinRpo])).toEqual([
      ['same-city-dr', undefined, false],
      ['remote-dr', undefined, false],
    ]);
    expect(drTenantRow({ metadata: { name: 'x' }, spec: {} }, NOW)).toMatchObject({ hasDrPlan: false, rpoSeconds: undefined, standbys: [] });
  });
});

describe('drObservations', () => {
  it('one per standby copy of every tenant with a DR status, recovery point as a Date', () => {
    const noStandby: DrTenant = { metadata: { name: 'b' }, spec: {}, status: { dr: { rpoScope: 'objects', rpoSeconds: 60, standbys: [{ centre: 'remote-dr', state: 'NoStandby' }] } } };
    expect(drObservations([tenant, noStandby, { metadata: { name: 'c' }, spec: {} }])).toEqual([
      { tenant: 'health-records', centre: 'same-city-dr', node: 'gansu-provincial-same-city-dr', recoveryPoint: new Date('2026-12-02T03:59:48Z'), rpoSeconds: 900, inSync: true, objects: 21 },
      { tenant: 'health-records', centre: 'remote-dr', node: 'gansu-provincial-remote-dr', recoveryPoint: new Date('2026-12-02T03:20:00Z'), rpoSeconds: 900, inSync: false, objects: 20 },
      { tenant: 'b', centre: 'remote-dr', rpoSeconds: 60, inSync: false },
    ]);
  });
});
