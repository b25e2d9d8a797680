// Evaluates the policies over an estate. Modes come from the estate's `policies.modes`.
import { EstateValidationError } from '../topology/errors.js';
import type { Estate } from '../topology/estate.js';
import { didYouMean } from '../topology/suggest.js';
import { POLICIES } from './registry.js';
import { DEFAULT_DR_DRILL_MAX_AGE_DAYS } from './rules/dr-drill-recent.js';
import { DEFAULT_DR_REMOTE_MIN_DISTANCE_KM } from './rules/two-sites-three-centres.js';
import type { Finding, Policy, PolicyContext, PolicyMode, PolicyRuntime } from './types.js';

export interface PolicyReport {
  findings: Finding[];
  /** Each policy with its effective mode and how many findings it had. */
  policies: Array<{ id: string; mode: PolicyMode; findings: number }>;
  /** True when an enforce-mode policy has a finding: the command must fail. */
  failed: boolean;
}

/** The effective mode of each policy, after the estate's overrides (validated). */
export function effectiveModes(estate: Estate, policies: readonly Policy[] = POLICIES): Map<string, PolicyMode> {
  const modes = new Map(policies.map((p) => [p.id, p.defaultMode] as [string, PolicyMode]));
  const overrides = estate.doc.policies.modes ?? {};
  const unknown = Object.keys(overrides).filter((id) => !modes.has(id));
  if (unknown.length > 0) {
    const origin = estate.where(estate.doc.policies);
    throw new EstateValidationError(
      unknown.map((id) => ({
        file: origin.file,
        path: `policies.modes.${id}`,
        message: `unknown policy "${id}"${didYouMean(id, modes.keys())}; "longyun policy list" shows the policies`,
      })),
    );
  }
  for (const [id, mode] of Object.entries(overrides)) modes.set(id, mode);
  return modes;
}

/**
 * `runtime`: what the management cluster knows (drill results); without it, as offline, the
 * policies that need it report nothing. Its clock defaults to the current time.
 */
export function evaluatePolicies(estate: Estate, policies: readonly Policy[] = POLICIES, runtime: PolicyRuntime = {}): PolicyReport {
  const modes = effectiveModes(estate, policies);
  const ctx: PolicyContext = {
    estate,
    drRemoteMinDistanceKm: estate.doc.policies.drRemoteMinDistanceKm ?? DEFAULT_DR_REMOTE_MIN_DISTANCE_KM,
    drDrillMaxAgeDays: estate.doc.policies.drDrillMaxAgeDays ?? DEFAULT_DR_DRILL_MAX_AGE_DAYS,
    ...(runtime.drills ? { drills: runtime.drills, now: runtime.now ?? new Date() } : {}),
  };
  const findings: Finding[] = [];
  const summary: PolicyReport['policies'] = [];
  for (const p of policies) {
    const mode = modes.get(p.id)!;
    const found = p.check(ctx);
    summary.push({ id: p.id, mode, findings: found.length });
    for (const v of found) findings.push({ policy: p.id, severity: p.severity, mode, ...v });
  }
  return { findings, policies: summary, failed: findings.some((f) => f.mode === 'enforce') };
}
