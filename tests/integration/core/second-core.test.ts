/**
 * Two app cores on one user-data folder (issue 19, item 5): the second starts, with a history of its own in memory
 * and a notice that says why, and leaves the first one's history alone; the file opens again once the first stops.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startAppCore } from '../../../src-main/core/app-core'
import { HistoryStore } from '../../../src-main/core/history/history-store'
import { startLocalMode } from '../../../src-main/core/local-mode/start-local-mode'
import { plainTextCodec } from '../../../src-main/core/settings/settings-store'
import { startTestCore } from '../../support/test-core'
import { noticeWords } from '../../support/notice-words'

describe('a second app core on the same user-data folder', () => {
  it('runs without the history file, says so, and leaves the first core its history', async () => {
    const first = await startTestCore({ broker: 'embedded', modelIds: ['m1'] })
    try {
      const historyPath = join(first.userDataDir, 'history.sqlite')
      const second = await startAppCore({
        userDataDir: first.userDataDir,
        appVersion: 'test',
        secrets: plainTextCodec,
        startRuntime: (context) => startLocalMode(context),
      })
      try {
        expect(noticeWords(second.status().notices).join('\n')).toMatch(
          /History could not be opened; conversations of this session will not be kept\. Details: the history in .* is already open in another StreamDesk process/,
        )
        // Its conversations live in memory: nothing of them reaches the first core's history.
        await second.router.invoke('history:import', [JSON.stringify(exportOf('from-second'))])
        expect(await second.router.invoke('history:list', [{}])).toHaveLength(1)
      } finally {
        await second.stop()
      }
      // The second one's stop did not release the first one's lock, and the first core's history is as it was.
      await expect(HistoryStore.open(historyPath)).rejects.toThrow(/already open/)
      expect(await first.invoke('history:list', [{}])).toEqual([])
      await first.invoke('history:import', [JSON.stringify(exportOf('from-first'))])
      expect(await first.invoke('history:list', [{}])).toMatchObject([{ id: 'from-first' }])
    } finally {
      await first.stop()
    }
    const reopened = await HistoryStore.open(join(first.userDataDir, 'history.sqlite'))
    expect(reopened.listConversations().map((c) => c.id)).toEqual(['from-first'])
    reopened.close()
  })
})

/** A one-conversation export document, as the app writes them. */
function exportOf(id: string) {
  const at = '2024-05-01T12:00:00.000Z'
  return {
    format: 'streamdesk-history',
    version: 1,
    exportedAt: at,
    conversations: [{ id, title: id, createdAt: at, updatedAt: at, pinned: false, turns: [] }],
  }
}
