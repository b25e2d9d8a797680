// Typed errors of the estate model. Every issue names the file, the path inside it and the fix.

/** One problem found in an estate or ledger: where it is and what is wrong. */
export interface Issue {
  /** The file, relative to the current directory where possible (e.g. `estate/clouds.yaml`). */
  file: string;
  /** The path inside the document, e.g. `clouds[3].unit`; empty for the whole file. */
  path: string;
  message: string;
}

export function formatIssue(issue: Issue): string {
  return issue.path ? `${issue.file}: ${issue.path}: ${issue.message}` : `${issue.file}: ${issue.message}`;
}

/** Base class of the errors the CLI reports as user errors (exit 1) rather than crashes. */
export class LongyunError extends Error {
  override name = 'LongyunError';
}

/** The estate directory did not load: one or more issues, all reported at once. */
export class EstateValidationError extends LongyunError {
  override name = 'EstateValidationError';
  constructor(readonly issues: Issue[]) {
    super(issues.map(formatIssue).join('\n'));
  }
}

/** The IPAM ledger did not validate; it is never overwritten in this state. */
export class LedgerValidationError extends LongyunError {
  override name = 'LedgerValidationError';
  constructor(readonly issues: Issue[]) {
    super(issues.map(formatIssue).join('\n'));
  }
}

/** No room left in a parent prefix for an allocation of the requested size. */
export class PrefixExhaustedError extends LongyunError {
  override name = 'PrefixExhaustedError';
  constructor(
    readonly plane: string,
    readonly family: string,
    readonly owner: string,
    readonly parent: string,
    readonly length: number,
    hint: string,
  ) {
    super(`no room in ${parent} (${plane}, ${family}) for a /${length} for "${owner}": ${hint}`);
  }
}

/** Another process holds the lock on a state file for longer than we are willing to wait. */
export class LockTimeoutError extends LongyunError {
  override name = 'LockTimeoutError';
  constructor(readonly lockPath: string, holder: string) {
    super(`timed out waiting for the lock ${lockPath} (held by ${holder}); if no longyun process is running, delete the lock file`);
  }
}
