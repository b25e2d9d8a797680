import { describe, expect, it } from 'vitest';
import {
  type AuditEvent,
  type ClusterEvent,
  AuditLogError,
  describeWrite,
  formatMicroseconds,
  identityFromUserAgent,
  leaseAcquisitions,
  microseconds,
  parseAuditLog,
  writesWhileNotLeading,
} from './audit.js';

// A line as kube-apiserver 1.20.2 writes it (`--audit-log-format json`, Metadata level).
const REAL =
  '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a9e688da-05a2-4530-bff9-d566c9b29d0b","stage":"ResponseComplete","requestURI":"/api/v1/namespaces","verb":"create","user":{"username":"system:apiserver","uid":"4600785c-7755-4ad2-a3b4-e90bde4da144","groups":["system:masters"]},"sourceIPs":["127.0.0.1"],"userAgent":"kube-apiserver/v1.20.2 (linux/amd64) kubernetes/faecb19","objectRef":{"resource":"namespaces","name":"kube-system","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":201},"requestReceivedTimestamp":"2026-12-02T01:40:41.625962Z","stageTimestamp":"2026-12-02T01:40:41.646130Z","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}';

let seq = 0;
/** An event at `t` milliseconds past a fixed second, with microseconds. */
function ev(cluster: string, user: string, verb: string, t: number, objectRef: AuditEvent['objectRef'], code = 200): ClusterEvent {
  const receivedUs = microseconds('2026-12-02T01:40:00Z') + t * 1000;
  return { cluster, auditID: `id-${++seq}`, stage: 'ResponseComplete', verb, requestURI: '/x', user, userAgent: undefined, objectRef, code, received: formatMicroseconds(receivedUs), receivedUs, completedUs: receivedUs + 500 };
}
const LEASE = { namespace: 'longyun-system', name: 'longyun-operator' };
const lease = { resource: 'leases', namespace: LEASE.namespace, name: LEASE.name, apiGroup: 'coordination.k8s.io' };
const tenant = (name: string) => ({ resource: 'tenants', name, apiGroup: 'longyun.io', subresource: 'status' });
const replicaOf = (e: AuditEvent) => ({ 'sa:a': 'replica-a', 'sa:b': 'replica-b' })[e.user];

describe('audit log reader', () => {
  it('reads the events kube-apiserver writes, with microsecond timestamps', () => {
    const [e] = parseAuditLog(`${REAL}\n`);
    expect(e).toMatchObject({ verb: 'create', user: 'system:apiserver', code: 201, objectRef: { resource: 'namespaces', name: 'kube-system' }, received: '2026-12-02T01:40:41.625962Z' });
    expect(e!.receivedUs).toBe(Date.parse('2026-12-02T01:40:41.625Z') * 1000 + 962);
    expect(e!.completedUs - e!.receivedUs).toBe(20_168);
    expect(e!.userAgent).toBe('kube-apiserver/v1.20.2 (linux/amd64) kubernetes/faecb19');
  });

  it('leaves out a last line still being written, and names the line of a broken one', () => {
    expect(parseAuditLog(`${REAL}\n${REAL.slice(0, 80)}`)).toHaveLength(1);
    expect(parseAuditLog('')).toEqual([]);
    expect(() => parseAuditLog(`${REAL}\n{"verb":"create"}\n`, 'member-1.log')).toThrow(AuditLogError);
    expect(() => parseAuditLog(`${REAL}\nnope\n`, 'member-1.log')).toThrow(/member-1\.log:2: not JSON/);
  });

  it('converts timestamps of any precision, and back with microseconds', () => {
    expect(microseconds('2026-12-02T01:40:41Z')).toBe(Date.parse('2026-12-02T01:40:41Z') * 1000);
    expect(microseconds('2026-12-02T01:40:41.5Z') % 1_000_000).toBe(500_000);
    expect(microseconds('2026-12-02T01:40:41.123456789Z') % 1_000_000).toBe(123_456);
    expect(microseconds('2026-12-02T09:40:41.000001+08:00')).toBe(microseconds('2026-12-02T01:40:41.000001Z'));
    expect(formatMicroseconds(microseconds('2026-12-02T01:40:41.625962Z'))).toBe('2026-12-02T01:40:41.625962Z');
    expect(() => microseconds('yesterday')).toThrow(AuditLogError);
  });

  it('finds the replica in a longyun operator user agent only', () => {
    expect(identityFromUserAgent('longyun-operator/0.1.0 (replica-a)')).toBe('replica-a');
    expect(identityFromUserAgent('longyun-operator/0.1.0 (host-1234 (x))')).toBe('host-1234 (x)');
    expect(identityFromUserAgent('kube-apiserver/v1.20.2 (linux/amd64) kubernetes/faecb19')).toBeUndefined();
    expect(identityFromUserAgent(undefined)).toBeUndefined();
  });
});

