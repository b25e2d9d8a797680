#!/usr/bin/env node
// longyun (陇云): the command line. Commands load their modules lazily so that `--help` is fast.
import { Command, Option } from 'commander';
import { registerDevCommands } from './commands/dev.js';
import { registerDrCommands } from './commands/dr.js';
import { action, defaultEstateDir } from './common.js';

// A closed pipe (`longyun ipam export | head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

const program = new Command();
// Positional options: each command parses only the options before its subcommand, so that
// `dr failover get NAME -o json` gives -o to get, not to `dr failover` (which has options of its own).
program
  .enablePositionalOptions()
  .name('longyun')
  .description("陇云 longyun: plan and run Gansu's 1+15+N government cloud, dual-plane extranet and two-sites-three-centres DR")
  .version('0.1.0', '-V, --version')
  .showHelpAfterError('(run with --help for usage)')
  .addHelpText(
    'after',
    `
Exit codes: 0 ok · 1 error (bad input, invalid estate or ledger) · 2 changes pending (diff) · 3 an enforce-mode policy failed

Examples:
  $ longyun plan                          summarize the shipped Gansu estate
  $ longyun plan --estate ./estate -o json
  $ longyun ipam whois 2001:db8:10::1
  $ longyun policy check --estate ./estate`,
  );

const estateOption = () =>
  new Option('-e, --estate <dir>', 'estate directory (YAML files and ledger.json)').default(defaultEstateDir(), 'the shipped Gansu estate, or $LONGYUN_ESTATE');
const outputOption = (choices: string[] = ['table', 'json']) =>
  new Option('-o, --output <format>', 'output format').choices(choices).default(choices[0]);

program
  .command('plan')
  .description('load the estate and ledger, allocate missing prefixes, evaluate the policies and summarize')
  .addOption(estateOption())
  .addOption(outputOption())
  .option('--dry-run', 'allocate in memory only; do not write the ledger')
  .addHelpText(
    'after',
    `
Examples:
  $ longyun plan
  $ longyun plan --estate ./my-estate --dry-run
  $ longyun plan --output json | jq '.findings'`,
  )
  .action(action(async (opts) => (await import('./commands/plan.js')).planCommand(opts)));

const ipam = program.command('ipam').description('the dual-plane IPv6/IPv4 address plan (stable ledger of allocations)');
ipam
  .command('allocate')
  .description('allocate every prefix the estate needs; existing allocations never move')
  .addOption(estateOption())
  .addOption(outputOption())
  .option('--prune', 'release allocations whose unit, data centre, service or plane was removed from the estate')
  .option('--dry-run', 'show what would be allocated without writing the ledger')
  .addHelpText('after', '\nExamples:\n  $ longyun ipam allocate\n  $ longyun ipam allocate --prune --dry-run')
  .action(action(async (opts) => (await import('./commands/ipam.js')).allocateCommand(opts)));
ipam
  .command('show')
  .description('show the allocations of a unit (with free space), or a summary per plane and level')
  .argument('[unit]', 'a unit or data-centre id, e.g. lanzhou or lanzhou-chengguan')
  .addOption(estateOption())
  .addOption(outputOption())
  .option('--plane <id>', 'only this plane')
  .addOption(new Option('--family <family>', 'only this address family').choices(['ipv6', 'ipv4']))
  .addHelpText('after', '\nExamples:\n  $ longyun ipam show\n  $ longyun ipam show lanzhou --family ipv6')
  .action(action(async (unit, opts) => (await import('./commands/ipam.js')).showCommand(unit, opts)));
ipam
  .command('whois')
  .description('which unit, plane and level owns an address')
  .argument('<address>', 'an IPv6 or IPv4 address')
  .addOption(estateOption())
  .addOption(outputOption())
  .addHelpText('after', '\nExamples:\n  $ longyun ipam whois 2001:db8:10::1\n  $ longyun ipam whois 10.0.16.9 -o json')
  .action(action(async (address, opts) => (await import('./commands/ipam.js')).whoisCommand(address, opts)));
