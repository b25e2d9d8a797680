// DR II end to end (issue 12): a production member and two standbys; tenants with the department
// objects of DR I. Isolated drills through `longyun dr drill`: restored into a drill namespace on
// the standby, verified by digest, measured, reported, cleaned up — and, from production's audit
// log, nothing written there. A copy that differs from production, abort, schedules, bad input,
// and the operator killed on entering each phase (the bundle, as deployed, with the test hook).
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailoverDrill } from '../../controllers/dr/drill-types.js';
import { API_VERSION } from '../../operator/crds.js';
import { identityFromUserAgent, isMutating, readAuditLog, type AuditEvent } from '../../operator/dev-cluster/audit.js';
import { Operator } from '../../operator/manager.js';
import { RestClient } from '../../operator/rest.js';
import type { DrStatus } from '../../operator/standby-copier.js';
import { GANSU_DIR } from '../../topology/estate.test-helpers.js';
import { openAddressPlan } from '../../topology/ipam/ledger-store.js';
import { loadEstate } from '../../topology/load.js';
import { BIN, longyunAsync } from './cli-helpers.js';
import { departmentObjects, DR_NODES, OTHER, PROD, REMOTE, SAME, WIDGET_CRD } from './dr-fixtures.js';
import { startEnv, waitFor, type Env } from './operator-helpers.js';

const estate = loadEstate(GANSU_DIR);
const plan = openAddressPlan(estate);
const NODES = DR_NODES;
/** Two drilled tenants on production; one on a node no standby protects; one too big for the remote standby. */
const A = 'health-archive';
const B = 'social-security';
const UNPROTECTED = 'lanzhou-permits';
const TOO_BIG = 'big-data-lake';
const dr = (centres: string[]) => ({ rpoMinutes: 15, rtoMinutes: 120, centres });
const TENANTS = [
  { name: A, department: 'gansu-health', node: PROD, quota: { cpu: '16', memory: '64Gi', storage: '2Ti' }, dr: dr(['same-city-dr', 'remote-dr']) },
  { name: B, department: 'gansu-health', node: PROD, quota: { cpu: '4', memory: '16Gi', storage: '500Gi' }, dr: dr(['same-city-dr']) },
  { name: UNPROTECTED, department: 'lanzhou-government-services', node: OTHER, quota: { cpu: '4', memory: '16Gi', storage: '500Gi' }, dr: dr(['same-city-dr']) },
  { name: TOO_BIG, department: 'gansu-health', node: PROD, quota: { cpu: '32', memory: '128Gi', storage: '3Ti' }, dr: dr(['remote-dr']) },
];

let env: Env;
let op: Operator | undefined;
const logs: string[] = [];
let admin: RestClient;
let prod: RestClient;
let same: RestClient;
let mgmtKubeconfig: string;
/** Held drill steps (the runner's gate test hook): `hold('verify')` keeps every drill before its verification until released. */
const held = new Map<string, { promise: Promise<void>; release: () => void }>();
function hold(step: string): () => void {
  let release!: () => void;
  const promise = new Promise<void>((r) => (release = r));
  held.set(step, { promise, release });
  return () => {
    held.delete(step);
    release();
  };
}

