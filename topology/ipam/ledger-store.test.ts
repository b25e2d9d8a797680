import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LedgerValidationError, PrefixExhaustedError } from '../errors.js';
import { copyGansu, editText, editYaml, GANSU_DIR, makeTempDir, removeDir } from '../estate.test-helpers.js';
import { withFileLock } from '../fs-atomic.js';
import { loadEstate } from '../load.js';
import { allocateLedger, ledgerPathOf, openAddressPlan } from './ledger-store.js';
import { LEDGER_FILE, parseLedger, serializeLedger } from './ledger.js';
import { planViolations } from './plan.test-helpers.js';
import { requirementsOf } from './requirements.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const shippedText = readFileSync(join(GANSU_DIR, LEDGER_FILE), 'utf8');
const YAML_FILES = ['clouds.yaml', 'datacentres.yaml', 'departments.yaml', 'estate.yaml', 'extranet.yaml', 'tenants.yaml', 'units.yaml'];

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) removeDir(dirs.pop()!);
});
function gansuCopy(withLedger = false): string {
  const dir = copyGansu({ withLedger });
  dirs.push(dir);
  return dir;
}
function scratch(): string {
  const dir = makeTempDir('longyun-scratch-');
  dirs.push(dir);
  return dir;
}

/** The directory holds the YAML files and (optionally) the ledger: no temp file, no lock. */
function expectClean(dir: string, ledger: boolean): void {
  expect(readdirSync(dir).sort()).toEqual([...YAML_FILES, ...(ledger ? [LEDGER_FILE] : [])].sort());
}

/** The ledger on disk validates against the estate on disk and holds every requirement exactly once. */
function expectSoundLedger(dir: string): void {
  const estate = loadEstate(dir);
  const plan = openAddressPlan(estate);
  expect(planViolations(estate, plan.allocations())).toEqual([]);
  expect(plan.allocations()).toHaveLength(requirementsOf(estate).length);
}

/** Four new counties, appended to units.yaml. */
const NEW_COUNTIES = ['lanzhou-test-a', 'lanzhou-test-b', 'lanzhou-test-c', 'jiuquan-test-d'];
const newCountiesYaml = NEW_COUNTIES.map(
  (id) => `  - id: ${id}\n    level: county\n    parent: ${id.split('-')[0]}\n    name:\n      zh: 测试\n      en: Test\n`,
).join('');

