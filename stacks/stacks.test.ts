// The synthesized stacks are the contract: structure, determinism, no credentials, and the same
// JSON from longyun's renderer and from cdktf itself.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyGansu, editYaml, GANSU_DIR, removeDir } from '../topology/estate.test-helpers.js';
import { parsePrefix, contains } from '../topology/prefix.js';
import { desiredStateOf } from './desired-state-of.js';
import { cronForRpo } from './graph/dr-schedule.js';
import { diffStacks } from './diff.js';
import { synthWithCdktf } from './cdktf/synth-app.js';
import { RESOURCE_TYPES } from './terraform/provider-config.js';
import { CDKTF_VERSION, KUBERNETES_PROVIDER, stackJson } from './terraform/stack-json.js';
import { renderStacks, writeStacks } from './synth.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const loaded = desiredStateOf(GANSU_DIR);
const rendered = renderStacks(loaded.state);
const stack = (node: string): Json => JSON.parse(rendered.get(node)!);
const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('the Gansu stacks', () => {
  it('one stack per cloud node: 1 provincial, 15 municipal, 3 industry and 2 standbys (theirs empty: the operator keeps the copies)', () => {
    expect([...rendered.keys()]).toEqual(loaded.estate.doc.clouds.map((c) => c.id));
    expect(rendered.size).toBe(21);
  });

  it('snapshot of a municipal stack', async () => {
    await expect(rendered.get('lanzhou-cloud')).toMatchFileSnapshot('./__snapshots__/lanzhou-cloud.cdk.tf.json');
  });

  it('every tenant namespace has its quota, limit range and default-deny policy, in its node\'s stack', () => {
    for (const tenant of loaded.estate.doc.tenants) {
      const s = stack(tenant.node);
      const inNs = (type: string) => Object.values((s.resource[type] ?? {}) as Record<string, Json>).filter((r) => r.metadata.namespace === tenant.id);
      expect(Object.values(s.resource.kubernetes_namespace_v1 as Record<string, Json>).map((n) => n.metadata.name)).toContain(tenant.id);
      const [quota] = inNs('kubernetes_resource_quota_v1');
      expect(quota?.spec.hard).toMatchObject({ 'requests.cpu': tenant.quota.cpu, 'limits.memory': tenant.quota.memory, 'requests.storage': tenant.quota.storage });
      expect(inNs('kubernetes_limit_range_v1')).toHaveLength(1);
      const deny = inNs('kubernetes_network_policy_v1').find((p) => p.metadata.name === 'longyun-default-deny');
      expect(deny?.spec).toEqual({ pod_selector: {}, policy_types: ['Ingress', 'Egress'] });
    }
  });

  it('NetworkPolicy CIDRs are exactly the ledger\'s plane roots of the planes a tenant may reach', () => {
    const province = loaded.estate.province()!.id;
    for (const tenant of loaded.estate.doc.tenants) {
      const s = stack(tenant.node);
      const allow = Object.values(s.resource.kubernetes_network_policy_v1 as Record<string, Json>).find(
        (p) => p.metadata.namespace === tenant.id && p.metadata.name === 'longyun-allow-planes',
      )!;
      const cidrs = allow.spec.egress[0].to.map((peer: Json) => peer.ip_block.cidr);
      const expected = tenant.planes.flatMap((p) => ['ipv6', 'ipv4'].map((f) => loaded.plan.get(p, f as 'ipv6', province)!.prefix));
      expect(cidrs).toEqual(expected);
      expect(allow.spec.ingress[0].from.map((peer: Json) => peer.ip_block.cidr)).toEqual(expected);
    }
  });

  it('each tenant gets one Multus attachment per plane, ranged on its node\'s own ledger allocation', () => {
    for (const tenant of loaded.estate.doc.tenants) {
      const manifests = Object.values(stack(tenant.node).resource.kubernetes_manifest as Record<string, Json>).map((r) => r.manifest);
      const nads = manifests.filter((m) => m.kind === 'NetworkAttachmentDefinition' && m.metadata.namespace === tenant.id);
      expect(nads.map((n) => n.metadata.name)).toEqual(tenant.planes);
      for (const nad of nads) {
        const ranges = JSON.parse(nad.spec.config).ipam.ipRanges.map((r: Json) => r.range);
        const own = ['ipv6', 'ipv4'].map((f) => loaded.plan.get(nad.metadata.name, f as 'ipv6', tenant.node)!);
        expect(ranges).toEqual(own.map((a) => a.prefix));
        for (const a of own) expect(a.level).toBe('cloud');
      }
    }
  });

  it('tiered operations: each namespace is bound to the ops group of its department\'s own level and unit', () => {
    const yuzhong = Object.values(stack('lanzhou-cloud').resource.kubernetes_role_binding_v1 as Record<string, Json>).find(
      (b) => b.metadata.namespace === 'yuzhong-office-automation',
    )!;
    expect(yuzhong.subject).toEqual([{ api_group: 'rbac.authorization.k8s.io', kind: 'Group', name: 'longyun:ops:county:lanzhou-yuzhong' }]);
    const hotline = Object.values(stack('lanzhou-cloud').resource.kubernetes_role_binding_v1 as Record<string, Json>).find(
      (b) => b.metadata.namespace === 'lanzhou-12345-hotline',
    )!;
    expect(hotline.subject[0].name).toBe('longyun:ops:municipal:lanzhou');
    for (const s of rendered.values()) {
      for (const role of Object.values((JSON.parse(s).resource?.kubernetes_role_v1 ?? {}) as Record<string, Json>)) {
        const writable = role.rule.filter((r: Json) => r.verbs.includes('update')).flatMap((r: Json) => r.resources);
        expect(writable).not.toContain('resourcequotas');
        expect(writable).not.toContain('networkpolicies');
      }
    }
  });

  it('DR plans become Velero schedules at the RPO\'s frequency, with storage locations for the centres', () => {
    const manifests = Object.values(stack('gansu-provincial').resource.kubernetes_manifest as Record<string, Json>).map((r) => r.manifest);
    const schedule = manifests.find((m) => m.kind === 'Schedule' && m.metadata.name === 'social-security-remote-dr')!;
    expect(schedule.spec.schedule).toBe('*/5 * * * *'); // RPO 5 min
    expect(schedule.spec.template).toMatchObject({ includedNamespaces: ['social-security'], storageLocation: 'dc-qingyang-dr', ttl: '4320h0m0s' });
    const bsls = manifests.filter((m) => m.kind === 'BackupStorageLocation').map((m) => m.metadata.name);
    expect(bsls.sort()).toEqual(['dc-lanzhou-new-area-dr', 'dc-qingyang-dr']);
    const tianshui = Object.values(stack('tianshui-cloud').resource.kubernetes_manifest as Record<string, Json>).map((r) => r.manifest);
    expect(tianshui.filter((m) => m.kind === 'BackupStorageLocation').map((m) => m.metadata.name)).toEqual(['dc-qingyang-dr']);
    expect(tianshui.find((m) => m.kind === 'Schedule')!.spec.schedule).toBe('0 */4 * * *'); // RPO 240 min
  });

  it('no stack contains a credential: the provider reads a kubeconfig path and context from variables', () => {
    for (const [node, text] of rendered) {
      const s = JSON.parse(text) as Json;
      expect(s.provider).toEqual({ kubernetes: [{ config_context: '${var.kubeconfig_context}', config_path: '${var.kubeconfig_path}' }] });
      expect(text).not.toMatch(/token|password|client[-_]key|client[-_]certificate|certificate[-_]authority[-_]data|BEGIN [A-Z ]*PRIVATE KEY|secret_key|access_key/i);
      expect(s.terraform.backend).toEqual({ local: { path: `terraform.${node}.tfstate` } });
    }
  });

  it('every resource type emitted exists in the prebuilt kubernetes provider', async () => {
    const emitted = new Set<string>();
    for (const text of rendered.values()) for (const t of Object.keys(JSON.parse(text).resource ?? {})) emitted.add(t);
    expect([...emitted].every((t) => (RESOURCE_TYPES as readonly string[]).includes(t))).toBe(true);
    const lib = join(GANSU_DIR, '../../../node_modules/@cdktf/provider-kubernetes/lib');
    const known = new Set<string>();
    for (const dir of readdirSync(lib)) {
      try {
        const m = /tfResourceType = "([a-z0-9_]+)"/.exec(readFileSync(join(lib, dir, 'index.js'), 'utf8'));
        if (m) known.add(m[1]!);
      } catch {
        // not a resource directory
      }
    }
    expect(known.size).toBeGreaterThan(50);
    for (const t of RESOURCE_TYPES) expect(known, t).toContain(t);
    expect(KUBERNETES_PROVIDER.version).toBe(JSON.parse(readFileSync(join(lib, '..', 'package.json'), 'utf8')).cdktf.provider.version);
  });
});

