// What the DR operation runners (drills, failovers) share: a step loop over one object, the
// "come back later" signal, the claim of a tenant for one operation at a time, and the crash hook.
import type * as k8s from '@kubernetes/client-node';
import type { TenantOperation } from '../controllers/dr/drill-types.js';
import { API_VERSION } from './crds.js';
import { dropManagedFields, Informer } from './informer.js';
import type { StatusWriter, TenantObj } from './status-writer.js';
import { WorkQueue } from './work-queue.js';

/** An operation resource as its runner reads it. */
type OperationObj = k8s.KubernetesObject & { metadata: { name: string; generation?: number; deletionTimestamp?: string | Date }; status?: { phase?: string } };

/**
 * A runner of one kind of operation resource (FailoverDrill, Failover): its informer, a work queue
 * keyed by name, reconciled on a new generation or a deletion; `onChange` hears of every phase
 * change. The subclass's `reconcile` walks one object's steps (runSteps).
 */
export abstract class OperationRunner<O extends OperationObj> {
  readonly informer: Informer<O>;
  protected readonly queue: WorkQueue;
  protected stopped = false;
  /** When this runner started: a successor connects to its members within seconds of it. */
  protected readonly startedMs = Date.now();

  constructor(kubeConfig: k8s.KubeConfig, kind: { kind: string; plural: string }, log: (line: string) => void, onChange?: (o: O) => void) {
    this.queue = new WorkQueue((k) => this.reconcile(k), { concurrency: 4 });
    this.informer = new Informer<O>(
      kubeConfig,
      { apiVersion: API_VERSION, ...kind },
      {
        onAdd: (o) => {
          this.queue.add(o.metadata.name);
          onChange?.(o);
        },
        onUpdate: (o, old) => {
          if (o.metadata.generation !== old.metadata.generation || o.metadata.deletionTimestamp !== old.metadata.deletionTimestamp) this.queue.add(o.metadata.name);
          if (o.status?.phase !== old.status?.phase) onChange?.(o);
        },
        onDelete: (o) => onChange?.(o),
        onError: (e) => log(`${kind.plural} watch: ${(e as Error).message ?? e}`),
      },
      { transform: dropManagedFields },
    );
  }

  protected abstract reconcile(name: string): Promise<{ requeueAfterMs?: number } | void>;

  async start(): Promise<void> {
    await this.informer.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.informer.stop();
    await this.queue.shutdown();
  }

  enqueue(name: string): void {
    this.queue.add(name);
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }
}

/** Come back in `ms`: a cache not synced yet, a copy catching up, an object changed under a write (409). Not a failure. */
export class NotYet extends Error {
  override name = 'NotYet';
  constructor(
    readonly ms = 500,
    message = `not yet; again in ${ms} ms`,
  ) {
    super(message);
  }
}

/**
 * Runs an object's steps one after another while each moves it on (a step's writes reach the
 * cache at once), as a work queue's reconcile: a step that leaves the object as it was (same step,
 * same resourceVersion) is tried again a second later, never in a tight loop; NotYet requeues
 * after its delay; any other error is logged and returned to the queue (which backs off).
 */
export async function runSteps<O extends { metadata: { resourceVersion?: string } }, S extends { type: string }>(o: {
  what: string;
  stopped: () => boolean;
  current: () => O | undefined;
  /** The next step, or what to return now (nothing to do, a deletion handled). */
  next: (obj: O) => Promise<S | { done: { requeueAfterMs?: number } | void }>;
  gate?: (step: S) => Promise<void>;
  run: (obj: O, step: S) => Promise<void>;
  log: (line: string) => void;
}): Promise<{ requeueAfterMs?: number } | void> {
  for (let last: string | undefined; ; ) {
    if (o.stopped()) return;
    const obj = o.current();
    if (!obj) return;
    let step: S | { done: { requeueAfterMs?: number } | void };
    try {
      step = await o.next(obj);
    } catch (e) {
      if (e instanceof NotYet) return { requeueAfterMs: e.ms };
      throw e;
    }
    if ('done' in step) return step.done;
    const here = `${step.type} ${obj.metadata.resourceVersion}`;
    if (here === last) return { requeueAfterMs: 1000 };
    last = here;
    await o.gate?.(step);
    try {
      await o.run(obj, step);
    } catch (e) {
      if (e instanceof NotYet) return { requeueAfterMs: e.ms };
      o.log(`${o.what}: ${step.type} failed (retrying): ${(e as Error).message ?? e}`);
      throw e;
    }
  }
}

/**
 * Claims `tenant` for one operation (status.operation, optimistic concurrency): undefined when it
 * is this operation's now, else the holder's description. One operation per tenant at a time,
 * across drills, failovers and (later) migrations.
 */
export async function claimTenant(writer: StatusWriter, tenant: string, op: Pick<TenantOperation, 'kind' | 'name'>, now: Date): Promise<string | undefined> {
  let busy: string | undefined;
  await writer.readModifyWrite('tenants', tenant, '/status', (cur) => {
    const held = (cur as TenantObj).status?.operation;
    if (held && !(held.kind === op.kind && held.name === op.name)) {
      busy = `tenant ${tenant} is in ${held.kind} ${held.name} since ${held.since}: one operation per tenant at a time`;
      return undefined;
    }
    busy = undefined;
    return held ? undefined : { status: { operation: { kind: op.kind, name: op.name, since: now.toISOString() } } };
  });
  return busy;
}

/** `fn` over `items`, at most `limit` at a time. */
export async function eachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) await fn(next);
  };
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, worker));
}

/** The crash test hook (LONGYUN_TEST_CRASH_ON_PHASE): SIGKILL this process right after a phase was persisted. */
export function crashNow(phase: string): void {
  process.stderr.write(`test hook: crashing on entering ${phase} (LONGYUN_TEST_CRASH_ON_PHASE)\n`);
  process.kill(process.pid, 'SIGKILL');
}
