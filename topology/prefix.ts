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

/** `scanPrefix` result bits: the length is the low byte. */
export const SCAN_IPV6 = 0x200;
export const SCAN_CANONICAL = 0x100;

/** Scratch groups of an IPv6 address being scanned (scanning is synchronous). */
const SCAN_GROUPS = new Int32Array(8);

/**
 * The common case of `parsePrefix`, without making strings or arrays: writes the address to
 * `out` from `at` (4 words for IPv6, 1 for IPv4) and returns its length, ORed with SCAN_IPV6 for
 * IPv6 and SCAN_CANONICAL when `text` is the canonical spelling (what formatPrefix writes). It
 * accepts only what parsePrefix accepts, as parsePrefix reads it, but not all of it (no IPv4 tail
 * in IPv6, no errors): -1 means "ask parsePrefix". With `from` and `to`, it reads
 * `text.slice(from, to)` without making it.
 */
export function scanPrefix(text: string, out: Uint32Array, at: number, from = 0, to = text.length): number {
  let slash = -1;
  for (let i = from; i < to; i++) {
    if (text.charCodeAt(i) === 47) {
      slash = i;
      break;
    }
  }
  const n = to;
  const digits = n - slash - 1;
  if (slash < 0 || digits < 1 || digits > 3) return -1;
  let len = 0;
  for (let i = slash + 1; i < n; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9 || (c === 0 && i === slash + 1 && digits > 1)) return -1;
    len = len * 10 + c;
  }
  let v6 = false;
  for (let i = from; i < slash; i++) {
    if (text.charCodeAt(i) === 58) {
      v6 = true;
      break;
    }
  }
  if (!v6) {
    if (len > 32) return -1;
    let w = 0;
    let i = from;
    for (let octet = 0; octet < 4; octet++) {
      if (octet > 0) {
        if (i >= slash || text.charCodeAt(i) !== 46) return -1;
        i++;
      }
      const start = i;
      let v = 0;
      while (i < slash) {
        const c = text.charCodeAt(i) - 48;
        if (c < 0 || c > 9) break;
        v = v * 10 + c;
        i++;
      }
      const k = i - start;
      if (k < 1 || k > 3 || (k > 1 && text.charCodeAt(start) === 48) || v > 255) return -1;
      w = w * 256 + v;
    }
    if (i !== slash) return -1;
    out[at] = w;
    return len | SCAN_CANONICAL;
  }
  if (len > 128) return -1;
  const g = SCAN_GROUPS;
  let count = 0;
  let gap = -1;
  let lower = true;
  let minimal = true;
  let i = from;
  if (slash - from >= 2 && text.charCodeAt(from) === 58 && text.charCodeAt(from + 1) === 58) {
    gap = 0;
    i = from + 2;
  }
  if (i < slash) {
    for (;;) {
      const start = i;
      let v = 0;
      while (i < slash && i - start < 5) {
        const c = text.charCodeAt(i);
        let d: number;
        if (c >= 48 && c <= 57) d = c - 48;
        else if (c >= 97 && c <= 102) d = c - 87;
        else if (c >= 65 && c <= 70) {
          d = c - 55;
          lower = false;
        } else break;
        v = v * 16 + d;
        i++;
      }
      const k = i - start;
      if (k < 1 || k > 4 || count === 8) return -1;
      if (k > 1 && text.charCodeAt(start) === 48) minimal = false;
      g[count++] = v;
      if (i === slash) break;
      if (text.charCodeAt(i) !== 58) return -1;
      i++;
      if (i < slash && text.charCodeAt(i) === 58) {
        if (gap >= 0) return -1;
        gap = count;
        i++;
        if (i === slash) break;
      } else if (i === slash) return -1;
    }
  }
  if (gap < 0 ? count !== 8 : count > 7) return -1;
  // Expand the gap, then write the words.
  if (gap >= 0) {
    const fill = 8 - count;
    for (let k = count - 1; k >= gap; k--) g[k + fill] = g[k]!;
    for (let k = gap; k < gap + fill; k++) g[k] = 0;
  }
  for (let k = 0; k < 4; k++) out[at + k] = (g[2 * k]! * 65536 + g[2 * k + 1]!) >>> 0;
  // Canonical: lower case, no leading zeros, and "::" exactly where formatAddress puts it.
  let canonical = lower && minimal;
  if (canonical) {
    const run = longestZeroRun(g);
    canonical = gap < 0 ? run < 0 : gap === run >> 4 && 8 - count === (run & 15);
  }
  return len | SCAN_IPV6 | (canonical ? SCAN_CANONICAL : 0);
}

