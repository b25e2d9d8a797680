// DrillSchedules (issue 12): each starts a FailoverDrill from its template when due (five-field
// cron, or `every`), as a CronJob starts Jobs — one at a time (a due time that finds the previous
// drill still running is skipped and says so), missed runs after downtime collapsed into one, and
// finished drills beyond the history limits deleted (their finalizer cleans up after them). The
// decisions are controllers/dr/drill-schedule.ts; this file does the I/O.
import { isTerminalDrill, DRILL_SCHEDULE_LABEL, type DrillSchedule, type DrillScheduleStatus } from '../controllers/dr/drill-types.js';
import { drillsToPrune, nextDue, parseDrillSchedule } from '../controllers/dr/drill-schedule.js';
import { setCondition, type Condition } from '../controllers/conditions.js';
import { isDeepStrictEqual } from 'node:util';
import { API_VERSION } from './crds.js';
import type { DrillObj } from './drill-runner.js';
import { dropManagedFields, Informer } from './informer.js';
import { KubeApiError, type RestClient } from './rest.js';
import type { StatusWriter } from './status-writer.js';
import { WorkQueue } from './work-queue.js';
import type * as k8s from '@kubernetes/client-node';

export type DrillScheduleObj = DrillSchedule & k8s.KubernetesObject;

export const ScheduleConditions = { Ready: 'Ready' } as const;
export const ScheduleReasons = { Scheduled: 'Scheduled', Suspended: 'Suspended', InvalidSchedule: 'InvalidSchedule' } as const;

export interface SchedulerHost {
  kubeConfig: k8s.KubeConfig;
  rest: RestClient;
  writer: StatusWriter;
  drills(): DrillObj[];
  log(line: string): void;
}

export class DrillScheduler {
  readonly informer: Informer<DrillScheduleObj>;
  private readonly queue: WorkQueue;

  constructor(
    private readonly host: SchedulerHost,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.queue = new WorkQueue((k) => this.reconcile(k), { concurrency: 2 });
    this.informer = new Informer<DrillScheduleObj>(
      host.kubeConfig,
      { apiVersion: API_VERSION, kind: 'DrillSchedule', plural: 'drillschedules' },
      {
        onAdd: (s) => this.queue.add(s.metadata.name),
        onUpdate: (s, old) => {
          if (s.metadata.generation !== old.metadata.generation) this.queue.add(s.metadata.name);
        },
        onError: (e) => host.log(`drillschedules watch: ${(e as Error).message ?? e}`),
      },
      { transform: dropManagedFields },
    );
  }

  async start(): Promise<void> {
    await this.informer.start();
  }

  async stop(): Promise<void> {
    this.informer.stop();
    await this.queue.shutdown();
  }

  /** A drill of a schedule changed (its phase): the schedule's status and history follow. */
  drillChanged(d: DrillObj): void {
    const owner = d.metadata.labels?.[DRILL_SCHEDULE_LABEL];
    if (owner) this.queue.add(owner);
  }

