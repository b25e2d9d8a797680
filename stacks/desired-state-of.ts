// From an estate directory to its desired state: load, check the ledger is complete, build.
import { LongyunError } from '../topology/errors.js';
import type { Estate } from '../topology/estate.js';
import type { AddressPlan } from '../topology/ipam/address-plan.js';
import { openAddressPlan } from '../topology/ipam/ledger-store.js';
import { loadEstate } from '../topology/load.js';
import { buildDesiredState } from './graph/desired-state.js';
import type { DesiredState } from './graph/types.js';

export interface LoadedState {
  estate: Estate;
  plan: AddressPlan;
  state: DesiredState;
}

/** Synthesis reads the ledger but never allocates: addresses are decided by `ipam allocate`. */
export function desiredStateOf(estateDir: string): LoadedState {
  const estate = loadEstate(estateDir);
  const plan = openAddressPlan(estate);
  const missing = plan.allocateMissing();
  if (missing.length > 0) {
    const first = missing[0]!;
    throw new LongyunError(
      `the ledger lacks ${missing.length} allocation${missing.length === 1 ? '' : 's'} the estate needs (first: ${first.owner} on ${first.plane} ${first.family}); ` +
        `run "longyun ipam allocate --estate ${estateDir}" (or "longyun plan") and commit the ledger before synthesizing`,
    );
  }
  return { estate, plan, state: buildDesiredState(estate, plan) };
}