const SCAN_OUT = new Uint32Array(4);

/**
 * Parses `addr/len` strictly (no octal, hex or short IPv4 forms, no zone index). Throws
 * PrefixParseError for bad syntax; host bits that are set are not an error here (see
 * `isAligned`), so that callers can report misalignment precisely.
 */
export function parsePrefix(text: string): Prefix {
  if (typeof text === 'string') {
    const code = scanPrefix(text, SCAN_OUT, 0);
    if (code >= 0) {
      const o = SCAN_OUT;
      return code & SCAN_IPV6 ? { family: 'ipv6', words: [o[0]!, o[1]!, o[2]!, o[3]!], len: code & 0xff } : { family: 'ipv4', words: [o[0]!], len: code & 0xff };
    }
  }
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
/**
 * The longest run of zero groups of an IPv6 address (at least two; the first one on ties), where
 * "::" goes (RFC 5952): `start * 16 + length`, or -1 if there is none. One number, so that this
 * hot path allocates nothing.
 */
function longestZeroRun(g: ArrayLike<number>): number {
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
  return bestStart < 0 ? -1 : bestStart * 16 + bestLen;
}

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
function pushAddress(family: Family, words: ArrayLike<number>, at: number, out: string[]): void {
  if (family === 'ipv4') {
    const w = words[at]!;
    out.push(DEC[w >>> 24]!, '.', DEC[(w >>> 16) & 255]!, '.', DEC[(w >>> 8) & 255]!, '.', DEC[w & 255]!);
    return;
  }
  const g = GROUPS;
  for (let k = 0; k < 4; k++) {
    const w = words[at + k]!;
    g[2 * k] = w >>> 16;
    g[2 * k + 1] = w & 0xffff;
  }
  const run = longestZeroRun(g);
  if (run < 0) {
    out.push(hex(g[0]!));
    for (let i = 1; i < 8; i++) out.push(':', hex(g[i]!));
    return;
  }
  const bestStart = run >> 4;
  for (let i = 0; i < bestStart; i++) {
    if (i > 0) out.push(':');
    out.push(hex(g[i]!));
  }
  out.push('::');
  const tail = bestStart + (run & 15);
  for (let i = tail; i < 8; i++) {
    if (i > tail) out.push(':');
    out.push(hex(g[i]!));
  }
}

/** RFC 5952 text for IPv6 (compressed, lower case); dotted quad for IPv4. */
export function formatAddress(family: Family, words: readonly number[]): string {
  const out: string[] = [];
  pushAddress(family, words, 0, out);
  return out.join('');
}

export function formatPrefix(p: Prefix): string {
  return formatWords(p.family, p.words, p.len);
}

function formatWords(family: Family, words: ArrayLike<number>, len: number, at = 0): string {
  const out: string[] = [];
  pushAddress(family, words, at, out);
  out.push('/', Number.isInteger(len) && len >= 0 && len < 256 ? DEC[len]! : String(len));
  return out.join('');
}

/**
 * The text of the prefix whose address is `words[at]` onwards (1 word for IPv4, 4 for IPv6): for
 * prefixes kept in a typed array.
 */
export function formatPrefixAt(family: Family, words: ArrayLike<number>, at: number, len: number): string {
  return formatWords(family, words, len, at);
}

/**
 * Writes `orBits(words, value, shift)` to `out` from position `at` (as many words as `words`
 * has): a child block's address, straight into a typed array.
 */
export function writeOrBits(words: readonly number[], value: number, shift: number, out: Uint32Array, at: number): void {
  const n = words.length;
  for (let i = 0; i < n; i++) out[at + i] = words[i]!;
  if (value === 0) return;
  if (!(value > 0 && value <= Number.MAX_SAFE_INTEGER && Number.isInteger(value))) throw new RangeError(`writeOrBits: ${value} is not a whole number below 2^53`);
  // value = hi * 2^32 + lo, ORed in at word `k` (from the least significant) and bit `bit`.
  const lo = value >>> 0;
  const hi = (value - lo) / 4294967296;
  const bit = shift & 31;
  const last = at + n - 1 - (shift >>> 5);
  if (bit === 0) {
    if (last >= at) out[last] = out[last]! | lo;
    if (hi !== 0 && last - 1 >= at) out[last - 1] = out[last - 1]! | hi;
    return;
  }
  if (last >= at) out[last] = out[last]! | (lo << bit);
  if (last - 1 >= at) out[last - 1] = out[last - 1]! | (lo >>> (32 - bit)) | (hi << bit);
  if (hi !== 0 && last - 2 >= at) out[last - 2] = out[last - 2]! | (hi >>> (32 - bit));
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
