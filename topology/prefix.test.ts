import fc from 'fast-check';
import { runs } from '../test/property-runs.js';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import {
  comparePrefixes,
  contains,
  extractBits,
  formatAddress,
  formatPrefix,
  formatPrefixAt,
  isAligned,
  orBits,
  overlaps,
  parseAddress,
  parsePrefix,
  PrefixParseError,
  scanPrefix,
  SCAN_CANONICAL,
  SCAN_IPV6,
  sizeOf,
  truncate,
  width,
  writeOrBits,
  type Family,
  type Prefix,
} from './prefix.js';

// An independent oracle: the address as one BigInt.
function toBig(words: readonly number[]): bigint {
  let v = 0n;
  for (const w of words) v = (v << 32n) | BigInt(w >>> 0);
  return v;
}
function fromBig(v: bigint, family: Family): number[] {
  const n = family === 'ipv6' ? 4 : 1;
  const out: number[] = [];
  for (let i = n - 1; i >= 0; i--) out.push(Number((v >> BigInt(32 * i)) & 0xffffffffn));
  return out;
}
/** [first, last] address of a prefix, host bits ignored. */
function range(p: Prefix): [bigint, bigint] {
  const host = BigInt(width(p.family) - p.len);
  const first = (toBig(p.words) >> host) << host;
  return [first, first + (1n << host) - 1n];
}

const word = fc.integer({ min: 0, max: 0xffffffff });
/** 16-bit groups with many zeros, so that zero runs of every length and position show up. */
const group = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffff }) });
const groups8 = fc.array(group, { minLength: 8, maxLength: 8 });
const groupsToWords = (g: number[]): number[] => [0, 2, 4, 6].map((i) => ((g[i]! << 16) | g[i + 1]!) >>> 0);

const familyArb = fc.constantFrom<Family>('ipv6', 'ipv4');
/** Any prefix, host bits possibly set. */
const rawPrefix: fc.Arbitrary<Prefix> = familyArb.chain((family) =>
  fc.record({
    family: fc.constant(family),
    words: family === 'ipv6' ? groups8.map(groupsToWords) : fc.tuple(word).map((t) => [t[0]]),
    len: fc.integer({ min: 0, max: width(family) }),
  }),
);
const alignedPrefix = rawPrefix.map(truncate);

describe('parsePrefix', () => {
  it('parses IPv6 and IPv4 prefixes into 32-bit words, most significant first', () => {
    expect(parsePrefix('2001:db8::/33')).toEqual({ family: 'ipv6', words: [0x20010db8, 0, 0, 0], len: 33 });
    expect(parsePrefix('2001:db8:8000::/33')).toEqual({ family: 'ipv6', words: [0x20010db8, 0x80000000, 0, 0], len: 33 });
    expect(parsePrefix('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128').words).toEqual([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]);
    expect(parsePrefix('10.128.0.0/9')).toEqual({ family: 'ipv4', words: [0x0a800000], len: 9 });
    expect(parsePrefix('255.255.255.255/32')).toEqual({ family: 'ipv4', words: [0xffffffff], len: 32 });
    expect(parsePrefix('0.0.0.0/0')).toEqual({ family: 'ipv4', words: [0], len: 0 });
  });

  it('keeps host bits (misalignment is reported by isAligned, not by the parser)', () => {
    const p = parsePrefix('10.0.0.1/8');
    expect(p.words).toEqual([0x0a000001]);
    expect(isAligned(p)).toBe(false);
  });

  it.each(['10.0.0.0', '10.0.0.0/33', '2001:db8::/129', 'lanzhou/8', '', '/8', '10.0.0.0/', '10.0.0.0/-1', '2001:db8::/x', '10.0.0.256/32'])(
    'rejects %j with a PrefixParseError',
    (text) => {
      expect(() => parsePrefix(text)).toThrow(PrefixParseError);
    },
  );

  it('explains the expected syntax when the length is missing', () => {
    expect(() => parsePrefix('10.0.0.0')).toThrow(/ADDRESS\/LENGTH/);
  });

  // ipaddr.js follows inet_aton and accepts legacy IPv4 forms; a planner that silently reads
  // "010.0.0.0/8" as 8.0.0.0/8 (octal) or "10.1/16" as 10.0.0.1/16 allocates from the wrong block.
  // A zone index ("%eth0") has no meaning in a prefix either.
  it('rejects non-standard address spellings instead of reinterpreting them', () => {
    const legacy = ['010.0.0.0/8', '0x0a.0.0.0/8', '10.1/16', '167772160/8', '2001:db8::%eth0/64'];
    const accepted: string[] = [];
    for (const text of legacy) {
      try {
        accepted.push(`${text} read as ${formatPrefix(parsePrefix(text))}`);
      } catch (e) {
        if (!(e instanceof PrefixParseError)) throw e;
      }
    }
    expect(accepted).toEqual([]);
  });
});

