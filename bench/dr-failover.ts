// bench/dr's failover phases (issue 13), run by the operator that keeps the copies, after the drill:
// 1. an emergency failover of every tenant of the production centre to the same-city standby with
//    production's API server frozen (SIGSTOP): seconds from the POST of the Failover until every
//    tenant is active and verified on the standby (target < 30 s); then production thawed and the
//    failover followed to Succeeded (fenced, lost+found taken after the settle time, copies back);
// 2. a planned failback of every tenant: seconds from the POST until Succeeded, against the DR I
//    kubectl copy baseline measured in the same run (target ≤ 1.5×).
import type { Failover, FailoverSpec } from '../controllers/dr/failover-types.js';
import { API_VERSION } from '../operator/crds.js';
import type { RestClient } from '../operator/rest.js';
import { distribution, phaseSeconds, type Distribution, type DrillNotMeasured } from './dr-drill.js';

export const TARGET_EMERGENCY_SECONDS = 30;
export const TARGET_FAILBACK_RATIO = 1.5;

export interface FailoverBench {
  measured: true;
  /** Emergency: POST → every tenant Verified (or Failed). Failback: POST → terminal. */
  seconds: number;
  /** Emergency: thaw → Succeeded (fence, settle, lost+found, copies back into production). */
  reprotectSeconds?: number;
  phase: string;
  tenants: number;
  verified: number;
  failed: number;
  phaseSeconds: Record<string, number>;
  rtoSeconds: Distribution | null;
  rpoSeconds: Distribution | null;
  failures: string[];
}

export type FailoverNotMeasured = DrillNotMeasured;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const path = (name = '') => `/apis/${API_VERSION}/failovers${name ? `/${name}` : ''}`;
const done = (state: string) => state === 'Verified' || state === 'Reprotected' || state === 'Failed' || state === 'RolledBack';
const TERMINAL = new Set(['Succeeded', 'Failed', 'RolledBack']);

export function summarizeFailover(f: Failover, seconds: number): FailoverBench {
  const tenants = f.status?.tenants ?? [];
  return {
    measured: true,
    seconds,
    phase: f.status?.phase ?? '',
    tenants: tenants.length,
    verified: tenants.filter((t) => t.state === 'Verified' || t.state === 'Reprotected').length,
    failed: tenants.filter((t) => t.state === 'Failed' || t.state === 'RolledBack').length,
    phaseSeconds: phaseSeconds(f as never),
    rtoSeconds: distribution(tenants.flatMap((t) => (t.rtoSeconds !== undefined ? [t.rtoSeconds] : []))),
    rpoSeconds: distribution(tenants.flatMap((t) => (t.rpoSeconds !== undefined ? [t.rpoSeconds] : []))),
    failures: tenants.filter((t) => t.state === 'Failed' || t.state === 'RolledBack').slice(0, 5).map((t) => `${t.tenant}: ${t.message ?? ''}`),
  };
}

/** POSTs the Failover and polls it every 200 ms until `until` says so (a hang guard, not a target: `guardMs`). */
async function follow(admin: RestClient, name: string, spec: FailoverSpec, o: { guardMs: number; log: (m: string) => void }, until: (f: Failover) => boolean, t0 = performance.now()): Promise<{ f: Failover; seconds: number } | FailoverNotMeasured> {
  await admin.request('POST', path(), { apiVersion: API_VERSION, kind: 'Failover', metadata: { name }, spec });
  let last = '';
  for (;;) {
    const f = await admin.request<Failover>('GET', path(name));
    const phase = f.status?.phase ?? '';
    if (phase !== last) {
      o.log(`${name}: ${phase} after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      last = phase;
    }
    if (until(f)) return { f, seconds: (performance.now() - t0) / 1000 };
    if (performance.now() - t0 > o.guardMs) return { measured: false, reason: `${name} did not get there within ${o.guardMs / 1000} s (a hang guard, not a target); last phase ${phase || 'none'}` };
    await sleep(200);
  }
}

async function awaitTerminal(admin: RestClient, name: string, guardMs: number): Promise<Failover | undefined> {
  const t0 = performance.now();
  for (;;) {
    const f = await admin.request<Failover>('GET', path(name));
    if (TERMINAL.has(f.status?.phase ?? '')) return f;
    if (performance.now() - t0 > guardMs) return undefined;
    await sleep(500);
  }
}

/**
 * The emergency failover with production frozen: SIGSTOP its API server (`productionPid`), POST,
 * time until every tenant of the scope is verified on the standby; SIGCONT (always), then follow it
 * to Succeeded.
 */
export async function measureEmergency(admin: RestClient, o: { name: string; productionPid: number; expectTenants: number; guardMs: number; log: (m: string) => void }): Promise<FailoverBench | FailoverNotMeasured> {
  process.kill(o.productionPid, 'SIGSTOP');
  let active: { f: Failover; seconds: number } | FailoverNotMeasured;
  try {
    active = await follow(admin, o.name, { scope: { centre: 'production' }, direction: 'failover', to: 'same-city-dr', type: 'emergency', requestedBy: 'bench/dr' }, o, (f) => TERMINAL.has(f.status?.phase ?? '') || ((f.status?.tenants?.length ?? 0) > 0 && f.status!.tenants!.every((t) => done(t.state))));
  } finally {
    process.kill(o.productionPid, 'SIGCONT');
  }
  if ('measured' in active) return active;
  const thawed = performance.now();
  const r = summarizeFailover(active.f, active.seconds);
  if (r.tenants !== o.expectTenants) return { measured: false, reason: `the emergency failover covered ${r.tenants} tenants, not the ${o.expectTenants} of the workload` };
  const end = await awaitTerminal(admin, o.name, o.guardMs);
  if (!end) return { measured: false, reason: `${o.name} did not finish reprotecting within ${o.guardMs / 1000} s of the thaw (a hang guard); every tenant was active on the standby after ${r.seconds.toFixed(1)} s` };
  return { ...summarizeFailover(end, r.seconds), reprotectSeconds: (performance.now() - thawed) / 1000 };
}

/** The planned failback of every tenant away from a production node: POST → terminal. */
export async function measureFailback(admin: RestClient, o: { name: string; expectTenants: number; guardMs: number; log: (m: string) => void }): Promise<FailoverBench | FailoverNotMeasured> {
  const r = await follow(admin, o.name, { scope: { centre: 'production' }, direction: 'failback', type: 'planned', requestedBy: 'bench/dr' }, o, (f) => TERMINAL.has(f.status?.phase ?? ''));
  if ('measured' in r) return r;
  const s = summarizeFailover(r.f, r.seconds);
  if (s.tenants !== o.expectTenants) return { measured: false, reason: `the failback covered ${s.tenants} tenants, not the ${o.expectTenants} of the workload` };
  return s;
}
