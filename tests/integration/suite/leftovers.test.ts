/**
 * The suite's "nothing left behind" check (tests/support/global-setup.ts): a child vitest run with the same global
 * setup and one test that leaves a folder and a process behind must fail, name both, and remove both.
 */
import { execFile } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { RUN_MARKER } from '../../support/global-setup'
import { describeLeftovers, isAlive, staleRunFolders } from '../../support/leftovers'

const run = promisify(execFile)
const root = join(__dirname, '..', '..', '..')

describe('the suite teardown', () => {
  it('fails a run that leaves a folder and a process behind, names them, and removes them', async () => {
    const { [RUN_MARKER]: _ours, ...environment } = process.env // the child run is a run of its own
    const before = new Set(readdirSync(tmpdir()))
    const result = await run(
      process.execPath,
      [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'tests/fixtures/leaky-run/vitest.config.ts'],
      { cwd: root, env: environment },
    ).then(
      () => ({ code: 0, output: '' }),
      (error: { code: number; stdout: string; stderr: string }) => ({
        code: error.code,
        output: error.stdout + error.stderr,
      }),
    )
    expect(result.code).toBe(1)
    expect(result.output).toContain('The test run left things behind')
    expect(result.output).toMatch(/1 in the temp folder:\s+forgotten-folder-\w+/)
    const leftover = /1 process still running:\s+(\d+) sleep 300/.exec(result.output)
    expect(leftover).not.toBeNull()
    expect(isAlive(Number(leftover![1])) && !isZombie(Number(leftover![1]))).toBe(false)
    // Its run folder and the folder it forgot are gone too (other test files running beside this one may add
    // folders of their own to the same temp folder meanwhile).
    const added = readdirSync(tmpdir()).filter((name) => !before.has(name))
    expect(added.filter((name) => /^(streamdesk-test-run-|forgotten-folder-)/.test(name))).toEqual([])
  })
})

describe('leftovers', () => {
  it('are described one per line, and not at all when there are none', () => {
    expect(describeLeftovers({ files: [], processes: [] })).toBeUndefined()
    const text = describeLeftovers({
      files: Array.from({ length: 23 }, (_, i) => `streamdesk-e2e-${i}`),
      processes: [{ pid: 42, command: '/usr/sbin/mosquitto -c /tmp/x/mosquitto.conf' }],
    })!
    expect(text).toContain('- 23 in the temp folder:')
    expect(text).toContain('    streamdesk-e2e-19\n    … and 3 more')
    expect(text).not.toContain('streamdesk-e2e-20')
    expect(text).toContain('- 1 process still running:\n    42 /usr/sbin/mosquitto -c /tmp/x/mosquitto.conf')
  })

  it('run folders of runs that ended are stale, those of a live run and other folders are not', () => {
    const alive = (pid: number) => pid === 100
    const names = [
      'streamdesk-test-run-100-abc123',
      'streamdesk-test-run-200-def456',
      'streamdesk-test-run-x-1',
      'streamdesk-e2e-abc',
    ]
    expect(staleRunFolders('/tmp', names, 'streamdesk-test-run-', alive)).toEqual(['streamdesk-test-run-200-def456'])
  })
})

/** A killed process whose parent is gone may stay a zombie until init reaps it: it holds nothing. */
function isZombie(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]!.startsWith('Z')
  } catch {
    return false
  }
}
