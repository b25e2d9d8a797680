import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { EstateValidationError, formatIssue, type Issue } from './errors.js';
import { copyGansu, editText, editYaml, GANSU_DIR, makeTempDir, removeDir } from './estate.test-helpers.js';
import { loadEstate, loadEstateFromSources, readEstateSources } from './load.js';
import { CLOUD_KINDS, DC_ROLES, UNIT_LEVELS } from './schema.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) removeDir(dirs.pop()!);
});
function tempGansu(): string {
  const dir = copyGansu();
  dirs.push(dir);
  return dir;
}

/** Loads `dir`, expecting an EstateValidationError; returns it. */
function loadFails(dir: string): EstateValidationError {
  try {
    loadEstate(dir);
  } catch (e) {
    expect(e).toBeInstanceOf(EstateValidationError);
    const err = e as EstateValidationError;
    // The message is the formatted issues, one per line.
    expect(err.message).toBe(err.issues.map(formatIssue).join('\n'));
    return err;
  }
  throw new Error(`expected ${dir} not to load`);
}

/** Index of the item with `id` in a collection of a YAML file of the shipped estate. */
function indexIn(file: string, key: string, id: string): number {
  const data = parseYaml(readFileSync(join(GANSU_DIR, file), 'utf8')) as Record<string, Array<{ id: string }>>;
  const i = data[key]!.findIndex((x) => x.id === id);
  expect(i).toBeGreaterThanOrEqual(0);
  return i;
}

const minimal = `estate: { name: t }
units:
  - { id: prov, level: province, name: { zh: 省, en: P } }
  - { id: m1, level: municipal, parent: prov, name: { zh: 市, en: M } }
`;

describe('the shipped Gansu estate', () => {
  const estate = loadEstate(GANSU_DIR);

  it('has 1 province, 15 municipal units and 86 counties (102 units) and 19 clouds plus 2 standbys', () => {
    expect(estate.name).toBe('gansu');
    expect(estate.doc.units).toHaveLength(102);
    expect(estate.unitsAt('province')).toHaveLength(1);
    expect(estate.unitsAt('municipal')).toHaveLength(15);
    expect(estate.unitsAt('county')).toHaveLength(86);
    expect(estate.unitsAt('township')).toHaveLength(0);
    expect(estate.doc.clouds).toHaveLength(21);
    expect(estate.doc.clouds.filter((c) => c.role !== 'standby')).toHaveLength(19);
    expect(estate.doc.clouds.filter((c) => c.kind === 'provincial' && c.role !== 'standby')).toHaveLength(1);
    expect(estate.doc.clouds.filter((c) => c.kind === 'municipal')).toHaveLength(15);
    expect(estate.province()?.id).toBe('gansu');
  });

  it('has the provincial cloud\'s standbys in the same-city and remote DR centres, each with room for its DR tenants', () => {
    const standbys = estate.doc.clouds.filter((c) => c.role === 'standby');
    expect(standbys.map((c) => [c.id, c.kind, c.unit, c.datacentre, estate.datacentreById.get(c.datacentre!)?.role, c.protects])).toEqual([
      ['gansu-provincial-same-city-dr', 'provincial', 'gansu', 'dc-lanzhou-new-area-dr', 'same-city-dr', ['gansu-provincial']],
      ['gansu-provincial-remote-dr', 'provincial', 'gansu', 'dc-qingyang-dr', 'remote-dr', ['gansu-provincial']],
    ]);
    for (const s of standbys) {
      const centre = estate.datacentreById.get(s.datacentre!)!.role;
      const cpu = estate.doc.tenants.filter((t) => t.node === 'gansu-provincial' && t.dr?.centres.includes(centre as 'same-city-dr')).reduce((n, t) => n + Number(t.quota.cpu), 0);
      expect(cpu).toBeGreaterThan(0);
      expect(s.capacity.vcpu).toBeGreaterThanOrEqual(cpu);
    }
  });

  it('has two planes with disjoint roots in both families, and three data centres', () => {
    expect(estate.doc.planes.map((p) => p.id)).toEqual(['plane-1', 'plane-2']);
    expect(estate.doc.datacentres.map((d) => d.role).sort()).toEqual(['production', 'remote-dr', 'same-city-dr']);
  });

  it('builds a consistent hierarchy: every county under a municipal unit, every municipal unit under the province', () => {
    for (const u of estate.unitsAt('county')) expect(estate.unitById.get(u.parent!)?.level).toBe('municipal');
    for (const u of estate.unitsAt('municipal')) expect(u.parent).toBe('gansu');
    const counted = estate.unitsAt('municipal').reduce((n, m) => n + estate.children(m.id).length, 0);
    expect(counted).toBe(86);
    expect(estate.children('gansu')).toHaveLength(15);
    expect(estate.ancestorAt('lanzhou-chengguan', 'province')?.id).toBe('gansu');
    expect(estate.ancestorAt('lanzhou-chengguan', 'municipal')?.id).toBe('lanzhou');
    expect(estate.ancestorAt('lanzhou-chengguan', 'county')?.id).toBe('lanzhou-chengguan');
    expect(estate.ancestorAt('lanzhou', 'county')).toBeUndefined();
  });

  it('remembers where each entity was declared', () => {
    const cloud = estate.doc.clouds[3]!;
    expect(estate.where(cloud)).toEqual({ file: join(GANSU_DIR, 'clouds.yaml'), path: 'clouds[3]' });
    expect(estate.fieldOf(cloud, 'unit')).toEqual({ file: join(GANSU_DIR, 'clouds.yaml'), path: 'clouds[3].unit' });
    const i = indexIn('units.yaml', 'units', 'lanzhou-new-area');
    expect(estate.where(estate.unitById.get('lanzhou-new-area')!)).toEqual({ file: join(GANSU_DIR, 'units.yaml'), path: `units[${i}]` });
  });

  it('reads only the YAML files of the directory, in name order', () => {
    const files = readEstateSources(GANSU_DIR).map((s) => s.file);
    expect(files).toEqual(['clouds.yaml', 'datacentres.yaml', 'departments.yaml', 'estate.yaml', 'extranet.yaml', 'tenants.yaml', 'units.yaml'].map((f) => join(GANSU_DIR, f)));
  });
});

