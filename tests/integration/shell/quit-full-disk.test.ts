/**
 * Quitting on a full disk (issue 19), through the built main entry under the stand-in electron: a rename made while
 * the disk is full is kept and shown; quitting still closes the history, and the user reads what could not be saved
 * in a native message box before the process exits. Needs a small tmpfs (root), skipped with the reason otherwise.
 */
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import Sqlite from 'better-sqlite3'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { HistoryStore } from '../../../src-main/core/history/history-store'
import type { ConversationSummary } from '../../../src-main/shared/ipc-contract'
import { startShell, stopShells } from '../../support/electron-stand-in/shell-process'
import { fillDisk, mountSmallDisk, unmountSmallDisk } from '../../support/small-disk'

const MAIN = 'StreamDesk'
const disk = mountSmallDisk('shell-full-disk', '8m')

afterEach(stopShells)
afterAll(() => unmountSmallDisk(disk))

describe.skipIf('skipped' in disk)(
  `quitting on a full disk${'skipped' in disk ? ` (skipped: ${disk.skipped})` : ''}`,
  () => {
    it('shows what could not be saved in a message box, then exits 0 with the history closed and whole', async () => {
      const { dir } = disk as { dir: string }
      const userDataDir = join(dir, 'user-data')
      mkdirSync(userDataDir, { mode: 0o700 })
      const historyPath = join(userDataDir, 'history.sqlite')
      const before = await HistoryStore.open(historyPath)
      const { id } = before.createConversation('Planned trip')
      before.close()

      const shell = await (await startShell({ userDataDir })).startedUp()
      const main = await shell.loadedWindow(MAIN)
      const filler = join(dir, 'filler')
      fillDisk(filler)
      await shell.invoke(main.id, 'history:rename', id, 'Renamed on a full disk')
      const list = (await shell.invoke(main.id, 'history:list', {})) as ConversationSummary[]
      expect(list.map((conversation) => conversation.title)).toEqual(['Renamed on a full disk'])

      await shell.command({ op: 'click-tray-menu', label: 'Quit StreamDesk' })
      const exit = await shell.exitWithin(10_000)
      expect(exit.code).toBe(0)
      const boxes = shell.calls('dialog', 'showMessageBoxSync').map((entry) => entry.args.at(-1))
      expect(boxes).toEqual([
        expect.objectContaining({
          type: 'warning',
          message:
            'StreamDesk could not save all of your history before quitting: the disk is full or cannot be written to. ' +
            'These are lost:\n• “Renamed on a full disk”: a rename',
        }),
      ])

      rmSync(filler)
      // Closed: its lock is let go, and the file is whole, as it was before the rename.
      const after = await HistoryStore.open(historyPath)
      expect(after.listConversations().map((conversation) => conversation.title)).toEqual(['Planned trip'])
      after.close()
      const raw = new Sqlite(historyPath, { readonly: true })
      expect(raw.pragma('integrity_check', { simple: true })).toBe('ok')
      raw.close()
    })
  },
)
