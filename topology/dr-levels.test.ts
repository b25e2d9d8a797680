import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DR_LEVEL_ID_PATTERN,
  DR_LEVEL_IDS,
  DR_STANDARD_EDITIONS,
  DrEditionError,
  DrLevelIdError,
  describeDrFigure,
  drLevel,
  drStandardEdition,
  isDrLevelId,
  listDrLevels,
  NO_SOURCE,
  NOT_ENTERED_2025,
  parseDrLevelId,
} from './dr-levels.js';
import { EstateValidationError, LongyunError } from './errors.js';
import { copyGansu, editYaml, removeDir } from './estate.test-helpers.js';
import { loadEstate } from './load.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) removeDir(dirs.pop()!);
});

describe('GB/T 20988 levels as data', () => {
  it('has six levels per edition, ids gb20988-<edition>/<n>, editions apart', () => {
    expect(DR_LEVEL_IDS).toEqual([
      ...[1, 2, 3, 4, 5, 6].map((n) => `gb20988-2007/${n}`),
      ...[1, 2, 3, 4, 5, 6].map((n) => `gb20988-2025/${n}`),
    ]);
    expect(listDrLevels().map((l) => l.id)).toEqual(DR_LEVEL_IDS);
    expect(listDrLevels('2007').every((l) => l.edition === '2007' && l.id.startsWith('gb20988-2007/'))).toBe(true);
    expect(listDrLevels('2025').map((l) => l.level)).toEqual([1, 2, 3, 4, 5, 6]);
    // The schema's pattern accepts exactly these ids.
    const re = new RegExp(DR_LEVEL_ID_PATTERN);
    for (const id of DR_LEVEL_IDS) expect(re.test(id)).toBe(true);
    for (const bad of ['gb20988-2007/0', 'gb20988-2007/7', 'gb20988-2019/3', 'GB20988-2007/3', 'gb20988-2007-3', 'gb20988-2007/3 ']) expect(re.test(bad)).toBe(false);
  });

  it('names the 2007 levels in Chinese and English', () => {
    expect(listDrLevels('2007').map((l) => l.name.zh)).toEqual([
      '基本支持',
      '备用场地支持',
      '电子传输和部分设备支持',
      '电子传输及完整设备支持',
      '实时数据传输及完整设备支持',
      '数据零丢失和远程集群支持',
    ]);
    for (const l of listDrLevels()) expect(l.name.en.length).toBeGreaterThan(0);
  });

  it('every figure has a source and a confidence; every empty figure a note, and only those', () => {
    for (const l of listDrLevels()) {
      for (const which of ['rto', 'rpo'] as const) {
        const f = l[which];
        if (f) {
          expect(f.source.length, `${l.id} ${which}`).toBeGreaterThan(10);
          expect(['cited', 'indicative']).toContain(f.confidence);
          expect(f.text.length).toBeGreaterThan(0);
          expect(f.minMinutes !== undefined || f.maxMinutes !== undefined, `${l.id} ${which} has a bound`).toBe(true);
          if (f.minMinutes !== undefined && f.maxMinutes !== undefined) expect(f.minMinutes).toBeLessThanOrEqual(f.maxMinutes);
          expect(l.notes[which]).toBeUndefined();
        } else {
          expect(l.notes[which], `${l.id} ${which}`).toBeTruthy();
        }
      }
    }
  });

  it('holds exactly the 2007 figures on record: levels 1–2 cited from Alibaba Cloud, level 5–6 RPO indicative, the rest empty', () => {
    const l1 = drLevel('gb20988-2007/1');
    expect(l1.rto).toMatchObject({ text: '≥ 2 days', minMinutes: 2880, confidence: 'cited' });
    expect(l1.rto!.maxMinutes).toBeUndefined();
    expect(l1.rpo).toMatchObject({ text: '1–7 days', minMinutes: 1440, maxMinutes: 10080, confidence: 'cited' });
    const l2 = drLevel('gb20988-2007/2');
    expect(l2.rto).toMatchObject({ text: '≥ 24 h', minMinutes: 1440, confidence: 'cited' });
    expect(l2.rto!.maxMinutes).toBeUndefined();
    expect(l2.rpo).toMatchObject({ maxMinutes: 10080, confidence: 'cited' });
    for (const f of [l1.rto, l1.rpo, l2.rto, l2.rpo]) expect(f!.source).toContain('Alibaba Cloud');
    expect(drLevel('gb20988-2007/5').rpo).toMatchObject({ text: '0–30 min', minMinutes: 0, maxMinutes: 30, confidence: 'indicative' });
    expect(drLevel('gb20988-2007/6').rpo).toMatchObject({ text: '0', maxMinutes: 0, confidence: 'indicative' });
    const present = listDrLevels('2007').flatMap((l) => (['rto', 'rpo'] as const).filter((w) => l[w]).map((w) => `${l.level}.${w}`));
    expect(present).toEqual(['1.rto', '1.rpo', '2.rto', '2.rpo', '5.rpo', '6.rpo']);
    for (const id of ['gb20988-2007/3', 'gb20988-2007/4']) expect(drLevel(id).notes).toEqual({ rto: NO_SOURCE, rpo: NO_SOURCE });
    expect(drLevel('gb20988-2007/5').notes).toEqual({ rto: NO_SOURCE });
    expect(NO_SOURCE).toBe('no source on record');
    // Only figures from named publications are "cited".
    for (const l of listDrLevels()) {
      for (const f of [l.rto, l.rpo]) if (f && f.confidence === 'cited') expect(f.source).toContain('Alibaba Cloud');
    }
  });

  it('leaves every GB/T 20988-2025 figure empty until entered from the standard', () => {
    for (const l of listDrLevels('2025')) {
      expect(l.rto).toBeUndefined();
      expect(l.rpo).toBeUndefined();
      expect(l.notes.rto).toBe(NOT_ENTERED_2025);
      expect(l.notes.rpo).toContain('not yet entered from the standard');
      expect(l.name).toEqual({ zh: `第${l.level}级`, en: `Level ${l.level}` });
      expect(l.notes.name).toContain('not yet entered');
    }
  });

  it('records the editions: 2025 in force since 2026-01-01, adding rebuild and fall-back and DR audit', () => {
    const e = drStandardEdition('2025');
    expect(e).toMatchObject({ code: 'GB/T 20988-2025', published: '2025-06-30', inForce: '2026-01-01', replaces: ['GB/T 20988-2007', 'GB/T 30285-2013'] });
    expect(e.adds).toEqual(expect.arrayContaining(['rebuild and fall-back (重建和回退)', 'DR audit']));
    expect(DR_STANDARD_EDITIONS['2007'].replacedBy).toContain('GB/T 20988-2025');
    expect(DR_STANDARD_EDITIONS['2007'].notes.join(' ')).toContain('seven elements');
  });
});

