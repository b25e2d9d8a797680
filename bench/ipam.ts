// IPAM benchmark: a synthetic estate ten times Gansu's size (1 province, 150 municipal units, 860
// counties, 14,000 townships; 3 province, 3 municipal, 11 county and 10 township services, so
// 149,913 service subnets), two planes each with an IPv6 root (/33) and an IPv4 root (/9), and the
// whole address plan allocated from an empty ledger: AddressPlan.build + allocateMissing, 659,696
// allocations. IPv4 sizes municipal /17, county /20, township /25, service /29; IPv6 defaults.
//
//   npm run build && npm run bench            (or: node dist/bench/ipam.js [--runs N])
//
// Prints one JSON document on stdout (per-run lines on stderr). Node flags given to this script are
// passed on to the children (e.g. `node --max-semi-space-size=8 dist/bench/ipam.js`).
//
// Every run is a fresh child process, so that the peak RSS (process.resourceUsage().maxRSS) is
// the peak of exactly one build + allocation, as `longyun ipam allocate` would see it: a cold
// start, no JIT warmed up by earlier runs, no garbage left by them. One warm-up run is discarded
// (it does the full correctness check). The synthetic estate is built in memory before the timer
// starts; `rssBeforeTimedMb` is what the process held then. Only what the IPAM needs is imported
// up front; the checks' modules are loaded after the measurement.
//
// The plan stores allocations compactly and makes `Allocation` objects (and their prefix strings)
// only when they are read: the timed section makes none. After the timer stops (and after maxRSS
// is read) every child checks the result: one allocation per requirement, both in what
// allocateMissing() returned and in plan.allocations(), and a digest of every allocation, read
// (made) in order: an optimisation must not change it. The warm-up also checks each allocation's
// owner, level and length (through plan.get), re-validates the whole result as a ledger
// (AddressPlan.build: inside the parent, disjoint siblings), checks that nothing is missing, and
// validates the synthetic estate against the schema.
//
// The ledger of that plan (~96 MB) is also written and read back, one run each, each in a fresh
// child: `serializeMs` is serializeLedger(plan.allocations()), as `ipam allocate` writes it;
// `loadLedgerMs` is loadAddressPlan(text), as `ipam allocate`, `plan` and the other commands
// read it (canonical text is read without JSON.parse); `parseLedgerBuildMs` is
// AddressPlan.build(parseLedger(text)), the general path (any JSON spelling). The loaded plans
// are checked: complete, and written back byte for byte.
//
// The baseline (a fresh child per run too) makes the output alone, as cheaply as plain JavaScript
// allows: as many allocation objects with flat, hand-formatted prefix strings, shared owner and
// parent strings, the returned array and the plan's copy of it; no estate, tree, first fit or
// index. `ratio` is medianMs / baselineMs. The machine's load average is printed because the wall
// time depends on it; `medianCpuMs` (all threads, GC included) depends on it less.
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AllocationList } from '../topology/ipam/allocation-list.js';
import { Estate } from '../topology/estate.js';
import { AddressPlan } from '../topology/ipam/address-plan.js';
import { requirementsOf } from '../topology/ipam/requirements.js';
import type { EstateDocument, Unit } from '../topology/schema.js';
import { parsePrefix } from '../topology/prefix.js';
import { median, runChild } from './harness.js';

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
  // Every collection empty but units and planes (written so as to type-check with or without the
  // tenants collection).
  const doc: Omit<EstateDocument, 'tenants'> & { tenants: never[] } = {
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
    tenants: [],
  };
  return doc;
}

function rssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

interface RunResult {
  ms: number;
  /** CPU time of the process (all threads, the GC's included) in the timed section. */
  cpuMs: number;
  peakRssMb: number;
  rssBeforeMb: number;
  allocations: number;
  requirements: number;
  services: number;
  digest: string;
  /** After the timed section: reading every allocation once (making its object and strings). */
  readAllMs: number;
  peakRssAfterReadAllMb: number;
}