describe('leader Lease timeline and writes from a replica that does not lead', () => {
  const events = [
    ev('management', 'sa:a', 'create', 100, lease, 201),
    ev('management', 'sa:a', 'patch', 110, tenant('t1')),
    ev('management', 'sa:a', 'update', 900, lease),
    ev('member-1', 'sa:a', 'patch', 950, { resource: 'namespaces', name: 't1' }),
    // a frozen, b waits out the lease, then takes it; a's 409 is no write
    ev('management', 'sa:b', 'update', 5000, lease),
    ev('management', 'sa:b', 'patch', 5010, tenant('t2')),
    ev('management', 'sa:a', 'update', 6000, lease, 409),
    ev('member-1', 'sa:a', 'patch', 6001, { resource: 'resourcequotas', namespace: 't1', name: 'longyun-quota' }),
    ev('management', 'sa:a', 'patch', 6002, tenant('t1'), 409),
    ev('management', 'longyun-admin', 'delete', 6003, tenant('t1')),
    ev('management', 'sa:b', 'update', 7000, lease),
  ];

  it('an acquisition is a write of the Lease by another replica than the last writer; renewals and failed writes are not', () => {
    const acq = leaseAcquisitions(events, LEASE, replicaOf);
    expect(acq.map((a) => [a.replica, a.previous, a.event.received.slice(17)])).toEqual([
      ['replica-a', undefined, '00.100000Z'],
      ['replica-b', 'replica-a', '05.000000Z'],
    ]);
    expect(leaseAcquisitions(events, { namespace: LEASE.namespace, name: 'other' }, replicaOf)).toEqual([]);
  });

  it("counts only successful writes received from a replica after another's acquisition", () => {
    const late = writesWhileNotLeading(events, leaseAcquisitions(events, LEASE, replicaOf), replicaOf);
    expect(late).toHaveLength(1);
    expect(late[0]).toMatchObject({ replica: 'replica-a', holder: 'replica-b', afterAcquisitionUs: 1_001_000 });
    expect(describeWrite(late[0]!)).toBe("member-1: replica-a patch resourcequotas t1/longyun-quota (HTTP 200) received 2026-12-02T01:40:06.001000Z, 1001.0 ms after replica-b's acquisition");
  });

  it('a replica leads again from its own next acquisition; a write before any acquisition counts', () => {
    const more = [...events, ev('management', 'sa:a', 'update', 9000, lease), ev('member-1', 'sa:a', 'patch', 9001, { resource: 'namespaces', name: 't3' }), ev('member-2', 'sa:b', 'create', 50, { resource: 'namespaces', name: 't0' }, 201)];
    const late = writesWhileNotLeading(more, leaseAcquisitions(more, LEASE, replicaOf), replicaOf);
    expect(late.map((w) => [w.replica, w.holder, w.event.objectRef?.name])).toEqual([
      ['replica-b', undefined, 't0'],
      ['replica-a', 'replica-b', 'longyun-quota'],
    ]);
    expect(describeWrite(late[0]!)).toMatch(/before any acquisition$/);
  });
});
