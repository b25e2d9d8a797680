// Proof from the API servers that a leader which lost its lease writes nothing more: two
// `longyun operator run` replicas (the bundle, child processes) on a local control plane started
// with audit logs (`up({ audit: true })`). The leader gets many tenants at once, is frozen
// (SIGSTOP) with those writes queued, the other replica takes the lease, the old leader is
// resumed (SIGCONT); then every API server's audit log is read. No successful write from the old
// leader may have been *received* after the new leader's Lease acquisition, and the old leader
// must exit non-zero.
//
// The replicas are told apart by the user each authenticates as (its own ServiceAccount on every
// cluster, operator/dev-replicas.ts), whatever User-Agent it sends; a longyun User-Agent naming
// the replica is cross-checked against it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDON_STAND_INS } from '../../operator/addon-crds.js';
import { API_VERSION } from '../../operator/crds.js';
import {
  type AuditEvent,
  type ClusterEvent,
  type LeaseAcquisition,
  describeWrite,
  identityFromUserAgent,
  isMutating,
  leaseAcquisitions,
  readAuditLog,
  writesWhileNotLeading,
} from '../../operator/dev-cluster/audit.js';
import { down, up, type DevControlPlane } from '../../operator/dev-cluster/index.js';
import { devReplicas, registerReplicaMembers, type DevReplicas } from '../../operator/dev-replicas.js';
import { RestClient } from '../../operator/rest.js';
import { loadEstate } from '../../topology/load.js';
import { shippedEstateDir } from '../../topology/paths.js';
import { BIN } from './cli-helpers.js';
import { applyAll, kubeConfigOf, waitFor } from './operator-helpers.js';

const LEASE = { namespace: 'longyun-system', name: 'longyun-operator' };
const LEASE_SECONDS = 4;
const TENANTS = 60;
const [A, B] = ['replica-a', 'replica-b'] as const;

/** A `longyun operator run` child process and its stderr so far. */
interface Replica {
  identity: string;
  child: ChildProcess;
  log: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let plane: DevControlPlane;
let stateDir: string;
let replicas: DevReplicas;
let admin: RestClient;
const running: Replica[] = [];
let acquisition: LeaseAcquisition | undefined;
let frozenWithPending = 0;

function startReplica(identity: string): Replica {
  const r = replicas.replicas.find((x) => x.name === identity)!;
  const child = spawn(process.execPath, [BIN, 'operator', 'run', '--kubeconfig', r.managementKubeconfig, '--identity', identity, '--lease-duration', String(LEASE_SECONDS), '--metrics-port', '0'], {
    env: { ...process.env, ...r.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.once('exit', (code, signal) => res({ code, signal })));
  const replica = { identity, child, log: () => log, exited };
  running.push(replica);
  return replica;
}

const tail = (r: Replica, n = 30) => `${r.identity}'s log (last ${n} lines):\n${r.log().split('\n').slice(-n).join('\n')}`;

/** The replica that made a request: by the user it authenticated as, else by a longyun User-Agent. */
function replicaOf(e: AuditEvent): string | undefined {
  return replicas.replicaOfUser(e.user) ?? identityFromUserAgent(e.userAgent);
}

function allEvents(): ClusterEvent[] {
  return plane.clusters.flatMap((c) => readAuditLog(c.auditLog!).map((e) => ({ ...e, cluster: c.name })));
}

const managementEvents = () => readAuditLog(plane.clusters.find((c) => c.role === 'management')!.auditLog!);

type TenantList = { items: Array<{ metadata: { name: string }; status?: { phase?: string } }> };
const fenceTenants = async () => (await admin.request<TenantList>('GET', `/apis/${API_VERSION}/tenants`)).items.filter((t) => t.metadata.name.startsWith('fence-'));

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'longyun-fencing-e2e-'));
  plane = await up({ members: 2, stateDir, audit: true });
  const management = plane.clusters.find((c) => c.role === 'management')!;
  for (const m of plane.clusters.filter((c) => c.role === 'member')) await applyAll(kubeConfigOf(m.kubeconfig), ADDON_STAND_INS);
  replicas = await devReplicas(plane, [A, B], join(stateDir, 'replicas'));
  admin = new RestClient(kubeConfigOf(management.kubeconfig));
  await waitFor('the CRDs to be served', async () => (await admin.request<TenantList>('GET', `/apis/${API_VERSION}/tenants`)).items !== undefined);
  const estate = loadEstate(shippedEstateDir());
  await registerReplicaMembers(plane, ['tianshui-cloud', 'gansu-provincial'].map((id) => estate.cloudById.get(id)!), replicas);
}, 180_000);

afterAll(async () => {
  for (const r of running) {
    if (r.child.exitCode === null && r.child.signalCode === null) {
      r.child.kill('SIGCONT');
      r.child.kill('SIGKILL');
      await r.exited;
    }
  }
  admin?.close();
  if (stateDir) await down({ stateDir });
}, 60_000);

