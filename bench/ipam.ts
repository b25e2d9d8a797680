// IPAM benchmark: a synthetic estate ten times Gansu's size (1 province, 150 municipal units, 860
// counties, 14,000 townships, ~150,000 service subnets), two planes with IPv6 and IPv4 roots, and
// the whole address plan allocated from an empty ledger: AddressPlan.build + allocateMissing,
// ~660,000 allocations.
//
//   npm run build && npm run bench            (or: node dist/bench/ipam.js [--runs N])
//
// Every run is a fresh child process, so that the peak RSS (process.resourceUsage().maxRSS) is
// the peak of exactly one build + allocation, as the CLI (`longyun ipam allocate`) would see it:
// a cold start, no JIT warmed up by earlier runs. One warm-up run is discarded. The synthetic
// estate is built in memory before the timer starts. After the timer stops (and after maxRSS is
// read) the child checks the result: one allocation per requirement, each of the configured
// length, and the whole ledger re-validated by AddressPlan.build (disjoint siblings, inside the
// parent); it also prints a digest of the allocations so that optimisations can be checked not to
// change a single prefix.
//
// The baseline (also a fresh child per run) creates the same number of plain allocation objects
// with owner strings and prefix strings formatted by hand, which is the least any IPAM producing
// this result has to do; `ratio` is medianMs / baselineMs.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Estate } from '../topology/estate.js';
import { AddressPlan } from '../topology/ipam/address-plan.js';
import { requirementsOf } from '../topology/ipam/requirements.js';
import type { EstateDocument, Unit } from '../topology/schema.js';
import { EstateFile } from '../topology/schema.js';
import { validate } from '../topology/validate.js';
import { parsePrefix } from '../topology/prefix.js';

const TARGET_MS = 1000;
const TARGET_RSS_MB = 200;

const MUNICIPAL = 150;
const COUNTIES = 860;
const TOWNSHIPS = 14_000;
const SERVICES = {
  province: ['core', 'dns', 'management'],
  municipal: ['core', 'management', 'cloud-interconnect'],
  county: ['office', 'video', 'management', 'health', 'education', 'police', 'tax', 'court', 'finance', 'social', 'agri'],
  township: ['office', 'video', 'management', 'health', 'education', 'police', 'tax', 'finance', 'social', 'agri'],
};

/** The synthetic estate document; counts spread as evenly as possible over their parents. */
export function syntheticDocument(): EstateDocument {
  const units: Unit[] = [];
  const name = (id: string) => ({ zh: id, en: id });
  units.push({ id: 'prov', level: 'province', name: name('prov') });
  for (let m = 0; m < MUNICIPAL; m++) units.push({ id: `m${m}`, level: 'municipal', parent: 'prov', name: name(`m${m}`) });
  for (let c = 0; c < COUNTIES; c++) {
    units.push({ id: `c${c}`, level: 'county', parent: `m${c % MUNICIPAL}`, name: name(`c${c}`) });
  }
  for (let t = 0; t < TOWNSHIPS; t++) {
    units.push({ id: `t${t}`, level: 'township', parent: `c${t % COUNTIES}`, name: name(`t${t}`) });
  }
  const plane = (id: string, ipv6: string, ipv4: string) => ({ id, name: name(id), physical: 'synthetic', ipv6, ipv4 });
  return {
    estate: { name: 'bench' },
    ipam: {
      sizes: {
        ipv6: { municipal: 44, county: 48, township: 56, datacentre: 48, service: 64 },
        ipv4: { municipal: 17, county: 20, township: 25, datacentre: 22, service: 29 },
      },
      services: SERVICES,
    },
    policies: {},
    units,
    clouds: [],
    datacentres: [],
    planes: [plane('plane-1', '2001:db8::/33', '10.0.0.0/9'), plane('plane-2', '2001:db8:8000::/33', '10.128.0.0/9')],
    sites: [],
    links: [],
    departments: [],
  };
}

function rssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

interface RunResult {
  ms: number;
  peakRssMb: number;
  rssBeforeMb: number;
  allocations: number;
  requirements: number;
  services: number;
  digest: string;
}

