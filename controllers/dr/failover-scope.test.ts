import { describe, expect, it } from 'vitest';
import { GANSU_DIR } from '../../topology/estate.test-helpers.js';
import { loadEstate } from '../../topology/load.js';
import type { ScopeNode, ScopeTenant } from './drill-scope.js';
import { resolveFailoverScope } from './failover-scope.js';
import type { FailoverSpec } from './failover-types.js';

const estate = loadEstate(GANSU_DIR);
const NOW = new Date('2026-12-02T04:00:00Z');
const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const READY = { conditions: [{ type: 'Ready', status: 'True', reason: 'NodeReady' }] };

const node = (name: string, spec: ScopeNode['spec'] = {}, status: ScopeNode['status'] = READY): ScopeNode => ({ metadata: { name }, spec, status });
const NODES: ScopeNode[] = [
  node('gansu-provincial', { datacentre: 'dc-lanzhou-production' }),
  node('lanzhou-cloud'),
  node('gansu-provincial-same-city-dr', { role: 'standby', datacentre: 'dc-lanzhou-new-area-dr', protects: ['gansu-provincial'] }),
  node('gansu-provincial-remote-dr', { role: 'standby', datacentre: 'dc-qingyang-dr', protects: ['gansu-provincial'] }),
];

/** A tenant at home on gansu-provincial, epoch 3, both copies current and in sync. */
function tenant(name: string, edit: (t: ScopeTenant) => void = () => {}): ScopeTenant {
  const t: ScopeTenant = {
    metadata: { name },
    spec: { dr: { rpoMinutes: 15, rtoMinutes: 240, centres: ['same-city-dr', 'remote-dr'] } },
    status: {
      node: 'gansu-provincial',
      activeNode: 'gansu-provincial',
      epoch: 3,
      phase: 'Ready',
      dr: {
        rpoScope: 'objects',
        rpoSeconds: 900,
        standbys: [
          { centre: 'same-city-dr', node: 'gansu-provincial-same-city-dr', state: 'Current', recoveryPoint: '2026-12-02T03:59:48Z', sourceDigest: A, digest: A },
          { centre: 'remote-dr', node: 'gansu-provincial-remote-dr', state: 'Current', recoveryPoint: '2026-12-02T03:59:30Z', sourceDigest: A, digest: A },
        ],
      },
    },
  };
  edit(t);
  return t;
}
const remote = (t: ScopeTenant) => t.status!.dr!.standbys.find((s) => s.centre === 'remote-dr')!;
/** Failed over to the remote standby (epoch 4); the old production reprotected as its copy in the DR status. */
const away = (name: string, edit: (t: ScopeTenant) => void = () => {}) =>
  tenant(name, (t) => {
    t.status!.activeNode = 'gansu-provincial-remote-dr';
    t.status!.epoch = 4;
    edit(t);
  });

const PLANNED: Pick<FailoverSpec, 'scope' | 'direction' | 'to' | 'type'> = { scope: { tenants: ['health-records'] }, direction: 'failover', to: 'remote-dr', type: 'planned' };
const FAILBACK: Pick<FailoverSpec, 'scope' | 'direction' | 'to' | 'type'> = { scope: { tenants: ['health-records'] }, direction: 'failback', type: 'planned' };
const resolve = (spec: Partial<FailoverSpec>, tenants: ScopeTenant[], extra: { failover?: string; nodes?: ScopeNode[] } = {}) => {
  const { to: _to, ...rest } = PLANNED;
  const base = spec.direction === 'failback' ? FAILBACK : 'to' in spec ? rest : PLANNED;
  return resolveFailoverScope({ ...base, ...spec } as FailoverSpec, { estate, tenants, nodes: extra.nodes ?? NODES, now: NOW, ...(extra.failover ? { failover: extra.failover } : {}) });
};
const messages = (r: ReturnType<typeof resolve>) => r.problems.map((p) => p.message);

