// DR III end to end (issue 13): production and two standbys, tenants with DR I's department objects.
// A planned failover and failback through `longyun dr failover|failback` (digests equal, RPO 0);
// a dry run that changes nothing; bad input refused with nothing created; an emergency failover
// with production's API server frozen (SIGSTOP), then thawed: fenced before anything else (from its
// audit log), with what changed there after the recovery point — an edit made while copying was
// paused, and a request sent during the outage that lands late — kept in lost+found; and the
// operator (the bundle, as deployed) killed on entering each phase, one active copy after each.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Failover, FailoverPhase } from '../../controllers/dr/failover-types.js';
import { API_VERSION } from '../../operator/crds.js';
import { identityFromUserAgent, isMutating, readAuditLog, type AuditEvent } from '../../operator/dev-cluster/audit.js';
import { Operator } from '../../operator/manager.js';
import { RestClient } from '../../operator/rest.js';
import type { DrStatus } from '../../operator/standby-copier.js';
import { GANSU_DIR } from '../../topology/estate.test-helpers.js';
import { openAddressPlan } from '../../topology/ipam/ledger-store.js';
import { loadEstate } from '../../topology/load.js';
import { BIN, longyunAsync } from './cli-helpers.js';
import { departmentObjects, DR_NODES, OTHER, PROD, SAME, WIDGET_CRD } from './dr-fixtures.js';
import { startEnv, waitFor, type Env } from './operator-helpers.js';

const estate = loadEstate(GANSU_DIR);
const plan = openAddressPlan(estate);
const NODES = DR_NODES;
/** Planned failover and failback; emergency; the crash at each phase; a tenant no standby protects. */
const A = 'health-archive';
const B = 'social-security';
const C = 'pension-records';
const UNPROTECTED = 'lanzhou-permits';
const dr = (centres: string[]) => ({ rpoMinutes: 15, rtoMinutes: 120, centres });
const TENANTS = [
  { name: A, department: 'gansu-health', node: PROD, quota: { cpu: '16', memory: '64Gi', storage: '2Ti' }, dr: dr(['same-city-dr', 'remote-dr']) },
  { name: B, department: 'gansu-health', node: PROD, quota: { cpu: '4', memory: '16Gi', storage: '500Gi' }, dr: dr(['same-city-dr']) },
  { name: C, department: 'gansu-health', node: PROD, quota: { cpu: '4', memory: '16Gi', storage: '500Gi' }, dr: dr(['same-city-dr']) },
  { name: UNPROTECTED, department: 'lanzhou-government-services', node: OTHER, quota: { cpu: '4', memory: '16Gi', storage: '500Gi' }, dr: dr(['same-city-dr']) },
];
const SETTLE_MS = 4000;

let env: Env;
let op: Operator | undefined;
const logs: string[] = [];
let admin: RestClient;
let prod: RestClient;
let same: RestClient;
let mgmtKubeconfig: string;