ipam
  .command('export')
  .description('export every allocation as JSON or CSV')
  .addOption(estateOption())
  .addOption(new Option('-o, --output <format>', 'output format').choices(['json', 'csv']).default('json'))
  .addHelpText('after', '\nExamples:\n  $ longyun ipam export > allocations.json\n  $ longyun ipam export -o csv > allocations.csv')
  .action(action(async (opts) => (await import('./commands/ipam.js')).exportCommand(opts)));

program
  .command('synth')
  .description('synthesize one Terraform stack per cloud node (cdk.tf.json), as `cdktf synth` would')
  .addOption(estateOption())
  .option('--out <dir>', 'output directory', 'cdktf.out')
  .addOption(new Option('--backend <type>', 'Terraform state backend').default('local'))
  .option('--backend-config <key=value>', 'backend setting (repeatable), e.g. bucket=tfstate', (v: string, prev: string[]) => [...prev, v], [] as string[])
  .addOption(new Option('--engine <engine>', 'json: longyun\'s renderer; cdktf: the cdktf library (slower, same JSON)').choices(['json', 'cdktf']).default('json'))
  .addOption(outputOption())
  .addHelpText(
    'after',
    `
Examples:
  $ longyun synth                                  writes cdktf.out/stacks/<node>/cdk.tf.json
  $ longyun synth --out build/stacks --backend s3 --backend-config bucket=tfstate --backend-config region=gansu
  $ cd cdktf.out/stacks/lanzhou-cloud && terraform init && terraform plan -var kubeconfig_path=~/.kube/lanzhou`,
  )
  .action(action(async (opts) => (await import('./commands/stacks.js')).synthCommand(opts)));

program
  .command('diff')
  .description('compare a fresh synth with a previous output directory; exit 2 when something changed')
  .addOption(estateOption())
  .option('--against <dir>', 'the previous synth output', 'cdktf.out')
  .addOption(outputOption())
  .addHelpText(
    'after',
    `
Exit codes: 0 no changes · 2 changes · 1 error (as terraform plan -detailed-exitcode)

Examples:
  $ longyun diff
  $ longyun diff --against build/stacks -o json | jq '.summary'`,
  )
  .action(action(async (opts) => (await import('./commands/stacks.js')).diffCommand(opts)));

const clusterOptions = (cmd: Command) =>
  cmd
    .option('--kubeconfig <file>', 'the management cluster\'s kubeconfig (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context');
const waitOptions = (cmd: Command) => cmd.option('--wait', 'wait until done, showing progress').option('--timeout <seconds>', 'how long --wait waits', '120');

const operator = program.command('operator').description('the Kubernetes operator: reconciles CloudNodes and Tenants across the member clusters');
clusterOptions(
  operator
    .command('run')
    .description('run the operator (leader election: several replicas, one reconciles)')
    .addOption(estateOption())
    .option('--in-cluster', 'use the pod\'s ServiceAccount: KUBERNETES_SERVICE_HOST/_PORT, and token, ca.crt and namespace in /var/run/secrets/kubernetes.io/serviceaccount (or $LONGYUN_SERVICEACCOUNT_DIR)')
    .option('--namespace <ns>', 'the operator\'s namespace: lease, kubeconfig Secrets (default: the pod\'s with --in-cluster, else longyun-system)')
    .option('--metrics-bind-address <host:port>', '/metrics, /healthz and /readyz: ":8080" every interface, "127.0.0.1:8080" one, port 0 a free one, "0" none (default: ":8080")')
    .option('--metrics-port <port>', 'shorthand for --metrics-bind-address :PORT; with both, the ports must agree')
    .option('--lease-duration <seconds>', 'leader lease duration: a follower takes over once the lease has not changed for this long, on its own clock', '15')
    .option('--renew-deadline <seconds>', 'the leader stops writing, and exits 1, when it has not renewed the lease for this long (default: 2/3 of the lease duration)')
    .option('--retry-period <seconds>', 'how often the leader renews and a follower looks at the lease (default: 2/15 of the lease duration)')
    .option('--log-writes', 'print a line on stderr for every write to a cluster as it is sent, or kept back by the fence: "write|fenced sent=… deadline=… identity=… cluster=… METHOD PATH"')
    .option('--identity <id>', 'this replica\'s identity (default: host and pid)'),
)
  .addHelpText(
    'after',
    `
Examples:
  $ longyun operator run --kubeconfig ~/.local/state/longyun/dev/management.kubeconfig
  $ longyun operator run --in-cluster --metrics-bind-address :8080       as the Deployment of \`operator manifests\` runs it
  $ longyun operator run --metrics-bind-address 127.0.0.1:9090           metrics and probes on loopback only
  $ longyun operator run --metrics-port 0                                every interface, a free port (printed on stderr)`,
  )
  .action(action(async (opts) => (await import('./commands/operator.js')).operatorRun(opts)));
