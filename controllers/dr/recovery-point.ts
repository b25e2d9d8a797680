// The recovery point of one standby copy: the time up to which the copy is complete. Pure; the
// runtime passes in what it knows and the times it measured on its own clock.
//
// Guarantee: every change to the copied objects that production had *delivered to the copier's
// watches* before `livenessSentAt` is on the standby. The liveness read (a cheap GET on production,
// or a watch bookmark) proves production answered at that time; if everything received has been
// applied and both sides' watches are synced, the copy holds all that was received up to then.
// It stops advancing the moment production stops answering (no newer livenessSentAt) or the
// standby cannot be written (pending stays above 0), so lag = now − recovery point grows.
//
// Limit: a change production committed before `livenessSentAt` whose watch event had not yet
// reached the copier when the read was answered is not covered, although the recovery point says
// it is: a watch's delivery delay (normally milliseconds, longer under load) is outside what this
// model sees. Resource versions could close the gap on one cluster (a liveness read's list
// resourceVersion against the watch's latest) but are never compared across clusters. Volume data
// is not measured at all (rpoScope: objects).
export interface RecoveryPointInput {
  /** The recovery point so far. */
  previous?: Date;
  /** When the copier sent the last liveness read of production that was answered. */
  livenessSentAt?: Date;
  /** Production's watches for the namespace have synced (initial list done, no re-list running). */
  sourceSynced: boolean;
  /** The standby's watches have synced. */
  standbySynced: boolean;
  /** Changes received from production not yet applied to the standby (a failed apply stays pending). */
  pending: number;
}

/**
 * The new recovery point: livenessSentAt when everything received is applied and both sides are
 * synced, else the previous one; never earlier than the previous one.
 */
export function nextRecoveryPoint(input: RecoveryPointInput): Date | undefined {
  const { previous, livenessSentAt } = input;
  const ready = input.sourceSynced && input.standbySynced && input.pending === 0 && livenessSentAt !== undefined;
  if (!ready) return previous;
  if (previous !== undefined && livenessSentAt.getTime() <= previous.getTime()) return previous;
  return livenessSentAt;
}

/** Seconds the copy lags now (0 when the recovery point is ahead of this clock), or undefined before the first recovery point. */
export function lagSeconds(now: Date, recoveryPoint: Date | undefined): number | undefined {
  if (recoveryPoint === undefined) return undefined;
  return Math.max(0, (now.getTime() - recoveryPoint.getTime()) / 1000);
}
