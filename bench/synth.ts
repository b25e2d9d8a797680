// Synthesis benchmark: a synthetic province built in memory (1 province, 15 municipal units with
// 4 or 5 counties each (67), 3 data centres for "two sites, three centres" with backup endpoints, 16
// cloud nodes (1 provincial + 15 municipal), 157 departments, 2,000 tenants with quotas, MLPS
// levels, planes and DR plans), its ledger allocated in memory, then the synthesis timed:
// buildDesiredState + renderStacks (every stack to its final Terraform JSON text, as
// `longyun synth` writes it, but without writing files).
//
//   npm run build && npm run bench:synth      (or: node dist/bench/synth.js [--runs N] [--tenants N] [--no-cdktf])
//
// With the defaults the estate has 20,972 resources (a tenant has 7 to 12 objects: namespace,
// quota, limits, 2 or 3 network policies, role, binding, one attachment per plane, one backup
// schedule per DR centre; and each node a backup location per DR centre its tenants use);
// `--tenants 1000` gives about 10,500.
//
// Prints one JSON document on stdout (per-run lines on stderr). Node flags given to this script are
// passed on to the children.
//
// Every run is a fresh child process, so that the peak RSS (process.resourceUsage().maxRSS) is
// that of one synthesis, as `longyun synth` would see it: a cold start, no JIT warmed by earlier
// runs. The estate and its ledger (AddressPlan.build + allocateMissing) are made before the timer
// starts; `rssBeforeTimedMb` is what the process held then (the peak includes it). One warm-up run
// is discarded; it also checks the synthetic estate (loaded through the estate loader: schema and
// references) and the result (resource count, every stack parses back as JSON).
//
// The baseline, in the same child after the synthesis: JSON.stringify(stack, null, 2) of the same
// final stack objects (stackJson of every node, made before its timer starts). `ratio` is
// medianMs / baselineMs: what synthesis costs beyond printing its output. The same with CPU time
// (process.cpuUsage: all threads, GC included) as `ratioCpu`, which a busy machine disturbs less.
//
// The cdktf engine (synthWithCdktf, into a temporary directory: it always writes files) is
// measured once, in its own fresh child, for information: `cdktfMs` is the synthesis alone (its
// modules are imported before the timer, `cdktfImportMs`), `cdktfPeakRssMb` the child's peak.
// `cdktfSameJson` says whether its files parse to the JSON renderer's stacks, `cdktfSameBytes`
// whether they are the same text (cdktf writes an empty object as "{\n}" over two lines).
//
// A digest of the rendered text (all stacks, in node order) is printed: an optimisation of the
// renderer must not change it.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Estate } from '../topology/estate.js';
import { AddressPlan } from '../topology/ipam/address-plan.js';
import type { Cloud, DataCentre, Department, EstateDocument, Tenant, Unit } from '../topology/schema.js';
import { buildDesiredState } from '../stacks/graph/desired-state.js';
import { renderStacks } from '../stacks/synth.js';
import { flagValue, median, mulberry32, runChild } from './harness.js';

const TARGET_MS = 3000;
const TARGET_RSS_MB = 400;
const TARGET_RATIO = 5;

const MUNICIPAL = 15;
const DEFAULT_TENANTS = 2000;
/** Departments: 15 provincial, 5 per municipal unit, one per county: 157. */
const PROVINCIAL_DEPARTMENTS = 15;
const MUNICIPAL_DEPARTMENTS = 5;
/** Share of the tenants on the provincial node (the rest spread over the municipal nodes). */
const PROVINCIAL_SHARE = 0.25;

