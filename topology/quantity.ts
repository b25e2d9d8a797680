// Kubernetes resource quantities ("500m", "128Gi", "2Ti") as numbers, for capacity accounting.

const SUFFIX: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

export class QuantityError extends Error {
  override name = 'QuantityError';
}

/** The value of a quantity in base units (cores, bytes). */
export function parseQuantity(q: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(q);
  if (!m) throw new QuantityError(`"${q}" is not a quantity: use a number with an optional suffix, e.g. 32, 500m, 128Gi, 2Ti`);
  return Number(m[1]) * SUFFIX[m[2] ?? '']!;
}

export const GiB = 2 ** 30;
export const TiB = 2 ** 40;