describe('loading a broken estate directory', () => {
  it('names the file, path and a suggestion for an unknown unit reference', () => {
    const dir = tempGansu();
    editYaml(dir, 'clouds.yaml', (doc) => doc.setIn(['clouds', 3, 'unit'], 'lanzhou-xinqu'));
    const err = loadFails(dir);
    const file = join(dir, 'clouds.yaml');
    expect(err.issues).toEqual([{ file, path: 'clouds[3].unit', message: 'unknown unit "lanzhou-xinqu" (did you mean "lanzhou-new-area"?)' }]);
    expect(err.message).toBe(`${file}: clouds[3].unit: unknown unit "lanzhou-xinqu" (did you mean "lanzhou-new-area"?)`);
  });

  it('suggests the intended unit for a misspelt reference', () => {
    const dir = tempGansu();
    editYaml(dir, 'clouds.yaml', (doc) => doc.setIn(['clouds', 3, 'unit'], 'jinchnag'));
    const err = loadFails(dir);
    expect(err.issues).toEqual([{ file: join(dir, 'clouds.yaml'), path: 'clouds[3].unit', message: 'unknown unit "jinchnag" (did you mean "jinchang"?)' }]);
  });

  it('reports every dangling reference at once, across files', () => {
    const dir = tempGansu();
    editYaml(dir, 'clouds.yaml', (doc) => doc.setIn(['clouds', 0, 'datacentre'], 'dc-lanzhou-prod'));
    editYaml(dir, 'departments.yaml', (doc) => doc.setIn(['departments', 1, 'unit'], 'nowhere-at-all'));
    const err = loadFails(dir);
    expect(err.issues).toHaveLength(2);
    expect(err.issues).toContainEqual({
      file: join(dir, 'clouds.yaml'),
      path: 'clouds[0].datacentre',
      message: 'unknown data centre "dc-lanzhou-prod" (did you mean "dc-lanzhou-production"?)',
    });
    expect(err.issues).toContainEqual({ file: join(dir, 'departments.yaml'), path: 'departments[1].unit', message: 'unknown unit "nowhere-at-all"' });
  });

  it('rejects an unknown field, naming it and the allowed fields', () => {
    const dir = tempGansu();
    editYaml(dir, 'units.yaml', (doc) => doc.setIn(['units', 5, 'colour'], 'red'));
    const err = loadFails(dir);
    expect(err.issues).toHaveLength(1);
    const [issue] = err.issues as [Issue];
    expect(issue.file).toBe(join(dir, 'units.yaml'));
    expect(issue.path).toBe('units[5].colour');
    expect(issue.message).toMatch(/^unknown field "colour"/);
    expect(issue.message).toContain('allowed fields: id, level, parent, name, code, kind, seat, location');
  });

  it('suggests the right name for a misspelt field', () => {
    const dir = tempGansu();
    editYaml(dir, 'datacentres.yaml', (doc) => {
      const dc = doc.getIn(['datacentres', 1]) as { set(k: string, v: unknown): void; delete(k: string): boolean };
      dc.delete('metro');
      dc.set('metor', 'lanzhou');
    });
    const err = loadFails(dir);
    const paths = err.issues.map((i) => i.path);
    expect(paths).toContain('datacentres[1].metor');
    const issue = err.issues.find((i) => i.path === 'datacentres[1].metor')!;
    expect(issue.file).toBe(join(dir, 'datacentres.yaml'));
    expect(issue.message).toContain('unknown field "metor" (did you mean "metro"?)');
    // The now missing required field is reported too.
    expect(paths).toContain('datacentres[1].metro');
  });

  it('rejects an unknown top-level key with a suggestion', () => {
    const dir = tempGansu();
    editText(dir, 'departments.yaml', (t) => t.replace(/^departments:/m, 'deparments:'));
    const err = loadFails(dir);
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]!.path).toBe('deparments');
    expect(err.issues[0]!.message).toContain('(did you mean "departments"?)');
  });

  it('reports a duplicate id across files, naming both places', () => {
    const dir = tempGansu();
    // datacentres.yaml sorts before units.yaml, so its declaration is the first one.
    editText(
      dir,
      'datacentres.yaml',
      (t) => `${t}units:\n  - id: lanzhou-chengguan\n    level: county\n    parent: lanzhou\n    name: { zh: 城关区, en: Chengguan }\n`,
    );
    const err = loadFails(dir);
    const i = indexIn('units.yaml', 'units', 'lanzhou-chengguan');
    expect(err.issues).toHaveLength(1);
    const [issue] = err.issues as [Issue];
    expect(issue.file).toBe(join(dir, 'units.yaml'));
    expect(issue.path).toBe(`units[${i}].id`);
    expect(issue.message).toContain('duplicate id "lanzhou-chengguan"');
    expect(issue.message).toContain(`${join(dir, 'datacentres.yaml')}: units[0]`);
  });

  it('reports a duplicate id within one file, naming both places', () => {
    const dir = tempGansu();
    editYaml(dir, 'clouds.yaml', (doc) => doc.setIn(['clouds', 7, 'id'], 'lanzhou-cloud'));
    const err = loadFails(dir);
    const first = indexIn('clouds.yaml', 'clouds', 'lanzhou-cloud');
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({ file: join(dir, 'clouds.yaml'), path: 'clouds[7].id' });
    expect(err.issues[0]!.message).toContain(`duplicate id "lanzhou-cloud" (first declared at ${join(dir, 'clouds.yaml')}: clouds[${first}])`);
  });

  it('rejects a data centre whose id is also a unit id', () => {
    const dir = tempGansu();
    editYaml(dir, 'datacentres.yaml', (doc) => doc.setIn(['datacentres', 2, 'id'], 'qingyang'));
    editText(dir, 'clouds.yaml', (t) => t.replaceAll('datacentre: dc-qingyang-dr', 'datacentre: qingyang'));
    editText(dir, 'extranet.yaml', (t) => t.replaceAll('datacentre: dc-qingyang-dr', 'datacentre: qingyang'));
    const err = loadFails(dir);
    expect(err.issues.map((i) => i.path)).toEqual(['datacentres[2].id']);
    expect(err.issues[0]!.message).toContain('units and data centres share one id space');
  });

  it('lists the allowed values of an enum, with a suggestion', () => {
    const dir = tempGansu();
    editYaml(dir, 'clouds.yaml', (doc) => doc.setIn(['clouds', 2, 'kind'], 'municiple'));
    const err = loadFails(dir);
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({ file: join(dir, 'clouds.yaml'), path: 'clouds[2].kind' });
    const m = err.issues[0]!.message;
    for (const k of CLOUD_KINDS) expect(m).toContain(k);
    expect(m).toContain('"municiple"');
    expect(m).toContain('(did you mean "municipal"?)');
  });

  it('lists the allowed values of an enum for a unit level and a data-centre role', () => {
    const dir = tempGansu();
    editYaml(dir, 'units.yaml', (doc) => doc.setIn(['units', 4, 'level'], 'district'));
    editYaml(dir, 'datacentres.yaml', (doc) => doc.setIn(['datacentres', 0, 'role'], 'backup'));
    const err = loadFails(dir);
    const level = err.issues.find((i) => i.path === 'units[4].level');
    const role = err.issues.find((i) => i.path === 'datacentres[0].role');
    expect(level?.file).toBe(join(dir, 'units.yaml'));
    expect(role?.file).toBe(join(dir, 'datacentres.yaml'));
    for (const l of UNIT_LEVELS) expect(level?.message).toContain(l);
    for (const r of DC_ROLES) expect(role?.message).toContain(r);
  });

  it('names file:line of a YAML syntax error', () => {
    const dir = tempGansu();
    const lines = readFileSync(join(dir, 'clouds.yaml'), 'utf8').split('\n');
    const n = lines.findIndex((l) => l === '    unit: lanzhou');
    expect(n).toBeGreaterThan(0);
    lines[n] = '    unit: lanzhou: oops';
    writeFileSync(join(dir, 'clouds.yaml'), lines.join('\n'));
    const err = loadFails(dir);
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]!.file).toMatch(new RegExp(`^${escapeRe(join(dir, 'clouds.yaml'))}:${n + 1}:\\d+$`));
    expect(err.issues[0]!.message).toMatch(/^YAML syntax error/);
  });

  it('reports a duplicate key as a YAML error at its line', () => {
    const dir = tempGansu();
    editText(dir, 'estate.yaml', (t) => `${t}estate:\n  name: again\n`);
    const lineOfDup = readFileSync(join(dir, 'estate.yaml'), 'utf8').split('\n').lastIndexOf('estate:') + 1;
    const err = loadFails(dir);
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]!.file).toMatch(new RegExp(`^${escapeRe(join(dir, 'estate.yaml'))}:${lineOfDup}:\\d+$`));
  });

  it('rejects a singleton (ipam) defined in two files', () => {
    const dir = tempGansu();
    editText(dir, 'units.yaml', (t) => `${t}ipam:\n  services:\n    township: [office]\n`);
    const err = loadFails(dir);
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({ file: join(dir, 'units.yaml'), path: 'ipam' });
    expect(err.issues[0]!.message).toContain(`is also defined in ${join(dir, 'estate.yaml')}`);
    expect(err.issues[0]!.message).toContain('"ipam" in one file only');
  });

  it('rejects a missing directory, naming it', () => {
    const parent = makeTempDir();
    dirs.push(parent);
    const missing = join(parent, 'no-such-estate');
    const err = loadFails(missing);
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]!.file).toBe(missing);
    expect(err.issues[0]!.message).toContain('not a readable estate directory');
  });

  it('rejects a file given as the estate directory, and a directory without YAML files', () => {
    const parent = makeTempDir();
    dirs.push(parent);
    const file = join(parent, 'estate.yaml');
    writeFileSync(file, minimal);
    expect(loadFails(file).issues[0]!.file).toBe(file);
    const empty = join(parent, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'ledger.json'), '{}');
    const err = loadFails(empty);
    expect(err.issues[0]!.file).toBe(empty);
    expect(err.issues[0]!.message).toContain('no *.yaml files');
  });

  it('rejects a county whose parent is a county', () => {
    const dir = tempGansu();
    const i = indexIn('units.yaml', 'units', 'lanzhou-qilihe');
    editYaml(dir, 'units.yaml', (doc) => doc.setIn(['units', i, 'parent'], 'lanzhou-chengguan'));
    const err = loadFails(dir);
    expect(err.issues).toEqual([
      {
        file: join(dir, 'units.yaml'),
        path: `units[${i}].parent`,
        message: '"lanzhou-chengguan" is a county unit; the parent of a county unit must be a municipal unit',
      },
    ]);
  });

  it('rejects a municipal unit without a parent and a second province', () => {
    const dir = tempGansu();
    const i = indexIn('units.yaml', 'units', 'tianshui');
    editYaml(dir, 'units.yaml', (doc) => doc.deleteIn(['units', i, 'parent']));
    editText(dir, 'units.yaml', (t) => `${t}  - id: qinghai\n    level: province\n    name: { zh: 青海省, en: Qinghai }\n`);
    const err = loadFails(dir);
    const paths = err.issues.map((i) => i.path);
    expect(paths).toContain(`units[${i}].parent`);
    expect(err.issues.find((x) => x.path === `units[${i}].parent`)!.message).toContain('needs the id of its province unit');
    expect(err.issues.some((x) => /exactly one unit of level "province", found 2/.test(x.message))).toBe(true);
  });

  it('rejects overlapping, misaligned and wrong-family plane roots', () => {
    const dir = tempGansu();
    editYaml(dir, 'extranet.yaml', (doc) => {
      doc.setIn(['planes', 1, 'ipv6'], '2001:db8:4000::/34'); // inside plane-1's 2001:db8::/33
      doc.setIn(['planes', 1, 'ipv4'], '10.128.0.1/9'); // host bits set
      doc.setIn(['planes', 0, 'ipv4'], '2001:db9::/32'); // an IPv6 prefix under ipv4
    });
    const err = loadFails(dir);
    const byPath = new Map(err.issues.map((i) => [i.path, i.message]));
    expect(byPath.get('planes[1].ipv6')).toContain('overlaps 2001:db8::/33 of plane "plane-1"');
    expect(byPath.get('planes[1].ipv4')).toContain('host bits');
    expect(byPath.get('planes[0].ipv4')).toContain('put it under "ipv6"');
    for (const i of err.issues) expect(i.file).toBe(join(dir, 'extranet.yaml'));
  });

  it('rejects a link whose ends are the same site', () => {
    const dir = tempGansu();
    editYaml(dir, 'extranet.yaml', (doc) => doc.setIn(['links', 0, 'b'], 'gansu'));
    const err = loadFails(dir);
    expect(err.issues.map((i) => i.path)).toEqual(['links[0].b']);
  });
});