describe('resolveFailoverScope: the request', () => {
  it('resolves a planned failover: from the active node to the standby of the centre, production\'s digest, the epoch', () => {
    const r = resolve({ scope: { tenants: ['health-records', 'archives'] } }, [tenant('health-records'), tenant('archives', (t) => delete t.status!.epoch)]);
    expect(r.problems).toEqual([]);
    expect(r.tenants).toEqual([
      { tenant: 'archives', from: 'gansu-provincial', to: 'gansu-provincial-remote-dr', direction: 'failover', expectedDigest: A, rtoTargetSeconds: 14_400, rpoTargetSeconds: 900, epoch: 1 },
      { tenant: 'health-records', from: 'gansu-provincial', to: 'gansu-provincial-remote-dr', direction: 'failover', expectedDigest: A, rtoTargetSeconds: 14_400, rpoTargetSeconds: 900, epoch: 3 },
    ]);
  });

  it('resolves an emergency failover from the copy\'s recovery point and digest, production unreachable', () => {
    const down = tenant('health-records', (t) => Object.assign(remote(t), { state: 'SourceUnreachable', digest: B, sourceDigest: A, recoveryPoint: '2026-12-02T03:20:00Z' }));
    const r = resolve({ type: 'emergency' }, [down]);
    expect(r.problems).toEqual([]);
    expect(r.tenants[0]).toMatchObject({ from: 'gansu-provincial', to: 'gansu-provincial-remote-dr', recoveryPoint: '2026-12-02T03:20:00Z', expectedDigest: B, epoch: 3 });
  });

  it('checks direction, type and to agree', () => {
    expect(resolve({ to: 'remote' as never }, []).problems).toEqual([{ field: 'spec.to', message: 'unknown DR centre "remote" (did you mean "remote-dr"?): a failover moves to "same-city-dr", "remote-dr"' }]);
    expect(resolve({ to: undefined }, []).problems).toEqual([{ field: 'spec.to', message: 'a failover names the DR centre to move to: give --to same-city-dr or --to remote-dr' }]);
    expect(resolve({ type: 'plannd' as never }, []).problems[0]).toEqual({ field: 'spec.type', message: expect.stringContaining('unknown failover type "plannd" (did you mean "planned"?)') });
    expect(resolve({ direction: 'failback', to: 'remote-dr', type: 'emergency' }, []).problems.map((p) => p.field)).toEqual(['spec.to', 'spec.type']);
    expect(resolve({ direction: 'failback', type: 'emergency' }, []).problems[0]!.message).toContain('a failback is always planned');
    expect(resolve({ direction: 'sideways' as never }, []).problems[0]!.field).toBe('spec.direction');
  });

  it('refuses a scope with not exactly one of tenants, node and centre, and names unknown ones with the closest name', () => {
    expect(resolve({ scope: {} }, []).problems).toEqual([{ field: 'spec.scope', message: expect.stringContaining("a failover's scope names exactly one of tenants, node or centre, but this one names none") }]);
    expect(resolve({ direction: 'failback', scope: { node: 'a', centre: 'b' } }, []).problems[0]!.message).toContain("a failback's scope names exactly one of tenants, node or centre, but this one names node and centre");
    expect(resolve({ scope: { tenants: ['health-record'] } }, [tenant('health-records')]).problems).toEqual([
      { tenant: 'health-record', field: 'spec.scope.tenants[0]', message: 'tenant "health-record" not found (did you mean "health-records"?): "longyun dr status" lists the tenants with a DR plan' },
    ]);
    expect(messages(resolve({ scope: { node: 'gansu-provincal' } }, []))).toEqual(['cloud node "gansu-provincal" not found (did you mean "gansu-provincial"?): "longyun node list" lists the onboarded nodes']);
    expect(messages(resolve({ scope: { centre: 'dc-lanzhou-prod' } }, []))[0]).toContain('data centre "dc-lanzhou-prod" not found in estate "gansu" (did you mean "dc-lanzhou-production"?)');
  });
});

