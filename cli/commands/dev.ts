// `longyun dev up|down|status`: the local control plane (etcd, a management kube-apiserver and N
// member kube-apiservers, each with a kube-controller-manager) on 127.0.0.1. This module only
// declares the commands and is cheap to import; the work (operator/dev-cluster/) and the views
// (Ink, React) load when a command runs.
import { type Command, Option } from 'commander';
import { EXIT, UsageError, action, defaultEstateDir } from '../common.js';
import { printJson, printView } from '../render.js';
import type { Cloud } from '../../topology/schema.js';

type Output = 'table' | 'json';

const stateDirOption = () =>
  new Option('--state-dir <dir>', 'state directory: certificates, etcd data, logs, pid files, kubeconfigs, state.json (default: $LONGYUN_STATE/dev, else ~/.local/state/longyun/dev)');
const outputOption = () => new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table');

function parseMembers(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n > 16) throw new UsageError(`--members must be a whole number from 0 to 16, got "${value}"`);
  return n;
}

const loadDevCluster = () => import('../../operator/dev-cluster/index.js');
const loadTable = async () => ({ React: (await import('react')).default, Table: (await import('../views/Table.js')).Table });

/** Adds `dev up`, `dev down` and `dev status` to the program. */
export function registerDevCommands(program: Command): Command {
  const dev = program
    .command('dev')
    .description('a local control plane for development and tests: real etcd, kube-apiservers and controller-managers on 127.0.0.1')
    .addHelpText(
      'after',
      `
The binaries are built once from Debian's sources by scripts/local-control-plane/build.sh and cached
in \${LONGYUN_CACHE:-~/.cache/longyun}/k8s/1.20.2/bin/; no root is needed to run them.

Examples:
  $ longyun dev up --members 2
  $ kubectl --kubeconfig ~/.local/state/longyun/dev/member-1.kubeconfig get ns
  $ longyun dev status
  $ longyun dev down`,
    );

  dev
    .command('up')
    .description('start etcd, a management API server and N member API servers (each with a controller-manager) and write their kubeconfigs')
    .option('-m, --members <n>', 'member API servers besides the management one, 0-16 (default: 2, or as many as --as names)')
    .option('--as <clouds>', 'the estate clouds the members stand for, one per member in order; a standby cloud (role: standby) registers as a standby CloudNode (default: the provincial cloud, then the municipal clouds in estate order)')
    .option('--no-register', 'do not register the members as CloudNodes (onboard them later with `longyun node onboard`)')
    .option('--audit', "give every API server an audit log: each write and LIST (who, user agent, verb, object, answer, when), JSON lines in STATE/audit/CLUSTER.log")
    .addOption(new Option('-e, --estate <dir>', 'the estate the clouds come from').default(defaultEstateDir(), 'the shipped Gansu estate, or $LONGYUN_ESTATE'))
    .addOption(stateDirOption())
    .addOption(outputOption())
    .addHelpText(
      'after',
      `
Every server listens on 127.0.0.1 only, on free ports; the members share one etcd under different
prefixes (/longyun/management, /longyun/member-1, …). The management cluster gets the operator's
CRDs, the members the Multus and Velero stand-in CRDs, and each member is registered as the
CloudNode of an estate cloud (a Secret with its kubeconfig in longyun-system, then the CloudNode);
\`longyun operator run\` then onboards them. Fails if one is already running in the state directory.
With --audit, each API server writes an audit log (--audit-log-path, --audit-policy-file): every
write at Metadata level (no bodies) when its response is complete; reads are not logged. The
paths are in state.json and in -o json (clusters[].auditLog); \`dev down --keep-logs\` keeps them.
Exit codes: 0 ready · 1 error (binaries not built, a server did not start; its log is named).

Examples:
  $ longyun dev up                                   member-1 = gansu-provincial, member-2 = lanzhou-cloud
  $ longyun dev up --as tianshui-cloud,gansu-provincial
  $ longyun dev up --members 3 --as gansu-provincial,gansu-provincial-same-city-dr,gansu-provincial-remote-dr
                                                     the provincial cloud and its same-city and remote standbys
  $ longyun dev up --members 3 --no-register --state-dir /tmp/longyun-dev
  $ longyun dev up -o json | jq -r '.clusters[] | .kubeconfig'
  $ longyun dev up --audit -o json | jq -r '.clusters[] | .auditLog'
  $ jq -c 'select(.user.username == "longyun-admin") | [.verb, .objectRef.resource, .responseStatus.code]' ~/.local/state/longyun/dev/audit/management.log`,
    )
    .action(action(async (opts: UpCommandOptions) => upCommand(opts)));

  dev
    .command('down')
    .description('stop exactly what `dev up` started (by its pid files: SIGTERM, then SIGKILL) and remove its state')
    .addOption(stateDirOption())
    .option('--keep-logs', 'keep the logs/ directory')
    .addOption(outputOption())
    .addHelpText('after', '\nExamples:\n  $ longyun dev down\n  $ longyun dev down --state-dir /tmp/longyun-dev --keep-logs')
    .action(action(async (opts: { stateDir?: string; keepLogs?: boolean; output: Output }) => downCommand(opts)));

  dev
    .command('status')
    .description("whether each process of the local control plane is alive, each API server's /readyz and each controller-manager's /healthz")
    .addOption(stateDirOption())
    .addOption(outputOption())
    .addHelpText(
      'after',
      '\nExit codes: 0 everything alive and ready · 1 not running, or something is down.\n\nExamples:\n  $ longyun dev status\n  $ longyun dev status -o json | jq .healthy',
    )
    .action(action(async (opts: { stateDir?: string; output: Output }) => statusCommand(opts)));

  return dev;
}

