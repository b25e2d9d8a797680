// bench/dr's drill phase (issue 12): an isolated drill of every tenant of the production centre
// ("the production centre is gone") into the same-city standby, run by the operator that keeps
// the copies. Wall time from creating the FailoverDrill to its terminal phase with the drill
// namespaces deleted, against the DR I kubectl copy baseline measured in the same run; and the
// per-tenant RTO (drill start → that tenant verified) and RPO distributions the drill measured.
import { API_VERSION } from '../operator/crds.js';
import type { RestClient } from '../operator/rest.js';
import type { DrillPhase, FailoverDrill } from '../controllers/dr/drill-types.js';

export interface Distribution {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface DrillBench {
  measured: true;
  /** From the POST of the FailoverDrill until its terminal phase, cleanup done. */
  seconds: number;
  phase: DrillPhase;
  tenants: number;
  verified: number;
  failed: number;
  /** Seconds spent in each phase (entered → next entered). */
  phaseSeconds: Record<string, number>;
  rtoSeconds: Distribution | null;
  rpoSeconds: Distribution | null;
  rtoTargetMet: number;
  /** Every tenant's RTO (pooled across runs in the summary). */
  rtoAll: number[];
  /** The first few failures' reasons, when any tenant failed. */
  failures: string[];
}

export interface DrillNotMeasured {
  measured: false;
  reason: string;
}

/** Nearest-rank percentiles of a non-empty list. */
export function distribution(values: readonly number[]): Distribution | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) };
}

/** Seconds between consecutive phase transitions. */
export function phaseSeconds(d: Pick<FailoverDrill, 'status'>): Record<string, number> {
  const t = d.status?.transitions ?? [];
  const out: Record<string, number> = {};
  for (let i = 0; i + 1 < t.length; i++) out[t[i]!.phase] = Math.round((Date.parse(t[i + 1]!.at) - Date.parse(t[i]!.at)) / 10) / 100;
  return out;
}

export function summarizeDrill(d: FailoverDrill, seconds: number): DrillBench {
  const tenants = d.status?.tenants ?? [];
  return {
    measured: true,
    seconds,
    phase: d.status!.phase!,
    tenants: tenants.length,
    verified: tenants.filter((t) => t.state === 'Verified').length,
    failed: tenants.filter((t) => t.state === 'Failed').length,
    phaseSeconds: phaseSeconds(d),
    rtoSeconds: distribution(tenants.flatMap((t) => (t.rtoSeconds !== undefined ? [t.rtoSeconds] : []))),
    rpoSeconds: distribution(tenants.flatMap((t) => (t.rpoSeconds !== undefined ? [t.rpoSeconds] : []))),
    rtoTargetMet: tenants.filter((t) => t.rtoMet === true).length,
    rtoAll: tenants.flatMap((t) => (t.rtoSeconds !== undefined ? [t.rtoSeconds] : [])),
    failures: tenants.filter((t) => t.state === 'Failed').slice(0, 5).map((t) => `${t.tenant}: ${t.message ?? ''}`),
  };
}

const TERMINAL = new Set(['Succeeded', 'PartiallySucceeded', 'Failed', 'Aborted']);

/** Starts the drill and waits for it (a hang guard, not a target: `guardMs`). */
export async function measureDrill(admin: RestClient, o: { name: string; to: 'same-city-dr' | 'remote-dr'; expectTenants: number; guardMs: number; log: (m: string) => void }): Promise<DrillBench | DrillNotMeasured> {
  const t0 = performance.now();
  await admin.request('POST', `/apis/${API_VERSION}/failoverdrills`, { apiVersion: API_VERSION, kind: 'FailoverDrill', metadata: { name: o.name }, spec: { scope: { centre: 'production' }, to: o.to, requestedBy: 'bench/dr' } });
  let last = '';
  for (;;) {
    const d = await admin.request<FailoverDrill>('GET', `/apis/${API_VERSION}/failoverdrills/${o.name}`);
    const phase = d.status?.phase ?? '';
    if (phase !== last) {
      o.log(`drill ${o.name}: ${phase} after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      last = phase;
    }
    if (TERMINAL.has(phase) && d.status?.cleanup?.state === 'Done') {
      const r = summarizeDrill(d, (performance.now() - t0) / 1000);
      if (r.tenants !== o.expectTenants) return { measured: false, reason: `the drill covered ${r.tenants} tenants, not the ${o.expectTenants} of the workload` };
      return r;
    }
    if (performance.now() - t0 > o.guardMs) return { measured: false, reason: `the drill did not finish within ${o.guardMs / 1000} s (a hang guard, not a target); last phase ${phase || 'none'}` };
    await new Promise((r) => setTimeout(r, 200));
  }
}
