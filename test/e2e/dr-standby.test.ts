// DR I end to end (issue 11): a production member and two standby members (same-city and remote),
// a tenant with a DR plan and the objects a department makes in its namespace; the operator keeps
// a copy on each standby, in standby form, with digests equal to production's and a recovery point
// that moves. From the audit logs: the operator writes nothing to production once the tenant is
// provisioned, and lists nothing anywhere once the copies are current.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DrConditions, findCondition, TenantConditions } from '../../controllers/conditions.js';
import { API_VERSION } from '../../operator/crds.js';
import { readState } from '../../operator/dev-cluster/index.js';
import { identityFromUserAgent, isMutating, readAuditLog, type AuditEvent } from '../../operator/dev-cluster/audit.js';
import { Operator } from '../../operator/manager.js';
import { RestClient } from '../../operator/rest.js';
import type { DrStatus, StandbyCopyStatus } from '../../operator/standby-copier.js';
import { GANSU_DIR } from '../../topology/estate.test-helpers.js';
import { openAddressPlan } from '../../topology/ipam/ledger-store.js';
import { loadEstate } from '../../topology/load.js';
import { longyunAsync } from './cli-helpers.js';
import { departmentObjects, DR_NODES, OTHER, PROD, REMOTE, SAME, WIDGET_CRD } from './dr-fixtures.js';
import { startEnv, waitFor, type Env } from './operator-helpers.js';

const estate = loadEstate(GANSU_DIR);
const plan = openAddressPlan(estate);
const NODES = DR_NODES;
const TENANT = 'health-archive';
const NS = TENANT;

let env: Env;
let op: Operator;
const logs: string[] = [];
let admin: RestClient;
let prod: RestClient;
let same: RestClient;
let remote: RestClient;
/** When the tenant was provisioned on production, and when its copies were first current (API-server time is the same machine's). */
let provisionedAt = 0;
let steadyAt = 0;

const DEPARTMENT_OBJECTS = departmentObjects(NS);

const tenantPath = (name: string) => `/apis/${API_VERSION}/tenants/${name}`;
async function tenantStatus(name: string): Promise<{ node?: string; activeNode?: string; epoch?: number; conditions?: Array<{ type: string; status: string; message: string }>; dr?: DrStatus } | undefined> {
  const t = await admin.request<{ status?: Record<string, unknown> }>('GET', tenantPath(name)).catch(() => undefined);
  return t?.status as never;
}
const standbyOf = (dr: DrStatus | undefined, centre: string): StandbyCopyStatus | undefined => dr?.standbys.find((s) => s.centre === centre);
const current = (s: StandbyCopyStatus | undefined) => s?.state === 'Current' && s.digest !== undefined && s.digest === s.sourceDigest;

/** The dev cluster standing for a node (members in NODES order). */
const memberName = (node: string) => env.plane.clusters.filter((x) => x.role === 'member')[NODES.findIndex((n) => n.name === node)]!.name;
function auditOf(name: string): AuditEvent[] {
  return readAuditLog(env.plane.clusters.find((c) => c.name === memberName(name))!.auditLog!);
}
const byLongyun = (e: AuditEvent) => identityFromUserAgent(e.userAgent) !== undefined;

beforeAll(async () => {
  // Each member reached as its least-privilege user: `longyun-member` and the per-namespace `longyun-tenant` binding longyun makes.
  env = await startEnv(NODES, { audit: true, memberIdentity: 'longyun-member' });
  admin = new RestClient(env.management);
  [prod, same, remote] = env.members.slice(0, 3).map((kc) => new RestClient(kc)) as [RestClient, RestClient, RestClient];
  // The custom resource's CRD on production and the same-city standby only.
  for (const m of [prod, same]) await m.apply(WIDGET_CRD as never, 'longyun-test');
  for (const m of [prod, same]) await waitFor('the Widget CRD to be served', async () => (await m.request('GET', '/apis/example.longyun.io/v1').then(() => true).catch(() => false)) || undefined);
  op = new Operator({ kubeConfig: env.management, estate, plan, identity: 'dr-e2e', leaseDurationSeconds: 4, log: (l) => logs.push(l), drLivenessMs: 300, drStatusStepMs: 1000 });
  await op.start();
  await admin.request('POST', `/apis/${API_VERSION}/tenants`, {
    apiVersion: API_VERSION,
    kind: 'Tenant',
    metadata: { name: TENANT },
    spec: { department: 'gansu-health', node: PROD, quota: { cpu: '16', memory: '64Gi', storage: '2Ti' }, mlps: 3, planes: ['plane-1'], dr: { rpoMinutes: 15, rtoMinutes: 120, centres: ['same-city-dr', 'remote-dr'] } },
  });
  await waitFor('the tenant Ready on production', async () => findCondition((await tenantStatus(TENANT))?.conditions as never, TenantConditions.Ready)?.status === 'True' || undefined);
  // Provisioned: the tenant's objects, and the node's backup storage locations its Schedules name.
  for (const bsl of ['dc-lanzhou-new-area-dr', 'dc-qingyang-dr']) {
    await waitFor(`the BackupStorageLocation ${bsl} on production`, async () => (await prod.request('GET', `/apis/velero.io/v1/namespaces/velero/backupstoragelocations/${bsl}`).then(() => true).catch(() => false)) || undefined);
  }
  provisionedAt = Date.now() * 1000;
  for (const o of DEPARTMENT_OBJECTS) await prod.apply(o as never, 'department');
  await waitFor(
    'both standby copies current',
    async () => {
      const dr = (await tenantStatus(TENANT))?.dr;
      return (current(standbyOf(dr, 'same-city-dr')) && standbyOf(dr, 'remote-dr')?.state === 'Current') || undefined;
    },
    120_000,
  );
  steadyAt = Date.now() * 1000;
}, 300_000);

