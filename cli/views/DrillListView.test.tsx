import { renderToString } from 'ink';
import { render } from 'ink-testing-library';
import React from 'react';
import { describe, expect, it } from 'vitest';
import { PARTIAL } from '../../controllers/dr/drill-types.test-helpers.js';
import { DrillListView } from './DrillListView.js';
import { scopeText } from './dr-text.js';
import { DrillView } from './DrillView.js';

const NOW = new Date('2026-12-02T06:00:00Z');

describe('DrillListView', () => {
  it('one line per drill: phase, scope, tenants verified, the worst RTO (✗: a target missed) and RPO, start and age', () => {
    const pending = { ...PARTIAL, metadata: { name: 'later', creationTimestamp: '2026-12-02T05:59:00Z' }, spec: { scope: { centre: 'production' }, to: 'same-city-dr' as const }, status: undefined };
    // wide enough for every column (ink-testing-library's frame is 100 wide)
    const lines = renderToString(<DrillListView drills={[PARTIAL, pending]} now={NOW} />, { columns: 200 }).split('\n');
    expect(lines[0]).toMatch(/^NAME\s+PHASE\s+SCOPE\s+TO\s+TENANTS\s+VERIFIED\s+MAX RTO\s+MAX RPO\s+STARTED\s+AGE$/);
    expect(lines[1]).toMatch(/^drill-20261202-040000\s+PartiallySucceeded\s+tenants gansu-transport, health-records\s+remote-dr\s+2\s+1\/2\s+1m 15s ✗\s+31s\s+2026-12-02 04:00:01Z\s+2h 00m$/);
    expect(lines[2]).toMatch(/^later\s+Pending\s+centre production\s+same-city-dr\s+-\s+-\s+-\s+-\s+-\s+1m 00s$/);
    expect(render(<DrillListView drills={[]} now={NOW} />).lastFrame()).toContain('No drills.');
    expect(scopeText({ tenants: ['a', 'b', 'c', 'd'] })).toBe('tenants a, b +2');
  });
});

describe('DrillView', () => {
  it('wraps to the terminal: the header within 100 columns', () => {
    expect(render(<DrillView drill={PARTIAL} now={NOW} />).lastFrame()!.split('\n')[0]).toBe('drill-20261202-040000 PartiallySucceeded · tenants gansu-transport, health-records → remote-dr · by');
  });

  it('the drill, the scope of its measurements, per tenant RTO and RPO against targets, inventory, issues and unmeasured availability', () => {
    const frame = renderToString(<DrillView drill={PARTIAL} now={NOW} />, { columns: 200 });
    const lines = frame.split('\n');
    expect(lines[0]).toBe('drill-20261202-040000 PartiallySucceeded · tenants gansu-transport, health-records → remote-dr · by sre-wang · created 2h 00m ago');
    expect(lines[1]).toContain('RTO and RPO of API objects only: the applications were not started');
    expect(frame).toMatch(/gansu-transport\s+Failed\s+gansu-provincial-remote-dr\s+2026-12-02 03:59:30Z\s+1m 15s \/ 1m ✗\s+31s \/ 15m ✓\s+10\/12\s+0\/1\/1\s+NotMeasured/);
    expect(frame).toContain('gansu-transport: differing v1/ConfigMap/fares: data.peak differs from the recovery point');
    expect(frame).toContain('health-records: availability not measured: gansu-provincial-remote-dr has no nodes');
    expect(frame).toContain('cleanup Done (drill-20261202-040000-gansu-transport, drill-20261202-040000-health-records)');
  });
});