describe('allocateLedger', () => {
  it('writes a complete ledger atomically, leaving no temp or lock file behind', async () => {
    const dir = gansuCopy();
    const estate = loadEstate(dir);
    const out = await allocateLedger(estate);
    expect(out.written).toBe(true);
    expect(out.ledgerPath).toBe(ledgerPathOf(dir));
    expect(out.added).toHaveLength(requirementsOf(estate).length);
    expect(out.released).toEqual([]);
    expectClean(dir, true);
    const text = readFileSync(join(dir, LEDGER_FILE), 'utf8');
    expect(text).toBe(serializeLedger(estate.name, out.plan.allocations(), estate.doc.planes.map((p) => p.id)));
    expectSoundLedger(dir);
  });

  it('is idempotent: a second run adds nothing and leaves the bytes alone', async () => {
    const dir = gansuCopy();
    await allocateLedger(loadEstate(dir));
    const before = readFileSync(join(dir, LEDGER_FILE));
    const again = await allocateLedger(loadEstate(dir));
    expect(again.added.toArray()).toEqual([]);
    expect(again.written).toBe(false);
    expect(readFileSync(join(dir, LEDGER_FILE)).equals(before)).toBe(true);
    expectClean(dir, true);
  });

  it('leaves the shipped ledger as it is', async () => {
    const dir = gansuCopy(true);
    const out = await allocateLedger(loadEstate(dir));
    expect(out.added.toArray()).toEqual([]);
    expect(out.written).toBe(false);
    expect(readFileSync(join(dir, LEDGER_FILE), 'utf8')).toBe(shippedText);
  });

  it('adds new units without touching a byte of the existing lines', async () => {
    const dir = gansuCopy(true);
    editText(dir, 'units.yaml', (t) => t + newCountiesYaml);
    const out = await allocateLedger(loadEstate(dir));
    expect(out.written).toBe(true);
    expect(new Set(out.added.map((a) => a.owner.split('/')[0]))).toEqual(new Set(NEW_COUNTIES));
    const oldLines = shippedText.split('\n').map((l) => l.replace(/,$/, ''));
    const newLines = new Set(readFileSync(join(dir, LEDGER_FILE), 'utf8').split('\n').map((l) => l.replace(/,$/, '')));
    for (const l of oldLines) expect(newLines.has(l)).toBe(true);
    expectSoundLedger(dir);
  });

  it('refuses to overwrite an invalid ledger: the bytes stay as they were', async () => {
    const dir = gansuCopy();
    const bad = shippedText.replace(/"prefix": "2001:db8:0:1::\/64"/, '"prefix": "2001:db8::/64"'); // gansu/dns onto gansu/core
    expect(bad).not.toBe(shippedText);
    writeFileSync(join(dir, LEDGER_FILE), bad);
    editText(dir, 'units.yaml', (t) => t + newCountiesYaml); // there is something to add
    await expect(allocateLedger(loadEstate(dir))).rejects.toBeInstanceOf(LedgerValidationError);
    await expect(allocateLedger(loadEstate(dir), { prune: true })).rejects.toBeInstanceOf(LedgerValidationError);
    expect(readFileSync(join(dir, LEDGER_FILE), 'utf8')).toBe(bad);
    expectClean(dir, true);
  });

  it('refuses to overwrite a ledger that is not JSON', async () => {
    const dir = gansuCopy();
    const bad = shippedText.slice(0, 5000);
    writeFileSync(join(dir, LEDGER_FILE), bad);
    await expect(allocateLedger(loadEstate(dir))).rejects.toThrow(/is not valid JSON/);
    expect(readFileSync(join(dir, LEDGER_FILE), 'utf8')).toBe(bad);
    expectClean(dir, true);
  });

  it('writes nothing when space runs out', async () => {
    const dir = gansuCopy();
    editYaml(dir, 'estate.yaml', (doc) => doc.setIn(['ipam', 'sizes', 'ipv4', 'county'], 17));
    await expect(allocateLedger(loadEstate(dir))).rejects.toBeInstanceOf(PrefixExhaustedError);
    expectClean(dir, false);
  });

  it('a dry run computes but writes nothing', async () => {
    const dir = gansuCopy();
    const estate = loadEstate(dir);
    const out = await allocateLedger(estate, { dryRun: true });
    expect(out.added).toHaveLength(requirementsOf(estate).length);
    expect(out.written).toBe(false);
    expectClean(dir, false);
  });

  it('releases removed services only with prune, keeping every other line byte for byte', async () => {
    const dir = gansuCopy(true);
    editYaml(dir, 'estate.yaml', (doc) => doc.setIn(['ipam', 'services', 'county'], ['office', 'management']));
    const gone = parseLedger(shippedText, 'x').filter((a) => a.owner.endsWith('/video'));
    expect(gone).toHaveLength(86 * 2 * 2);

    const refused = allocateLedger(loadEstate(dir));
    await expect(refused).rejects.toBeInstanceOf(LedgerValidationError);
    await expect(refused).rejects.toThrow(/lanzhou-chengguan\/video.*--prune/);
    expect(readFileSync(join(dir, LEDGER_FILE), 'utf8')).toBe(shippedText);

    const out = await allocateLedger(loadEstate(dir), { prune: true });
    expect(out.written).toBe(true);
    expect(out.added.toArray()).toEqual([]);
    expect(out.released.map((a) => `${a.plane} ${a.family} ${a.owner}`).sort()).toEqual(gone.map((a) => `${a.plane} ${a.family} ${a.owner}`).sort());
    const after = readFileSync(join(dir, LEDGER_FILE), 'utf8').split('\n').map((l) => l.replace(/,$/, ''));
    const expected = shippedText
      .split('\n')
      .filter((l) => !l.includes('/video"'))
      .map((l) => l.replace(/,$/, ''));
    expect(after).toEqual(expected);
    expectSoundLedger(dir);
  });

  it('two concurrent calls in one process serialise: nothing lost, nothing twice', async () => {
    const dir = gansuCopy();
    const [a, b] = await Promise.all([allocateLedger(loadEstate(dir)), allocateLedger(loadEstate(dir))]);
    expect(a.added.length + b.added.length).toBe(requirementsOf(loadEstate(dir)).length);
    expect([a.written, b.written].sort()).toEqual([false, true]);
    expectSoundLedger(dir);
    expectClean(dir, true);
  });
});

