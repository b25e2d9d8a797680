// The local control plane behind `longyun dev up|down|status`: one etcd, a management
// kube-apiserver and N member kube-apiservers sharing that etcd under different prefixes, each with
// a kube-controller-manager (namespace finalizing, garbage collection, quota status), all on
// 127.0.0.1 only, as the current user, from the binaries that scripts/local-control-plane/build.sh
// caches. Everything lives in one state directory:
//
//   state.json                        what `up` started (written atomically; the source of truth for `down`/`status`)
//   management.kubeconfig, member-N.kubeconfig   admin kubeconfigs, one per cluster
//   pki/                              CA, serving certificate (127.0.0.1, localhost), service-account keys
//   clusters/NAME/tokens.csv          the API server's --token-auth-file (admin + least-privilege user)
//   etcd/data/                        etcd's data (--unsafe-no-fsync: throwaway)
//   pids/NAME.pid, logs/NAME.log      one per process
//   audit/policy.yaml, audit/NAME.log with `audit: true`: each API server's audit log (JSON lines)
//
// `up()` returns the cluster descriptions (servers, kubeconfigs, tokens, CA): later steps (installing
// the CRDs in the management cluster, registering the members) take them from there, or from
// `readState()` in another process.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LongyunError } from '../../topology/errors.js';
import { AUDIT_POLICY_YAML } from './audit.js';
import { DevClusterError } from './errors.js';
import { freePorts } from './ports.js';
import { httpCall, probe } from './http.js';
import { KUBERNETES_VERSION, defaultStateDir, findBinaries } from './paths.js';
import { type ClusterTokens, type Pki, ADMIN_USER, createPki, kubeconfigYaml, newTokens, writeTokenFile } from './pki.js';
import {
  type ProcessRecord,
  type Started,
  type StopOutcome,
  isAlive,
  looksLikeOurs,
  readPidFile,
  rssMiB,
  startProcess,
  stopProcess,
  tailLog,
} from './processes.js';

export { BinariesMissingError, KUBERNETES_VERSION, BUILD_SCRIPT, defaultBinDir, defaultStateDir, findBinaries } from './paths.js';
export type { Binaries } from './paths.js';
export { ADMIN_USER, RESTRICTED_USER, kubeconfigYaml } from './pki.js';
export type { ClusterTokens } from './pki.js';
export type { ProcessRecord } from './processes.js';
export { httpCall, probe } from './http.js';
export type { HttpOptions, HttpResponse } from './http.js';
export { AUDIT_POLICY_YAML } from './audit.js';

export const STATE_VERSION = 1;
/**
 * The controllers each kube-controller-manager runs (no kubelet, no scheduler: nothing that needs
 * nodes or pods running). pvc-protection takes a PVC's finalizer off once no pod uses it: without
 * it a deleted PVC, and the namespace holding it, would stay Terminating.
 */
export const DEFAULT_CONTROLLERS = ['namespace', 'garbagecollector', 'resourcequota', 'pvc-protection'] as const;
/**
 * Service ClusterIPs are allocated from a loopback range: nothing here ever dials a ClusterIP (no
 * kube-proxy, no pods), and if anything did, it could not leave the machine.
 */
export const SERVICE_CLUSTER_IP_RANGE = '127.64.0.0/16';
export const MAX_MEMBERS = 16;

export type ClusterRole = 'management' | 'member';

/** One API server of the local control plane. */
export interface DevCluster {
  /** `management`, `member-1`, `member-2`, … (also the kubeconfig's context name). */
  name: string;
  role: ClusterRole;
  /** `https://127.0.0.1:PORT`. */
  server: string;
  port: number;
  etcdPrefix: string;
  /** Admin kubeconfig (`STATE/NAME.kubeconfig`). */
  kubeconfig: string;
  /** The CA that signed the serving certificate (PEM file). */
  caFile: string;
  /** Static bearer tokens: `admin` (system:masters) and `restricted` (authenticated, no bindings). */
  tokens: ClusterTokens;
  apiserver: ProcessRecord;
  controllerManager: (ProcessRecord & { port: number }) | null;
  /** Its audit log (`STATE/audit/NAME.log`, JSON lines) when started with `audit: true`, else null. */
  auditLog: string | null;
}