/** One timed build + allocation, in this (fresh) process. */
async function runOnce(check: boolean): Promise<RunResult> {
  const doc = syntheticDocument();
  const estate = new Estate(doc, undefined);
  const rssBeforeMb = rssMb();

  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const plan = AddressPlan.build(estate, [], { file: 'bench' });
  const added = plan.allocateMissing();
  const t1 = process.hrtime.bigint();
  const cpu = process.cpuUsage(cpu0);
  const peakRssMb = rssMb();
  const ms = Number(t1 - t0) / 1e6;
  const cpuMs = (cpu.user + cpu.system) / 1000;

  // Not timed, for the record: what reading every allocation once costs (the plan makes the
  // Allocation objects and their prefix strings only then).
  const t2 = process.hrtime.bigint();
  let chars = 0;
  for (const a of plan.allocations()) chars += a.owner.length + a.prefix.length + (a.parent?.length ?? 0);
  const readAllMs = Number(process.hrtime.bigint() - t2) / 1e6;
  const peakRssAfterReadAllMb = rssMb();
  if (chars === 0) throw new Error('bench: nothing read');

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
  const { createHash } = await import('node:crypto');
  const hash = createHash('sha256');
  for (const a of plan.allocations()) hash.update(`${a.plane} ${a.family} ${a.owner} ${a.level} ${a.prefix} ${a.parent}\n`);
  const digest = hash.digest('hex').slice(0, 16);
  if (check) {
    // Re-validate the whole result as a ledger: containment, disjoint siblings, parents.
    const again = AddressPlan.build(estate, plan.allocations(), { file: 'bench-check' });
    if (again.allocateMissing().length !== 0) fail('the result, loaded as a ledger, is incomplete');
    const { validate } = await import('../topology/validate.js');
    const { EstateFile } = await import('../topology/schema.js');
    const issues = validate(EstateFile, { estate: doc.estate, ipam: doc.ipam, units: doc.units, planes: doc.planes }, 'bench');
    if (issues.length > 0) fail(`synthetic estate is invalid: ${issues[0]!.path}: ${issues[0]!.message}`);
  }
  return { ms, cpuMs, peakRssMb, rssBeforeMb, allocations: added.length, requirements, services, digest, readAllMs, peakRssAfterReadAllMb };
}

interface LedgerResult {
  ms: number;
  peakRssMb: number;
  bytes: number;
  allocations: number;
}

/**
 * One ledger measurement, in this (fresh) process: `serialize` writes the whole plan's ledger
 * (and leaves it in `file` for the others), `load` and `parse` read it back.
 */
