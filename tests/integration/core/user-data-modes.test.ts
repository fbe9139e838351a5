/**
 * The app's user-data folder (settings, history, sign-in tokens, logs) is owner-only (0700) once the core has
 * started, also when it existed world-readable; the history inside it is 0600. POSIX only.
 */
import { chmodSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startTestCore } from '../../support/test-core'

const modeOf = (path: string) => statSync(path).mode & 0o777

describe.skipIf(process.platform === 'win32')('user-data folder', () => {
  it('is made owner-only when the core starts, with the history owner-only inside it', async () => {
    const t = await startTestCore({
      broker: 'embedded',
      modelIds: ['m1'],
      prepareUserData: async (dir) => chmodSync(dir, 0o755),
    })
    try {
      expect(modeOf(t.userDataDir)).toBe(0o700)
      expect(modeOf(join(t.userDataDir, 'history.sqlite'))).toBe(0o600)
    } finally {
      await t.stop()
    }
  })
})