/** state.json: what `up` started. */
export interface DevControlPlane {
  version: typeof STATE_VERSION;
  kubernetesVersion: string;
  stateDir: string;
  binDir: string;
  /** kubectl recorded by build.sh (Debian's kubernetes-client 1.20.2 or the machine's), or null. */
  kubectl: string | null;
  /** `starting` while `up` runs (pids recorded so far), `ready` once every server answered. */
  phase: 'starting' | 'ready';
  startedAt: string;
  readyAt: string | null;
  /** Wall time of `up`, in seconds, once ready. */
  upSeconds: number | null;
  etcd: { url: string; clientPort: number; peerPort: number; dataDir: string; process: ProcessRecord };
  /** The audit policy every API server was started with (`STATE/audit/policy.yaml`), or null without `audit`. */
  auditPolicy: string | null;
  clusters: DevCluster[];
}

export interface UpOptions {
  /** Member API servers besides the management one (default 2). */
  members?: number;
  stateDir?: string;
  /** Where the cached binaries are (default `${LONGYUN_CACHE:-~/.cache/longyun}/k8s/1.20.2/bin`). */
  binDir?: string;
  /** How long to wait for each server to become ready (default 120 s). */
  readyTimeoutMs?: number;
  /** Extra flags for every kube-apiserver. */
  apiserverArgs?: string[];
  /**
   * Start every API server with an audit log (`--audit-log-path`, `--audit-policy-file`): one JSON
   * line per write (read-only verbs are not logged), at Metadata level, at ResponseComplete.
   */
  audit?: boolean;
  controllers?: readonly string[];
  /** Progress messages (one line each). */
  onProgress?: (message: string) => void;
}

export { DevClusterError } from './errors.js';

const STATE_FILE = 'state.json';

function paths(stateDir: string) {
  return {
    state: join(stateDir, STATE_FILE),
    lock: join(stateDir, '.lock'),
    pki: join(stateDir, 'pki'),
    etcd: join(stateDir, 'etcd'),
    clusters: join(stateDir, 'clusters'),
    pids: join(stateDir, 'pids'),
    logs: join(stateDir, 'logs'),
    audit: join(stateDir, 'audit'),
  };
}

/** The state directory's own entries: only these are ever deleted (never the directory's other contents). Logs are the process logs and the audit logs. */
function ownEntries(stateDir: string, keepLogs: boolean): string[] {
  const p = paths(stateDir);
  const kubeconfigs = existsSync(stateDir) ? readdirSync(stateDir).filter((f) => /^(management|member-\d+)\.kubeconfig$/.test(f)) : [];
  return [p.state, `${p.state}.tmp`, p.pki, p.etcd, p.clusters, p.pids, ...(keepLogs ? [] : [p.logs, p.audit]), ...kubeconfigs.map((f) => join(stateDir, f))];
}

/** Writes a file atomically: temp file, fsync, rename. */
function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

function writeState(state: DevControlPlane): void {
  writeAtomic(paths(state.stateDir).state, `${JSON.stringify(state, null, 2)}\n`);
}

/** state.json of a state directory, or null when nothing was started there. */
export function readState(stateDir: string = defaultStateDir()): DevControlPlane | null {
  const file = paths(resolve(stateDir)).state;
  if (!existsSync(file)) return null;
  let state: DevControlPlane;
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as DevControlPlane;
  } catch (e) {
    throw new DevClusterError(`${file} is not valid JSON (${(e as Error).message}); run \`longyun dev down\` to stop what its pid files name and start afresh`);
  }
  if (state.version !== STATE_VERSION) throw new DevClusterError(`${file} has version ${String(state.version)}, expected ${STATE_VERSION}; run \`longyun dev down\``);
  return state;
}

