import React from 'react';
import { evaluatePolicies } from '../../policies/evaluate.js';
import { allocateLedger } from '../../topology/ipam/ledger-store.js';
import { loadEstate } from '../../topology/load.js';
import { summarize } from '../../topology/summary.js';
import { EXIT, relativeToCwd } from '../common.js';
import { printJson, printView } from '../render.js';

export interface PlanOptions {
  estate: string;
  output: 'table' | 'json';
  dryRun?: boolean;
}

export async function planCommand(opts: PlanOptions): Promise<number> {
  const outcome = await allocateLedger(loadEstate(opts.estate), { dryRun: opts.dryRun ?? false });
  const estate = outcome.estate;
  const report = evaluatePolicies(estate);
  const summary = summarize(estate, outcome.plan);
  const ledger = {
    path: relativeToCwd(outcome.ledgerPath),
    added: outcome.added.length,
    released: outcome.released.length,
    written: outcome.written,
    total: outcome.plan.allocations().length,
  };
  if (opts.output === 'json') {
    printJson({
      estate: estate.name,
      units: estate.doc.units.map((u) => ({ id: u.id, level: u.level, parent: u.parent ?? null, code: u.code ?? null, name: u.name })),
      clouds: estate.doc.clouds.map((c) => ({ id: c.id, kind: c.kind, unit: c.unit, ...(c.role === 'standby' ? { role: c.role, datacentre: c.datacentre, protects: c.protects } : {}) })),
      allocations: outcome.plan.allocations(),
      findings: report.findings,
      policies: report.policies,
      summary,
      ledger,
    });
  } else {
    const { PlanView } = await import('../views/PlanView.js');
    await printView(() =>
      React.createElement(PlanView, { summary, estateDir: opts.estate, ledger, findings: report.findings, policiesEvaluated: report.policies.length }),
    );
  }
  return report.failed ? EXIT.POLICY : EXIT.OK;
}
