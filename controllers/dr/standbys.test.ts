import { describe, expect, it } from 'vitest';
import { GANSU_DIR } from '../../topology/estate.test-helpers.js';
import { loadEstate } from '../../topology/load.js';
import { GiB, TiB } from '../../topology/quantity.js';
import { capacityResources, ZERO, type NodeView } from '../placement.js';
import { centreOf, reservedOn, standbyFor, StandbyError, standbyView, type DrCentre, type DrTenantLike } from './standbys.js';

const estate = loadEstate(GANSU_DIR);
const clouds = estate.doc.clouds;
const cloud = (id: string) => estate.cloudById.get(id)!;
const SAME = 'gansu-provincial-same-city-dr';
const REMOTE = 'gansu-provincial-remote-dr';
/** The estate's clouds as the manager's NodeViews. */
const views: NodeView[] = clouds.map((c) => ({
  name: c.id,
  kind: c.kind,
  unit: c.unit,
  ready: true,
  ...(c.role === 'standby' ? { standby: true, datacentre: c.datacentre!, protects: c.protects! } : {}),
  capacity: capacityResources(c.capacity),
}));
/** The estate's clouds as registered CloudNode objects. */
const cloudNodes = clouds.map((c) => ({
  metadata: { name: c.id },
  spec: { kind: c.kind, unit: c.unit, ...(c.role ? { role: c.role } : {}), ...(c.datacentre ? { datacentre: c.datacentre } : {}), ...(c.protects ? { protects: c.protects } : {}), capacity: c.capacity },
}));
const tenants: DrTenantLike[] = estate.doc.tenants;

describe('standbyView and centreOf', () => {
  it('reads a standby from an estate cloud, a NodeView or a CloudNode alike; anything else is no standby', () => {
    const want = { name: SAME, datacentre: 'dc-lanzhou-new-area-dr', protects: ['gansu-provincial'], capacity: capacityResources(cloud(SAME).capacity), deleting: false };
    expect(standbyView(cloud(SAME))).toEqual(want);
    expect(standbyView(views.find((v) => v.name === SAME)!)).toEqual(want);
    expect(standbyView(cloudNodes.find((n) => n.metadata.name === SAME)!)).toEqual(want);
    expect(standbyView({ ...cloudNodes[0]!, metadata: { name: 'x', deletionTimestamp: '2026-11-26T08:00:00Z' }, spec: { ...cloudNodes[0]!.spec, role: 'standby' } })).toMatchObject({ name: 'x', deleting: true, protects: [] });
    expect(standbyView(cloud('gansu-provincial'))).toBeUndefined();
    expect(standbyView(views[0]!)).toBeUndefined();
    expect(standbyView({ ...views[0]!, standby: false })).toBeUndefined();
  });

  it('the centre of a standby is the role of its data centre, when that is a DR centre', () => {
    expect(centreOf(estate, cloud(SAME))).toBe('same-city-dr');
    expect(centreOf(estate, cloud(REMOTE))).toBe('remote-dr');
    expect(centreOf(estate, { datacentre: 'dc-lanzhou-production' })).toBeUndefined();
    expect(centreOf(estate, { datacentre: 'dc-nowhere' })).toBeUndefined();
    expect(centreOf(estate, {})).toBeUndefined();
  });
});

describe('standbyFor', () => {
  it('finds the standby protecting a node in each centre, from any form of node list', () => {
    for (const list of [clouds, views, cloudNodes] as const) {
      const name = (n: unknown) => (n === undefined ? undefined : standbyView(n as NodeView)!.name);
      expect(name(standbyFor<(typeof list)[number]>(list, estate, 'gansu-provincial', 'same-city-dr'))).toBe(SAME);
      expect(name(standbyFor<(typeof list)[number]>(list, estate, 'gansu-provincial', 'remote-dr'))).toBe(REMOTE);
    }
    // It returns the caller's own object.
    expect(standbyFor(views, estate, 'gansu-provincial', 'remote-dr')).toBe(views.find((v) => v.name === REMOTE));
  });

  it('is undefined for a node nobody protects, a centre with no standby, and bad input', () => {
    expect(standbyFor(clouds, estate, 'lanzhou-cloud', 'same-city-dr')).toBeUndefined();
    expect(standbyFor(clouds.filter((c) => c.id !== REMOTE), estate, 'gansu-provincial', 'remote-dr')).toBeUndefined();
    expect(standbyFor(clouds, estate, '', 'same-city-dr')).toBeUndefined();
    expect(standbyFor(clouds, estate, 'gansu-provincial', 'production' as DrCentre)).toBeUndefined();
    expect(standbyFor([], estate, 'gansu-provincial', 'same-city-dr')).toBeUndefined();
    // A standby itself is protected by nobody.
    expect(standbyFor(clouds, estate, SAME, 'remote-dr')).toBeUndefined();
  });

  it('skips a standby being offboarded or standing in no DR centre; among several, the first by name', () => {
    const leaving = views.map((v) => (v.name === SAME ? { ...v, deleting: true } : v));
    expect(standbyFor(leaving, estate, 'gansu-provincial', 'same-city-dr')).toBeUndefined();
    const misplaced = views.map((v) => (v.name === SAME ? { ...v, datacentre: 'dc-lanzhou-production' } : v));
    expect(standbyFor(misplaced, estate, 'gansu-provincial', 'same-city-dr')).toBeUndefined();
    const second: NodeView = { ...views.find((v) => v.name === SAME)!, name: 'a-same-city-spare' };
    expect(standbyFor([...views, second], estate, 'gansu-provincial', 'same-city-dr')?.name).toBe('a-same-city-spare');
    expect(standbyFor([second, ...views].reverse(), estate, 'gansu-provincial', 'same-city-dr')?.name).toBe('a-same-city-spare');
  });
});

