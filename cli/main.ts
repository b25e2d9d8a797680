#!/usr/bin/env node
// longyun (陇云): the command line. Commands load their modules lazily so that `--help` is fast.
import { Command, Option } from 'commander';
import { action, defaultEstateDir } from './common.js';

// A closed pipe (`longyun ipam export | head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

const program = new Command();
program
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
