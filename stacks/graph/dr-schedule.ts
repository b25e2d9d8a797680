// Backup frequency from a DR plan's recovery point objective: back up at least as often as the
// RPO allows data to be lost, on a schedule cron can express evenly.

const MINUTE_STEPS = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30];
const HOUR_STEPS = [1, 2, 3, 4, 6, 8, 12];

export class RpoError extends Error {
  override name = 'RpoError';
}

/** A cron schedule whose interval is the largest even step not longer than `rpoMinutes`. */
export function cronForRpo(rpoMinutes: number): { cron: string; intervalMinutes: number } {
  if (!Number.isInteger(rpoMinutes) || rpoMinutes < 1) {
    throw new RpoError(`an RPO of ${rpoMinutes} minutes cannot be met by scheduled backups; it needs synchronous replication`);
  }
  if (rpoMinutes < 60) {
    const m = MINUTE_STEPS.filter((s) => s <= rpoMinutes).pop()!;
    return { cron: m === 1 ? '* * * * *' : `*/${m} * * * *`, intervalMinutes: m };
  }
  if (rpoMinutes < 24 * 60) {
    const h = HOUR_STEPS.filter((s) => s * 60 <= rpoMinutes).pop()!;
    return { cron: h === 1 ? '0 * * * *' : `0 */${h} * * *`, intervalMinutes: h * 60 };
  }
  const d = Math.min(Math.floor(rpoMinutes / (24 * 60)), 7);
  return { cron: d === 1 ? '0 2 * * *' : `0 2 */${d} * *`, intervalMinutes: d * 24 * 60 };
}
