/**
 * The import runs in a worker thread (issue 19: a 48 MB import held the main process's event loop 2.7 s): the
 * event loop keeps turning while it parses, validates and inserts, and every guard of the import holds there too
 * (refused files change nothing and say why in a bounded message, duplicates are skipped, attachment files come
 * back checked). The store on this thread sees the worker's rows as soon as it is done.
 */
import { createHash } from 'node:crypto'
import { closeSync, openSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { HistoryImportError, MAX_IMPORT_CHARS } from '../../../src-main/core/history/history-export'
import { HistoryStore } from '../../../src-main/core/history/history-store'
import { historyHandlers } from '../../../src-main/core/history/history-handlers'
import { importFileInWorker, importInWorker } from '../../../src-main/core/history/import-in-worker'
import { makeTempDirSync } from '../../support/temp-dir'
import { addAnsweredTurn, openTempStore } from './temp-history'

/** An export of `count` conversations, each answered with `answerChars` characters. */
async function exportOf(count: number, answerChars: number): Promise<string> {
  const { store, clock } = await openTempStore()
  for (let i = 0; i < count; i++) {
    const { id } = store.createConversation(`conversation ${i}`)
    addAnsweredTurn(store, id, `prompt ${i}`, `stream-${i}`, [
      `${'晴れ and sunny. '.repeat(answerChars / 15)} end ${i}`,
    ])
    clock.advance(1000)
  }
  const json = store.exportAll('json')
  store.close()
  return json
}

describe('import in a worker thread', () => {
  it('keeps the event loop turning while a large file imports, and the store reads what it added', async () => {
    const json = await exportOf(12, 500_000)
    const { store } = await openTempStore()
    let turns = 0
    const ticker = setInterval(() => (turns += 1), 1)
    const { summary } = await importInWorker(store, json)
    clearInterval(ticker)
    expect(summary).toMatchObject({ conversations: 12, turns: 12, answers: 12, alreadyPresent: 0 })
    // On this thread the import is one synchronous call: the timer could not run at all while it ran.
    expect(turns).toBeGreaterThan(5)
    expect(store.listConversations({ limit: 100 })).toHaveLength(12)
    expect(store.search('end 11').hits.map((hit) => hit.conversationTitle)).toEqual(['conversation 11'])
    // The same file again adds nothing.
    expect((await importInWorker(store, json)).summary).toMatchObject({ conversations: 0, alreadyPresent: 12 })
    expect(store.listConversations({ limit: 100 })).toHaveLength(12)
    store.close()
  })

  it('refuses a bad file in the worker with the same plain, bounded message, changing nothing', async () => {
    const { store } = await openTempStore()
    const before = store.exportAll('json')
    const hugeVersion = JSON.stringify({ format: 'streamdesk-history', version: 'x'.repeat(1_000_000) })
    const refusal = importInWorker(store, hugeVersion)
    await expect(refusal).rejects.toBeInstanceOf(HistoryImportError)
    await expect(refusal).rejects.toThrow(/format version .*Nothing was imported\.$/)
    expect(((await refusal.catch((error: Error) => error)) as Error).message.length).toBeLessThan(300)
    await expect(importInWorker(store, '{ not json')).rejects.toThrow(/not valid JSON\. Nothing was imported\./)
    // Across the worker, the window's words too: by key, the file's own value only as a bounded detail.
    const keyed = ((await refusal.catch((error: unknown) => error)) as HistoryImportError).userMessage
    expect(keyed).toMatchObject({
      key: 'history:import-refused',
      params: { failure: 'unknown-version', imported: 0, versions: '1, 2' },
    })
    expect(keyed.detail!.length).toBeLessThan(100)
    // Valid conversations before a damaged one are not half-imported.
    const good = JSON.parse(await exportOf(2, 100)) as { conversations: Array<{ title: unknown }> }
    good.conversations[1]!.title = 42
    await expect(importInWorker(store, JSON.stringify(good))).rejects.toThrow(/damaged or incomplete/)
    expect(store.exportAll('json')).toBe(before)
    store.close()
  })

  it('hands back the attachment files whose bytes match their names, and only those', async () => {
    const bytes = Buffer.from('a text file')
    const id = createHash('sha256').update(bytes).digest('hex')
    const wrongId = createHash('sha256').update('something else').digest('hex')
    // A version 1 export (one linear turn), written as version 2, the version that carries files.
    type V1Turn = { streamId: string; answers: object[] }
    const v1 = JSON.parse(await exportOf(1, 100)) as { conversations: Array<{ turns: V1Turn[] }> }
    const document = {
      ...v1,
      version: 2,
      conversations: v1.conversations.map((c) => ({
        ...c,
        turns: c.turns.map((turn, i) => ({
          ...turn,
          parent: i === 0 ? null : i - 1,
          answers: turn.answers.map((answer) => ({ ...answer, streamId: turn.streamId, attempt: 1 })),
        })),
      })),
      files: { [id]: bytes.toString('base64'), [wrongId]: bytes.toString('base64') },
    }
    const { store } = await openTempStore()
    const { files } = await importInWorker(store, JSON.stringify(document))
    expect([...files.keys()]).toEqual([id])
    expect(Buffer.from(files.get(id)!).toString()).toBe('a text file')
    store.close()
  })

  it('reads an export file itself, from its path, so the main thread never holds the text', async () => {
    const json = await exportOf(6, 200_000)
    const folder = makeTempDirSync('import-file')
    const path = join(folder, 'export.json')
    writeFileSync(path, json)
    const { store } = await openTempStore()
    let turns = 0
    const ticker = setInterval(() => (turns += 1), 1)
    const { summary } = await importFileInWorker(store, path)
    clearInterval(ticker)
    expect(summary).toMatchObject({ conversations: 6, turns: 6, answers: 6, alreadyPresent: 0 })
    expect(turns).toBeGreaterThan(0)
    const conversations = (text: string) => (JSON.parse(text) as { conversations: unknown[] }).conversations
    expect(conversations(store.exportAll('json'))).toEqual(conversations(json))
    expect((await importFileInWorker(store, path)).summary).toMatchObject({ conversations: 0, alreadyPresent: 6 })
    // An in-memory history reads it on this thread, with the same result.
    const memory = await HistoryStore.open(':memory:')
    expect((await importFileInWorker(memory, path)).summary).toMatchObject({ conversations: 6 })
    memory.close()
    store.close()
  })

  it('refuses a file it cannot read, or one surely too large, before reading it, changing nothing', async () => {
    const folder = makeTempDirSync('import-file')
    const { store } = await openTempStore()
    await expect(importFileInWorker(store, join(folder, 'missing.json'))).rejects.toThrow(
      /^This file could not be read \(ENOENT\)\. Nothing was imported\.$/,
    )
    await expect(importFileInWorker(store, folder)).rejects.toThrow(/could not be read \(EISDIR\)/)
    // A sparse file: its size says it is too large, without writing (or reading) its bytes.
    const huge = join(folder, 'huge.json')
    closeSync(openSync(huge, 'w'))
    truncateSync(huge, 3 * MAX_IMPORT_CHARS + 1)
    await expect(importFileInWorker(store, huge)).rejects.toThrow(/^This file is too large to import \(over 128 MB\)\./)
    expect(store.listConversations()).toEqual([])
    store.close()
  })

  it('takes a path through the import channel, refusing one that is not absolute', async () => {
    const path = join(makeTempDirSync('import-file'), 'export.json')
    writeFileSync(path, await exportOf(2, 100))
    const { store } = await openTempStore()
    let changes = 0
    const handlers = historyHandlers(store, () => (changes += 1))
    await expect(handlers['history:import']({ path: 'export.json' })).rejects.toThrow(
      'This file could not be read (its path is not absolute). Nothing was imported.',
    )
    expect(await handlers['history:import']({ path })).toEqual({ conversations: 2, alreadyPresent: 0 })
    expect(changes).toBe(1)
    expect(store.listConversations()).toHaveLength(2)
    store.close()
  })

  it('commits in short batches, so the store writes during a long import without waiting for all of it', async () => {
    const json = await exportOf(80, 200_000)
    const { store } = await openTempStore()
    const OURS = 'written during the import'
    /** Imported conversations the store could read just before each of its own writes. */
    const seenImported: number[] = []
    const failures: unknown[] = []
    let done = false
    const writes = (async () => {
      for (let i = 0; !done; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20))
        const listed = store.listConversations({ limit: 500 })
        seenImported.push(listed.filter((c) => !c.title.startsWith(OURS)).length)
        try {
          store.createConversation(`${OURS} ${i}`)
        } catch (error) {
          failures.push(error)
        }
      }
    })()
    const { summary } = await importInWorker(store, json)
    done = true
    await writes
    expect(summary).toMatchObject({ conversations: 80, alreadyPresent: 0 })
    // One transaction for the whole import made these wait for all of it, and fail past the 2 s busy timeout.
    expect(failures).toEqual([])
    // Part of the import was committed while the store went on writing (timing-free: a single transaction shows
    // 0 until it commits all 80).
    expect(seenImported.some((count) => count > 0 && count < 80)).toBe(true)
    expect(store.listConversations({ limit: 500 })).toHaveLength(80 + seenImported.length)
    store.close()
  })
})