type Drill = FailoverDrill;
const drillPath = (name = '') => `/apis/${API_VERSION}/failoverdrills${name ? `/${name}` : ''}`;
const getDrill = (name: string) => admin.request<Drill>('GET', drillPath(name));
const listDrills = async () => (await admin.request<{ items: Drill[] }>('GET', drillPath())).items;
async function tenantStatus(name: string): Promise<{ dr?: DrStatus; operation?: { kind: string; name: string }; drills?: { last?: { name: string; phase: string }; lastSucceeded?: { name: string } } }> {
  return ((await admin.request<{ status?: Record<string, unknown> }>('GET', `/apis/${API_VERSION}/tenants/${name}`)).status ?? {}) as never;
}
const finished = (d: Drill | undefined) => ['Succeeded', 'PartiallySucceeded', 'Failed', 'Aborted'].includes(d?.status?.phase ?? '');
const waitFinished = (name: string) => waitFor(`drill ${name} to finish`, async () => {
  const d = await getDrill(name).catch(() => undefined);
  return finished(d) && d!.status!.report ? d : undefined;
}, 120_000);
const standbyCurrent = async (tenant: string, centre: string) => {
  const s = (await tenantStatus(tenant)).dr?.standbys.find((c) => c.centre === centre);
  return s?.state === 'Current' && s.digest === s.sourceDigest;
};
/** Namespaces on the same-city standby that a drill made. */
const drillNamespacesOnSame = async () => (await same.request<{ items: Array<{ metadata: { name: string } }> }>('GET', '/api/v1/namespaces?labelSelector=longyun.io/drill')).items.map((n) => n.metadata.name);

const memberName = (node: string) => env.plane.clusters.filter((x) => x.role === 'member')[NODES.findIndex((n) => n.name === node)]!.name;
const auditOf = (node: string): AuditEvent[] => readAuditLog(env.plane.clusters.find((c) => c.name === memberName(node))!.auditLog!);
const byLongyun = (e: AuditEvent) => identityFromUserAgent(e.userAgent) !== undefined;
/** µs since the epoch, as the audit log's timestamps. */
const micros = () => Date.now() * 1000;
const eventMicros = (e: AuditEvent) => e.receivedUs;

/** Every object in a tenant's namespace on production, by kind/name → resourceVersion. */
async function productionVersions(ns: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [path, kind] of [
    ['/api/v1', 'configmaps'], ['/api/v1', 'secrets'], ['/api/v1', 'services'], ['/api/v1', 'persistentvolumeclaims'], ['/api/v1', 'resourcequotas'], ['/api/v1', 'limitranges'],
    ['/apis/apps/v1', 'deployments'], ['/apis/apps/v1', 'statefulsets'], ['/apis/apps/v1', 'daemonsets'], ['/apis/batch/v1beta1', 'cronjobs'],
    ['/apis/networking.k8s.io/v1', 'ingresses'], ['/apis/networking.k8s.io/v1', 'networkpolicies'], ['/apis/rbac.authorization.k8s.io/v1', 'rolebindings'], ['/apis/example.longyun.io/v1', 'widgets'],
  ] as const) {
    const list = await prod.request<{ items: Array<{ metadata: { name: string; resourceVersion: string } }> }>('GET', `${path}/namespaces/${ns}/${kind}`);
    for (const o of list.items) out.set(`${kind}/${o.metadata.name}`, o.metadata.resourceVersion);
  }
  return out;
}

function startOperator(): Operator {
  const o = new Operator({ kubeConfig: env.management, estate, plan, identity: 'drill-e2e', leaseDurationSeconds: 4, log: (l) => logs.push(l), drLivenessMs: 300, drStatusStepMs: 1000, drillGate: async (_drill, step) => held.get(step)?.promise });
  return o;
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
  for (const t of [A, B]) {
    await waitFor(`${t}'s namespace on production`, async () => (await prod.request('GET', `/api/v1/namespaces/${t}`).then(() => true).catch(() => false)) || undefined);
    for (const o of departmentObjects(t)) await prod.apply(o as never, 'department');
  }
  await waitFor('the copies current on the same-city standby', async () => ((await standbyCurrent(A, 'same-city-dr')) && (await standbyCurrent(B, 'same-city-dr'))) || undefined, 180_000);
}, 400_000);

afterAll(async () => {
  for (const h of held.values()) h.release();
  await op?.stop();
  for (const r of [admin, prod, same]) r?.close();
  await env?.stop();
  if (process.env.LONGYUN_E2E_LOGS) console.log(logs.join('\n'));
});

