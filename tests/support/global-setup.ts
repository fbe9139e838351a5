/**
 * The suite leaves nothing behind (issue 14). Each run gets its own temp folder, `streamdesk-test-run-<pid>-XXXXXX`
 * in the OS temp folder, as TMPDIR/TMP/TEMP of every test worker and of everything they start (Mosquitto, Chromium,
 * child Node processes); each of those processes carries a STREAMDESK_TEST_RUN marker in its environment. When the
 * run ends, this teardown names what is still there — files left in the run folder, marked processes still running —
 * removes them, and fails the run, so that "nothing left behind" stays true. A run that was killed leaves its folder;
 * the next run removes it once the process that made it is gone.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  describeLeftovers,
  findMarkedProcesses,
  listLeftoverFiles,
  staleRunFolders,
  type LeftoverProcess,
  type Leftovers,
} from './leftovers'
import { unmountSmallDisksBelow } from './small-disk'

export const RUN_FOLDER_PREFIX = 'streamdesk-test-run-'
export const RUN_MARKER = 'STREAMDESK_TEST_RUN'

export default function setup(): () => Promise<void> {
  // Vitest runs a root global setup once more for every project: the first one owns the run.
  if (process.env[RUN_MARKER] !== undefined) return async () => {}
  const systemTemp = tmpdir()
  for (const stale of staleRunFolders(systemTemp, readdirSync(systemTemp), RUN_FOLDER_PREFIX)) {
    unmountSmallDisksBelow(join(systemTemp, stale))
    rmSync(join(systemTemp, stale), { recursive: true, force: true })
  }
  const runFolder = mkdtempSync(join(systemTemp, `${RUN_FOLDER_PREFIX}${process.pid}-`))
  // Mosquitto started as root drops to the `mosquitto` user, which must reach its certificates and database in here.
  chmodSync(runFolder, 0o755)
  const marker = `${RUN_MARKER}=${runFolder}`
  // Workers are forked after global setup, with this process's environment: they and their children inherit these.
  process.env.TMPDIR = process.env.TMP = process.env.TEMP = runFolder
  process.env[RUN_MARKER] = runFolder
  // tsx (the setup step's tests, crash-safety's child writer) would keep a compile cache in the temp folder.
  process.env.TSX_DISABLE_CACHE = '1'

  return async () => {
    process.env.TMPDIR = process.env.TMP = process.env.TEMP = systemTemp
    delete process.env[RUN_MARKER]
    const leftovers: Leftovers = {
      files: listLeftoverFiles(runFolder),
      processes: await lingeringProcesses(marker),
    }
    for (const { pid } of leftovers.processes) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // It ended meanwhile.
      }
    }
    unmountSmallDisksBelow(runFolder)
    rmSync(runFolder, { recursive: true, force: true, maxRetries: 3 })
    const problem = describeLeftovers(leftovers)
    if (problem) {
      process.exitCode = 1
      throw new Error(problem)
    }
  }
}

/**
 * Marked processes still running after a grace period: a worker's helpers (esbuild's service, which pings its parent
 * every second) end on their own shortly after the worker, and are not leftovers.
 */
async function lingeringProcesses(marker: string, graceMs = 3_000): Promise<LeftoverProcess[]> {
  const deadline = Date.now() + graceMs
  let found = await findMarkedProcesses(marker, process.pid)
  while (found.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    found = await findMarkedProcesses(marker, process.pid)
  }
  return found
}
