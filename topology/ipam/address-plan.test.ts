import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LedgerValidationError, LongyunError, PrefixExhaustedError, type Issue } from '../errors.js';
import type { Estate } from '../estate.js';
import { GANSU_DIR } from '../estate.test-helpers.js';
import { loadEstate, loadEstateFromSources, readEstateSources } from '../load.js';
import { contains, formatPrefix, isAligned, overlaps, parsePrefix, width, type Family } from '../prefix.js';
import { AddressPlan, hostCount } from './address-plan.js';
import { LEDGER_FILE, parseLedger, serializeLedger, type Allocation } from './ledger.js';
import { planViolations } from './plan.test-helpers.js';
import { requirementsOf } from './requirements.js';

const gansu = loadEstate(GANSU_DIR);
const LEDGER_PATH = join(GANSU_DIR, LEDGER_FILE);
const shippedText = readFileSync(LEDGER_PATH, 'utf8');
const shipped = parseLedger(shippedText, LEDGER_PATH);
const planeOrder = (e: Estate) => e.doc.planes.map((p) => p.id);
const FILE = 'edited/ledger.json';

function find(list: readonly Allocation[], plane: string, family: Family, owner: string): Allocation {
  const a = list.find((x) => x.plane === plane && x.family === family && x.owner === owner);
  if (!a) throw new Error(`no ${plane} ${family} allocation for ${owner}`);
  return a;
}

/** Builds `allocations` against `estate`, expecting a LedgerValidationError. */
function buildFails(allocations: Allocation[], estate: Estate = gansu, prune = false): LedgerValidationError {
  try {
    AddressPlan.build(estate, allocations, { file: FILE, prune });
  } catch (e) {
    expect(e).toBeInstanceOf(LedgerValidationError);
    return e as LedgerValidationError;
  }
  throw new Error('expected the ledger to be refused');
}

/**
 * Hand-edits the Gansu ledger: `edit` changes one entry of a copy (and returns it); the copy is
 * serialised with serializeLedger, parsed back and built. Returns the error and the edited entry's
 * index in the parsed ledger (what allocations[N] in a message refers to).
 */
function editGansu(edit: (list: Allocation[]) => Allocation): { err: LedgerValidationError; index: number; parsed: Allocation[] } {
  const list = structuredClone(shipped);
  const edited = edit(list);
  const parsed = parseLedger(serializeLedger('gansu', list, planeOrder(gansu)), FILE);
  const index = parsed.findIndex((a) => JSON.stringify(a) === JSON.stringify(edited));
  expect(index).toBeGreaterThanOrEqual(0);
  return { err: buildFails(parsed), index, parsed };
}

function issueAt(err: LedgerValidationError, path: string): Issue {
  const issue = err.issues.find((i) => i.path === path);
  if (!issue) throw new Error(`no issue at ${path}; issues:\n${err.message}`);
  expect(issue.file).toBe(FILE);
  expect(err.message).toContain(`${FILE}: ${path}: ${issue.message}`);
  return issue;
}

const indexOf = (list: readonly Allocation[], plane: string, family: Family, owner: string) =>
  list.findIndex((x) => x.plane === plane && x.family === family && x.owner === owner);

describe('the shipped Gansu ledger', () => {
  it('validates, is complete and sound, and needs nothing more', () => {
    const plan = AddressPlan.build(gansu, shipped, { file: LEDGER_PATH });
    expect(plan.allocations()).toHaveLength(requirementsOf(gansu).length);
    expect(planViolations(gansu, plan.allocations())).toEqual([]);
    expect(plan.allocateMissing().toArray()).toEqual([]);
    expect(plan.released).toEqual([]);
  });

  it('is in canonical form: serializing it gives back the same bytes', () => {
    expect(serializeLedger(gansu.name, shipped, planeOrder(gansu))).toBe(shippedText);
  });

  it('kept every allocation made before the standby clouds: theirs are new ranges of their own', () => {
    const standbys = new Set(gansu.doc.clouds.filter((c) => c.role === 'standby').map((c) => c.id));
    expect([...standbys].sort()).toEqual(['gansu-provincial-remote-dr', 'gansu-provincial-same-city-dr']);
    const added = shipped.filter((a) => standbys.has(a.owner));
    // One cloud range per standby, plane and family, under its DR centre's data-centre prefix.
    expect(added).toHaveLength(2 * 2 * 2);
    for (const a of added) {
      const centre = gansu.cloudById.get(a.owner)!.datacentre!;
      expect(a.level).toBe('cloud');
      expect(a.parent).toBe(find(shipped, a.plane, a.family, centre).prefix);
    }
    // The rest, serialized, is byte for byte the ledger before the standbys (commit 4bdd047),
    // whose sha256 this is: no allocation moved, none was released.
    const before = serializeLedger(gansu.name, shipped.filter((a) => !standbys.has(a.owner)), planeOrder(gansu));
    expect(createHash('sha256').update(before).digest('hex')).toBe('5f72b4cb550df5a3772afc13efcd9103be51b0452691e8d72ea49e4a21d2b170');
  });
});