/** An exclusive lock on the state directory (O_EXCL file holding our pid; a dead holder's lock is taken over). */
async function withLock<T>(stateDir: string, body: () => Promise<T>, waitMs = 180_000): Promise<T> {
  const lock = paths(stateDir).lock;
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      writeFileSync(lock, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = readPidFile(lock);
      if (holder === process.pid) throw new DevClusterError(`${lock} is already held by this process`);
      let holderAlive = holder !== null;
      if (holder !== null) {
        try {
          process.kill(holder, 0);
        } catch {
          holderAlive = false;
        }
      }
      if (!holderAlive) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new DevClusterError(`another longyun process (pid ${holder}) holds ${lock}; wait for it, or delete the file if it is gone`);
      await sleep(200);
    }
  }
  try {
    return await body();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** The environment for the servers: no proxies and no KUBECONFIG from the caller. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/_proxy$/i.test(k) && k !== 'KUBECONFIG') env[k] = v;
  env.NO_PROXY = env.no_proxy = '127.0.0.1,localhost';
  return env;
}

class Aborted extends Error {}

async function waitFor(what: Started, url: string, opts: { ca?: string; token?: string; insecure?: boolean; timeoutMs: number; aborted?: () => boolean }): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let last = '';
  for (;;) {
    if (opts.aborted?.()) throw new Aborted();
    if (what.exited || !isAlive(what.record)) {
      if (!what.exited) await sleep(100); // let the exit event arrive, for its code
      const how = what.exited ? (what.exited.signal ? `signal ${what.exited.signal}` : `exit code ${what.exited.code}`) : 'it is gone';
      throw new DevClusterError(`${what.record.name} stopped while starting (${how}); the end of ${what.record.log}:\n${tailLog(what.record.log)}`);
    }
    const r = await probe(url, { ca: opts.ca, token: opts.token, insecure: opts.insecure, timeoutMs: 2_000 });
    if (r.ok) return;
    last = r.status === null ? r.detail : `HTTP ${r.status}: ${r.detail}`;
    if (Date.now() > deadline) {
      throw new DevClusterError(`${what.record.name} was not ready within ${Math.round(opts.timeoutMs / 1000)} s (${url}: ${last}); the end of ${what.record.log}:\n${tailLog(what.record.log)}`);
    }
    await sleep(200);
  }
}

function clusterNames(members: number): { name: string; role: ClusterRole }[] {
  return [{ name: 'management', role: 'management' as const }, ...Array.from({ length: members }, (_, i) => ({ name: `member-${i + 1}`, role: 'member' as const }))];
}

/**
 * Starts the local control plane and returns its description (also written to state.json).
 * Fails if one is already running in the state directory; a stale one (nothing alive) is cleared.
 * On failure, whatever was started is stopped again (the logs stay for reading).
 */