describe('determinism', () => {
  it('the same estate gives byte-identical output, whatever the order of tenants and files', () => {
    const dir = copyGansu({ withLedger: true });
    try {
      editYaml(dir, 'tenants.yaml', (doc) => {
        const seq = doc.get('tenants') as { items: unknown[] };
        seq.items.reverse();
      });
      const again = renderStacks(desiredStateOf(dir).state);
      expect([...again.entries()]).toEqual([...rendered.entries()]);
    } finally {
      removeDir(dir);
    }
  });

  it('writeStacks writes the same bytes twice and removes stacks of nodes that are gone', () => {
    const out = mkdtempSync(join(tmpdir(), 'longyun-synth-'));
    temps.push(out);
    writeStacks(loaded.state, out);
    const first = readFileSync(join(out, 'stacks', 'lanzhou-cloud', 'cdk.tf.json'), 'utf8');
    const r = writeStacks({ ...loaded.state, nodes: loaded.state.nodes.filter((n) => n.node !== 'industry-energy') }, out);
    expect(readFileSync(join(out, 'stacks', 'lanzhou-cloud', 'cdk.tf.json'), 'utf8')).toBe(first);
    expect(r.removed).toEqual(['industry-energy']);
    expect(readdirSync(join(out, 'stacks'))).not.toContain('industry-energy');
  });
});