describe('scanPrefix (the fast path of parsePrefix)', () => {
  /** A random spelling of an IPv6 prefix: any zero run (or none) compressed, any case, padded groups. */
  const v6Spelling = fc
    .record({ g: groups8, len: fc.integer({ min: 0, max: 128 }), run: fc.nat(), pad: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), upper: fc.boolean() })
    .map(({ g, len, run, pad, upper }) => {
      const hex = (x: number, i: number) => (pad[i] ? x.toString(16).padStart(4, '0') : x.toString(16));
      const runs: Array<[number, number]> = [];
      for (let i = 0; i < 8; i++) if (g[i] === 0) for (let j = i; j < 8 && g[j] === 0; j++) runs.push([i, j + 1]);
      let text: string;
      if (runs.length === 0 || run % (runs.length + 1) === runs.length) text = g.map(hex).join(':');
      else {
        const [a, b] = runs[run % (runs.length + 1)]!;
        text = `${g.slice(0, a).map(hex).join(':')}::${g.slice(b).map((x, i) => hex(x, b + i)).join(':')}`;
      }
      return { text: `${upper ? text.toUpperCase() : text}/${len}`, words: groupsToWords(g), len };
    });

  it('reads every IPv6 spelling as the oracle does, and calls it canonical exactly when formatPrefix writes it', () => {
    fc.assert(
      fc.property(v6Spelling, ({ text, words, len }) => {
        const out = new Uint32Array(6).fill(7);
        const code = scanPrefix(text, out, 1);
        expect(code).toBeGreaterThanOrEqual(0);
        expect(code & 0xff).toBe(len);
        expect(code & SCAN_IPV6).toBe(SCAN_IPV6);
        expect([...out.subarray(1, 5)]).toEqual(words);
        expect(out[0]).toBe(7);
        expect(out[5]).toBe(7);
        expect((code & SCAN_CANONICAL) !== 0).toBe(formatPrefix({ family: 'ipv6', words, len }) === text);
        expect(parsePrefix(text)).toEqual({ family: 'ipv6', words, len });
        // The same, read from the middle of a longer text.
        const inside = new Uint32Array(4);
        expect(scanPrefix(`"${text}"}`, inside, 0, 1, 1 + text.length)).toBe(code);
        expect([...inside]).toEqual(words);
      }),
      runs(3000),
    );
  });

  it('reads IPv4 as parsePrefix does (always canonical when it reads it)', () => {
    fc.assert(
      fc.property(word, fc.integer({ min: 0, max: 32 }), (w, len) => {
        const text = formatPrefix({ family: 'ipv4', words: [w], len });
        const out = new Uint32Array(1);
        expect(scanPrefix(text, out, 0)).toBe(len | SCAN_CANONICAL);
        expect(out[0]).toBe(w);
        expect(scanPrefix(`:"${text}"`, out, 0, 2, 2 + text.length)).toBe(len | SCAN_CANONICAL);
      }),
      runs(1000),
    );
  });

  it('leaves to parsePrefix what it does not read, and accepts nothing that parsePrefix refuses', () => {
    const texts = ['10.0.0.0', '10.0.0.0/33', '010.0.0.0/8', '10.1/16', '10.0.0.0/08', '10.0.0.0/', '/8', '', '2001:db8::/129', '2001:db8::1.2.3.4/128', '::ffff:10.0.0.1/128',
      '1.2.3.4::/64', '2001:db8:::/48', ':1::/64', '1::2::3/64', '1:2:3:4:5:6:7:8:9/64', '1:2:3:4:5:6:7::8/64', '12345::/16', '2001:db8::%eth0/64', 'g::/16', '::/0', '::/00', '1:/16', '::1:/16'];
    for (const text of texts) {
      const code = scanPrefix(text, new Uint32Array(4), 0);
      let parsed: Prefix | undefined;
      try {
        parsed = parsePrefix(text);
      } catch (e) {
        expect(e).toBeInstanceOf(PrefixParseError);
      }
      if (code >= 0) expect(parsed, text).toBeDefined();
      if (code >= 0) expect(code & 0xff, text).toBe(parsed!.len);
    }
  });
});

