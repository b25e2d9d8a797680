// Shared by the benchmarks: medians, and one fresh child process per run (so that each run's
// peak RSS is its own).
import { spawnSync } from 'node:child_process';

/** The value after `flag` on the command line (`--runs 3`), if given. */
export function flagValue(flag: string, argv: readonly string[] = process.argv.slice(2)): string | undefined {
  const at = argv.indexOf(flag);
  return at >= 0 ? argv[at + 1] : undefined;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs `script` (the calling bench's own file) again with `args`; its stdout is one JSON value. */
export function runChild<T>(script: string, args: string[]): T {
  const r = spawnSync(process.execPath, [...process.execArgv, script, ...args], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    throw new Error(`bench child ${args.join(' ')} exited with ${r.status ?? r.signal}`);
  }
  return JSON.parse(r.stdout) as T;
}

/** mulberry32: a small, fast 32-bit generator; the same seed gives the same stream. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
