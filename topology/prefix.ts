// IP prefix arithmetic for IPv4 and IPv6 without BigInt on the hot path: an address is an array
// of 32-bit words (1 for IPv4, 4 for IPv6, most significant first). Parsing goes through ipaddr.js.
import ipaddr from 'ipaddr.js';

export type Family = 'ipv4' | 'ipv6';
export const FAMILIES: readonly Family[] = ['ipv6', 'ipv4'];

export interface Prefix {
  readonly family: Family;
  /** Network address as 32-bit words, most significant first. */
  readonly words: readonly number[];
  readonly len: number;
}

export function width(family: Family): number {
  return family === 'ipv6' ? 128 : 32;
}

export class PrefixParseError extends Error {
  override name = 'PrefixParseError';
}

/**
 * Parses `addr/len`. Throws PrefixParseError for bad syntax; host bits that are set are not an
 * error here (see `isAligned`), so that callers can report misalignment precisely.
 */
export function parsePrefix(text: string): Prefix {
  if (typeof text !== 'string' || !text.includes('/')) {
    throw new PrefixParseError(`"${String(text)}" is not a prefix: expected ADDRESS/LENGTH, e.g. 2001:db8::/32 or 10.0.0.0/8`);
  }
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(text);
  } catch {
    throw new PrefixParseError(`"${text}" is not a valid IPv4 or IPv6 prefix`);
  }
  const [addr, len] = parsed;
  const bytes = addr.toByteArray();
  const words: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) {
    words.push(((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0);
  }
  return { family: addr.kind() === 'ipv6' ? 'ipv6' : 'ipv4', words, len };
}

/** Parses a bare address as a full-length prefix. */
export function parseAddress(text: string): Prefix {
  if (!ipaddr.isValid(text)) throw new PrefixParseError(`"${text}" is not a valid IPv4 or IPv6 address`);
  const addr = ipaddr.parse(text);
  return parsePrefix(`${addr.toString()}/${addr.kind() === 'ipv6' ? 128 : 32}`);
}

function maskWord(word: number, bitsKept: number): number {
  if (bitsKept <= 0) return 0;
  if (bitsKept >= 32) return word >>> 0;
  return (word & (~0 << (32 - bitsKept))) >>> 0;
}

/** True when no host bit is set (e.g. 10.0.0.1/8 is misaligned). */
export function isAligned(p: Prefix): boolean {
  for (let i = 0; i < p.words.length; i++) {
    if (maskWord(p.words[i]!, p.len - i * 32) !== p.words[i]) return false;
  }
  return true;
}

/** The prefix with host bits cleared. */
export function truncate(p: Prefix): Prefix {
  return { family: p.family, len: p.len, words: p.words.map((w, i) => maskWord(w, p.len - i * 32)) };
}

/** True when `outer` contains `inner` (or equals it). */
export function contains(outer: Prefix, inner: Prefix): boolean {
  if (outer.family !== inner.family || inner.len < outer.len) return false;
  for (let i = 0; i < outer.words.length; i++) {
    const bits = outer.len - i * 32;
    if (bits <= 0) break;
    if (maskWord(outer.words[i]!, bits) !== maskWord(inner.words[i]!, bits)) return false;
  }
  return true;
}

export function overlaps(a: Prefix, b: Prefix): boolean {
  return contains(a, b) || contains(b, a);
}

/** Compares by address, then by length (shorter first): the order of a routing table dump. */
export function comparePrefixes(a: Prefix, b: Prefix): number {
  if (a.family !== b.family) return a.family === 'ipv6' ? -1 : 1;
  for (let i = 0; i < a.words.length; i++) {
    const d = a.words[i]! - b.words[i]!;
    if (d !== 0) return d;
  }
  return a.len - b.len;
}

/**
 * Reads bits [from, to) of the address, counted from the least significant bit, as a number.
 * `to - from` must be at most 53.
 */
export function extractBits(words: readonly number[], from: number, to: number): number {
  let result = 0;
  let scale = 1;
  let bit = from;
  while (bit < to) {
    const word = words[words.length - 1 - (bit >> 5)]!;
    const inWord = bit & 31;
    const take = Math.min(32 - inWord, to - bit);
    const chunk = take === 32 ? word >>> 0 : (word >>> inWord) & (2 ** take - 1);
    result += chunk * scale;
    scale *= 2 ** take;
    bit += take;
  }
  return result;
}

/** Returns a copy of `words` with `value` ORed in at bit `shift` (from the least significant bit). */
export function orBits(words: readonly number[], value: number, shift: number): number[] {
  const out = words.slice();
  let v = value;
  let bit = shift;
  while (v > 0) {
    const wordIndex = out.length - 1 - (bit >> 5);
    const inWord = bit & 31;
    const room = 32 - inWord;
    const base = 2 ** room;
    const chunk = v % base;
    out[wordIndex] = (out[wordIndex]! | (chunk << inWord)) >>> 0;
    v = Math.floor(v / base);
    bit += room;
  }
  return out;
}

const HEX: string[] = Array.from({ length: 65536 }, (_, i) => i.toString(16));

/** RFC 5952 text for IPv6 (compressed, lower case); dotted quad for IPv4. */
export function formatAddress(family: Family, words: readonly number[]): string {
  if (family === 'ipv4') {
    const w = words[0]!;
    return `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}`;
  }
  const g = [
    words[0]! >>> 16,
    words[0]! & 0xffff,
    words[1]! >>> 16,
    words[1]! & 0xffff,
    words[2]! >>> 16,
    words[2]! & 0xffff,
    words[3]! >>> 16,
    words[3]! & 0xffff,
  ];
  // Longest run of zero groups (at least two), first one on ties.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return g.map((x) => HEX[x]).join(':');
  const head = g.slice(0, bestStart).map((x) => HEX[x]).join(':');
  const tail = g.slice(bestStart + bestLen).map((x) => HEX[x]).join(':');
  return `${head}::${tail}`;
}

export function formatPrefix(p: Prefix): string {
  return `${formatAddress(p.family, p.words)}/${p.len}`;
}

/** Number of addresses in a prefix, as a float (exact up to 2^53). */
export function sizeOf(p: Prefix): number {
  return 2 ** (width(p.family) - p.len);
}
