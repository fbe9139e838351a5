import { defineConfig } from 'vitest/config'

// Three projects, as the folders under tests/ say. Everything runs in Node in forked workers (aws-crt is a native
// addon); the e2e project drives Debian's Chromium through playwright-core against the browser harness.
export default defineConfig({
  test: {
    pool: 'forks',
    projects: [
      // The timeout catches a hang, not slowness: property tests with hundreds of runs take 5 s and more when the
      // 2 cores are busy with other test files.
      { extends: true, test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], testTimeout: 30_000 } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          testTimeout: 90_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
