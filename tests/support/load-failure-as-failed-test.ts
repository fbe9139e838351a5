/**
 * A vitest reporter for mutation runs only (vitest.mutation.config.ts). StrykerJS's vitest runner builds a mutant's
 * result from the tests it collected, and a test file whose import throws collects none; so a static mutant that
 * stops a module from loading (zod refusing a schema built at import, e.g. `discriminatedUnion('')`) is scored
 * Survived although the suite fails (stryker-js#6150, still so in vitest-runner 9.6.1). Here such a file gets one
 * failed test carrying its load error, and the mutant counts as killed. Files that loaded are left as they are.
 */
import type { RunnerTestCase } from 'vitest'
import type { Reporter, Vitest } from 'vitest/node'

export default class LoadFailureAsFailedTest implements Reporter {
  private vitest?: Vitest

  onInit(vitest: Vitest): void {
    this.vitest = vitest
  }

  /** The run's files as Stryker reads them after the run (`state.getFiles()`). */
  onTestRunEnd(): void {
    for (const file of this.vitest?.state.getFiles() ?? []) {
      if (file.result?.state !== 'fail' || file.tasks.length > 0) continue
      // Only the fields Stryker reads (type, name, mode, file, suite, result); nothing else reads it after the run.
      const failed = {
        type: 'test',
        id: `${file.id}_load`,
        name: 'the test file loads',
        mode: 'run',
        file,
        suite: file,
        meta: {},
        result: { state: 'fail', errors: file.result.errors ?? [{ message: 'the test file did not load' }] },
      } as unknown as RunnerTestCase
      file.tasks.push(failed)
    }
  }
}