describe('the plan, stored compactly', () => {
  it('answers get(), allocations() and allocateMissing() with the same objects, made when read', () => {
    const plan = AddressPlan.build(gansu, shipped, { file: LEDGER_PATH });
    const list = plan.allocations();
    expect(list.toArray()).toEqual(shipped);
    expect(list[0]).toBe(plan.get(shipped[0]!.plane, shipped[0]!.family, shipped[0]!.owner));
    expect(list.at(-1)).toBe(list[list.length - 1]);
    // JSON as the plain objects would give it (what `plan -o json` and `ipam export` print).
    expect(JSON.stringify(list)).toBe(JSON.stringify(shipped));
    const fresh = AddressPlan.build(gansu, [], { file: FILE });
    const added = fresh.allocateMissing();
    expect(added[0]).toBe(fresh.allocations()[0]);
    expect(added[0]).toEqual({ plane: 'plane-1', family: 'ipv6', owner: 'gansu', level: 'province', prefix: '2001:db8::/33', parent: null });
    expect(serializeLedger(gansu.name, added, planeOrder(gansu))).toBe(shippedText);
  });

  it('writes a ledger holding allocations under a service (explicit requirements) as the objects would be written', () => {
    const plan = AddressPlan.build(gansu, shipped, { file: LEDGER_PATH });
    const video = find(shipped, 'plane-1', 'ipv4', 'lanzhou-chengguan/video');
    const extra = plan.allocateMissing([{ plane: 'plane-1', family: 'ipv4', owner: 'extra/camera', level: 'service', parentOwner: video.owner, length: parsePrefix(video.prefix).len + 1 }]);
    expect(extra.toArray()).toEqual([{ plane: 'plane-1', family: 'ipv4', owner: 'extra/camera', level: 'service', prefix: formatPrefix({ ...parsePrefix(video.prefix), len: parsePrefix(video.prefix).len + 1 }), parent: video.prefix }]);
    const text = serializeLedger(gansu.name, plan.allocations(), planeOrder(gansu));
    expect(text).toBe(serializeLedger(gansu.name, plan.allocations().toArray(), planeOrder(gansu)));
    expect(text).not.toBe(shippedText);
  });

  it('writes text that UTF-8 cannot carry (a lone surrogate) as it is', () => {
    const a: Allocation = { plane: 'p\u{1F600}', family: 'ipv4', owner: 'o\uD800', level: 'service', prefix: '10.0.0.0/8', parent: '\uDC00' };
    expect(serializeLedger('e', [a], [])).toBe(
      `{\n  "version": 1,\n  "estate": "e",\n  "allocations": [\n    {"plane": "p\u{1F600}", "family": "ipv4", "owner": "o\\ud800", "level": "service", "prefix": "10.0.0.0/8", "parent": "\uDC00"}\n  ]\n}\n`,
    );
  });
});