describe('parseAddress', () => {
  it('parses a bare address as a full-length prefix', () => {
    expect(parseAddress('2001:db8::1')).toEqual({ family: 'ipv6', words: [0x20010db8, 0, 0, 1], len: 128 });
    expect(parseAddress('10.0.33.7')).toEqual({ family: 'ipv4', words: [0x0a002107], len: 32 });
  });
  it('rejects what is not an address', () => {
    expect(() => parseAddress('10.0.0.0/8')).toThrow(PrefixParseError);
    expect(() => parseAddress('not-an-address')).toThrow(PrefixParseError);
  });
});

describe('formatAddress (RFC 5952)', () => {
  // Expected texts follow RFC 5952: §4.1 no leading zeros, §4.2.1 "::" shortens as much as
  // possible, §4.2.2 never for a single 16-bit 0 field, §4.2.3 longest run (first on ties), §4.3 lower case.
  it.each([
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:db8::1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['0:1:0:0:1:0:0:0', '0:1:0:0:1::'],
    ['0:0:1:0:0:1:0:0', '::1:0:0:1:0:0'],
    ['1:0:1:0:1:0:1:0', '1:0:1:0:1:0:1:0'],
    ['0:1:1:1:1:1:1:1', '0:1:1:1:1:1:1:1'],
    ['1:1:1:1:1:1:1:0', '1:1:1:1:1:1:1:0'],
    ['2001:DB8:AAAA:BBBB:CCCC:DDDD:EEEE:FFFF', '2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff'],
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
    ['2001:db8:8000:0:0:0:0:0', '2001:db8:8000::'],
  ])('%s → %s', (input, expected) => {
    expect(formatAddress('ipv6', parseAddress(input).words)).toBe(expected);
  });

  it('formats IPv4 as a dotted quad without leading zeros', () => {
    expect(formatAddress('ipv4', [0x0a800000])).toBe('10.128.0.0');
    expect(formatAddress('ipv4', [0xffffffff])).toBe('255.255.255.255');
    expect(formatAddress('ipv4', [0])).toBe('0.0.0.0');
    expect(formatAddress('ipv4', [0xc0a80001])).toBe('192.168.0.1');
  });

  it("agrees with ipaddr.js's toRFC5952String() for random IPv6 addresses", () => {
    fc.assert(
      fc.property(groups8, (g) => {
        expect(formatAddress('ipv6', groupsToWords(g))).toBe(new ipaddr.IPv6(g).toRFC5952String());
      }),
      runs(3000),
    );
  });

  it('agrees with ipaddr.js for random IPv4 addresses', () => {
    fc.assert(
      fc.property(word, (w) => {
        const bytes = [w >>> 24, (w >>> 16) & 255, (w >>> 8) & 255, w & 255];
        expect(formatAddress('ipv4', [w])).toBe(ipaddr.fromByteArray(bytes).toString());
      }),
      runs(500),
    );
  });

  it('never compresses a single zero group and never emits two "::"', () => {
    fc.assert(
      fc.property(groups8, (g) => {
        const text = formatAddress('ipv6', groupsToWords(g));
        expect(text.split('::').length).toBeLessThanOrEqual(2);
        if (text.includes('::')) {
          const shown = text.split('::').flatMap((s) => (s === '' ? [] : s.split(':'))).length;
          expect(8 - shown).toBeGreaterThanOrEqual(2);
        }
        expect(text).toBe(text.toLowerCase());
        expect(text).not.toMatch(/(^|:)0[0-9a-f]/);
      }),
      runs(1000),
    );
  });
});

