import React from 'react';
import { effectiveModes, evaluatePolicies } from '../../policies/evaluate.js';
import { POLICIES } from '../../policies/registry.js';
import { loadEstate } from '../../topology/load.js';
import { EXIT } from '../common.js';
import { printJson, printView } from '../render.js';

export interface PolicyOptions {
  estate: string;
  output: 'table' | 'json';
}

export async function listCommand(opts: PolicyOptions): Promise<number> {
  const modes = effectiveModes(loadEstate(opts.estate));
  const rows = POLICIES.map((p) => ({
    id: p.id,
    title: p.title,
    sections: p.sections,
    severity: p.severity,
    mode: modes.get(p.id)!,
    description: p.description,
  }));
  if (opts.output === 'json') {
    printJson(rows);
    return EXIT.OK;
  }
  const { Table } = await import('../views/Table.js');
  await printView(() =>
    React.createElement(Table, {
      columns: [{ header: 'ID' }, { header: 'PLAN' }, { header: 'SEVERITY' }, { header: 'MODE' }, { header: 'TITLE' }],
      rows: rows.map((r) => [r.id, r.sections.join(', '), r.severity, r.mode, r.title]),
    }),
  );
  return EXIT.OK;
}

export async function checkCommand(opts: PolicyOptions): Promise<number> {
  const report = evaluatePolicies(loadEstate(opts.estate));
  if (opts.output === 'json') {
    printJson({ failed: report.failed, policies: report.policies, findings: report.findings });
  } else {
    const { FindingsView } = await import('../views/FindingsView.js');
    await printView(() => React.createElement(FindingsView, { findings: report.findings, evaluated: report.policies.length }));
  }
  return report.failed ? EXIT.POLICY : EXIT.OK;
}