describe('validation of a hand-edited ledger', () => {
  it('rejects an allocation overlapping a sibling of another length', () => {
    const { err, index, parsed } = editGansu((list) => {
      const a = find(list, 'plane-1', 'ipv6', 'gansu/dns');
      a.prefix = '2001:db8:10:5::/64'; // inside lanzhou's /44, a sibling under the root
      return a;
    });
    expect(err.issues).toHaveLength(1);
    const m = issueAt(err, `allocations[${index}].prefix`).message;
    const lanzhou = find(parsed, 'plane-1', 'ipv6', 'lanzhou');
    expect(m).toContain(`overlaps allocations[${indexOf(parsed, 'plane-1', 'ipv6', 'lanzhou')}] (${lanzhou.prefix}, owner "lanzhou")`);
  });

  it('rejects two siblings with the same prefix', () => {
    const { err, index, parsed } = editGansu((list) => {
      const a = find(list, 'plane-2', 'ipv4', 'lanzhou-qilihe');
      a.prefix = find(list, 'plane-2', 'ipv4', 'lanzhou-chengguan').prefix;
      return a;
    });
    const m = issueAt(err, `allocations[${index}].prefix`).message;
    expect(m).toContain(`overlaps allocations[${indexOf(parsed, 'plane-2', 'ipv4', 'lanzhou-chengguan')}]`);
    expect(m).toContain('"lanzhou-chengguan"');
  });

  it('rejects a prefix outside its parent', () => {
    const { err, index } = editGansu((list) => {
      const a = find(list, 'plane-1', 'ipv6', 'lanzhou-chengguan/office');
      const county = parsePrefix(a.parent!);
      // The /64 right after the county's /48.
      const next = { ...county, len: 64, words: [county.words[0]!, county.words[1]! + 0x10000, 0, 0] };
      a.prefix = formatPrefix(next);
      expect(contains(county, next)).toBe(false);
      return a;
    });
    expect(err.issues).toHaveLength(1);
    expect(issueAt(err, `allocations[${index}].prefix`).message).toContain('is outside its parent');
  });

  it('rejects a misaligned prefix, naming the aligned one', () => {
    const { err, index } = editGansu((list) => {
      const a = find(list, 'plane-1', 'ipv4', 'lanzhou-chengguan/video');
      const p = parsePrefix(a.prefix);
      a.prefix = `${formatPrefix({ ...p, len: 32, words: [p.words[0]! + 3] }).split('/')[0]}/${p.len}`;
      return a;
    });
    expect(err.issues).toHaveLength(1);
    const m = issueAt(err, `allocations[${index}].prefix`).message;
    expect(m).toContain('misaligned');
    expect(m).toContain(find(shipped, 'plane-1', 'ipv4', 'lanzhou-chengguan/video').prefix);
  });

  it('rejects an entry whose family does not match its prefix', () => {
    const { err, index } = editGansu((list) => {
      const a = find(list, 'plane-1', 'ipv6', 'lanzhou-chengguan/office');
      a.family = 'ipv4';
      return a;
    });
    expect(err.issues).toHaveLength(1);
    const issue = err.issues[0]!;
    expect(issue.path).toMatch(new RegExp(`^allocations\\[${index}\\]\\.(prefix|family)$`));
    expect(issue.message).toContain('ipv6');
    expect(issue.message).toContain('"ipv4"');
  });

  it('rejects an unknown plane, with a suggestion and the way out', () => {
    const { err, index } = editGansu((list) => {
      const a = find(list, 'plane-1', 'ipv6', 'lanzhou-chengguan/office');
      a.plane = 'plane-3';
      return a;
    });
    expect(err.issues).toHaveLength(1);
    const m = issueAt(err, `allocations[${index}].plane`).message;
    expect(m).toContain('unknown plane "plane-3"');
    expect(m).toMatch(/did you mean "plane-[12]"/);
    expect(m).toContain('--prune');
  });

  it('rejects an unknown owner, with a suggestion', () => {
    const { err, index } = editGansu((list) => {
      const a = find(list, 'plane-2', 'ipv6', 'lanzhou-chengguan/office');
      a.owner = 'lanzhou-chengguan/ofice';
      return a;
    });
    expect(err.issues).toHaveLength(1);
    const m = issueAt(err, `allocations[${index}].owner`).message;
    expect(m).toContain('unknown owner "lanzhou-chengguan/ofice" (did you mean "lanzhou-chengguan/office"?)');
    expect(m).toContain('--prune');
  });

  it('rejects a duplicate owner, naming the other entry', () => {
    const { err, index, parsed } = editGansu((list) => {
      const a = find(list, 'plane-1', 'ipv6', 'gansu/dns');
      a.owner = 'gansu/core';
      return a;
    });
    expect(err.issues).toHaveLength(1);
    const first = parsed.findIndex((a, i) => i !== index && a.plane === 'plane-1' && a.family === 'ipv6' && a.owner === 'gansu/core');
    // Either of the two entries may be the one reported; the message names the other.
    const [reported, other] = err.issues[0]!.path === `allocations[${index}].owner` ? [index, first] : [first, index];
    const m = issueAt(err, `allocations[${reported}].owner`).message;
    expect(m).toContain(`"gansu/core" already has an ipv6 allocation on plane-1 (allocations[${other}]`);
  });

  it('rejects an entry whose level does not match its owner', () => {
    const { err, index } = editGansu((list) => {
      const a = find(list, 'plane-1', 'ipv4', 'lanzhou-chengguan');
      a.level = 'township';
      return a;
    });
    expect(issueAt(err, `allocations[${index}].level`).message).toContain('"county"');
  });

  it('rejects a parent that belongs to another owner, and a null parent below the root', () => {
    let r = editGansu((list) => {
      const a = find(list, 'plane-1', 'ipv4', 'lanzhou-chengguan/office');
      a.parent = find(list, 'plane-1', 'ipv4', 'lanzhou-qilihe').prefix;
      return a;
    });
    expect(issueAt(r.err, `allocations[${r.index}].parent`).message).toContain('belongs to "lanzhou-qilihe"');
    r = editGansu((list) => {
      const a = find(list, 'plane-1', 'ipv4', 'lanzhou-chengguan/office');
      a.parent = null;
      return a;
    });
    expect(issueAt(r.err, `allocations[${r.index}].parent`).message).toContain('"lanzhou-chengguan"');
  });

  it('rejects a plane root that changed in the estate', () => {
    const sources = readEstateSources(GANSU_DIR).map((s) =>
      s.file.endsWith('extranet.yaml') ? { ...s, text: s.text.replace('ipv6: 2001:db8::/33', 'ipv6: 2001:db8::/34') } : s,
    );
    const moved = loadEstateFromSources(sources, GANSU_DIR);
    expect(moved.planeById.get('plane-1')!.ipv6).toBe('2001:db8::/34');
    const err = buildFails(shipped, moved);
    const root = indexOf(shipped, 'plane-1', 'ipv6', 'gansu');
    const m = issueAt(err, `allocations[${root}].prefix`).message;
    expect(m).toContain('2001:db8::/33 is not the ipv6 root of plane-1, 2001:db8::/34');
    expect(m).toContain(`${join(GANSU_DIR, 'extranet.yaml')}: planes[0].ipv6`);
    // Nothing of plane-1 ipv6 is accepted below a root that is not there; other tables are fine.
    for (const i of err.issues) expect(shipped[Number(/\[(\d+)\]/.exec(i.path)![1])]).toMatchObject({ plane: 'plane-1', family: 'ipv6' });
  });

  it('rejects a root entry whose prefix was edited', () => {
    const { err, index } = editGansu((list) => {
      const a = find(list, 'plane-2', 'ipv4', 'gansu');
      a.prefix = '10.128.0.0/10';
      return a;
    });
    expect(issueAt(err, `allocations[${index}].prefix`).message).toContain('is not the ipv4 root of plane-2, 10.128.0.0/9');
  });

  it('rejects text that is not a prefix', () => {
    const list = structuredClone(shipped);
    const i = indexOf(list, 'plane-1', 'ipv6', 'lanzhou-chengguan/video');
    list[i]!.prefix = 'lanzhou-chengguan';
    const err = buildFails(list);
    expect(err.issues).toHaveLength(1);
    issueAt(err, `allocations[${i}].prefix`);
  });

  it('reports schema errors of an entry with their path', () => {
    const doc = JSON.parse(shippedText) as { allocations: Array<Record<string, unknown>> };
    doc.allocations[5]!.colour = 'red';
    doc.allocations[7]!.family = 'ipv5';
    try {
      parseLedger(JSON.stringify(doc, null, 2), FILE);
      throw new Error('parsed');
    } catch (e) {
      expect(e).toBeInstanceOf(LedgerValidationError);
      const paths = (e as LedgerValidationError).issues.map((x) => x.path);
      expect(paths).toContain('allocations[5].colour');
      expect(paths).toContain('allocations[7].family');
    }
  });

  function jsonError(text: string): Issue {
    let err: unknown;
    try {
      parseLedger(text, FILE);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LedgerValidationError);
    const issues = (err as LedgerValidationError).issues;
    expect(issues).toHaveLength(1);
    expect(issues[0]!.file).toBe(FILE);
    expect(issues[0]!.message).toContain('is not valid JSON');
    expect(issues[0]!.message).toContain('never overwritten');
    return issues[0]!;
  }

  it('rejects invalid JSON (a missing comma), naming the line', () => {
    const lines = shippedText.split('\n');
    const k = 700; // an allocation line in the middle: drop its trailing comma
    expect(lines[k]).toMatch(/},$/);
    lines[k] = lines[k]!.slice(0, -1);
    expect(jsonError(lines.join('\n')).message).toMatch(new RegExp(`at line (${k + 1}|${k + 2})\\b`));
  });

  // The most common hand edit: deleting the last entry leaves a trailing comma before "]". On
  // Node 20 V8 reports this as "Unexpected token ']', ... is not valid JSON" with no position, so
  // parseLedger's /position (\d+)/ finds nothing and the 1686-line file gets no line number.
  it('rejects invalid JSON (a trailing comma before "]"), naming the line', () => {
    const lines = shippedText.split('\n');
    const close = lines.indexOf('  ]');
    lines[close - 1] = `${lines[close - 1]},`;
    expect(jsonError(lines.join('\n')).message).toMatch(new RegExp(`at line (${close}|${close + 1})\\b`));
  });

  it('treats a missing or blank ledger as empty', () => {
    expect(parseLedger(undefined, FILE)).toEqual([]);
    expect(parseLedger('  \n', FILE)).toEqual([]);
  });

  it('rejects an unknown ledger version', () => {
    expect(() => parseLedger(shippedText.replace('"version": 1', '"version": 2'), FILE)).toThrow(LedgerValidationError);
  });
});

