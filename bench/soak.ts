// Chaos soak: tenants requested, edited and deleted at random while the leader is killed or frozen
// and member API servers are restarted or frozen; then every invariant is checked, and two figures
// are read from the logs.
//
//   npm run build && npm run bench:soak     (or: node dist/bench/soak.js [--duration SECONDS] [--seed N] [--tenants N] [--keep])
//
// One local control plane with audit logs (`up({ audit: true })`: etcd, a management and two
// member kube-apiservers), the members registered as the CloudNodes tianshui-cloud and
// gansu-provincial, and two replicas of the operator as it ships (`longyun operator run`, the
// bundle, lease 4 s, `--log-writes` when the build has it), each authenticating as its own
// ServiceAccount on every cluster (operator/dev-replicas.ts). A replica that exits is started
// again after 1 s under a new identity (`soak-a-2`, …), as a Deployment would restart its pod.
//
// For `--duration` seconds (default 600), three lanes, each with its own random stream from the
// printed `--seed`:
//   tenants  every 100–400 ms one of `--tenants` names (default 300): requested if absent, else
//            edited (quota, planes, DR plan, MLPS level; 60%) or deleted (40%);
//   leader   every 15–40 s the lease holder is SIGKILLed, or frozen (SIGSTOP) for the lease
//            duration plus 1–4 s and resumed (SIGCONT);
//   member   every 15–40 s a member API server is restarted, or frozen for 3–25 s and thawed.
// The lanes overlap: a member can be frozen while the leader dies, which is how a write sent before
// a leader's deadline can reach an API server after another replica took over.
//
// Then the chaos stops and the soak waits (at most 10 minutes, only a hang guard) until every
// invariant holds (bench/soak-plan.ts: every surviving tenant Ready with exactly its desired
// objects, from the operator's own desired-state graph, on its own member; every deleted tenant
// and its objects gone), and reports:
//   (a) requests *sent* by a replica after its own renew deadline, from the `write sent=…
//       deadline=…` lines of `--log-writes`: must be 0;
//   (b) requests *received* by an API server from a replica after another replica's Lease
//       acquisition, from the audit logs (operator/dev-cluster/audit.ts): counted and listed.
// Prints one JSON document on stdout (the seed, the faults injected, the invariants checked, each
// violation, both figures), progress on stderr; exits 1 when an invariant or (a) is violated. The
// same seed gives the same sequence of operations and faults; their timing, and so the outcome,
// varies with the machine. The work directory (logs, audit logs) is kept with --keep or on a
// violation.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { desiredObjects, type TenantResource } from '../controllers/tenant-reconciler.js';
import { API_VERSION } from '../operator/crds.js';
import {
  type AuditEvent,
  type ClusterEvent,
  describeWrite,
  identityFromUserAgent,
  leaseAcquisitions,
  readAuditLog,
  writesWhileNotLeading,
} from '../operator/dev-cluster/audit.js';
import { down, readState, restartApiserver, up, type DevControlPlane } from '../operator/dev-cluster/index.js';
import { devReplicas, registerReplicaMembers, type DevReplicas } from '../operator/dev-replicas.js';
import { installDevCrds, restFor } from '../operator/dev-setup.js';
import { OPERATOR_NAMESPACE } from '../operator/manager.js';
import { TENANT_KINDS } from '../operator/member-cluster.js';
import { resourcePath, type RestClient } from '../operator/rest.js';
import { desiredStateOf } from '../stacks/desired-state-of.js';
import { shippedEstateDir } from '../topology/paths.js';
import { flagValue } from './harness.js';
import { checkInvariants, editSpec, INVARIANTS, newSpec, parseWriteLine, sentAfterDeadline, SOAK_CLOUDS, streams, tenantName, type Rng, type ServedObject, type Violation, type Wanted, type WriteLine } from './soak-plan.js';

const LEASE_SECONDS = 4;
const LEASE = { namespace: OPERATOR_NAMESPACE, name: 'longyun-operator' };
const SLOTS = ['a', 'b'] as const;
const RESTART_DELAY_MS = 1000;
const SETTLE_GUARD_MS = 600_000;
const BIN = fileURLToPath(new URL('../bundle/longyun.js', import.meta.url));

