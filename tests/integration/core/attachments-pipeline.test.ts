/**
 * Attachments through the real app core in local mode: the page adds files over IPC (`attachments:add`, bytes as
 * the renderer sends them), sends a prompt with their ids to two columns, and a local OpenAI-compatible server
 * records what each model was sent. The vision model gets the image as a data URL and the files as text parts; the
 * text-only model gets the files and the prompt, and the send result says which attachment its column did not get.
 */
import { readFile, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import type { AttachmentRef } from '../../../src-main/shared/attachment'
import type { ConversationDetail, ExportResult, SendPromptResult } from '../../../src-main/shared/ipc-contract'
import { makeExeBytes, makePdf, makePng, truncated } from '../../fixtures/attachment-files'
import { decodeUserMessage } from '../../../src-main/shared/user-message'
import { errorForRenderer } from '../../../src-main/core/user-facing-error'
import { splitIntoDeltas, startFakeOpenAiServer, type FakeOpenAiServer } from '../../fixtures/fake-openai-server'
import { startTestCore } from '../../support/test-core'
import { makeTempDir } from '../../support/temp-dir'

let server: FakeOpenAiServer | undefined
let stopCore: (() => Promise<unknown>) | undefined

afterEach(async () => {
  await stopCore?.()
  await server?.close()
  stopCore = undefined
  server = undefined
})

const VISION = 'llava'
const TEXT_ONLY = 'llama3.2'

async function startCore() {
  server = await startFakeOpenAiServer({
    [VISION]: { kind: 'answer', deltas: splitIntoDeltas('I see a chart.') },
    [TEXT_ONLY]: { kind: 'answer', deltas: splitIntoDeltas('I read the table.') },
  })
  const core = await startTestCore({ broker: 'embedded', modelIds: [VISION, TEXT_ONLY], baseUrl: server.baseUrl })
  stopCore = core.stop
  return core
}

type Part = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } }

function lastUserContent(model: string): Part[] | string {
  const request = server!.requests.find((r) => r.model === model)!
  const messages = request.messages as Array<{ role: string; content: Part[] | string }>
  return messages.at(-1)!.content
}

function dataUrlBytes(url: string): { mediaType: string; bytes: Buffer } {
  const match = /^data:([^;]+);base64,(.+)$/.exec(url)
  if (!match) throw new Error(`not a data URL: ${url.slice(0, 40)}`)
  return { mediaType: match[1]!, bytes: Buffer.from(match[2]!, 'base64') }
}