type TenantStatus = { node?: string; activeNode?: string; epoch?: number; dr?: DrStatus; operation?: { kind: string; name: string }; failovers?: { lastFailover?: { name: string; phase: string }; lastFailback?: { name: string; phase: string } }; lostAndFound?: Array<{ failover: string; node: string; quarantineNamespace: string; objects: Array<{ object: string; change: string }> }> };
const failoverPath = (name = '') => `/apis/${API_VERSION}/failovers${name ? `/${name}` : ''}`;
const getFailover = (name: string) => admin.request<Failover>('GET', failoverPath(name));
const listFailovers = async () => (await admin.request<{ items: Failover[] }>('GET', failoverPath())).items;
const tenantStatus = async (name: string): Promise<TenantStatus> => ((await admin.request<{ status?: TenantStatus }>('GET', `/apis/${API_VERSION}/tenants/${name}`)).status ?? {}) as TenantStatus;
const terminal = (f: Failover | undefined) => ['Succeeded', 'Failed', 'RolledBack'].includes(f?.status?.phase ?? '');
const waitTerminal = (name: string, ms = 180_000) => waitFor(`failover ${name} to finish`, async () => {
  const f = await getFailover(name).catch(() => undefined);
  return terminal(f) ? f : undefined;
}, ms);
/** The copy on `node` current and in sync with the active copy. */
const copyCurrentOn = async (tenant: string, node: string) => {
  const s = (await tenantStatus(tenant)).dr?.standbys.find((c) => c.node === node);
  return s?.state === 'Current' && s.digest === s.sourceDigest ? s : undefined;
};
const nodeReady = async (node: string) => (await admin.request<{ status?: { conditions?: Array<{ type: string; status: string }> } }>('GET', `/apis/${API_VERSION}/cloudnodes/${node}`)).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
const memberName = (node: string) => env.plane.clusters.filter((x) => x.role === 'member')[NODES.findIndex((n) => n.name === node)]!.name;
const clusterOf = (node: string) => env.plane.clusters.find((c) => c.name === memberName(node))!;
const auditOf = (node: string): AuditEvent[] => readAuditLog(clusterOf(node).auditLog!);
const byLongyun = (e: AuditEvent) => identityFromUserAgent(e.userAgent) !== undefined;
const micros = () => Date.now() * 1000;

type Ns = { metadata: { labels?: Record<string, string> } };
/** How a tenant's namespace stands on a member: live (the active copy), a standby copy, fenced, or absent. */
async function copyOn(r: RestClient, ns: string): Promise<{ state: 'live' | 'standby' | 'fenced' | 'absent'; replicas?: number; services: string[] }> {
  const n = await r.request<Ns>('GET', `/api/v1/namespaces/${ns}`).catch(() => undefined);
  if (!n) return { state: 'absent', services: [] };
  const labels = n.metadata.labels ?? {};
  const web = await r.request<{ spec: { replicas: number } }>('GET', `/apis/apps/v1/namespaces/${ns}/deployments/web`).catch(() => undefined);
  const services = (await r.request<{ items: Array<{ metadata: { name: string } }> }>('GET', `/api/v1/namespaces/${ns}/services`)).items.map((s) => s.metadata.name);
  const state = labels['longyun.io/standby'] !== undefined ? 'standby' : labels['longyun.io/fenced'] !== undefined ? 'fenced' : 'live';
  return { state, ...(web ? { replicas: web.spec.replicas } : {}), services };
}

/** Exactly one active copy of `tenant`, on `node` (its status says so, and the members agree), with the department's objects intact there. */
async function expectOneActiveCopy(tenant: string, node: string): Promise<void> {
  const s = await tenantStatus(tenant);
  expect(s.activeNode ?? s.node).toBe(node);
  const on: Record<string, Awaited<ReturnType<typeof copyOn>>> = { [PROD]: await copyOn(prod, tenant), [SAME]: await copyOn(same, tenant) };
  const live = Object.entries(on).filter(([, c]) => c.state === 'live' || (c.replicas ?? 0) > 0 || c.services.length > 0);
  expect(live.map(([n]) => n), JSON.stringify(on)).toEqual([node]);
  expect(on[node]).toMatchObject({ replicas: 3, services: ['web'] });
  const r = node === PROD ? prod : same;
  const settings = await r.request<{ data: Record<string, string> }>('GET', `/api/v1/namespaces/${tenant}/configmaps/settings`);
  expect(settings.data).toEqual({ mode: 'live', retention: '30d' });
  await r.request('GET', `/apis/example.longyun.io/v1/namespaces/${tenant}/widgets/gear`);
}

function startOperator(): Operator {
  return new Operator({ kubeConfig: env.management, estate, plan, identity: 'failover-e2e', leaseDurationSeconds: 4, log: (l) => logs.push(l), drLivenessMs: 300, drStatusStepMs: 1000, fenceSettleMs: SETTLE_MS });
}

