import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'

// Three projects, as the folders under tests/ say. Everything runs in Node in forked workers (aws-crt is a native
// addon); the e2e project drives Debian's Chromium through playwright-core against the browser harness.
// Every run gets its own temp folder and fails if it leaves files or processes behind (global-setup.ts); each test
// file's temp folders are removed when it ends (remove-temp-dirs.ts).

/** What every run shares, this one and `npm run test:mutation`'s (vitest.mutation.config.ts). */
export const runSettings = {
  pool: 'forks' as const,
  // Most files spend their time waiting (brokers, sockets, reconnect back-offs, a browser drawing), not computing,
  // so one more worker than cores keeps both cores busy; vitest's default (cores - 1) runs a 2-core machine serially.
  maxWorkers: Number(process.env.STREAMDESK_TEST_WORKERS) || availableParallelism() + 1,
  globalSetup: ['tests/support/global-setup.ts'],
  setupFiles: ['tests/support/remove-temp-dirs.ts'],
}

export default defineConfig({
  test: {
    ...runSettings,
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
          // A poll is a deadline for an outcome, not a speed limit: vitest's default 1 s is missed on a loaded machine.
          expect: { poll: { timeout: 10_000 } },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          testTimeout: 90_000,
          hookTimeout: 120_000,
          // A page does things in its own time: a poll waits up to 10 s (vitest's default 1 s is missed when test
          // files share the cores with a browser each), and fails then with what it last saw.
          expect: { poll: { timeout: 10_000 } },
        },
      },
    ],
  },
})
