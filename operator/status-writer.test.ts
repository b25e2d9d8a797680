import { describe, expect, it } from 'vitest';
import { OperatorMetrics } from './metrics.js';
import type { RestClient } from './rest.js';
import { keepSwitch, StatusWriter } from './status-writer.js';

describe('the tenant controller\'s status never moves the active copy back', () => {
  it('keepSwitch keeps the active node and epoch as they are now; before placement the computed ones go in', () => {
    expect(keepSwitch({ node: 'p', activeNode: 's', epoch: 2 }, { node: 'p', activeNode: 'p', epoch: 1, phase: 'Ready' })).toEqual({ node: 'p', activeNode: 's', epoch: 2, phase: 'Ready' });
    expect(keepSwitch(undefined, { node: 'p', activeNode: 'p', epoch: 1 })).toEqual({ node: 'p', activeNode: 'p', epoch: 1 });
  });

  it('a status computed from a cache read before a switch, written after it (a 409 and a fresh read), keeps the switch', async () => {
    // The cache has the tenant before the switch; the server has it after (a failover wrote it).
    const stale = { metadata: { name: 't', resourceVersion: '1' }, status: { node: 'p', activeNode: 'p', epoch: 1 } };
    const fresh = { metadata: { name: 't', resourceVersion: '2' }, status: { node: 'p', activeNode: 's', epoch: 2 } };
    const patches: Array<{ status: Record<string, unknown>; metadata: { resourceVersion: string } }> = [];
    const rest = {
      request: async (method: string, _path: string, body?: unknown) => {
        if (method === 'GET') return fresh;
        const b = body as (typeof patches)[number];
        patches.push(b);
        if (b.metadata.resourceVersion === '1') throw Object.assign(new Error('conflict'), { code: 409 });
        return { ...fresh, status: { ...fresh.status, ...b.status } };
      },
    } as unknown as RestClient;
    const writer = new StatusWriter(rest, new OperatorMetrics(), () => ({ cache: new Map([['t', stale]]), mutate: () => {} }) as never);
    await writer.patchStatus('tenants', 't', { node: 'p', activeNode: 'p', epoch: 1, phase: 'Ready' });
    expect(patches).toHaveLength(2);
    expect(patches[1]!.status).toMatchObject({ activeNode: 's', epoch: 2, phase: 'Ready' });
  });
});
