// `longyun dr status`: what SREs see of disaster recovery, read from the Tenants' status on the
// management cluster (the DR controller writes it). This module declares the commands and is cheap
// to import; the REST client and the views (Ink, React) load when a command runs.
import { type Command, Option } from 'commander';
import type { DrTenant } from '../../controllers/dr/status.js';
import { LongyunError } from '../../topology/errors.js';
import { EXIT, UsageError, action, defaultEstateDir } from '../common.js';
import { printJson, printView } from '../render.js';
import type { ClusterOptions } from './cluster-client.js';

export type DrStatusOutput = 'table' | 'wide' | 'json';

export interface DrStatusOptions extends ClusterOptions {
  output: DrStatusOutput;
  /** Days within which a successful drill is due (policy dr-drill-recent's policies.drDrillMaxAgeDays; default 365). */
  drillMaxAgeDays?: string | number;
}

/** Where `dr status` reads from: the management cluster's Tenants, and the clock (tests pass both). */
export interface DrStatusSource {
  tenants(): Promise<DrTenant[]>;
  now(): Date;
}

const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

async function managementSource(opts: ClusterOptions): Promise<DrStatusSource> {
  const { call, crPath, managementConfig, RestClient } = await import('./cluster-client.js');
  const rest = new RestClient(managementConfig(opts));
  return {
    tenants: async () => (await call('tenants', () => rest.request<{ items: DrTenant[] }>('GET', crPath('tenants')))).items,
    now: () => new Date(),
  };
}

/**
 * Per tenant with a DR plan (or only TENANT, plan or not): home and active node, epoch, RPO target,
 * and per DR centre the standby, recovery point, lag, digest match, state and message.
 */
export async function drStatusCommand(name: string | undefined, opts: DrStatusOptions, source?: DrStatusSource): Promise<number> {
  const src = source ?? (await managementSource(opts));
  const { drTenantRow } = await import('../../controllers/dr/status.js');
  const all = await src.tenants();
  let chosen: DrTenant[];
  if (name !== undefined) {
    const t = all.find((x) => x.metadata.name === name);
    if (!t) {
      const { didYouMean } = await import('../../topology/suggest.js');
      const names = all.map((x) => x.metadata.name);
      throw new LongyunError(`tenant "${name}" not found${didYouMean(name, names)}; "longyun tenant list" lists the tenants, "longyun dr status" those with a DR plan`);
    }
    chosen = [t];
  } else {
    chosen = all.filter((t) => t.spec.dr !== undefined || t.status?.dr !== undefined).sort((a, b) => byName(a.metadata.name, b.metadata.name));
  }
  const now = src.now();
  const { DEFAULT_DR_DRILL_MAX_AGE_DAYS, drillOverdue } = await import('../../policies/rules/dr-drill-recent.js');
  const maxAgeDays = opts.drillMaxAgeDays === undefined ? DEFAULT_DR_DRILL_MAX_AGE_DAYS : Number(opts.drillMaxAgeDays);
  if (!Number.isInteger(maxAgeDays) || maxAgeDays < 1) throw new UsageError(`--drill-max-age-days must be a whole number of days, 1 or more (e.g. --drill-max-age-days 180), got "${opts.drillMaxAgeDays}"`);
  // The same judgement as policy dr-drill-recent, for tenants with a DR plan (ageDays null: no valid time).
  const overdueOf = (finishedAt: string | undefined) => {
    const r = drillOverdue(finishedAt, now, maxAgeDays);
    return { overdue: r.overdue, ageDays: r.ageDays, maxAgeDays, message: r.message };
  };
  const rows = chosen.map((t) => {
    const row = drTenantRow(t, now);
    return { ...row, drillOverdue: row.hasDrPlan ? overdueOf(row.lastSucceededDrill?.finishedAt) : undefined };
  });
  if (opts.output === 'json') {
    // Every field present: null where there is no value (no standby node, no recovery point yet).
    printJson(JSON.parse(JSON.stringify(rows, (_key, v: unknown) => (v === undefined ? null : v))));
    return EXIT.OK;
  }
  const React = (await import('react')).default;
  const { DrStatusView } = await import('../views/DrStatusView.js');
  await printView(() => React.createElement(DrStatusView, { tenants: rows, now, wide: opts.output === 'wide' }));
  return EXIT.OK;
}

const repeat = (v: string, prev: string[] = []) => [...prev, v];
const clusterFlags = (cmd: Command) =>
  cmd.option('--kubeconfig <file>', "the management cluster's kubeconfig (default: $KUBECONFIG or ~/.kube/config)").option('--context <name>', 'kubeconfig context');
