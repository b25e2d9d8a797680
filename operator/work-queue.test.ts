import { describe, expect, it } from 'vitest';
import { WorkQueue } from './work-queue.js';

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('WorkQueue', () => {
  it('coalesces repeated adds of a waiting key into one reconcile', async () => {
    const seen: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const q = new WorkQueue(
      async (k) => {
        seen.push(k);
        if (k === 'z') await gate;
      },
      { concurrency: 1 },
    );
    q.add('z'); // occupies the only worker
    q.add('a');
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.stats().depth).toBe(2);
    open();
    await q.idle();
    expect(seen).toEqual(['z', 'a', 'b']);
  });

  it('never runs one key twice at once; an add during a run runs it once more afterwards', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    let release!: () => void;
    const q = new WorkQueue(
      async () => {
        running++;
        runs++;
        maxRunning = Math.max(maxRunning, running);
        if (runs === 1) await new Promise<void>((r) => (release = r));
        running--;
      },
      { concurrency: 4 },
    );
    q.add('k');
    await tick();
    q.add('k');
    q.add('k');
    await tick();
    expect(q.stats().inFlight).toBe(1);
    release();
    await q.idle();
    await tick();
    await q.idle();
    expect(maxRunning).toBe(1);
    expect(runs).toBe(2);
  });

  it('backs off exponentially per key on failure, and resets after a success', async () => {
    const delays: number[] = [];
    let fail = 3;
    const timers: Array<() => void> = [];
    const q = new WorkQueue(
      async () => {
        if (fail-- > 0) throw new Error('boom');
      },
      { baseBackoffMs: 100, setTimer: (fn, ms) => (delays.push(ms), timers.push(fn), timers.length), clearTimer: () => {} },
    );
    q.add('x');
    for (let i = 0; i < 3; i++) {
      await q.idle();
      await tick();
      expect(q.failuresOf('x')).toBe(i + 1);
      timers.shift()!();
    }
    await q.idle();
    await tick();
    expect(delays).toEqual([100, 200, 400]);
    expect(q.failuresOf('x')).toBe(0);
  });

  it('after a failed run, an add that came during it runs at once; the backoff still grows without one', async () => {
    const delays: number[] = [];
    const timers: Array<() => void> = [];
    let runs = 0;
    let release!: () => void;
    const q = new WorkQueue(
      async () => {
        runs++;
        if (runs === 1) await new Promise<void>((r) => (release = r));
        throw new Error('still failing');
      },
      { baseBackoffMs: 100, setTimer: (fn, ms) => (delays.push(ms), timers.push(fn), timers.length), clearTimer: () => {} },
    );
    q.add('k');
    await tick();
    q.add('k'); // an event during the run
    release();
    await tick();
    await q.idle();
    await tick();
    // Run 1 failed with an event pending: run 2 at once, no timer. Run 2 failed alone: a backoff of 2 failures.
    expect(runs).toBe(2);
    expect(q.failuresOf('k')).toBe(2);
    expect(delays).toEqual([200]);
    expect(q.stats().waiting).toBe(1);
  });

  it('honours requeue-after', async () => {
    const delays: number[] = [];
    const q = new WorkQueue(async () => ({ requeueAfterMs: 5000 }), { setTimer: (_fn, ms) => (delays.push(ms), 1), clearTimer: () => {} });
    q.add('r');
    await q.idle();
    await tick();
    expect(delays).toEqual([5000]);
    expect(q.stats().waiting).toBe(1);
  });

  it('spreads a burst of retries with a global token bucket, but never holds back new work', async () => {
    let clock = 0;
    const starts: string[] = [];
    const delays: number[] = [];
    const q = new WorkQueue(
      async (k) => {
        starts.push(k);
        if (k.startsWith('fail')) throw new Error('boom');
      },
      { ratePerSecond: 10, burst: 2, baseBackoffMs: 5, concurrency: 100, now: () => clock, setTimer: (_fn, ms) => (delays.push(ms), delays.length), clearTimer: () => {} },
    );
    for (let i = 0; i < 20; i++) q.add(`new-${i}`);
    await q.idle();
    expect(starts).toHaveLength(20); // far beyond the burst: new work is not rate limited
    for (let i = 0; i < 5; i++) q.add(`fail-${i}`);
    await q.idle();
    await tick();
    // Two retries within the burst get their own backoff; the next ones wait for a token at 10/s.
    expect(delays).toEqual([5, 5, 100, 200, 300]);
    clock += 1000; // a second later the bucket has refilled
    q.add('fail-late');
    await q.idle();
    await tick();
    expect(delays.at(-1)).toBe(5);
  });

  it('shutdown waits for what is in flight and takes no more work', async () => {
    let done = 0;
    const q = new WorkQueue(async () => {
      await tick(20);
      done++;
    });
    q.add('a');
    q.add('b');
    await tick();
    await q.shutdown();
    expect(done).toBe(2);
    q.add('c');
    await tick(30);
    expect(done).toBe(2);
  });
});