describe('parse/format round trip', () => {
  it.each(['2001:db8::/33', '2001:db8:8000::/33', '2001:db8:12:1::/64', '::/0', '::1/128', 'fe80::/10', '10.0.0.0/9', '10.128.0.0/9', '0.0.0.0/0', '192.0.2.7/32'])(
    '%s',
    (text) => {
      expect(formatPrefix(parsePrefix(text))).toBe(text);
    },
  );

  it('format then parse gives back the same prefix, for random prefixes of both families', () => {
    fc.assert(
      fc.property(rawPrefix, (p) => {
        expect(parsePrefix(formatPrefix(p))).toEqual(p);
      }),
      runs(1000),
    );
  });

  it('parse then format is the identity on canonical text, and canonicalises other spellings', () => {
    fc.assert(
      fc.property(rawPrefix, (p) => {
        const canonical = formatPrefix(p);
        expect(formatPrefix(parsePrefix(canonical))).toBe(canonical);
        if (p.family === 'ipv6') {
          const g = p.words.flatMap((w) => [w >>> 16, w & 0xffff]);
          const longhand = `${g.map((x) => x.toString(16).toUpperCase().padStart(4, '0')).join(':')}/${p.len}`;
          expect(formatPrefix(parsePrefix(longhand))).toBe(canonical);
        }
      }),
      runs(500),
    );
  });
});

describe('contains / overlaps', () => {
  const P = parsePrefix;
  it('examples', () => {
    expect(contains(P('10.0.0.0/8'), P('10.1.0.0/16'))).toBe(true);
    expect(contains(P('10.0.0.0/8'), P('10.0.0.0/8'))).toBe(true);
    expect(contains(P('10.1.0.0/16'), P('10.0.0.0/8'))).toBe(false);
    expect(contains(P('10.0.0.0/8'), P('11.0.0.0/16'))).toBe(false);
    expect(contains(P('0.0.0.0/0'), P('203.0.113.0/24'))).toBe(true);
    expect(contains(P('2001:db8::/33'), P('2001:db8:7fff:ffff::/64'))).toBe(true);
    expect(contains(P('2001:db8::/33'), P('2001:db8:8000::/64'))).toBe(false);
    expect(contains(P('2001:db8::/32'), P('2001:db9::/48'))).toBe(false);
    expect(contains(P('::/0'), P('2001:db8::1/128'))).toBe(true);
    expect(overlaps(P('2001:db8::/33'), P('2001:db8:8000::/33'))).toBe(false);
    expect(overlaps(P('10.0.0.0/9'), P('10.64.0.0/10'))).toBe(true);
    expect(overlaps(P('10.64.0.0/10'), P('10.0.0.0/9'))).toBe(true);
  });

  it('never relates prefixes of different families', () => {
    expect(contains(P('::/0'), P('0.0.0.0/0'))).toBe(false);
    expect(contains(P('0.0.0.0/0'), P('::/0'))).toBe(false);
    expect(overlaps(P('::/0'), P('10.0.0.0/8'))).toBe(false);
  });

  it('contains(a, b) exactly when the address range of b lies inside that of a', () => {
    fc.assert(
      fc.property(
        familyArb.chain((f) => fc.tuple(rawPrefix.filter((p) => p.family === f), rawPrefix.filter((p) => p.family === f))),
        ([a, b]) => {
          const [a0, a1] = range(a);
          const [b0, b1] = range(b);
          expect(contains(a, b)).toBe(a0 <= b0 && b1 <= a1);
          expect(overlaps(a, b)).toBe(a0 <= b1 && b0 <= a1);
          expect(overlaps(a, b)).toBe(overlaps(b, a));
        },
      ),
      runs(1000),
    );
  });

  it('a prefix contains every prefix made by lengthening it', () => {
    fc.assert(
      fc.property(alignedPrefix, fc.nat(), fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (p, extra, bits) => {
        const w = width(p.family);
        const len = p.len + (extra % (w - p.len + 1));
        const host = BigInt(w - p.len);
        const inner = truncate({ family: p.family, len, words: fromBig(toBig(p.words) | (bits & ((1n << host) - 1n)), p.family) });
        expect(contains(p, inner)).toBe(true);
        expect(overlaps(inner, p)).toBe(true);
        if (len > p.len) expect(contains(inner, p)).toBe(false);
      }),
      runs(500),
    );
  });
});

