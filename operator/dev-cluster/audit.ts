// The API servers' audit logs (`longyun dev up --audit`): the policy they are started with, and a
// pure reader of what they write (one JSON event per line, kube-apiserver's `--audit-log-format
// json`) for tests and benchmarks. It answers two questions about operator replicas: who held the
// leader Lease when, and which replica's writes an API server *received* while another replica held
// it. Time is the API server's own: `requestReceivedTimestamp` (microseconds), one clock for every
// server of a local control plane.
import { readFileSync } from 'node:fs';
import { LongyunError } from '../../topology/errors.js';

/**
 * Every write and every LIST at Metadata level (user, user agent, verb, object, response code,
 * timestamps; no bodies), logged once, when its response is complete (the RequestReceived stage is
 * omitted). GETs and watches are not logged: heartbeats, lease reads and long-running watches would
 * be most of the file. LISTs are, so that a test can show that a watch-driven controller does not
 * list in steady state.
 */
export const AUDIT_POLICY_YAML = `# longyun dev up --audit: every write and every list, at Metadata level, when its response is complete.
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages:
  - RequestReceived
rules:
  # GETs and watches are not logged (heartbeats, lease reads, long-running watches).
  - level: None
    verbs: ["get", "watch"]
  - level: Metadata
`;

/** The verbs that change something. */
export const MUTATING_VERBS: ReadonlySet<string> = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

export class AuditLogError extends LongyunError {
  override name = 'AuditLogError';
}

export interface AuditObjectRef {
  resource?: string;
  namespace?: string;
  name?: string;
  apiGroup?: string;
  subresource?: string;
}

/** One audit event, as much of it as the proofs need. */
export interface AuditEvent {
  auditID: string;
  stage: string;
  verb: string;
  requestURI: string;
  user: string;
  userAgent: string | undefined;
  objectRef: AuditObjectRef | undefined;
  /** responseStatus.code; undefined when the event has none. */
  code: number | undefined;
  /** requestReceivedTimestamp as written (RFC 3339, microseconds). */
  received: string;
  /** requestReceivedTimestamp in microseconds since the epoch. */
  receivedUs: number;
  /** stageTimestamp in microseconds since the epoch. */
  completedUs: number;
}

/** An RFC 3339 timestamp (any number of fraction digits) in microseconds since the epoch. */
export function microseconds(timestamp: string): number {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(timestamp);
  const seconds = m ? Date.parse(`${m[1]}${m[3]}`) : Number.NaN;
  if (!m || Number.isNaN(seconds)) throw new AuditLogError(`not an RFC 3339 timestamp: "${timestamp}"`);
  return seconds * 1000 + Number((m[2] ?? '').padEnd(6, '0').slice(0, 6));
}

/** Microseconds since the epoch as RFC 3339 with microseconds, as the audit log writes them. */
export function formatMicroseconds(us: number): string {
  const ms = Math.floor(us / 1000);
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, (_, milli: string) => `.${milli}${String(us - ms * 1000).padStart(3, '0')}Z`);
}

interface RawEvent {
  auditID?: string;
  stage?: string;
  verb?: string;
  requestURI?: string;
  user?: { username?: string };
  userAgent?: string;
  objectRef?: AuditObjectRef;
  responseStatus?: { code?: number };
  requestReceivedTimestamp?: string;
  stageTimestamp?: string;
}

/** One line of an audit log; throws AuditLogError naming what is missing. */
export function parseAuditLine(line: string, where = 'audit log'): AuditEvent {
  let raw: RawEvent;
  try {
    raw = JSON.parse(line) as RawEvent;
  } catch (e) {
    throw new AuditLogError(`${where}: not JSON (${(e as Error).message}): ${line.slice(0, 200)}`);
  }
  if (!raw.verb || !raw.requestReceivedTimestamp || !raw.stageTimestamp || !raw.auditID) {
    throw new AuditLogError(`${where}: an audit event needs auditID, verb, requestReceivedTimestamp and stageTimestamp: ${line.slice(0, 200)}`);
  }
  return {
    auditID: raw.auditID,
    stage: raw.stage ?? '',
    verb: raw.verb,
    requestURI: raw.requestURI ?? '',
    user: raw.user?.username ?? '',
    userAgent: raw.userAgent,
    objectRef: raw.objectRef,
    code: raw.responseStatus?.code,
    received: raw.requestReceivedTimestamp,
    receivedUs: microseconds(raw.requestReceivedTimestamp),
    completedUs: microseconds(raw.stageTimestamp),
  };
}

/**
 * Every event of an audit log's text. A last line without its newline is being written and is
 * left out; any other line that does not parse is an error.
 */
export function parseAuditLog(text: string, where = 'audit log'): AuditEvent[] {
  const lines = text.split('\n');
  lines.pop(); // '' after the last newline, or a line still being written
  return lines.filter((l) => l.trim() !== '').map((l, i) => parseAuditLine(l, `${where}:${i + 1}`));
}

