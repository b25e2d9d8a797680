import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{topology,policies,stacks,controllers,operator,cli,dashboards,bench}/**/*.test.{ts,tsx}', 'test/e2e/**/*.test.{ts,tsx}'],
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