operator
  .command('manifests')
  .description('print what deploys the operator: CRDs, least-privilege RBAC, a 2-replica Deployment, a metrics Service')
  .option('--image <image>', 'the operator image (built from operator/Dockerfile)')
  .option('--namespace <ns>', 'namespace', 'longyun-system')
  .option('--replicas <n>', 'replicas', '2')
  .addHelpText('after', '\nExamples:\n  $ longyun operator manifests | kubectl apply -f -\n  $ longyun operator manifests --image registry.example/longyun:0.1.0 > operator.yaml')
  .action(action(async (opts) => (await import('./commands/operator.js')).operatorManifests(opts)));
operator
  .command('dashboards')
  .description('the Grafana dashboard and the Prometheus alerting and recording rules for the operator\'s metrics')
  .option('--out <dir>', 'write longyun-operator.dashboard.json and the rules file into DIR (created if missing); without it, print one to stdout')
  .addOption(new Option('--only <what>', 'only the dashboard or only the rules').choices(['dashboard', 'rules']))
  .addOption(new Option('--rules-format <format>', 'prometheus: a rules file for rule_files; prometheus-rule: a PrometheusRule for the Prometheus Operator').choices(['prometheus', 'prometheus-rule']).default('prometheus'))
  .addOption(new Option('-o, --output <format>', 'format of the rules (the dashboard is JSON)').choices(['yaml', 'json']))
  .option('--namespace <ns>', 'the PrometheusRule\'s namespace (default: longyun-system)')
  .option('--label <key=value>', 'a label on the PrometheusRule (repeatable), e.g. release=kube-prometheus-stack', (v: string, prev: string[]) => [...prev, v], [] as string[])
  .option('--runbook-base <url>', 'where the README is published; alerts link to its Monitoring anchors (default: README.md)')
  .addHelpText(
    'after',
    `
Examples:
  $ longyun operator dashboards --out monitoring          writes longyun-operator.dashboard.json and longyun-operator.rules.yaml
  $ longyun operator dashboards --only rules --rules-format prometheus-rule --label release=kube-prometheus-stack | kubectl apply -f -
  $ longyun operator dashboards --only dashboard > longyun-operator.dashboard.json
  $ longyun operator dashboards --only rules -o json | jq '.groups[].rules[].alert'`,
  )
  .action(action(async (opts) => (await import('./commands/operator.js')).operatorDashboards(opts)));

