import { renderToString } from 'ink';
import { render } from 'ink-testing-library';
import React from 'react';
import { describe, expect, it } from 'vitest';
import type { Failover } from '../../controllers/dr/failover-types.js';
import { EMERGENCY } from '../commands/failover-api.test-helpers.js';
import { FailoverListView, fromToText } from './FailoverListView.js';
import { FailoverView } from './FailoverView.js';

const NOW = new Date('2026-12-02T06:00:00Z');
const FAILBACK: Failover = { ...EMERGENCY, metadata: { name: 'failback-20261202-055900', creationTimestamp: '2026-12-02T05:59:00Z' }, spec: { scope: { tenants: ['health-records'] }, direction: 'failback', type: 'planned', dryRun: true }, status: undefined };

describe('FailoverListView', () => {
  it('one line per failover: direction, type, phase, scope, from → to, tenants verified, worst RTO (✗: a target missed) and RPO, start and age', () => {
    // wide enough for every column (ink-testing-library's frame is 100 wide)
    const lines = renderToString(<FailoverListView failovers={[EMERGENCY, FAILBACK]} now={NOW} />, { columns: 220 }).split('\n');
    expect(lines[0]).toMatch(/^NAME\s+DIRECTION\s+TYPE\s+PHASE\s+SCOPE\s+FROM→TO\s+TENANTS\s+VERIFIED\s+MAX RTO\s+MAX RPO\s+STARTED\s+AGE$/);
    expect(lines[1]).toMatch(/^failover-20261202-040000\s+failover\s+emergency\s+Failed\s+node gansu-provincial\s+gansu-provincial → gansu-provincial-remote-dr\s+2\s+1\/2\s+1m 15s ✗\s+31s\s+2026-12-02 04:00:00Z\s+2h 00m$/);
    expect(lines[2]).toMatch(/^failback-20261202-055900\s+failback\s+planned \(dry run\)\s+Pending\s+tenants health-records\s+- → home\s+-\s+-\s+-\s+-\s+-\s+1m 00s$/);
    expect(render(<FailoverListView failovers={[]} now={NOW} />).lastFrame()).toContain('No failovers.');
  });

  it('FROM→TO counts nodes when tenants move between several; before resolution names the centre', () => {
    const two = structuredClone(EMERGENCY);
    two.status!.tenants![1]!.from = 'lanzhou-cloud';
    expect(fromToText(two)).toBe('2 nodes → gansu-provincial-remote-dr');
    expect(fromToText({ ...EMERGENCY, status: {} })).toBe('- → remote-dr');
  });
});

describe('FailoverView', () => {
  it('the failover, its times, per tenant from, to, state, epoch before→after, RTO and RPO against targets, lost+found and messages', () => {
    const frame = renderToString(<FailoverView failover={EMERGENCY} now={NOW} />, { columns: 200 });
    const lines = frame.split('\n');
    expect(lines[0]).toBe('failover-20261202-040000 Failed · failover emergency · node gansu-provincial · gansu-provincial → gansu-provincial-remote-dr · by sre-wang · created 2h 00m ago');
    expect(lines[1]).toBe('started 2026-12-02 04:00:00Z · switched 2026-12-02 04:00:03Z · finished 2026-12-02 04:00:20Z · RTO and RPO of API objects only; volume data NotMeasured');
    expect(lines[2]).toBe('TenantsFailed: 1 of 2 tenants failed verification');
    expect(frame).toMatch(/TENANT\s+FROM\s+TO\s+STATE\s+EPOCH\s+RTO \/ TARGET\s+RPO \/ TARGET\s+LOST\+FOUND/);
    expect(frame).toMatch(/health-records\s+gansu-provincial\s+gansu-provincial-remote-dr\s+Reprotected\s+1→2\s+12s \/ 4h ✓\s+15s \/ 15m ✓\s+1\n/);
    expect(frame).toMatch(/gansu-transport\s+gansu-provincial\s+gansu-provincial-remote-dr\s+Failed\s+3→4\s+1m 15s \/ 1m ✗\s+31s \/ 15m ✓\s+-\n/);
    expect(frame).toContain('health-records: promoted from the recovery point 2026-12-02T03:59:48Z');
    expect(frame).toContain('health-records: 1 object of gansu-provincial changed after the recovery point, kept aside in namespace health-records-lost-4f2a9c');
    expect(frame).toContain('gansu-transport: 1 object differs from the recovery point');
  });

  it('a pending one: no tenants yet; an abort requested while running', () => {
    const frame = render(<FailoverView failover={{ ...FAILBACK, spec: { ...FAILBACK.spec, abort: true } }} now={NOW} />).lastFrame()!;
    expect(frame).toContain('abort requested');
    expect(frame).toContain('no tenants resolved yet');
  });
});