/** The synthetic province. */
export function syntheticProvince(tenantCount = DEFAULT_TENANTS): EstateDocument {
  const rnd = mulberry32(20250611);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const name = (id: string) => ({ zh: id, en: id });

  const units: Unit[] = [{ id: 'prov', level: 'province', name: name('prov') }];
  const countiesOf = new Map<string, string[]>();
  let county = 0;
  for (let m = 0; m < MUNICIPAL; m++) {
    const id = `city-${m}`;
    units.push({ id, level: 'municipal', parent: 'prov', name: name(id) });
    const list: string[] = [];
    for (let c = 0; c < 4 + (m % 2); c++) {
      const cid = `county-${county++}`;
      units.push({ id: cid, level: 'county', parent: id, name: name(cid) });
      list.push(cid);
    }
    countiesOf.set(id, list);
  }

  const dc = (id: string, unit: string, metro: string, role: DataCentre['role'], lat: number, lon: number): DataCentre => ({
    id,
    name: name(id),
    unit,
    metro,
    role,
    location: { lat, lon },
    backup: { endpoint: `https://oss.${id}.example`, region: `bench-${unit}` },
  });
  const datacentres: DataCentre[] = [
    dc('dc-production', 'city-0', 'city-0', 'production', 36.06, 103.83),
    dc('dc-same-city-dr', 'city-1', 'city-0', 'same-city-dr', 36.52, 103.65),
    dc('dc-remote-dr', 'city-10', 'city-10', 'remote-dr', 35.71, 107.64),
  ];

  const capacity = (vcpu: number) => ({ vcpu, memoryGiB: vcpu * 4, storageTiB: vcpu / 5 });
  const clouds: Cloud[] = [
    { id: 'provincial-cloud', kind: 'provincial', unit: 'prov', name: name('provincial-cloud'), datacentre: 'dc-production', capacity: capacity(20000) },
  ];
  for (let m = 0; m < MUNICIPAL; m++) clouds.push({ id: `city-${m}-cloud`, kind: 'municipal', unit: `city-${m}`, name: name(`city-${m}-cloud`), capacity: capacity(4000) });

  // Departments, each with the node its tenants run on: provincial ones on the provincial cloud,
  // municipal and county ones on their city's cloud (counties build no cloud).
  const departments: Department[] = [];
  const nodeOf = new Map<string, string>();
  for (let d = 0; d < PROVINCIAL_DEPARTMENTS; d++) {
    departments.push({ id: `prov-dept-${d}`, name: name(`prov-dept-${d}`), unit: 'prov' });
    nodeOf.set(`prov-dept-${d}`, 'provincial-cloud');
  }
  const local: string[] = [];
  for (let m = 0; m < MUNICIPAL; m++) {
    const city = `city-${m}`;
    for (let d = 0; d < MUNICIPAL_DEPARTMENTS; d++) {
      const id = `${city}-dept-${d}`;
      departments.push({ id, name: name(id), unit: city });
      nodeOf.set(id, `${city}-cloud`);
      local.push(id);
    }
    for (const c of countiesOf.get(city)!) {
      const id = `${c}-dept`;
      departments.push({ id, name: name(id), unit: c });
      nodeOf.set(id, `${city}-cloud`);
      local.push(id);
    }
  }

  const CPU = ['4', '8', '16', '16', '32', '32', '64', '128'];
  const STORAGE = ['500Gi', '1Ti', '2Ti', '2Ti', '5Ti', '10Ti', '20Ti'];
  const RPO = [15, 30, 60, 60, 240, 1440];
  const tenants: Tenant[] = [];
  const provincial = Math.round(tenantCount * PROVINCIAL_SHARE);
  for (let i = 0; i < tenantCount; i++) {
    const department = i < provincial ? `prov-dept-${i % PROVINCIAL_DEPARTMENTS}` : local[(i - provincial) % local.length]!;
    const cpu = pick(CPU);
    const p = rnd();
    // Both planes for most; a few reach one plane only, a few neither (internal systems).
    const planes = p < 0.85 ? ['plane-1', 'plane-2'] : p < 0.93 ? ['plane-1'] : p < 0.97 ? ['plane-2'] : [];
    const t: Tenant = {
      id: `app-${String(i).padStart(4, '0')}`,
      department,
      node: nodeOf.get(department)!,
      quota: { cpu, memory: `${Number(cpu) * 4}Gi`, storage: pick(STORAGE) },
      mlps: pick([2, 2, 3, 3, 3, 4]),
      planes,
    };
    const d = rnd();
    if (d < 0.5) {
      const centres: Array<'same-city-dr' | 'remote-dr'> = d < 0.2 ? ['same-city-dr', 'remote-dr'] : d < 0.4 ? ['same-city-dr'] : ['remote-dr'];
      const rpoMinutes = pick(RPO);
      t.dr = { rpoMinutes, rtoMinutes: rpoMinutes * 4, centres, ...(rnd() < 0.5 ? { retentionDays: pick([7, 30, 90, 365]) } : {}) };
    }
    tenants.push(t);
  }

  const plane = (id: string, ipv6: string, ipv4: string) => ({ id, name: name(id), physical: 'synthetic', ipv6, ipv4 });
  return {
    estate: { name: 'bench-synth' },
    ipam: {},
    policies: {},
    units,
    clouds,
    datacentres,
    planes: [plane('plane-1', '2001:db8::/33', '10.0.0.0/9'), plane('plane-2', '2001:db8:8000::/33', '10.128.0.0/9')],
    sites: [],
    links: [],
    departments,
    tenants,
  };
}

function rssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