const node = program.command('node').description('cloud nodes: member clusters of the 1+15+N cloud (municipal ops onboard theirs)');
waitOptions(
  clusterOptions(
    node
      .command('onboard')
      .description('register a member cluster as a cloud node; the operator reaches it, checks it and onboards it')
      .requiredOption('--member-kubeconfig <file>', 'the member cluster\'s kubeconfig (stored as a Secret, never printed)')
      .option('--member-context <name>', 'context in the member kubeconfig')
      .requiredOption('--unit <unit>', 'the unit hosting it, e.g. tianshui')
      .addOption(new Option('--kind <kind>', 'node kind').choices(['provincial', 'municipal', 'industry']).default('municipal'))
      .option('--name <cloud>', 'the estate cloud id (default: the estate\'s production cloud of that unit and kind); a standby cloud is named by its id')
      .addOption(estateOption())
      .addOption(outputOption()),
  ),
)
  .addHelpText(
    'after',
    `
The identity in the member kubeconfig needs the longyun-member ClusterRole on the member (and the
longyun-tenant ClusterRole and velero Role, nothing more): apply what "longyun node member-rbac" prints there first. Without it the node stays
Onboarded=False (MemberForbidden).

A standby cloud of the estate (role: standby) is onboarded by its id: its CloudNode gets the role,
data centre and protected clouds from clouds.yaml, takes no tenants, and holds DR copies.

Examples:
  $ longyun node member-rbac --user longyun@tianshui | kubectl --context tianshui-admin apply -f -
  $ longyun node onboard --member-kubeconfig tianshui.kubeconfig --unit tianshui --kind municipal --wait
  $ longyun node onboard --member-kubeconfig qingyang-dr.kubeconfig --unit gansu --kind provincial --name gansu-provincial-remote-dr`,
  )
  .action(action(async (opts) => (await import('./commands/tenants.js')).nodeOnboard(opts)));
const repeat = (v: string, prev: string[]) => [...prev, v];
node
  .command('member-rbac')
  .description('print what longyun may do on a member, to apply there before onboarding: the longyun-member ClusterRole bound cluster-wide to the member kubeconfig\'s identity, the longyun-tenant ClusterRole it binds itself in each tenant namespace, and a Role in velero')
  .option('--user <name>', 'a user the member kubeconfig authenticates as (repeatable)', repeat, [] as string[])
  .option('--group <name>', 'a group (repeatable)', repeat, [] as string[])
  .option('--serviceaccount <namespace:name>', 'a service account whose token the kubeconfig holds (repeatable)', repeat, [] as string[])
  .addOption(outputOption(['yaml', 'json']))
  .addHelpText(
    'after',
    `
Municipal ops run it before onboarding, with the member's admin credentials, for the identity of the
kubeconfig they hand over; that identity needs no other rights on the member. Install Velero first
(the Role goes into its namespace). longyun gets no cluster-scoped write but creating namespaces,
and nothing in namespaces that are not tenants' but Velero's; it may create RoleBindings anywhere,
binding only longyun-tenant: close that with an admission policy (README, "Rights on member clusters").

Examples:
  $ longyun node member-rbac --user longyun@tianshui | kubectl --context tianshui-admin apply -f -
  $ longyun node member-rbac --serviceaccount kube-system:longyun -o json > longyun-member.json
  $ kubectl auth can-i delete secrets -n kube-system --as longyun@tianshui   # no, once bound`,
  )
  .action(action(async (opts) => (await import('./commands/tenants.js')).nodeMemberRbac(opts)));
clusterOptions(node.command('list').description('list the cloud nodes').addOption(outputOption()))
  .addHelpText('after', '\nExamples:\n  $ longyun node list -o json')
  .action(action(async (opts) => (await import('./commands/tenants.js')).nodeList(opts)));
clusterOptions(node.command('get').description('show a cloud node and its conditions').argument('<name>', 'cloud node').addOption(outputOption()))
  .addHelpText('after', '\nExamples:\n  $ longyun node get tianshui-cloud')
  .action(action(async (name, opts) => (await import('./commands/tenants.js')).nodeGet(name, opts)));

