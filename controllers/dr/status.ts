// The DR part of a Tenant's status (written by the DR controller) and what SREs read from it:
// lag, whether a copy is within the RPO, whether its digest matches production's. Pure: the clock
// is passed in. `longyun dr status` and the DR metrics both read it through these helpers.
import type { TenantDrillSummary, TenantDrills } from './drill-types.js';
import type { LostAndFoundRecord, TenantFailoverSummary, TenantFailovers } from './failover-types.js';

export const DR_CENTRES = ['same-city-dr', 'remote-dr'] as const;
export type DrCentre = (typeof DR_CENTRES)[number];

export const STANDBY_STATES = ['NoStandby', 'NoRoom', 'Copying', 'Current', 'SourceUnreachable', 'StandbyUnreachable'] as const;
export type StandbyState = (typeof STANDBY_STATES)[number];

/** An object of the tenant's namespace that is not on the standby, and why (e.g. its CRD is missing there). */
export interface NotCopied {
  apiVersion: string;
  kind: string;
  name: string;
  reason: string;
}

/** The copy of a tenant's namespace in one DR centre. */
export interface StandbyCopyStatus {
  centre: DrCentre;
  /** The standby CloudNode; absent when there is none. */
  node?: string;
  state: StandbyState;
  message?: string;
  /** RFC 3339: the copy is complete up to this time. */
  recoveryPoint?: string;
  /** `sha256:…` of production's objects (normalised, source form). */
  sourceDigest?: string;
  /** `sha256:…` of the standby's copy, turned back into source form. */
  digest?: string;
  /** Objects in the copy. */
  objects?: number;
  /** Per object: `${apiVersion}/${kind}/${name}` → sha256. */
  objectDigests?: Record<string, string>;
  notCopied?: NotCopied[];
}

export interface DrStatus {
  /** Volume data is Velero's: not measured. */
  rpoScope: 'objects';
  /** The plan's RPO target (spec.dr.rpoMinutes × 60). */
  rpoSeconds: number;
  standbys: StandbyCopyStatus[];
}

/** The parts of a Tenant these helpers read (structural, so callers pass the CR as fetched). */
export interface DrTenant {
  metadata: { name: string };
  spec: { dr?: { rpoMinutes: number; centres: readonly DrCentre[] } | undefined };
  status?:
    | {
        node?: string | undefined;
        activeNode?: string | undefined;
        epoch?: number | undefined;
        dr?: DrStatus | undefined;
        drills?: TenantDrills | undefined;
        failovers?: TenantFailovers | undefined;
        lostAndFound?: LostAndFoundRecord[] | undefined;
      }
    | undefined;
}

/** Seconds from the recovery point to `now` (never negative: a clock ahead of ours is lag 0); undefined without one. */
export function lagSeconds(standby: Pick<StandbyCopyStatus, 'recoveryPoint'>, now: Date): number | undefined {
  if (standby.recoveryPoint === undefined) return undefined;
  const t = Date.parse(standby.recoveryPoint);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, (now.getTime() - t) / 1000);
}

/** True when the copy has a recovery point no older than the RPO target. */
export function withinRpo(standby: Pick<StandbyCopyStatus, 'recoveryPoint'>, rpoSeconds: number, now: Date): boolean {
  const lag = lagSeconds(standby, now);
  return lag !== undefined && lag <= rpoSeconds;
}

export type DigestMatch = 'match' | 'mismatch' | 'unknown';

/** Whether the standby's copy, in source form, equals production's objects: unknown until both digests are known. */
export function digestMatch(standby: Pick<StandbyCopyStatus, 'digest' | 'sourceDigest'>): DigestMatch {
  if (standby.digest === undefined || standby.sourceDigest === undefined) return 'unknown';
  return standby.digest === standby.sourceDigest ? 'match' : 'mismatch';
}

/** An RPO target: whole hours as `4h`, whole minutes as `15m`, else as humanDuration. */
export function rpoText(seconds: number): string {
  if (seconds > 0 && seconds % 3600 === 0) return `${seconds / 3600}h`;
  return seconds > 0 && seconds % 60 === 0 ? `${seconds / 60}m` : humanDuration(seconds);
}

