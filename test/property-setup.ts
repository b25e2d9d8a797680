// Vitest setup file: every fast-check property draws from FC_SEED when it is set (else a fresh
// seed), replays FC_PATH, and a failure says how to replay it. See test/property-runs.ts.
import fc from 'fast-check';
import { expect } from 'vitest';
import { propertyEnv } from './property-runs.js';

const { seed, path, scale } = propertyEnv();

function replayHint(failedSeed: number, counterexamplePath: string | null): string {
  const state = expect.getState();
  const file = state.testPath ? state.testPath.replace(`${process.cwd()}/`, '') : '<file>';
  const name = (state.currentTestName ?? '').replace(/ > /g, ' ');
  const pathPart = counterexamplePath ? ` FC_PATH=${counterexamplePath}` : '';
  return `\n\nReplay: FC_SEED=${failedSeed}${pathPart} npx vitest run ${file} -t ${JSON.stringify(name)}`;
}

fc.configureGlobal({
  ...(seed !== undefined ? { seed } : {}),
  ...(path !== undefined ? { path } : {}),
  numRuns: Math.max(1, Math.ceil(100 * scale)),
  reporter(out) {
    if (!out.failed) return;
    const message = (fc.defaultReportMessage(out) ?? 'property failed') + replayHint(out.seed, out.counterexamplePath);
    throw new Error(message, { cause: out.errorInstance });
  },
});
