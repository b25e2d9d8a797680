import { describe, expect, it } from 'vitest';
import { UsageError } from '../common.js';
import { electionTimingsOf } from './operator.js';

const run = (flags: { leaseDuration?: string; renewDeadline?: string; retryPeriod?: string }) => electionTimingsOf({ estate: '.', leaseDuration: flags.leaseDuration ?? '15', ...flags });

describe('operator run: --lease-duration, --renew-deadline, --retry-period', () => {
  it('scales client-go\'s defaults from the lease duration; takes seconds with decimals', async () => {
    expect(await run({})).toEqual({ leaseDurationSeconds: 15, renewDeadlineMs: 10_000, retryPeriodMs: 2000 });
    expect(await run({ leaseDuration: '4' })).toEqual({ leaseDurationSeconds: 4, renewDeadlineMs: 2667, retryPeriodMs: 533 });
    expect(await run({ leaseDuration: '4', renewDeadline: '3.5', retryPeriod: '0.25' })).toEqual({ leaseDurationSeconds: 4, renewDeadlineMs: 3500, retryPeriodMs: 250 });
  });

  it('refuses timings that do not nest, naming the flags', async () => {
    await expect(run({ leaseDuration: '4', renewDeadline: '4' })).rejects.toThrow(new UsageError('the renew deadline (4 s) must be shorter than the lease duration (4 s) (--renew-deadline < --lease-duration; unset, --renew-deadline is 2/3 and --retry-period 2/15 of --lease-duration)'));
    await expect(run({ renewDeadline: '5', retryPeriod: '5' })).rejects.toThrow('the retry period (5 s) must be shorter than the renew deadline (5 s) (--retry-period < --renew-deadline)');
    await expect(run({ leaseDuration: '4', retryPeriod: '3' })).rejects.toThrow(/retry period \(3 s\) must be shorter than the renew deadline \(2\.667 s\)/);
    await expect(run({ leaseDuration: '2.5' })).rejects.toThrow('--lease-duration takes a whole number of seconds ≥ 1, got "2.5"');
    await expect(run({ retryPeriod: 'soon' })).rejects.toThrow('--retry-period takes a positive number of seconds, got "soon"');
    await expect(run({ renewDeadline: '0' })).rejects.toBeInstanceOf(UsageError);
  });
});
