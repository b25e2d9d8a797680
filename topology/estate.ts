// The loaded estate: the merged document plus indices, and where each entity came from.
import type {
  Cloud,
  DataCentre,
  Department,
  EstateDocument,
  Link,
  Plane,
  Site,
  Tenant,
  Unit,
  UnitLevel,
} from './schema.js';

/** Where an entity was declared: the file and its path inside that file. */
export interface Origin {
  file: string;
  path: string;
}

export class Estate {
  readonly unitById = new Map<string, Unit>();
  readonly childrenOf = new Map<string, Unit[]>();
  readonly cloudById = new Map<string, Cloud>();
  readonly datacentreById = new Map<string, DataCentre>();
  readonly planeById = new Map<string, Plane>();
  readonly siteById = new Map<string, Site>();
  readonly linkById = new Map<string, Link>();
  readonly departmentById = new Map<string, Department>();
  readonly tenantById = new Map<string, Tenant>();

  constructor(
    readonly doc: EstateDocument,
    /** The directory the estate was loaded from, if any. */
    readonly dir: string | undefined,
    private readonly origins: WeakMap<object, Origin> = new WeakMap(),
    /** Digest of the files it was loaded from (see digestSources), when loaded from files. */
    readonly digest?: string,
  ) {
    for (const u of doc.units) {
      this.unitById.set(u.id, u);
      if (u.parent !== undefined) {
        const list = this.childrenOf.get(u.parent);
        if (list) list.push(u);
        else this.childrenOf.set(u.parent, [u]);
      }
    }
    for (const c of doc.clouds) this.cloudById.set(c.id, c);
    for (const d of doc.datacentres) this.datacentreById.set(d.id, d);
    for (const p of doc.planes) this.planeById.set(p.id, p);
    for (const s of doc.sites) this.siteById.set(s.id, s);
    for (const l of doc.links) this.linkById.set(l.id, l);
    for (const d of doc.departments) this.departmentById.set(d.id, d);
    for (const t of doc.tenants) this.tenantById.set(t.id, t);
  }

  get name(): string {
    return this.doc.estate.name;
  }

  /** `estate/clouds.yaml: clouds[3]`-style location of an entity, for findings and errors. */
  where(entity: object): Origin {
    return this.origins.get(entity) ?? { file: this.dir ?? '<estate>', path: '' };
  }

  /** The path of a field of an entity, e.g. `clouds[3].unit`. */
  fieldOf(entity: object, field: string): Origin {
    const o = this.where(entity);
    return { file: o.file, path: o.path ? `${o.path}.${field}` : field };
  }

  children(unitId: string): readonly Unit[] {
    return this.childrenOf.get(unitId) ?? [];
  }

  unitsAt(level: UnitLevel): Unit[] {
    return this.doc.units.filter((u) => u.level === level);
  }

  /** The unit itself or its nearest ancestor at `level`. */
  ancestorAt(unitId: string, level: UnitLevel): Unit | undefined {
    let u = this.unitById.get(unitId);
    while (u && u.level !== level) u = u.parent === undefined ? undefined : this.unitById.get(u.parent);
    return u;
  }

  province(): Unit | undefined {
    return this.doc.units.find((u) => u.level === 'province');
  }
}
