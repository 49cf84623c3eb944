import { defineConfig } from 'vitest/config';

/** Each `vitest run --project NAME` writes its own JSON report; scripts/test-summary.mjs adds them up. */
const projectArg = process.argv.indexOf('--project');
const reportName = projectArg === -1 ? 'all' : (process.argv[projectArg + 1] ?? 'all');

export default defineConfig({
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: `node_modules/.cache/localbrain-test/${reportName}.json` },
    projects: [
      { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node' } },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          globalSetup: ['tests/support/build-once.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      // One browser at a time: these machines have two cores.
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          globalSetup: ['tests/support/build-once.ts'],
          testTimeout: 90_000,
          hookTimeout: 90_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
