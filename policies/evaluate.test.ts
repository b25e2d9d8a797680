import { afterEach, describe, expect, it } from 'vitest';
import type { Document, YAMLMap, YAMLSeq } from 'yaml';
import { copyGansu, editText, editYaml, GANSU_DIR, removeDir } from '../topology/estate.test-helpers.js';
import { loadEstate } from '../topology/load.js';
import { effectiveModes, evaluatePolicies } from './evaluate.js';
import { POLICIES } from './registry.js';
import { distanceKm } from './rules/two-sites-three-centres.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) removeDir(dirs.pop()!);
});

/** Loads a copy of the Gansu estate with one YAML file edited. */
function mutated(file: string, edit: (doc: Document) => void) {
  const dir = copyGansu();
  dirs.push(dir);
  editYaml(dir, file, edit);
  return loadEstate(dir);
}

/** Index of a cloud in the shipped clouds.yaml. */
const cloudIndex = (id: string) => loadEstate(GANSU_DIR).doc.clouds.findIndex((c) => c.id === id);

function findingsOf(estate: ReturnType<typeof loadEstate>, policy: string) {
  return evaluatePolicies(estate).findings.filter((f) => f.policy === policy);
}

describe('the policy registry', () => {
  it('every policy has a unique id, a plan citation, a severity and a mode', () => {
    expect(new Set(POLICIES.map((p) => p.id)).size).toBe(POLICIES.length);
    for (const p of POLICIES) {
      expect(p.sections.length).toBeGreaterThan(0);
      for (const s of p.sections) expect(s).toMatch(/^§\d+(\.\d+)+$/);
      expect(['error', 'warning']).toContain(p.severity);
      expect(['audit', 'enforce']).toContain(p.defaultMode);
      expect(p.title.length).toBeGreaterThan(10);
    }
  });

  it('the shipped Gansu estate passes every enforced policy; its only findings are DR plans on clouds no standby protects', () => {
    const report = evaluatePolicies(loadEstate(GANSU_DIR));
    expect(report.findings.filter((f) => f.mode === 'enforce')).toEqual([]);
    expect(report.findings.map((f) => [f.policy, f.mode, f.message.split(' has a DR plan on ')[0]])).toEqual(
      ['hospital-appointments', 'lanzhou-one-window', 'tianshui-data-platform', 'qingyang-emergency-command'].map((t) => ['dr-standby-protected', 'audit', `tenant "${t}"`]),
    );
    expect(report.failed).toBe(false);
    expect(report.policies.map((p) => p.id)).toEqual(POLICIES.map((p) => p.id));
  });
});

describe('§3.3 county-builds-no-cloud', () => {
  it('flags a cloud hosted by a county, at the cloud\'s unit field', () => {
    const e = mutated('clouds.yaml', (doc) => doc.setIn(['clouds', 18, 'unit'], 'qingyang-xifeng'));
    const f = findingsOf(e, 'county-builds-no-cloud');
    expect(f).toHaveLength(1);
    expect(f[0]!.path).toBe('clouds[18].unit');
    expect(f[0]!.file).toMatch(/clouds\.yaml$/);
    expect(f[0]!.message).toContain('"qingyang"');
  });

  it('flags a data centre at a county', () => {
    const e = mutated('datacentres.yaml', (doc) => doc.setIn(['datacentres', 2, 'unit'], 'qingyang-xifeng'));
    expect(findingsOf(e, 'county-builds-no-cloud').map((f) => f.path)).toEqual(['datacentres[2].unit']);
  });
});

describe('§3.2 cloud-1-15-n', () => {
  it('a municipal unit without a cloud node', () => {
    const e = mutated('clouds.yaml', (doc) => doc.deleteIn(['clouds', 3]));
    const f = findingsOf(e, 'cloud-1-15-n');
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toMatch(/municipal unit "jinchang" \(金昌市\) has no cloud node/);
    expect(f[0]!.path).toBe('units[11]');
  });

  it('a second node for one municipal unit, and a second provincial cloud', () => {
    const e = mutated('clouds.yaml', (doc) => {
      doc.setIn(['clouds', 3, 'unit'], 'lanzhou');
      doc.setIn(['clouds', 17, 'kind'], 'provincial');
      doc.setIn(['clouds', 17, 'unit'], 'gansu');
    });
    const messages = findingsOf(e, 'cloud-1-15-n').map((f) => f.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/a second provincial cloud \("industry-energy", first is "gansu-provincial"\)/),
        expect.stringMatching(/"lanzhou" already has cloud node "lanzhou-cloud"/),
        expect.stringMatching(/"jinchang" .* has no cloud node/),
      ]),
    );
  });
});

