/**
 * `npm test`'s setup step (tests/support/prepare-test-machine.ts) run for real, on a PATH and standard locations
 * that hide the tools (STREAMDESK_TOOL_ROOT moves the locations into a test folder), never installing anything
 * (STREAMDESK_SETUP_NO_INSTALL=1).
 */
import { execFile } from 'node:child_process'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { makeTempDir } from '../../support/temp-dir'

const run = promisify(execFile)
const script = join(__dirname, '..', '..', 'support', 'prepare-test-machine.ts')

async function prepare(toolRoot: string, extraEnv: Record<string, string> = {}) {
  const env = { PATH: '/nonexistent', STREAMDESK_TOOL_ROOT: toolRoot, STREAMDESK_SETUP_NO_INSTALL: '1', ...extraEnv }
  return run(process.execPath, ['--import', 'tsx', script], { env, cwd: join(__dirname, '..', '..', '..') }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  )
}

async function fakeProgram(root: string, path: string): Promise<void> {
  await mkdir(dirname(join(root, path)), { recursive: true })
  await writeFile(join(root, path), '#!/bin/sh\nexit 0\n')
  await chmod(join(root, path), 0o755)
}

describe.runIf(process.platform === 'linux')('the setup step', () => {
  it('stops before any test with one line per missing program and its install command', async () => {
    const root = await makeTempDir('tool-root')
    await fakeProgram(root, '/usr/bin/openssl')
    await fakeProgram(root, '/usr/sbin/ip')
    const result = await prepare(root)
    expect(result.code).toBe(1)
    const sudo = process.getuid?.() === 0 ? '' : 'sudo '
    expect(result.stderr.trim().split('\n')).toEqual([
      'The test suite needs programs this machine does not have:',
      `- Mosquitto (MQTT broker): ${sudo}apt-get install -y mosquitto (or set MOSQUITTO_PATH to it)`,
      `- Chromium or Google Chrome (browser tests): ${sudo}apt-get install -y chromium (or set CHROME_PATH to it)`,
    ])
  })

  it('goes on quietly when everything is found, at the standard locations or where the variables say', async () => {
    const root = await makeTempDir('tool-root')
    for (const path of ['/usr/sbin/mosquitto', '/usr/bin/openssl', '/usr/sbin/ip', '/opt/chrome/chrome'])
      await fakeProgram(root, path)
    const result = await prepare(root, { CHROME_PATH: join(root, '/opt/chrome/chrome') })
    expect(result).toMatchObject({ code: 0, stderr: '' })
  })
})