const outputFlag = (choices = ['table', 'json']) => new Option('-o, --output <format>', 'output format').choices(choices).default(choices[0]);
const scopeFlags = (cmd: Command) =>
  cmd
    .option('--tenant <name>', 'a tenant to drill (repeatable)', repeat)
    .option('--node <node>', 'every tenant whose active node is this cloud node')
    .option('--centre <id>', 'every tenant of a lost centre: a data centre id of the estate, or "production" for its production centre')
    .addOption(new Option('--to <centre>', 'the DR centre whose standby the drill restores into').choices(['same-city-dr', 'remote-dr']).makeOptionMandatory());

/** Adds `dr status`, `dr drill`, `dr schedule`, `dr failover` and `dr failback` to the program. */
export function registerDrCommands(program: Command): Command {
  const dr = program.command('dr').description('disaster recovery (two sites, three centres): standby copies of tenants in the DR centres and their recovery points');
  dr.command('status')
    .description('per tenant with a DR plan: home and active node, epoch, RPO target, last failover and failback, lost+found, and per DR centre the standby, its recovery point, lag, digest match and state')
    .argument('[tenant]', 'only this tenant (shown even without a DR plan)')
    .option('--kubeconfig <file>', "the management cluster's kubeconfig (default: $KUBECONFIG or ~/.kube/config)")
    .option('--context <name>', 'kubeconfig context')
    .addOption(new Option('-o, --output <format>', 'table; wide: also objects, objects not copied and digests; json: one object per tenant, with each standby\'s status as written').choices(['table', 'wide', 'json']).default('table'))
    .option('--drill-max-age-days <days>', 'a successful drill is overdue after this many days (as policies.drDrillMaxAgeDays; default 365)')
    .addHelpText(
      'after',
      `
Lag is now minus the recovery point: the copy on the standby is complete up to that time. It covers
API objects only (rpoScope: objects); volume data is Velero's and is not measured. DIGEST: ✓ the
standby's copy, in source form, equals production's objects; ✗ it differs; — not known yet. A lag
above the RPO target is marked "!" (alert LongyunDrRecoveryPointLagHigh). LAST DRILL: the
tenant's last drill (status.drills.last), its phase and how long ago it finished, on the row of the
centre it restored into; under the table, whether the last successful drill is older than
--drill-max-age-days (policy dr-drill-recent).
Under a tenant's header, its last failover and last failback (status.failovers) when it has had
one; under its table, objects of an old active copy kept aside after an emergency failover
(status.lostAndFound): review them, then delete the quarantine namespace.

Exit codes: 0 ok · 1 error (no such tenant, the management cluster does not answer)

Examples:
  $ longyun dr status
  $ longyun dr status health-records -o wide
  $ longyun dr status -o json | jq '.[] | {tenant, behind: [.standbys[] | select(.withinRpo | not) | .centre]}'
  $ longyun dr status --kubeconfig ~/.local/state/longyun/dev/management.kubeconfig`,
    )
    .action(action(async (name: string | undefined, opts: DrStatusOptions) => drStatusCommand(name, opts)));
  registerDrillCommands(dr);
  registerScheduleCommands(dr);
  registerFailoverCommands(dr);
  return dr;
}