/** The events in an audit log file. */
export function readAuditLog(file: string): AuditEvent[] {
  return parseAuditLog(readFileSync(file, 'utf8'), file);
}

export const isMutating = (e: Pick<AuditEvent, 'verb'>): boolean => MUTATING_VERBS.has(e.verb);
export const succeeded = (e: Pick<AuditEvent, 'code'>): boolean => e.code !== undefined && e.code >= 200 && e.code < 300;

/**
 * The replica identity in a longyun operator's User-Agent (`longyun-operator/0.1.0 (replica-a)`),
 * or undefined for any other agent.
 */
export function identityFromUserAgent(userAgent: string | undefined): string | undefined {
  return userAgent ? /^longyun-operator\/\S+ \((.+)\)$/.exec(userAgent)?.[1] : undefined;
}

/** An audit event of one API server, named. */
export type ClusterEvent = AuditEvent & { cluster: string };

/** Which operator replica made a request, or undefined when it was not one (an admin, a controller-manager). */
export type ReplicaOf = (e: AuditEvent) => string | undefined;

/** A replica taking the Lease over from another (or first taking it). */
export interface LeaseAcquisition {
  replica: string;
  previous: string | undefined;
  /** When the API server received the write that took it over. */
  receivedUs: number;
  event: AuditEvent;
}

/**
 * Who took the Lease when, from the management API server's log: each successful write of the
 * Lease by a replica other than the one that wrote it last. (The log has no bodies: a write is
 * its writer's acquisition or renewal, which is how a leader election writes the Lease.)
 */
export function leaseAcquisitions(events: readonly AuditEvent[], lease: { namespace: string; name: string }, replicaOf: ReplicaOf): LeaseAcquisition[] {
  const writes = events
    .filter((e) => isMutating(e) && succeeded(e) && e.objectRef?.resource === 'leases' && e.objectRef.namespace === lease.namespace && e.objectRef.name === lease.name)
    .map((e) => ({ e, replica: replicaOf(e) }))
    .filter((w): w is { e: AuditEvent; replica: string } => w.replica !== undefined)
    .sort((a, b) => a.e.receivedUs - b.e.receivedUs);
  const out: LeaseAcquisition[] = [];
  let holder: string | undefined;
  for (const { e, replica } of writes) {
    if (replica === holder) continue;
    out.push({ replica, previous: holder, receivedUs: e.receivedUs, event: e });
    holder = replica;
  }
  return out;
}

/** A write received from a replica while another one held the Lease (or before any did). */
export interface WriteWhileNotLeading {
  replica: string;
  /** The replica that had taken the Lease last when it was received, if any. */
  holder: string | undefined;
  /** Microseconds between that acquisition and receiving the write. */
  afterAcquisitionUs: number | undefined;
  event: ClusterEvent;
}

/**
 * The successful writes any API server received from a replica after another replica's
 * acquisition of the Lease (and before its own next one): two writers at once. The Lease writes
 * themselves are the timeline, never counted.
 */
export function writesWhileNotLeading(events: readonly ClusterEvent[], acquisitions: readonly LeaseAcquisition[], replicaOf: ReplicaOf): WriteWhileNotLeading[] {
  const timeline = [...acquisitions].sort((a, b) => a.receivedUs - b.receivedUs);
  const out: WriteWhileNotLeading[] = [];
  for (const e of events) {
    if (!isMutating(e) || !succeeded(e)) continue;
    const replica = replicaOf(e);
    if (replica === undefined || timeline.some((a) => a.event.auditID === e.auditID)) continue;
    // The last acquisition the API servers had received by then (one clock: the same machine).
    let last: LeaseAcquisition | undefined;
    for (const a of timeline) {
      if (a.receivedUs > e.receivedUs) break;
      last = a;
    }
    if (last?.replica === replica) continue;
    out.push({ replica, holder: last?.replica, afterAcquisitionUs: last ? e.receivedUs - last.receivedUs : undefined, event: e });
  }
  return out.sort((a, b) => a.event.receivedUs - b.event.receivedUs);
}

/** One line per write, for failure messages and reports. */
export function describeWrite(w: WriteWhileNotLeading): string {
  const e = w.event;
  const o = e.objectRef;
  const what = o ? `${o.resource ?? '?'}${o.subresource ? `/${o.subresource}` : ''} ${o.namespace ? `${o.namespace}/` : ''}${o.name ?? ''}` : e.requestURI;
  const after = w.afterAcquisitionUs === undefined ? 'before any acquisition' : `${(w.afterAcquisitionUs / 1000).toFixed(1)} ms after ${w.holder}'s acquisition`;
  return `${e.cluster}: ${w.replica} ${e.verb} ${what} (HTTP ${e.code}) received ${e.received}, ${after}`;
}