beforeAll(async () => {
  env = await startEnv(NODES, { audit: true, memberIdentity: 'longyun-member' });
  mgmtKubeconfig = env.plane.clusters.find((c) => c.role === 'management')!.kubeconfig;
  admin = new RestClient(env.management);
  [prod, same] = env.members.slice(0, 2).map((kc) => new RestClient(kc)) as [RestClient, RestClient];
  for (const m of [prod, same]) await m.apply(WIDGET_CRD as never, 'longyun-test');
  for (const m of [prod, same]) await waitFor('the Widget CRD to be served', async () => (await m.request('GET', '/apis/example.longyun.io/v1').then(() => true).catch(() => false)) || undefined);
  op = startOperator();
  await op.start();
  for (const t of TENANTS) {
    await admin.request('POST', `/apis/${API_VERSION}/tenants`, { apiVersion: API_VERSION, kind: 'Tenant', metadata: { name: t.name }, spec: { department: t.department, node: t.node, quota: t.quota, mlps: 3, planes: ['plane-1'], dr: t.dr } });
  }
  for (const t of [A, B, C]) {
    await waitFor(`${t}'s namespace on production`, async () => (await prod.request('GET', `/api/v1/namespaces/${t}`).then(() => true).catch(() => false)) || undefined);
    for (const o of departmentObjects(t)) await prod.apply(o as never, 'department');
  }
  for (const t of [A, B, C]) await waitFor(`${t}'s copy current on the same-city standby`, () => copyCurrentOn(t, SAME), 180_000);
}, 400_000);

afterAll(async () => {
  // Never leave production frozen.
  try {
    process.kill(clusterOf(PROD).apiserver.pid, 'SIGCONT');
  } catch {
    // gone already
  }
  await op?.stop();
  for (const r of [admin, prod, same]) r?.close();
  await env?.stop();
  if (process.env.LONGYUN_E2E_LOGS) console.log(logs.join('\n'));
});

