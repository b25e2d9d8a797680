// Loads an estate directory: every *.yaml / *.yml file in it, validated one by one against the
// schema, merged (lists concatenate; `estate`, `ipam` and `policies` may appear in one file only),
// then checked for duplicate ids and dangling references. All issues are reported together.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { EstateValidationError, type Issue } from './errors.js';
import { Estate, type Origin } from './estate.js';
import { isAligned, overlaps as overlapsPrefix, parsePrefix, PrefixParseError } from './prefix.js';
import {
  COLLECTIONS,
  EstateFile,
  type Cloud,
  type DataCentre,
  SINGLETONS,
  type CollectionName,
  type EstateDocument,
  type SingletonName,
  type Unit,
  type UnitLevel,
} from './schema.js';
import { didYouMean } from './suggest.js';
import { validate } from './validate.js';

/** A file's name and text, so that estates can be loaded from memory too (tests, the operator). */
export interface EstateSource {
  file: string;
  text: string;
}

export function readEstateSources(dir: string): EstateSource[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    names = readdirSync(dir);
  } catch {
    throw new EstateValidationError([
      { file: dir, path: '', message: 'is not a readable estate directory; pass --estate DIR with a directory of YAML files' },
    ]);
  }
  const files = names.filter((n) => /\.ya?ml$/.test(n)).sort();
  if (files.length === 0) {
    throw new EstateValidationError([{ file: dir, path: '', message: 'holds no *.yaml files: an estate is a directory of YAML files' }]);
  }
  return files.map((n) => ({ file: join(dir, n), text: readFileSync(join(dir, n), 'utf8') }));
}

export function loadEstate(dir: string): Estate {
  return loadEstateFromSources(readEstateSources(dir), dir);
}

/** A digest of an estate's files (names and contents), to notice a change on disk. */
export function digestSources(sources: readonly EstateSource[]): string {
  const h = createHash('sha256');
  for (const s of sources) h.update(s.file).update('\0').update(s.text).update('\0');
  return h.digest('hex');
}

const EXPECTED_PARENT: Record<UnitLevel, UnitLevel | undefined> = {
  province: undefined,
  municipal: 'province',
  county: 'municipal',
  township: 'county',
};

const DR_CENTRE_ROLES: ReadonlySet<string> = new Set(['same-city-dr', 'remote-dr']);

/**
 * Standby clouds: a standby names a data centre whose role is same-city-dr or remote-dr, and
 * protects existing production clouds; only a standby protects.
 */
function standbyIssues(
  doc: EstateDocument,
  datacentres: ReadonlyMap<string, DataCentre>,
  clouds: ReadonlyMap<string, Cloud>,
  where: (e: object, field?: string) => Pick<Issue, 'file' | 'path'>,
): Issue[] {
  const issues: Issue[] = [];
  const drCentres = doc.datacentres.filter((d) => DR_CENTRE_ROLES.has(d.role)).map((d) => d.id);
  for (const c of doc.clouds) {
    if (c.role !== 'standby') {
      if (c.protects !== undefined) {
        issues.push({ ...where(c, 'protects'), message: `only a standby cloud protects others; add \`role: standby\` to "${c.id}" or remove "protects"` });
      }
      continue;
    }
    if (c.datacentre === undefined) {
      issues.push({ ...where(c, 'datacentre'), message: `missing: standby cloud "${c.id}" needs the data centre it stands in, one whose role is same-city-dr or remote-dr${drCentres.length ? ` (${drCentres.join(', ')})` : ''}` });
    } else {
      const dc = datacentres.get(c.datacentre);
      if (dc && !DR_CENTRE_ROLES.has(dc.role)) {
        issues.push({ ...where(c, 'datacentre'), message: `"${c.datacentre}" is a ${dc.role} centre; a standby stands in a same-city-dr or remote-dr centre${drCentres.length ? ` (${drCentres.join(', ')})` : ''}` });
      }
    }
    if (c.protects === undefined || c.protects.length === 0) {
      issues.push({ ...where(c, 'protects'), message: `missing: standby cloud "${c.id}" needs the ids of the clouds it protects, e.g. protects: [${doc.clouds.find((x) => x.role !== 'standby')?.id ?? 'CLOUD'}]` });
      continue;
    }
    c.protects.forEach((id, i) => {
      const target = clouds.get(id);
      const production = [...clouds.values()].filter((x) => x.role !== 'standby').map((x) => x.id);
      if (!target) issues.push({ ...where(c, `protects[${i}]`), message: `unknown cloud "${id}"${didYouMean(id, production)}; a standby protects production clouds of clouds.yaml` });
      else if (target.role === 'standby') issues.push({ ...where(c, `protects[${i}]`), message: `"${id}" is itself a standby; a standby protects production clouds only` });
    });
  }
  return issues;
}