export async function up(opts: UpOptions = {}): Promise<DevControlPlane> {
  const members = opts.members ?? 2;
  if (!Number.isInteger(members) || members < 0 || members > MAX_MEMBERS) throw new DevClusterError(`--members must be an integer from 0 to ${MAX_MEMBERS}, got ${members}`);
  const stateDir = resolve(opts.stateDir ?? defaultStateDir());
  const bins = findBinaries(opts.binDir);
  const say = opts.onProgress ?? (() => {});
  const readyTimeoutMs = opts.readyTimeoutMs ?? 120_000;
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });

  return withLock(stateDir, async () => {
    const existing = listRecords(stateDir);
    const alive = existing.filter((r) => isAlive(r));
    if (alive.length > 0) {
      throw new DevClusterError(
        `a local control plane is already running in ${stateDir} (${alive.map((r) => `${r.name} pid ${r.pid}`).join(', ')}); \`longyun dev status\` shows it, \`longyun dev down\` stops it`,
      );
    }
    for (const entry of ownEntries(stateDir, false)) rmSync(entry, { recursive: true, force: true });

    const t0 = Date.now();
    const p = paths(stateDir);
    for (const d of [p.pids, p.logs, p.clusters]) mkdirSync(d, { recursive: true, mode: 0o700 });
    mkdirSync(join(p.etcd, 'data'), { recursive: true, mode: 0o700 });
    const auditPolicy = opts.audit ? join(p.audit, 'policy.yaml') : null;
    if (auditPolicy) {
      mkdirSync(p.audit, { recursive: true, mode: 0o700 });
      writeFileSync(auditPolicy, AUDIT_POLICY_YAML, { mode: 0o600 });
    }
    const started: Started[] = [];
    const env = childEnv();
    // Set when one server failed: the other start-up branches stop where they are (nothing more is started).
    let failure: { error: unknown } | null = null;
    const aborted = () => failure !== null;
    const start = (name: string, command: string, args: string[]): Started => {
      if (failure) throw new Aborted();
      const s = startProcess(name, command, args, { log: join(p.logs, `${name}.log`), pidFile: join(p.pids, `${name}.pid`), env });
      started.push(s);
      return s;
    };

    try {
      say('making certificates (openssl)');
      const pki = createPki(p.pki);
      const ca = readFileSync(pki.caCert, 'utf8');
      const names = clusterNames(members);
      const ports = await freePorts(2 + 2 * names.length);
      const [clientPort, peerPort] = ports as [number, number];

      say(`starting etcd on 127.0.0.1:${clientPort}`);
      const etcdUrl = `http://127.0.0.1:${clientPort}`;
      const etcd = start('etcd', bins.etcd, [
        '--name=longyun-dev',
        `--data-dir=${join(p.etcd, 'data')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-cluster=longyun-dev=http://127.0.0.1:${peerPort}`,
        '--initial-cluster-state=new',
        '--unsafe-no-fsync',
        '--logger=zap',
        '--log-outputs=stderr',
      ]);
      const state: DevControlPlane = {
        version: STATE_VERSION,
        kubernetesVersion: KUBERNETES_VERSION,
        stateDir,
        binDir: bins.binDir,
        kubectl: bins.kubectl,
        phase: 'starting',
        startedAt: new Date(t0).toISOString(),
        readyAt: null,
        upSeconds: null,
        etcd: { url: etcdUrl, clientPort, peerPort, dataDir: join(p.etcd, 'data'), process: etcd.record },
        auditPolicy,
        clusters: [],
      };
      writeState(state);
      await waitFor(etcd, `${etcdUrl}/health`, { timeoutMs: readyTimeoutMs });

      const apiservers = names.map(({ name, role }, i) => {
        const port = ports[2 + 2 * i]!;
        const dir = join(p.clusters, name);
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const tokens = newTokens();
        const tokenFile = join(dir, 'tokens.csv');
        writeTokenFile(tokenFile, tokens);
        const etcdPrefix = `/longyun/${name}`;
        const auditLog = auditPolicy ? join(p.audit, `${name}.log`) : null;
        say(`starting kube-apiserver ${name} on https://127.0.0.1:${port} (etcd prefix ${etcdPrefix})${auditLog ? `, audit log ${auditLog}` : ''}`);
        const audit = auditPolicy && auditLog ? { policyFile: auditPolicy, logPath: auditLog } : null;
        const proc = start(`${name}-apiserver`, bins.kubeApiserver, apiserverArgs({ port, etcdUrl, etcdPrefix, pki, tokenFile, certDir: join(dir, 'apiserver-certs'), audit, extra: opts.apiserverArgs ?? [] }));
        const cluster: DevCluster = {
          name,
          role,
          server: `https://127.0.0.1:${port}`,
          port,
          etcdPrefix,
          kubeconfig: join(stateDir, `${name}.kubeconfig`),
          caFile: pki.caCert,
          tokens,
          apiserver: proc.record,
          controllerManager: null,
          auditLog,
        };
        state.clusters.push(cluster);
        return { cluster, proc, kcmPort: ports[3 + 2 * i]!, dir };
      });
      writeState(state);

      // Per cluster: API server ready → kubeconfig → its controller-manager (overlapping the others' start-up).
      const controllers = opts.controllers ?? DEFAULT_CONTROLLERS;
      const branches = await Promise.allSettled(
        apiservers.map(async ({ cluster, proc, kcmPort, dir }) => {
          try {
            await waitFor(proc, `${cluster.server}/readyz`, { ca, token: cluster.tokens.admin, timeoutMs: readyTimeoutMs, aborted });
            writeAtomic(cluster.kubeconfig, kubeconfigYaml({ cluster: cluster.name, server: cluster.server, caFile: pki.caCert, user: ADMIN_USER, token: cluster.tokens.admin }));
            say(`${cluster.name} is ready (${cluster.server}); kubeconfig ${cluster.kubeconfig}`);
            const kcm = start(`${cluster.name}-controller-manager`, bins.kubeControllerManager, [
              `--kubeconfig=${cluster.kubeconfig}`,
              `--authentication-kubeconfig=${cluster.kubeconfig}`,
              `--authorization-kubeconfig=${cluster.kubeconfig}`,
              // Bearer tokens only (TokenReview); without this it looks up a request-header CA the API
              // servers do not have and logs an error about it, with backoff, forever.
              '--authentication-skip-lookup=true',
              '--leader-elect=false',
              `--controllers=${controllers.join(',')}`,
              `--service-account-private-key-file=${pki.serviceAccountKey}`,
              `--root-ca-file=${pki.caCert}`,
              '--bind-address=127.0.0.1',
              `--secure-port=${kcmPort}`,
              '--port=0',
              `--cert-dir=${join(dir, 'controller-manager-certs')}`,
              `--cluster-name=${cluster.name}`,
            ]);
            cluster.controllerManager = { ...kcm.record, port: kcmPort };
            writeState(state);
            await waitFor(kcm, `https://127.0.0.1:${kcmPort}/healthz`, { insecure: true, timeoutMs: readyTimeoutMs, aborted });
            say(`${cluster.name}: kube-controller-manager is running (${controllers.join(', ')})`);
          } catch (e) {
            failure ??= { error: e };
            throw e;
          }
        }),
      );
      const rejected = branches.find((b): b is PromiseRejectedResult => b.status === 'rejected');
      // The first failure is the cause; the other branches stopped with Aborted because of it.
      if (rejected) throw (failure as { error: unknown } | null)?.error ?? rejected.reason;

      state.phase = 'ready';
      state.readyAt = new Date().toISOString();
      state.upSeconds = Math.round((Date.now() - t0) / 100) / 10;
      writeState(state);
      say(`ready in ${state.upSeconds} s`);
      return state;
    } catch (e) {
      say('start-up failed; stopping what was started');
      for (const s of [...started].reverse()) await stopProcess(s.record, 5_000).catch(() => undefined);
      for (const entry of ownEntries(stateDir, true)) rmSync(entry, { recursive: true, force: true });
      if (e instanceof LongyunError) throw new DevClusterError(`${e.message}\n(the logs are kept in ${p.logs})`);
      throw e;
    }
  });
}