describe('standby clouds', () => {
  const sameCity = indexIn('clouds.yaml', 'clouds', 'gansu-provincial-same-city-dr');

  it('a standby stands in a same-city-dr or remote-dr centre: missing or another role is an error naming the centres', () => {
    const dir = tempGansu();
    const i = sameCity;
    editYaml(dir, 'clouds.yaml', (doc) => doc.setIn(['clouds', i, 'datacentre'], 'dc-lanzhou-production'));
    expect(loadFails(dir).issues).toEqual([
      {
        file: join(dir, 'clouds.yaml'),
        path: `clouds[${i}].datacentre`,
        message: '"dc-lanzhou-production" is a production centre; a standby stands in a same-city-dr or remote-dr centre (dc-lanzhou-new-area-dr, dc-qingyang-dr)',
      },
    ]);
    editYaml(dir, 'clouds.yaml', (doc) => doc.deleteIn(['clouds', i, 'datacentre']));
    expect(loadFails(dir).issues).toEqual([
      {
        file: join(dir, 'clouds.yaml'),
        path: `clouds[${i}].datacentre`,
        message: 'missing: standby cloud "gansu-provincial-same-city-dr" needs the data centre it stands in, one whose role is same-city-dr or remote-dr (dc-lanzhou-new-area-dr, dc-qingyang-dr)',
      },
    ]);
  });

  it('protects names existing production clouds, with a suggestion; a standby protects something', () => {
    const dir = tempGansu();
    const i = sameCity;
    const j = indexIn('clouds.yaml', 'clouds', 'gansu-provincial-remote-dr');
    editYaml(dir, 'clouds.yaml', (doc) => {
      doc.setIn(['clouds', i, 'protects'], doc.createNode(['gansu-provincal', 'gansu-provincial-remote-dr']));
      doc.deleteIn(['clouds', j, 'protects']);
    });
    const file = join(dir, 'clouds.yaml');
    expect(loadFails(dir).issues).toEqual([
      { file, path: `clouds[${i}].protects[0]`, message: 'unknown cloud "gansu-provincal" (did you mean "gansu-provincial"?); a standby protects production clouds of clouds.yaml' },
      { file, path: `clouds[${i}].protects[1]`, message: '"gansu-provincial-remote-dr" is itself a standby; a standby protects production clouds only' },
      { file, path: `clouds[${j}].protects`, message: 'missing: standby cloud "gansu-provincial-remote-dr" needs the ids of the clouds it protects, e.g. protects: [gansu-provincial]' },
    ]);
  });

  it('only a standby protects; role and protects are checked by the schema too', () => {
    const dir = tempGansu();
    editYaml(dir, 'clouds.yaml', (doc) => doc.setIn(['clouds', 3, 'protects'], doc.createNode(['gansu-provincial'])));
    expect(loadFails(dir).issues).toEqual([
      { file: join(dir, 'clouds.yaml'), path: 'clouds[3].protects', message: 'only a standby cloud protects others; add `role: standby` to "jinchang-cloud" or remove "protects"' },
    ]);
    editYaml(dir, 'clouds.yaml', (doc) => {
      doc.deleteIn(['clouds', 3, 'protects']);
      doc.setIn(['clouds', 3, 'role'], 'stanby');
    });
    expect(loadFails(dir).issues).toEqual([
      { file: join(dir, 'clouds.yaml'), path: 'clouds[3].role', message: 'expected one of production, standby, got "stanby" (did you mean "standby"?)' },
    ]);
    editYaml(dir, 'clouds.yaml', (doc) => {
      doc.setIn(['clouds', 3, 'role'], 'production');
      doc.setIn(['clouds', sameCity, 'protects'], doc.createNode(['gansu-provincial', 'gansu-provincial']));
    });
    expect(loadFails(dir).issues).toEqual([expect.objectContaining({ path: `clouds[${sameCity}].protects`, message: 'expected array elements to be unique, got a list' })]);
  });
});