describe('copyTargetFor', () => {
  it('is the home\'s standby of the centre while the tenant is at home, or on another standby; the home once the active copy is on that standby', async () => {
    const { copyTargetFor } = await import('./standbys.js');
    const at = (active: string | undefined, centre: DrCentre) => copyTargetFor(views, estate, 'gansu-provincial', active, centre)?.name;
    expect(at(undefined, 'same-city-dr')).toBe(SAME);
    expect(at('gansu-provincial', 'same-city-dr')).toBe(SAME);
    // Failed over to the same-city standby: the old production holds that centre's copy; the remote copy stays where it was.
    expect(at(SAME, 'same-city-dr')).toBe('gansu-provincial');
    expect(at(SAME, 'remote-dr')).toBe(REMOTE);
    expect(at(REMOTE, 'remote-dr')).toBe('gansu-provincial');
    expect(at(REMOTE, 'same-city-dr')).toBe(SAME);
    // A home no longer onboarded: nowhere to copy.
    expect(copyTargetFor(views.filter((v) => v.name !== 'gansu-provincial'), estate, 'gansu-provincial', SAME, 'same-city-dr')).toBeUndefined();
  });
});

describe('reservedOn', () => {
  const res = (cpu: number, memoryGiB: number, storageTiB: number) => ({ cpu, memory: memoryGiB * GiB, storage: storageTiB * TiB });

  it('sums the quotas of the DR tenants on the nodes a standby protects whose plan names its centre', () => {
    // Same-city: data-sharing-exchange, health-records, social-security, student-records.
    expect(reservedOn(cloud(SAME), tenants, estate)).toEqual(res(128 + 64 + 96 + 32, 512 + 256 + 384 + 128, 20 + 50 + 30 + 10));
    // Remote: data-sharing-exchange, health-records, social-security, land-registry.
    expect(reservedOn(cloud(REMOTE), tenants, estate)).toEqual(res(128 + 64 + 96 + 48, 512 + 256 + 384 + 192, 20 + 50 + 30 + 40));
    expect(reservedOn(views.find((v) => v.name === REMOTE)!, tenants, estate, views)).toEqual(reservedOn(cloud(REMOTE), tenants, estate));
  });

  it('counts a tenant on its active node, and nothing for tenants without a plan, a node or a plan naming the centre', () => {
    const t = (node: string | undefined, centres?: string[]): DrTenantLike => ({ node, quota: { cpu: '2', memory: '4Gi', storage: '1Ti' }, ...(centres ? { dr: { centres } } : {}) });
    expect(reservedOn(cloud(SAME), [t('gansu-provincial', ['same-city-dr']), t('gansu-provincial', ['remote-dr']), t('gansu-provincial'), t(undefined, ['same-city-dr']), t('lanzhou-cloud', ['same-city-dr'])], estate)).toEqual(res(2, 4, 1));
    expect(reservedOn(cloud(SAME), [], estate)).toEqual(ZERO);
  });

  it('with the node list, only the tenants whose standby in that centre it is', () => {
    const spare: NodeView = { ...views.find((v) => v.name === SAME)!, name: 'a-same-city-spare' };
    const all = [...views, spare];
    expect(reservedOn(views.find((v) => v.name === SAME)!, tenants, estate, all)).toEqual(ZERO);
    expect(reservedOn(spare, tenants, estate, all)).toEqual(reservedOn(cloud(SAME), tenants, estate));
  });

  it('refuses a node that is no standby, and a standby in no DR centre, naming the fix', () => {
    expect(() => reservedOn(cloud('gansu-provincial'), tenants, estate)).toThrow(StandbyError);
    expect(() => reservedOn(views[0]!, tenants, estate)).toThrow('"gansu-provincial" is not a standby (role: standby); only standbys hold DR copies');
    const { datacentre: _, ...nowhere } = cloud(SAME);
    expect(() => reservedOn(nowhere, tenants, estate)).toThrow(`standby "${SAME}" stands in no data centre, not a same-city-dr or remote-dr centre of estate gansu; set its datacentre to one`);
    expect(() => reservedOn({ ...cloud(SAME), datacentre: 'dc-lanzhou-production' }, tenants, estate)).toThrow(/stands in "dc-lanzhou-production", not a same-city-dr or remote-dr centre/);
  });

  it('a bad quantity in a tenant quota is the quantity parser\'s error', () => {
    expect(() => reservedOn(cloud(SAME), [{ node: 'gansu-provincial', quota: { cpu: 'lots', memory: '1Gi', storage: '1Gi' }, dr: { centres: ['same-city-dr'] } }], estate)).toThrow(/"lots" is not a quantity/);
  });
});
