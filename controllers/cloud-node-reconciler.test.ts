import { describe, expect, it } from 'vitest';
import { GANSU_DIR } from '../topology/estate.test-helpers.js';
import { loadEstate } from '../topology/load.js';
import { CloudNodeConditions, findCondition, Reasons } from './conditions.js';
import { NODE_FINALIZER, reconcileCloudNode, reconcileCloudNodeDeletion, SYSTEM_NAMESPACE, type CloudNodeResource, type MemberProbe } from './cloud-node-reconciler.js';

const now = new Date('2026-11-26T08:00:00Z');
const node: CloudNodeResource = {
  metadata: { name: 'tianshui-cloud', generation: 3 },
  spec: { kind: 'municipal', unit: 'tianshui', kubeconfigSecretRef: { name: 'tianshui', key: 'kubeconfig' }, capacity: { vcpu: 1600, memoryGiB: 6400, storageTiB: 300 } },
};
const v120 = { major: '1', minor: '20', gitVersion: 'v1.20.2' };
const idle = { resources: { cpu: 0, memory: 0, storage: 0 }, tenants: 0 };
const probe = (p: Partial<MemberProbe>): MemberProbe => ({ systemReady: false, cachesSynced: false, ...p });
const estate = loadEstate(GANSU_DIR);

