import { describe, expect, it } from 'vitest';
import { GANSU_DIR } from '../../topology/estate.test-helpers.js';
import { loadEstate } from '../../topology/load.js';
import { resolveDrillScope, type ScopeNode, type ScopeTenant } from './drill-scope.js';
import type { DrillSpec } from './drill-types.js';

const estate = loadEstate(GANSU_DIR);
const NOW = new Date('2026-12-02T04:00:00Z');
const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

const node = (name: string, spec: ScopeNode['spec'] = {}): ScopeNode => ({ metadata: { name }, spec });
const NODES: ScopeNode[] = [
  node('gansu-provincial', { datacentre: 'dc-lanzhou-production' }),
  node('lanzhou-cloud'),
  node('gansu-provincial-same-city-dr', { role: 'standby', datacentre: 'dc-lanzhou-new-area-dr', protects: ['gansu-provincial'] }),
  node('gansu-provincial-remote-dr', { role: 'standby', datacentre: 'dc-qingyang-dr', protects: ['gansu-provincial'] }),
];

/** A tenant on gansu-provincial with both copies current, in sync and 12 s behind. */
function tenant(name: string, edit: (t: ScopeTenant) => void = () => {}): ScopeTenant {
  const t: ScopeTenant = {
    metadata: { name },
    spec: { dr: { rpoMinutes: 15, rtoMinutes: 240, centres: ['same-city-dr', 'remote-dr'] } },
    status: {
      node: 'gansu-provincial',
      activeNode: 'gansu-provincial',
      phase: 'Ready',
      dr: {
        rpoScope: 'objects',
        rpoSeconds: 900,
        standbys: [
          { centre: 'same-city-dr', node: 'gansu-provincial-same-city-dr', state: 'Current', recoveryPoint: '2026-12-02T03:59:48Z', sourceDigest: A, digest: A, objectDigests: { 'v1/ConfigMap/a': A } },
          { centre: 'remote-dr', node: 'gansu-provincial-remote-dr', state: 'Current', recoveryPoint: '2026-12-02T03:59:30Z', sourceDigest: A, digest: A, objectDigests: { 'v1/ConfigMap/a': A } },
        ],
      },
    },
  };
  edit(t);
  return t;
}
const remote = (t: ScopeTenant) => t.status!.dr!.standbys.find((s) => s.centre === 'remote-dr')!;
const ROADS: ScopeTenant = { metadata: { name: 'roads' }, spec: {}, status: { node: 'lanzhou-cloud', phase: 'Ready' } };

const resolve = (spec: Pick<DrillSpec, 'scope' | 'to'>, tenants: ScopeTenant[], extra: { drill?: string; nodes?: ScopeNode[] } = {}) =>
  resolveDrillScope(spec, { estate, tenants, nodes: extra.nodes ?? NODES, now: NOW, ...(extra.drill ? { drill: extra.drill } : {}) });

