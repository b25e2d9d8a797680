import { describe, expect, it } from 'vitest';
import { CloudNodeConditions, findCondition, Reasons } from './conditions.js';
import { reconcileCloudNode, SYSTEM_NAMESPACE, type CloudNodeResource, type MemberProbe } from './cloud-node-reconciler.js';

const now = new Date('2026-11-26T08:00:00Z');
const node: CloudNodeResource = {
  metadata: { name: 'tianshui-cloud', generation: 3 },
  spec: { kind: 'municipal', unit: 'tianshui', kubeconfigSecretRef: { name: 'tianshui', key: 'kubeconfig' }, capacity: { vcpu: 1600, memoryGiB: 6400, storageTiB: 300 } },
};
const v120 = { major: '1', minor: '20', gitVersion: 'v1.20.2' };
const idle = { resources: { cpu: 0, memory: 0, storage: 0 }, tenants: 0 };
const probe = (p: Partial<MemberProbe>): MemberProbe => ({ systemReady: false, cachesSynced: false, ...p });

describe('reconcileCloudNode', () => {
  it('onboards a reachable member: creates longyun-system and its RBAC, then is Ready', () => {
    const first = reconcileCloudNode(node, probe({ version: v120 }), idle, now);
    expect(first.apply.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([`Namespace/${SYSTEM_NAMESPACE}`, 'ServiceAccount/longyun-agent', 'Role/longyun-agent', 'RoleBinding/longyun-agent']);
    expect(findCondition(first.status.conditions, CloudNodeConditions.Reachable)).toMatchObject({ status: 'True', observedGeneration: 3 });
    expect(findCondition(first.status.conditions, CloudNodeConditions.Onboarded)?.status).toBe('False');
    expect(first.event?.reason).toBe(Reasons.Connected);
    const second = reconcileCloudNode({ ...node, status: first.status }, probe({ version: v120, systemReady: true, cachesSynced: true }), { resources: { cpu: 32, memory: 128 * 2 ** 30, storage: 2 ** 40 }, tenants: 1 }, now);
    expect(second.apply).toEqual([]);
    expect(findCondition(second.status.conditions, CloudNodeConditions.Ready)?.status).toBe('True');
    expect(second.status).toMatchObject({ serverVersion: 'v1.20.2', allocatable: { cpu: '1600', memory: '6400Gi' }, allocated: { cpu: '32', memory: '128Gi', storage: '1024Gi' }, tenants: 1, lastHeartbeatTime: now.toISOString() });
    expect(second.event).toBeUndefined();
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
});
