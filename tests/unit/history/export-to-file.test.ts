/**
 * Exports are written into a file by a worker thread on its own read-only connection (issue 19: Export all of
 * 100 M characters held the main thread 1–4.7 s, the text built as one string and copied to the window). The file
 * must hold exactly what the export wrote before (`exportAll`, with `withAttachmentFiles` for JSON), read back by
 * import; a path it cannot write to is refused plainly before any work, and a worker that fails leaves no file.
 */
import { createHash } from 'node:crypto'
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { withAttachmentFiles } from '../../../src-main/core/history/export-files'
import { HistoryExportError, exportToFile } from '../../../src-main/core/history/export-to-file'
import { HistoryStore } from '../../../src-main/core/history/history-store'
import type { TurnAttachment } from '../../../src-main/shared/attachment'
import { makeTempDirSync } from '../../support/temp-dir'
import { MODELS, START, addAnsweredTurn, openTempStore } from './temp-history'

const exportedAt = new Date(START + 60_000)
const at = { now: () => exportedAt }
/** The export's date from the store's clock, as `exportAll` takes it. */
const byClock = (clock: { now(): number }) => ({ now: () => new Date(clock.now()) })
const sha = (text: string) => createHash('sha256').update(text).digest('hex')

function exportFolder(): string {
  return makeTempDirSync('export-to-file')
}

/** Linear conversations with plain answers: an export of these is version 1. */
async function linearStore() {
  const opened = await openTempStore()
  const { store, clock } = opened
  for (let i = 0; i < 5; i++) {
    const { id } = store.createConversation(`conversation ${i} "quoted" \\ 東京`)
    addAnsweredTurn(store, id, `prompt ${i}\nsecond line`, `stream-${i}`, [`answer ${i} 😀`, `other ${i}`])
    addAnsweredTurn(store, id, `follow-up ${i}`, `stream-${i}-b`, [`more ${i}`.repeat(i * 100 + 1)])
    clock.advance(1000)
  }
  return opened
}