function registerDrillCommands(dr: Command): void {
  const drill = dr.command('drill').description('DR drills: restore tenants\' recovery points into isolated namespaces on a DR centre\'s standby, verify them, measure RTO and RPO, clean up');
  const mod = () => import('./dr-drill.js');
  scopeFlags(clusterFlags(drill.command('start').description('check a drill request, create the FailoverDrill; --wait follows it to the end')))
    .option('--keep', 'leave the drill namespaces for inspection; "dr drill cleanup NAME" removes them later')
    .option('--note <text>', 'a note for the report')
    .option('--name <name>', 'the drill\'s name (default: drill-<yyyymmdd-hhmmss>, UTC)')
    .option('--wait', 'follow the drill: one line per phase and per tenant change, with elapsed time against the RTO target; exit 0 only if it Succeeded')
    .option('-e, --estate <dir>', 'estate directory (its data centres and clouds)', defaultEstateDir())
    .addOption(outputFlag())
    .addHelpText(
      'after',
      `
The request is checked first (names, DR plans, standby copies current and within the RPO, no other
operation on the tenants); on any problem every one is listed, with its fix, and nothing is created.
The drill never writes to production. RTO and RPO are measured for API objects only: the
applications are not started, volume data is not measured.

Exit codes: 0 created (with --wait: Succeeded) · 1 refused, an error, or (with --wait) PartiallySucceeded, Failed or Aborted

Examples:
  $ longyun dr drill start --tenant health-records --to same-city-dr --wait
  $ longyun dr drill start --tenant health-records --tenant gansu-transport --to remote-dr --keep --note "quarterly drill, change 2026-117"
  $ longyun dr drill start --node gansu-provincial --to remote-dr --name provincial-q4
  $ longyun dr drill start --centre production --to remote-dr --wait -o json > drill.json   # the production centre is gone`,
    )
    .action(action(async (opts) => (await mod()).drillStart(opts)));
  clusterFlags(drill.command('get').description('a drill: phase, times, per tenant the state, RTO and RPO against their targets, inventory and issues').argument('<name>', 'drill').addOption(outputFlag()))
    .addHelpText('after', '\nExamples:\n  $ longyun dr drill get drill-20261202-040000\n  $ longyun dr drill get drill-20261202-040000 -o json | jq \'.status.tenants[] | {tenant, state, rtoSeconds}\'')
    .action(action(async (name: string, opts) => (await mod()).drillGet(name, opts)));
  clusterFlags(drill.command('list').description('the drills: phase, scope, target centre, tenants verified, worst RTO and RPO').addOption(outputFlag()))
    .addHelpText('after', '\nA ✗ after MAX RTO or MAX RPO: some tenant missed its target.\n\nExamples:\n  $ longyun dr drill list\n  $ longyun dr drill list -o json | jq \'.[] | select(.status.phase != "Succeeded") | .metadata.name\'')
    .action(action(async (opts) => (await mod()).drillList(opts)));
  clusterFlags(drill.command('abort').description('stop a running drill: the operator cleans up and ends it Aborted').argument('<name>', 'drill').addOption(outputFlag()))
    .addHelpText('after', '\nExit codes: 0 abort requested · 1 the drill has already finished, or not found\n\nExamples:\n  $ longyun dr drill abort drill-20261202-040000')
    .action(action(async (name: string, opts) => (await mod()).drillAbort(name, opts)));
  clusterFlags(drill.command('cleanup').description('remove the namespaces a drill started with --keep left on the standby').argument('<name>', 'drill').addOption(outputFlag()))
    .addHelpText('after', '\nExamples:\n  $ longyun dr drill cleanup drill-20261202-040000')
    .action(action(async (name: string, opts) => (await mod()).drillCleanup(name, opts)));
  clusterFlags(
    drill
      .command('report')
      .description('the drill\'s audit report for the DR file: Markdown or JSON (a finished drill\'s is immutable; a running drill\'s is provisional)')
      .argument('<name>', 'drill')
      .addOption(new Option('-o, --output <format>', 'output format').choices(['markdown', 'json']).default('markdown'))
      .option('--note <text>', 'add a note to a drill still running (a finished drill\'s report cannot change)')
      .option('--namespace <ns>', 'the operator\'s namespace, where the report ConfigMap is (default: the one the drill\'s status names, else longyun-system)'),
  )
    .addHelpText(
      'after',
      `
The report of a finished drill is the ConfigMap drill-report-<name> the operator wrote when it
finished (immutable: keys report.md and report.json).

Examples:
  $ longyun dr drill report drill-20261202-040000 > dr-file/2026-12-02-drill.md
  $ longyun dr drill report drill-20261202-040000 -o json | jq '.deviations'
  $ longyun dr drill report provincial-q4 --note "standby firewall change CHG-311 in effect"`,
    )
    .action(action(async (name: string, opts) => (await mod()).drillReportCommand(name, opts)));
}