describe('loadEstateFromSources', () => {
  it('loads from memory, merging lists across sources, ignoring empty files', () => {
    const estate = loadEstateFromSources([
      { file: 'a.yaml', text: minimal },
      { file: 'b.yaml', text: '' },
      { file: 'c.yaml', text: 'units:\n  - { id: c1, level: county, parent: m1, name: { zh: 县, en: C } }\n' },
    ]);
    expect(estate.doc.units.map((u) => u.id)).toEqual(['prov', 'm1', 'c1']);
    expect(estate.where(estate.unitById.get('c1')!)).toEqual({ file: 'c.yaml', path: 'units[0]' });
    expect(estate.doc.clouds).toEqual([]);
  });

  it('requires the estate key somewhere', () => {
    const err = (() => {
      try {
        loadEstateFromSources([{ file: 'a.yaml', text: minimal.replace('estate: { name: t }\n', '') }], 'dir');
      } catch (e) {
        return e as EstateValidationError;
      }
      throw new Error('loaded');
    })();
    expect(err).toBeInstanceOf(EstateValidationError);
    expect(err.issues).toEqual([expect.objectContaining({ file: 'dir', path: 'estate' })]);
  });

  // A YAML alias makes the same object appear twice; the origin of the first occurrence must not
  // be overwritten by the second, or the message points at itself.
  it('names the first declaration of a duplicate made with a YAML alias', () => {
    const text = `${minimal.replace('- { id: m1,', '- &m { id: m1,')}  - *m\n`;
    let err: unknown;
    try {
      loadEstateFromSources([{ file: 'a.yaml', text }]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EstateValidationError);
    const issues = (err as EstateValidationError).issues;
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('units[2].id');
    expect(issues[0]!.message).toContain('(first declared at a.yaml: units[1])');
  });

  it('rejects a file that is not a mapping', () => {
    expect(() => loadEstateFromSources([{ file: 'a.yaml', text: minimal }, { file: 'b.yaml', text: '- 1\n- 2\n' }])).toThrow(
      EstateValidationError,
    );
    expect(() => loadEstateFromSources([{ file: 'a.yaml', text: minimal }, { file: 'b.yaml', text: '- 1\n- 2\n' }])).toThrow(/^b\.yaml: expected a mapping/);
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