describe('the cdktf engine', () => {
  it('synthesizes the same Terraform JSON as longyun\'s renderer', () => {
    const out = mkdtempSync(join(tmpdir(), 'longyun-cdktf-'));
    temps.push(out);
    synthWithCdktf(loaded.state, out);
    for (const [node, text] of rendered) {
      const viaCdktf = JSON.parse(readFileSync(join(out, 'stacks', node, 'cdk.tf.json'), 'utf8'));
      expect(viaCdktf, node).toEqual(JSON.parse(text));
    }
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).version).toBe(CDKTF_VERSION);
  }, 120_000);

  it('configures other backends the same way', () => {
    const backend = { type: 's3' as const, config: { bucket: 'tfstate', key: 'gansu/lanzhou.tfstate', region: 'gansu' } };
    const graph = loaded.state.nodes.find((n) => n.node === 'tianshui-cloud')!;
    const out = mkdtempSync(join(tmpdir(), 'longyun-cdktf-'));
    temps.push(out);
    synthWithCdktf({ ...loaded.state, nodes: [graph] }, out, backend);
    const viaCdktf = JSON.parse(readFileSync(join(out, 'stacks', 'tianshui-cloud', 'cdk.tf.json'), 'utf8'));
    expect(viaCdktf.terraform.backend).toEqual({ s3: { bucket: 'tfstate', key: 'gansu/lanzhou.tfstate', region: 'gansu' } });
    expect(viaCdktf).toEqual(stackJson(graph, { backend }));
  }, 60_000);
});