const ms = (t0: bigint, t1: bigint) => Number(t1 - t0) / 1e6;

interface RunResult {
  ms: number;
  cpuMs: number;
  peakRssMb: number;
  rssBeforeMb: number;
  baselineMs: number;
  baselineCpuMs: number;
  tenants: number;
  nodes: number;
  resources: number;
  bytes: number;
  digest: string;
}

/** Estate and ledger, in memory (not timed). */
function prepare(tenants: number): { estate: Estate; plan: AddressPlan } {
  const estate = new Estate(syntheticProvince(tenants), undefined);
  const plan = AddressPlan.build(estate, [], { file: 'bench' });
  plan.allocateMissing();
  return { estate, plan };
}

async function runOnce(tenants: number, check: boolean): Promise<RunResult> {
  const { estate, plan } = prepare(tenants);
  const rssBeforeMb = rssMb();

  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const state = buildDesiredState(estate, plan);
  const rendered = renderStacks(state);
  const t1 = process.hrtime.bigint();
  const cpu = process.cpuUsage(cpu0);
  const peakRssMb = rssMb();

  // Outside the timed section: size, digest, checks.
  const { createHash } = await import('node:crypto');
  const hash = createHash('sha256');
  let bytes = 0;
  for (const [node, text] of rendered) {
    hash.update(`${node}\n`).update(text);
    bytes += Buffer.byteLength(text);
  }
  const digest = hash.digest('hex').slice(0, 16);
  const resources = state.nodes.reduce((n, g) => n + g.resources.length, 0);
  const fail = (msg: string): never => {
    process.stderr.write(`bench: WRONG RESULT: ${msg}\n`);
    process.exit(2);
  };
  if (rendered.size !== estate.doc.clouds.length) fail(`${rendered.size} stacks for ${estate.doc.clouds.length} nodes`);
  if (check) {
    // The synthetic estate passes the loader (schema, duplicate ids, references).
    const { loadEstateFromSources } = await import('../topology/load.js');
    loadEstateFromSources([{ file: 'bench.yaml', text: JSON.stringify(estate.doc) }]);
    let parsed = 0;
    for (const text of rendered.values()) {
      const stack = JSON.parse(text) as { resource?: Record<string, Record<string, unknown>> };
      for (const byName of Object.values(stack.resource ?? {})) parsed += Object.keys(byName).length;
    }
    if (parsed !== resources) fail(`the stacks hold ${parsed} resources, the graph ${resources}`);
  }

  // The baseline: stringify alone, of the same final stack objects made beforehand.
  rendered.clear();
  const { stackJson } = await import('../stacks/terraform/stack-json.js');
  const objects = state.nodes.map((g) => stackJson(g));
  const bcpu0 = process.cpuUsage();
  const b0 = process.hrtime.bigint();
  const texts: string[] = [];
  for (const o of objects) texts.push(`${JSON.stringify(o, null, 2)}\n`);
  const b1 = process.hrtime.bigint();
  const bcpu = process.cpuUsage(bcpu0);
  if (texts.reduce((n, t) => n + Buffer.byteLength(t), 0) !== bytes) fail('the baseline text differs in size from the synthesized text');

  return {
    ms: ms(t0, t1),
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakRssMb,
    rssBeforeMb,
    baselineMs: ms(b0, b1),
    baselineCpuMs: (bcpu.user + bcpu.system) / 1000,
    tenants: estate.doc.tenants.length,
    nodes: state.nodes.length,
    resources,
    bytes,
    digest,
  };
}

interface CdktfResult {
  ms: number;
  importMs: number;
  peakRssMb: number;
  /** Its stacks parse to the same JSON as the renderer's. */
  sameJson: boolean;
  /** Its files are byte for byte the renderer's text. */
  sameBytes: boolean;
}