describe('attachments in local mode', () => {
  it('sends each column what its model reads and says what a column did not get', async () => {
    const core = await startCore()
    const png = await makePng(320, 200)
    const add = (name: string, bytes: Uint8Array) =>
      core.invoke('attachments:add', [{ name, bytes }]) as Promise<AttachmentRef>
    const chart = await add('chart.png', png)
    const table = await add('table.csv', Buffer.from('year,sales\n2024,17\n'))
    const report = await add('report.pdf', await makePdf(['Sales grew in 2024']))

    const sent = (await core.invoke('chat:send', [
      { prompt: 'Compare these', modelIds: [VISION, TEXT_ONLY], attachmentIds: [chart.id, table.id, report.id] },
    ])) as SendPromptResult
    const columns = await core.finished(sent.streamId, [VISION, TEXT_ONLY])
    expect(columns[VISION]).toMatchObject({ status: 'complete', text: 'I see a chart.' })
    expect(columns[TEXT_ONLY]).toMatchObject({ status: 'complete', text: 'I read the table.' })

    const tableText = { type: 'text', text: '<file name="table.csv">\nyear,sales\n2024,17\n\n</file>' }
    const reportText = { type: 'text', text: '<file name="report.pdf">\nSales grew in 2024\n</file>' }
    const vision = lastUserContent(VISION) as Part[]
    expect(vision).toEqual([
      { type: 'image_url', image_url: { url: expect.stringMatching(/^data:image\/png;base64,/) } },
      tableText,
      reportText,
      { type: 'text', text: 'Compare these' },
    ])
    const image = dataUrlBytes((vision[0] as { image_url: { url: string } }).image_url.url)
    expect(image.bytes.equals(png)).toBe(true)

    expect(lastUserContent(TEXT_ONLY)).toEqual([tableText, reportText, { type: 'text', text: 'Compare these' }])
    expect(sent.undelivered).toEqual({
      [TEXT_ONLY]: [{ attachmentId: chart.id, name: 'chart.png', reason: 'model-cannot-read-images' }],
    })
  })

  it('scales an image to the OpenAI-compatible limit (2,048 px) on the way out, keeping its aspect', async () => {
    const core = await startCore()
    const wide = await add3000(core.invoke)
    const sent = (await core.invoke('chat:send', [
      { prompt: 'Describe', modelIds: [VISION], attachmentIds: [wide.id] },
    ])) as SendPromptResult
    await core.finished(sent.streamId, [VISION])
    const [image] = lastUserContent(VISION) as Part[]
    const { bytes } = dataUrlBytes((image as { image_url: { url: string } }).image_url.url)
    const size = await sharp(bytes).metadata()
    expect([size.width, size.height]).toEqual([2048, 1024])
    expect(sent.undelivered).toBeUndefined()
  })

  it('keeps the attachments with the exchange, shows a lost file as missing, and frees files on delete', async () => {
    const core = await startCore()
    const chart = (await core.invoke('attachments:add', [
      { name: 'chart.png', bytes: await makePng(64, 48) },
    ])) as AttachmentRef
    const notes = (await core.invoke('attachments:add', [
      { name: 'notes.md', bytes: Buffer.from('# Notes') },
    ])) as AttachmentRef
    const send = async (ids: string[]) => {
      const sent = (await core.invoke('chat:send', [
        { prompt: 'Look', modelIds: [VISION, TEXT_ONLY], attachmentIds: ids },
      ])) as SendPromptResult
      await core.finished(sent.streamId, [VISION, TEXT_ONLY])
      return sent
    }
    const first = await send([chart.id, notes.id])
    const stored = (await core.invoke('history:get', [first.conversationId])) as ConversationDetail
    expect(stored.turns[0]!.attachments).toEqual([
      { ...chart, withheld: { [TEXT_ONLY]: 'model-cannot-read-images' } },
      notes,
    ])
    // A prompt's files are named by the history from now on, not by the page: sending them again needs adding again.
    await expect(send([notes.id])).rejects.toThrow('attach the file again')
    const again = (await core.invoke('attachments:add', [
      { name: 'notes.md', bytes: Buffer.from('# Notes') },
    ])) as AttachmentRef
    const second = await send([again.id])

    const folder = join(core.userDataDir, 'attachments')
    await rm(join(folder, chart.id))
    const reopened = (await core.invoke('history:get', [first.conversationId])) as ConversationDetail
    expect(reopened.turns[0]!.attachments!.map((a) => [a.name, a.status])).toEqual([
      ['chart.png', 'missing'],
      ['notes.md', undefined],
    ])

    // The notes file is still the second conversation's: it stays; then it goes with that one.
    await core.invoke('history:delete', [first.conversationId])
    expect(await readdir(folder)).toEqual([notes.id])
    await core.invoke('history:delete', [second.conversationId])
    expect(await readdir(folder)).toEqual([])
  })

  it('carries the files in a JSON export, and an import into another app keeps those that match their ids', async () => {
    const core = await startCore()
    const png = await makePng(40, 30)
    const chart = (await core.invoke('attachments:add', [{ name: 'chart.png', bytes: png }])) as AttachmentRef
    const table = (await core.invoke('attachments:add', [
      { name: 'table.csv', bytes: Buffer.from('a,b\n1,2\n') },
    ])) as AttachmentRef
    const sent = (await core.invoke('chat:send', [
      { prompt: 'Look', modelIds: [VISION], attachmentIds: [chart.id, table.id] },
    ])) as SendPromptResult
    await core.finished(sent.streamId, [VISION])
    const exported = (await core.invoke('history:export', [
      { conversationId: sent.conversationId, format: 'json' },
    ])) as ExportResult
    // Headless, the core writes the export into its user-data folder's `exports`.
    if (!exported.saved) throw new Error('the export was not saved')
    expect(exported.path).toBe(join(core.userDataDir, 'exports', exported.fileName))
    const document = JSON.parse(await readFile(exported.path, 'utf8')) as {
      version: number
      files: Record<string, string>
    }
    expect(document.version).toBe(2)
    expect(Object.keys(document.files).sort()).toEqual([chart.id, table.id].sort())
    expect(Buffer.from(document.files[chart.id]!, 'base64').equals(png)).toBe(true)

    // Another app: the chart's bytes were changed in the file, the table's were not.
    const other = await startTestCore({ broker: 'embedded', modelIds: [VISION], baseUrl: server!.baseUrl })
    try {
      document.files[chart.id] = Buffer.from('not the chart').toString('base64')
      expect(await other.invoke('history:import', [JSON.stringify(document)])).toEqual({
        conversations: 1,
        alreadyPresent: 0,
      })
      const imported = (await other.invoke('history:get', [sent.conversationId])) as ConversationDetail
      expect(imported.turns[0]!.attachments!.map((a) => [a.name, a.status])).toEqual([
        ['chart.png', 'missing'],
        ['table.csv', undefined],
      ])
      expect(await readdir(join(other.userDataDir, 'attachments'))).toEqual([table.id])
    } finally {
      await other.stop()
    }
  })

  it('sends a turn’s attachments again with a follow-up and a new version, to each model as it got them', async () => {
    const core = await startCore()
    const chart = (await core.invoke('attachments:add', [
      { name: 'chart.png', bytes: await makePng(32, 32) },
    ])) as AttachmentRef
    const notes = (await core.invoke('attachments:add', [
      { name: 'notes.md', bytes: Buffer.from('# Notes') },
    ])) as AttachmentRef
    const first = (await core.invoke('chat:send', [
      { prompt: 'First look', modelIds: [VISION, TEXT_ONLY], attachmentIds: [chart.id, notes.id] },
    ])) as SendPromptResult
    await core.finished(first.streamId, [VISION, TEXT_ONLY])
    const followUp = (await core.invoke('chat:send', [
      { conversationId: first.conversationId, prompt: 'And the trend?', modelIds: [VISION, TEXT_ONLY] },
    ])) as SendPromptResult
    await core.finished(followUp.streamId, [VISION, TEXT_ONLY])
    const regenerated = (await core.invoke('chat:regenerate', [
      { conversationId: first.conversationId, turnStreamId: first.streamId, modelId: VISION },
    ])) as { streamId: string }
    await core.finished(regenerated.streamId, [VISION])

    const types = (content: Part[] | string) => (typeof content === 'string' ? content : content.map((p) => p.type))
    const userMessages = (model: string, index: number) =>
      (
        server!.requests.filter((r) => r.model === model)[index]!.messages as Array<{
          role: string
          content: Part[] | string
        }>
      )
        .filter((m) => m.role === 'user')
        .map((m) => types(m.content))
    // The follow-up: the first prompt again with what each model got then; the new prompt as plain text.
    expect(userMessages(VISION, 1)).toEqual([['image_url', 'text', 'text'], 'And the trend?'])
    expect(userMessages(TEXT_ONLY, 1)).toEqual([['text', 'text'], 'And the trend?'])
    // The new version of the first answer: the first prompt with its attachments.
    expect(userMessages(VISION, 2)).toEqual([['image_url', 'text', 'text']])
  })

  it('sends an edited prompt with the attachments it kept from the turn it replaces, and no others', async () => {
    const core = await startCore()
    const add = (name: string, bytes: Uint8Array) =>
      core.invoke('attachments:add', [{ name, bytes }]) as Promise<AttachmentRef>
    const chart = await add('chart.png', await makePng(32, 32))
    const notes = await add('notes.md', Buffer.from('# Notes'))
    const first = (await core.invoke('chat:send', [
      { prompt: 'First look', modelIds: [VISION, TEXT_ONLY], attachmentIds: [chart.id, notes.id] },
    ])) as SendPromptResult
    await core.finished(first.streamId, [VISION, TEXT_ONLY])
    const log = await add('run.log', Buffer.from('start ok'))
    const followUp = (await core.invoke('chat:send', [
      { conversationId: first.conversationId, prompt: 'And this?', modelIds: [VISION], attachmentIds: [log.id] },
    ])) as SendPromptResult
    await core.finished(followUp.streamId, [VISION])

    // The edit of the first prompt keeps the chart (the notes were removed in the edit box): a new first turn.
    const edited = (await core.invoke('chat:send', [
      {
        conversationId: first.conversationId,
        after: null,
        prompt: 'Second look',
        modelIds: [VISION, TEXT_ONLY],
        attachmentIds: [chart.id],
        keptFrom: first.streamId,
      },
    ])) as SendPromptResult
    await core.finished(edited.streamId, [VISION, TEXT_ONLY])
    const types = (content: Part[] | string) => (typeof content === 'string' ? content : content.map((p) => p.type))
    const sentWith = (model: string, prompt: string) =>
      types(
        (
          server!.requests.find((r) => r.model === model && JSON.stringify(r.messages).includes(prompt))!
            .messages as Array<{ content: Part[] | string }>
        ).at(-1)!.content,
      )
    expect(sentWith(VISION, 'Second look')).toEqual(['image_url', 'text'])
    expect(sentWith(TEXT_ONLY, 'Second look')).toBe('Second look')
    expect(edited.undelivered).toEqual({
      [TEXT_ONLY]: [{ attachmentId: chart.id, name: 'chart.png', reason: 'model-cannot-read-images' }],
    })
    const stored = (await core.invoke('history:get', [first.conversationId])) as ConversationDetail
    const editedTurn = stored.turns.find((turn) => turn.streamId === edited.streamId)!
    expect(editedTurn.parentTurnId).toBeNull()
    expect(editedTurn.attachments).toEqual([{ ...chart, withheld: { [TEXT_ONLY]: 'model-cannot-read-images' } }])

    // Only the replaced turn's files: another turn's file, or a replaced turn that is not there, is refused.
    const editOf = (keptFrom: string, attachmentIds: string[]) =>
      core.invoke('chat:send', [
        { conversationId: first.conversationId, after: null, prompt: 'x', modelIds: [VISION], attachmentIds, keptFrom },
      ])
    await expect(editOf(first.streamId, [log.id])).rejects.toThrow('attach the file again')
    await expect(editOf('not-a-turn', [chart.id])).rejects.toThrow(
      'The edited prompt is no longer in the conversation.',
    )
    await expect(
      core.invoke('chat:send', [
        { prompt: 'x', modelIds: [VISION], attachmentIds: [chart.id], keptFrom: first.streamId },
      ]),
    ).rejects.toThrow('The edited prompt is no longer in the conversation.')
  })

  it('removes at the next start the files that were attached but never sent', async () => {
    server = await startFakeOpenAiServer({ [VISION]: { kind: 'answer', deltas: ['ok'] } })
    const userDataDir = await makeTempDir('attachments-sweep')
    const first = await startTestCore({ broker: 'embedded', modelIds: [VISION], baseUrl: server.baseUrl, userDataDir })
    const sent = (await first.invoke('attachments:add', [
      { name: 'a.txt', bytes: Buffer.from('sent') },
    ])) as AttachmentRef
    const unsent = (await first.invoke('attachments:add', [
      { name: 'b.txt', bytes: Buffer.from('never sent') },
    ])) as AttachmentRef
    const result = (await first.invoke('chat:send', [
      { prompt: 'x', modelIds: [VISION], attachmentIds: [sent.id] },
    ])) as SendPromptResult
    await first.finished(result.streamId, [VISION])
    const folder = join(userDataDir, 'attachments')
    expect((await readdir(folder)).sort()).toEqual([sent.id, unsent.id].sort())
    await first.stop()
    const second = await startTestCore({ broker: 'embedded', modelIds: [VISION], baseUrl: server.baseUrl, userDataDir })
    stopCore = second.stop
    await expect.poll(() => readdir(folder)).toEqual([sent.id])
  })

  it('refuses a file main did not prepare, and a file that is not allowed, with plain messages', async () => {
    const core = await startCore()
    await expect(
      core.invoke('chat:send', [{ prompt: 'x', modelIds: [VISION], attachmentIds: ['a'.repeat(64)] }]),
    ).rejects.toThrow('attach the file again')
    await expect(core.invoke('attachments:add', [{ name: 'x.png', bytes: Buffer.alloc(0) }])).rejects.toThrow(
      'This file is empty.',
    )
    await expect(core.invoke('attachments:add', [{ name: 'x.png', bytes: 'not bytes' }])).rejects.toThrow('bytes')
    expect(server!.requests).toEqual([])
  })

  it('refuses by key for the renderer to word, with the library’s own words as the detail', async () => {
    const core = await startCore()
    const refusal = async (bytes: Uint8Array) => {
      const error = await core.invoke('attachments:add', [{ name: 'x.png', bytes }]).then(
        () => expect.fail('the file was accepted'),
        (rejected: unknown) => rejected,
      )
      // What a page receives: the transport carries the message only, and the keyed message rides in it.
      const { english, message } = decodeUserMessage((errorForRenderer(error) as Error).message)
      expect(english).toBe((error as Error).message)
      return message
    }
    expect(await refusal(makeExeBytes())).toEqual({
      key: 'attachment:unsupported-type',
      params: { type: 'EXE' },
      detail: 'application/x-msdownload',
    })
    const damaged = await refusal(truncated(await makePng(64, 64)))
    expect(damaged).toMatchObject({ key: 'attachment:damaged-image', detail: expect.stringMatching(/\S/) })
    expect(await refusal(Buffer.alloc(0))).toEqual({ key: 'attachment:empty', params: {} })
    const gone = await core
      .invoke('chat:send', [{ prompt: 'x', modelIds: [VISION], attachmentIds: ['b'.repeat(64)] }])
      .catch((error: unknown) => decodeUserMessage((errorForRenderer(error) as Error).message).message)
    expect(gone).toEqual({ key: 'attachment:gone', params: {} })
  })
})

async function add3000(invoke: (channel: string, args: unknown[]) => Promise<unknown>): Promise<AttachmentRef> {
  const bytes = await makePng(3000, 1500)
  return invoke('attachments:add', [{ name: 'wide.png', bytes }]) as Promise<AttachmentRef>
}