describe('resolveFailoverScope: failover', () => {
  it('a node or centre covers the tenants active there whose plan names the centre; one away from home there must fail back first', () => {
    const local = tenant('local', (t) => (t.spec.dr!.centres = ['same-city-dr']));
    const ts = [tenant('health-records'), local, away('moved')];
    expect(resolve({ scope: { node: 'gansu-provincial' } }, ts).tenants.map((t) => t.tenant)).toEqual(['health-records']);
    expect(resolve({ scope: { centre: 'production' }, to: 'same-city-dr' }, ts).tenants.map((t) => t.tenant)).toEqual(['health-records', 'local']);
    const onStandby = resolve({ scope: { node: 'gansu-provincial-remote-dr' }, to: 'same-city-dr' }, ts);
    expect(onStandby.tenants).toEqual([]);
    expect(onStandby.problems).toEqual([
      {
        tenant: 'moved',
        field: 'status.activeNode',
        message: 'tenant "moved" is active on "gansu-provincial-remote-dr", away from its home "gansu-provincial" (status.activeNode ≠ status.node): fail it back first ("longyun dr failback --tenant moved"), then fail it over',
      },
    ]);
    expect(messages(resolve({ scope: { centre: 'production' } }, [local]))).toEqual([
      'no tenant on centre "dc-lanzhou-production" has a DR plan naming remote-dr (those with a plan: local): fail over --to same-city-dr, or add remote-dr to their spec.dr.centres',
    ]);
    expect(messages(resolve({ scope: { node: 'lanzhou-cloud' } }, [{ metadata: { name: 'roads' }, spec: {}, status: { node: 'lanzhou-cloud' } }]))[0]).toContain('there is nothing to fail over');
  });

  it('names a tenant without a plan or whose plan does not name the centre', () => {
    const r = resolve({ scope: { tenants: ['roads', 'local'] } }, [{ metadata: { name: 'roads' }, spec: {}, status: { node: 'lanzhou-cloud' } }, tenant('local', (t) => (t.spec.dr!.centres = ['same-city-dr']))]);
    expect(r.problems).toEqual([
      { tenant: 'roads', field: 'spec.scope.tenants[0]', message: 'tenant "roads" has no DR plan (spec.dr): give it one (rpoMinutes, rtoMinutes, centres) or leave it out of the failover' },
      { tenant: 'local', field: 'spec.dr.centres', message: 'tenant "local"\'s DR plan names same-city-dr only (spec.dr.centres), not remote-dr: fail it over --to same-city-dr, or add remote-dr to its spec.dr.centres' },
    ]);
  });

  it('refuses no standby (NoStandby, with or without a copy reported), NoRoom, and a standby not onboarded', () => {
    const none = tenant('a', (t) => Object.assign(remote(t), { state: 'NoStandby', node: undefined, message: 'no onboarded standby in remote-dr protects gansu-provincial' }));
    const full = tenant('b', (t) => Object.assign(remote(t), { state: 'NoRoom', message: 'needs 32 cpu, 8 free' }));
    const unreported = tenant('c', (t) => (t.status!.dr!.standbys = t.status!.dr!.standbys.filter((s) => s.centre !== 'remote-dr')));
    const r = resolve({ scope: { tenants: ['a', 'b', 'c'] } }, [none, full, unreported]);
    expect(messages(r)).toEqual([
      'tenant "a" has no standby in remote-dr (NoStandby: no onboarded standby in remote-dr protects gansu-provincial): onboard a standby cloud in that centre whose protects lists gansu-provincial, or fail over --to same-city-dr',
      'standby "gansu-provincial-remote-dr" in remote-dr has no room for tenant "b" (NoRoom: needs 32 cpu, 8 free): raise the standby\'s capacity, or fail over --to same-city-dr',
      'tenant "c" has no standby copy in remote-dr reported yet (status.dr): wait until "longyun dr status c" shows remote-dr Current (is "longyun operator run" running?)',
    ]);
    expect(r.problems[2]!.transient).toBe(true);
    const withoutStandby = NODES.filter((n) => n.metadata.name !== 'gansu-provincial-remote-dr');
    expect(messages(resolve({ scope: { tenants: ['c'] } }, [unreported], { nodes: withoutStandby }))[0]).toContain('tenant "c" has no standby in remote-dr (NoStandby: no onboarded standby there protects gansu-provincial)');
    const offboarding = NODES.map((n) => (n.metadata.name === 'gansu-provincial-remote-dr' ? { ...n, metadata: { ...n.metadata, deletionTimestamp: '2026-12-02T03:00:00Z' } } : n));
    expect(messages(resolve({}, [tenant('health-records')], { nodes: offboarding }))[0]).toContain('is being offboarded');
  });

  it('planned: the copy must be Current and in sync, else wait or go --emergency (transient)', () => {
    const unreachable = tenant('a', (t) => Object.assign(remote(t), { state: 'SourceUnreachable', message: 'gansu-provincial does not answer' }));
    const differs = tenant('b', (t) => (remote(t).digest = B));
    const r = resolve({ scope: { tenants: ['a', 'b'] } }, [unreachable, differs]);
    expect(r.problems).toEqual([
      {
        tenant: 'a',
        field: 'status.dr.standbys[remote-dr]',
        transient: true,
        message:
          'tenant "a"\'s copy on "gansu-provincial-remote-dr" is SourceUnreachable, not Current (gansu-provincial does not answer): a planned failover needs production answering and the copy current; wait until "longyun dr status a" shows remote-dr Current, or, if gansu-provincial is down, fail over --emergency',
      },
      {
        tenant: 'b',
        field: 'status.dr.standbys[remote-dr]',
        transient: true,
        message: 'tenant "b"\'s copy on "gansu-provincial-remote-dr" is not in sync: its digest differs from production\'s (status.dr digest, sourceDigest): wait until "longyun dr status b" shows ✓ for remote-dr, or fail over --emergency',
      },
    ]);
    // A copy beyond the RPO is no obstacle to a planned failover: the final sync makes it equal.
    expect(resolve({}, [tenant('health-records', (t) => (remote(t).recoveryPoint = '2026-12-02T01:00:00Z'))]).problems).toEqual([]);
  });

  it('emergency: the copy needs a recovery point and a standby that answers; beyond the RPO it still goes', () => {
    const never = tenant('a', (t) => Object.assign(remote(t), { state: 'Copying', recoveryPoint: undefined, digest: undefined }));
    const standbyDown = tenant('b', (t) => Object.assign(remote(t), { state: 'StandbyUnreachable' }));
    const old = tenant('c', (t) => Object.assign(remote(t), { state: 'SourceUnreachable', recoveryPoint: '2026-12-02T01:00:00Z' }));
    const r = resolve({ scope: { tenants: ['a', 'b', 'c'] }, type: 'emergency' }, [never, standbyDown, old]);
    expect(r.tenants.map((t) => t.tenant)).toEqual(['c']);
    expect(r.problems).toEqual([
      { tenant: 'a', field: 'status.dr.standbys[remote-dr]', message: expect.stringContaining('has no recovery point (status.dr recoveryPoint, digest): no complete copy was ever made, so there is nothing to promote') },
      { tenant: 'b', field: 'status.dr.standbys[remote-dr]', transient: true, message: expect.stringContaining('does not answer (StandbyUnreachable): its copy cannot be promoted') },
    ]);
  });
});