function apiserverArgs(a: { port: number; etcdUrl: string; etcdPrefix: string; pki: Pki; tokenFile: string; certDir: string; audit: { policyFile: string; logPath: string } | null; extra: string[] }): string[] {
  return [
    '--advertise-address=127.0.0.1',
    '--bind-address=127.0.0.1',
    `--secure-port=${a.port}`,
    '--insecure-port=0',
    `--etcd-servers=${a.etcdUrl}`,
    `--etcd-prefix=${a.etcdPrefix}`,
    `--cert-dir=${a.certDir}`,
    `--tls-cert-file=${a.pki.servingCert}`,
    `--tls-private-key-file=${a.pki.servingKey}`,
    `--client-ca-file=${a.pki.caCert}`,
    `--token-auth-file=${a.tokenFile}`,
    '--authorization-mode=RBAC',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${a.pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${a.pki.serviceAccountKey}`,
    `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
    '--disable-admission-plugins=ServiceAccount',
    '--endpoint-reconciler-type=none',
    ...(a.audit
      ? [
          `--audit-policy-file=${a.audit.policyFile}`,
          `--audit-log-path=${a.audit.logPath}`,
          '--audit-log-format=json',
          // Each event is written before the response goes out: a request answered is a request logged.
          '--audit-log-mode=blocking',
          // Never rotated: a test or bench reads one file per API server from start to end.
          '--audit-log-maxsize=0',
        ]
      : []),
    ...a.extra,
  ];
}

/** Every process recorded in a state directory: state.json's records, plus pid files state.json does not name (an interrupted `up`) whose process mentions the state directory. */
function listRecords(stateDir: string): (ProcessRecord & { tier: number })[] {
  const records: (ProcessRecord & { tier: number })[] = [];
  let state: DevControlPlane | null = null;
  try {
    state = readState(stateDir);
  } catch {
    state = null; // fall back to the pid files
  }
  if (state) {
    for (const c of state.clusters) {
      if (c.controllerManager) records.push({ ...c.controllerManager, tier: 0 });
      records.push({ ...c.apiserver, tier: 1 });
    }
    records.push({ ...state.etcd.process, tier: 2 });
  }
  const pidDir = paths(stateDir).pids;
  if (existsSync(pidDir)) {
    for (const f of readdirSync(pidDir).filter((n) => n.endsWith('.pid'))) {
      const name = f.slice(0, -4);
      const pidFile = join(pidDir, f);
      const pid = readPidFile(pidFile);
      if (pid === null || records.some((r) => r.pidFile === pidFile && r.pid === pid)) continue;
      if (!looksLikeOurs(pid, stateDir)) continue;
      let command = name;
      try {
        command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] || name;
      } catch {
        continue; // gone meanwhile
      }
      records.push({ name, pid, pidFile, log: join(paths(stateDir).logs, `${name}.log`), command, startTime: null, tier: name.endsWith('-controller-manager') ? 0 : name === 'etcd' ? 2 : 1 });
    }
  }
  return records;
}

