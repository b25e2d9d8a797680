// The DR controllers of one leadership term, started and stopped together by the operator
// (operator/manager.ts): the standby copier (DR I), drills and their schedules (DR II), failovers
// and the fence guard (DR III). Each reads the operator's caches and members through the context
// given here; what one holds of a tenant (a failover's holds) the others and the tenant
// controller ask through this object.
import type * as k8s from '@kubernetes/client-node';
import type { FailoverHolds } from '../controllers/dr/failover.js';
import { desiredObjects } from '../controllers/tenant-reconciler.js';
import type { AddressPlan } from '../topology/ipam/address-plan.js';
import { copierHost, type HostContext } from './copier-host.js';
import { DrillRunner, type DrillRunnerOptions } from './drill-runner.js';
import { DrillScheduler } from './drill-scheduler.js';
import { FailoverRunner } from './failover-runner.js';
import { FenceGuard } from './fence-guard.js';
import type { Informer } from './informer.js';
import type { RestClient } from './rest.js';
import { StandbyCopier } from './standby-copier.js';
import type { Plural } from './status-writer.js';

export interface DrRuntimeContext extends HostContext {
  plan: AddressPlan;
  /** The operator's namespace (drill reports). */
  namespace: string;
  kubeConfig: k8s.KubeConfig;
  /** The management cluster, fenced. */
  rest: RestClient;
}

export interface DrRuntimeOptions {
  drLivenessMs?: number;
  drStatusStepMs?: number;
  crashOnPhase?: ReadonlySet<string>;
  drillGate?: DrillRunnerOptions['gate'];
  fenceSettleMs?: number;
}

export class DrRuntime {
  readonly copier: StandbyCopier;
  readonly drills: DrillRunner;
  readonly scheduler: DrillScheduler;
  readonly failovers: FailoverRunner;
  readonly guard: FenceGuard;

  constructor(ctx: DrRuntimeContext, opts: DrRuntimeOptions) {
    const tenants = () => ctx.tenants?.list() ?? [];
    const tenant = (n: string) => ctx.tenants?.cache.get(n);
    const nodes = () => ctx.nodes?.list() ?? [];
    const member = (n: string) => ctx.members.get(n);
    const crash = opts.crashOnPhase ? { crashOnPhase: opts.crashOnPhase } : {};
    this.copier = new StandbyCopier(
      { ...copierHost(ctx), holds: (t) => this.failovers.holds(t) },
      { ...(opts.drLivenessMs !== undefined ? { livenessMs: opts.drLivenessMs } : {}), ...(opts.drStatusStepMs !== undefined ? { statusStepMs: opts.drStatusStepMs } : {}) },
    );
    this.drills = new DrillRunner(
      { estate: ctx.estate, namespace: ctx.namespace, rest: ctx.rest, kubeConfig: ctx.kubeConfig, member, nodes, tenants, tenant, writer: ctx.writer, log: ctx.log },
      { ...crash, ...(opts.drillGate ? { gate: opts.drillGate } : {}), onChange: (d) => this.scheduler.drillChanged(d) },
    );
    this.scheduler = new DrillScheduler({ kubeConfig: ctx.kubeConfig, rest: ctx.rest, writer: ctx.writer, drills: () => this.drills.informer.list(), log: ctx.log });
    this.guard = new FenceGuard({ tenants, member, log: ctx.log });
    this.failovers = new FailoverRunner(
      {
        estate: ctx.estate,
        kubeConfig: ctx.kubeConfig,
        member,
        nodes,
        tenants,
        tenant,
        writer: ctx.writer,
        networkAttachments: (t, node) => desiredObjects({ estate: ctx.estate, plan: ctx.plan, now: new Date() }, t.metadata.name, t.spec, node).map((d) => d.object).filter((o) => o.kind === 'NetworkAttachmentDefinition'),
        copyNow: (t) => this.copier.enqueue(t),
        answeringSince: (n) => this.guard.answeringSince(n),
        log: ctx.log,
      },
      { ...crash, ...(opts.fenceSettleMs !== undefined ? { settleMs: opts.fenceSettleMs } : {}) },
    );
  }

  /** The copier and the guard at once; the runners once their informers have synced. */
  async start(): Promise<void> {
    this.copier.start();
    this.guard.start();
    await Promise.all([this.drills.start(), this.scheduler.start(), this.failovers.start()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.copier.stop(), this.drills.stop(), this.scheduler.stop(), this.failovers.stop(), this.guard.stop()]);
  }

  /** What a running failover holds of the tenant (the tenant controller asks before it writes). */
  holds(tenant: string): FailoverHolds {
    return this.failovers.holds(tenant);
  }

  /** The informer of one of the DR custom resources (what the status writer writes through). */
  informerOf(plural: Plural): Informer<never> | undefined {
    const i = plural === 'failoverdrills' ? this.drills.informer : plural === 'failovers' ? this.failovers.informer : plural === 'drillschedules' ? this.scheduler.informer : undefined;
    return i as Informer<never> | undefined;
  }
}