describe('resolveFailoverScope: failback', () => {
  it('resolves a tenant away from home back to its home, with the copy on home\'s digest when reported', () => {
    const r = resolve(FAILBACK, [away('health-records')]);
    expect(r.problems).toEqual([]);
    expect(r.tenants).toEqual([{ tenant: 'health-records', from: 'gansu-provincial-remote-dr', to: 'gansu-provincial', direction: 'failback', rtoTargetSeconds: 14_400, rpoTargetSeconds: 900, epoch: 4 }]);
    const reprotected = away('health-records', (t) => t.status!.dr!.standbys.push({ centre: 'same-city-dr', node: 'gansu-provincial', state: 'Current', sourceDigest: B, digest: B }));
    expect(resolve(FAILBACK, [reprotected]).tenants[0]!.expectedDigest).toBe(B);
    const behind = away('health-records', (t) => t.status!.dr!.standbys.push({ centre: 'same-city-dr', node: 'gansu-provincial', state: 'Copying', sourceDigest: B, digest: A }));
    expect(resolve(FAILBACK, [behind]).problems).toEqual([{ tenant: 'health-records', field: 'status.dr.standbys[same-city-dr]', transient: true, message: expect.stringContaining('copy on its home "gansu-provincial" is Copying, not Current') }]);
  });

  it('refuses a tenant already home with a clear error', () => {
    expect(resolve(FAILBACK, [tenant('health-records')]).problems).toEqual([
      {
        tenant: 'health-records',
        field: 'status.activeNode',
        message: 'tenant "health-records" is already home: active on its home "gansu-provincial" (status.activeNode = status.node), so there is nothing to fail back; "longyun dr status health-records" shows it',
      },
    ]);
  });

  it('refuses when the home is gone, being offboarded or not Ready', () => {
    const without = NODES.filter((n) => n.metadata.name !== 'gansu-provincial');
    expect(messages(resolve(FAILBACK, [away('health-records')], { nodes: without }))[0]).toBe(
      'tenant "health-records"\'s home "gansu-provincial" is not an onboarded cloud node any more: a failback needs it; onboard it again ("longyun node list" lists the nodes)',
    );
    const notReady = NODES.map((n) => (n.metadata.name === 'gansu-provincial' ? { ...n, status: { conditions: [{ type: 'Ready', status: 'False', reason: 'Unreachable', message: 'connection refused' }] } } : n));
    expect(messages(resolve(FAILBACK, [away('health-records')], { nodes: notReady }))[0]).toBe(
      'tenant "health-records"\'s home "gansu-provincial" is not Ready (Ready is False (Unreachable: connection refused)): a failback needs it answering; wait until "longyun node list" shows it Ready',
    );
    const noStatus = NODES.map((n) => (n.metadata.name === 'gansu-provincial' ? { metadata: n.metadata, spec: n.spec } : n));
    expect(messages(resolve(FAILBACK, [away('health-records')], { nodes: noStatus }))[0]).toContain('is not Ready (no Ready condition yet)');
    const leaving = NODES.map((n) => (n.metadata.name === 'gansu-provincial' ? { ...n, metadata: { ...n.metadata, deletionTimestamp: '2026-12-02T03:00:00Z' } } : n));
    expect(messages(resolve(FAILBACK, [away('health-records')], { nodes: leaving }))[0]).toContain('is being offboarded');
  });

  it('a node or centre covers the tenants away from home whose home or active node is there', () => {
    const ts = [away('a'), tenant('home'), away('b', (t) => (t.status!.activeNode = 'gansu-provincial-same-city-dr'))];
    expect(resolve({ direction: 'failback', scope: { node: 'gansu-provincial' } }, ts).tenants.map((t) => [t.tenant, t.from, t.to])).toEqual([
      ['a', 'gansu-provincial-remote-dr', 'gansu-provincial'],
      ['b', 'gansu-provincial-same-city-dr', 'gansu-provincial'],
    ]);
    expect(resolve({ direction: 'failback', scope: { node: 'gansu-provincial-remote-dr' } }, ts).tenants.map((t) => t.tenant)).toEqual(['a']);
    expect(resolve({ direction: 'failback', scope: { centre: 'production' } }, ts).tenants.map((t) => t.tenant)).toEqual(['a', 'b']);
    expect(resolve({ direction: 'failback', scope: { centre: 'dc-lanzhou-new-area-dr' } }, ts).tenants.map((t) => t.tenant)).toEqual(['b']);
    expect(messages(resolve({ direction: 'failback', scope: { node: 'gansu-provincial' } }, [tenant('home')]))).toEqual([
      'no tenant of node "gansu-provincial" is away from home (those with a DR plan: home are all active on their home node): there is nothing to fail back; "longyun dr status" shows home and active node',
    ]);
  });
});