afterAll(async () => {
  await op?.stop();
  for (const r of [admin, prod, same, remote]) r?.close();
  await env?.stop();
  if (process.env.LONGYUN_E2E_LOGS) console.log(logs.join('\n'));
});

describe('standby copies', () => {
  it('puts the tenant at home with epoch 1, and copies its namespace to both standbys with production\'s digest', async () => {
    const s = (await tenantStatus(TENANT))!;
    expect(s).toMatchObject({ node: PROD, activeNode: PROD, epoch: 1 });
    expect(s.dr).toMatchObject({ rpoScope: 'objects', rpoSeconds: 900 });
    const sc = standbyOf(s.dr, 'same-city-dr')!;
    expect(sc).toMatchObject({ node: SAME, state: 'Current' });
    expect(sc.digest).toBe(sc.sourceDigest);
    for (const kind of ['ConfigMap/settings', 'Secret/db-credentials', 'Service/web', 'PersistentVolumeClaim/data', 'Deployment/web', 'StatefulSet/db', 'DaemonSet/agent', 'CronJob/report', 'Ingress/web', 'Widget/gear', 'ResourceQuota/longyun-quota']) {
      expect(Object.keys(sc.objectDigests ?? {}).some((k) => k.endsWith(`/${kind}`)), `${kind} in the same-city copy`).toBe(true);
    }
    expect(findCondition(s.conditions as never, DrConditions.StandbyCurrent)?.status).toBe('True');
  });

  it('shows them to an SRE: `longyun dr status -o json` and the table', async () => {
    const mgmt = env.plane.clusters.find((c) => c.role === 'management')!.kubeconfig;
    const json = await longyunAsync(['dr', 'status', TENANT, '-o', 'json'], mgmt);
    expect(json.code, json.stderr).toBe(0);
    const [row] = JSON.parse(json.stdout) as Array<{ tenant: string; home: string; activeNode: string; epoch: number; rpoSeconds: number; standbys: Array<{ centre: string; node: string; state: string; digestMatch: string; withinRpo: boolean; notCopied: number }> }>;
    expect(row).toMatchObject({ tenant: TENANT, home: PROD, activeNode: PROD, epoch: 1, rpoSeconds: 900 });
    expect(row!.standbys).toEqual([
      expect.objectContaining({ centre: 'same-city-dr', node: SAME, state: 'Current', digestMatch: 'match', withinRpo: true, notCopied: 0 }),
      expect.objectContaining({ centre: 'remote-dr', node: REMOTE, state: 'Current', digestMatch: 'match', withinRpo: true, notCopied: 1 }),
    ]);
    const table = await longyunAsync(['dr', 'status', TENANT], mgmt);
    expect(table.stdout).toMatch(new RegExp(`same-city-dr\\s+${SAME}.*✓\\s+Current`));
    const unknown = await longyunAsync(['dr', 'status', 'no-such-tenant'], mgmt);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/no-such-tenant/);
  });

  it('keeps the copies in standby form: no replicas, DaemonSets held, CronJobs suspended, no live Service', async () => {
    for (const m of [same, remote]) {
      const d = await m.request<{ spec: { replicas: number } }>('GET', `/apis/apps/v1/namespaces/${NS}/deployments/web`);
      expect(d.spec.replicas).toBe(0);
      const st = await m.request<{ spec: { replicas: number } }>('GET', `/apis/apps/v1/namespaces/${NS}/statefulsets/db`);
      expect(st.spec.replicas).toBe(0);
      const ds = await m.request<{ spec: { template: { spec: { nodeSelector: Record<string, string> } } } }>('GET', `/apis/apps/v1/namespaces/${NS}/daemonsets/agent`);
      expect(ds.spec.template.spec.nodeSelector).toEqual({ 'longyun.io/standby-hold': 'true' });
      const cj = await m.request<{ spec: { suspend: boolean } }>('GET', `/apis/batch/v1beta1/namespaces/${NS}/cronjobs/report`);
      expect(cj.spec.suspend).toBe(true);
      await expect(m.request('GET', `/api/v1/namespaces/${NS}/services/web`)).rejects.toMatchObject({ code: 404 });
      // …kept in the record instead, with the source's replicas.
      const record = await m.request<{ data: Record<string, string> }>('GET', `/api/v1/namespaces/${NS}/configmaps/longyun-standby`);
      const text = Object.values(record.data).join('\n');
      expect(text).toMatch(/"kind":"Service"/);
      expect(text).toMatch(/"replicas":3/);
    }
    // Production is untouched.
    const live = await prod.request<{ spec: { replicas: number } }>('GET', `/apis/apps/v1/namespaces/${NS}/deployments/web`);
    expect(live.spec.replicas).toBe(3);
  });

  it('reports the custom resource on the standby without its CRD, with the reason', async () => {
    const rm = standbyOf((await tenantStatus(TENANT))!.dr, 'remote-dr')!;
    expect(rm.notCopied).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'Widget', name: 'gear', reason: expect.stringMatching(/widgets\.example\.longyun\.io/) })]));
    await expect(remote.request('GET', `/api/v1/namespaces/${NS}/configmaps/settings`)).resolves.toBeDefined();
    await expect(same.request('GET', `/apis/example.longyun.io/v1/namespaces/${NS}/widgets/gear`)).resolves.toMatchObject({ spec: { teeth: 12 } });
  });

  it('carries an edit on production to both standbys, and moves the recovery point past it', async () => {
    const before = standbyOf((await tenantStatus(TENANT))!.dr, 'same-city-dr')!;
    const editedAt = Date.now();
    await prod.request('PATCH', `/api/v1/namespaces/${NS}/configmaps/settings`, { data: { mode: 'edited' } }, 'application/merge-patch+json');
    for (const m of [same, remote]) {
      await waitFor('the edit on the standby', async () => (await m.request<{ data: Record<string, string> }>('GET', `/api/v1/namespaces/${NS}/configmaps/settings`)).data.mode === 'edited' || undefined);
    }
    const after = await waitFor('a recovery point past the edit with digests equal', async () => {
      const s = standbyOf((await tenantStatus(TENANT))!.dr, 'same-city-dr');
      return (current(s) && Date.parse(s!.recoveryPoint!) >= editedAt && s) || undefined;
    });
    expect(after.sourceDigest).not.toBe(before.sourceDigest);
  });

  it('moves an idle tenant\'s recovery point on (its lag stays bounded)', async () => {
    const first = Date.parse(standbyOf((await tenantStatus(TENANT))!.dr, 'remote-dr')!.recoveryPoint!);
    const second = await waitFor('the recovery point to advance with no change', async () => {
      const rp = Date.parse(standbyOf((await tenantStatus(TENANT))!.dr, 'remote-dr')?.recoveryPoint ?? '0');
      return rp > first ? rp : undefined;
    });
    await waitFor('and again', async () => Date.parse(standbyOf((await tenantStatus(TENANT))!.dr, 'remote-dr')?.recoveryPoint ?? '0') > second || undefined);
  });

  it('undoes an edit made on a standby', async () => {
    await same.request('PATCH', `/api/v1/namespaces/${NS}/configmaps/settings`, { data: { mode: 'tampered' }, metadata: { labels: { extra: 'x' } } }, 'application/merge-patch+json');
    await waitFor('the standby edit undone', async () => {
      const cm = await same.request<{ data: Record<string, string>; metadata: { labels?: Record<string, string> } }>('GET', `/api/v1/namespaces/${NS}/configmaps/settings`);
      return (cm.data.mode === 'edited' && cm.metadata.labels?.extra === undefined) || undefined;
    });
  });

  it('deletes a copy when its source is deleted', async () => {
    await prod.request('DELETE', `/apis/networking.k8s.io/v1/namespaces/${NS}/ingresses/web`);
    for (const m of [same, remote]) {
      await waitFor('the Ingress copy gone', async () => (await m.request('GET', `/apis/networking.k8s.io/v1/namespaces/${NS}/ingresses/web`).then(() => false).catch((e: { code?: number }) => e.code === 404)) || undefined);
    }
    await waitFor('digests equal again', async () => current(standbyOf((await tenantStatus(TENANT))!.dr, 'same-city-dr')) || undefined);
  });

  it('never wrote to production after provisioning, and listed nothing once the copies were current (audit logs)', () => {
    const prodWrites = auditOf(PROD).filter((e) => byLongyun(e) && isMutating(e) && e.receivedUs > provisionedAt);
    expect(prodWrites.map((e) => `${e.verb} ${e.requestURI}`)).toEqual([]);
    for (const name of [PROD, SAME, REMOTE]) {
      const lists = auditOf(name).filter((e) => byLongyun(e) && e.verb === 'list' && e.receivedUs > steadyAt);
      expect(lists.map((e) => `${name}: ${e.requestURI}`)).toEqual([]);
    }
    // The audit log does see longyun's LISTs (before the steady state): the check above is not vacuous.
    expect(auditOf(SAME).some((e) => byLongyun(e) && e.verb === 'list')).toBe(true);
  });
});

