import { describe, expect, it } from 'vitest';
import { decideLease } from './leader-election.js';

describe('decideLease', () => {
  const now = 1_000_000;
  it('acquires a missing or released lease', () => {
    expect(decideLease(undefined, 'a', now, 15)).toEqual({ action: 'acquire', transitions: 0 });
    expect(decideLease({ transitions: 3 }, 'a', now, 15)).toEqual({ action: 'acquire', transitions: 4 });
  });
  it('renews its own lease', () => {
    expect(decideLease({ holder: 'a', renewTime: now - 60_000, durationSeconds: 15 }, 'a', now, 15)).toEqual({ action: 'renew' });
  });
  it('waits while another holder\'s lease is fresh, takes over once it expired', () => {
    expect(decideLease({ holder: 'b', renewTime: now - 14_000, durationSeconds: 15, transitions: 1 }, 'a', now, 15)).toEqual({ action: 'wait', holder: 'b', expiresAt: now + 1000 });
    expect(decideLease({ holder: 'b', renewTime: now - 15_000, durationSeconds: 15, transitions: 1 }, 'a', now, 15)).toEqual({ action: 'acquire', transitions: 2 });
  });
  it('uses the lease\'s own duration over the candidate\'s', () => {
    expect(decideLease({ holder: 'b', renewTime: now - 20_000, durationSeconds: 30 }, 'a', now, 15).action).toBe('wait');
  });
});