describe('looking levels up', () => {
  it('parses and gets a level by id', () => {
    expect(parseDrLevelId('gb20988-2007/5')).toEqual({ id: 'gb20988-2007/5', edition: '2007', level: 5 });
    expect(parseDrLevelId('gb20988-2025/1')).toEqual({ id: 'gb20988-2025/1', edition: '2025', level: 1 });
    expect(drLevel('gb20988-2007/6').name.en).toBe('Zero data loss and remote cluster support');
    expect(isDrLevelId('gb20988-2025/6')).toBe(true);
    expect(isDrLevelId('gb20988-2025/7')).toBe(false);
  });

  it('throws a typed error naming the value and the valid ids', () => {
    for (const bad of ['gb20988-2007/7', 'level-5', '', 'gb20988-2019/1']) {
      expect(() => parseDrLevelId(bad)).toThrow(DrLevelIdError);
      expect(() => drLevel(bad)).toThrow(DrLevelIdError);
    }
    try {
      drLevel('gb20988-2007/7');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LongyunError);
      expect((e as DrLevelIdError).value).toBe('gb20988-2007/7');
      expect((e as Error).message).toBe(
        'unknown DR level "gb20988-2007/7"; expected a GB/T 20988 DR level, gb20988-<edition>/<level>: gb20988-2007/1 to gb20988-2007/6 (the 2007 edition) or gb20988-2025/1 to gb20988-2025/6 (the 2025 edition)',
      );
    }
    expect(() => listDrLevels('2019' as '2007')).toThrow(DrEditionError);
    expect(() => drStandardEdition('2019')).toThrow('unknown GB/T 20988 edition "2019"; editions on record: 2007, 2025');
  });

  it('describes a figure with its confidence and source, or why it is empty', () => {
    expect(describeDrFigure(drLevel('gb20988-2007/5'), 'rpo')).toMatch(/^RPO 0–30 min \(indicative; secondary sources/);
    expect(describeDrFigure(drLevel('gb20988-2007/5'), 'rto')).toBe('RTO: no source on record');
    expect(describeDrFigure(drLevel('gb20988-2025/5'), 'rpo')).toContain('not yet entered from the standard');
  });
});

describe('a DR plan naming its level in the estate', () => {
  function withLevel(level: unknown) {
    const dir = copyGansu();
    dirs.push(dir);
    editYaml(dir, 'tenants.yaml', (doc) => doc.setIn(['tenants', 0, 'dr', 'level'], level));
    return dir;
  }

  it('loads a valid level', () => {
    const estate = loadEstate(withLevel('gb20988-2025/4'));
    expect(estate.doc.tenants[0]!.dr!.level).toBe('gb20988-2025/4');
  });

  it('reports an unknown level with the file, the field path and the valid ids', () => {
    const dir = withLevel('gb20988-2007/7');
    let err: unknown;
    try {
      loadEstate(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EstateValidationError);
    expect((err as EstateValidationError).issues).toEqual([
      {
        file: join(dir, 'tenants.yaml'),
        path: 'tenants[0].dr.level',
        message:
          '"gb20988-2007/7" is not valid: expected a GB/T 20988 DR level, gb20988-<edition>/<level>: gb20988-2007/1 to gb20988-2007/6 (the 2007 edition) or gb20988-2025/1 to gb20988-2025/6 (the 2025 edition)',
      },
    ]);
  });
});
