// Detached server processes with pid files: start one (its output appended to a log file), tell
// whether a recorded pid is still that process (not a recycled pid), and stop it: SIGTERM, then
// SIGKILL after a timeout.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LongyunError } from '../../topology/errors.js';

/** What `up` records about each process it started (in state.json, and its pid in a pid file). */
export interface ProcessRecord {
  /** e.g. `etcd`, `management-apiserver`, `member-1-controller-manager`. */
  name: string;
  pid: number;
  pidFile: string;
  log: string;
  /** The executable. */
  command: string;
  /** Field 22 of /proc/PID/stat (start time in clock ticks since boot), to tell a recycled pid apart; null off Linux. */
  startTime: number | null;
}

export interface Started {
  record: ProcessRecord;
  child: ChildProcess;
  /** Set when the process has exited (code or signal), so that waits fail fast. */
  exited: { code: number | null; signal: NodeJS.Signals | null } | null;
}

/** Field 22 of /proc/PID/stat and the process state (R, S, Z, …), or null when there is no such process. */
function procStat(pid: number): { startTime: number; state: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0] ?? '?', startTime: Number(rest[19]) };
  } catch {
    return null;
  }
}

function procCmdline(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return null;
  }
}

/** Starts `command args` detached (own process group, survives the CLI), output appended to `log`; writes the pid file. */
export function startProcess(name: string, command: string, args: string[], opts: { log: string; pidFile: string; env?: NodeJS.ProcessEnv }): Started {
  const fd = openSync(opts.log, 'a', 0o600);
  let child: ChildProcess;
  try {
    writeFileSync(fd, `--- ${new Date().toISOString()} ${command} ${args.join(' ')}\n`);
    child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd], env: opts.env ?? process.env });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new LongyunError(`could not start ${name} (${command}); see ${opts.log}`);
  const started: Started = {
    child,
    exited: null,
    record: { name, pid: child.pid, pidFile: opts.pidFile, log: opts.log, command, startTime: procStat(child.pid)?.startTime ?? null },
  };
  child.on('exit', (code, signal) => {
    started.exited = { code, signal };
  });
  child.on('error', () => {
    started.exited ??= { code: null, signal: null };
  });
  // Neither the child nor its handle keeps the caller's event loop alive (the CLI exits after `up`).
  child.unref();
  writeFileSync(opts.pidFile, `${child.pid}\n`);
  return started;
}

/** Whether the recorded process is alive and is still the one that was started (same start time, same executable). */
export function isAlive(rec: Pick<ProcessRecord, 'pid' | 'command' | 'startTime'>): boolean {
  const stat = procStat(rec.pid);
  if (stat === null) {
    if (existsSync('/proc/self/stat')) return false;
    // Not Linux: fall back to signal 0.
    try {
      process.kill(rec.pid, 0);
      return true;
    } catch {
      return false;
    }
  }
  if (stat.state === 'Z' || stat.state === 'X') return false;
  if (rec.startTime !== null && stat.startTime !== rec.startTime) return false;
  const argv0 = procCmdline(rec.pid)?.[0];
  return argv0 === undefined || basename(argv0) === basename(rec.command);
}

/** The pid in a pid file, or null. */
export function readPidFile(file: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Whether a pid from a pid file (without a state.json record) looks like one of ours: its command line mentions `marker` (the state directory). */
export function looksLikeOurs(pid: number, marker: string): boolean {
  const stat = procStat(pid);
  if (stat === null || stat.state === 'Z') return false;
  return (procCmdline(pid) ?? []).some((a) => a.includes(marker));
}

export type StopOutcome = 'not-running' | 'terminated' | 'killed';

/** SIGTERM, wait up to `timeoutMs`, then SIGKILL; removes the pid file. */
export async function stopProcess(rec: Pick<ProcessRecord, 'pid' | 'command' | 'startTime' | 'pidFile'>, timeoutMs = 10_000): Promise<StopOutcome> {
  let outcome: StopOutcome = 'not-running';
  if (isAlive(rec)) {
    outcome = 'terminated';
    signal(rec.pid, 'SIGTERM');
    const deadline = Date.now() + timeoutMs;
    while (isAlive(rec) && Date.now() < deadline) await sleep(50);
    if (isAlive(rec)) {
      outcome = 'killed';
      signal(rec.pid, 'SIGKILL');
      const killDeadline = Date.now() + 5_000;
      while (isAlive(rec) && Date.now() < killDeadline) await sleep(50);
      if (isAlive(rec)) throw new LongyunError(`process ${rec.pid} (${basename(rec.command)}) survived SIGKILL`);
    }
  }
  rmSync(rec.pidFile, { force: true });
  return outcome;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

/** The last lines of a log file, for error messages. */
export function tailLog(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** RSS of a process in MiB from /proc/PID/status, or null. */
export function rssMiB(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}