function registerScheduleCommands(dr: Command): void {
  const schedule = dr.command('schedule').description('DrillSchedules: drills started periodically from a template (cron in UTC, or an interval), with history limits');
  const mod = () => import('./dr-schedule.js');
  scopeFlags(
    clusterFlags(
      schedule
        .command('create')
        .description('check a schedule (its timing, and its scope as far as it can be judged before a drill runs), create the DrillSchedule')
        .argument('<name>', 'the schedule; its drills are named <name>-<unix seconds of the due time>'),
    ),
  )
    .option('--cron <expr>', 'five-field cron expression, in UTC (e.g. "0 3 * * 1": 03:00 UTC every Monday)')
    .option('--every <duration>', 'an interval: a whole number and s, m, h or d (e.g. 30s, 7d)')
    .option('--keep', 'each drill leaves its namespaces for inspection ("dr drill cleanup NAME" removes them)')
    .option('--note <text>', 'a note copied into every drill\'s report')
    .option('--successful-history <n>', 'Succeeded drills kept (default 3)')
    .option('--failed-history <n>', 'other finished drills kept (default 1)')
    .option('--suspend', 'create it suspended: no drill starts until "dr schedule resume NAME"')
    .option('-e, --estate <dir>', 'estate directory (its data centres and clouds)', defaultEstateDir())
    .addOption(outputFlag())
    .addHelpText(
      'after',
      `
Exactly one of --cron and --every. The scope is checked now for what stays true between drills
(names, DR plans naming --to); whether the standby copies are current and the tenants free is
checked by each drill's Precheck when it runs. One drill of a schedule runs at a time: a due time
that finds the previous drill still running is skipped (status.lastSkipped).

Exit codes: 0 created · 1 refused (every problem listed, nothing created), the name exists, or an error

Examples:
  $ longyun dr schedule create weekly-health --cron "0 3 * * 1" --tenant health-records --to same-city-dr
  $ longyun dr schedule create provincial-quarterly --cron "30 2 1 */3 *" --node gansu-provincial --to remote-dr --note "quarterly drill, GB/T 20988"
  $ longyun dr schedule create smoke --every 30s --tenant health-records --to remote-dr --successful-history 1 --failed-history 1`,
    )
    .action(action(async (name: string, opts) => (await mod()).scheduleCreate(name, opts)));
  clusterFlags(schedule.command('list').description('the schedules: timing, scope, target centre, suspended, last and next drill, last success, drills running').addOption(outputFlag()))
    .addHelpText('after', '\nLAST: the last drill started, its phase and how long ago it was due. NEXT: when the next is due (UTC).\n\nExamples:\n  $ longyun dr schedule list\n  $ longyun dr schedule list -o json | jq \'.[] | select(.spec.suspend) | .metadata.name\'')
    .action(action(async (opts) => (await mod()).scheduleList(opts)));
  clusterFlags(schedule.command('get').description('a schedule: timing, template, history limits, last and next drill, conditions').argument('<name>', 'schedule').addOption(outputFlag()))
    .addHelpText('after', '\nExamples:\n  $ longyun dr schedule get weekly-health\n  $ longyun dr schedule get weekly-health -o json | jq .status')
    .action(action(async (name: string, opts) => (await mod()).scheduleGet(name, opts)));
  clusterFlags(schedule.command('delete').description('delete a schedule; the drills it started are owned by it and are deleted with it, with their reports').argument('<name>', 'schedule').addOption(outputFlag()))
    .addHelpText('after', '\nSave the reports you need first ("longyun dr drill report NAME > file.md"): a drill\'s report ConfigMap goes with the drill.\n\nExit codes: 0 deleted · 1 not found, or an error\n\nExamples:\n  $ longyun dr schedule delete smoke')
    .action(action(async (name: string, opts) => (await mod()).scheduleDelete(name, opts)));
  clusterFlags(schedule.command('suspend').description('stop starting drills (a drill already running goes on)').argument('<name>', 'schedule').addOption(outputFlag()))
    .addHelpText('after', '\nExamples:\n  $ longyun dr schedule suspend weekly-health')
    .action(action(async (name: string, opts) => (await mod()).scheduleSuspend(name, opts)));
  clusterFlags(schedule.command('resume').description('start drills again; a due time missed while suspended starts one drill at once').argument('<name>', 'schedule').addOption(outputFlag()))
    .addHelpText('after', '\nExamples:\n  $ longyun dr schedule resume weekly-health')
    .action(action(async (name: string, opts) => (await mod()).scheduleResume(name, opts)));
}

const failoverScopeFlags = (cmd: Command, verb: 'failover' | 'failback') =>
  cmd
    .option('--tenant <name>', `a tenant to ${verb === 'failover' ? 'fail over' : 'fail back'} (repeatable)`, repeat)
    .option('--node <node>', 'every tenant whose active node is this cloud node')
    .option('--centre <id>', 'every tenant of a centre: a data centre id of the estate, or "production" for its production centre')
    .option('--dry-run', 'plan only: the operator checks the request and records each tenant\'s plan, changes nothing; the plan is printed when it is done')
    .option('--name <name>', `the Failover's name (default: ${verb}-<yyyymmdd-hhmmss>, UTC)`)
    .option('--note <text>', 'a note for the record')
    .option('--wait', 'follow it: one line per phase and per tenant change, with elapsed time against the RTO target; exit 0 only if it Succeeded')
    .option('-e, --estate <dir>', 'estate directory (its data centres and clouds)', defaultEstateDir())
    .addOption(outputFlag());