/** The cdktf engine, once: synthWithCdktf into a temporary directory (it writes the files). */
async function cdktfOnce(tenants: number): Promise<CdktfResult> {
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { estate, plan } = prepare(tenants);
  const state = buildDesiredState(estate, plan);
  const i0 = process.hrtime.bigint();
  const { synthWithCdktf } = await import('../stacks/cdktf/synth-app.js');
  const i1 = process.hrtime.bigint();
  const dir = mkdtempSync(join(tmpdir(), 'longyun-bench-cdktf-'));
  try {
    const t0 = process.hrtime.bigint();
    synthWithCdktf(state, dir);
    const t1 = process.hrtime.bigint();
    const peakRssMb = rssMb();
    const { isDeepStrictEqual } = await import('node:util');
    let sameJson = true;
    let sameBytes = true;
    for (const [node, text] of renderStacks(state)) {
      const theirs = readFileSync(join(dir, 'stacks', node, 'cdk.tf.json'), 'utf8');
      if (theirs !== text) sameBytes = false;
      if (!isDeepStrictEqual(JSON.parse(theirs), JSON.parse(text))) sameJson = false;
    }
    return { ms: ms(t0, t1), importMs: ms(i0, i1), peakRssMb, sameJson, sameBytes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function child<T>(args: string[]): Promise<T> {
  return runChild<T>(fileURLToPath(import.meta.url), args);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (flag: string, dflt: number) => {
    const v = flagValue(flag, argv);
    return v === undefined ? dflt : Number(v);
  };
  const tenants = opt('--tenants', DEFAULT_TENANTS);
  if (argv[0] === '--child') {
    process.stdout.write(JSON.stringify(await runOnce(tenants, argv[1] === 'check')));
    return;
  }
  if (argv[0] === '--cdktf-child') {
    process.stdout.write(JSON.stringify(await cdktfOnce(tenants)));
    return;
  }
  const os = await import('node:os');
  const runs = opt('--runs', 5);
  const t = ['--tenants', String(tenants)];

  const checked = await child<RunResult>(['--child', 'check', ...t]);
  process.stderr.write(`warm-up: ${checked.ms.toFixed(0)} ms, ${checked.peakRssMb.toFixed(0)} MB, checked ${checked.resources} resources, ${(checked.bytes / 1e6).toFixed(1)} MB of JSON, digest ${checked.digest}\n`);
  const results: RunResult[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await child<RunResult>(['--child', 'run', ...t]);
    if (r.digest !== checked.digest || r.resources !== checked.resources) throw new Error('runs disagree');
    process.stderr.write(
      `run ${i + 1}: ${r.ms.toFixed(0)} ms (${r.cpuMs.toFixed(0)} ms CPU), peak RSS ${r.peakRssMb.toFixed(0)} MB (${r.rssBeforeMb.toFixed(0)} MB before), baseline ${r.baselineMs.toFixed(0)} ms\n`,
    );
    results.push(r);
  }
  const cdktf = argv.includes('--no-cdktf') ? undefined : await child<CdktfResult>(['--cdktf-child', ...t]);
  if (cdktf) {
    process.stderr.write(`cdktf: ${cdktf.ms.toFixed(0)} ms (+${cdktf.importMs.toFixed(0)} ms import), peak RSS ${cdktf.peakRssMb.toFixed(0)} MB, same JSON: ${cdktf.sameJson}, same bytes: ${cdktf.sameBytes}\n`);
  }

  const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
  const medianMs = median(results.map((r) => r.ms));
  const peakRssMb = median(results.map((r) => r.peakRssMb));
  const baselineMs = median(results.map((r) => r.baselineMs));
  const ratio = medianMs / baselineMs;
  const medianCpuMs = median(results.map((r) => r.cpuMs));
  const baselineCpuMs = median(results.map((r) => r.baselineCpuMs));
  const report = {
    tenants: checked.tenants,
    nodes: checked.nodes,
    resources: checked.resources,
    jsonMb: round(checked.bytes / 1e6, 2),
    runs,
    runsMs: results.map((r) => round(r.ms)),
    medianMs: round(medianMs),
    medianCpuMs: round(medianCpuMs),
    peakRssMb: round(peakRssMb),
    rssBeforeTimedMb: round(median(results.map((r) => r.rssBeforeMb))),
    baseline: 'JSON.stringify(stack, null, 2) of the same final stack objects, made beforehand',
    baselineMs: round(baselineMs),
    baselineCpuMs: round(baselineCpuMs),
    ratio: round(ratio, 2),
    ratioCpu: round(medianCpuMs / baselineCpuMs, 2),
    targetMs: TARGET_MS,
    targetRssMb: TARGET_RSS_MB,
    targetRatio: TARGET_RATIO,
    meetsTargets: medianMs < TARGET_MS && peakRssMb < TARGET_RSS_MB && ratio < TARGET_RATIO,
    cdktfMs: cdktf ? round(cdktf.ms) : null,
    cdktfImportMs: cdktf ? round(cdktf.importMs) : null,
    cdktfPeakRssMb: cdktf ? round(cdktf.peakRssMb) : null,
    cdktfSameJson: cdktf?.sameJson ?? null,
    cdktfSameBytes: cdktf?.sameBytes ?? null,
    digest: checked.digest,
    node: process.version,
    cpus: os.cpus().length,
    loadAverage: os.loadavg().map((x) => round(x, 2)),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

// Run only when executed, not when imported (e.g. by a profiling script).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