describe('a planned failover and its failback', () => {
  it('fences production, syncs, switches, promotes and reprotects with RPO 0; failback brings it home with the digests equal', async () => {
    const before = await copyCurrentOn(A, SAME);
    const homeDigest = before!.sourceDigest!;
    const epoch = (await tenantStatus(A)).epoch ?? 1;
    const r = await longyunAsync(['dr', 'failover', '--tenant', A, '--to', 'same-city-dr', '--planned', '--name', 'planned-a', '--wait', '-o', 'json'], mgmtKubeconfig);
    expect(r.code, r.stderr).toBe(0);
    logs.push(`--- dr failover --planned --wait:\n${r.stderr}`);
    const f = JSON.parse(r.stdout) as Failover;
    expect(f.status!.phase).toBe('Succeeded');
    expect(f.status!.transitions!.map((t) => t.phase)).toEqual(['Pending', 'Precheck', 'Fencing', 'FinalSync', 'Switching', 'Promoting', 'Verifying', 'Reprotecting', 'Succeeded']);
    expect(f.status).toMatchObject({ rtoScope: 'objects', rpoScope: 'objects', volumeData: { state: 'NotMeasured' } });
    const t = f.status!.tenants![0]!;
    expect(t).toMatchObject({ tenant: A, from: PROD, to: SAME, state: 'Reprotected', epochBefore: epoch, epochAfter: epoch + 1, rpoSeconds: 0, rpoMet: true, rtoMet: true, fenceRecord: 'longyun-fence' });
    // The active copy before the move (the fenced source) and the promoted one: the same objects.
    expect(t.digestBefore).toBe(homeDigest);
    expect(t.digestAfter).toBe(homeDigest);
    const s = await tenantStatus(A);
    expect(s).toMatchObject({ node: PROD, activeNode: SAME, epoch: epoch + 1, failovers: { lastFailover: { name: 'planned-a', phase: 'Succeeded' } } });
    expect(s.operation).toBeUndefined();
    await expectOneActiveCopy(A, SAME);
    // Production is now a standby copy of the same-city standby: nothing runs, nothing is reachable there.
    expect(await copyOn(prod, A)).toMatchObject({ state: 'standby', replicas: 0, services: [] });
    await expect(prod.request('GET', `/api/v1/namespaces/${A}/configmaps/longyun-fence`)).rejects.toMatchObject({ code: 404 });
    // The network attachments on the new active node, with that node's own ranges.
    const nads = await same.request<{ items: Array<{ metadata: { labels: Record<string, string> }; spec: { config: string } }> }>('GET', `/apis/k8s.cni.cncf.io/v1/namespaces/${A}/network-attachment-definitions`);
    expect(nads.items.length).toBeGreaterThan(0);
    const prodNads = await prod.request<{ items: unknown[] }>('GET', `/apis/k8s.cni.cncf.io/v1/namespaces/${A}/network-attachment-definitions`);
    expect(prodNads.items).toEqual([]);
    // Velero's Schedules and their storage locations follow the active node.
    const schedulesOn = async (r: RestClient) => (await r.request<{ items: unknown[] }>('GET', `/apis/velero.io/v1/namespaces/velero/schedules?labelSelector=longyun.io/tenant=${A}`)).items.length;
    const bslsOn = async (r: RestClient) => (await r.request<{ items: Array<{ metadata: { name: string } }> }>('GET', '/apis/velero.io/v1/namespaces/velero/backupstoragelocations')).items.map((b) => b.metadata.name);
    await waitFor(`${A}'s Schedules on the new active node only`, async () => ((await schedulesOn(same)) > 0 && (await schedulesOn(prod)) === 0) || undefined, 60_000);
    await waitFor('backup storage locations on the new active node', async () => (await bslsOn(same)).length > 0 || undefined, 60_000);
    const status = await longyunAsync(['dr', 'status', A, '-o', 'json'], mgmtKubeconfig);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/planned-a/);

    // Failback: home again, nothing lost — the home's digest equals the active copy's before it.
    const away = await waitFor('the copy on production current (reprotected)', () => copyCurrentOn(A, PROD), 120_000);
    const back = await longyunAsync(['dr', 'failback', '--tenant', A, '--name', 'failback-a', '--wait', '-o', 'json'], mgmtKubeconfig);
    expect(back.code, back.stderr).toBe(0);
    const fb = JSON.parse(back.stdout) as Failover;
    expect(fb.status!.phase).toBe('Succeeded');
    const tb = fb.status!.tenants![0]!;
    expect(tb).toMatchObject({ tenant: A, from: SAME, to: PROD, state: 'Reprotected', rpoSeconds: 0, epochAfter: epoch + 2 });
    expect(tb.digestBefore).toBe(away.sourceDigest);
    expect(tb.digestAfter).toBe(away.sourceDigest);
    expect(await tenantStatus(A)).toMatchObject({ activeNode: PROD, epoch: epoch + 2, failovers: { lastFailover: { name: 'planned-a' }, lastFailback: { name: 'failback-a', phase: 'Succeeded' } } });
    await expectOneActiveCopy(A, PROD);
    // Once the tenant controller has put its own objects back (node label home), the copy's digest is the home's before the failover.
    await waitFor('home digest as before the failover', async () => (await copyCurrentOn(A, SAME))?.sourceDigest === homeDigest || undefined, 120_000);
    expect(await copyOn(same, A)).toMatchObject({ state: 'standby', replicas: 0, services: [] });
  }, 400_000);
});