function registerFailoverCommands(dr: Command): void {
  const mod = () => import('./dr-failover.js');
  // `dr failover` has options and subcommands: the program enables positional options (main.ts) so
  // that `dr failover get NAME -o json` gives -o to get, not to failover.
  const failover = failoverScopeFlags(
    clusterFlags(dr.command('failover').description('move tenants\' active copy to their standby in a DR centre (planned: fenced and synced first, RPO 0; emergency: from the last recovery point); abort, list, get'))
      .enablePositionalOptions()
      .addOption(new Option('--to <centre>', 'the DR centre whose standby becomes active').choices(['same-city-dr', 'remote-dr']))
      .option('--planned', 'production answers: fence it, final sync, switch (RPO 0)')
      .option('--emergency', 'production is gone: promote the last recovery point (RPO = its age); the old production is fenced when it answers again'),
    'failover',
  )
    .addHelpText(
      'after',
      `
Exactly one of --tenant/--node/--centre, --to, and exactly one of --planned and --emergency. The
request is checked first (names, DR plans naming --to, standbys, no other operation on the tenants,
a planned failover's copies current, an emergency one's recovery points); on any problem every one
is listed with its fix and nothing is created. Before Switching, an abort or a failure rolls back to
the source; at or after it the failover only goes forward. RTO and RPO are of API objects; volume
data is Velero's and not measured.

Exit codes: 0 created (with --wait or --dry-run: Succeeded) · 1 bad flags, refused, an error, or (with --wait or --dry-run) Failed or RolledBack

Examples:
  $ longyun dr failover --tenant health-records --to same-city-dr --planned --dry-run
  $ longyun dr failover --tenant health-records --to same-city-dr --planned --wait --note "change CHG-412"
  $ longyun dr failover --centre production --to remote-dr --emergency --wait -o json > failover.json   # the production centre is gone
  $ longyun dr failover list`,
    )
    .action(action(async (opts) => (await mod()).failoverStart(opts)));
  clusterFlags(failover.command('abort').description('stop a running failover: before Switching the operator rolls it back; at or after Switching it completes').argument('<name>', 'failover').addOption(outputFlag()))
    .addHelpText('after', '\nExit codes: 0 abort requested (a warning when it is past the switch) · 1 the failover has already finished, or not found\n\nExamples:\n  $ longyun dr failover abort failover-20261202-040000')
    .action(action(async (name: string, opts) => (await mod()).failoverAbort(name, opts)));
  clusterFlags(failover.command('list').description('the failovers and failbacks: direction, type, phase, scope, from → to, tenants verified, worst RTO and RPO').addOption(outputFlag()))
    .addHelpText('after', '\nA ✗ after MAX RTO or MAX RPO: some tenant missed its target.\n\nExamples:\n  $ longyun dr failover list\n  $ longyun dr failover list -o json | jq \'.[] | select(.status.phase != "Succeeded") | .metadata.name\'')
    .action(action(async (opts) => (await mod()).failoverList(opts)));
  clusterFlags(failover.command('get').description('a failover or failback: phase, times, per tenant from, to, state, epoch, RTO and RPO against targets, lost+found').argument('<name>', 'failover').addOption(outputFlag()))
    .addHelpText('after', '\nExamples:\n  $ longyun dr failover get failover-20261202-040000\n  $ longyun dr failover get failover-20261202-040000 -o json | jq \'.status.tenants[] | {tenant, state, rtoSeconds, rpoSeconds}\'')
    .action(action(async (name: string, opts) => (await mod()).failoverGet(name, opts)));
  failoverScopeFlags(clusterFlags(dr.command('failback').description('bring tenants\' active copy back home (status.node): a planned failover, fenced and synced first, nothing lost')), 'failback')
    .addHelpText(
      'after',
      `
Exactly one of --tenant/--node/--centre; no --to (home) and no --emergency (always planned). The
request is checked first; on any problem every one is listed with its fix and nothing is created.
"longyun dr failover abort|list|get" handle failbacks too.

Exit codes: 0 created (with --wait or --dry-run: Succeeded) · 1 bad flags, refused, an error, or (with --wait or --dry-run) Failed or RolledBack

Examples:
  $ longyun dr failback --tenant health-records --dry-run
  $ longyun dr failback --node gansu-provincial --wait`,
    )
    .action(action(async (opts) => (await mod()).failbackStart(opts)));
}
