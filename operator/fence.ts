// The write fence of an operator replica: a write goes out only while the replica's renew
// deadline has not passed, judged on the monotonic clock at the moment the request is written to
// its socket (RestClient calls it there). Optionally one log line per write, sent or kept back.
import type { ElectionClock } from './leader-election.js';
import { FencedError, type WriteFence } from './rest.js';

export interface LeaseFenceOptions {
  clock: ElectionClock;
  /** Monotonic ms on `clock` until which writes may go out (LeaderElector.writeDeadline). */
  deadline: () => number;
  identity: string;
  /** `management`, or the member's node name. */
  cluster: string;
  /**
   * `write sent=<ISO> deadline=<ISO> identity=… cluster=… METHOD PATH` for a write handed to its
   * socket, `fenced …` (same fields) for one kept back; deadline is the wall time at which the
   * renew deadline passes (`none` before the replica first led).
   */
  logWrites?: (line: string) => void;
}

export function leaseFence(o: LeaseFenceOptions): WriteFence {
  return {
    admit: (method, path) => {
      const now = o.clock.now();
      const deadline = o.deadline();
      const line = (what: 'write' | 'fenced') => {
        const wall = o.clock.wallNow();
        const until = Number.isFinite(deadline) ? new Date(wall + (deadline - now)).toISOString() : 'none';
        return `${what} sent=${new Date(wall).toISOString()} deadline=${until} identity=${o.identity} cluster=${o.cluster} ${method} ${path}`;
      };
      if (!(now < deadline)) {
        o.logWrites?.(line('fenced'));
        throw new FencedError(method, path, Number.isFinite(deadline) ? `the renew deadline of ${o.identity} passed ${((now - deadline) / 1000).toFixed(3)} s ago` : `${o.identity} has not led`);
      }
      if (!o.logWrites) return;
      // Stamped now, printed once the request is written (a slow stderr must not delay it).
      const sent = line('write');
      const log = o.logWrites;
      return () => log(sent);
    },
  };
}