export interface DownOptions {
  stateDir?: string;
  /** Per process: SIGTERM, then SIGKILL after this long (default 10 s). */
  timeoutMs?: number;
  /** Keep logs/ (everything else of the state is removed). */
  keepLogs?: boolean;
}

export interface DownResult {
  stateDir: string;
  stopped: { name: string; pid: number; outcome: StopOutcome }[];
}

/** Stops exactly what `up` started (controller-managers, then API servers, then etcd) and removes the state. */
export async function down(opts: DownOptions = {}): Promise<DownResult> {
  const stateDir = resolve(opts.stateDir ?? defaultStateDir());
  if (!existsSync(stateDir)) return { stateDir, stopped: [] };
  const result = await withLock(stateDir, async () => {
    const records = listRecords(stateDir);
    const stopped: DownResult['stopped'] = [];
    for (const tier of [0, 1, 2]) {
      const batch = records.filter((r) => r.tier === tier);
      const outcomes = await Promise.all(batch.map((r) => stopProcess(r, opts.timeoutMs ?? 10_000)));
      batch.forEach((r, i) => stopped.push({ name: r.name, pid: r.pid, outcome: outcomes[i]! }));
    }
    for (const entry of ownEntries(stateDir, opts.keepLogs ?? false)) rmSync(entry, { recursive: true, force: true });
    return { stateDir, stopped };
  });
  try {
    rmdirSync(stateDir); // only if empty
  } catch {
    // not empty (the logs were kept, or other files), or already gone: leave it
  }
  return result;
}

export interface ProcessStatus {
  name: string;
  pid: number;
  alive: boolean;
  rssMiB: number | null;
  log: string;
}

export interface ClusterStatus {
  name: string;
  role: ClusterRole;
  server: string;
  kubeconfig: string;
  /** GET /readyz with the admin token. */
  readyz: { ok: boolean; status: number | null; detail: string };
  /** GET /healthz of the controller-manager. */
  controllerManagerHealthz: { ok: boolean; status: number | null; detail: string } | null;
}

export interface DevStatus {
  stateDir: string;
  /** Some recorded process is alive. */
  running: boolean;
  /** Every process alive and every server ready. */
  healthy: boolean;
  phase: DevControlPlane['phase'] | null;
  startedAt: string | null;
  etcd: { url: string; health: { ok: boolean; status: number | null; detail: string } } | null;
  processes: ProcessStatus[];
  clusters: ClusterStatus[];
}

