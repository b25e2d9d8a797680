// State files are written atomically (temp file + fsync + rename) under an inter-process lock, so
// that a crash or a concurrent run never leaves a half-written or lost file.
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import lockfile from 'proper-lockfile';
import { LockTimeoutError } from './errors.js';

export function writeFileAtomic(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

export interface LockOptions {
  /** How long to wait for another holder, in ms. */
  timeoutMs?: number;
}

/**
 * Runs `fn` while holding an exclusive lock on `path` (a `<path>.lock` directory, refreshed while
 * held and considered stale after 10 s without refresh, so a killed process does not block
 * others forever).
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T> | T, options: LockOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let release: (() => Promise<void>) | undefined;
  for (;;) {
    try {
      release = await lockfile.lock(path, { realpath: false, stale: 10_000, update: 2_000 });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') throw e;
      if (Date.now() > deadline) throw new LockTimeoutError(`${path}.lock`, 'another longyun process');
      await new Promise((r) => setTimeout(r, 15 + Math.random() * 35));
    }
  }
  try {
    return await fn();
  } finally {
    await release();
  }
}