describe('export written by a worker into a file', () => {
  it('writes exactly the JSON and Markdown the export wrote whole, all conversations or one', async () => {
    const { store, clock } = await linearStore()
    const folder = exportFolder()
    for (const format of ['json', 'markdown'] as const) {
      const target = join(folder, `all.${format}`)
      const result = await exportToFile(store, { format }, target, undefined, byClock(clock))
      const written = readFileSync(target, 'utf8')
      expect(written).toBe(store.exportAll(format))
      expect(result).toEqual({ bytes: Buffer.byteLength(written), conversations: 5 })
    }
    const one = store.listConversations()[1]!.id
    await exportToFile(
      store,
      { format: 'json', conversationId: one },
      join(folder, 'one.json'),
      undefined,
      byClock(clock),
    )
    expect(readFileSync(join(folder, 'one.json'), 'utf8')).toBe(store.exportConversation(one, 'json'))
    expect(JSON.parse(readFileSync(join(folder, 'all.json'), 'utf8'))).toMatchObject({ version: 1 })
    // Only the finished files are left in the folder.
    expect(readdirSync(folder).sort()).toEqual(['all.json', 'all.markdown', 'one.json'])
    store.close()
  })

  it('writes version 2 with its attempts, system prompt and attachment files as before, and imports back', async () => {
    const { store, clock } = await linearStore()
    const { id } = store.createConversation('with everything')
    store.setSystemPrompt(id, 'Be brief.')
    const image: TurnAttachment = {
      id: sha('image bytes'),
      name: 'chart.png',
      kind: 'image',
      mediaType: 'image/png',
      sizeBytes: 11,
      width: 4,
      height: 3,
    }
    const pdf: TurnAttachment = {
      id: sha('pdf bytes'),
      name: 'report.pdf',
      kind: 'pdf',
      mediaType: 'application/pdf',
      sizeBytes: 9,
      textId: sha('missing text'),
      pages: 1,
    }
    store.addTurn(id, 'look', 'stream-files', MODELS, undefined, [image, pdf])
    store.finishAnswer('stream-files', MODELS[0]!.id, { status: 'complete', text: 'a chart', reasoning: 'hmm' })
    store.finishAnswer('stream-files', MODELS[1]!.id, { status: 'complete', text: 'cannot see it' })
    store.addAttempt(id, 'stream-files', MODELS[0]!, 'stream-files-2')
    store.finishAnswer('stream-files-2', MODELS[0]!.id, { status: 'complete', text: 'again' })
    // The text of the PDF is missing from the folder: left out of `files`, as before.
    const folderFiles = new Map([
      [image.id, Buffer.from('image bytes')],
      [pdf.id, Buffer.from('pdf bytes')],
    ])
    const read = async (fileId: string) => folderFiles.get(fileId)
    const target = join(exportFolder(), 'history.json')
    await exportToFile(store, { format: 'json' }, target, read, byClock(clock))
    const written = readFileSync(target, 'utf8')
    expect(written).toBe(await withAttachmentFiles(store.exportAll('json'), read))
    const document = JSON.parse(written) as { version: number; files: Record<string, string> }
    expect(document.version).toBe(2)
    expect(Object.keys(document.files)).toEqual([image.id, pdf.id].sort())

    const { store: other } = await openTempStore()
    expect(other.importJson(written)).toMatchObject({ conversations: 6 })
    const conversations = (json: string) => (JSON.parse(json) as { conversations: unknown }).conversations
    expect(conversations(other.exportAll('json'))).toEqual(conversations(store.exportAll('json')))
    store.close()
    other.close()
  })

  it('includes the text a streaming answer has so far, as the export on this thread does', async () => {
    const { store, clock } = await openTempStore()
    const { id } = store.createConversation('live')
    store.addTurn(id, 'go', 'stream-live', MODELS.slice(0, 1))
    store.appendAnswerProgress('stream-live', MODELS[0]!.id, 'so far, ')
    store.appendAnswerProgress('stream-live', MODELS[0]!.id, 'so good')
    const target = join(exportFolder(), 'live.json')
    await exportToFile(store, { format: 'json' }, target, undefined, byClock(clock))
    const written = readFileSync(target, 'utf8')
    expect(written).toBe(store.exportAll('json'))
    expect(written).toContain('so far, so good')
    store.close()
  })

  it('writes from an in-memory history on this thread, the same text', async () => {
    const store = await HistoryStore.open(':memory:')
    const { id } = store.createConversation('in memory')
    addAnsweredTurn(store, id, 'q', 'stream-m', ['a'])
    const target = join(exportFolder(), 'memory.md')
    await exportToFile(store, { format: 'markdown' }, target, undefined, at)
    expect(readFileSync(target, 'utf8')).toBe(
      store.exportAll('markdown').replace(/on \S+ -->/, `on ${exportedAt.toISOString()} -->`),
    )
    store.close()
  })

  it('keeps the event loop turning while a large history is written', async () => {
    const { store, clock } = await openTempStore()
    for (let i = 0; i < 8; i++) {
      const { id } = store.createConversation(`big ${i}`)
      addAnsweredTurn(store, id, 'q', `stream-${i}`, ['晴れ and sunny. '.repeat(60_000)])
      clock.advance(1000)
    }
    let turns = 0
    const ticker = setInterval(() => (turns += 1), 1)
    const target = join(exportFolder(), 'big.json')
    await exportToFile(store, { format: 'json' }, target)
    clearInterval(ticker)
    expect(turns).toBeGreaterThan(5)
    expect(store.importJson(readFileSync(target, 'utf8'))).toMatchObject({ conversations: 0, alreadyPresent: 8 })
    store.close()
  })

  it('refuses a path it cannot write to, plainly and before any work, and a conversation that is gone', async () => {
    const { store } = await linearStore()
    const folder = exportFolder()
    writeFileSync(join(folder, 'a-file'), '')
    const refused = async (target: string) => {
      const error = await exportToFile(store, { format: 'json' }, target).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(HistoryExportError)
      return (error as Error).message
    }
    expect(await refused('relative/history.json')).toMatch(
      /cannot be saved to relative\/history\.json: the path is not absolute\.$/,
    )
    expect(await refused(join(folder, 'missing', 'history.json'))).toMatch(/: the folder does not exist\.$/)
    expect(await refused(join(folder, 'a-file', 'history.json'))).toMatch(/: the folder is not a folder\.$/)
    expect(await refused(folder)).toMatch(/: it is a folder\.$/)
    expect(await refused(`${folder}/bad\0name.json`)).toMatch(/: not a valid file path\.$/)
    const long = await refused(`/${'x'.repeat(100_000)}.json`)
    expect(long.length).toBeLessThan(400)
    // The window's words by key, the path's problem as the detail.
    const keyed = await exportToFile(store, { format: 'json' }, 'relative/history.json').catch(
      (caught: unknown) => (caught as HistoryExportError).userMessage,
    )
    expect(keyed).toEqual({
      key: 'history:export-failed',
      params: { failure: 'bad-target' },
      detail: 'relative/history.json: the path is not absolute',
    })
    await expect(
      exportToFile(store, { format: 'json', conversationId: 'no-such-id' }, join(folder, 'gone.json')),
    ).rejects.toThrow('That conversation no longer exists.')
    expect(readdirSync(folder)).toEqual(['a-file'])
    store.close()
  })

  it('says so plainly when its worker stops, leaves no file, and the next export works', async () => {
    const { store } = await linearStore()
    const folder = exportFolder()
    // A worker that cannot run at all: its module is not there.
    const broken = exportToFile(store, { format: 'json' }, join(folder, 'a.json'), undefined, {
      workerPath: join(folder, 'no-such-worker.js'),
    })
    await expect(broken).rejects.toBeInstanceOf(HistoryExportError)
    await expect(broken).rejects.toThrow(/^The export stopped unexpectedly \(.+\); nothing was saved\.$/)
    // The history file removed from under the app: the worker cannot open it, and says why.
    const gone = await openTempStore()
    rmSync(gone.path)
    await expect(exportToFile(gone.store, { format: 'json' }, join(folder, 'b.json'))).rejects.toThrow(
      /^The export could not be written \(.+\)\.$/,
    )
    gone.store.close()
    expect(readdirSync(folder)).toEqual([])
    await exportToFile(store, { format: 'json' }, join(folder, 'c.json'))
    expect(readdirSync(folder)).toEqual(['c.json'])
    store.close()
  })
})
