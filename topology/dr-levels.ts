// GB/T 20988 (信息系统灾难恢复规范) disaster-recovery levels as data, one edition apart from the
// other. Every RTO/RPO figure names its source and how far to trust it; a figure nobody has a
// source for is left undefined with a note saying so. The standard defines a level by seven
// elements (data backup, standby data processing, standby network, standby infrastructure,
// technical support, operations management, DR plan), not by RTO/RPO alone: meeting a level's
// figures is necessary, never sufficient.
// Figures and sources: shared/reference/dr-and-migration-anchors.md, section "GB/T 20988".
import { LongyunError } from './errors.js';

export const DR_LEVEL_EDITIONS = ['2007', '2025'] as const;
export type DrLevelEdition = (typeof DR_LEVEL_EDITIONS)[number];
export const DR_LEVEL_NUMBERS = [1, 2, 3, 4, 5, 6] as const;
export type DrLevelNumber = (typeof DR_LEVEL_NUMBERS)[number];
/** `gb20988-2007/5`: the edition's year and the level. */
export type DrLevelId = `gb20988-${DrLevelEdition}/${DrLevelNumber}`;

/** What a DR plan's `level` must match (topology/schema.ts). */
export const DR_LEVEL_ID_PATTERN = '^gb20988-(2007|2025)/[1-6]$';

/** Every level id, 2007 edition first. */
export const DR_LEVEL_IDS: readonly DrLevelId[] = DR_LEVEL_EDITIONS.flatMap((e) => DR_LEVEL_NUMBERS.map((n) => `gb20988-${e}/${n}` as DrLevelId));

/**
 * `cited`: a named publication gives the figure (a secondary source all the same: not the
 * standard's own text). `indicative`: the figure circulates in secondary sources whose numbers
 * vary; read it as a rough guide.
 */
export type DrFigureConfidence = 'cited' | 'indicative';

/** An RTO or RPO range as a source states it. */
export interface DrLevelFigure {
  /** As the source words it, e.g. `≥ 2 days`, `1–7 days`, `0–30 min`. */
  text: string;
  /** Lower bound in minutes; undefined when the source states none. */
  minMinutes?: number;
  /** Upper bound in minutes; undefined when the range is open-ended (e.g. `≥ 24 h`). */
  maxMinutes?: number;
  /** The publication (or URL) the figure comes from. */
  source: string;
  confidence: DrFigureConfidence;
}

export interface DrLevel {
  id: DrLevelId;
  edition: DrLevelEdition;
  level: DrLevelNumber;
  name: { zh: string; en: string };
  /** Recovery time objective; undefined when no source is on record (see `notes.rto`). */
  rto?: DrLevelFigure;
  /** Recovery point objective; undefined when no source is on record (see `notes.rpo`). */
  rpo?: DrLevelFigure;
  /** Why a figure (or the name) is empty: set exactly for what is missing. */
  notes: { name?: string; rto?: string; rpo?: string };
}

export interface DrStandardEdition {
  edition: DrLevelEdition;
  code: string;
  title: { zh: string; en: string };
  /** ISO dates, where on record. */
  published?: string;
  inForce?: string;
  replaces?: readonly string[];
  replacedBy?: string;
  /** What the edition adds over the previous one. */
  adds?: readonly string[];
  notes: readonly string[];
}

export const NO_SOURCE = 'no source on record';
export const NOT_ENTERED_2025 = 'not yet entered from the standard (GB/T 20988-2025\'s RTO/RPO table was not available)';

const ALIBABA = 'Alibaba Cloud help page on GB/T 20988 (no URL on record)';
const SECONDARY = 'secondary sources, unnamed (figures for levels 3–6 vary between them)';
const DAY = 24 * 60;

export const DR_STANDARD_EDITIONS: Readonly<Record<DrLevelEdition, DrStandardEdition>> = {
  '2007': {
    edition: '2007',
    code: 'GB/T 20988-2007',
    title: { zh: '信息系统灾难恢复规范', en: 'Information system disaster recovery specification' },
    replacedBy: 'GB/T 20988-2025 (from 2026-01-01)',
    notes: [
      'Each level is defined by seven elements: data backup, standby data processing, standby network, standby infrastructure, technical support, operations management and the DR plan; not by RTO/RPO alone.',
      'Higher levels require a DR plan that has been fully tested and drilled.',
    ],
  },
  '2025': {
    edition: '2025',
    code: 'GB/T 20988-2025',
    title: { zh: '网络安全技术 信息系统灾难恢复规范', en: 'Cybersecurity technology: information system disaster recovery specification' },
    published: '2025-06-30',
    inForce: '2026-01-01',
    replaces: ['GB/T 20988-2007', 'GB/T 30285-2013'],
    adds: ['emergency response and takeover', 'rebuild and fall-back (重建和回退)', 'DR audit', 'test-evaluation methods'],
    notes: ['Its RTO/RPO table was not available to us: every figure is empty until entered from the standard.', 'Its level titles are not entered either: the names are "level N".'],
  },
};

const NAMES_2007: Record<DrLevelNumber, { zh: string; en: string }> = {
  1: { zh: '基本支持', en: 'Basic support' },
  2: { zh: '备用场地支持', en: 'Standby site support' },
  3: { zh: '电子传输和部分设备支持', en: 'Electronic transmission and partial equipment support' },
  4: { zh: '电子传输及完整设备支持', en: 'Electronic transmission and complete equipment support' },
  5: { zh: '实时数据传输及完整设备支持', en: 'Real-time data transmission and complete equipment support' },
  6: { zh: '数据零丢失和远程集群支持', en: 'Zero data loss and remote cluster support' },
};

