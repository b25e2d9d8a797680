import type { DataCentre } from '../../topology/schema.js';
import type { Policy, Violation } from '../types.js';

/** Great-circle distance in km (haversine, mean Earth radius). */
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)));
}

export const DEFAULT_DR_REMOTE_MIN_DISTANCE_KM = 200;

export const twoSitesThreeCentres: Policy = {
  id: 'dr-two-sites-three-centres',
  title: '"Two sites, three centres": production, same-city DR and remote DR',
  sections: ['§4.1.2'],
  severity: 'error',
  defaultMode: 'enforce',
  description:
    'Exactly one production, one same-city DR and one remote DR centre; production and same-city DR share a metro; the remote centre is in another city at least policies.drRemoteMinDistanceKm away.',
  check({ estate, drRemoteMinDistanceKm }) {
    const out: Violation[] = [];
    const at = (role: DataCentre['role']) => estate.doc.datacentres.filter((d) => d.role === role);
    const roles = { production: at('production'), sameCity: at('same-city-dr'), remote: at('remote-dr') };
    const none = { file: estate.dir ?? '<estate>', path: 'datacentres' };
    for (const [role, list] of [['production', roles.production], ['same-city-dr', roles.sameCity], ['remote-dr', roles.remote]] as const) {
      if (list.length === 0) out.push({ ...none, message: `no data centre has role "${role}"; two sites, three centres needs one` });
      for (const extra of list.slice(1)) out.push({ ...estate.fieldOf(extra, 'role'), message: `a second "${role}" centre ("${extra.id}", first is "${list[0]!.id}")` });
    }
    const [prod] = roles.production;
    const [same] = roles.sameCity;
    const [remote] = roles.remote;
    if (prod && same && same.metro !== prod.metro) {
      out.push({ ...estate.fieldOf(same, 'metro'), message: `same-city DR "${same.id}" is in metro "${same.metro}" but production "${prod.id}" is in "${prod.metro}"` });
    }
    if (prod && remote) {
      const cityOf = (d: DataCentre) => estate.ancestorAt(d.unit, 'municipal')?.id ?? d.unit;
      if (remote.metro === prod.metro || cityOf(remote) === cityOf(prod)) {
        out.push({ ...estate.fieldOf(remote, 'metro'), message: `remote DR "${remote.id}" is in the same city as production "${prod.id}"; the second site must be in another city` });
      }
      const km = distanceKm(prod.location, remote.location);
      if (km < drRemoteMinDistanceKm) {
        out.push({
          ...estate.fieldOf(remote, 'location'),
          message: `remote DR "${remote.id}" is ${Math.round(km)} km from production "${prod.id}"; at least ${drRemoteMinDistanceKm} km is required (policies.drRemoteMinDistanceKm)`,
        });
      }
    }
    return out;
  },
};
