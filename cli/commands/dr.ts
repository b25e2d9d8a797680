// `longyun dr status`: what SREs see of disaster recovery, read from the Tenants' status on the
// management cluster (the DR controller writes it). This module declares the commands and is cheap
// to import; the REST client and the views (Ink, React) load when a command runs.
import { type Command, Option } from 'commander';
import type { DrTenant } from '../../controllers/dr/status.js';
import { LongyunError } from '../../topology/errors.js';
import { EXIT, action } from '../common.js';
import { printJson, printView } from '../render.js';
import type { ClusterOptions } from './cluster-client.js';

export type DrStatusOutput = 'table' | 'wide' | 'json';

export interface DrStatusOptions extends ClusterOptions {
  output: DrStatusOutput;
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
  const rows = chosen.map((t) => drTenantRow(t, now));
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

/** Adds `dr status` to the program (`dr drill` and `dr failover` come later). */
export function registerDrCommands(program: Command): Command {
  const dr = program.command('dr').description('disaster recovery (two sites, three centres): standby copies of tenants in the DR centres and their recovery points');
  dr.command('status')
    .description('per tenant with a DR plan: home and active node, epoch, RPO target, and per DR centre the standby, its recovery point, lag, digest match and state')
    .argument('[tenant]', 'only this tenant (shown even without a DR plan)')
    .option('--kubeconfig <file>', "the management cluster's kubeconfig (default: $KUBECONFIG or ~/.kube/config)")
    .option('--context <name>', 'kubeconfig context')
    .addOption(new Option('-o, --output <format>', 'table; wide: also objects, objects not copied and digests; json: one object per tenant, with each standby\'s status as written').choices(['table', 'wide', 'json']).default('table'))
    .addHelpText(
      'after',
      `
Lag is now minus the recovery point: the copy on the standby is complete up to that time. It covers
API objects only (rpoScope: objects); volume data is Velero's and is not measured. DIGEST: ✓ the
standby's copy, in source form, equals production's objects; ✗ it differs; — not known yet. A lag
above the RPO target is marked "!" (alert LongyunDrRecoveryPointLagHigh).

Exit codes: 0 ok · 1 error (no such tenant, the management cluster does not answer)

Examples:
  $ longyun dr status
  $ longyun dr status health-records -o wide
  $ longyun dr status -o json | jq '.[] | {tenant, behind: [.standbys[] | select(.withinRpo | not) | .centre]}'
  $ longyun dr status --kubeconfig ~/.local/state/longyun/dev/management.kubeconfig`,
    )
    .action(action(async (name: string | undefined, opts: DrStatusOptions) => drStatusCommand(name, opts)));
  return dr;
}