/** 2007 figures on record; a level or figure absent here has no source. */
const FIGURES_2007: Partial<Record<DrLevelNumber, { rto?: DrLevelFigure; rpo?: DrLevelFigure }>> = {
  1: {
    rto: { text: '≥ 2 days', minMinutes: 2 * DAY, source: ALIBABA, confidence: 'cited' },
    rpo: { text: '1–7 days', minMinutes: 1 * DAY, maxMinutes: 7 * DAY, source: ALIBABA, confidence: 'cited' },
  },
  2: {
    rto: { text: '≥ 24 h', minMinutes: 1 * DAY, source: ALIBABA, confidence: 'cited' },
    rpo: { text: '1–7 days', minMinutes: 1 * DAY, maxMinutes: 7 * DAY, source: ALIBABA, confidence: 'cited' },
  },
  5: { rpo: { text: '0–30 min', minMinutes: 0, maxMinutes: 30, source: SECONDARY, confidence: 'indicative' } },
  6: { rpo: { text: '0', minMinutes: 0, maxMinutes: 0, source: SECONDARY, confidence: 'indicative' } },
};

function level2007(n: DrLevelNumber): DrLevel {
  const f = FIGURES_2007[n] ?? {};
  return {
    id: `gb20988-2007/${n}`,
    edition: '2007',
    level: n,
    name: NAMES_2007[n],
    ...(f.rto ? { rto: f.rto } : {}),
    ...(f.rpo ? { rpo: f.rpo } : {}),
    notes: { ...(f.rto ? {} : { rto: NO_SOURCE }), ...(f.rpo ? {} : { rpo: NO_SOURCE }) },
  };
}

function level2025(n: DrLevelNumber): DrLevel {
  return {
    id: `gb20988-2025/${n}`,
    edition: '2025',
    level: n,
    name: { zh: `第${n}级`, en: `Level ${n}` },
    notes: { name: 'the level\'s title is not yet entered from the standard', rto: NOT_ENTERED_2025, rpo: NOT_ENTERED_2025 },
  };
}

const LEVELS: readonly DrLevel[] = [...DR_LEVEL_NUMBERS.map(level2007), ...DR_LEVEL_NUMBERS.map(level2025)];
const BY_ID: ReadonlyMap<string, DrLevel> = new Map(LEVELS.map((l) => [l.id, l]));

/** The fix, for messages: which ids are valid. */
export const DR_LEVEL_ID_HELP =
  'a GB/T 20988 DR level, gb20988-<edition>/<level>: gb20988-2007/1 to gb20988-2007/6 (the 2007 edition) or gb20988-2025/1 to gb20988-2025/6 (the 2025 edition)';

/** A string that is not a DR level id; the message lists the valid ones. */
export class DrLevelIdError extends LongyunError {
  override name = 'DrLevelIdError';
  constructor(readonly value: string) {
    super(`unknown DR level "${value}"; expected ${DR_LEVEL_ID_HELP}`);
  }
}

/** An edition that is not 2007 or 2025. */
export class DrEditionError extends LongyunError {
  override name = 'DrEditionError';
  constructor(readonly value: string) {
    super(`unknown GB/T 20988 edition "${value}"; editions on record: ${DR_LEVEL_EDITIONS.join(', ')}`);
  }
}

export function isDrLevelId(value: string): value is DrLevelId {
  return BY_ID.has(value);
}

/** `gb20988-2007/5` → its edition and level; throws DrLevelIdError otherwise. */
export function parseDrLevelId(value: string): { id: DrLevelId; edition: DrLevelEdition; level: DrLevelNumber } {
  if (!isDrLevelId(value)) throw new DrLevelIdError(value);
  const l = BY_ID.get(value)!;
  return { id: l.id, edition: l.edition, level: l.level };
}

/** The level with this id; throws DrLevelIdError for anything else. */
export function drLevel(id: string): DrLevel {
  const l = BY_ID.get(id);
  if (!l) throw new DrLevelIdError(id);
  return l;
}

/** Every level, or one edition's, in order. */
export function listDrLevels(edition?: DrLevelEdition): readonly DrLevel[] {
  if (edition === undefined) return LEVELS;
  if (!(DR_LEVEL_EDITIONS as readonly string[]).includes(edition)) throw new DrEditionError(edition);
  return LEVELS.filter((l) => l.edition === edition);
}

/** What is on record about an edition; throws DrEditionError for anything but 2007 and 2025. */
export function drStandardEdition(edition: string): DrStandardEdition {
  const e = (DR_STANDARD_EDITIONS as Record<string, DrStandardEdition | undefined>)[edition];
  if (!e) throw new DrEditionError(edition);
  return e;
}

/** `RPO 0–30 min (indicative; secondary sources, …)`, or `RPO: no source on record`. */
export function describeDrFigure(level: DrLevel, which: 'rto' | 'rpo'): string {
  const f = level[which];
  const label = which.toUpperCase();
  return f ? `${label} ${f.text} (${f.confidence}; ${f.source})` : `${label}: ${level.notes[which] ?? NO_SOURCE}`;
}
