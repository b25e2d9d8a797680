// Shared by the commands: where the estate is, output formats, and turning errors into exit codes.
import { shippedEstateDir } from '../topology/paths.js';
import { EstateValidationError, LedgerValidationError, LongyunError, formatIssue } from '../topology/errors.js';

/** The shipped Gansu estate. */
export const SHIPPED_ESTATE = shippedEstateDir();

export function defaultEstateDir(): string {
  return process.env.LONGYUN_ESTATE ?? relativeToCwd(SHIPPED_ESTATE);
}

export function relativeToCwd(p: string): string {
  const cwd = process.cwd();
  return p.startsWith(`${cwd}/`) ? p.slice(cwd.length + 1) : p;
}

/** Exit codes, as documented in `longyun --help` and the README. */
export const EXIT = {
  OK: 0,
  /** Bad input (estate, ledger, arguments) or an operation that failed. */
  ERROR: 1,
  /** Something differs or is pending (e.g. `diff` found changes). */
  CHANGES: 2,
  /** An enforce-mode policy has findings. */
  POLICY: 3,
} as const;

export class UsageError extends LongyunError {
  override name = 'UsageError';
}

export function checkFormat<T extends string>(value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--output must be one of ${allowed.join(', ')}, got "${value}"`);
  }
  return value as T;
}

/** Runs a command body; user errors print a clear message and exit 1, bugs keep their stack. */
export function action<A extends unknown[]>(body: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await body(...args);
      process.exitCode = code ?? EXIT.OK;
    } catch (e) {
      if (e instanceof EstateValidationError || e instanceof LedgerValidationError) {
        const what = e instanceof EstateValidationError ? 'the estate' : 'the IPAM ledger';
        process.stderr.write(`error: ${what} is invalid (${e.issues.length} problem${e.issues.length === 1 ? '' : 's'}):\n`);
        for (const issue of e.issues) process.stderr.write(`  ${formatIssue(issue)}\n`);
        if (e instanceof LedgerValidationError) process.stderr.write('The ledger was not changed.\n');
        process.exitCode = EXIT.ERROR;
      } else if (e instanceof LongyunError) {
        process.stderr.write(`error: ${e.message}\n`);
        process.exitCode = EXIT.ERROR;
      } else {
        throw e;
      }
    }
  };
}