const log = (m: string) => process.stderr.write(`bench/soak: ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Fault {
  at: string;
  /** Seconds since the chaos began. */
  t: number;
  kind: 'leader-kill' | 'leader-freeze' | 'member-restart' | 'member-freeze';
  target: string;
  durationMs?: number;
  skipped?: string;
}

interface Exit {
  identity: string;
  at: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Killed by the soak (a fault or the end), or exited on its own (e.g. after losing the lease). */
  cause: 'leader-kill' | 'end' | 'own';
  /** Its last log line other than a write line: why it exited, when it says. */
  lastLine: string;
}

/** One `longyun operator run` process in a slot (its credentials); restarted with a new identity when it exits. */
class Replica {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  killedFor: Exit['cause'] | undefined;
  lastLine = '';
  private partial = '';

  constructor(
    readonly identity: string,
    readonly slot: string,
    creds: DevReplicas,
    logWrites: boolean,
    out: WriteStream,
    onLine: (line: string) => void,
  ) {
    const r = creds.replicas.find((x) => x.name === slot)!;
    const args = ['operator', 'run', '--kubeconfig', r.managementKubeconfig, '--identity', identity, '--lease-duration', String(LEASE_SECONDS), '--metrics-bind-address', '0', ...(logWrites ? ['--log-writes'] : [])];
    this.child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...r.env }, stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.stderr!.on('data', (d: Buffer) => {
      out.write(d);
      const lines = (this.partial + d.toString()).split('\n');
      this.partial = lines.pop()!;
      for (const l of lines) {
        if (!/^(write|fenced) sent=/.test(l) && l.trim() !== '') this.lastLine = l;
        onLine(l);
      }
    });
    this.exited = new Promise((res) => this.child.once('exit', () => res()));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.alive) this.child.kill(sig);
  }
}

class ReplicaSet {
  private readonly incarnation = new Map<string, number>();
  private readonly current = new Map<string, Replica>();
  readonly exits: Exit[] = [];
  restarting = true;

  constructor(
    private readonly creds: DevReplicas,
    private readonly dir: string,
    private readonly logWrites: boolean,
    private readonly onLine: (line: string) => void,
  ) {}

  start(slot: string): Replica {
    const n = (this.incarnation.get(slot) ?? 0) + 1;
    this.incarnation.set(slot, n);
    const identity = `soak-${slot}-${n}`;
    const out = createWriteStream(join(this.dir, `${identity}.log`));
    const r = new Replica(identity, slot, this.creds, this.logWrites, out, this.onLine);
    this.current.set(slot, r);
    r.child.once('exit', (code, signal) => {
      out.end();
      this.exits.push({ identity, at: new Date().toISOString(), code, signal, cause: r.killedFor ?? 'own', lastLine: r.lastLine });
      log(`${identity} exited (${signal ?? `code ${code}`}${r.killedFor ? `, ${r.killedFor}` : ''})`);
      if (this.restarting) setTimeout(() => this.restarting && this.start(slot), RESTART_DELAY_MS);
    });
    return r;
  }

  byIdentity(identity: string | undefined): Replica | undefined {
    return [...this.current.values()].find((r) => r.identity === identity && r.alive);
  }

  async stopAll(): Promise<void> {
    this.restarting = false;
    const all = [...this.current.values()].filter((r) => r.alive);
    for (const r of all) {
      r.killedFor = 'end';
      r.signal('SIGCONT');
      r.signal('SIGTERM');
    }
    const guard = setTimeout(() => all.forEach((r) => r.signal('SIGKILL')), 20_000);
    await Promise.all(all.map((r) => r.exited));
    clearTimeout(guard);
  }
}

/** The identity in the Lease, as the management API server has it. */
async function leaseHolder(admin: RestClient): Promise<string | undefined> {
  const lease = await admin.get<{ spec?: { holderIdentity?: string } }>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: LEASE.name, namespace: LEASE.namespace } }).catch(() => undefined);
  return lease?.spec?.holderIdentity || undefined;
}

/** Everything the invariants read: the Tenants, and every object labelled with a tenant on each member (by CloudNode). */
async function snapshot(admin: RestClient, members: ReadonlyMap<string, RestClient>): Promise<{ tenants: Map<string, TenantResource>; memberObjects: Map<string, ServedObject[]> }> {
  const list = await admin.request<{ items: TenantResource[] }>('GET', `/apis/${API_VERSION}/tenants`);
  const tenants = new Map(list.items.map((t) => [t.metadata.name, t]));
  const memberObjects = new Map<string, ServedObject[]>();
  for (const [node, rest] of members) {
    const objects: ServedObject[] = [];
    for (const k of TENANT_KINDS) {
      const l = await rest.list<ServedObject>(resourcePath({ apiVersion: k.apiVersion, kind: k.kind, metadata: {} }, k.plural), 'longyun.io/tenant');
      for (const o of l.items) objects.push({ ...o, apiVersion: k.apiVersion, kind: k.kind });
    }
    memberObjects.set(node, objects);
  }
  return { tenants, memberObjects };
}

const VERB_METHOD: Record<string, string> = { create: 'POST', update: 'PUT', patch: 'PATCH', delete: 'DELETE', deletecollection: 'DELETE' };
const withoutQuery = (p: string) => p.split('?')[0]!;

async function main(): Promise<void> {
  const durationS = Number(flagValue('--duration') ?? 600);
  const seed = flagValue('--seed') !== undefined ? Number(flagValue('--seed')) : Math.floor(Math.random() * 2 ** 32);
  const tenantCount = Number(flagValue('--tenants') ?? 300);
  const keep = process.argv.includes('--keep');
  if (!(durationS > 0) || !Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32 || !Number.isInteger(tenantCount) || tenantCount < SOAK_CLOUDS.length) {
    throw new Error('usage: soak.js [--duration SECONDS > 0] [--seed 0..4294967295] [--tenants N ≥ 2] [--keep]');
  }
  log(`seed ${seed}, ${durationS} s, ${tenantCount} tenants (replay: node dist/bench/soak.js --seed ${seed} --duration ${durationS} --tenants ${tenantCount})`);
  const help = spawnSync(process.execPath, [BIN, 'operator', 'run', '--help'], { encoding: 'utf8' });
  const logWrites = help.stdout.includes('--log-writes');
  if (!logWrites) log('this build of the operator has no --log-writes: figure (a) cannot be read');
  const load = loadavg()[0]!;
  const random = streams(seed, ['tenants', 'leader', 'member']);
  // Which build ran (the bundle is built from the checkout it runs in).
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: fileURLToPath(new URL('../..', import.meta.url)), encoding: 'utf8' });
  const commit = git.status === 0 ? git.stdout.trim() : null;

  const work = mkdtempSync(join(tmpdir(), 'longyun-bench-soak-'));
  const stateDir = join(work, 'dev');
  const logDir = join(work, 'replicas');
  mkdirSync(logDir);
  let plane: DevControlPlane | undefined;
  let replicas: ReplicaSet | undefined;
  let failed = true;
  const clients: RestClient[] = [];
  try {
    plane = await up({ members: SOAK_CLOUDS.length, stateDir, audit: true });
    await installDevCrds(plane);
    const creds = await devReplicas(plane, SLOTS, join(work, 'credentials'));
    const { estate, plan } = desiredStateOf(shippedEstateDir());
    const registered = await registerReplicaMembers(plane, SOAK_CLOUDS.map((id) => estate.cloudById.get(id)!), creds);
    const nodeOfCluster = new Map(registered.map((r) => [r.cluster, r.cloudNode]));
    const admin = restFor(plane.clusters.find((c) => c.role === 'management')!.kubeconfig);
    clients.push(admin);
    const memberClients = new Map(registered.map((r) => [r.cloudNode, restFor(plane!.clusters.find((c) => c.name === r.cluster)!.kubeconfig)]));
    clients.push(...memberClients.values());

    // The replicas' write lines: (a) is read as they come.
    const writes: WriteLine[] = [];
    let fencedLines = 0;
    replicas = new ReplicaSet(creds, logDir, logWrites, (line) => {
      const w = parseWriteLine(line);
      if (!w) return;
      if (w.kind === 'fenced') fencedLines++;
      else writes.push(w);
    });
    for (const s of SLOTS) replicas.start(s);
    const set = replicas;
    const deadlineOf = (what: string, ms: number) => {
      const end = Date.now() + ms;
      return () => {
        if (Date.now() > end) throw new Error(`no ${what} after ${ms / 1000} s`);
      };
    };
    let guard = deadlineOf('leader with both nodes Ready', 180_000);
    for (;;) {
      type Node = { status?: { conditions?: Array<{ type: string; status: string }> } };
      const nodes = (await admin.request<{ items: Node[] }>('GET', `/apis/${API_VERSION}/cloudnodes`)).items;
      if (set.byIdentity(await leaseHolder(admin)) && nodes.length === SOAK_CLOUDS.length && nodes.every((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))) break;
      guard();
      await sleep(250);
    }

    // ---- the chaos ------------------------------------------------------------------------------
    const t0 = Date.now();
    const end = t0 + durationS * 1000;
    const running = () => Date.now() < end;
    /** Waits `ms`, or less when the chaos ends meanwhile. */
    const pause = async (ms: number) => {
      const until = Math.min(Date.now() + ms, end);
      while (Date.now() < until) await sleep(Math.min(250, until - Date.now()));
    };
    const faults: Fault[] = [];
    const record = (f: Omit<Fault, 'at' | 't'>, startedAt: number) => {
      const fault = { at: new Date(startedAt).toISOString(), t: Math.round((startedAt - t0) / 100) / 10, ...f };
      faults.push(fault);
      log(`t=${fault.t}s ${f.kind} ${f.target}${f.durationMs !== undefined ? ` (${(f.durationMs / 1000).toFixed(1)} s)` : ''}${f.skipped ? `: skipped, ${f.skipped}` : ''}`);
    };
    /** When each member was frozen and thawed (for (b)). */
    const thaws: Array<{ cluster: string; frozenAt: number; thawedAt: number }> = [];

    const wanted = new Map<string, Wanted>();
    const ops = { create: 0, edit: 0, delete: 0, createWhileDeleting: 0, errors: 0 };
    const edits: Record<string, number> = {};
    const tenantsLane = async (r: Rng) => {
      while (running()) {
        const i = r.int(0, tenantCount - 1);
        const name = tenantName(i, tenantCount);
        const w = wanted.get(name);
        try {
          if (!w || w.state === 'deleted') {
            const spec = newSpec(r, i);
            try {
              await admin.request('POST', `/apis/${API_VERSION}/tenants`, { apiVersion: API_VERSION, kind: 'Tenant', metadata: { name }, spec });
              wanted.set(name, { state: 'present', spec });
              ops.create++;
            } catch (e) {
              // Deleted a moment ago and still finishing (its finalizer): asked again later.
              if ((e as { code?: number }).code !== 409) throw e;
              ops.createWhileDeleting++;
            }
          } else if (r.chance(0.6)) {
            const edit = editSpec(r, w.spec);
            await admin.request('PATCH', `/apis/${API_VERSION}/tenants/${name}`, edit.patch, 'application/merge-patch+json');
            wanted.set(name, { state: 'present', spec: edit.spec });
            ops.edit++;
            edits[edit.kind] = (edits[edit.kind] ?? 0) + 1;
          } else {
            await admin.request('DELETE', `/apis/${API_VERSION}/tenants/${name}`);
            wanted.set(name, { state: 'deleted' });
            ops.delete++;
          }
        } catch (e) {
          ops.errors++;
          log(`tenant ${name}: ${(e as Error).message}`);
        }
        await pause(r.between(100, 400));
      }
    };
    const leaderLane = async (r: Rng) => {
      for (;;) {
        await pause(r.between(15_000, 40_000));
        if (!running()) return;
        const kill = r.chance(0.5);
        const frozenMs = LEASE_SECONDS * 1000 + r.between(1000, 4000);
        const holder = await leaseHolder(admin);
        const leader = set.byIdentity(holder);
        const kind = kill ? 'leader-kill' : 'leader-freeze';
        const at = Date.now();
        if (!leader) {
          record({ kind, target: holder ?? '(none)', skipped: holder ? 'its process is gone (the lease not yet expired)' : 'no holder' }, at);
          continue;
        }
        if (kill) {
          leader.killedFor = 'leader-kill';
          leader.signal('SIGKILL');
          record({ kind, target: leader.identity }, at);
        } else {
          leader.signal('SIGSTOP');
          await sleep(frozenMs);
          leader.signal('SIGCONT');
          record({ kind, target: leader.identity, durationMs: Date.now() - at }, at);
        }
      }
    };
    const memberLane = async (r: Rng) => {
      for (;;) {
        await pause(r.between(15_000, 40_000));
        if (!running()) return;
        const cluster = r.pick([...nodeOfCluster.keys()]);
        const restart = r.chance(0.5);
        const frozenMs = r.between(3000, 25_000);
        const at = Date.now();
        const target = `${cluster} (${nodeOfCluster.get(cluster)})`;
        if (restart) {
          await restartApiserver(cluster, { stateDir });
          record({ kind: 'member-restart', target, durationMs: Date.now() - at }, at);
        } else {
          const pid = readState(stateDir)!.clusters.find((c) => c.name === cluster)!.apiserver.pid;
          process.kill(pid, 'SIGSTOP');
          try {
            await sleep(frozenMs);
          } finally {
            process.kill(pid, 'SIGCONT');
          }
          thaws.push({ cluster, frozenAt: at, thawedAt: Date.now() });
          record({ kind: 'member-freeze', target, durationMs: Date.now() - at }, at);
        }
      }
    };
    const progress = setInterval(() => {
      const present = [...wanted.values()].filter((w) => w.state === 'present').length;
      log(`t=${Math.round((Date.now() - t0) / 1000)}s: ${ops.create} requested, ${ops.edit} edited, ${ops.delete} deleted (${present} wanted now), ${faults.length} faults, ${set.exits.length} replica exits`);
    }, 30_000);
    await Promise.all([tenantsLane(random.tenants!), leaderLane(random.leader!), memberLane(random.member!)]);
    clearInterval(progress);
    const chaosSeconds = (Date.now() - t0) / 1000;
    log(`chaos over after ${chaosSeconds.toFixed(0)} s; waiting for every invariant to hold`);

    // ---- settle and check -----------------------------------------------------------------------
    const ctx = { estate, plan, now: new Date() };
    const desired = (name: string, spec: Parameters<typeof desiredObjects>[2], node: string) => desiredObjects(ctx, name, spec, node);
    const settleStart = Date.now();
    let violations: Violation[] = [];
    let lastReport = 0;
    for (;;) {
      const snap = await snapshot(admin, memberClients).catch((e: Error) => {
        log(`snapshot: ${e.message}`);
        return undefined;
      });
      if (snap) {
        violations = checkInvariants({ wanted, ...snap, desired });
        if (violations.length === 0) break;
      }
      if (Date.now() - settleStart > SETTLE_GUARD_MS) break;
      if (Date.now() - lastReport > 30_000) {
        lastReport = Date.now();
        const by: Record<string, number> = {};
        for (const v of violations) by[v.invariant] = (by[v.invariant] ?? 0) + 1;
        log(`settling: ${violations.length} violations (${JSON.stringify(by)})`);
      }
      await sleep(2000);
    }
    const settleSeconds = (Date.now() - settleStart) / 1000;
    const finalHolder = await leaseHolder(admin);
    await set.stopAll();

    // ---- (a): sent after the sender's own renew deadline ---------------------------------------
    const sentLate = writes.filter(sentAfterDeadline);

    // ---- (b): received from a replica after another's acquisition ------------------------------
    const events: ClusterEvent[] = plane.clusters.flatMap((c) => readAuditLog(c.auditLog!).map((e) => ({ ...e, cluster: c.name })));
    const fromReplicas = events.filter((e) => creds.replicaOfUser(e.user) !== undefined);
    // By the identity in the User-Agent when every replica request carries one, else by the slot's user.
    const byIdentity = fromReplicas.length > 0 && fromReplicas.every((e) => identityFromUserAgent(e.userAgent) !== undefined);
    const replicaOf = (e: AuditEvent) => (byIdentity ? identityFromUserAgent(e.userAgent) : creds.replicaOfUser(e.user));
    const acquisitions = leaseAcquisitions(events.filter((e) => e.cluster === 'management'), LEASE, replicaOf);
    const late = writesWhileNotLeading(events, acquisitions, replicaOf);
    const lateDetails = late.map((w) => {
      const e = w.event;
      const receivedMs = e.receivedUs / 1000;
      const thaw = thaws.filter((t) => t.cluster === e.cluster && t.thawedAt <= receivedMs + 50 && t.frozenAt <= receivedMs).at(-1);
      const clusterName = e.cluster === 'management' ? 'management' : nodeOfCluster.get(e.cluster);
      const sent = byIdentity
        ? writes.filter((x) => x.identity === w.replica && x.cluster === clusterName && x.method === VERB_METHOD[e.verb] && withoutQuery(x.path) === withoutQuery(e.requestURI) && x.sentMs <= receivedMs + 1).at(-1)
        : undefined;
      return {
        write: describeWrite(w),
        ...(thaw ? { msAfterMemberThaw: Math.round(receivedMs - thaw.thawedAt), memberFrozenAt: new Date(thaw.frozenAt).toISOString() } : {}),
        ...(sent ? { sent: sent.sent, senderDeadline: sent.deadline, sentBeforeDeadlineMs: sent.deadlineMs === null ? null : sent.deadlineMs - sent.sentMs } : {}),
      };
    });
    const count = <T>(xs: T[], key: (x: T) => string) => xs.reduce<Record<string, number>>((m, x) => ((m[key(x)] = (m[key(x)] ?? 0) + 1), m), {});

    const invariantViolations = violations.length;
    failed = invariantViolations > 0 || sentLate.length > 0;
    const round = (x: number, d = 1) => Number(x.toFixed(d));
    const out = {
      bench: 'soak',
      seed,
      replay: `node dist/bench/soak.js --seed ${seed} --duration ${durationS} --tenants ${tenantCount}`,
      commit,
      durationSeconds: durationS,
      chaosSeconds: round(chaosSeconds),
      tenants: tenantCount,
      members: registered.map((r) => `${r.cluster} = ${r.cloudNode}`),
      leaseSeconds: LEASE_SECONDS,
      loadAverageAtStart: round(load, 2),
      operations: { ...ops, edits, wantedAtEnd: [...wanted.values()].filter((w) => w.state === 'present').length, deletedAtEnd: [...wanted.values()].filter((w) => w.state === 'deleted').length },
      faults: { injected: faults.filter((f) => !f.skipped).length, byKind: count(faults.filter((f) => !f.skipped), (f) => f.kind), skipped: faults.filter((f) => f.skipped).length, list: [...faults].sort((x, y) => x.t - y.t) },
      replicaExits: {
        byCause: count(set.exits, (x) => `${x.cause}${x.cause === 'own' ? ` (${x.signal ?? `code ${x.code}`})` : ''}`),
        // Exits the soak did not cause by freezing that replica (e.g. renewals starved on a loaded machine).
        ownWithoutAFreeze: set.exits.filter((x) => x.cause === 'own' && !faults.some((f) => f.kind === 'leader-freeze' && !f.skipped && f.target === x.identity)),
        list: set.exits,
      },
      leaseAcquisitions: acquisitions.length,
      finalLeaseHolder: finalHolder ?? null,
      settle: { seconds: round(settleSeconds), converged: invariantViolations === 0, guardSeconds: SETTLE_GUARD_MS / 1000 },
      invariants: { checked: Object.values(INVARIANTS), tenantsChecked: wanted.size, violations },
      figures: {
        a_sentAfterOwnRenewDeadline: logWrites
          ? { count: sentLate.length, writesLogged: writes.length, fencedLines, violations: sentLate.slice(0, 50) }
          : { count: null, note: 'this build of the operator has no --log-writes' },
        b_receivedAfterAnotherAcquisition: {
          count: late.length,
          identifiedBy: byIdentity ? 'User-Agent identity (each incarnation)' : 'ServiceAccount user (each slot)',
          byCluster: count(late, (w) => w.event.cluster),
          byReplica: count(late, (w) => w.replica),
          withinAMemberThaw: lateDetails.filter((d) => 'msAfterMemberThaw' in d).length,
          list: lateDetails.slice(0, 100),
        },
      },
      ok: !failed,
      workDir: keep || failed ? work : null,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } finally {
    await replicas?.stopAll().catch(() => undefined);
    for (const c of clients) c.close();
    if (plane) await down({ stateDir, keepLogs: keep || failed }).catch(() => undefined);
    if (!keep && !failed) rmSync(work, { recursive: true, force: true });
    else log(`work directory kept: ${work} (replicas/*.log, dev/audit/*.log)`);
  }
  process.exitCode = failed ? 1 : 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
