import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { loadEstate } from '../topology/load.js';
import { shippedEstateDir } from '../topology/paths.js';
import { CloudNodeSpec } from '../topology/schema.js';
import { CloudNodeRegistrationError, cloudNodeRegistrationObjects, findCloud } from './cloud-node-registration.js';
import { memberClouds } from './dev-setup.js';

const dir = shippedEstateDir();
const estate = loadEstate(dir);

describe('findCloud', () => {
  it('finds a cloud by id or by unit and kind', () => {
    expect(findCloud(estate, { id: 'tianshui-cloud' }, dir).unit).toBe('tianshui');
    expect(findCloud(estate, { unit: 'tianshui', kind: 'municipal' }, dir).id).toBe('tianshui-cloud');
    expect(findCloud(estate, { unit: 'gansu', kind: 'provincial' }, dir).id).toBe('gansu-provincial');
    // By unit and kind, a production cloud: a standby is named by its id.
    expect(findCloud(estate, { id: 'gansu-provincial-same-city-dr' }, dir).role).toBe('standby');
  });

  it('names the estate and suggests the id meant', () => {
    expect(() => findCloud(estate, { id: 'tianshiu-cloud' }, dir)).toThrow(/no cloud "tianshiu-cloud" \(did you mean "tianshui-cloud"\?\)/);
    expect(() => findCloud(estate, { unit: 'tianshui', kind: 'industry' }, dir)).toThrow(CloudNodeRegistrationError);
    expect(() => findCloud(estate, { unit: 'tianshui', kind: 'industry' }, dir)).toThrow(/no industry cloud for unit "tianshui"/);
  });
});

describe('cloudNodeRegistrationObjects', () => {
  it('writes the namespace, then the kubeconfig Secret, then a valid CloudNode that refers to it', () => {
    const cloud = findCloud(estate, { id: 'lanzhou-cloud' }, dir);
    const [ns, secret, node] = cloudNodeRegistrationObjects({ cloud, kubeconfig: 'apiVersion: v1\nkind: Config\n', context: 'lz' });
    expect(ns).toMatchObject({ kind: 'Namespace', metadata: { name: 'longyun-system' } });
    expect(secret).toMatchObject({ kind: 'Secret', metadata: { name: 'lanzhou-cloud-kubeconfig', namespace: 'longyun-system' } });
    expect(Buffer.from((secret!.data as { kubeconfig: string }).kubeconfig, 'base64').toString()).toBe('apiVersion: v1\nkind: Config\n');
    expect(node).toMatchObject({ apiVersion: 'longyun.io/v1alpha1', kind: 'CloudNode', metadata: { name: 'lanzhou-cloud' } });
    const spec = node!.spec as { kubeconfigSecretRef: unknown; capacity: unknown; context: string; unit: string; kind: string };
    expect(Value.Check(CloudNodeSpec, spec)).toBe(true);
    expect(spec).toMatchObject({ kind: 'municipal', unit: 'lanzhou', context: 'lz', kubeconfigSecretRef: { name: 'lanzhou-cloud-kubeconfig', key: 'kubeconfig' } });
    expect(spec.capacity).toEqual(cloud.capacity);
  });

  it('registers a standby cloud as a standby CloudNode: its role, DR centre and the clouds it protects', () => {
    const [, , node] = cloudNodeRegistrationObjects({ cloud: findCloud(estate, { id: 'gansu-provincial-remote-dr' }, dir), kubeconfig: 'x' });
    expect(Value.Check(CloudNodeSpec, node!.spec)).toBe(true);
    expect(node!.spec).toMatchObject({ kind: 'provincial', unit: 'gansu', role: 'standby', datacentre: 'dc-qingyang-dr', protects: ['gansu-provincial'] });
    const [, , production] = cloudNodeRegistrationObjects({ cloud: findCloud(estate, { id: 'gansu-provincial' }, dir), kubeconfig: 'x' });
    expect(production!.spec).toMatchObject({ datacentre: 'dc-lanzhou-production' });
    expect(production!.spec).not.toHaveProperty('role');
    expect(production!.spec).not.toHaveProperty('protects');
  });

  it('refuses a standby whose fields do not validate, naming the field', () => {
    const cloud = { ...findCloud(estate, { id: 'gansu-provincial-remote-dr' }, dir), protects: ['gansu-provincial', 'gansu-provincial'] };
    expect(() => cloudNodeRegistrationObjects({ cloud, kubeconfig: 'x' })).toThrow(/cloud gansu-provincial-remote-dr: protects: expected array elements to be unique/);
  });

  it('leaves the context out when none is given', () => {
    const [, , node] = cloudNodeRegistrationObjects({ cloud: findCloud(estate, { id: 'gansu-provincial' }, dir), kubeconfig: 'x' });
    expect(node!.spec).not.toHaveProperty('context');
  });
});

describe('memberClouds', () => {
  it('defaults to the provincial cloud, then the municipal clouds in estate order', () => {
    const municipal = estate.doc.clouds.filter((c) => c.kind === 'municipal').map((c) => c.id);
    expect(memberClouds(estate, 3, undefined, dir).map((c) => c.id)).toEqual(['gansu-provincial', municipal[0], municipal[1]]);
    expect(memberClouds(estate, 0, undefined, dir)).toEqual([]);
    expect(memberClouds(estate, 16, undefined, dir)).toHaveLength(16);
  });

  it('takes the clouds named, in order, one per member', () => {
    expect(memberClouds(estate, 2, ['tianshui-cloud', 'industry-health'], dir).map((c) => c.id)).toEqual(['tianshui-cloud', 'industry-health']);
  });

  it('registers standbys only when named: the provincial cloud and its two standbys', () => {
    expect(memberClouds(estate, 16, undefined, dir).some((c) => c.role === 'standby')).toBe(false);
    const clouds = memberClouds(estate, 3, ['gansu-provincial', 'gansu-provincial-same-city-dr', 'gansu-provincial-remote-dr'], dir);
    expect(clouds.map((c) => [c.id, c.role ?? 'production', c.datacentre])).toEqual([
      ['gansu-provincial', 'production', 'dc-lanzhou-production'],
      ['gansu-provincial-same-city-dr', 'standby', 'dc-lanzhou-new-area-dr'],
      ['gansu-provincial-remote-dr', 'standby', 'dc-qingyang-dr'],
    ]);
  });

  it('refuses a wrong count, an unknown cloud and a cloud named twice', () => {
    expect(() => memberClouds(estate, 3, ['tianshui-cloud'], dir)).toThrow('--as names 1 cloud for 3 members');
    expect(() => memberClouds(estate, 1, ['tianshui'], dir)).toThrow(/no cloud "tianshui" \(did you mean "tianshui-cloud"\?\)/);
    expect(() => memberClouds(estate, 2, ['tianshui-cloud', 'tianshui-cloud'], dir)).toThrow(/named twice/);
  });

  it('says when the estate has too few clouds for the default', () => {
    expect(() => memberClouds(estate, 17, undefined, dir)).toThrow(/17 members but only 16 provincial and municipal clouds/);
  });
});