describe('§4.1.1 extranet-dual-plane', () => {
  it('a county reaching only one plane', () => {
    const dir = copyGansu();
    dirs.push(dir);
    editYaml(dir, 'extranet.yaml', (doc) => {
      const links = doc.get('links') as { items: Array<{ get(k: string): unknown }> };
      const i = links.items.findIndex((l) => l.get('id') === 'p2.longnan.longnan-wudu');
      doc.deleteIn(['links', i]);
    });
    const f = findingsOf(loadEstate(dir), 'extranet-dual-plane');
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toBe('site "longnan-wudu" has no link on plane-2; every county site reaches both planes');
  });

  it('both planes over the same physical path', () => {
    const dir = copyGansu();
    dirs.push(dir);
    editText(dir, 'extranet.yaml', (t) => t.replace('path: p2-access-gannan-xiahe', 'path: p1-access-gannan-xiahe'));
    const f = findingsOf(loadEstate(dir), 'extranet-dual-plane');
    expect(f).toHaveLength(1);
    expect(f[0]!.path).toMatch(/^links\[\d+\]\.path$/);
    expect(f[0]!.message).toContain('same physical path "p1-access-gannan-xiahe"');
  });

  it('a county with no site at all', () => {
    const dir = copyGansu();
    dirs.push(dir);
    editYaml(dir, 'extranet.yaml', (doc) => {
      for (const key of ['sites', 'links']) {
        const seq = doc.get(key) as YAMLSeq<YAMLMap>;
        seq.items = seq.items.filter((item) => {
          const j = item.toJSON() as Record<string, unknown>;
          return j.id !== 'dingxi-minxian' && j.a !== 'dingxi-minxian' && j.b !== 'dingxi-minxian';
        });
      }
    });
    const f = findingsOf(loadEstate(dir), 'extranet-dual-plane');
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toMatch(/^county "dingxi-minxian" \(岷县\) has no extranet site/);
    expect(f[0]!.file).toMatch(/units\.yaml$/);
  });
});

describe('§4.1.1 extranet-bandwidth', () => {
  it('a backbone link under 10G and a county link under 1G', () => {
    const dir = copyGansu();
    dirs.push(dir);
    editText(dir, 'extranet.yaml', (t) =>
      t
        .replace(/(id: p1\.gansu\.tianshui[\s\S]*?bandwidthMbps: )10000/, '$19999')
        .replace(/(id: p2\.tianshui\.tianshui-gangu[\s\S]*?bandwidthMbps: )1000/, '$1999'),
    );
    const f = findingsOf(loadEstate(dir), 'extranet-bandwidth');
    expect(f.map((x) => x.message)).toEqual([
      'backbone link "p1.gansu.tianshui" has 9999 Mbit/s; at least 10000 Mbit/s is required',
      'city-to-county link "p2.tianshui.tianshui-gangu" has 999 Mbit/s; at least 1000 Mbit/s is required',
    ]);
    for (const x of f) expect(x.path).toMatch(/^links\[\d+\]\.bandwidthMbps$/);
  });
});

describe('§3.2 extranet-ipv6', () => {
  it('a plane without IPv6 and an IPv4-only site', () => {
    const dir = copyGansu();
    dirs.push(dir);
    editYaml(dir, 'extranet.yaml', (doc) => {
      doc.deleteIn(['planes', 1, 'ipv6']);
      doc.setIn(['sites', 7, 'stack'], 'ipv4-only');
    });
    const f = findingsOf(loadEstate(dir), 'extranet-ipv6');
    expect(f.map((x) => x.path)).toEqual(['planes[1].ipv6', 'sites[7].stack']);
  });
});

