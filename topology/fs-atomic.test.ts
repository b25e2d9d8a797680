import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LockTimeoutError } from './errors.js';
import { makeTempDir, removeDir } from './estate.test-helpers.js';
import { withFileLock, writeFileAtomic } from './fs-atomic.js';

// Lets a test make the next write fail half-way, as a full disk would.
const control = vi.hoisted(() => ({ failWrites: false }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const writeSync = ((fd: number, data: string) => {
    if (control.failWrites) {
      fs.writeSync(fd, data.slice(0, Math.floor(data.length / 2)));
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }
    return fs.writeSync(fd, data);
  }) as typeof fs.writeSync;
  return { ...fs, default: { ...fs, writeSync }, writeSync };
});

const dirs: string[] = [];
afterEach(() => {
  control.failWrites = false;
  while (dirs.length) removeDir(dirs.pop()!);
});
function temp(): string {
  const d = makeTempDir();
  dirs.push(d);
  return d;
}

describe('writeFileAtomic', () => {
  it('creates and replaces a file, leaving no temp file', () => {
    const dir = temp();
    const path = join(dir, 'ledger.json');
    writeFileAtomic(path, 'one\n');
    expect(readFileSync(path, 'utf8')).toBe('one\n');
    writeFileAtomic(path, 'two\n');
    expect(readFileSync(path, 'utf8')).toBe('two\n');
    expect(readdirSync(dir)).toEqual(['ledger.json']);
  });

  it('a failed write leaves the old file intact and removes its temp file', () => {
    const dir = temp();
    const path = join(dir, 'ledger.json');
    writeFileSync(path, 'the old ledger\n');
    control.failWrites = true;
    expect(() => writeFileAtomic(path, 'x'.repeat(10_000))).toThrow(/ENOSPC/);
    control.failWrites = false;
    expect(readFileSync(path, 'utf8')).toBe('the old ledger\n');
    expect(readdirSync(dir)).toEqual(['ledger.json']);
  });
});

describe('withFileLock', () => {
  it('runs holders one at a time', async () => {
    const dir = temp();
    const path = join(dir, 'ledger.json');
    const events: string[] = [];
    const holder = (name: string) =>
      withFileLock(path, async () => {
        events.push(`${name} in`);
        await new Promise((r) => setTimeout(r, 30));
        events.push(`${name} out`);
        return name;
      });
    const results = await Promise.all([holder('a'), holder('b'), holder('c')]);
    expect(results).toEqual(['a', 'b', 'c']);
    for (let i = 0; i < events.length; i += 2) {
      expect(events[i]!.endsWith(' in')).toBe(true);
      expect(events[i + 1]).toBe(events[i]!.replace(' in', ' out'));
    }
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('times out with a LockTimeoutError naming the lock file', async () => {
    const dir = temp();
    const path = join(dir, 'ledger.json');
    let release!: () => void;
    const held = withFileLock(path, () => new Promise<void>((r) => (release = r)));
    // vi.waitFor gives up after 1 s by default: too little on a loaded machine.
    await vi.waitFor(() => expect(existsSync(`${path}.lock`)).toBe(true), { timeout: 30_000, interval: 5 });
    const waiting = withFileLock(path, () => 'never', { timeoutMs: 150 });
    await expect(waiting).rejects.toBeInstanceOf(LockTimeoutError);
    await expect(waiting).rejects.toThrow(`${path}.lock`);
    release();
    await held;
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('releases the lock when the holder throws', async () => {
    const dir = temp();
    const path = join(dir, 'ledger.json');
    await expect(withFileLock(path, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(existsSync(`${path}.lock`)).toBe(false);
    await expect(withFileLock(path, () => 'again', { timeoutMs: 200 })).resolves.toBe('again');
  });
});
