import type { Policy, Violation } from '../types.js';

export const ipv6Everywhere: Policy = {
  id: 'extranet-ipv6',
  title: 'Every plane and every site has IPv6',
  sections: ['§3.2', '§4.1.1'],
  severity: 'error',
  defaultMode: 'enforce',
  description: 'The extranet meets IPv6: each plane has an IPv6 address root and no site is IPv4-only.',
  check({ estate }) {
    const out: Violation[] = [];
    for (const p of estate.doc.planes) {
      if (p.ipv6 === undefined) out.push({ ...estate.fieldOf(p, 'ipv6'), message: `plane "${p.id}" has no IPv6 root; add one, e.g. a half of 2001:db8::/32 in a test plan` });
    }
    for (const s of estate.doc.sites) {
      if (s.stack === 'ipv4-only') out.push({ ...estate.fieldOf(s, 'stack'), message: `site "${s.id}" is IPv4-only; make it dual-stack or ipv6-only` });
    }
    return out;
  },
};