describe('§4.1.2 dr-two-sites-three-centres', () => {
  it('the shipped layout: Lanzhou to Qingyang is over 300 km', () => {
    const e = loadEstate(GANSU_DIR);
    const prod = e.datacentreById.get('dc-lanzhou-production')!;
    const remote = e.datacentreById.get('dc-qingyang-dr')!;
    const km = distanceKm(prod.location, remote.location);
    expect(km).toBeGreaterThan(300);
    expect(km).toBeLessThan(400);
  });

  it('a remote centre closer than the configured minimum', () => {
    const e = mutated('estate.yaml', (doc) => doc.setIn(['policies', 'drRemoteMinDistanceKm'], 500));
    const f = findingsOf(e, 'dr-two-sites-three-centres');
    expect(f).toHaveLength(1);
    expect(f[0]!.path).toBe('datacentres[2].location');
    expect(f[0]!.message).toMatch(/is 3\d\d km from production .* at least 500 km/);
  });

  it('a remote centre in the production city, and a missing same-city centre', () => {
    const dir = copyGansu();
    dirs.push(dir);
    editYaml(dir, 'datacentres.yaml', (doc) => {
      doc.setIn(['datacentres', 2, 'metro'], 'lanzhou');
      doc.setIn(['datacentres', 2, 'unit'], 'lanzhou');
      doc.setIn(['datacentres', 1, 'role'], 'none');
    });
    // The same-city standby stood in that centre: without it, its cloud goes too.
    editYaml(dir, 'clouds.yaml', (doc) => doc.deleteIn(['clouds', cloudIndex('gansu-provincial-same-city-dr')]));
    const e = loadEstate(dir);
    const messages = findingsOf(e, 'dr-two-sites-three-centres').map((f) => f.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/no data centre has role "same-city-dr"/),
        expect.stringMatching(/remote DR "dc-qingyang-dr" is in the same city as production/),
      ]),
    );
  });
});

