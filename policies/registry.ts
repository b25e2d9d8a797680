// Every policy longyun evaluates, in report order.
import { countyBuildsNoCloud } from './rules/county-builds-no-cloud.js';
import { drDrillRecent } from './rules/dr-drill-recent.js';
import { drLevelTargets } from './rules/dr-level-targets.js';
import { drStandbyProtected, drStandbyRoom } from './rules/dr-standbys.js';
import { dualPlaneAttachment } from './rules/dual-plane-attachment.js';
import { ipv6Everywhere } from './rules/ipv6-everywhere.js';
import { linkBandwidth } from './rules/link-bandwidth.js';
import { onePlusFifteenPlusN } from './rules/one-plus-fifteen-plus-n.js';
import { twoSitesThreeCentres } from './rules/two-sites-three-centres.js';
import { TENANT_POLICIES, type TenantPolicy } from './tenant-policies.js';
import type { Policy, Violation } from './types.js';

/** A tenant policy applied to every tenant of the estate. */
function overEstateTenants(p: TenantPolicy): Policy {
  return {
    id: p.id,
    title: p.title,
    sections: p.sections,
    severity: p.severity,
    defaultMode: p.defaultMode,
    description: p.description,
    check({ estate }) {
      const out: Violation[] = [];
      for (const t of estate.doc.tenants) {
        for (const message of p.check(estate, t, t.node)) out.push({ ...estate.where(t), message });
      }
      return out;
    },
  };
}

export const POLICIES: readonly Policy[] = [
  onePlusFifteenPlusN,
  countyBuildsNoCloud,
  dualPlaneAttachment,
  linkBandwidth,
  ipv6Everywhere,
  twoSitesThreeCentres,
  drStandbyRoom,
  drStandbyProtected,
  drLevelTargets,
  drDrillRecent,
  ...TENANT_POLICIES.map(overEstateTenants),
];

export function policyById(id: string): Policy | undefined {
  return POLICIES.find((p) => p.id === id);
}