describe('a dry run', () => {
  it('prints each tenant\'s plan and changes nothing, on the management cluster or on production', async () => {
    const before = await tenantStatus(B);
    const from = micros();
    const r = await longyunAsync(['dr', 'failover', '--tenant', B, '--to', 'same-city-dr', '--planned', '--dry-run', '--name', 'dry-b'], mgmtKubeconfig);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/nothing was changed/);
    expect(r.stdout).toMatch(/1\. fence on gansu-provincial/);
    expect(r.stdout).toMatch(/switch on management/);
    const f = await getFailover('dry-b');
    expect(f.status).toMatchObject({ phase: 'Succeeded', reason: 'Planned' });
    const after = await tenantStatus(B);
    expect({ activeNode: after.activeNode, epoch: after.epoch, operation: after.operation, failovers: after.failovers }).toEqual({ activeNode: before.activeNode, epoch: before.epoch, operation: undefined, failovers: before.failovers });
    const writes = auditOf(PROD).filter((e) => byLongyun(e) && isMutating(e) && e.receivedUs >= from && e.requestURI.includes(`/namespaces/${B}/`));
    expect(writes.map((e) => `${e.verb} ${e.requestURI}`)).toEqual([]);
    expect(await copyOn(prod, B)).toMatchObject({ state: 'live', replicas: 3, services: ['web'] });
  });
});