// A tiny IPv4-only estate: one plane with root 10.0.0.0/16, municipal /17 and county /21 (16 per
// municipal unit), no services.
function tiny(counties: number, sizes = 'municipal: 17, county: 21', municipal = 1): Estate {
  const units = ['  - { id: prov, level: province, name: { zh: 省, en: P } }'];
  for (let m = 0; m < municipal; m++) units.push(`  - { id: m${m}, level: municipal, parent: prov, name: { zh: 市, en: M } }`);
  for (let c = 1; c <= counties; c++) units.push(`  - { id: c${c}, level: county, parent: m0, name: { zh: 县, en: C } }`);
  const text = `estate: { name: tiny }
ipam:
  sizes: { ipv4: { ${sizes} } }
planes:
  - { id: p1, name: { zh: 平面, en: P1 }, physical: fibre, ipv4: 10.0.0.0/16 }
units:
${units.join('\n')}
`;
  return loadEstateFromSources([{ file: 'tiny.yaml', text }]);
}

function exhaustion(estate: Estate): PrefixExhaustedError {
  const plan = AddressPlan.build(estate, [], { file: FILE });
  try {
    plan.allocateMissing();
  } catch (e) {
    expect(e).toBeInstanceOf(PrefixExhaustedError);
    expect(e).toBeInstanceOf(LongyunError);
    return e as PrefixExhaustedError;
  }
  throw new Error('expected PrefixExhaustedError');
}

