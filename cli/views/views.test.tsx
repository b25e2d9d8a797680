import { render } from 'ink-testing-library';
import React from 'react';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../policies/types.js';
import type { EstateSummary } from '../../topology/summary.js';
import { FindingsView } from './FindingsView.js';
import { PlanView } from './PlanView.js';
import { Table } from './Table.js';

const summary: EstateSummary = {
  estate: 'gansu',
  units: { province: 1, municipal: 15, county: 86, township: 0 },
  clouds: { provincial: 1, municipal: 15, industry: 3, examples: 3, standby: 2 },
  planes: [
    { id: 'plane-1', name: 'Extranet plane 1', sites: 105, links: 104 },
    { id: 'plane-2', name: 'Extranet plane 2', sites: 105, links: 104 },
  ],
  datacentres: [
    { id: 'dc-a', role: 'production', unit: 'lanzhou', metro: 'lanzhou' },
    { id: 'dc-b', role: 'remote-dr', unit: 'qingyang', metro: 'qingyang' },
  ],
  departments: 8,
  prefixes: [{ plane: 'plane-1', family: 'ipv6', root: '2001:db8::/33', allocations: 420, rootUsed: 0.0073, fullest: { owner: 'lanzhou', prefix: '2001:db8:10::/44', used: 0.5625 } }],
};

const finding = (mode: 'audit' | 'enforce'): Finding => ({
  policy: 'extranet-bandwidth',
  severity: 'error',
  mode,
  file: 'estate/extranet.yaml',
  path: 'links[3].bandwidthMbps',
  message: 'backbone link "x" has 100 Mbit/s',
});

describe('PlanView', () => {
  it('shows units, clouds, planes, DR, prefixes with utilisation, and policies', () => {
    const { lastFrame } = render(
      <PlanView summary={summary} estateDir="estate" ledger={{ path: 'estate/ledger.json', added: 4, released: 0, written: true, total: 420 }} findings={[]} policiesEvaluated={6} />,
    );
    const frame = lastFrame()!;
    expect(frame).toContain('province 1 · municipal 15 · county 86 · township 0');
    expect(frame).toContain('industry 3 (3 marked as examples) · standby 2');
    expect(frame).toContain('plane-1: 105 sites, 104 links');
    expect(frame).toContain('production dc-a (lanzhou)');
    expect(frame).toContain('same-city none');
    expect(frame).toMatch(/2001:db8::\/33\s+420\s+0\.7%\s+lanzhou 2001:db8:10::\/44 56\.3%/);
    expect(frame).toContain('420 allocations, 4 added (written)');
    expect(frame).toContain('6 policies evaluated, no findings');
  });
});

describe('FindingsView', () => {
  it('counts enforced and audit findings and shows where each is', () => {
    const { lastFrame } = render(<FindingsView findings={[finding('enforce'), finding('audit')]} evaluated={6} />);
    const frame = lastFrame()!;
    expect(frame).toContain('2 findings (1 enforced, 1 audit)');
    expect(frame).toMatch(/ENFORCE extranet-bandwidth estate\/extranet\.yaml: links\[3\]\.bandwidthMbps/);
    expect(frame).toMatch(/AUDIT\s+extranet-bandwidth/);
    expect(frame).toContain('has 100 Mbit/s');
  });
});

describe('Table', () => {
  it('aligns columns, including empty cells and wide (CJK) text', () => {
    const { lastFrame } = render(
      <Table columns={[{ header: 'A' }, { header: 'B', align: 'right' }, { header: 'C' }]} rows={[['城关区', '1', 'x'], ['', '1000', '']]} />,
    );
    const lines = lastFrame()!.split('\n');
    expect(lines).toHaveLength(3);
    // column C starts at the same display column on every line that has it
    expect(lines[0]!.indexOf('C')).toBe(lines[1]!.indexOf('x') + 3); // 城关区 is 6 columns wide but 3 characters long
    expect(lines[2]!).toMatch(/^\s+1000/);
  });
});