describe('a leader that lost its lease writes nothing more (audit logs of every API server)', () => {
  it('two replicas: replica-a leads and onboards both members, replica-b waits', async () => {
    const a = startReplica(A);
    await waitFor(`${A} to lead`, async () => /became leader/.test(a.log()), 60_000).catch((e: Error) => Promise.reject(new Error(`${e.message}\n${tail(a)}`)));
    const b = startReplica(B);
    await waitFor(`${B} to see ${A} leading`, async () => new RegExp(`the leader is ${A}`).test(b.log()), 60_000);
    type Node = { metadata: { name: string }; status?: { conditions?: Array<{ type: string; status: string }> } };
    await waitFor('both CloudNodes Ready', async () => {
      const nodes = (await admin.request<{ items: Node[] }>('GET', `/apis/${API_VERSION}/cloudnodes`)).items;
      return nodes.length === 2 && nodes.every((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    }, 90_000, 250);
    // The audit logs name each replica by its own user, on every cluster it wrote to.
    const writers = new Set(allEvents().filter((e) => isMutating(e) && replicaOf(e) === A).map((e) => e.cluster));
    expect([...writers].sort()).toEqual(['management', 'member-1', 'member-2']);
  }, 240_000);

  it('the leader, frozen with many writes queued, loses the lease to the other replica', async () => {
    const a = running.find((r) => r.identity === A)!;
    const names = Array.from({ length: TENANTS }, (_, i) => `fence-${String(i).padStart(2, '0')}`);
    await Promise.all(
      names.map((name, i) =>
        admin.request('POST', `/apis/${API_VERSION}/tenants`, {
          apiVersion: API_VERSION,
          kind: 'Tenant',
          metadata: { name },
          spec: { department: i % 2 ? 'gansu-data-bureau' : 'tianshui-big-data', quota: { cpu: '1', memory: '1Gi', storage: '10Gi' }, mlps: 2, planes: ['plane-1'] },
        }),
      ),
    );
    // Frozen as soon as it is at work on them: most are still to be written.
    await waitFor(`${A} at work on the tenants`, async () => (await fenceTenants()).some((t) => t.status?.phase !== undefined), 60_000, 20);
    a.child.kill('SIGSTOP');
    frozenWithPending = (await fenceTenants()).filter((t) => t.status?.phase !== 'Ready').length;
    expect(frozenWithPending, 'tenants not yet Ready when the leader was frozen').toBeGreaterThan(0);
    acquisition = await waitFor(`${B}'s Lease acquisition in the management audit log`, async () => leaseAcquisitions(managementEvents(), LEASE, replicaOf).find((x) => x.replica === B), 90_000, 100);
    expect(acquisition.previous).toBe(A);
    a.child.kill('SIGCONT');
    await waitFor(`${A} to stop leading or exit after it was resumed`, async () => a.child.exitCode !== null || a.child.signalCode !== null || /no longer leading|stopped leading/.test(a.log()), 60_000, 100).catch(
      (e: Error) => Promise.reject(new Error(`${e.message}\n${tail(a)}`)),
    );
  }, 180_000);

  it('the new leader brings every tenant to Ready', async () => {
    const b = running.find((r) => r.identity === B)!;
    await waitFor(`all ${TENANTS} tenants Ready`, async () => {
      const ts = await fenceTenants();
      return ts.length === TENANTS && ts.every((t) => t.status?.phase === 'Ready');
    }, 120_000, 250).catch((e: Error) => Promise.reject(new Error(`${e.message}\n${tail(b)}`)));
  }, 180_000);

  it("no API server received a successful write from the old leader after the new leader's acquisition", () => {
    expect(acquisition).toBeDefined();
    const events = allEvents();
    // A longyun User-Agent, where sent, names the same replica as the user.
    for (const e of events) {
      const byAgent = identityFromUserAgent(e.userAgent);
      const byUser = replicas.replicaOfUser(e.user);
      if (byAgent !== undefined && byUser !== undefined) expect(byAgent, `${e.cluster} ${e.verb} ${e.requestURI}`).toBe(byUser);
    }
    const acquisitions = leaseAcquisitions(events.filter((e) => e.cluster === 'management'), LEASE, replicaOf);
    expect(acquisitions.map((x) => x.replica)).toEqual([A, B]);
    const late = writesWhileNotLeading(events, acquisitions, replicaOf);
    const a = running.find((r) => r.identity === A)!;
    const agents = [...new Set(events.filter((e) => replicaOf(e) === A).map((e) => e.userAgent ?? '(none)'))].join(', ');
    expect(
      late.map(describeWrite),
      `${late.length} writes of ${A} received after ${B} took the lease at ${acquisition!.event.received} (${frozenWithPending} of ${TENANTS} tenants were pending when ${A} was frozen; its User-Agents: ${agents})\n${tail(a, 15)}`,
    ).toEqual([]);
  });

  it('the old leader exits non-zero', async () => {
    const a = running.find((r) => r.identity === A)!;
    const exit = await waitFor(`${A} to exit`, async () => (a.child.exitCode !== null || a.child.signalCode !== null ? a.exited : undefined), 60_000, 100).catch((e: Error) =>
      Promise.reject(new Error(`${e.message}\n${tail(a, 15)}`)),
    );
    expect(exit.signal).toBeNull();
    expect(exit.code).not.toBe(0);
  }, 90_000);
});