describe('isAligned / truncate', () => {
  it('examples', () => {
    expect(isAligned(parsePrefix('10.0.0.0/8'))).toBe(true);
    expect(isAligned(parsePrefix('10.0.0.1/8'))).toBe(false);
    expect(isAligned(parsePrefix('10.0.0.1/32'))).toBe(true);
    expect(isAligned(parsePrefix('1.0.0.0/0'))).toBe(false);
    expect(isAligned(parsePrefix('2001:db8:8000::/33'))).toBe(true);
    expect(isAligned(parsePrefix('2001:db8:4000::/33'))).toBe(false);
    expect(isAligned(parsePrefix('2001:db8:0:0:0:0:0:1/127'))).toBe(false);
    expect(isAligned(parsePrefix('2001:db8::1/128'))).toBe(true);
    expect(formatPrefix(truncate(parsePrefix('10.1.2.3/8')))).toBe('10.0.0.0/8');
    expect(formatPrefix(truncate(parsePrefix('2001:db8:4000::1/33')))).toBe('2001:db8::/33');
    expect(formatPrefix(truncate(parsePrefix('2001:db8:12:1:2:3:4:5/64')))).toBe('2001:db8:12:1::/64');
  });

  it('truncate clears exactly the host bits; isAligned holds exactly when nothing was cleared', () => {
    fc.assert(
      fc.property(rawPrefix, (p) => {
        const t = truncate(p);
        const host = BigInt(width(p.family) - p.len);
        expect(toBig(t.words)).toBe((toBig(p.words) >> host) << host);
        expect(t.len).toBe(p.len);
        expect(t.family).toBe(p.family);
        expect(isAligned(t)).toBe(true);
        expect(isAligned(p)).toBe(toBig(t.words) === toBig(p.words));
        expect(contains(t, p) && contains(p, t)).toBe(true);
        expect(truncate(t)).toEqual(t);
      }),
      runs(1000),
    );
  });
});

describe('extractBits / orBits', () => {
  it('examples', () => {
    const w = parsePrefix('2001:db8:12:1::/64').words;
    expect(extractBits(w, 64, 80)).toBe(1); // the 4th group
    expect(extractBits(w, 80, 96)).toBe(0x12);
    expect(extractBits(w, 96, 128)).toBe(0x20010db8);
    expect(extractBits([0x0a800000], 23, 32)).toBe(0x15);
    expect(orBits([0, 0, 0, 0], 1, 64)).toEqual([0, 1, 0, 0]);
    expect(orBits([0, 0, 0, 0], 2 ** 40 + 3, 20)).toEqual([0, 0, 0x10000000, 0x300000]);
    expect(orBits([0x0a000000], 5, 21)).toEqual([0x0aa00000]);
  });

  const wordsArb = familyArb.chain((family) =>
    fc.tuple(fc.constant(family), fc.array(word, { minLength: family === 'ipv6' ? 4 : 1, maxLength: family === 'ipv6' ? 4 : 1 })),
  );

  it('extractBits reads bits [from, to) counted from the least significant bit', () => {
    fc.assert(
      fc.property(wordsArb, fc.nat(), fc.integer({ min: 0, max: 53 }), ([family, words], f, k) => {
        const w = width(family);
        const len = Math.min(k, w);
        const from = f % (w - len + 1);
        const expected = Number((toBig(words) >> BigInt(from)) & ((1n << BigInt(len)) - 1n));
        expect(extractBits(words, from, from + len)).toBe(expected);
      }),
      runs(1000),
    );
  });

  it('orBits ORs a value in at a shift and touches no other bit; extractBits reads it back', () => {
    fc.assert(
      fc.property(
        wordsArb,
        fc.nat(),
        fc.integer({ min: 1, max: 53 }),
        fc.bigInt({ min: 0n, max: (1n << 53n) - 1n }),
        ([family, words], s, k, big) => {
          const w = width(family);
          const len = Math.min(k, w);
          const shift = s % (w - len + 1);
          const value = Number(big & ((1n << BigInt(len)) - 1n));
          const out = orBits(words, value, shift);
          expect(out).toHaveLength(words.length);
          expect(toBig(out)).toBe(toBig(words) | (BigInt(value) << BigInt(shift)));
          expect(out.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff)).toBe(true);
          const zero = words.map(() => 0);
          expect(extractBits(orBits(zero, value, shift), shift, shift + len)).toBe(value);
        },
      ),
      runs(1000),
    );
  });

  it('does not modify its input', () => {
    const input = [1, 2, 3, 4];
    orBits(input, 0xffff, 40);
    expect(input).toEqual([1, 2, 3, 4]);
  });

  it('writeOrBits writes what orBits returns into a typed array at an offset, and nothing else', () => {
    fc.assert(
      fc.property(
        wordsArb,
        fc.nat(),
        fc.integer({ min: 1, max: 53 }),
        fc.bigInt({ min: 0n, max: (1n << 53n) - 1n }),
        fc.integer({ min: 0, max: 3 }),
        ([family, words], s, k, big, at) => {
          const w = width(family);
          const len = Math.min(k, w);
          const shift = s % (w - len + 1);
          const value = Number(big & ((1n << BigInt(len)) - 1n));
          const out = new Uint32Array(at + words.length + 2).fill(0xdeadbeef);
          writeOrBits(words, value, shift, out, at);
          expect([...out.subarray(at, at + words.length)]).toEqual(orBits(words, value, shift));
          expect([...out.subarray(0, at), ...out.subarray(at + words.length)].every((x) => x === 0xdeadbeef)).toBe(true);
          const len2 = Math.min(k, w);
          expect(formatPrefixAt(family, out, at, len2)).toBe(formatPrefix({ family, words: orBits(words, value, shift), len: len2 }));
        },
      ),
      runs(2000),
    );
  });
});