describe('a source that stops answering', () => {
  it('stops the recovery point where it was (never past the freeze), and moves it on once production answers again', async () => {
    const pid = readState(env.stateDir)!.clusters.find((c) => c.name === memberName(PROD))!.apiserver.pid;
    const frozenAt = Date.now();
    process.kill(pid, 'SIGSTOP');
    try {
      const stuck = await waitFor('SourceUnreachable', async () => {
        const s = standbyOf((await tenantStatus(TENANT))!.dr, 'same-city-dr');
        return s?.state === 'SourceUnreachable' ? s : undefined;
      });
      expect(Date.parse(stuck.recoveryPoint!)).toBeLessThanOrEqual(frozenAt);
      expect(stuck.message).toMatch(/does not answer/);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await waitFor('current again, past the freeze', async () => {
      const s = standbyOf((await tenantStatus(TENANT))!.dr, 'same-city-dr');
      return (current(s) && Date.parse(s!.recoveryPoint!) > frozenAt) || undefined;
    }, 120_000);
  }, 300_000);
});

describe('bad input', () => {
  it('a DR plan on a node no standby protects: NoStandby with the fix, and nothing copied anywhere', async () => {
    await admin.request('POST', `/apis/${API_VERSION}/tenants`, {
      apiVersion: API_VERSION,
      kind: 'Tenant',
      metadata: { name: 'lanzhou-permits' },
      spec: { department: 'lanzhou-government-services', node: OTHER, quota: { cpu: '4', memory: '8Gi', storage: '100Gi' }, mlps: 2, planes: ['plane-1'], dr: { rpoMinutes: 30, rtoMinutes: 240, centres: ['same-city-dr'] } },
    });
    const s = await waitFor('NoStandby', async () => {
      const st = await tenantStatus('lanzhou-permits');
      return standbyOf(st?.dr, 'same-city-dr')?.state === 'NoStandby' ? st : undefined;
    });
    expect(standbyOf(s.dr, 'same-city-dr')!.message).toMatch(/protects: \[lanzhou-cloud\]/);
    expect(findCondition(s.conditions as never, DrConditions.StandbyCurrent)).toMatchObject({ status: 'False', reason: 'NoStandby' });
    for (const m of [same, remote]) await expect(m.request('GET', '/api/v1/namespaces/lanzhou-permits')).rejects.toMatchObject({ code: 404 });
  });

  it('a standby without room: NoRoom naming the standby, and nothing copied there', async () => {
    await admin.request('POST', `/apis/${API_VERSION}/tenants`, {
      apiVersion: API_VERSION,
      kind: 'Tenant',
      metadata: { name: 'big-archive' },
      spec: { department: 'gansu-health', node: PROD, quota: { cpu: '64', memory: '256Gi', storage: '4Ti' }, mlps: 3, planes: ['plane-1'], dr: { rpoMinutes: 15, rtoMinutes: 120, centres: ['remote-dr'] } },
    });
    const s = await waitFor('NoRoom', async () => {
      const st = await tenantStatus('big-archive');
      return standbyOf(st?.dr, 'remote-dr')?.state === 'NoRoom' ? st : undefined;
    });
    expect(standbyOf(s.dr, 'remote-dr')!.message).toMatch(new RegExp(`${REMOTE}.*capacity`));
    await expect(remote.request('GET', '/api/v1/namespaces/big-archive')).rejects.toMatchObject({ code: 404 });
  });
});

describe('deleting the tenant', () => {
  it('removes the standby copies, then the tenant', async () => {
    await admin.request('DELETE', tenantPath(TENANT));
    await waitFor('the tenant gone', async () => (await admin.request('GET', tenantPath(TENANT)).then(() => false).catch((e: { code?: number }) => e.code === 404)) || undefined);
    for (const m of [same, remote]) {
      const ns = await m.request<{ status?: { phase?: string } }>('GET', `/api/v1/namespaces/${NS}`).catch((e: { code?: number }) => (e.code === 404 ? undefined : Promise.reject(e)));
      // Gone, or going (a namespace is removed once what is in it is).
      expect(ns === undefined || ns.status?.phase === 'Terminating').toBe(true);
    }
  }, 150_000);
});
