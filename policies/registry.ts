// Every policy longyun evaluates, in report order.
import { countyBuildsNoCloud } from './rules/county-builds-no-cloud.js';
import { dualPlaneAttachment } from './rules/dual-plane-attachment.js';
import { ipv6Everywhere } from './rules/ipv6-everywhere.js';
import { linkBandwidth } from './rules/link-bandwidth.js';
import { onePlusFifteenPlusN } from './rules/one-plus-fifteen-plus-n.js';
import { twoSitesThreeCentres } from './rules/two-sites-three-centres.js';
import type { Policy } from './types.js';

export const POLICIES: readonly Policy[] = [
  onePlusFifteenPlusN,
  countyBuildsNoCloud,
  dualPlaneAttachment,
  linkBandwidth,
  ipv6Everywhere,
  twoSitesThreeCentres,
];

export function policyById(id: string): Policy | undefined {
  return POLICIES.find((p) => p.id === id);
}