// ---------------------------------------------------------------------------------------------
// Separate processes.

interface WorkerConfig {
  dir: string;
  /** Wait for this file before doing anything. */
  waitFor?: string;
  /** Append this text to this file before loading the estate. */
  append?: { file: string; text: string };
  /** Create this file once the estate is loaded. */
  ready: string;
  /** Then wait for this file before allocating. */
  go: string;
  /** And sleep this long. */
  delayMs?: number;
  prune?: boolean;
}
interface WorkerResult {
  ok: boolean;
  added?: number;
  /** plane, family, owner and prefix of each added allocation */
  addedList?: string[];
  written?: boolean;
  name?: string;
  message?: string;
}

const WORKER = `
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
const cfg = JSON.parse(process.argv[2]);
const { loadEstate } = await import(${JSON.stringify(pathToFileURL(join(REPO, 'topology/load.ts')).href)});
const { allocateLedger } = await import(${JSON.stringify(pathToFileURL(join(REPO, 'topology/ipam/ledger-store.ts')).href)});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const waitFor = async (p) => { while (!existsSync(p)) await sleep(3); };
if (cfg.waitFor) await waitFor(cfg.waitFor);
if (cfg.append) appendFileSync(cfg.append.file, cfg.append.text);
const estate = loadEstate(cfg.dir);
writeFileSync(cfg.ready, '');
await waitFor(cfg.go);
if (cfg.delayMs) await sleep(cfg.delayMs);
try {
  const r = await allocateLedger(estate, { prune: !!cfg.prune });
  const addedList = r.added.map((a) => [a.plane, a.family, a.owner, a.prefix].join(' '));
  console.log(JSON.stringify({ ok: true, added: r.added.length, addedList, written: r.written }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, name: e.name, message: e.message }));
}
`;

function runWorker(script: string, cfg: WorkerConfig): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(cfg)], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`worker exited ${code}: ${out}\n${err}`));
      else resolve(JSON.parse(line) as WorkerResult);
    });
  });
}

