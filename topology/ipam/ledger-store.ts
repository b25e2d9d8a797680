// Reading and updating the ledger file in an estate directory, atomically and under a lock.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Estate } from '../estate.js';
import { withFileLock, writeFileAtomic } from '../fs-atomic.js';
import { loadEstateFromSources, readEstateSources, digestSources } from '../load.js';
import { AddressPlan, type BuildOptions } from './address-plan.js';
import type { AllocationList } from './allocation-list.js';
import { LEDGER_FILE, parseLedger, serializeLedger, type Allocation } from './ledger.js';
import { canonicalLedgerEntries } from './ledger-entries.js';

export function ledgerPathOf(estateDir: string): string {
  return join(estateDir, LEDGER_FILE);
}

export function readLedgerText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Loads and validates the ledger of an estate, without changing anything. */
export function openAddressPlan(estate: Estate, ledgerPath = ledgerPathOf(estate.dir ?? '.')): AddressPlan {
  return loadAddressPlan(estate, readLedgerText(ledgerPath), { file: ledgerPath });
}

/**
 * `AddressPlan.build(estate, parseLedger(text, options.file), options)`: the same plan, or the
 * same error. Canonical text (as serializeLedger writes it) is read without an object per entry.
 */
export function loadAddressPlan(estate: Estate, text: string | undefined, options: BuildOptions): AddressPlan {
  const entries = text === undefined ? undefined : canonicalLedgerEntries(text);
  return entries === undefined ? AddressPlan.build(estate, parseLedger(text, options.file), options) : AddressPlan.fromEntries(estate, entries, options);
}

export interface AllocateOptions {
  prune?: boolean;
  /** Compute, but do not write the ledger. */
  dryRun?: boolean;
  ledgerPath?: string;
}

export interface AllocateOutcome {
  /** The estate the allocation was decided on (re-read under the lock if it changed on disk). */
  estate: Estate;
  plan: AddressPlan;
  /** What was allocated (`plan.allocateMissing()`): array-like, see AllocationList. */
  added: AllocationList;
  released: Allocation[];
  /** True when the ledger file was (re)written. */
  written: boolean;
  ledgerPath: string;
}

/**
 * Fills in every allocation the estate needs. Reads, validates, allocates and writes under one
 * lock, so concurrent runs never overlap or lose allocations; an invalid ledger is never written.
 */
export async function allocateLedger(loaded: Estate, options: AllocateOptions = {}): Promise<AllocateOutcome> {
  const ledgerPath = options.ledgerPath ?? ledgerPathOf(loaded.dir ?? '.');
  const run = (): AllocateOutcome => {
    // Another process may have changed the estate since it was loaded (and allocated for it):
    // decide on the estate as it is now, under the lock, or --prune could release its work.
    const estate = freshEstate(loaded);
    const text = readLedgerText(ledgerPath);
    const plan = loadAddressPlan(estate, text, { file: ledgerPath, prune: options.prune ?? false });
    const added = plan.allocateMissing();
    const released = plan.released;
    let written = false;
    if (!options.dryRun) {
      const next = serializeLedger(estate.name, plan.allocations(), estate.doc.planes.map((p) => p.id));
      if (next !== text) {
        writeFileAtomic(ledgerPath, next);
        written = true;
      }
    }
    return { estate, plan, added, released, written, ledgerPath };
  };
  return options.dryRun ? run() : withFileLock(ledgerPath, run);
}

function freshEstate(estate: Estate): Estate {
  if (estate.dir === undefined || estate.digest === undefined) return estate;
  const sources = readEstateSources(estate.dir);
  return digestSources(sources) === estate.digest ? estate : loadEstateFromSources(sources, estate.dir);
}