/** Whether each recorded process is alive (and its memory), each API server's /readyz, each controller-manager's /healthz. */
export async function status(opts: { stateDir?: string } = {}): Promise<DevStatus> {
  const stateDir = resolve(opts.stateDir ?? defaultStateDir());
  const state = readState(stateDir);
  const records = existsSync(stateDir) ? listRecords(stateDir) : [];
  const processes = records
    .sort((a, b) => b.tier - a.tier)
    .map((r) => {
      const alive = isAlive(r);
      return { name: r.name, pid: r.pid, alive, rssMiB: alive ? rssMiB(r.pid) : null, log: r.log };
    });
  if (!state) {
    return { stateDir, running: processes.some((p) => p.alive), healthy: false, phase: null, startedAt: null, etcd: null, processes, clusters: [] };
  }
  const ca = existsSync(state.clusters[0]?.caFile ?? '') ? readFileSync(state.clusters[0]!.caFile, 'utf8') : undefined;
  const clusters = await Promise.all(
    state.clusters.map(async (c): Promise<ClusterStatus> => ({
      name: c.name,
      role: c.role,
      server: c.server,
      kubeconfig: c.kubeconfig,
      readyz: await probe(`${c.server}/readyz`, { ca, token: c.tokens.admin, timeoutMs: 3_000 }),
      controllerManagerHealthz: c.controllerManager ? await probe(`https://127.0.0.1:${c.controllerManager.port}/healthz`, { insecure: true, timeoutMs: 3_000 }) : null,
    })),
  );
  const etcd = { url: state.etcd.url, health: await probe(`${state.etcd.url}/health`, { timeoutMs: 3_000 }) };
  const healthy =
    state.phase === 'ready' && processes.every((p) => p.alive) && etcd.health.ok && clusters.every((c) => c.readyz.ok && (c.controllerManagerHealthz?.ok ?? false));
  return { stateDir, running: processes.some((p) => p.alive), healthy, phase: state.phase, startedAt: state.startedAt, etcd, processes, clusters };
}

/** A request to one of the clusters with its admin token (for callers without a Kubernetes client). */
export function kubeRequest(cluster: Pick<DevCluster, 'server' | 'caFile' | 'tokens'>, method: string, path: string, body?: unknown, token = cluster.tokens.admin) {
  return httpCall(`${cluster.server}${path}`, { method, body, token, ca: readFileSync(cluster.caFile), timeoutMs: 15_000 });
}

/**
 * Restarts one cluster's kube-apiserver with the same command line (for tests of clients that must
 * survive an API server restart): SIGTERM, then start it again and wait for /readyz.
 */
export async function restartApiserver(clusterName: string, opts: { stateDir?: string; readyTimeoutMs?: number } = {}): Promise<DevCluster> {
  const stateDir = resolve(opts.stateDir ?? defaultStateDir());
  const state = readState(stateDir);
  const cluster = state?.clusters.find((c) => c.name === clusterName);
  if (!state || !cluster) throw new DevClusterError(`no cluster "${clusterName}" running in ${stateDir}`);
  const rec = cluster.apiserver;
  // The exact arguments it was started with, from the kernel (NUL-separated).
  const args = readFileSync(`/proc/${rec.pid}/cmdline`, 'utf8').split('\0').filter(Boolean).slice(1);
  await stopProcess(rec);
  const p = paths(stateDir);
  const started = startProcess(rec.name, rec.command, args, { log: join(p.logs, `${rec.name}.log`), pidFile: join(p.pids, `${rec.name}.pid`), env: childEnv() });
  cluster.apiserver = started.record;
  writeState(state);
  await waitFor(started, `${cluster.server}/readyz`, { ca: readFileSync(cluster.caFile, 'utf8'), token: cluster.tokens.admin, timeoutMs: opts.readyTimeoutMs ?? 120_000 });
  return cluster;
}
