// A work queue in the client-go mould: one entry per key however often it is added, at most one
// reconcile in flight per key (a key added while in flight runs once more afterwards), per-key
// exponential backoff on failure, a global rate limit on those retries (client-go's MaxOf(item
// exponential, bucket) limiter: a burst of failures is spread out, new work is not held back), and
// delayed adds for requeue-after.

export interface WorkQueueOptions {
  /** Reconciles running at once (different keys). */
  concurrency?: number;
  /** First retry delay after a failure, doubled per failure up to maxBackoffMs. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** Global token bucket over retries after failures: sustained retries per second and burst. */
  ratePerSecond?: number;
  burst?: number;
  /** Injected for tests. */
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export type Handler = (key: string) => Promise<{ requeueAfterMs?: number } | void>;

export interface QueueStats {
  depth: number;
  inFlight: number;
  waiting: number;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly inFlight = new Set<string>();
  /** Keys added while in flight: run again when the current run ends. */
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, { at: number; handle: unknown }>();
  private tokens: number;
  private lastRefill: number;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];
  private readonly opts: Required<WorkQueueOptions>;

  constructor(
    private readonly handler: Handler,
    options: WorkQueueOptions = {},
  ) {
    this.opts = {
      concurrency: options.concurrency ?? 4,
      baseBackoffMs: options.baseBackoffMs ?? 50,
      maxBackoffMs: options.maxBackoffMs ?? 60_000,
      ratePerSecond: options.ratePerSecond ?? 10,
      burst: options.burst ?? 100,
      now: options.now ?? (() => Date.now()),
      setTimer: options.setTimer ?? ((fn, ms) => setTimeout(fn, ms)),
      clearTimer: options.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout)),
    };
    this.tokens = this.opts.burst;
    this.lastRefill = this.opts.now();
  }

  /** Adds a key now (cancelling a later delayed add of it). */
  add(key: string): void {
    if (this.stopped) return;
    const d = this.delayed.get(key);
    if (d) {
      this.opts.clearTimer(d.handle);
      this.delayed.delete(key);
    }
    if (this.inFlight.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.pump();
  }

  /** Adds a key after a delay; an earlier add wins. */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    const at = this.opts.now() + ms;
    const existing = this.delayed.get(key);
    if (existing && existing.at <= at) return;
    if (existing) this.opts.clearTimer(existing.handle);
    const handle = this.opts.setTimer(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, handle });
  }

  stats(): QueueStats {
    return { depth: this.queue.length, inFlight: this.inFlight.size, waiting: this.delayed.size };
  }

  /** Resolves when nothing is queued or running (delayed adds do not count). */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Stops taking work; resolves when the reconciles in flight have finished. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const d of this.delayed.values()) this.opts.clearTimer(d.handle);
    this.delayed.clear();
    this.queue.length = 0;
    this.queued.clear();
    await this.idle();
  }

  private refill(): void {
    const now = this.opts.now();
    this.tokens = Math.min(this.opts.burst, this.tokens + ((now - this.lastRefill) / 1000) * this.opts.ratePerSecond);
    this.lastRefill = now;
  }

  /** Takes a token for a retry; the delay until it is due (the bucket may go into debt, like rate.Limiter.Reserve). */
  private retryDelay(): number {
    this.refill();
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.opts.ratePerSecond) * 1000);
  }

  private pump(): void {
    if (this.stopped) return this.maybeIdle();
    while (this.queue.length > 0 && this.inFlight.size < this.opts.concurrency) {
      const key = this.queue.shift()!;
      this.queued.delete(key);
      this.inFlight.add(key);
      void this.run(key);
    }
    this.maybeIdle();
  }

  private async run(key: string): Promise<void> {
    let requeueAfterMs: number | undefined;
    let failed = false;
    try {
      const r = await this.handler(key);
      requeueAfterMs = r ? r.requeueAfterMs : undefined;
      this.failures.delete(key);
    } catch {
      failed = true;
    }
    this.inFlight.delete(key);
    if (failed) {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      // An event that came during the failed run (the node it waited for is Ready now) is worth
      // a try at once, as client-go's Done does; without one, the retry waits out its backoff.
      if (this.dirty.delete(key)) this.add(key);
      else this.addAfter(key, Math.max(Math.min(this.opts.maxBackoffMs, this.opts.baseBackoffMs * 2 ** (n - 1)), this.retryDelay()));
    } else if (this.dirty.delete(key)) {
      this.add(key);
    } else if (requeueAfterMs !== undefined) {
      this.addAfter(key, requeueAfterMs);
    }
    this.pump();
  }

  /** Failures in a row for a key (0 after a success). */
  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  private maybeIdle(): void {
    if (this.queue.length === 0 && this.inFlight.size === 0 && this.idleWaiters.length) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}