async function ledgerOnce(what: 'serialize' | 'load' | 'parse', file: string): Promise<LedgerResult> {
  const { readFileSync, writeFileSync } = await import('node:fs');
  const { serializeLedger, parseLedger } = await import('../topology/ipam/ledger.js');
  const { loadAddressPlan } = await import('../topology/ipam/ledger-store.js');
  const doc = syntheticDocument();
  const estate = new Estate(doc, undefined);
  const planes = doc.planes.map((p) => p.id);
  const requirements = requirementsOf(estate).length;
  const fail = (msg: string): never => {
    process.stderr.write(`bench: WRONG RESULT: ${msg}\n`);
    process.exit(2);
  };
  if (what === 'serialize') {
    const plan = AddressPlan.build(estate, [], { file: 'bench' });
    plan.allocateMissing();
    const list: AllocationList = plan.allocations();
    const t0 = process.hrtime.bigint();
    const text = serializeLedger(estate.name, list, planes);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const peakRssMb = rssMb();
    writeFileSync(file, text);
    return { ms, peakRssMb, bytes: text.length, allocations: list.length };
  }
  const text = readFileSync(file, 'utf8');
  const t0 = process.hrtime.bigint();
  const plan = what === 'load' ? loadAddressPlan(estate, text, { file: 'bench' }) : AddressPlan.build(estate, parseLedger(text, 'bench'), { file: 'bench' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const peakRssMb = rssMb();
  // Correctness, outside the timed section: complete, and the same ledger when written back.
  const allocations = plan.allocations().length;
  if (allocations !== requirements) fail(`${what}: ${allocations} allocations loaded for ${requirements} requirements`);
  if (plan.allocateMissing().length !== 0) fail(`${what}: the loaded ledger is incomplete`);
  if (serializeLedger(estate.name, plan.allocations(), planes) !== text) fail(`${what}: the loaded ledger is not written back byte for byte`);
  return { ms, peakRssMb, bytes: text.length, allocations };
}

/**
 * The baseline: the output alone, made as cheaply as plain JavaScript allows. The same number of
 * allocation objects (a quarter per plane and family), each with a flat prefix string formatted by
 * hand, one shared owner string per owner and one shared parent string per 16 allocations, the
 * returned array and the plan's copy of it; no validation, no tree, no first fit, no index.
 */
function baselineOnce(count: number): { ms: number; peakRssMb: number; rssBeforeMb: number } {
  const rssBeforeMb = rssMb();
  const t0 = process.hrtime.bigint();
  const perTable = Math.ceil(count / 4);
  const owners: string[] = [];
  for (let i = 0; i < perTable; i++) owners.push([`t${i >> 4}`, '/', `s${i & 15}`].join(''));
  const added: object[] = [];
  for (let plane = 0; plane < 2; plane++) {
    let parent = '';
    for (let i = 0; i < perTable; i++) {
      const hi = (plane << 15) | (i >>> 12);
      const lo = (i & 0xfff) << 4;
      if ((i & 15) === 0) parent = ['2001:db8:', hi.toString(16), ':', lo.toString(16), '::/56'].join('');
      const prefix = ['2001:db8:', hi.toString(16), ':', lo.toString(16), '::/64'].join('');
      added.push({ plane: plane ? 'plane-2' : 'plane-1', family: 'ipv6', owner: owners[i], level: 'service', prefix, parent });
    }
    for (let i = 0; i < perTable; i++) {
      const w = (((10 << 24) | (plane << 23)) + i * 8) >>> 0;
      const a = w >>> 24;
      const b = (w >>> 16) & 255;
      const c = (w >>> 8) & 255;
      if ((i & 15) === 0) parent = [a, '.', b, '.', c, '.', w & 255, '/25'].join('');
      const prefix = [a, '.', b, '.', c, '.', w & 255, '/29'].join('');
      added.push({ plane: plane ? 'plane-2' : 'plane-1', family: 'ipv4', owner: owners[i], level: 'service', prefix, parent });
    }
  }
  const list = added.slice();
  const t1 = process.hrtime.bigint();
  const peakRssMb = rssMb();
  if (list.length < count) throw new Error('baseline: too few objects');
  return { ms: Number(t1 - t0) / 1e6, peakRssMb, rssBeforeMb };
}

async function child<T>(args: string[]): Promise<T> {
  return runChild<T>(fileURLToPath(import.meta.url), args);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    process.stdout.write(JSON.stringify(await runOnce(argv[1] === 'check')));
    return;
  }
  if (argv[0] === '--ledger-child') {
    process.stdout.write(JSON.stringify(await ledgerOnce(argv[1] as 'serialize' | 'load' | 'parse', argv[2]!)));
    return;
  }
  if (argv[0] === '--baseline-child') {
    process.stdout.write(JSON.stringify(baselineOnce(Number(argv[1]))));
    return;
  }
  const os = await import('node:os');
  const runsAt = argv.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 5;

  // Warm-up (discarded), but with the full correctness check.
  const checked = await child<RunResult>(['--child', 'check']);
  process.stderr.write(`warm-up: ${checked.ms.toFixed(0)} ms, ${checked.peakRssMb.toFixed(0)} MB, checked ${checked.allocations} allocations, digest ${checked.digest}\n`);
  const results: RunResult[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await child<RunResult>(['--child']);
    if (r.digest !== checked.digest || r.allocations !== checked.allocations) throw new Error('runs disagree');
    process.stderr.write(`run ${i + 1}: ${r.ms.toFixed(0)} ms (${r.cpuMs.toFixed(0)} ms CPU), peak RSS ${r.peakRssMb.toFixed(0)} MB (${r.rssBeforeMb.toFixed(0)} MB before)\n`);
    results.push(r);
  }
  const baselines: Array<{ ms: number; peakRssMb: number; rssBeforeMb: number }> = [];
  for (let i = 0; i < runs; i++) baselines.push(await child<{ ms: number; peakRssMb: number; rssBeforeMb: number }>(['--baseline-child', String(checked.allocations)]));

  // The ledger: written once, read back twice (each a fresh child).
  const { mkdtempSync, rmSync } = await import('node:fs');
  const dir = mkdtempSync(`${os.tmpdir()}/longyun-bench-`);
  const file = `${dir}/ledger.json`;
  let serialized: LedgerResult;
  let loaded: LedgerResult;
  let parsed: LedgerResult;
  try {
    serialized = await child<LedgerResult>(['--ledger-child', 'serialize', file]);
    loaded = await child<LedgerResult>(['--ledger-child', 'load', file]);
    parsed = await child<LedgerResult>(['--ledger-child', 'parse', file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stderr.write(
    `ledger (${(serialized.bytes / 2 ** 20).toFixed(0)} MB): serialize ${serialized.ms.toFixed(0)} ms, load ${loaded.ms.toFixed(0)} ms, parseLedger + build ${parsed.ms.toFixed(0)} ms\n`,
  );

  const medianMs = median(results.map((r) => r.ms));
  const peakRssMb = median(results.map((r) => r.peakRssMb));
  const baselineMs = median(baselines.map((b) => b.ms));
  const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
  const report = {
    allocations: checked.allocations,
    requirements: checked.requirements,
    services: checked.services,
    units: 1 + MUNICIPAL + COUNTIES + TOWNSHIPS,
    runs,
    runsMs: results.map((r) => round(r.ms)),
    medianMs: round(medianMs),
    medianCpuMs: round(median(results.map((r) => r.cpuMs))),
    peakRssMb: round(peakRssMb),
    rssBeforeTimedMb: round(median(results.map((r) => r.rssBeforeMb))),
    readAllNote: 'after the timed section, not part of the targets: reading every allocation once (the plan makes each Allocation object and its prefix strings when first read)',
    readAllMs: round(median(results.map((r) => r.readAllMs))),
    peakRssAfterReadAllMb: round(median(results.map((r) => r.peakRssAfterReadAllMb))),
    targetMs: TARGET_MS,
    targetRssMb: TARGET_RSS_MB,
    meetsTargets: medianMs < TARGET_MS && peakRssMb < TARGET_RSS_MB,
    baseline: 'the output alone: as many plain allocation objects with hand-formatted flat prefix strings, shared owner and parent strings, returned array and copy',
    baselineMs: round(baselineMs),
    baselinePeakRssMb: round(median(baselines.map((b) => b.peakRssMb))),
    ratio: round(medianMs / baselineMs, 2),
    digest: checked.digest,
    ledgerNote:
      'single runs, fresh child each, not part of the targets: serializeMs = serializeLedger(plan.allocations()) of the whole plan; loadLedgerMs = loadAddressPlan(text) (what the CLI uses; canonical text without JSON.parse); parseLedgerBuildMs = AddressPlan.build(parseLedger(text)); loads checked complete and written back byte for byte',
    ledgerMb: round(serialized.bytes / 2 ** 20),
    serializeMs: round(serialized.ms),
    serializePeakRssMb: round(serialized.peakRssMb),
    loadLedgerMs: round(loaded.ms),
    loadLedgerPeakRssMb: round(loaded.peakRssMb),
    parseLedgerBuildMs: round(parsed.ms),
    parseLedgerBuildPeakRssMb: round(parsed.peakRssMb),
    correct: true,
    node: process.version,
    cpus: os.cpus().length,
    loadAverage: os.loadavg().map((x) => round(x, 2)),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

// Run only when executed, not when imported (e.g. by a profiling script).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