  private async reconcile(name: string): Promise<{ requeueAfterMs?: number } | void> {
    const sch = this.informer.cache.get(name);
    if (!sch) return;
    const now = this.now();
    const generation = sch.metadata.generation;
    const cond = (status: 'True' | 'False', reason: string, message: string): Condition[] => setCondition(sch.status?.conditions, { type: ScheduleConditions.Ready, status, reason, message, ...(generation !== undefined ? { observedGeneration: generation } : {}) }, now);
    try {
      parseDrillSchedule(sch.spec);
    } catch (e) {
      await this.write(sch, { ...sch.status, conditions: cond('False', ScheduleReasons.InvalidSchedule, (e as Error).message) });
      return;
    }
    const mine = this.host.drills().filter((d) => d.metadata.labels?.[DRILL_SCHEDULE_LABEL] === name);
    for (const drill of drillsToPrune(mine, sch.spec)) {
      try {
        await this.host.rest.request('DELETE', `/apis/${API_VERSION}/failoverdrills/${drill}`);
      } catch (e) {
        if (!(e instanceof KubeApiError && e.code === 404)) throw e;
      }
    }
    const active = mine.filter((d) => !isTerminalDrill(d.status?.phase)).map((d) => d.metadata.name).sort();
    const finished = mine.filter((d) => isTerminalDrill(d.status?.phase)).sort((a, b) => Date.parse(b.status?.finishedAt ?? '') - Date.parse(a.status?.finishedAt ?? ''));
    const lastOk = finished.find((d) => d.status?.phase === 'Succeeded');
    const latest = [...mine].sort((a, b) => Date.parse(b.metadata.creationTimestamp ?? '') - Date.parse(a.metadata.creationTimestamp ?? ''))[0];
    const status: DrillScheduleStatus = {
      ...sch.status,
      active,
      ...(latest ? { lastDrill: { name: latest.metadata.name, ...(latest.status?.phase ? { phase: latest.status.phase } : {}), ...(latest.status?.finishedAt ? { finishedAt: latest.status.finishedAt } : {}) } } : {}),
      ...(lastOk?.status?.finishedAt ? { lastSuccessfulTime: lastOk.status.finishedAt } : {}),
    };
    if (sch.spec.suspend) {
      delete status.nextScheduleTime;
      await this.write(sch, { ...status, conditions: cond('False', ScheduleReasons.Suspended, 'suspended: no drill starts until it is resumed') });
      return;
    }
    const created = new Date(sch.metadata.creationTimestamp ?? now.toISOString());
    const last = sch.status?.lastScheduleTime ? new Date(sch.status.lastScheduleTime) : undefined;
    // The latest due time not after now (missed ones after downtime collapse into it), if any is due.
    let due: Date | undefined;
    for (let next = nextDue(sch.spec, { ...(last ? { lastScheduleTime: last } : {}), created }, now), i = 0; next.getTime() <= now.getTime() && i < 100_000; i++) {
      due = next;
      next = nextDue(sch.spec, { lastScheduleTime: next, created }, now);
    }
    if (due) {
      status.lastScheduleTime = due.toISOString();
      if (active.length > 0) status.lastSkipped = { at: due.toISOString(), reason: `drill ${active[0]} was still running: one drill of a schedule at a time` };
      else {
        const drill = `${name}-${Math.floor(due.getTime() / 1000)}`;
        await this.createDrill(sch, drill);
        status.active = [...active, drill];
        status.lastDrill = { name: drill };
      }
    }
    const base = due ?? last;
    status.nextScheduleTime = nextDue(sch.spec, { ...(base ? { lastScheduleTime: base } : {}), created }, now).toISOString();
    await this.write(sch, { ...status, conditions: cond('True', ScheduleReasons.Scheduled, `next drill at ${status.nextScheduleTime}`) });
    return { requeueAfterMs: Math.max(0, Date.parse(status.nextScheduleTime!) - this.now().getTime()) };
  }

  private async createDrill(sch: DrillScheduleObj, name: string): Promise<void> {
    const drill = {
      apiVersion: API_VERSION,
      kind: 'FailoverDrill',
      metadata: { name, labels: { [DRILL_SCHEDULE_LABEL]: sch.metadata.name }, ...(sch.metadata.uid ? { ownerReferences: [{ apiVersion: API_VERSION, kind: 'DrillSchedule', name: sch.metadata.name, uid: sch.metadata.uid }] } : {}) },
      spec: { ...sch.spec.template, requestedBy: `DrillSchedule/${sch.metadata.name}` },
    };
    try {
      await this.host.rest.request('POST', `/apis/${API_VERSION}/failoverdrills`, drill);
      this.host.log(`drillschedule ${sch.metadata.name}: started drill ${name}`);
    } catch (e) {
      if (!(e instanceof KubeApiError && e.code === 409)) throw e; // started by an earlier attempt
    }
  }

  private async write(sch: DrillScheduleObj, status: DrillScheduleStatus): Promise<void> {
    if (isDeepStrictEqual(sch.status ?? {}, status)) return;
    // A merge patch: a field no longer set is written as null.
    const gone = Object.fromEntries(Object.keys(sch.status ?? {}).filter((k) => !(k in status)).map((k) => [k, null]));
    await this.host.writer.readModifyWrite('drillschedules', sch.metadata.name, '/status', () => ({ status: { ...gone, ...status } }));
  }
}