describe('reconcileCloudNode', () => {
  it('onboards a reachable member: creates longyun-system (and no RBAC for an agent that does not exist), then is Ready', () => {
    const first = reconcileCloudNode(node, probe({ version: v120 }), idle, now);
    expect(first.apply.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([`Namespace/${SYSTEM_NAMESPACE}`]);
    expect(findCondition(first.status.conditions, CloudNodeConditions.Reachable)).toMatchObject({ status: 'True', observedGeneration: 3 });
    expect(findCondition(first.status.conditions, CloudNodeConditions.Onboarded)?.status).toBe('False');
    expect(first.event?.reason).toBe(Reasons.Connected);
    const second = reconcileCloudNode({ ...node, status: first.status }, probe({ version: v120, systemReady: true, cachesSynced: true }), { resources: { cpu: 32, memory: 128 * 2 ** 30, storage: 2 ** 40 }, tenants: 1 }, now);
    expect(second.apply).toEqual([]);
    expect(findCondition(second.status.conditions, CloudNodeConditions.Ready)?.status).toBe('True');
    expect(second.status).toMatchObject({ serverVersion: 'v1.20.2', allocatable: { cpu: '1600', memory: '6400Gi' }, allocated: { cpu: '32', memory: '128Gi', storage: '1024Gi' }, tenants: 1, lastHeartbeatTime: now.toISOString() });
    expect(second.event).toBeUndefined();
  });

  it('a Ready node stays Ready while a restarted operator starts its watches (no flap); a new one waits for them', () => {
    const ok = reconcileCloudNode(node, probe({ version: v120, systemReady: true, cachesSynced: true }), idle, now);
    const restarted = reconcileCloudNode({ ...node, status: ok.status }, probe({ version: v120, systemReady: true, cachesSynced: false }), idle, now);
    expect(findCondition(restarted.status.conditions, CloudNodeConditions.Ready)).toMatchObject({ status: 'True', message: expect.stringMatching(/starting its watches/) });
    const fresh = reconcileCloudNode(node, probe({ version: v120, systemReady: true, cachesSynced: false }), idle, now);
    // Looked at again as soon as a node still being watched for the first time, not after a heartbeat.
    expect(restarted.requeueAfterMs).toBe(fresh.requeueAfterMs);
    expect(restarted.requeueAfterMs).not.toBe(ok.requeueAfterMs);
    expect(findCondition(fresh.status.conditions, CloudNodeConditions.Ready)).toMatchObject({ status: 'False', message: 'onboarding' });
  });

  it('marks a member that stops answering Unreachable, with a warning event, keeping the last heartbeat', () => {
    const ok = reconcileCloudNode(node, probe({ version: v120, systemReady: true, cachesSynced: true }), idle, now);
    const later = new Date(now.getTime() + 60_000);
    const down = reconcileCloudNode({ ...node, status: ok.status }, probe({ error: 'connect ECONNREFUSED 127.0.0.1:6443' }), idle, later);
    expect(findCondition(down.status.conditions, CloudNodeConditions.Reachable)).toMatchObject({ status: 'False', reason: Reasons.Unreachable, message: expect.stringContaining('ECONNREFUSED') });
    expect(findCondition(down.status.conditions, CloudNodeConditions.Ready)?.status).toBe('False');
    expect(down.event).toMatchObject({ eventType: 'Warning', reason: Reasons.Unreachable });
    expect(down.status.lastHeartbeatTime).toBe(now.toISOString());
    expect(down.requeueAfterMs).toBeLessThan(10_000);
  });

  it('adopts its kubeconfig Secret (so deleting the node deletes the credentials), whether or not the member answers', () => {
    expect(reconcileCloudNode(node, probe({ version: v120, secretOwned: false }), idle, now).adoptSecret).toBe(true);
    expect(reconcileCloudNode(node, probe({ error: 'connection refused', secretOwned: false }), idle, now).adoptSecret).toBe(true);
    expect(reconcileCloudNode(node, probe({ version: v120, secretOwned: true }), idle, now).adoptSecret).toBeUndefined();
    expect(reconcileCloudNode(node, probe({ kubeconfigError: 'secret longyun-system/tianshui: not found' }), idle, now).adoptSecret).toBeUndefined();
    const deleting = { ...node, metadata: { ...node.metadata, deletionTimestamp: now.toISOString() } };
    expect(reconcileCloudNode(deleting, probe({ version: v120, secretOwned: false }), idle, now).adoptSecret).toBeUndefined();
  });

  it('refuses members older than Kubernetes 1.20, and a missing kubeconfig secret', () => {
    const old = reconcileCloudNode(node, probe({ version: { major: '1', minor: '18+', gitVersion: 'v1.18.9' } }), idle, now);
    expect(findCondition(old.status.conditions, CloudNodeConditions.Onboarded)?.reason).toBe(Reasons.VersionUnsupported);
    expect(old.apply).toEqual([]);
    const noSecret = reconcileCloudNode(node, probe({ kubeconfigError: 'secret longyun-system/tianshui not found' }), idle, now);
    expect(findCondition(noSecret.status.conditions, CloudNodeConditions.Reachable)?.reason).toBe(Reasons.KubeconfigMissing);
  });

  it('applies the BackupStorageLocations its tenants need and deletes its own unneeded ones, while the member answers', () => {
    const tenants = [{ name: 'tianshui-case-files', centres: ['same-city-dr', 'remote-dr'] }];
    const ready = probe({ version: v120, systemReady: true, cachesSynced: true });
    const d = reconcileCloudNode(node, ready, idle, now, { estate, tenants, onMember: new Map() });
    expect(d.apply.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['BackupStorageLocation/velero/dc-lanzhou-new-area-dr', 'BackupStorageLocation/velero/dc-qingyang-dr']);
    expect(findCondition(d.status.conditions, CloudNodeConditions.BackupLocations)).toMatchObject({ status: 'True', reason: Reasons.BackupLocationsReady });
    expect(findCondition(d.status.conditions, CloudNodeConditions.Ready)?.status).toBe('True');
    const onMember = new Map(d.apply.map((o) => [o.metadata.name, o]));
    const last = reconcileCloudNode({ ...node, status: d.status }, ready, idle, now, { estate, tenants: [], onMember });
    expect(last.apply).toEqual([]);
    expect(last.delete.map((r) => r.name).sort()).toEqual(['dc-lanzhou-new-area-dr', 'dc-qingyang-dr']);
    // A member that does not answer: nothing decided, the condition left as it was.
    const down = reconcileCloudNode({ ...node, status: d.status }, probe({ error: 'connection refused' }), idle, now, { estate, tenants: [], onMember: undefined });
    expect(down.delete).toEqual([]);
    expect(findCondition(down.status.conditions, CloudNodeConditions.BackupLocations)).toEqual(findCondition(d.status.conditions, CloudNodeConditions.BackupLocations));
  });

  it('a member that refuses the kubeconfig\'s identity: reachable, not onboarded, and says which ClusterRole to bind', () => {
    const d = reconcileCloudNode(node, probe({ version: v120, forbidden: 'GET /api/v1/namespaces/longyun-system: HTTP 403 Forbidden' }), idle, now);
    expect(d.apply).toEqual([]);
    expect(findCondition(d.status.conditions, CloudNodeConditions.Reachable)?.status).toBe('True');
    const onboarded = findCondition(d.status.conditions, CloudNodeConditions.Onboarded)!;
    expect(onboarded).toMatchObject({ status: 'False', reason: Reasons.MemberForbidden });
    expect(onboarded.message).toMatch(/HTTP 403 Forbidden; bind the longyun-member ClusterRole .*longyun node member-rbac/);
    expect(findCondition(d.status.conditions, CloudNodeConditions.Ready)).toMatchObject({ status: 'False', reason: Reasons.MemberForbidden });
    expect(d.event).toMatchObject({ eventType: 'Warning', reason: Reasons.MemberForbidden });
    // Once per refusal, not every heartbeat.
    expect(reconcileCloudNode({ ...node, status: d.status }, probe({ version: v120, forbidden: 'HTTP 403' }), idle, now).event).toBeUndefined();
  });

  it('holds its finalizer, added whether or not the member answers', () => {
    expect(reconcileCloudNode(node, probe({ version: v120 }), idle, now).addFinalizer).toBe(true);
    expect(reconcileCloudNode(node, probe({ error: 'connection refused' }), idle, now).addFinalizer).toBe(true);
    const held = { ...node, metadata: { ...node.metadata, finalizers: [NODE_FINALIZER] } };
    expect(reconcileCloudNode(held, probe({ version: v120 }), idle, now).addFinalizer).toBeUndefined();
  });
});

describe('reconcileCloudNodeDeletion (offboarding)', () => {
  const deleting = { ...node, metadata: { ...node.metadata, deletionTimestamp: now.toISOString(), finalizers: [NODE_FINALIZER] } };

  it('waits while tenants remain, naming them, with one warning event, and leaves Ready alone', () => {
    const ready = reconcileCloudNode({ ...node, metadata: { ...node.metadata, finalizers: [NODE_FINALIZER] } }, probe({ version: v120, systemReady: true, cachesSynced: true }), idle, now);
    const names = ['t-7', 't-1', 't-2', 't-3', 't-4', 't-5', 't-6'];
    const d = reconcileCloudNodeDeletion({ ...deleting, status: ready.status }, { tenants: names, reachable: true, systemPresent: true }, now);
    expect(d.removeFinalizer).toBe(false);
    expect(d.deleteFromMember).toEqual([]);
    const off = findCondition(d.status.conditions, CloudNodeConditions.Offboarded)!;
    expect(off).toMatchObject({ status: 'False', reason: Reasons.TenantsRemain, observedGeneration: 3 });
    expect(off.message).toMatch(/^7 tenants are still on this node \(t-1, t-2, t-3, t-4, t-5 and 2 more\)/);
    expect(off.message).toContain('longyun tenant delete');
    expect(findCondition(d.status.conditions, CloudNodeConditions.Ready)?.status).toBe('True');
    expect(d.status.tenants).toBe(7);
    expect(d.event).toMatchObject({ eventType: 'Warning', reason: Reasons.TenantsRemain });
    expect(d.requeueAfterMs).toBeGreaterThan(0);
    // The next pass, still waiting, does not repeat the event.
    const again = reconcileCloudNodeDeletion({ ...deleting, status: d.status }, { tenants: ['t-1'], reachable: true, systemPresent: true }, now);
    expect(again.event).toBeUndefined();
    expect(findCondition(again.status.conditions, CloudNodeConditions.Offboarded)?.message).toMatch(/^1 tenant is still on this node \(t-1\)/);
  });

  it('with no tenants left, removes its BackupStorageLocations and longyun-system from the member and releases the finalizer', () => {
    const d = reconcileCloudNodeDeletion(deleting, { tenants: [], reachable: true, systemPresent: true }, now);
    expect(d.deleteFromMember).toEqual([{ apiVersion: 'v1', kind: 'Namespace', name: SYSTEM_NAMESPACE }]);
    const bsl = { apiVersion: 'velero.io/v1', kind: 'BackupStorageLocation', namespace: 'velero', name: 'dc-qingyang-dr' };
    const withBackups = reconcileCloudNodeDeletion(deleting, { tenants: [], reachable: true, systemPresent: true, backupLocations: [bsl] }, now);
    expect(withBackups.deleteFromMember).toEqual([bsl, { apiVersion: 'v1', kind: 'Namespace', name: SYSTEM_NAMESPACE }]);
    expect(withBackups.event?.message).toBe('offboarded: longyun-system removed, and 1 BackupStorageLocation removed from the member');
    // Tenants still there: their locations stay.
    expect(reconcileCloudNodeDeletion(deleting, { tenants: ['t-1'], reachable: true, systemPresent: true, backupLocations: [bsl] }, now).deleteFromMember).toEqual([]);
    expect(d.removeFinalizer).toBe(true);
    expect(d.event).toMatchObject({ eventType: 'Normal', reason: Reasons.Offboarded });
    const gone = reconcileCloudNodeDeletion(deleting, { tenants: [], reachable: true, systemPresent: false }, now);
    expect(gone.deleteFromMember).toEqual([]);
    expect(gone.removeFinalizer).toBe(true);
  });

  it('does not wait for a member that does not answer, and says what stays on it', () => {
    const d = reconcileCloudNodeDeletion(deleting, { tenants: [], reachable: false, systemPresent: false }, now);
    expect(d.removeFinalizer).toBe(true);
    expect(d.deleteFromMember).toEqual([]);
    expect(d.event).toMatchObject({ eventType: 'Warning', reason: Reasons.OffboardedUnreachable, message: expect.stringContaining('kubectl delete namespace longyun-system') });
    // Tenants still hold it even then: their data is on that member.
    expect(reconcileCloudNodeDeletion(deleting, { tenants: ['t-1'], reachable: false, systemPresent: false }, now).removeFinalizer).toBe(false);
  });

  it('does nothing for a node without the finalizer (it is already going)', () => {
    const bare = { ...node, metadata: { ...node.metadata, deletionTimestamp: now.toISOString() } };
    expect(reconcileCloudNodeDeletion(bare, { tenants: ['t-1'], reachable: true, systemPresent: true }, now)).toMatchObject({ removeFinalizer: false, deleteFromMember: [] });
  });
});