describe('exhaustion', () => {
  it('16 counties fill a /17 with /21s exactly', () => {
    const estate = tiny(16);
    const plan = AddressPlan.build(estate, [], { file: FILE });
    plan.allocateMissing();
    expect(planViolations(estate, plan.allocations())).toEqual([]);
    const counties = plan.allocations().filter((a) => a.level === 'county');
    expect(counties).toHaveLength(16);
    expect(new Set(counties.map((a) => a.prefix)).size).toBe(16);
    expect(plan.fullest('p1', 'ipv4')).toEqual({ owner: 'm0', prefix: '10.0.0.0/17', used: 1 });
  });

  it('a 17th county is a typed error naming the parent prefix and the config key', () => {
    const err = exhaustion(tiny(17));
    expect(err.plane).toBe('p1');
    expect(err.family).toBe('ipv4');
    expect(err.owner).toBe('c17');
    expect(err.parent).toBe('10.0.0.0/17');
    expect(err.length).toBe(21);
    expect(err.message).toContain('10.0.0.0/17');
    expect(err.message).toContain('ipam.sizes.ipv4.county');
    expect(err.message).toContain('"c17"');
    expect(err.message).toContain('100%');
  });

  it('too many municipal units exhaust the plane root', () => {
    const err = exhaustion(tiny(0, 'municipal: 17, county: 21', 3));
    expect(err.parent).toBe('10.0.0.0/16');
    expect(err.owner).toBe('m2');
    expect(err.message).toContain('ipam.sizes.ipv4.municipal');
  });

  it('a size that cannot fit inside its parent names the key and the bound', () => {
    const err = exhaustion(tiny(1, 'municipal: 17, county: 17'));
    expect(err.parent).toBe('10.0.0.0/17');
    expect(err.message).toContain('ipam.sizes.ipv4.county');
    expect(err.message).toContain('above 17');
  });

  it('exhaustion leaves allocations() untouched', () => {
    const plan = AddressPlan.build(tiny(17), [], { file: FILE });
    expect(() => plan.allocateMissing()).toThrow(PrefixExhaustedError);
    expect(plan.allocations().toArray()).toEqual([]);
  });
});