/** Waits for the workers' signal files; the limit only guards against a hang (the tests allow 60 s). */
async function waitForFiles(paths: string[], timeoutMs = 50_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!paths.every((p) => existsSync(p))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${paths.join(', ')}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function setup(): { dir: string; script: string; sig: (name: string) => string } {
  const dir = gansuCopy();
  const box = scratch();
  const script = join(box, 'worker.mjs');
  writeFileSync(script, WORKER);
  return { dir, script, sig: (name) => join(box, name) };
}

describe('allocateLedger across processes', () => {
  it('two processes starting on an estate without a ledger: one allocates everything, the other nothing', async () => {
    const { dir, script, sig } = setup();
    const go = sig('go');
    const runs = [
      runWorker(script, { dir, ready: sig('a'), go }),
      runWorker(script, { dir, ready: sig('b'), go }),
    ];
    await waitForFiles([sig('a'), sig('b')]);
    writeFileSync(go, '');
    const [a, b] = await Promise.all(runs);
    expect(a!.ok && b!.ok).toBe(true);
    const total = requirementsOf(loadEstate(dir)).length;
    expect(a!.added! + b!.added!).toBe(total);
    expect([a!.written, b!.written].sort()).toEqual([false, true]);
    expectSoundLedger(dir);
    expectClean(dir, true);
  }, 60_000);

  // A loads the estate; then B adds four counties to units.yaml and loads it; both allocate. Whoever
  // gets the lock first, the ledger must end complete for the new estate: if A (stale) comes
  // second it must refuse rather than drop B's allocations.
  it.each([
    ['A first', 0, 40],
    ['B first', 40, 0],
  ])('process A allocates while process B adds units and allocates (%s)', async (_, delayA, delayB) => {
    const { dir, script, sig } = setup();
    const go = sig('go');
    const before = requirementsOf(loadEstate(dir)).length;
    const runA = runWorker(script, { dir, ready: sig('a'), go, delayMs: delayA });
    const runB = runWorker(script, {
      dir,
      waitFor: sig('a'),
      append: { file: join(dir, 'units.yaml'), text: newCountiesYaml },
      ready: sig('b'),
      go,
      delayMs: delayB,
    });
    await waitForFiles([sig('a'), sig('b')]);
    writeFileSync(go, '');
    const [a, b] = await Promise.all([runA, runB]);

    const after = requirementsOf(loadEstate(dir)).length;
    expect(after).toBe(before + NEW_COUNTIES.length * (1 + 3) * 2 * 2); // the county and its three services, on 2 planes × 2 families
    expect(b.ok).toBe(true);
    if (a.ok) {
      expect(a.added! + b.added!).toBe(after);
    } else {
      expect(a.name).toBe('LedgerValidationError');
      expect(a.message).toContain('--prune');
      expect(b.added).toBe(after);
    }
    expectSoundLedger(dir);
    expectClean(dir, true);
  }, 60_000);

  // A stale process running with prune (its estate was loaded before B added units) must not
  // release what B allocated for those units: the estate it allocates for is out of date.
  it('a process with prune and a stale estate does not release allocations another process just made', async () => {
    const { dir, script, sig } = setup();
    const ledger = ledgerPathOf(dir);
    // A loads the estate, then waits until B has written the ledger; B adds units and allocates.
    const runA = runWorker(script, { dir, ready: sig('a'), go: ledger, prune: true });
    const runB = runWorker(script, {
      dir,
      waitFor: sig('a'),
      append: { file: join(dir, 'units.yaml'), text: newCountiesYaml },
      ready: sig('b'),
      go: sig('go'),
    });
    await waitForFiles([sig('a'), sig('b')]);
    writeFileSync(sig('go'), '');
    const [, b] = await Promise.all([runA, runB]);
    expect(b.ok).toBe(true);
    const mine = b.addedList!.filter((x) => NEW_COUNTIES.some((c) => x.split(' ')[2]!.startsWith(c)));
    expect(mine).toHaveLength(NEW_COUNTIES.length * 4 * 2 * 2);
    const final = new Set(parseLedger(readFileSync(ledger, 'utf8'), ledger).map((a) => [a.plane, a.family, a.owner, a.prefix].join(' ')));
    const lost = mine.filter((x) => !final.has(x));
    expect(lost).toEqual([]);
    expectSoundLedger(dir);
  }, 60_000);

  it('a process waits for the lock held by another', async () => {
    const { dir, script, sig } = setup();
    const ledger = ledgerPathOf(dir);
    writeFileSync(sig('go'), '');
    let child: Promise<WorkerResult> | undefined;
    await withFileLock(ledger, async () => {
      child = runWorker(script, { dir, ready: sig('ready'), go: sig('go') });
      await waitForFiles([sig('ready')]);
      await new Promise((r) => setTimeout(r, 800));
      expect(existsSync(ledger)).toBe(false);
    });
    const result = await child!;
    expect(result).toMatchObject({ ok: true, written: true, added: requirementsOf(loadEstate(dir)).length });
    expectSoundLedger(dir);
    expectClean(dir, true);
  }, 60_000);
});
