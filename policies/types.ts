// Policy-as-code: every policy names the plan section it enforces, a severity and a mode.
import type { Estate } from '../topology/estate.js';

export type Severity = 'error' | 'warning';
export type PolicyMode = 'audit' | 'enforce';

/** What a policy found wrong, and where in the estate. */
export interface Violation {
  file: string;
  /** Path inside the file, e.g. `links[12].bandwidthMbps`. */
  path: string;
  message: string;
}

export interface Finding extends Violation {
  policy: string;
  severity: Severity;
  mode: PolicyMode;
}

export interface PolicyContext {
  estate: Estate;
  /** Minimum distance between the production and remote DR centres, km. */
  drRemoteMinDistanceKm: number;
  /** Days within which every DR plan has a successful drill (policies.drDrillMaxAgeDays). */
  drDrillMaxAgeDays: number;
  /**
   * Per tenant id, its last successful drill (the Tenant's status.drills.lastSucceeded.finishedAt),
   * read from the management cluster; absent offline (`longyun plan`), where drill policies report nothing.
   */
  drills?: ReadonlyMap<string, { lastSucceeded?: string }>;
  /** The time drills are judged at; given with `drills`. */
  now?: Date;
}

/** What the estate does not hold: the cluster's drill results and the clock to judge them at. */
export type PolicyRuntime = Pick<PolicyContext, 'drills' | 'now'>;

/** What every policy declares about itself. */
export interface PolicyInfo {
  /** Stable id, e.g. `cloud-1-15-n`. */
  id: string;
  title: string;
  /** The sections of the plan (甘政办发〔2021〕113号) it enforces, e.g. ['§3.3']. */
  sections: readonly string[];
  severity: Severity;
  defaultMode: PolicyMode;
  /** One paragraph for `policy list --output json` and docs. */
  description: string;
}

export interface Policy extends PolicyInfo {
  check(ctx: PolicyContext): Violation[];
}