describe('resolveFailoverScope: tenants not free to move', () => {
  it('refuses a tenant busy in a drill or another failover, naming it; the asking failover\'s own claim is no conflict', () => {
    const drilling = tenant('health-records', (t) => (t.status!.operation = { kind: 'FailoverDrill', name: 'drill-1', since: '2026-12-02T03:58:00Z' }));
    expect(resolve({}, [drilling]).problems).toEqual([
      { tenant: 'health-records', field: 'status.operation', message: 'tenant health-records is in FailoverDrill drill-1 since 2026-12-02T03:58:00Z: wait for it, or `longyun dr drill abort drill-1`' },
    ]);
    expect(resolve({}, [drilling], { failover: 'drill-1' }).problems).toHaveLength(1);
    const failing = away('health-records', (t) => (t.status!.operation = { kind: 'Failover', name: 'fo-1', since: '2026-12-02T03:58:00Z' }));
    expect(messages(resolve(FAILBACK, [failing]))).toEqual([
      'tenant health-records is in Failover fo-1 since 2026-12-02T03:58:00Z: wait for it to finish ("longyun dr failover get fo-1"; before its switch `longyun dr failover abort fo-1` rolls it back)',
    ]);
    expect(resolve(FAILBACK, [failing], { failover: 'fo-1' }).problems).toEqual([]);
  });

  it('refuses tenants being deleted or not placed', () => {
    const unplaced = tenant('new', (t) => (t.status = { phase: 'Provisioning' }));
    const deleting = tenant('old', (t) => (t.metadata.deletionTimestamp = '2026-12-02T03:00:00Z'));
    for (const spec of [{}, { direction: 'failback' as const }]) {
      const r = resolve({ ...spec, scope: { tenants: ['new', 'old'] } }, [unplaced, deleting]);
      expect(r.problems.map((p) => [p.tenant, p.field])).toEqual([
        ['new', 'status.node'],
        ['old', 'metadata.deletionTimestamp'],
      ]);
      expect(r.problems[0]!.message).toBe('tenant "new" is not placed yet (status.node is empty, phase Provisioning): wait until "longyun tenant get new" shows it Ready');
    }
  });

  it('reports every problem at once, across tenants, and resolves the rest', () => {
    const r = resolve({ scope: { tenants: ['missing', 'moved', 'ok'] } }, [away('moved'), tenant('ok')]);
    expect(r.problems.map((p) => p.tenant)).toEqual(['missing', 'moved']);
    expect(r.tenants.map((t) => t.tenant)).toEqual(['ok']);
  });
});