describe('comparePrefixes', () => {
  it('orders IPv6 before IPv4, then by address, then shorter first', () => {
    const texts = ['10.1.0.0/16', '10.0.1.0/24', '2001:db8:8000::/33', '10.0.0.0/16', '10.0.0.0/8', '2001:db8::/64', '2001:db8::/33', '9.255.255.255/32'];
    const sorted = texts.map(parsePrefix).sort(comparePrefixes).map(formatPrefix);
    expect(sorted).toEqual(['2001:db8::/33', '2001:db8::/64', '2001:db8:8000::/33', '9.255.255.255/32', '10.0.0.0/8', '10.0.0.0/16', '10.0.1.0/24', '10.1.0.0/16']);
  });

  it('is a consistent total order matching (family, address, length)', () => {
    const key = (p: Prefix): [number, bigint, number] => [p.family === 'ipv6' ? 0 : 1, toBig(p.words), p.len];
    const oracle = (a: Prefix, b: Prefix): number => {
      const [fa, xa, la] = key(a);
      const [fb, xb, lb] = key(b);
      return fa - fb || (xa < xb ? -1 : xa > xb ? 1 : 0) || la - lb;
    };
    // The sign as -1, 0 or 1: `Math.sign` gives -0 for -0, and `toBe` tells -0 from 0 (Object.is).
    const sign = (x: number): number => (x > 0 ? 1 : x < 0 ? -1 : 0);
    const same = fc.clone(rawPrefix, 2);
    fc.assert(
      fc.property(fc.oneof(fc.tuple(rawPrefix, rawPrefix), same), ([a, b]) => {
        expect(sign(comparePrefixes(a, b))).toBe(sign(oracle(a, b)));
        expect(sign(comparePrefixes(b, a))).toBe(-sign(comparePrefixes(a, b)) || 0);
        if (sign(oracle(a, b)) === 0) expect(comparePrefixes(a, b)).toBe(0);
      }),
      // Equal prefixes always among the runs (random draws of two rarely are).
      { ...runs(1000), examples: [[[parsePrefix('10.0.0.0/8'), parsePrefix('10.0.0.0/8')]], [[parsePrefix('2001:db8::/33'), parsePrefix('2001:db8::/33')]]] },
    );
  });

  it('a parent sorts before everything inside it', () => {
    fc.assert(
      fc.property(alignedPrefix, fc.nat(), (p, n) => {
        const w = width(p.family);
        if (p.len === w) return;
        const len = p.len + 1 + (n % (w - p.len));
        // the last sub-prefix of that length inside p
        const host = BigInt(w - p.len);
        const last = truncate({ family: p.family, len, words: fromBig(toBig(p.words) | ((1n << host) - 1n), p.family) });
        const first = { ...p, len };
        expect(comparePrefixes(p, first)).toBeLessThan(0);
        expect(comparePrefixes(p, last)).toBeLessThan(0);
      }),
      runs(300),
    );
  });
});

describe('sizeOf / width', () => {
  it('counts addresses', () => {
    expect(width('ipv6')).toBe(128);
    expect(width('ipv4')).toBe(32);
    expect(sizeOf(parsePrefix('10.0.0.0/8'))).toBe(2 ** 24);
    expect(sizeOf(parsePrefix('10.0.0.0/28'))).toBe(16);
    expect(sizeOf(parsePrefix('192.0.2.1/32'))).toBe(1);
    expect(sizeOf(parsePrefix('2001:db8::/64'))).toBe(2 ** 64);
  });
});