// The schema allows IPv6 service subnets up to /128; Kubernetes service ranges are often a /112
// and point-to-point links a /127. PrefixNode counts in units of 2^(hostBits - 52) addresses, so
// under a /33 a unit is 2^43 addresses: finer prefixes must still be allocatable and distinguishable.
describe('IPv6 prefixes longer than /64 (RIPE-690: /64 is the smallest subnet)', () => {
  const source = (service: number) => ({
    file: 'fine.yaml',
    text: `estate: { name: fine }
ipam:
  sizes: { ipv6: { service: ${service} } }
  services: { province: [core, dns], county: [office] }
planes:
  - { id: p1, name: { zh: 平面, en: P1 }, physical: fibre, ipv6: "2001:db8::/33" }
units:
  - { id: prov, level: province, name: { zh: 省, en: P } }
  - { id: m1, level: municipal, parent: prov, name: { zh: 市, en: M } }
  - { id: c1, level: county, parent: m1, name: { zh: 县, en: C } }
`,
  });

  it.each([65, 112, 127])('a configured /%i is refused at load, naming the setting', (len) => {
    expect(() => loadEstateFromSources([source(len)])).toThrow(/fine\.yaml: ipam\.sizes\.ipv6\.service: .*64/);
  });

  it('/64 service subnets allocate under the /33 root and under a /48', () => {
    const estate = loadEstateFromSources([source(64)]);
    const plan = AddressPlan.build(estate, [], { file: FILE });
    plan.allocateMissing();
    expect(planViolations(estate, plan.allocations())).toEqual([]);
  });

  it('a hand-written /112 in the ledger is a clear error, not a false overlap', () => {
    const estate = loadEstateFromSources([source(64)]);
    const ledger: Allocation[] = [
      { plane: 'p1', family: 'ipv6', owner: 'prov', level: 'province', prefix: '2001:db8::/33', parent: null },
      { plane: 'p1', family: 'ipv6', owner: 'prov/core', level: 'service', prefix: '2001:db8::/112', parent: '2001:db8::/33' },
      { plane: 'p1', family: 'ipv6', owner: 'prov/dns', level: 'service', prefix: '2001:db8::1:0/112', parent: '2001:db8::/33' },
    ];
    expect(overlaps(parsePrefix(ledger[1]!.prefix), parsePrefix(ledger[2]!.prefix))).toBe(false);
    const err = (() => {
      try {
        AddressPlan.build(estate, ledger, { file: FILE });
      } catch (e) {
        return e as LedgerValidationError;
      }
      throw new Error('expected a LedgerValidationError');
    })();
    expect(err).toBeInstanceOf(LedgerValidationError);
    expect(err.issues.map((x) => x.path)).toEqual(['allocations[1].prefix', 'allocations[2].prefix']);
    expect(err.issues[0]!.message).toMatch(/longer than \/64/);
    expect(err.message).not.toMatch(/overlaps/);
  });
});