/** A duration in the two largest units a person reads at a glance: 0s, 42s, 3m 05s, 2h 07m, 3d 04h. */
export function humanDuration(seconds: number): string {
  const s = Math.floor(Math.max(0, seconds));
  if (s < 60) return `${s}s`;
  const two = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m ${two(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${two(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d ${two(Math.floor((s % 86_400) / 3600))}h`;
}

/** A duration in its largest unit, for ages in narrow columns: 42s, 3m, 2h, 40d. */
export function shortDuration(seconds: number): string {
  return humanDuration(seconds).split(' ')[0]!;
}

/** One standby copy as `longyun dr status` shows it. */
export interface StandbyRow {
  centre: DrCentre;
  node: string | undefined;
  state: StandbyState | undefined;
  message: string | undefined;
  recoveryPoint: string | undefined;
  lagSeconds: number | undefined;
  withinRpo: boolean;
  digestMatch: DigestMatch;
  objects: number | undefined;
  notCopied: number;
  /** The status entry as the operator wrote it; undefined while it has written none. */
  status: StandbyCopyStatus | undefined;
}

/** One tenant as `longyun dr status` shows it. */
export interface DrTenantRow {
  tenant: string;
  /** What the recovery points measure: API objects (volume data is Velero's). */
  rpoScope: 'objects';
  /** Its placement (status.node). */
  home: string | undefined;
  activeNode: string | undefined;
  epoch: number | undefined;
  /** From status.dr, else from the plan (spec.dr.rpoMinutes); undefined without a DR plan. */
  rpoSeconds: number | undefined;
  /** True when the spec has a DR plan or the status a DR part. */
  hasDrPlan: boolean;
  /** False while the operator has written no DR status for a plan. */
  reported: boolean;
  standbys: StandbyRow[];
  /** The tenant's last drill and its last successful one (status.drills, written by the drill runner). */
  lastDrill: TenantDrillSummary | undefined;
  lastSucceededDrill: TenantDrillSummary | undefined;
  /** The tenant's last failover and last failback (status.failovers, written by the failover runner). */
  lastFailover: TenantFailoverSummary | undefined;
  lastFailback: TenantFailoverSummary | undefined;
  /** Objects of old active copies kept aside after emergency failovers (status.lostAndFound), and how many in all. */
  lostAndFound: LostAndFoundRecord[];
  lostAndFoundObjects: number;
}

/**
 * A tenant's DR status at `now`: one row per centre, those of status.dr first (same-city, then
 * remote), then any centre of the plan the status does not name yet (no state: not reported).
 */
export function drTenantRow(t: DrTenant, now: Date): DrTenantRow {
  const dr = t.status?.dr;
  const plan = t.spec.dr;
  const rpoSeconds = dr?.rpoSeconds ?? (plan ? plan.rpoMinutes * 60 : undefined);
  const order = (c: DrCentre) => DR_CENTRES.indexOf(c);
  const standbys: StandbyRow[] = [...(dr?.standbys ?? [])].sort((a, b) => order(a.centre) - order(b.centre)).map((s) => ({
    centre: s.centre,
    node: s.node,
    state: s.state,
    message: s.message,
    recoveryPoint: s.recoveryPoint,
    lagSeconds: lagSeconds(s, now),
    withinRpo: rpoSeconds !== undefined && withinRpo(s, rpoSeconds, now),
    digestMatch: digestMatch(s),
    objects: s.objects,
    notCopied: s.notCopied?.length ?? 0,
    status: s,
  }));
  for (const centre of plan?.centres ?? []) {
    if (standbys.some((s) => s.centre === centre)) continue;
    standbys.push({ centre, node: undefined, state: undefined, message: undefined, recoveryPoint: undefined, lagSeconds: undefined, withinRpo: false, digestMatch: 'unknown', objects: undefined, notCopied: 0, status: undefined });
  }
  return {
    tenant: t.metadata.name,
    rpoScope: 'objects',
    home: t.status?.node,
    activeNode: t.status?.activeNode,
    epoch: t.status?.epoch,
    rpoSeconds,
    hasDrPlan: plan !== undefined || dr !== undefined,
    reported: dr !== undefined,
    standbys,
    lastDrill: t.status?.drills?.last,
    lastSucceededDrill: t.status?.drills?.lastSucceeded,
    lastFailover: t.status?.failovers?.lastFailover,
    lastFailback: t.status?.failovers?.lastFailback,
    lostAndFound: t.status?.lostAndFound ?? [],
    lostAndFoundObjects: (t.status?.lostAndFound ?? []).reduce((n, r) => n + r.objects.length, 0),
  };
}

/** What the DR gauges export for one standby copy (see OperatorMetrics.observeDr). */
export interface DrObservation {
  tenant: string;
  centre: DrCentre;
  /** The standby CloudNode; without one there is no copy and only the RPO target is exported. */
  node?: string;
  /** Without one (no copy complete yet) no lag is exported, and the alert counts it as missing. */
  recoveryPoint?: Date;
  rpoSeconds: number;
  /** The standby's digest equals production's. */
  inSync: boolean;
  objects?: number;
}

/** The observations of every tenant that has a DR status: what the runtime hands to `observeDr`. */
export function drObservations(tenants: Iterable<Pick<DrTenant, 'metadata' | 'status'>>): DrObservation[] {
  const out: DrObservation[] = [];
  for (const t of tenants) {
    const dr = t.status?.dr;
    if (!dr) continue;
    for (const s of dr.standbys) {
      const at = s.recoveryPoint === undefined ? NaN : Date.parse(s.recoveryPoint);
      out.push({
        tenant: t.metadata.name,
        centre: s.centre,
        ...(s.node !== undefined ? { node: s.node } : {}),
        ...(Number.isNaN(at) ? {} : { recoveryPoint: new Date(at) }),
        rpoSeconds: dr.rpoSeconds,
        inSync: digestMatch(s) === 'match',
        ...(s.objects !== undefined ? { objects: s.objects } : {}),
      });
    }
  }
  return out;
}
