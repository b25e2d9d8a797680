// The DR benchmark's lag bookkeeping (pure; times are passed in): which edits were sent when, and
// when a standby first showed each. A copier may coalesce edits to one field (it copies the
// object's state, not each edit), so a standby that shows sequence number s on a field has shown
// every edit to that field with seq ≤ s: they are all resolved at that moment.

export interface LagSummary {
  sent: number;
  seen: number;
  unseen: number;
  medianMs: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

/** Nearest-rank percentile (p in [0, 1]) of unsorted values; null when there are none. */
export function percentile(xs: readonly number[], p: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
}

export class LagTracker {
  /** Per target, its edits not yet seen, in send order. */
  private readonly pending = new Map<string, Array<{ seq: number; sentMs: number }>>();
  /** Per target, the highest sequence number seen so far. */
  private readonly highest = new Map<string, number>();
  private readonly lags = new Map<number, number>();
  private sentCount = 0;

  sent(target: string, seq: number, atMs: number): void {
    this.sentCount++;
    if ((this.highest.get(target) ?? -1) >= seq) {
      // Already there (only possible if the observer saw it before the send was recorded).
      this.lags.set(seq, 0);
      return;
    }
    const list = this.pending.get(target) ?? [];
    list.push({ seq, sentMs: atMs });
    this.pending.set(target, list);
  }

  /** The standby shows `seq` on `target` at `atMs`. */
  observed(target: string, seq: number, atMs: number): void {
    if ((this.highest.get(target) ?? -1) >= seq) return;
    this.highest.set(target, seq);
    const list = this.pending.get(target);
    if (!list) return;
    const rest = list.filter((e) => {
      if (e.seq > seq) return true;
      this.lags.set(e.seq, Math.max(0, atMs - e.sentMs));
      return false;
    });
    if (rest.length) this.pending.set(target, rest);
    else this.pending.delete(target);
  }

  /** Lag per edit seen, by sequence number. */
  lagBySeq(): ReadonlyMap<number, number> {
    return this.lags;
  }

  summary(): LagSummary {
    const xs = [...this.lags.values()];
    return { sent: this.sentCount, seen: xs.length, unseen: this.sentCount - xs.length, medianMs: percentile(xs, 0.5), p99Ms: percentile(xs, 0.99), maxMs: percentile(xs, 1) };
  }
}

/**
 * Per edit, the lag until every standby showed it (the slowest standby); an edit some standby never
 * showed counts as unseen.
 */
export function combinedLag(trackers: readonly LagTracker[], sent: number): LagSummary {
  const maps = trackers.map((t) => t.lagBySeq());
  const xs: number[] = [];
  for (const [seq, lag] of maps[0] ?? new Map<number, number>()) {
    let worst = lag;
    let all = true;
    for (const m of maps.slice(1)) {
      const l = m.get(seq);
      if (l === undefined) all = false;
      else worst = Math.max(worst, l);
    }
    if (all) xs.push(worst);
  }
  return { sent, seen: xs.length, unseen: sent - xs.length, medianMs: percentile(xs, 0.5), p99Ms: percentile(xs, 0.99), maxMs: percentile(xs, 1) };
}