describe('bad input', () => {
  it('is refused with the fix, and nothing is created', async () => {
    const count = (await listFailovers()).length;
    const cases: Array<[string[], RegExp]> = [
      [['dr', 'failover', '--tenant', 'health-archiv', '--to', 'same-city-dr', '--planned'], /not found.*did you mean "health-archive"/s],
      [['dr', 'failover', '--tenant', UNPROTECTED, '--to', 'same-city-dr', '--planned'], /no standby in same-city-dr/],
      [['dr', 'failback', '--tenant', B], /already home/],
      [['dr', 'failover', '--tenant', B, '--to', 'same-city-dr'], /exactly one of --planned.*--emergency/s],
      [['dr', 'failback', '--tenant', B, '--to', 'remote-dr'], /unknown option '--to'/],
    ];
    for (const [args, message] of cases) {
      const r = await longyunAsync(args, mgmtKubeconfig);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    // A tenant mid-drill: the drill holds it (status.operation), so the failover is refused naming it.
    await admin.request('PATCH', `/apis/${API_VERSION}/tenants/${C}/status`, { status: { operation: { kind: 'FailoverDrill', name: 'drill-in-progress', since: new Date().toISOString() } } }, 'application/merge-patch+json');
    const busy = await longyunAsync(['dr', 'failover', '--tenant', C, '--to', 'same-city-dr', '--planned'], mgmtKubeconfig);
    expect(busy.code).not.toBe(0);
    expect(busy.stderr).toMatch(/FailoverDrill drill-in-progress/);
    await admin.request('PATCH', `/apis/${API_VERSION}/tenants/${C}/status`, { status: { operation: null } }, 'application/merge-patch+json');
    expect((await listFailovers()).length).toBe(count);
  });
});

describe('an emergency failover with production frozen', () => {
  it('promotes the recovery point (RPO at least the time since the freeze); thawed, production is fenced before anything else and what changed there is kept in lost+found', async () => {
    const pid = clusterOf(PROD).apiserver.pid;
    await waitFor(`${B}'s copy current`, () => copyCurrentOn(B, SAME), 60_000);
    // Copying paused (test hook), then production changes: after the recovery point.
    op!.pauseStandbyCopies(B, true);
    const point = Date.now();
    await prod.request('PATCH', `/api/v1/namespaces/${B}/configmaps/settings`, { data: { mode: 'edited-after-the-point' } }, 'application/merge-patch+json');
    await prod.request('POST', `/api/v1/namespaces/${B}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late-note' }, data: { note: 'written after the point' } });
    process.kill(pid, 'SIGSTOP');
    const frozenAt = Date.now();
    // A request sent during the outage: it lands only once production runs again.
    const inFlight = new RestClient(env.members[0]!);
    const landing = inFlight.request('POST', `/api/v1/namespaces/${B}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'in-flight' }, data: { sent: 'during the outage' } }).catch((e: Error) => e);
    let thawedUs = 0;
    try {
      const r = await longyunAsync(['dr', 'failover', '--tenant', B, '--to', 'same-city-dr', '--emergency', '--name', 'emergency-b', '--wait', '-o', 'json'], mgmtKubeconfig);
      expect(r.code, r.stderr).toBe(0);
      logs.push(`--- dr failover --emergency --wait:\n${r.stderr}`);
      expect(r.stderr).toMatch(/emergency failover/);
      const f = JSON.parse(r.stdout) as Failover;
      expect(f.status!.phase).toBe('Reprotecting');
      expect(f.status!.transitions!.map((t) => t.phase)).toEqual(['Pending', 'Precheck', 'Switching', 'Promoting', 'Verifying', 'Reprotecting']);
      const t = f.status!.tenants![0]!;
      expect(t).toMatchObject({ tenant: B, from: PROD, to: SAME, state: 'Verified' });
      expect(Date.parse(t.recoveryPoint!)).toBeLessThanOrEqual(point);
      expect(t.digestAfter).toBe(t.digestBefore);
      // RPO: switch − recovery point, at least the time production has been frozen when the switch was made.
      expect(t.rpoSeconds!).toBeGreaterThanOrEqual(Math.floor((Date.parse(t.switchedAt!) - frozenAt) / 1000));
      expect(await tenantStatus(B)).toMatchObject({ node: PROD, activeNode: SAME });
      expect(await copyOn(same, B)).toMatchObject({ state: 'live', replicas: 3, services: ['web'] });
      op!.pauseStandbyCopies(B, false);
    } finally {
      thawedUs = micros();
      process.kill(pid, 'SIGCONT');
    }
    expect(await landing).not.toBeInstanceOf(Error);
    const done = await waitTerminal('emergency-b', 240_000);
    expect(done.status!.phase, JSON.stringify(done.status)).toBe('Succeeded');
    const t = done.status!.tenants![0]!;
    expect(t.state).toBe('Reprotected');
    // lost+found: the edit, the new object and the late request — none overwritten, all kept aside.
    const lost = t.lostAndFound!;
    expect(lost.objects).toEqual(expect.arrayContaining([{ object: 'v1/ConfigMap/settings', change: 'changed' }, { object: 'v1/ConfigMap/late-note', change: 'added' }, { object: 'v1/ConfigMap/in-flight', change: 'added' }]));
    const s = await tenantStatus(B);
    expect(s.lostAndFound).toEqual([expect.objectContaining({ failover: 'emergency-b', node: PROD, quarantineNamespace: lost.quarantineNamespace, objects: lost.objects })]);
    const kept = await prod.request<{ data: Record<string, string> }>('GET', `/api/v1/namespaces/${lost.quarantineNamespace!}/configmaps/settings`);
    expect(kept.data.mode).toBe('edited-after-the-point');
    expect(await copyOn(prod, lost.quarantineNamespace!)).toMatchObject({ services: [] });
    // From production's audit log: after the thaw, longyun's first writes in the tenant's namespace are the fence — its record, then
    // workloads stopped and Services gone — before any copy is written there.
    const writes = auditOf(PROD).filter((e) => byLongyun(e) && isMutating(e) && e.receivedUs >= thawedUs && e.requestURI.includes(`/namespaces/${B}`)).sort((x, y) => x.receivedUs - y.receivedUs);
    const uris = writes.map((e) => `${e.verb} ${e.requestURI.replace(/\?.*$/, '')}`);
    const text = uris.join('\n');
    expect(uris[0], text).toMatch(/^create .*\/namespaces\/social-security\/configmaps$/);
    const serviceGone = uris.findIndex((u) => /^delete .*\/services\/web$/.test(u));
    const quarantined = uris.findLastIndex((u) => u.includes(lost.quarantineNamespace!));
    const firstCopy = uris.findIndex((u) => /^update .*\/configmaps\/settings$/.test(u));
    expect(serviceGone, text).toBeGreaterThan(0);
    expect(uris.slice(0, serviceGone).every((u) => !u.includes(lost.quarantineNamespace!) && !/configmaps\/settings|secrets/.test(u)), text).toBe(true);
    expect(quarantined, text).toBeGreaterThan(serviceGone);
    expect(firstCopy, text).toBeGreaterThan(quarantined);
    await expectOneActiveCopy(B, SAME);
  }, 400_000);
});