interface UpCommandOptions {
  members?: string;
  as?: string;
  register: boolean;
  audit?: boolean;
  estate: string;
  stateDir?: string;
  output: Output;
}

async function upCommand(opts: UpCommandOptions): Promise<number> {
  const ids = opts.as === undefined ? undefined : opts.as.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (ids !== undefined && !opts.register) throw new UsageError('--as and --no-register contradict each other; pass one of them');
  if (ids !== undefined && ids.length === 0) throw new UsageError('--as needs at least one estate cloud id, e.g. --as tianshui-cloud');
  const members = opts.members === undefined ? (ids?.length ?? 2) : parseMembers(opts.members);
  // Check the clouds before starting anything.
  let clouds: Cloud[] = [];
  if (opts.register && members > 0) {
    const { loadEstate } = await import('../../topology/load.js');
    const { memberClouds } = await import('../../operator/dev-setup.js');
    try {
      clouds = memberClouds(loadEstate(opts.estate), members, ids, opts.estate);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const { up } = await loadDevCluster();
  const progress = opts.output === 'table' || process.stderr.isTTY;
  const say = (m: string) => {
    if (progress) process.stderr.write(`dev up: ${m}\n`);
  };
  const plane = await up({ members, stateDir: opts.stateDir, audit: opts.audit ?? false, onProgress: progress ? say : undefined });
  // The operator's CRDs in the management cluster; Multus and Velero stand-ins in the members.
  const { installDevCrds, registerDevMembers } = await import('../../operator/dev-setup.js');
  for (const i of await installDevCrds(plane)) say(`${i.cluster}: installed ${i.installed.join(', ')}`);
  const registered = await registerDevMembers(plane, clouds);
  for (const r of registered) say(`${r.cluster}: registered as cloudnode/${r.cloudNode}${r.standby ? ' (standby)' : ''}`);
  const nodeOf = new Map(registered.map((r) => [r.cluster, r.cloudNode]));
  const standbys = new Set(registered.filter((r) => r.standby).map((r) => r.cluster));
  if (opts.output === 'json') {
    // Tokens stay in state.json and the kubeconfigs (mode 0600), not on stdout.
    printJson({ ...plane, clusters: plane.clusters.map(({ tokens: _tokens, ...c }) => ({ ...c, cloudNode: nodeOf.get(c.name) ?? null })) });
    return EXIT.OK;
  }
  const { React, Table } = await loadTable();
  process.stdout.write(`Local control plane ready in ${plane.upSeconds} s (Kubernetes ${plane.kubernetesVersion}, state ${plane.stateDir})\n\n`);
  await printView(() =>
    React.createElement(Table, {
      columns: [{ header: 'CLUSTER' }, { header: 'CLOUD NODE' }, { header: 'SERVER' }, { header: 'ETCD PREFIX' }, { header: 'KUBECONFIG' }],
      rows: plane.clusters.map((c) => [c.name, nodeOf.has(c.name) ? `${nodeOf.get(c.name)}${standbys.has(c.name) ? ' (standby)' : ''}` : '-', c.server, c.etcdPrefix, c.kubeconfig]),
    }),
  );
  const management = plane.clusters.find((c) => c.role === 'management');
  const mgmtKubeconfig = management?.kubeconfig ?? 'management.kubeconfig';
  process.stdout.write(`\netcd ${plane.etcd.url}\n`);
  if (plane.auditPolicy) process.stdout.write(`Audit logs (writes, JSON lines): ${plane.clusters.map((c) => c.auditLog).join(', ')}\n`);
  if (management) process.stdout.write(`Try: ${plane.kubectl ?? 'kubectl'} --kubeconfig ${mgmtKubeconfig} get cloudnodes\n`);
  if (registered.length > 0) process.stdout.write(`Onboard the registered members: longyun operator run --kubeconfig ${mgmtKubeconfig}\n`);
  else if (members > 0) process.stdout.write(`Onboard a member: longyun node onboard --kubeconfig ${mgmtKubeconfig} --member-kubeconfig <member kubeconfig> --unit tianshui --kind municipal --wait\n`);
  process.stdout.write('Stop: longyun dev down\n');
  return EXIT.OK;
}

async function downCommand(opts: { stateDir?: string; keepLogs?: boolean; output: Output }): Promise<number> {
  const { down } = await loadDevCluster();
  const result = await down({ stateDir: opts.stateDir, keepLogs: opts.keepLogs ?? false });
  if (opts.output === 'json') {
    printJson(result);
    return EXIT.OK;
  }
  const running = result.stopped.filter((s) => s.outcome !== 'not-running');
  if (result.stopped.length === 0) {
    process.stdout.write(`Nothing to stop in ${result.stateDir}\n`);
  } else {
    for (const s of result.stopped) process.stdout.write(`${s.outcome === 'not-running' ? 'already gone' : s.outcome.padEnd(12)} ${s.name} (pid ${s.pid})\n`);
    process.stdout.write(`Stopped ${running.length} process${running.length === 1 ? '' : 'es'}; removed the state in ${result.stateDir}${opts.keepLogs ? ' (logs kept)' : ''}\n`);
  }
  return EXIT.OK;
}

async function statusCommand(opts: { stateDir?: string; output: Output }): Promise<number> {
  const { status } = await loadDevCluster();
  const st = await status({ stateDir: opts.stateDir });
  if (opts.output === 'json') {
    printJson(st);
    return st.healthy ? EXIT.OK : EXIT.ERROR;
  }
  if (st.processes.length === 0) {
    process.stdout.write(`No local control plane in ${st.stateDir}; start one with \`longyun dev up\`\n`);
    return EXIT.ERROR;
  }
  const { React, Table } = await loadTable();
  process.stdout.write(`Local control plane in ${st.stateDir}: ${st.healthy ? 'healthy' : st.phase === 'starting' ? 'starting' : 'NOT healthy'}${st.startedAt ? `, started ${st.startedAt}` : ''}\n\n`);
  await printView(() =>
    React.createElement(Table, {
      columns: [{ header: 'PROCESS' }, { header: 'PID', align: 'right' }, { header: 'ALIVE' }, { header: 'RSS', align: 'right' }, { header: 'LOG' }],
      rows: st.processes.map((p) => [p.name, String(p.pid), p.alive ? 'yes' : 'NO', p.rssMiB === null ? '-' : `${p.rssMiB} MiB`, p.log]),
      rowColor: (r) => (st.processes[r]?.alive ? undefined : 'red'),
    }),
  );
  if (st.clusters.length > 0) {
    process.stdout.write('\n');
    const mark = (h: { ok: boolean; status: number | null; detail: string } | null) => (h === null ? '-' : h.ok ? 'ok' : h.status === null ? `no answer (${h.detail})` : `HTTP ${h.status}`);
    await printView(() =>
      React.createElement(Table, {
        columns: [{ header: 'CLUSTER' }, { header: 'SERVER' }, { header: '/readyz' }, { header: 'CONTROLLER-MANAGER' }, { header: 'KUBECONFIG' }],
        rows: st.clusters.map((c) => [c.name, c.server, mark(c.readyz), mark(c.controllerManagerHealthz), c.kubeconfig]),
        rowColor: (r) => (st.clusters[r]?.readyz.ok ? undefined : 'red'),
      }),
    );
  }
  if (st.etcd) process.stdout.write(`\netcd ${st.etcd.url}: ${st.etcd.health.ok ? 'healthy' : `NOT healthy (${st.etcd.health.detail})`}\n`);
  return st.healthy ? EXIT.OK : EXIT.ERROR;
}