waitOptions(clusterOptions(node.command('delete').description('offboard a cloud node: refused while tenants are on it; the operator removes longyun-system from the member, then the node and its kubeconfig Secret go').argument('<name>', 'cloud node').addOption(outputOption())))
  .addHelpText('after', '\nExit codes: 0 deleted (or requested, without --wait) · 1 tenants remain on it, not found, or an error\n\nExamples:\n  $ longyun node delete tianshui-cloud --wait')
  .action(action(async (name, opts) => (await import('./commands/tenants.js')).nodeDelete(name, opts)));
const tenant = program.command('tenant').description('tenants: departments\' cloud tenancy (quota, MLPS level, planes, DR plan)');
waitOptions(
  clusterOptions(
    tenant
      .command('request')
      .description('request a tenancy; policies are checked, a node with room is chosen, and its objects are applied there')
      .requiredOption('--department <id>', 'the requesting department (estate id)')
      .requiredOption('--cpu <quantity>', 'CPU quota, e.g. 32')
      .requiredOption('--memory <quantity>', 'memory quota, e.g. 128Gi')
      .requiredOption('--storage <quantity>', 'storage quota, e.g. 2Ti')
      .requiredOption('--mlps <level>', 'MLPS 2.0 protection level, 1 to 5')
      .option('--node <cloud>', 'a specific cloud node (default: placed by the operator)')
      .option('--planes <list>', 'extranet planes it may reach', 'plane-1,plane-2')
      .option('--name <name>', 'the tenant\'s name (default: the department id)')
      .option('--rpo <minutes>', 'DR plan: recovery point objective')
      .option('--rto <minutes>', 'DR plan: recovery time objective')
      .option('--dr-centres <list>', 'DR plan: centres holding backups', 'same-city-dr,remote-dr')
      .addOption(outputOption()),
  ),
)
  .addHelpText('after', '\nExit codes: 0 requested (or Ready with --wait) · 3 rejected by a policy (with --wait) · 1 error\n\nExamples:\n  $ longyun tenant request --department gansu-health --cpu 32 --memory 128Gi --storage 2Ti --mlps 3 --rpo 15 --wait')
  .action(action(async (opts) => (await import('./commands/tenants.js')).tenantRequest(opts)));
clusterOptions(tenant.command('list').description('list tenants').addOption(outputOption()))
  .addHelpText('after', '\nExamples:\n  $ longyun tenant list')
  .action(action(async (opts) => (await import('./commands/tenants.js')).tenantList(opts)));
clusterOptions(tenant.command('get').description('show a tenant and its conditions').argument('<name>', 'tenant').addOption(outputOption()))
  .addHelpText('after', '\nExamples:\n  $ longyun tenant get health-records -o json')
  .action(action(async (name, opts) => (await import('./commands/tenants.js')).tenantGet(name, opts)));
waitOptions(clusterOptions(tenant.command('delete').description('delete a tenant; its objects are removed from its node first').argument('<name>', 'tenant').addOption(outputOption())))
  .addHelpText('after', '\nExamples:\n  $ longyun tenant delete health-records --wait')
  .action(action(async (name, opts) => (await import('./commands/tenants.js')).tenantDelete(name, opts)));

registerDrCommands(program);
registerDevCommands(program);

const policy = program.command('policy').description('policy-as-code over the estate, each policy citing the plan section it enforces');
policy
  .command('list')
  .description('list the policies with their plan sections, severities and modes')
  .addOption(estateOption())
  .addOption(outputOption())
  .addHelpText('after', '\nExamples:\n  $ longyun policy list\n  $ longyun policy list -o json')
  .action(action(async (opts) => (await import('./commands/policy.js')).listCommand(opts)));
policy
  .command('check')
  .description('evaluate the policies; exit 3 when an enforce-mode policy has findings')
  .addOption(estateOption())
  .addOption(outputOption())
  .addHelpText('after', '\nExamples:\n  $ longyun policy check\n  $ longyun policy check --estate ./estate -o json')
  .action(action(async (opts) => (await import('./commands/policy.js')).checkCommand(opts)));

await program.parseAsync(process.argv);