/** One timed build + allocation, in this (fresh) process. */
function runOnce(check: boolean): RunResult {
  const doc = syntheticDocument();
  const estate = new Estate(doc, undefined);
  const rssBeforeMb = rssMb();

  const t0 = process.hrtime.bigint();
  const plan = AddressPlan.build(estate, [], { file: 'bench' });
  const added = plan.allocateMissing();
  const t1 = process.hrtime.bigint();
  const peakRssMb = rssMb();
  const ms = Number(t1 - t0) / 1e6;

  // Correctness, outside the timed section.
  const fail = (msg: string): never => {
    process.stderr.write(`bench: WRONG RESULT: ${msg}\n`);
    process.exit(2);
  };
  let requirements = 0;
  let services = 0;
  const reqs = requirementsOf(estate);
  for (const r of reqs) {
    requirements++;
    if (r.level === 'service' && r.plane === 'plane-1' && r.family === 'ipv6') services++;
    if (!check) continue;
    const a = plan.get(r.plane, r.family, r.owner);
    if (!a) fail(`no allocation for ${r.plane} ${r.family} ${r.owner}`);
    else if (a.level !== r.level || parsePrefix(a.prefix).len !== r.length) fail(`wrong allocation for ${r.owner}: ${JSON.stringify(a)}`);
  }
  if (added.length !== requirements) fail(`${added.length} allocations for ${requirements} requirements`);
  if (plan.allocations().length !== requirements) fail(`allocations() has ${plan.allocations().length}, expected ${requirements}`);
  const hash = createHash('sha256');
  for (const a of plan.allocations()) hash.update(`${a.plane} ${a.family} ${a.owner} ${a.level} ${a.prefix} ${a.parent}\n`);
  const digest = hash.digest('hex').slice(0, 16);
  if (check) {
    // Re-validate the whole result as a ledger: containment, disjoint siblings, parents.
    const again = AddressPlan.build(estate, plan.allocations(), { file: 'bench-check' });
    if (again.allocateMissing().length !== 0) fail('the result, loaded as a ledger, is incomplete');
    const issues = validate(EstateFile, { ...doc }, 'bench');
    if (issues.length > 0) fail(`synthetic estate is invalid: ${issues[0]!.path}: ${issues[0]!.message}`);
  }
  return { ms, peakRssMb, rssBeforeMb, allocations: added.length, requirements, services, digest };
}

/** The baseline: the same number of plain allocation objects, prefix strings formatted by hand. */
function baselineOnce(count: number): { ms: number } {
  const t0 = process.hrtime.bigint();
  const out: object[] = [];
  const perFamily = Math.ceil(count / 4);
  for (let plane = 1; plane <= 2; plane++) {
    for (let i = 0; i < perFamily; i++) {
      const owner = `t${i % TOWNSHIPS}/s${i}`;
      const hi = (i >>> 16) & 0xffff;
      const lo = i & 0xffff;
      out.push({
        plane: `plane-${plane}`,
        family: 'ipv6',
        owner,
        level: 'service',
        prefix: `2001:db8:${(plane === 1 ? 0 : 0x8000 + hi).toString(16)}:${lo.toString(16)}::/64`,
        parent: `2001:db8:${hi.toString(16)}::/56`,
      });
      const w = ((plane === 1 ? 10 : 10.5) * 2 ** 24 + i * 8) >>> 0;
      out.push({
        plane: `plane-${plane}`,
        family: 'ipv4',
        owner,
        level: 'service',
        prefix: `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}/29`,
        parent: `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.0/25`,
      });
    }
  }
  const t1 = process.hrtime.bigint();
  if (out.length < count) throw new Error('baseline: too few objects');
  return { ms: Number(t1 - t0) / 1e6 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function child<T>(args: string[]): T {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, [self, ...args], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    throw new Error(`bench child ${args.join(' ')} exited with ${r.status ?? r.signal}`);
  }
  return JSON.parse(r.stdout) as T;
}

function main(): void {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    process.stdout.write(JSON.stringify(runOnce(argv[1] === 'check')));
    return;
  }
  if (argv[0] === '--baseline-child') {
    process.stdout.write(JSON.stringify(baselineOnce(Number(argv[1]))));
    return;
  }
  const runsAt = argv.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 5;

  // Warm-up (discarded), but with the full correctness check.
  const checked = child<RunResult>(['--child', 'check']);
  process.stderr.write(`warm-up: ${checked.ms.toFixed(0)} ms, ${checked.peakRssMb.toFixed(0)} MB, checked ${checked.allocations} allocations, digest ${checked.digest}\n`);
  const results: RunResult[] = [];
  for (let i = 0; i < runs; i++) {
    const r = child<RunResult>(['--child']);
    if (r.digest !== checked.digest || r.allocations !== checked.allocations) throw new Error('runs disagree');
    process.stderr.write(`run ${i + 1}: ${r.ms.toFixed(0)} ms, peak RSS ${r.peakRssMb.toFixed(0)} MB (${r.rssBeforeMb.toFixed(0)} MB before)\n`);
    results.push(r);
  }
  const baselines: number[] = [];
  for (let i = 0; i < runs; i++) baselines.push(child<{ ms: number }>(['--baseline-child', String(checked.allocations)]).ms);

  const medianMs = median(results.map((r) => r.ms));
  const peakRssMb = median(results.map((r) => r.peakRssMb));
  const baselineMs = median(baselines);
  const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
  const report = {
    allocations: checked.allocations,
    requirements: checked.requirements,
    services: checked.services,
    units: 1 + MUNICIPAL + COUNTIES + TOWNSHIPS,
    runs,
    runsMs: results.map((r) => round(r.ms)),
    medianMs: round(medianMs),
    peakRssMb: round(peakRssMb),
    rssBeforeTimedMb: round(median(results.map((r) => r.rssBeforeMb))),
    targetMs: TARGET_MS,
    targetRssMb: TARGET_RSS_MB,
    meetsTargets: medianMs < TARGET_MS && peakRssMb < TARGET_RSS_MB,
    baseline: 'plain allocation objects with hand-formatted prefix strings, same count',
    baselineMs: round(baselineMs),
    ratio: round(medianMs / baselineMs, 2),
    digest: checked.digest,
    correct: true,
    node: process.version,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

// Run only when executed, not when imported (e.g. by a profiling script).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