describe('an isolated drill', () => {
  it('restores a tenant on the standby, verifies it by digest, measures RTO and RPO, cleans up, and writes nothing to production', async () => {
    const before = await productionVersions(A);
    const from = micros();
    const r = await longyunAsync(['dr', 'drill', 'start', '--tenant', A, '--to', 'same-city-dr', '--name', 'drill-a', '--note', 'first drill', '--wait', '-o', 'json'], mgmtKubeconfig);
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout) as Drill;
    const to = micros();
    expect(d.status!.phase).toBe('Succeeded');
    expect(d.status!.transitions!.map((t) => t.phase)).toEqual(['Pending', 'Precheck', 'Restoring', 'Verifying', 'CleaningUp', 'Succeeded']);
    expect(d.status).toMatchObject({ rtoScope: 'objects', rpoScope: 'objects', standbys: [SAME], cleanup: { state: 'Done' } });
    const t = d.status!.tenants![0]!;
    expect(t).toMatchObject({ tenant: A, source: PROD, standby: SAME, state: 'Verified', rtoTargetSeconds: 7200, rpoTargetSeconds: 900, rtoMet: true, rpoMet: true });
    expect(t.rtoSeconds).toBeGreaterThan(0);
    expect(t.rpoSeconds).toBeGreaterThanOrEqual(0);
    // The recovery point restored, read as the tenant is restored (it may be a few ms after the start: RPO 0 then).
    expect(Date.parse(t.recoveryPoint!)).toBeLessThanOrEqual(Date.parse(d.status!.transitions![3]!.at));
    expect(t.rpoSeconds).toBe(Math.max(0, Math.round((Date.parse(d.status!.startedAt!) - Date.parse(t.recoveryPoint!)) / 100) / 10));
    expect(t.inventory!.missing + t.inventory!.differing).toBe(0);
    expect(t.inventory!.restored).toBeGreaterThanOrEqual(12);
    expect(t.issues!.filter((i) => i.problem === 'skipped').map((i) => i.object)).toEqual(expect.arrayContaining(['v1/Service/web', `v1/Namespace/${A}`]));
    expect(t.availability).toMatchObject({ state: 'NotMeasured', reason: expect.stringMatching(/no nodes/) });
    // Production: not one mutating request from longyun while the drill ran, and every object there unchanged.
    const writes = auditOf(PROD).filter((e) => byLongyun(e) && isMutating(e) && eventMicros(e) >= from && eventMicros(e) <= to);
    expect(writes.map((e) => `${e.verb} ${e.requestURI}`)).toEqual([]);
    // The same check sees the drill's writes on the standby, so it could fail.
    expect(auditOf(SAME).filter((e) => byLongyun(e) && isMutating(e) && eventMicros(e) >= from && e.requestURI.includes('-drill-')).length).toBeGreaterThan(10);
    expect(await productionVersions(A)).toEqual(before);
    // Nothing left on the standby; the tenant released, with the drill in its status.
    expect(await drillNamespacesOnSame()).toEqual([]);
    const s = await tenantStatus(A);
    expect(s.operation).toBeUndefined();
    expect(s.drills).toMatchObject({ last: { name: 'drill-a', phase: 'Succeeded' }, lastSucceeded: { name: 'drill-a' } });
  });

  it('files a report: Markdown and JSON from an immutable ConfigMap, notes included; a finished drill takes no more notes', async () => {
    const md = await longyunAsync(['dr', 'drill', 'report', 'drill-a'], mgmtKubeconfig);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toMatch(/drill-a/);
    expect(md.stdout).toMatch(new RegExp(A));
    expect(md.stdout).toMatch(/Succeeded/);
    expect(md.stdout).toMatch(/first drill/);
    expect(md.stdout).toMatch(/objects only|API objects only/);
    const json = await longyunAsync(['dr', 'drill', 'report', 'drill-a', '-o', 'json'], mgmtKubeconfig);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ name: 'drill-a', phase: 'Succeeded' });
    const cm = await admin.request<{ immutable?: boolean; data: Record<string, string> }>('GET', '/api/v1/namespaces/longyun-system/configmaps/drill-report-drill-a');
    expect(cm.immutable).toBe(true);
    await expect(admin.request('PATCH', '/api/v1/namespaces/longyun-system/configmaps/drill-report-drill-a', { data: { 'report.md': 'rewritten' } }, 'application/merge-patch+json')).rejects.toMatchObject({ code: 422 });
    const note = await longyunAsync(['dr', 'drill', 'report', 'drill-a', '--note', 'too late'], mgmtKubeconfig);
    expect(note.code).not.toBe(0);
    expect(note.stderr).toMatch(/immutable/);
    const status = await longyunAsync(['dr', 'status', A, '-o', 'json'], mgmtKubeconfig);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/drill-a/);
  });

  it('--keep leaves the drill namespace isolated for inspection, with production\'s replicas; cleanup removes it', async () => {
    const r = await longyunAsync(['dr', 'drill', 'start', '--tenant', B, '--to', 'same-city-dr', '--name', 'drill-keep', '--keep', '--wait'], mgmtKubeconfig);
    expect(r.code, r.stderr).toBe(0);
    const d = await waitFinished('drill-keep');
    expect(d.status).toMatchObject({ phase: 'Succeeded', cleanup: { state: 'Kept' } });
    const ns = d.status!.tenants![0]!.namespace!;
    const nsObj = await same.request<{ metadata: { labels: Record<string, string> } }>('GET', `/api/v1/namespaces/${ns}`);
    expect(nsObj.metadata.labels).toMatchObject({ 'longyun.io/drill': 'drill-keep', 'longyun.io/drill-of': B });
    expect(nsObj.metadata.labels['longyun.io/tenant']).toBeUndefined();
    const policies = await same.request<{ items: Array<{ metadata: { name: string }; spec: { podSelector: object; policyTypes: string[]; ingress?: unknown; egress?: unknown } }> }>('GET', `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`);
    expect(policies.items.map((p) => p.metadata.name)).toEqual(['longyun-drill-isolation']);
    expect(policies.items[0]!.spec).toMatchObject({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(policies.items[0]!.spec.ingress ?? []).toEqual([]);
    expect(policies.items[0]!.spec.egress ?? []).toEqual([]);
    expect((await same.request<{ items: unknown[] }>('GET', `/api/v1/namespaces/${ns}/services`)).items).toEqual([]);
    expect((await same.request<{ spec: { replicas: number } }>('GET', `/apis/apps/v1/namespaces/${ns}/deployments/web`)).spec.replicas).toBe(3);
    expect((await same.request<{ spec: { replicas: number } }>('GET', `/apis/apps/v1/namespaces/${B}/deployments/web`)).spec.replicas).toBe(0);
    const c = await longyunAsync(['dr', 'drill', 'cleanup', 'drill-keep'], mgmtKubeconfig);
    expect(c.code, c.stderr).toBe(0);
    await waitFor('the kept namespace gone', async () => (await getDrill('drill-keep')).status?.cleanup?.state === 'Done' && (await drillNamespacesOnSame()).length === 0 || undefined);
  });
});