export function loadEstateFromSources(sources: EstateSource[], dir?: string): Estate {
  const issues: Issue[] = [];
  const origins = new WeakMap<object, Origin>();
  const doc: Omit<EstateDocument, 'estate'> & { estate?: EstateDocument['estate'] } = {
    ipam: {},
    policies: {},
    units: [],
    clouds: [],
    datacentres: [],
    planes: [],
    sites: [],
    links: [],
    departments: [],
    tenants: [],
  };
  const singletonFrom = new Map<SingletonName, string>();

  for (const { file, text } of sources) {
    let data: unknown;
    try {
      data = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
    } catch (e) {
      if (e instanceof YAMLParseError) {
        const pos = e.linePos?.[0];
        issues.push({ file: pos ? `${file}:${pos.line}:${pos.col}` : file, path: '', message: `YAML syntax error: ${e.message.split('\n')[0]}` });
        continue;
      }
      throw e;
    }
    if (data === null || data === undefined) continue; // an empty file is allowed
    if (typeof data !== 'object' || Array.isArray(data)) {
      issues.push({ file, path: '', message: `expected a mapping with keys such as ${[...SINGLETONS, ...COLLECTIONS].join(', ')}` });
      continue;
    }
    const fileIssues = validate(EstateFile, data, file);
    if (fileIssues.length > 0) {
      issues.push(...fileIssues);
      continue;
    }
    const f = data as Record<string, unknown>;
    for (const key of SINGLETONS) {
      if (f[key] === undefined) continue;
      const first = singletonFrom.get(key);
      if (first !== undefined) {
        issues.push({ file, path: key, message: `is also defined in ${first}; an estate may define "${key}" in one file only` });
        continue;
      }
      singletonFrom.set(key, file);
      origins.set(f[key] as object, { file, path: key });
      (doc as Record<string, unknown>)[key] = f[key];
    }
    for (const key of COLLECTIONS) {
      const list = f[key] as object[] | undefined;
      if (!list) continue;
      list.forEach((item, i) => {
        // A YAML alias repeats the same object: give each occurrence its own origin.
        const entity = origins.has(item) ? structuredClone(item) : item;
        origins.set(entity, { file, path: `${key}[${i}]` });
        (doc[key] as object[]).push(entity);
      });
    }
  }
  if (issues.length > 0) throw new EstateValidationError(issues);
  if (!doc.estate) {
    throw new EstateValidationError([
      { file: dir ?? '<estate>', path: 'estate', message: 'missing: add `estate: { name: <id> }` to one of the YAML files' },
    ]);
  }
  const full = doc as EstateDocument;
  const where = (e: object, field?: string): Pick<Issue, 'file' | 'path'> => {
    const o = origins.get(e) ?? { file: dir ?? '<estate>', path: '' };
    return { file: o.file, path: field ? `${o.path}.${field}` : o.path };
  };

  // Duplicate ids, per collection; units and data centres also share the IPAM owner namespace.
  const ids = new Map<CollectionName, Map<string, object>>();
  for (const key of COLLECTIONS) {
    const seen = new Map<string, object>();
    ids.set(key, seen);
    for (const item of full[key] as Array<{ id: string }>) {
      const prev = seen.get(item.id);
      if (prev) {
        const p = where(prev);
        issues.push({ ...where(item, 'id'), message: `duplicate id "${item.id}" (first declared at ${p.file}: ${p.path}); ids must be unique` });
      } else seen.set(item.id, item);
    }
  }
  for (const dc of full.datacentres) {
    const unit = ids.get('units')!.get(dc.id);
    if (unit) {
      const p = where(unit);
      issues.push({ ...where(dc, 'id'), message: `"${dc.id}" is also a unit id (${p.file}: ${p.path}); units and data centres share one id space` });
    }
  }

  for (const c of full.clouds) {
    const clash = ids.get('units')!.get(c.id) ?? ids.get('datacentres')!.get(c.id);
    if (clash) {
      const p = where(clash);
      issues.push({ ...where(c, 'id'), message: `"${c.id}" is also the id of ${p.file}: ${p.path}; clouds, units and data centres share one id space (the IPAM's owners)` });
    }
  }

  const units = ids.get('units')!;
  const ref = (entity: object, field: string, value: string | undefined, key: CollectionName, what: string): void => {
    if (value === undefined || ids.get(key)!.has(value)) return;
    issues.push({ ...where(entity, field), message: `unknown ${what} "${value}"${didYouMean(value, ids.get(key)!.keys())}` });
  };

  // The unit hierarchy: one province; each level's parent is the level above.
  const provinces = full.units.filter((u) => u.level === 'province');
  if (provinces.length !== 1) {
    issues.push({
      file: provinces[1] ? where(provinces[1]).file : dir ?? '<estate>',
      path: provinces[1] ? where(provinces[1]).path : 'units',
      message: `an estate has exactly one unit of level "province", found ${provinces.length}`,
    });
  }
  for (const u of full.units) {
    const expected = EXPECTED_PARENT[u.level];
    if (expected === undefined) {
      if (u.parent !== undefined) issues.push({ ...where(u, 'parent'), message: 'a province has no parent; remove the field' });
      continue;
    }
    if (u.parent === undefined) {
      issues.push({ ...where(u, 'parent'), message: `missing: a ${u.level} unit needs the id of its ${expected} unit` });
      continue;
    }
    const parent = units.get(u.parent) as Unit | undefined;
    if (!parent) ref(u, 'parent', u.parent, 'units', 'unit');
    else if (parent.level !== expected) {
      issues.push({ ...where(u, 'parent'), message: `"${u.parent}" is a ${parent.level} unit; the parent of a ${u.level} unit must be a ${expected} unit` });
    }
  }
  for (const c of full.clouds) {
    ref(c, 'unit', c.unit, 'units', 'unit');
    ref(c, 'datacentre', c.datacentre, 'datacentres', 'data centre');
  }
  issues.push(...standbyIssues(full, ids.get('datacentres')! as Map<string, DataCentre>, ids.get('clouds')! as Map<string, Cloud>, where));
  for (const d of full.datacentres) ref(d, 'unit', d.unit, 'units', 'unit');
  for (const s of full.sites) {
    ref(s, 'unit', s.unit, 'units', 'unit');
    ref(s, 'datacentre', s.datacentre, 'datacentres', 'data centre');
  }
  for (const l of full.links) {
    ref(l, 'plane', l.plane, 'planes', 'plane');
    ref(l, 'a', l.a, 'sites', 'site');
    ref(l, 'b', l.b, 'sites', 'site');
    if (l.a === l.b) issues.push({ ...where(l, 'b'), message: `a link joins two different sites; both ends are "${l.a}"` });
  }
  for (const d of full.departments) ref(d, 'unit', d.unit, 'units', 'unit');
  for (const t of full.tenants) {
    ref(t, 'department', t.department, 'departments', 'department');
    ref(t, 'node', t.node, 'clouds', 'cloud node');
    t.planes.forEach((p, i) => ref(t, `planes[${i}]`, p, 'planes', 'plane'));
  }

  // Plane address roots: valid, of the right family, aligned.
  for (const p of full.planes) {
    for (const family of ['ipv6', 'ipv4'] as const) {
      const text = p[family];
      if (text === undefined) continue;
      try {
        const prefix = parsePrefix(text);
        if (prefix.family !== family) {
          issues.push({ ...where(p, family), message: `"${text}" is an ${prefix.family} prefix; put it under "${prefix.family}"` });
        } else if (!isAligned(prefix)) {
          issues.push({ ...where(p, family), message: `"${text}" has host bits set; use the network address of the /${prefix.len}` });
        }
      } catch (e) {
        if (e instanceof PrefixParseError) issues.push({ ...where(p, family), message: e.message });
        else throw e;
      }
    }
  }
  // Roots of different planes must not overlap.
  for (let i = 0; i < full.planes.length; i++) {
    for (let j = i + 1; j < full.planes.length; j++) {
      for (const family of ['ipv6', 'ipv4'] as const) {
        const a = full.planes[i]![family];
        const b = full.planes[j]![family];
        if (!a || !b) continue;
        try {
          const pa = parsePrefix(a);
          const pb = parsePrefix(b);
          if (pa.family === pb.family && overlapsPrefix(pa, pb)) {
            issues.push({ ...where(full.planes[j]!, family), message: `${b} overlaps ${a} of plane "${full.planes[i]!.id}"; the planes' address roots must be disjoint` });
          }
        } catch {
          // reported above
        }
      }
    }
  }

  if (issues.length > 0) throw new EstateValidationError(issues);
  return new Estate(full, dir, origins, digestSources(sources));
}
