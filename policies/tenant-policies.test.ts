import { describe, expect, it } from 'vitest';
import { Estate } from '../topology/estate.js';
import { GANSU_DIR } from '../topology/estate.test-helpers.js';
import { loadEstate } from '../topology/load.js';
import type { TenantSpec } from '../topology/schema.js';
import { effectiveModes } from './evaluate.js';
import { policyById, POLICIES } from './registry.js';
import { departmentCity, evaluateTenantPolicies, isOwnCityNode, TENANT_POLICIES, type TenantRequest } from './tenant-policies.js';

const estate = loadEstate(GANSU_DIR);
const request = (over: Partial<TenantSpec> = {}): TenantRequest => ({
  id: 'permits',
  department: 'tianshui-big-data',
  quota: { cpu: '4', memory: '8Gi', storage: '100Gi' },
  mlps: 2,
  planes: ['plane-1'],
  ...over,
});
const withModes = (modes: Record<string, 'audit' | 'enforce'>) => new Estate({ ...estate.doc, policies: { ...estate.doc.policies, modes } }, undefined);

describe('tenant-department-known', () => {
  it('is a tenant policy of the registry, listed with its plan section, severity and default mode', () => {
    expect(TENANT_POLICIES.map((p) => p.id)).toEqual(['tenant-department-known', 'tenant-dr-for-mlps3', 'tenant-node-of-own-city', 'tenant-not-on-standby']);
    expect(policyById('tenant-department-known')).toMatchObject({ sections: ['§3.3'], severity: 'error', defaultMode: 'enforce' });
    expect(POLICIES.map((p) => p.id)).toContain('tenant-department-known');
  });

  it('finds a department not in the estate, in enforce mode unless the estate audits it', () => {
    expect(evaluateTenantPolicies(estate, request(), undefined)).toEqual([]);
    expect(evaluateTenantPolicies(estate, request({ department: 'mars-big-data' }), undefined)).toEqual([
      { policy: 'tenant-department-known', sections: ['§3.3'], severity: 'error', mode: 'enforce', message: 'department "mars-big-data" is not in the estate' },
    ]);
    const auditing = withModes({ 'tenant-department-known': 'audit' });
    expect(effectiveModes(auditing).get('tenant-department-known')).toBe('audit');
    expect(evaluateTenantPolicies(auditing, request({ department: 'mars-big-data' }), undefined)).toEqual([expect.objectContaining({ policy: 'tenant-department-known', mode: 'audit' })]);
  });
});

describe('tenant-node-of-own-city', () => {
  const own = (department: string, node: { kind: 'provincial' | 'municipal' | 'industry'; unit: string }) => isOwnCityNode(estate, department, node);

  it('a department\'s own node is its city\'s municipal node; a provincial or unknown department has none', () => {
    expect(departmentCity(estate, 'tianshui-big-data')?.id).toBe('tianshui');
    expect(own('tianshui-big-data', { kind: 'municipal', unit: 'tianshui' })).toBe(true);
    expect(own('tianshui-big-data', { kind: 'municipal', unit: 'lanzhou' })).toBe(false);
    expect(own('tianshui-big-data', { kind: 'provincial', unit: 'gansu' })).toBe(false);
    expect(departmentCity(estate, 'gansu-health')).toBeUndefined();
    expect(own('gansu-health', { kind: 'municipal', unit: 'lanzhou' })).toBe(false);
    expect(departmentCity(estate, 'mars-big-data')).toBeUndefined();
  });

  it('judges a node given by id (an estate cloud) or as onboarded (a CloudNode\'s kind and unit) alike', () => {
    const policy = (r: TenantRequest, node: Parameters<typeof evaluateTenantPolicies>[2]) => evaluateTenantPolicies(estate, r, node).filter((f) => f.policy === 'tenant-node-of-own-city');
    expect(policy(request(), 'tianshui-cloud')).toEqual([]);
    expect(policy(request(), 'gansu-provincial')).toEqual([]);
    expect(policy(request(), 'lanzhou-cloud').map((f) => f.message)).toEqual(['tenant "permits" of "tianshui-big-data" (tianshui) is on "lanzhou-cloud", the node of lanzhou; use tianshui\'s node']);
    expect(policy(request(), { name: 'lanzhou-2', kind: 'municipal', unit: 'lanzhou' }).map((f) => f.message)).toEqual(['tenant "permits" of "tianshui-big-data" (tianshui) is on "lanzhou-2", the node of lanzhou; use tianshui\'s node']);
    expect(policy(request(), { name: 'tianshui-2', kind: 'municipal', unit: 'tianshui' })).toEqual([]);
    expect(policy(request({ department: 'gansu-health' }), { name: 'lanzhou-2', kind: 'municipal', unit: 'lanzhou' })).toEqual([expect.objectContaining({ mode: 'enforce', message: expect.stringContaining('provincial department "gansu-health" is on municipal node "lanzhou-2"') })]);
    expect(evaluateTenantPolicies(withModes({ 'tenant-node-of-own-city': 'audit' }), request(), 'lanzhou-cloud')).toEqual([expect.objectContaining({ policy: 'tenant-node-of-own-city', mode: 'audit' })]);
  });
});

describe('tenant-not-on-standby', () => {
  const onStandby = (node: Parameters<typeof evaluateTenantPolicies>[2], e: Estate = estate) => evaluateTenantPolicies(e, request({ department: 'gansu-health' }), node).filter((f) => f.policy === 'tenant-not-on-standby');

  it('is in the registry: §4.1.2, an error, enforced', () => {
    expect(policyById('tenant-not-on-standby')).toMatchObject({ sections: ['§4.1.2'], severity: 'error', defaultMode: 'enforce' });
  });

  it('rejects a standby given by id (an estate cloud) or as onboarded (a standby CloudNode), naming the fix', () => {
    expect(onStandby('gansu-provincial-remote-dr')).toEqual([
      {
        policy: 'tenant-not-on-standby',
        sections: ['§4.1.2'],
        severity: 'error',
        mode: 'enforce',
        message: 'tenant "permits" is on "gansu-provincial-remote-dr", a standby cloud: it holds DR copies for "gansu-provincial" and gets no tenants of its own; put it on a production node such as "gansu-provincial"',
      },
    ]);
    expect(onStandby({ name: 'dr-2', kind: 'provincial', unit: 'gansu', standby: true, protects: ['gansu-provincial'] }).map((f) => f.message)).toEqual([
      'tenant "permits" is on "dr-2", a standby cloud: it holds DR copies for "gansu-provincial" and gets no tenants of its own; put it on a production node such as "gansu-provincial"',
    ]);
    expect(onStandby({ name: 'dr-3', kind: 'provincial', unit: 'gansu', standby: true }).map((f) => f.message)).toEqual([
      'tenant "permits" is on "dr-3", a standby cloud: it holds DR copies and gets no tenants of its own; put it on a production node',
    ]);
  });

  it('passes production nodes, unknown names and no node at all; the estate may audit it', () => {
    expect(onStandby('gansu-provincial')).toEqual([]);
    expect(onStandby({ name: 'gansu-provincial', kind: 'provincial', unit: 'gansu' })).toEqual([]);
    expect(onStandby({ name: 'x', kind: 'provincial', unit: 'gansu', standby: false })).toEqual([]);
    expect(onStandby('mars-cloud')).toEqual([]);
    expect(onStandby(undefined)).toEqual([]);
    expect(onStandby('gansu-provincial-remote-dr', withModes({ 'tenant-not-on-standby': 'audit' }))).toEqual([expect.objectContaining({ mode: 'audit' })]);
  });
});