describe('what a drill finds', () => {
  it('a copy that differs from production: PartiallySucceeded, naming the object', async () => {
    op!.pauseStandbyCopies(A, true);
    await same.request('PATCH', `/api/v1/namespaces/${A}/configmaps/settings`, { data: { mode: 'tampered' } }, 'application/merge-patch+json');
    const r = await longyunAsync(['dr', 'drill', 'start', '--tenant', A, '--tenant', B, '--to', 'same-city-dr', '--name', 'drill-differs', '--wait', '-o', 'json'], mgmtKubeconfig);
    op!.pauseStandbyCopies(A, false);
    expect(r.code).not.toBe(0);
    const d = JSON.parse(r.stdout) as Drill;
    expect(d.status!.phase).toBe('PartiallySucceeded');
    const a = d.status!.tenants!.find((t) => t.tenant === A)!;
    expect(a.state).toBe('Failed');
    expect(a.inventory!.differing).toBe(1);
    expect(a.issues).toEqual(expect.arrayContaining([expect.objectContaining({ object: 'v1/ConfigMap/settings', problem: 'differing' })]));
    expect(a.message).toMatch(/v1\/ConfigMap\/settings/);
    expect(d.status!.tenants!.find((t) => t.tenant === B)!.state).toBe('Verified');
    expect((await tenantStatus(A)).drills).toMatchObject({ last: { name: 'drill-differs', phase: 'Failed' }, lastSucceeded: { name: 'drill-a' } });
    await waitFor('the copier to undo the edit on the standby', async () => (await same.request<{ data: Record<string, string> }>('GET', `/api/v1/namespaces/${A}/configmaps/settings`)).data.mode === 'live' || undefined);
  });

  it('abort mid-drill: Aborted, cleaned up, the tenant released; meanwhile a second drill of the tenant is refused, naming the first', async () => {
    const release = hold('verify');
    const r = await longyunAsync(['dr', 'drill', 'start', '--tenant', A, '--to', 'same-city-dr', '--name', 'drill-abort'], mgmtKubeconfig);
    expect(r.code, r.stderr).toBe(0);
    await waitFor('the drill in Verifying', async () => (await getDrill('drill-abort')).status?.phase === 'Verifying' || undefined);
    expect((await tenantStatus(A)).operation).toMatchObject({ kind: 'FailoverDrill', name: 'drill-abort' });
    const count = (await listDrills()).length;
    const second = await longyunAsync(['dr', 'drill', 'start', '--tenant', A, '--to', 'same-city-dr'], mgmtKubeconfig);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toMatch(/drill-abort/);
    expect((await listDrills()).length).toBe(count);
    const a = await longyunAsync(['dr', 'drill', 'abort', 'drill-abort'], mgmtKubeconfig);
    expect(a.code, a.stderr).toBe(0);
    release();
    const d = await waitFinished('drill-abort');
    expect(d.status).toMatchObject({ phase: 'Aborted', cleanup: { state: 'Done' } });
    expect(d.status!.transitions!.map((t) => t.phase).slice(-2)).toEqual(['CleaningUp', 'Aborted']);
    expect(await drillNamespacesOnSame()).toEqual([]);
    expect((await tenantStatus(A)).operation).toBeUndefined();
  });

  it('refuses bad input with the fix, creating nothing', async () => {
    const count = (await listDrills()).length;
    const cases: Array<[string[], RegExp]> = [
      [['--tenant', 'health-archiv', '--to', 'same-city-dr'], /health-archive/],
      [['--centre', 'dc-nowhere', '--to', 'same-city-dr'], /dc-nowhere/],
      [['--tenant', UNPROTECTED, '--to', 'same-city-dr'], /standby/i],
      [['--tenant', TOO_BIG, '--to', 'remote-dr'], /room/i],
      [['--tenant', A, '--to', 'moon-dr'], /same-city-dr|remote-dr/],
    ];
    for (const [args, message] of cases) {
      const r = await longyunAsync(['dr', 'drill', 'start', ...args], mgmtKubeconfig);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    const cron = await longyunAsync(['dr', 'schedule', 'create', 'bad', '--cron', 'every tuesday', '--tenant', A, '--to', 'same-city-dr'], mgmtKubeconfig);
    expect(cron.code).not.toBe(0);
    expect(cron.stderr).toMatch(/cron|schedule/i);
    expect((await listDrills()).length).toBe(count);
    expect((await admin.request<{ items: unknown[] }>('GET', `/apis/${API_VERSION}/drillschedules`)).items).toEqual([]);
  });
});

describe('a DrillSchedule', () => {
  it('starts drills when due — twice — and the tenant shows its last successful one', async () => {
    const r = await longyunAsync(['dr', 'schedule', 'create', 'frequent', '--every', '5s', '--tenant', B, '--to', 'same-city-dr'], mgmtKubeconfig);
    expect(r.code, r.stderr).toBe(0);
    const done = await waitFor('two scheduled drills Succeeded', async () => {
      const mine = (await listDrills()).filter((d) => d.metadata.labels?.['longyun.io/drill-schedule'] === 'frequent' && d.status?.phase === 'Succeeded');
      return mine.length >= 2 ? mine : undefined;
    }, 120_000);
    expect(done.every((d) => d.spec.requestedBy === 'DrillSchedule/frequent')).toBe(true);
    const s = await tenantStatus(B);
    expect(s.drills?.lastSucceeded?.name).toMatch(/^frequent-\d+$/);
    const sch = await admin.request<{ status: { lastScheduleTime?: string; lastSuccessfulTime?: string } }>('GET', `/apis/${API_VERSION}/drillschedules/frequent`);
    expect(sch.status.lastSuccessfulTime).toBeDefined();
    const del = await longyunAsync(['dr', 'schedule', 'delete', 'frequent'], mgmtKubeconfig);
    expect(del.code, del.stderr).toBe(0);
    await waitFor('no drill of the schedule running, nothing left on the standby', async () => {
      const running = (await listDrills()).filter((d) => d.metadata.labels?.['longyun.io/drill-schedule'] === 'frequent' && !finished(d));
      return (running.length === 0 && (await drillNamespacesOnSame()).length === 0 && (await tenantStatus(B)).operation === undefined) || undefined;
    }, 120_000);
  });
});

describe('the operator killed on entering each phase', () => {
  it('is succeeded by a replica that finishes the drill, nothing left behind', async () => {
    await op!.stop();
    op = undefined;
    const phases = ['Precheck', 'Restoring', 'Verifying', 'CleaningUp'];
    const killed: string[] = [];
    let replica: { child: ChildProcess; exited: Promise<NodeJS.Signals | null>; log: () => string } | undefined;
    const startReplica = (n: number) => {
      const child = spawn(process.execPath, [BIN, 'operator', 'run', '--kubeconfig', mgmtKubeconfig, '--identity', `crash-${n}`, '--lease-duration', '3', '--metrics-bind-address', '0'], { env: { ...process.env, LONGYUN_TEST_CRASH_ON_PHASE: phases.join(',') }, stdio: ['ignore', 'ignore', 'pipe'] });
      let log = '';
      child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
      return { child, exited: new Promise<NodeJS.Signals | null>((res) => child.once('exit', (_code, signal) => res(signal))), log: () => log };
    };
    const r = await longyunAsync(['dr', 'drill', 'start', '--tenant', A, '--to', 'same-city-dr', '--name', 'drill-crash'], mgmtKubeconfig);
    expect(r.code, r.stderr).toBe(0);
    try {
      for (let n = 0; n <= phases.length; n++) {
        replica = startReplica(n);
        const outcome = await Promise.race([replica.exited.then((signal) => ({ signal })), waitFinished('drill-crash').then((d) => ({ d }))]);
        if ('d' in outcome) break;
        expect(outcome.signal, replica.log()).toBe('SIGKILL');
        const phase = (await getDrill('drill-crash')).status!.phase!;
        killed.push(phase);
      }
      expect(killed, `${JSON.stringify((await getDrill('drill-crash')).status)}\n${replica?.log()}`).toEqual(phases);
      const d = await waitFinished('drill-crash');
      expect(d.status!.phase, JSON.stringify(d.status)).toBe('Succeeded');
      expect(d.status!.transitions!.map((t) => t.phase)).toEqual(['Pending', ...phases, 'Succeeded']);
      expect(d.status!.tenants![0]).toMatchObject({ tenant: A, state: 'Verified' });
      expect(await drillNamespacesOnSame()).toEqual([]);
      expect((await tenantStatus(A)).operation).toBeUndefined();
      expect((await tenantStatus(A)).drills?.last?.name).toBe('drill-crash');
    } finally {
      replica?.child.kill('SIGTERM');
      await replica?.exited;
    }
  }, 300_000);
});