describe('§4.1.2 standby clouds', () => {
  it('cloud-1-15-n does not count standbys; a provincial cloud that is no standby is a second one', () => {
    expect(findingsOf(loadEstate(GANSU_DIR), 'cloud-1-15-n')).toEqual([]);
    const i = cloudIndex('gansu-provincial-remote-dr');
    const e = mutated('clouds.yaml', (doc) => {
      doc.deleteIn(['clouds', i, 'role']);
      doc.deleteIn(['clouds', i, 'protects']);
    });
    expect(findingsOf(e, 'cloud-1-15-n').map((f) => f.message)).toEqual(['a second provincial cloud ("gansu-provincial-remote-dr", first is "gansu-provincial"); there is exactly one']);
  });

  it('dr-standby-room: a plan naming a centre with no standby for its cloud is an enforced finding naming the fix', () => {
    const e = mutated('clouds.yaml', (doc) => doc.deleteIn(['clouds', cloudIndex('gansu-provincial-remote-dr')]));
    const f = findingsOf(e, 'dr-standby-room');
    expect(f.map((x) => x.path)).toEqual(['tenants[0].dr.centres[1]', 'tenants[1].dr.centres[1]', 'tenants[3].dr.centres[1]', 'tenants[5].dr.centres[0]']);
    expect(f[0]).toMatchObject({
      mode: 'enforce',
      severity: 'error',
      file: expect.stringMatching(/tenants\.yaml$/),
      message:
        'tenant "data-sharing-exchange" on "gansu-provincial" has a DR plan naming remote-dr, but no standby there protects "gansu-provincial"; add a cloud with role: standby, datacentre: dc-qingyang-dr, protects: [gansu-provincial], or drop remote-dr from the plan',
    });
    expect(evaluatePolicies(e).failed).toBe(true);
  });

  it('dr-standby-room: a standby without room for the quotas of the DR tenants it holds copies for', () => {
    const i = cloudIndex('gansu-provincial-same-city-dr');
    const e = mutated('clouds.yaml', (doc) => doc.setIn(['clouds', i, 'capacity', 'vcpu'], 300));
    // Same-city copies: data-sharing-exchange 128 + health-records 64 + social-security 96 + student-records 32 = 320 vCPU.
    expect(findingsOf(e, 'dr-standby-room')).toEqual([
      expect.objectContaining({
        path: `clouds[${i}].capacity`,
        mode: 'enforce',
        message:
          'standby "gansu-provincial-same-city-dr" holds copies of 4 DR tenants (data-sharing-exchange, health-records, social-security, student-records) needing 320 vCPU, 1280 GiB memory, 110 TiB storage, beyond its capacity of 300 vCPU, 40960 GiB memory, 2000 TiB storage; raise its capacity, or add a standby for some of the clouds it protects',
      }),
    ]);
    expect(findingsOf(mutated('clouds.yaml', (doc) => doc.setIn(['clouds', i, 'capacity', 'vcpu'], 320)), 'dr-standby-room')).toEqual([]);
  });

  it('dr-standby-protected: a DR plan on a cloud no standby protects is audited, not enforced, unless the estate says so', () => {
    const shipped = findingsOf(loadEstate(GANSU_DIR), 'dr-standby-protected');
    expect(shipped.map((f) => f.mode)).toEqual(['audit', 'audit', 'audit', 'audit']);
    expect(shipped.find((f) => f.message.includes('"qingyang-emergency-command"'))).toMatchObject({
      path: 'tenants[10].dr',
      severity: 'warning',
      message:
        'tenant "qingyang-emergency-command" has a DR plan on "qingyang-cloud", which no standby protects: its backups have no standby copy to fail over to; add a cloud with role: standby and protects: [qingyang-cloud] in dc-lanzhou-new-area-dr and dc-qingyang-dr',
    });
    const e = mutated('estate.yaml', (doc) => doc.setIn(['policies', 'modes'], { 'dr-standby-protected': 'enforce' }));
    expect(evaluatePolicies(e).failed).toBe(true);
    // Protecting qingyang-cloud too moves its tenant to dr-standby-room's care, which it passes.
    const i = cloudIndex('gansu-provincial-same-city-dr');
    const j = cloudIndex('gansu-provincial-remote-dr');
    const both = mutated('clouds.yaml', (doc) => {
      doc.setIn(['clouds', i, 'protects'], doc.createNode(['gansu-provincial', 'qingyang-cloud']));
      doc.setIn(['clouds', j, 'protects'], doc.createNode(['gansu-provincial', 'qingyang-cloud']));
    });
    expect(findingsOf(both, 'dr-standby-protected').map((f) => f.path)).toEqual(['tenants[2].dr', 'tenants[6].dr', 'tenants[9].dr']);
    expect(findingsOf(both, 'dr-standby-room')).toEqual([]);
  });

  it('tenant-not-on-standby: an estate tenant on a standby is an enforced finding', () => {
    const e = mutated('tenants.yaml', (doc) => doc.setIn(['tenants', 4, 'node'], 'gansu-provincial-same-city-dr'));
    expect(findingsOf(e, 'tenant-not-on-standby')).toEqual([
      expect.objectContaining({
        path: 'tenants[4]',
        mode: 'enforce',
        message: 'tenant "student-records" is on "gansu-provincial-same-city-dr", a standby cloud: it holds DR copies for "gansu-provincial" and gets no tenants of its own; put it on a production node such as "gansu-provincial"',
      }),
    ]);
  });
});

describe('modes', () => {
  it('estate overrides switch a policy to audit; the report no longer fails', () => {
    const dir = copyGansu();
    dirs.push(dir);
    editYaml(dir, 'estate.yaml', (doc) => doc.setIn(['policies', 'modes'], { 'extranet-ipv6': 'audit' }));
    editYaml(dir, 'extranet.yaml', (doc) => doc.setIn(['sites', 7, 'stack'], 'ipv4-only'));
    const e = loadEstate(dir);
    expect(effectiveModes(e).get('extranet-ipv6')).toBe('audit');
    const report = evaluatePolicies(e);
    const ipv6 = report.findings.filter((f) => f.policy === 'extranet-ipv6');
    expect(ipv6).toHaveLength(1);
    expect(ipv6[0]!.mode).toBe('audit');
    expect(report.failed).toBe(false);
  });

  it('an unknown policy id is an estate error with a suggestion', () => {
    const e = mutated('estate.yaml', (doc) => doc.setIn(['policies', 'modes'], { 'cloud-1-15-m': 'audit' }));
    expect(() => evaluatePolicies(e)).toThrow(/policies\.modes\.cloud-1-15-m: unknown policy "cloud-1-15-m" \(did you mean "cloud-1-15-n"\?\)/);
  });
});
