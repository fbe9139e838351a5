import { defineConfig } from 'vitest/config'
import { runSettings } from './vitest.config'

// For StrykerJS (stryker.config.mjs, `npm run test:mutation`): the unit tests of the modules it mutates, which it
// reruns once per mutant. Stryker's runner uses worker threads, where the rest of the unit project cannot run (it
// sets the umask, loads aws-crt), and the mutated modules are judged by their own tests.
export default defineConfig({
  test: {
    ...runSettings,
    include: [
      'tests/unit/protocol/**/*.test.ts',
      'tests/unit/cdktf/cloud-config.test.ts',
      'tests/unit/backend/answer-store.test.ts',
      'tests/unit/backend/{delta-coalescer,chunk-sequencer,sse-parser}.test.ts',
      'tests/unit/core/reorder-buffer.test.ts',
      'tests/unit/history/search-query.test.ts',
      'tests/unit/history/{answer-writer,appended-progress,progress-log}.test.ts',
    ],
    testTimeout: 30_000,
    // A test file that cannot load (a mutant broke a schema built at import) counts as a failed test for Stryker.
    reporters: ['default', './tests/support/load-failure-as-failed-test.ts'],
  },
})
