import { describe, expect, it } from 'vitest';
import { measureOperatorCopy, procStatusMb, RssSampler, type DrBenchEnv } from './dr.js';

describe("the DR bench's operator side", () => {
  it('reads a process\'s RSS and peak from /proc, and nothing for a process that is not there', () => {
    const rss = procStatusMb(process.pid, 'VmRSS')!;
    const hwm = procStatusMb(process.pid, 'VmHWM')!;
    expect(rss).toBeGreaterThan(0);
    expect(hwm).toBeGreaterThanOrEqual(rss);
    expect(procStatusMb(2 ** 22 + 1, 'VmHWM')).toBeUndefined();
    const sampler = new RssSampler(process.pid, 10_000);
    expect(sampler.peakMb()).toBeGreaterThanOrEqual(hwm);
    sampler.stop();
  });

  it('reports the copier as not measured (with the reason), never as a number, when the members are not registered', async () => {
    const r = await measureOperatorCopy({ registered: false } as DrBenchEnv);
    expect(r).toEqual({ measured: false, reason: expect.stringMatching(/not registered/) });
  });
});
