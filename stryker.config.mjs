/**
 * Mutation testing of the guard code (issue 20): `npm run test:mutation`, on demand and not in CI (slow on 2 cores).
 * One module: `npm run test:mutation -- --mutate src-main/core/history/search-query.ts`.
 * Stryker works in .stryker-tmp/ and writes its report to reports/mutation/ (both ignored by git, ESLint and Prettier).
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  mutate: [
    'src-main/protocol/**/*.ts',
    'src-main/backend/delta-coalescer.ts',
    'src-main/backend/chunk-sequencer.ts',
    'src-main/backend/providers/sse-parser.ts',
    'src-main/core/chat/reorder-buffer.ts',
    'src-main/core/history/search-query.ts',
    'src-main/core/history/answer-writer.ts',
    'src-main/core/history/progress-log.ts',
  ],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['out', 'dist', 'coverage', 'reports', 'cdktf/cdktf.out'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 85, break: null },
}