describe('whois and utilisation on the Gansu plan', () => {
  const plan = AddressPlan.build(gansu, shipped, { file: LEDGER_PATH });

  it('answers the service subnet holding an address, with the chain province → municipal → county → service', () => {
    for (const [plane, family] of [['plane-1', 'ipv6'], ['plane-2', 'ipv4']] as const) {
      const video = find(shipped, plane, family, 'lanzhou-chengguan/video');
      const p = parsePrefix(video.prefix);
      const last = { ...p, len: width(family), words: p.words.map((w, i) => (i === p.words.length - 1 ? (w | (family === 'ipv4' ? 0xf : 0xffff)) >>> 0 : w)) };
      const answer = plan.whois(formatPrefix(last).split('/')[0]!);
      expect(answer?.allocation).toEqual(video);
      expect(answer?.chain.map((a) => a.owner)).toEqual(['gansu', 'lanzhou', 'lanzhou-chengguan', 'lanzhou-chengguan/video']);
      expect(answer?.chain.every((a) => a.plane === plane && a.family === family)).toBe(true);
    }
  });

  // The ledger is hand-editable; "2001:DB8:10::/44" is the same prefix as "2001:db8:10::/44".
  // Either validation refuses the spelling, or the plan understands it everywhere.
  it('a prefix spelt differently by hand is refused or understood (whois still gives the chain from the root)', () => {
    const list = structuredClone(shipped);
    const i = indexOf(list, 'plane-1', 'ipv6', 'lanzhou');
    list[i]!.prefix = list[i]!.prefix.toUpperCase();
    let edited: AddressPlan;
    try {
      edited = AddressPlan.build(gansu, list, { file: FILE });
    } catch (e) {
      expect(e).toBeInstanceOf(LedgerValidationError);
      issueAt(e as LedgerValidationError, `allocations[${i}].prefix`);
      return;
    }
    const video = find(list, 'plane-1', 'ipv6', 'lanzhou-chengguan/video');
    const answer = edited.whois(video.prefix.replace('::/64', '::1'));
    expect(answer?.allocation).toEqual(video);
    expect(answer?.chain.map((a) => a.owner)).toEqual(['gansu', 'lanzhou', 'lanzhou-chengguan', 'lanzhou-chengguan/video']);
  });

  it('answers nothing outside every plane', () => {
    expect(plan.whois('192.0.2.1')).toBeUndefined();
    expect(plan.whois('2001:db9::1')).toBeUndefined();
  });

  it('reports root utilisation as the share of the root given to its children', () => {
    for (const plane of ['plane-1', 'plane-2']) {
      for (const family of ['ipv6', 'ipv4'] as const) {
        const table = shipped.filter((a) => a.plane === plane && a.family === family);
        const root = table.find((a) => a.parent === null)!;
        const w = BigInt(width(family));
        const size = (prefix: string) => 1n << (w - BigInt(parsePrefix(prefix).len));
        const used = table.filter((a) => a.parent === root.prefix).reduce((s, a) => s + size(a.prefix), 0n);
        const u = plan.rootUtilisation(plane, family)!;
        expect(u.prefix).toBe(root.prefix);
        expect(u.count).toBe(table.length);
        expect(u.used).toBeCloseTo(Number(used) / Number(size(root.prefix)), 12);
      }
    }
  });

  it('every allocation is aligned and hostCount is its size', () => {
    for (const a of shipped) {
      const p = parsePrefix(a.prefix);
      expect(isAligned(p)).toBe(true);
      expect(hostCount(a.prefix)).toBe(2 ** (width(p.family) - p.len));
    }
  });
});

describe('the plan checker used by the property tests', () => {
  it('notices a moved, a missing and an overlapping allocation', () => {
    const list = structuredClone(shipped);
    const office = find(list, 'plane-1', 'ipv4', 'lanzhou-chengguan/office');
    office.prefix = find(list, 'plane-1', 'ipv4', 'lanzhou-chengguan/video').prefix;
    const without = list.filter((a) => !(a.plane === 'plane-2' && a.family === 'ipv6' && a.owner === 'jiuquan'));
    const v = planViolations(gansu, without);
    expect(v.some((x) => x.includes('plane-2|ipv6|jiuquan: 0 allocations'))).toBe(true);
    expect(v.some((x) => x.includes('overlaps') && x.includes('lanzhou-chengguan/office'))).toBe(true);
  });
});
