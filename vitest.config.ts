import { defineConfig } from 'vitest/config';
import { propertyEnv } from './test/property-runs.js';

// Two groups, one after the other: first the unit tests, files in parallel; then the end-to-end
// tests one file at a time. Most of those start etcd and two or three kube-apiservers with their
// controller-managers, and the rest spawn the CLI dozens of times: on a 2-core machine, two such
// files side by side starve each other's servers and turn timing into failures.
const UNIT = '{topology,policies,stacks,controllers,operator,cli,dashboards,bench}/**/*.test.{ts,tsx}';
const E2E = 'test/e2e/**/*.test.{ts,tsx}';
// FC_RUNS_SCALE=20 makes the property tests 20 times longer: their time limit grows with them.
const { scale } = propertyEnv();

export default defineConfig({
  test: {
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // FC_SEED, FC_PATH and FC_RUNS_SCALE for every fast-check property (test/property-runs.ts).
    setupFiles: ['test/property-setup.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: [UNIT], testTimeout: 60_000 * Math.max(1, scale), sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'e2e', include: [E2E], fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