describe('the operator killed on entering each phase', () => {
  it('rolls back before the switch and completes at or after it: one active copy, nothing lost, after every one', async () => {
    await op!.stop();
    op = undefined;
    const replica = (n: number, crashOn?: FailoverPhase) => {
      const child: ChildProcess = spawn(process.execPath, [BIN, 'operator', 'run', '--kubeconfig', mgmtKubeconfig, '--identity', `crash-${n}`, '--lease-duration', '3', '--metrics-bind-address', '0'], { env: { ...process.env, ...(crashOn ? { LONGYUN_TEST_CRASH_ON_PHASE: crashOn } : {}) }, stdio: ['ignore', 'ignore', 'pipe'] });
      let log = '';
      child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
      return { child, exited: new Promise<NodeJS.Signals | null>((res) => child.once('exit', (_c, signal) => res(signal))), log: () => log };
    };
    // Each crash in turn; the direction alternates with where the tenant is.
    const plan: Array<{ phase: FailoverPhase; outcome: 'Succeeded' | 'RolledBack' }> = [
      { phase: 'Precheck', outcome: 'Succeeded' },
      { phase: 'Fencing', outcome: 'RolledBack' },
      { phase: 'FinalSync', outcome: 'RolledBack' },
      { phase: 'Switching', outcome: 'Succeeded' },
      { phase: 'Promoting', outcome: 'Succeeded' },
      { phase: 'Verifying', outcome: 'Succeeded' },
      { phase: 'Reprotecting', outcome: 'Succeeded' },
    ];
    let n = 0;
    for (const { phase, outcome } of plan) {
      const home = (await tenantStatus(C)).activeNode === PROD;
      const name = `crash-${phase.toLowerCase()}`;
      const killed = replica(n++, phase);
      const successor = { r: undefined as ReturnType<typeof replica> | undefined };
      try {
        // The replica that is to crash keeps the copies meanwhile.
        await waitFor(`${C}'s copy current before ${name}`, () => copyCurrentOn(C, home ? SAME : PROD), 120_000);
        // A replica just started reconnects to the members (their CloudNodes say so until it has).
        await waitFor('production and the standby Ready', async () => (await Promise.all([PROD, SAME].map(nodeReady))).every(Boolean) || undefined, 120_000);
        const args = home ? ['dr', 'failover', '--tenant', C, '--to', 'same-city-dr', '--planned', '--name', name] : ['dr', 'failback', '--tenant', C, '--name', name];
        const r = await longyunAsync(args, mgmtKubeconfig);
        expect(r.code, r.stderr).toBe(0);
        expect(await killed.exited, killed.log()).toBe('SIGKILL');
        expect((await getFailover(name)).status!.phase).toBe(phase);
        successor.r = replica(n++);
        const f = await waitTerminal(name);
        expect(f.status!.phase, `${name}: ${JSON.stringify(f.status)}\n${successor.r.log()}`).toBe(outcome);
        if (outcome === 'RolledBack') expect(f.status!.reason).toBe('Interrupted');
        const where = (outcome === 'Succeeded') === home ? SAME : PROD;
        await expectOneActiveCopy(C, where);
        expect((await tenantStatus(C)).operation).toBeUndefined();
      } finally {
        for (const p of [killed, successor.r]) {
          p?.child.kill('SIGTERM');
          await p?.exited;
        }
      }
    }
  }, 900_000);
});
