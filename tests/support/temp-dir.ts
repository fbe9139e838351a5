/**
 * Temporary folders for tests. Each is removed when its test file ends (tests/support/remove-temp-dirs.ts, a vitest
 * setup file), after the file's own afterAll hooks have stopped what used it. The suite must leave nothing in the
 * OS temp folder: tests/support/global-setup.ts gives each run its own temp folder and fails the run on leftovers.
 *
 * No vitest import here: the benchmarks use the same support code outside vitest and call removeTempDirs themselves.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const created = new Set<string>()

/** A new empty folder `streamdesk-<name>-XXXXXX` in the temp folder, removed at the end of the test file. */
export async function makeTempDir(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `streamdesk-${name}-`))
  created.add(dir)
  return dir
}

/** The same, for code that cannot wait (a synchronous fixture). */
export function makeTempDirSync(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `streamdesk-${name}-`))
  created.add(dir)
  return dir
}

/** Removes every folder made so far (a folder a test already removed is fine). */
export async function removeTempDirs(): Promise<void> {
  const dirs = [...created]
  created.clear()
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true, maxRetries: 3 })))
}

/** The same, synchronously, for an exit handler. */
export function removeTempDirsSync(): void {
  for (const dir of created) rmSync(dir, { recursive: true, force: true })
  created.clear()
}
