// The fence guard (issue 13): always on, independent of any Failover. A tenant active away from its
// home must have no live copy at home: when the home answers again after an outage (an emergency
// failover moved the tenant while it was gone), its namespace there is fenced before anything else
// touches it — the copier and the tenant controller never write into an unfenced home while the
// tenant is away — and fenced again whenever it is found live (a request sent during the outage can
// land late). It also tells the failover runner since when each home answers, for the settle time
// after which lost+found is taken.
import { FENCED_LABEL } from '../controllers/dr/failover-types.js';
import { isFenced } from '../controllers/dr/fence.js';
import { STANDBY_LABEL } from '../controllers/dr/normalize.js';
import { tenantNamespace } from '../stacks/graph/tenant-objects.js';
import { FailoverMemberIO } from './failover-member-io.js';
import { NotYet } from './operation-steps.js';
import type { MemberCluster } from './member-cluster.js';
import type { TenantObj } from './status-writer.js';

export interface FenceGuardHost {
  tenants(): TenantObj[];
  member(name: string): MemberCluster | undefined;
  log(line: string): void;
}

export class FenceGuard {
  private readonly since = new Map<string, number>();
  private readonly io = new FailoverMemberIO();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly host: FenceGuardHost,
    private readonly opts: { intervalMs?: number } = {},
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), this.opts.intervalMs ?? 1000);
    void this.check();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Since when (ms) `node` answers without a break, as last probed; undefined while it does not (or is not watched: no tenant is away from it). */
  answeringSince(node: string): number | undefined {
    return this.since.get(node);
  }

  /** One pass (a pass in progress is waited for, not doubled). */
  check(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<void> {
    const away = new Map<string, TenantObj[]>();
    for (const t of this.host.tenants()) {
      const home = t.status?.node;
      const active = t.status?.activeNode;
      if (!home || !active || active === home) continue;
      away.set(home, [...(away.get(home) ?? []), t]);
    }
    for (const node of [...this.since.keys()]) if (!away.has(node)) this.since.delete(node);
    await Promise.all([...away].map(([home, tenants]) => this.guard(home, tenants)));
  }

  private async guard(home: string, tenants: TenantObj[]): Promise<void> {
    const m = this.host.member(home);
    if (!m) return void this.since.delete(home);
    try {
      await m.version();
    } catch {
      if (this.since.delete(home)) this.host.log(`fence guard: ${home} does not answer`);
      return;
    }
    if (!this.since.has(home)) {
      this.since.set(home, Date.now());
      this.host.log(`fence guard: ${home} answers; ${tenants.length} tenant(s) are active elsewhere and must not be live there`);
    }
    for (const t of tenants) {
      const ns = tenantNamespace({ id: t.metadata.name });
      try {
        const view = await this.io.view(m, ns);
        if (!view) continue;
        const labels = view.get(`v1/Namespace/${ns}`)?.metadata.labels ?? {};
        if (labels[STANDBY_LABEL] !== undefined) continue; // a standby copy again (reprotected)
        const check = isFenced(view);
        if (check.fenced && labels[FENCED_LABEL] !== undefined) continue;
        const op = t.status?.operation;
        const failover = op?.kind === 'Failover' ? op.name : (t.status?.failovers?.lastFailover?.name ?? 'fence-guard');
        this.host.log(`fence guard: tenant ${t.metadata.name} is active on ${t.status?.activeNode}, but ${ns} on ${home} is ${check.fenced ? 'not labelled fenced' : `live (${check.live[0]?.reason})`}: fencing it`);
        await this.io.fence(m, ns, failover);
      } catch (e) {
        if (!(e instanceof NotYet)) this.host.log(`fence guard: ${ns} on ${home}: ${(e as Error).message ?? e}`);
      }
    }
  }
}