describe('resolveDrillScope', () => {
  it('resolves named tenants in name order, with the standby copy of the target centre and the plan\'s targets', () => {
    const r = resolve({ scope: { tenants: ['health-records', 'archives', 'health-records'] }, to: 'remote-dr' }, [tenant('health-records'), tenant('archives'), ROADS]);
    expect(r.problems).toEqual([]);
    expect(r.tenants.map((t) => t.tenant)).toEqual(['archives', 'health-records']);
    expect(r.tenants[1]).toEqual({
      tenant: 'health-records',
      source: 'gansu-provincial',
      standby: 'gansu-provincial-remote-dr',
      rtoTargetSeconds: 14_400,
      rpoTargetSeconds: 900,
      recoveryPoint: '2026-12-02T03:59:30Z',
      expectedDigest: A,
      objectDigests: { 'v1/ConfigMap/a': A },
    });
  });

  it('a node or a centre covers the tenants whose active node is there and whose plan names the target centre', () => {
    const failedOver = tenant('moved', (t) => (t.status!.activeNode = 'lanzhou-cloud'));
    const sameCityOnly = tenant('local', (t) => (t.spec.dr!.centres = ['same-city-dr']));
    const tenants = [tenant('health-records'), failedOver, sameCityOnly, ROADS];
    const byNode = resolve({ scope: { node: 'gansu-provincial' }, to: 'remote-dr' }, tenants);
    expect(byNode).toMatchObject({ problems: [], tenants: [{ tenant: 'health-records' }] });
    for (const centre of ['production', 'dc-lanzhou-production']) {
      expect(resolve({ scope: { centre }, to: 'remote-dr' }, tenants).tenants.map((t) => t.tenant)).toEqual(['health-records']);
    }
    expect(resolve({ scope: { centre: 'production' }, to: 'same-city-dr' }, tenants).tenants.map((t) => t.tenant)).toEqual(['health-records', 'local']);
  });

  it('refuses a scope with not exactly one of tenants, node and centre', () => {
    expect(resolve({ scope: {}, to: 'remote-dr' }, []).problems).toEqual([{ field: 'spec.scope', message: expect.stringContaining('names none: give tenants (--tenant, repeatable), one node (--node) or one centre (--centre)') }]);
    expect(resolve({ scope: { tenants: ['a'], node: 'b' }, to: 'remote-dr' }, []).problems[0]!.message).toContain('names tenants and node');
    expect(resolve({ scope: { tenants: [] }, to: 'remote-dr' }, []).problems[0]!.field).toBe('spec.scope');
  });

  it('names unknown tenants, nodes, centres and target centres with the closest name', () => {
    const r = resolve({ scope: { tenants: ['health-record', 'nope-at-all'] }, to: 'remote-dr' }, [tenant('health-records')]);
    expect(r.problems).toEqual([
      { tenant: 'health-record', field: 'spec.scope.tenants[0]', message: 'tenant "health-record" not found (did you mean "health-records"?): "longyun dr status" lists the tenants with a DR plan' },
      { tenant: 'nope-at-all', field: 'spec.scope.tenants[1]', message: expect.stringMatching(/^tenant "nope-at-all" not found: /) },
    ]);
    expect(resolve({ scope: { node: 'gansu-provincal' }, to: 'remote-dr' }, []).problems).toEqual([
      { field: 'spec.scope.node', message: 'cloud node "gansu-provincal" not found (did you mean "gansu-provincial"?): "longyun node list" lists the onboarded nodes' },
    ]);
    expect(resolve({ scope: { centre: 'dc-lanzhou-prod' }, to: 'remote-dr' }, []).problems[0]).toEqual({
      field: 'spec.scope.centre',
      message:
        'data centre "dc-lanzhou-prod" not found in estate "gansu" (did you mean "dc-lanzhou-production"?): name one of "dc-lanzhou-new-area-dr", "dc-lanzhou-production", "dc-qingyang-dr", or "production" for the production centre',
    });
    expect(resolve({ scope: { node: 'x' }, to: 'remote' as never }, []).problems).toEqual([{ field: 'spec.to', message: 'unknown DR centre "remote" (did you mean "remote-dr"?): a drill restores into "same-city-dr", "remote-dr"' }]);
  });

  it('refuses a node or centre with no tenant that has a DR plan (naming the target centre)', () => {
    expect(resolve({ scope: { node: 'lanzhou-cloud' }, to: 'remote-dr' }, [ROADS]).problems).toEqual([
      { field: 'spec.scope.node', message: 'no tenant on node "lanzhou-cloud" has a DR plan (spec.dr): there is nothing to drill; "longyun dr status" lists the tenants with one' },
    ]);
    const local = tenant('local', (t) => (t.spec.dr!.centres = ['same-city-dr']));
    expect(resolve({ scope: { centre: 'production' }, to: 'remote-dr' }, [local]).problems[0]!.message).toBe(
      'no tenant on centre "dc-lanzhou-production" has a DR plan naming remote-dr (those with a plan: local): drill --to same-city-dr, or add remote-dr to their spec.dr.centres',
    );
    expect(resolve({ scope: { centre: 'dc-qingyang-dr' }, to: 'remote-dr' }, [tenant('a')]).problems[0]!.message).toContain('no tenant on centre "dc-qingyang-dr" has a DR plan');
  });

  it('names a tenant without a plan, or whose plan does not name the target centre, with the fix', () => {
    const local = tenant('local', (t) => (t.spec.dr!.centres = ['same-city-dr']));
    const r = resolve({ scope: { tenants: ['roads', 'local'] }, to: 'remote-dr' }, [ROADS, local]);
    expect(r.tenants).toEqual([]);
    expect(r.problems).toEqual([
      { tenant: 'roads', field: 'spec.scope.tenants[0]', message: 'tenant "roads" has no DR plan (spec.dr): give it one (rpoMinutes, rtoMinutes, centres) or leave it out of the drill' },
      { tenant: 'local', field: 'spec.dr.centres', message: 'tenant "local"\'s DR plan names same-city-dr only (spec.dr.centres), not remote-dr: drill it --to same-city-dr, or add remote-dr to its spec.dr.centres' },
    ]);
  });

  it('refuses tenants not placed or being deleted', () => {
    const unplaced = tenant('new', (t) => (t.status = { phase: 'Provisioning' }));
    const deleting = tenant('old', (t) => (t.metadata.deletionTimestamp = '2026-12-02T03:00:00Z'));
    expect(resolve({ scope: { tenants: ['new', 'old'] }, to: 'remote-dr' }, [unplaced, deleting]).problems).toEqual([
      { tenant: 'new', field: 'status.node', message: 'tenant "new" is not placed yet (status.node is empty, phase Provisioning): wait until "longyun tenant get new" shows it Ready' },
      { tenant: 'old', field: 'metadata.deletionTimestamp', message: 'tenant "old" is being deleted (metadata.deletionTimestamp): leave it out of the drill' },
    ]);
  });

  it('refuses a tenant held by another operation, with its name; the asking drill\'s own claim is no conflict', () => {
    const busy = tenant('health-records', (t) => (t.status!.operation = { kind: 'FailoverDrill', name: 'drill-1', since: '2026-12-02T03:58:00Z' }));
    expect(resolve({ scope: { tenants: ['health-records'] }, to: 'remote-dr' }, [busy]).problems).toEqual([
      { tenant: 'health-records', field: 'status.operation', message: 'tenant health-records is in FailoverDrill drill-1 since 2026-12-02T03:58:00Z: wait for it, or `longyun dr drill abort drill-1`' },
    ]);
    expect(resolve({ scope: { tenants: ['health-records'] }, to: 'remote-dr' }, [busy], { drill: 'drill-1' }).problems).toEqual([]);
    expect(resolve({ scope: { tenants: ['health-records'] }, to: 'remote-dr' }, [busy], { drill: 'drill-2' }).problems).toHaveLength(1);
    const migrating = tenant('health-records', (t) => (t.status!.operation = { kind: 'Migration', name: 'm1', since: '2026-12-02T03:58:00Z' }));
    expect(resolve({ scope: { tenants: ['health-records'] }, to: 'remote-dr' }, [migrating]).problems[0]!.message).toBe('tenant health-records is in Migration m1 since 2026-12-02T03:58:00Z: wait for it to finish');
  });

  it('refuses a tenant without a standby, a standby without room, and a standby not onboarded', () => {
    const none = tenant('a', (t) => Object.assign(remote(t), { state: 'NoStandby', node: undefined, message: 'no onboarded standby in remote-dr protects gansu-provincial' }));
    const full = tenant('b', (t) => Object.assign(remote(t), { state: 'NoRoom', message: 'needs 32 cpu, 8 free' }));
    const unreported = tenant('c', (t) => (t.status!.dr!.standbys = t.status!.dr!.standbys.filter((s) => s.centre !== 'remote-dr')));
    const r = resolve({ scope: { tenants: ['a', 'b', 'c'] }, to: 'remote-dr' }, [none, full, unreported]);
    expect(r.problems.map((p) => [p.tenant, p.field])).toEqual([
      ['a', 'status.dr.standbys[remote-dr]'],
      ['b', 'status.dr.standbys[remote-dr]'],
      ['c', 'status.dr.standbys[remote-dr]'],
    ]);
    expect(r.problems[0]!.message).toBe('tenant "a" has no standby in remote-dr (no onboarded standby in remote-dr protects gansu-provincial): onboard a standby cloud in that centre whose protects lists gansu-provincial');
    expect(r.problems[1]!.message).toBe('standby "gansu-provincial-remote-dr" in remote-dr has no room for tenant "b" (needs 32 cpu, 8 free): raise the standby\'s capacity, or drill --to same-city-dr');
    expect(r.problems[2]!.message).toContain('has no standby copy in remote-dr reported yet');
    const offboarding = NODES.map((n) => (n.metadata.name === 'gansu-provincial-remote-dr' ? { ...n, metadata: { ...n.metadata, deletionTimestamp: '2026-12-02T03:00:00Z' } } : n));
    expect(resolve({ scope: { tenants: ['d'] }, to: 'remote-dr' }, [tenant('d')], { nodes: offboarding }).problems[0]!.message).toContain('is being offboarded');
  });

  it('a copy counts only when Current, in sync and within the RPO; a stale one gives its lag and the target', () => {
    const copying = tenant('a', (t) => Object.assign(remote(t), { state: 'SourceUnreachable', message: 'gansu-provincial does not answer' }));
    const differs = tenant('b', (t) => (remote(t).digest = B));
    const stale = tenant('c', (t) => (remote(t).recoveryPoint = '2026-12-02T03:44:59Z'));
    const edge = tenant('d', (t) => (remote(t).recoveryPoint = '2026-12-02T03:45:00Z'));
    const r = resolve({ scope: { tenants: ['a', 'b', 'c', 'd'] }, to: 'remote-dr' }, [copying, differs, stale, edge]);
    expect(r.tenants.map((t) => t.tenant)).toEqual(['d']);
    expect(r.problems.map((p) => p.message)).toEqual([
      'tenant "a"\'s copy on "gansu-provincial-remote-dr" is SourceUnreachable, not Current (gansu-provincial does not answer): wait until "longyun dr status a" shows remote-dr Current',
      'tenant "b"\'s copy on "gansu-provincial-remote-dr" is not in sync: its digest differs from production\'s (status.dr digest, sourceDigest): wait until "longyun dr status b" shows ✓ for remote-dr',
      'tenant "c"\'s copy on "gansu-provincial-remote-dr" is 15m 01s behind (recovery point 2026-12-02T03:44:59Z), beyond the plan\'s RPO of 15m (spec.dr.rpoMinutes): wait until the copy catches up ("longyun dr status c")',
    ]);
  });

  it('reports every problem at once, across tenants', () => {
    const busy = tenant('b', (t) => (t.status!.operation = { kind: 'FailoverDrill', name: 'x', since: '2026-12-02T03:58:00Z' }));
    const r = resolve({ scope: { tenants: ['a', 'b', 'ok'] }, to: 'same-city-dr' }, [busy, tenant('ok')]);
    expect(r.problems.map((p) => p.tenant)).toEqual(['a', 'b']);
    expect(r.tenants.map((t) => t.tenant)).toEqual(['ok']);
  });
});

describe('transient problems', () => {
  it('are marked for a copy catching up or not checked yet, and not for a copy that cannot be drilled', () => {
    const states = (edit: (t: ScopeTenant) => void) => resolve({ scope: { tenants: ['t'] }, to: 'remote-dr' }, [tenant('t', edit)]).problems;
    expect(states((t) => (remote(t).state = 'StandbyUnreachable'))).toEqual([expect.objectContaining({ tenant: 't', transient: true })]);
    expect(states((t) => (remote(t).state = 'Copying'))).toEqual([expect.objectContaining({ transient: true })]);
    expect(states((t) => (remote(t).digest = B))).toEqual([expect.objectContaining({ transient: true })]);
    expect(states((t) => (remote(t).state = 'NoRoom'))[0]!.transient).toBeUndefined();
    expect(states((t) => (t.status!.operation = { kind: 'FailoverDrill', name: 'other', since: '2026-12-02T03:00:00Z' }))[0]!.transient).toBeUndefined();
  });
});
