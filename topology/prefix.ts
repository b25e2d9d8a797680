// IP prefix arithmetic for IPv4 and IPv6 without BigInt on the hot path: an address is an array
// of 32-bit words (1 for IPv4, 4 for IPv6, most significant first). Parsing is strict: one
// spelling per address family (tests cross-check against ipaddr.js).

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

const IPV4_OCTET = /^(0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Dotted-quad IPv4 with four decimal octets and no leading zeros, or undefined. */
function parseIpv4Words(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let w = 0;
  for (const p of parts) {
    if (!IPV4_OCTET.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    w = w * 256 + v;
  }
  return w;
}

/** IPv6 text (RFC 4291 section 2.2, including an embedded IPv4 tail; no zone index), or undefined. */
function parseIpv6Words(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (i === items.length - 1 && item.includes('.')) {
        const v4 = parseIpv4Words(item);
        if (v4 === undefined) return undefined;
        out.push(Math.floor(v4 / 65536), v4 % 65536);
      } else if (HEX_GROUP.test(item)) out.push(parseInt(item, 16));
      else return undefined;
    }
    return out;
  };
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (!head || !tail) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    if (head.length !== 8) return undefined;
    groups = head;
  }
  return [0, 1, 2, 3].map((i) => (groups[2 * i]! * 65536 + groups[2 * i + 1]!) >>> 0);
}

function parseWithLength(text: string, len: number | undefined, what: string): Prefix {
  if (text.includes(':')) {
    const words = parseIpv6Words(text);
    if (!words) throw new PrefixParseError(`"${what}" is not a valid IPv6 ${len === undefined ? 'address' : 'prefix'}`);
    if (len !== undefined && len > 128) throw new PrefixParseError(`"${what}": an IPv6 prefix length is 0 to 128`);
    return { family: 'ipv6', words, len: len ?? 128 };
  }
  const w = parseIpv4Words(text);
  if (w === undefined) {
    throw new PrefixParseError(`"${what}" is not a valid IPv4 ${len === undefined ? 'address' : 'prefix'}: write four decimal octets without leading zeros, e.g. 10.0.0.0`);
  }
  if (len !== undefined && len > 32) throw new PrefixParseError(`"${what}": an IPv4 prefix length is 0 to 32`);
  return { family: 'ipv4', words: [w], len: len ?? 32 };
}

/**
 * Parses `addr/len` strictly (no octal, hex or short IPv4 forms, no zone index). Throws
 * PrefixParseError for bad syntax; host bits that are set are not an error here (see
 * `isAligned`), so that callers can report misalignment precisely.
 */
export function parsePrefix(text: string): Prefix {
  const slash = typeof text === 'string' ? text.indexOf('/') : -1;
  if (slash < 0) {
    throw new PrefixParseError(`"${String(text)}" is not a prefix: expected ADDRESS/LENGTH, e.g. 2001:db8::/32 or 10.0.0.0/8`);
  }
  const lenText = text.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText)) throw new PrefixParseError(`"${text}" has no valid prefix length after "/"`);
  return parseWithLength(text.slice(0, slash), Number(lenText), text);
}

/** Parses a bare address as a full-length prefix. */
export function parseAddress(text: string): Prefix {
  if (typeof text !== 'string' || text.includes('/')) throw new PrefixParseError(`"${String(text)}" is not a valid IPv4 or IPv6 address`);
  return parseWithLength(text, undefined, text);
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
  orBitsInPlace(out, value, shift);
  return out;
}

function orBitsInPlace(out: number[], value: number, shift: number): void {
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
}

/** Hex text of 16-bit groups, made as they are first needed. */
const HEX: (string | undefined)[] = new Array<string | undefined>(65536);
function hex(group: number): string {
  return HEX[group] ?? (HEX[group] = group.toString(16));
}
const DEC: string[] = Array.from({ length: 256 }, (_, i) => String(i));
/** Scratch space for the eight groups of an IPv6 address (formatting is synchronous). */
const GROUPS: number[] = [0, 0, 0, 0, 0, 0, 0, 0];

/**
 * Appends the text of an address to `out` as pieces, for one `join('')`: a join makes a flat
 * string, where template literals make a tree of cons strings several times the size, which
 * matters with hundreds of thousands of prefixes held in a ledger.
 */
function pushAddress(family: Family, words: readonly number[], out: string[]): void {
  if (family === 'ipv4') {
    const w = words[0]!;
    out.push(DEC[w >>> 24]!, '.', DEC[(w >>> 16) & 255]!, '.', DEC[(w >>> 8) & 255]!, '.', DEC[w & 255]!);
    return;
  }
  const g = GROUPS;
  for (let k = 0; k < 4; k++) {
    const w = words[k]!;
    g[2 * k] = w >>> 16;
    g[2 * k + 1] = w & 0xffff;
  }
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
  if (bestStart < 0) {
    out.push(hex(g[0]!));
    for (let i = 1; i < 8; i++) out.push(':', hex(g[i]!));
    return;
  }
  for (let i = 0; i < bestStart; i++) {
    if (i > 0) out.push(':');
    out.push(hex(g[i]!));
  }
  out.push('::');
  const tail = bestStart + bestLen;
  for (let i = tail; i < 8; i++) {
    if (i > tail) out.push(':');
    out.push(hex(g[i]!));
  }
}

/** RFC 5952 text for IPv6 (compressed, lower case); dotted quad for IPv4. */
export function formatAddress(family: Family, words: readonly number[]): string {
  const out: string[] = [];
  pushAddress(family, words, out);
  return out.join('');
}

export function formatPrefix(p: Prefix): string {
  return formatWords(p.family, p.words, p.len);
}

function formatWords(family: Family, words: readonly number[], len: number): string {
  const out: string[] = [];
  pushAddress(family, words, out);
  out.push('/', Number.isInteger(len) && len >= 0 && len < 256 ? DEC[len]! : String(len));
  return out.join('');
}

const SCRATCH_V4: number[] = [0];
const SCRATCH_V6: number[] = [0, 0, 0, 0];

/**
 * `formatPrefix({ family, len, words: orBits(words, value, shift) })` without making the
 * prefix: the text of a child block, for allocating many without garbage.
 */
export function formatOrBits(family: Family, words: readonly number[], value: number, shift: number, len: number): string {
  const out = words.length === 4 ? SCRATCH_V6 : words.length === 1 ? SCRATCH_V4 : undefined;
  if (out === undefined) return formatWords(family, orBits(words, value, shift), len);
  for (let i = 0; i < out.length; i++) out[i] = words[i]!;
  orBitsInPlace(out, value, shift);
  return formatWords(family, out, len);
}

/** Number of addresses in a prefix, as a float (exact up to 2^53). */
export function sizeOf(p: Prefix): number {
  return 2 ** (width(p.family) - p.len);
}