describe('diff', () => {
  it('reports added, changed (with attributes) and removed resources per stack', () => {
    const dir = copyGansu({ withLedger: true });
    try {
      editYaml(dir, 'tenants.yaml', (doc) => {
        doc.setIn(['tenants', 7, 'quota', 'cpu'], '24'); // lanzhou-12345-hotline: 16 → 24
        doc.deleteIn(['tenants', 9]); // tianshui-data-platform removed
      });
      const after = new Map([...renderStacks(desiredStateOf(dir).state)].map(([k, v]) => [k, JSON.parse(v)]));
      const before = new Map([...rendered].map(([k, v]) => [k, JSON.parse(v)]));
      const report = diffStacks(before, after);
      expect(report.changed).toBe(true);
      const lanzhou = report.stacks.find((s) => s.stack === 'lanzhou-cloud')!;
      const quota = lanzhou.changed.find((c) => c.address === 'kubernetes_resource_quota_v1.tenant_lanzhou-12345-hotline_quota')!;
      expect(quota.changes).toEqual(
        expect.arrayContaining([{ path: 'spec.hard.requests.cpu', before: '16', after: '24' }, { path: 'spec.hard.limits.cpu', before: '16', after: '24' }]),
      );
      const tianshui = report.stacks.find((s) => s.stack === 'tianshui-cloud')!;
      expect(tianshui.added).toEqual([]);
      expect(tianshui.removed).toContain('kubernetes_namespace_v1.tenant_tianshui-data-platform_namespace');
      expect(report.stacks.find((s) => s.stack === 'jinchang-cloud')!.status).toBe('unchanged');
      expect(diffStacks(before, before).changed).toBe(false);
    } finally {
      removeDir(dir);
    }
  });
});

describe('cronForRpo', () => {
  it.each([
    [1, '* * * * *', 1],
    [5, '*/5 * * * *', 5],
    [7, '*/6 * * * *', 6],
    [45, '*/30 * * * *', 30],
    [60, '0 * * * *', 60],
    [240, '0 */4 * * *', 240],
    [300, '0 */4 * * *', 240],
    [1440, '0 2 * * *', 1440],
    [4320, '0 2 */3 * *', 4320],
  ])('RPO %i min → %s', (rpo, cron, interval) => {
    expect(cronForRpo(rpo)).toEqual({ cron, intervalMinutes: interval });
    expect(interval).toBeLessThanOrEqual(rpo);
  });

  it('an RPO of zero needs replication, not backups', () => {
    expect(() => cronForRpo(0)).toThrow(/synchronous replication/);
  });
});

describe('desiredStateOf', () => {
  it('refuses to synthesize from an incomplete ledger and says how to fix it', () => {
    const dir = copyGansu({ withLedger: true });
    try {
      editYaml(dir, 'units.yaml', (doc) => {
        (doc.get('units') as { items: unknown[] }).items.push(doc.createNode({ id: 'baiyin-new', level: 'county', parent: 'baiyin', name: { zh: '新县', en: 'New' } }));
      });
      expect(() => desiredStateOf(dir)).toThrow(/the ledger lacks 16 allocations .* run "longyun ipam allocate/);
    } finally {
      removeDir(dir);
    }
  });

  it('every node range in an attachment lies inside the node\'s host prefix', () => {
    for (const c of loaded.estate.doc.clouds) {
      for (const plane of ['plane-1', 'plane-2']) {
        for (const family of ['ipv6', 'ipv4'] as const) {
          const own = loaded.plan.get(plane, family, c.id)!;
          const host = loaded.plan.get(plane, family, c.datacentre ?? c.unit)!;
          expect(contains(parsePrefix(host.prefix), parsePrefix(own.prefix))).toBe(true);
        }
      }
    }
  });
});

describe('containerDefaults', () => {
  it('never default above the quota (the API server rejects a LimitRange whose default exceeds its max)', async () => {
    const { containerDefaults } = await import('./graph/tenant-objects.js');
    expect(containerDefaults({ cpu: '32', memory: '128Gi', storage: '1Ti' })).toEqual({ default: { cpu: '1', memory: '2Gi' }, defaultRequest: { cpu: '250m', memory: '512Mi' } });
    expect(containerDefaults({ cpu: '500m', memory: '1Gi', storage: '10Gi' })).toEqual({ default: { cpu: '500m', memory: '1Gi' }, defaultRequest: { cpu: '250m', memory: '512Mi' } });
    expect(containerDefaults({ cpu: '100m', memory: '256Mi', storage: '1Gi' })).toEqual({ default: { cpu: '100m', memory: '256Mi' }, defaultRequest: { cpu: '100m', memory: '256Mi' } });
  });
});
