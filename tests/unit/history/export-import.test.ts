import { describe, expect, it } from 'vitest'
import {
  HistoryImportError,
  MAX_IMPORT_CHARS,
  type HistoryDocument,
  type HistoryDocumentV2,
} from '../../../src-main/core/history/history-export'
import type { HistoryStore } from '../../../src-main/core/history/history-store'
import { MODELS, START, addAnsweredTurn, openTempStore } from './temp-history'

/** Two conversations covering every field: pinned, renamed, Japanese, usage, error, stopped and interrupted. */
async function populatedStore() {
  const opened = await openTempStore()
  const { store, clock } = opened
  const weather = store.createConversation('東京の天気は？')
  addAnsweredTurn(store, weather.id, '東京の天気は？\n詳しく教えて', 'stream-a', [
    '東京の天気は晴れです。',
    'Sunny, **25 °C**.',
  ])
  clock.advance(60_000)
  store.addTurn(weather.id, 'And tomorrow?', 'stream-b', MODELS)
  store.finishAnswer('stream-b', 'llama3-2', { status: 'stopped', text: 'Tomorrow it' })
  store.finishAnswer('stream-b', 'qwen2-5', {
    status: 'error',
    error: { code: 'rate-limited', message: 'Too many requests' },
    usage: { inputTokens: 12 },
  })
  store.setPinned(weather.id, true)

  clock.advance(60_000)
  const code = store.createConversation('Write a sorting function')
  store.addTurn(code.id, 'Write a sorting function', 'stream-c', MODELS.slice(0, 1))
  store.appendAnswerProgress('stream-c', 'llama3-2', 'function sort(xs) {')
  store.markInterruptedOnStartup()
  store.renameConversation(code.id, 'Sorting in JS')
  return { ...opened, ids: { weather: weather.id, code: code.id } }
}

function withoutExportTime(json: string): Omit<HistoryDocument, 'exportedAt'> {
  const { exportedAt: _ignored, ...rest } = JSON.parse(json) as HistoryDocument
  return rest
}

describe('history export and import', () => {
  it('round-trips JSON exactly into an empty history', async () => {
    const { store: source } = await populatedStore()
    const exported = source.exportAll('json')
    const document = JSON.parse(exported) as HistoryDocument
    expect(document).toMatchObject({
      format: 'streamdesk-history',
      version: 1,
      exportedAt: new Date(START + 120_000).toISOString(),
    })
    expect(document.conversations.map((c) => c.title)).toEqual(['東京の天気は？', 'Sorting in JS'])

    const { store: target } = await openTempStore()
    expect(target.importJson(exported)).toEqual({
      conversations: 2,
      turns: 3,
      answers: 5,
      renamedConversations: 0,
      alreadyPresent: 0,
    })
    expect(withoutExportTime(target.exportAll('json'))).toEqual(withoutExportTime(exported))
    // Imported prompts and finished answers are searchable, the interrupted one too.
    expect(target.search('天気は晴れ').hits.map((h) => h.kind)).toEqual(['answer'])
    expect(target.search('詳しく教えて').hits.map((h) => h.kind)).toEqual(['prompt'])
    expect(target.search('sort(xs)').hits.map((h) => [h.kind, h.answer?.modelId])).toEqual([['answer', 'llama3-2']])
    expect(target.listConversations().map((c) => c.pinned)).toEqual([true, false])
    // The index triggers were set aside for the bulk import only: new answers are indexed as before.
    const { id } = target.createConversation('after the import')
    target.addTurn(id, 'after the import', 'stream-new', MODELS.slice(0, 1))
    target.finishAnswer('stream-new', 'llama3-2', { status: 'complete', text: 'an okapi appears' })
    expect(target.search('okapi').hits).toHaveLength(1)
    expect(target.search('after the import').hits.map((h) => h.kind)).toEqual(['prompt'])
    source.close()
    target.close()
  })

  it('reads back its own export of a 10 MB answer (and its reasoning), whatever history stored', async () => {
    const { store: source } = await openTempStore()
    const { id } = source.createConversation('a very long answer')
    source.addTurn(id, 'write a lot', 'stream-long', MODELS.slice(0, 1))
    const text = 'Line of 東京 text with 😀 and code `x < y`.\n'.repeat(250_000)
    expect(text.length).toBeGreaterThan(10_000_000)
    const reasoning = 'thinking… '.repeat(500_000)
    source.finishAnswer('stream-long', 'llama3-2', { status: 'complete', text, reasoning })
    const exported = source.exportAll('json')

    const { store: target } = await openTempStore()
    expect(target.importJson(exported)).toMatchObject({ conversations: 1, answers: 1 })
    const [conversation] = target.listConversations()
    const answer = target.getConversation(conversation!.id)!.turns[0]!.answers[0]!
    expect(answer.text === text && answer.reasoning === reasoning).toBe(true)
    source.close()
    target.close()
  })

  it('exports the same text in slices, pausing between conversations, as at once', async () => {
    const { store } = await populatedStore()
    // Version 2 content too (a regenerated attempt), and Markdown.
    const { id } = store.createConversation('with versions')
    store.addTurn(id, 'with versions', 'stream-v', MODELS.slice(0, 1))
    store.finishAnswer('stream-v', 'llama3-2', { status: 'complete', text: 'first' })
    store.addAttempt(id, 'stream-v', MODELS[0]!, 'stream-v2')
    store.finishAnswer('stream-v2', 'llama3-2', { status: 'complete', text: 'second', reasoning: 'why' })
    let pauses = 0
    const pause = async () => void pauses++
    for (const format of ['json', 'markdown'] as const) {
      expect(await store.exportAllInSlices(format, { pause, sliceMs: 0 })).toBe(store.exportAll(format))
    }
    expect(JSON.parse(store.exportAll('json'))).toMatchObject({ version: 2 })
    // Once per conversation read and once per conversation written, for each format.
    expect(pauses).toBe(2 * 2 * 3)
    store.deleteConversation(id)
    expect(JSON.parse(await store.exportAllInSlices('json', { pause, sliceMs: 0 }))).toMatchObject({ version: 1 })
    expect(await store.exportAllInSlices('json', { pause, sliceMs: 0 })).toBe(store.exportAll('json'))
    store.close()
    const { store: empty } = await openTempStore()
    expect(await empty.exportAllInSlices('json')).toBe(empty.exportAll('json'))
    empty.close()
  })

  it('skips conversations it already holds exactly, so importing the same file twice adds nothing', async () => {
    const { store: source } = await populatedStore()
    const exported = source.exportAll('json')
    const { store: target } = await openTempStore()
    expect(target.importJson(exported)).toMatchObject({ conversations: 2, alreadyPresent: 0 })
    const once = target.exportAll('json')
    expect(target.importJson(exported)).toMatchObject({ conversations: 0, renamedConversations: 0, alreadyPresent: 2 })
    expect(target.exportAll('json')).toBe(once)
    // And a history re-importing its own export.
    expect(source.importJson(exported)).toMatchObject({ conversations: 0, alreadyPresent: 2 })
    source.close()
    target.close()
  })

  it('gives colliding conversations that differ, and their stream ids, new ones instead of overwriting', async () => {
    const { store, ids } = await populatedStore()
    const before = store.getConversation(ids.weather)
    // The same conversation as exported, but unpinned since: a different conversation under a taken id.
    const document = JSON.parse(store.exportConversation(ids.weather, 'json')!) as HistoryDocument
    document.conversations[0]!.pinned = false
    const single = JSON.stringify(document)
    expect(store.importJson(single)).toEqual({
      conversations: 1,
      turns: 2,
      answers: 4,
      renamedConversations: 1,
      alreadyPresent: 0,
    })
    expect(store.getConversation(ids.weather)).toEqual(before)
    const copies = store.listConversations().filter((c) => c.title === '東京の天気は？')
    expect(copies).toHaveLength(2)
    const copy = store.getConversation(copies.find((c) => c.id !== ids.weather)!.id)!
    expect(copy.turns.map((t) => t.streamId)).toEqual([
      expect.stringMatching(/^imported-/),
      expect.stringMatching(/^imported-/),
    ])
    expect(copy.turns.map((t) => t.answers.map((a) => a.text))).toEqual(
      before!.turns.map((t) => t.answers.map((a) => a.text)),
    )
    store.close()
  })

  it('imports an answer exported mid-stream as interrupted', async () => {
    const { store } = await openTempStore()
    const { id } = store.createConversation('live')
    store.addTurn(id, 'live', 'live-1', MODELS.slice(0, 1))
    store.appendAnswerProgress('live-1', 'llama3-2', 'half an ans')
    const exported = store.exportConversation(id, 'json')!
    expect(JSON.parse(exported).conversations[0].turns[0].answers[0].status).toBe('streaming')
    const { store: target } = await openTempStore()
    target.importJson(exported)
    expect(target.getConversation(id)!.turns[0]!.answers[0]).toMatchObject({
      status: 'interrupted',
      text: 'half an ans',
    })
    store.close()
    target.close()
  })

  it('writes readable Markdown: title, prompts as quotes, each answer under its model', async () => {
    const { store, ids } = await populatedStore()
    const markdown = store.exportConversation(ids.weather, 'markdown')!
    expect(markdown).toContain('# 東京の天気は？\n')
    expect(markdown).toContain('## Prompt 1\n\n> 東京の天気は？\n> 詳しく教えて\n')
    expect(markdown).toContain('### Llama 3.2\n\n東京の天気は晴れです。\n')
    expect(markdown).toContain('### Qwen 2.5\n\nSunny, **25 °C**.\n')
    expect(markdown).toContain('## Prompt 2\n\n> And tomorrow?\n')
    expect(markdown).toContain('### Llama 3.2 _(stopped)_\n\nTomorrow it')
    expect(markdown).toContain('### Qwen 2.5 _(error: Too many requests)_\n\n_(no text)_')
    expect(markdown).not.toContain('Sorting in JS')

    const all = store.exportAll('markdown')
    expect(all).toContain('# Sorting in JS')
    expect(all).toContain('### Llama 3.2 _(interrupted)_\n\nfunction sort(xs) {')
    expect(all.indexOf('# 東京の天気は？')).toBeLessThan(all.indexOf('# Sorting in JS'))
    expect(store.exportConversation('missing', 'markdown')).toBeUndefined()
    store.close()
  })

  describe('refuses malformed files with a clear message and changes nothing', () => {
    const valid = (): HistoryDocument => ({
      format: 'streamdesk-history',
      version: 1,
      exportedAt: '2024-05-01T12:00:00.000Z',
      conversations: [
        {
          id: 'new-conversation',
          title: 'A',
          createdAt: '2024-05-01T12:00:00.000Z',
          updatedAt: '2024-05-01T12:00:00.000Z',
          pinned: false,
          turns: [
            {
              prompt: 'p',
              streamId: 'new-stream',
              createdAt: '2024-05-01T12:00:00.000Z',
              answers: [
                {
                  modelId: 'm',
                  modelLabel: 'M',
                  text: 't',
                  status: 'complete',
                  startedAt: '2024-05-01T12:00:00.000Z',
                  updatedAt: '2024-05-01T12:00:00.000Z',
                },
              ],
            },
          ],
        },
      ],
    })
    const answer = () => valid().conversations[0]!.turns[0]!.answers[0]!
    const REMOVE = Symbol('remove')
    /** The valid document as JSON, with the value at `path` replaced (or removed). */
    const changed = (path: Array<string | number>, value: unknown): string => {
      const doc = valid()
      let node = doc as unknown as Record<string | number, unknown>
      for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>
      const last = path.at(-1)!
      if (value === REMOVE) delete node[last]
      else node[last] = value
      return JSON.stringify(doc)
    }
    const firstAnswer = ['conversations', 0, 'turns', 0, 'answers', 0]
    /** `depth` lists nested in each other, deeper than code that recurses over the document can follow (as text:
     * JSON.stringify could not write it either). */
    const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth)

    const cases: Array<[string, () => string, RegExp]> = [
      ['not JSON', () => '{"format": "streamdesk-history", ', /not valid JSON/],
      ['a JSON array', () => '[1, 2, 3]', /not a StreamDesk history export/],
      ['another format', () => changed(['format'], 'chatgpt-export'), /not a StreamDesk history export/],
      [
        'a newer version',
        () => changed(['version'], 3),
        /format version 3; this version of StreamDesk reads versions 1 and 2/,
      ],
      [
        'a version 1 document labelled version 2',
        () => changed(['version'], 2),
        /turns\[0\]\.parent.*answers\[0\]\.streamId/,
      ],
      [
        'a wrong status',
        () => changed([...firstAnswer, 'status'], 'done'),
        /conversations\[0\]\.turns\[0\]\.answers\[0\]\.status/,
      ],
      [
        'a number for a date',
        () => changed(['conversations', 0, 'createdAt'], 1714564800000),
        /conversations\[0\]\.createdAt/,
      ],
      ['a string for a boolean', () => changed(['conversations', 0, 'pinned'], 'yes'), /conversations\[0\]\.pinned/],
      ['a missing field', () => changed(['conversations', 0, 'turns', 0, 'prompt'], REMOVE), /turns\[0\]\.prompt/],
      ['an unknown field', () => changed(['conversations', 0, 'evil'], true), /conversations\[0\]/],
      ['an id with a slash', () => changed(['conversations', 0, 'id'], '../etc'), /conversations\[0\]\.id/],
      ['negative token counts', () => changed([...firstAnswer, 'usage'], { inputTokens: -1 }), /usage\.inputTokens/],
      [
        'a model answering twice',
        () => changed(['conversations', 0, 'turns', 0, 'answers', 1], answer()),
        /at most once/,
      ],
      ['a file over the size limit', () => ' '.repeat(MAX_IMPORT_CHARS + 1), /too large to import/],
      // Values and keys from the file are quoted only as short excerpts (a 5 MB `version` once became a toast
      // taller than the window), never cutting an emoji in half.
      [
        'a huge version value',
        () => changed(['version'], '😀'.repeat(2_000_000)),
        new RegExp(`format version "${'😀'.repeat(40)}…"; this version`, 'u'),
      ],
      ['a huge key', () => changed(['conversations', 0, 'k'.repeat(1_000_000)], 1), /conversations\[0\]: .{1,200}\./],
      [
        'hostile nesting',
        () => changed(['conversations', 0, 'turns'], 'NESTED').replace('"NESTED"', nested(100_000)),
        /nested too deeply/,
      ],
      // A bad second conversation must stop the first one too.
      [
        'a bad conversation after a good one',
        () => changed(['conversations', 1], { ...valid().conversations[0], id: 'x', turns: 'none' }),
        /conversations\[1\]\.turns/,
      ],
    ]

    let store: HistoryStore
    it.each(cases)('%s', async (_name, makeFile, message) => {
      ;({ store } = await populatedStore())
      const before = store.exportAll('json')
      let error: unknown
      try {
        store.importJson(makeFile())
      } catch (caught) {
        error = caught
      }
      expect(error).toBeInstanceOf(HistoryImportError)
      expect((error as Error).message).toMatch(message)
      expect((error as Error).message).toMatch(/Nothing was imported\.$/)
      expect((error as Error).message.length).toBeLessThan(600)
      expect(store.exportAll('json')).toBe(before)
      store.close()
    })

    it('accepts the valid document the cases are made from', async () => {
      ;({ store } = await openTempStore())
      expect(store.importJson(JSON.stringify(valid()))).toMatchObject({ conversations: 1 })
      store.close()
    })
  })

  describe('format version 2: several attempts per model and branching turns', () => {
    const at = (seconds: number) => new Date(START + seconds * 1_000).toISOString()
    const answer = (modelId: string, text: string, streamId: string, attempt: number) => ({
      modelId,
      modelLabel: modelId.toUpperCase(),
      text,
      status: 'complete' as const,
      startedAt: at(attempt),
      updatedAt: at(attempt + 1),
      streamId,
      attempt,
    })
    /** A first turn answered twice by model a (regenerated), then two turns that both follow it (an edit). */
    const versioned = (): HistoryDocumentV2 => ({
      format: 'streamdesk-history',
      version: 2,
      exportedAt: at(0),
      conversations: [
        {
          id: 'branchy',
          title: 'Branches',
          createdAt: at(0),
          updatedAt: at(9),
          pinned: false,
          turns: [
            {
              prompt: 'Name a fruit',
              streamId: 'v-s0',
              createdAt: at(0),
              parent: null,
              answers: [
                answer('a', 'Apple', 'v-s0', 1),
                answer('a', 'Apricot', 'v-regen', 2),
                answer('b', 'Banana', 'v-s0', 1),
              ],
            },
            {
              prompt: 'A yellow one',
              streamId: 'v-s1',
              createdAt: at(5),
              parent: 0,
              answers: [answer('a', 'Lemon', 'v-s1', 1)],
            },
            {
              prompt: 'A red one',
              streamId: 'v-s2',
              createdAt: at(8),
              parent: 0,
              answers: [answer('a', 'Cherry', 'v-s2', 1)],
            },
          ],
        },
      ],
    })

    it('imports attempts and parents and exports them again as version 2', async () => {
      const { store } = await openTempStore()
      const document = versioned()
      expect(store.importJson(JSON.stringify(document))).toEqual({
        conversations: 1,
        turns: 3,
        answers: 5,
        renamedConversations: 0,
        alreadyPresent: 0,
      })
      const turns = store.getConversation('branchy')!.turns
      expect(turns.map((t) => t.parentTurnId)).toEqual([null, turns[0]!.id, turns[0]!.id])
      expect(turns[0]!.answers.map((a) => [a.modelId, a.attempt, a.streamId, a.text])).toEqual([
        ['a', 1, 'v-s0', 'Apple'],
        ['a', 2, 'v-regen', 'Apricot'],
        ['b', 1, 'v-s0', 'Banana'],
      ])
      expect(store.search('Apricot').hits.map((h) => h.answer?.modelId)).toEqual(['a'])
      expect(withoutExportTime(store.exportAll('json'))).toEqual(withoutExportTime(JSON.stringify(document)))
      expect(store.exportConversation('branchy', 'markdown')).toContain('### A _(attempt 2)_\n\nApricot')
      store.close()
    })

    it('writes version 1 when every answer is a first attempt on a linear history, so older apps can read it', async () => {
      const { store } = await openTempStore()
      const linear = versioned()
      const [first, second] = linear.conversations[0]!.turns
      linear.conversations[0]!.turns = [{ ...first!, answers: [first!.answers[0]!, first!.answers[2]!] }, second!]
      store.importJson(JSON.stringify(linear))
      const exported = JSON.parse(store.exportAll('json')) as HistoryDocument
      expect(exported.version).toBe(1)
      expect(exported.conversations[0]!.turns[1]).toEqual({
        prompt: 'A yellow one',
        streamId: 'v-s1',
        createdAt: at(5),
        answers: [
          { modelId: 'a', modelLabel: 'A', text: 'Lemon', status: 'complete', startedAt: at(1), updatedAt: at(2) },
        ],
      })
      store.close()
    })

    it('gives every taken stream id, of a turn or of an attempt, a new one', async () => {
      const { store } = await openTempStore()
      store.importJson(JSON.stringify(versioned()))
      // Renamed since, so a different conversation under the same id and stream ids.
      const renamed = versioned()
      renamed.conversations[0]!.title = 'Fruit, renamed'
      expect(store.importJson(JSON.stringify(renamed))).toMatchObject({ renamedConversations: 1 })
      const copyId = store.listConversations().find((c) => c.id !== 'branchy')!.id
      const [first] = store.getConversation(copyId)!.turns
      const [a1, a2, b1] = first!.answers
      expect(first!.streamId).toMatch(/^imported-/)
      expect([a1!.streamId, b1!.streamId]).toEqual([first!.streamId, first!.streamId])
      expect(a2!.streamId).toMatch(/^imported-/)
      expect(a2!.streamId).not.toBe(first!.streamId)
      store.close()
    })

    it('reads a version 1 document as first attempts on a linear history', async () => {
      const { store: source } = await populatedStore()
      const { store } = await openTempStore()
      store.importJson(source.exportAll('json'))
      for (const { id } of store.listConversations()) {
        const turns = store.getConversation(id)!.turns
        expect(turns.map((t) => t.parentTurnId)).toEqual(turns.map((_, i) => (i === 0 ? null : turns[i - 1]!.id)))
        for (const turn of turns) {
          expect(turn.answers.map((a) => [a.attempt, a.streamId])).toEqual(turn.answers.map(() => [1, turn.streamId]))
        }
      }
      source.close()
      store.close()
    })

    it.each([
      [
        'the same attempt twice',
        (d: HistoryDocumentV2) => d.conversations[0]!.turns[0]!.answers.push(answer('a', 'Avocado', 'v-x', 2)),
        /turns\[0\]\.answers: a model has each attempt at a prompt at most once/,
      ],
      [
        'a turn following a later turn',
        (d: HistoryDocumentV2) => (d.conversations[0]!.turns[1]!.parent = 2),
        /turns\[1\]\.parent: a turn follows an earlier turn/,
      ],
      [
        'a turn following itself',
        (d: HistoryDocumentV2) => (d.conversations[0]!.turns[0]!.parent = 0),
        /turns\[0\]\.parent: a turn follows an earlier turn/,
      ],
      ['attempt 0', (d: HistoryDocumentV2) => (d.conversations[0]!.turns[0]!.answers[0]!.attempt = 0), /attempt/],
    ])('refuses %s and changes nothing', async (_name, spoil, message) => {
      const { store } = await populatedStore()
      const before = store.exportAll('json')
      const document = versioned()
      spoil(document)
      expect(() => store.importJson(JSON.stringify(document))).toThrow(message)
      expect(store.exportAll('json')).toBe(before)
      store.close()
    })
  })

  describe('reasoning and end details', () => {
    const end = {
      stopReason: 'other' as const,
      rawStopReason: 'SOME_NEW_REASON',
      toolNames: ['get_weather'],
      redactedReasoning: 1,
      metrics: { inputTokens: 3, outputTokens: 9, reasoningTokens: 6, firstTokenMs: 80, firstAnswerTokenMs: 400 },
    }

    async function reasoningStore() {
      const opened = await openTempStore()
      const { id } = opened.store.createConversation('Why is the sky blue?')
      opened.store.addTurn(id, 'Why is the sky blue?', 'stream-r', MODELS)
      opened.store.finishAnswer('stream-r', 'llama3-2', {
        status: 'complete',
        text: 'Rayleigh scattering.',
        reasoning: 'Short wavelengths scatter more.\n\n</details> is not the end: 東京 🌞',
        usage: { inputTokens: 3, outputTokens: 9 },
        ...end,
      })
      opened.store.finishAnswer('stream-r', 'qwen2-5', {
        status: 'complete',
        text: 'Because.',
        stopReason: 'max-tokens',
      })
      return { ...opened, id }
    }

    it('round-trip through JSON version 2 exactly, and stay out of search', async () => {
      const { store: source } = await reasoningStore()
      const exported = source.exportAll('json')
      const document = JSON.parse(exported) as HistoryDocumentV2
      // Version 1 cannot hold them, so the file is version 2 even on a linear history of first attempts.
      expect(document.version).toBe(2)
      const [withReasoning, plain] = document.conversations[0]!.turns[0]!.answers
      expect(withReasoning).toMatchObject({ reasoning: expect.stringContaining('Short wavelengths'), end })
      expect(plain).toMatchObject({ end: { stopReason: 'max-tokens' } })
      expect(plain).not.toHaveProperty('reasoning')

      const { store: target } = await openTempStore()
      expect(target.importJson(exported)).toMatchObject({ conversations: 1, answers: 2 })
      expect(withoutExportTime(target.exportAll('json'))).toEqual(withoutExportTime(exported))
      const imported = target.getConversation(target.listConversations()[0]!.id)!.turns[0]!.answers[0]!
      expect(imported.reasoning).toBe(
        source.getConversation(source.listConversations()[0]!.id)!.turns[0]!.answers[0]!.reasoning,
      )
      expect(target.search('Rayleigh').hits).toHaveLength(1)
      expect(target.search('wavelengths').hits).toHaveLength(0)
      source.close()
      target.close()
    })

    it("keep the estimated cost in history but out of the file, which older apps' strict schema would refuse", async () => {
      const { store: source, id } = await reasoningStore()
      source.addTurn(id, 'And at sunset?', 'stream-c', MODELS)
      source.finishAnswer('stream-c', 'llama3-2', { status: 'complete', text: 'Red.', costUsd: 0.0123 })
      source.finishAnswer('stream-c', 'qwen2-5', {
        status: 'complete',
        text: 'Orange.',
        stopReason: 'end',
        costUsd: 0.5,
      })
      const answers = source.getConversation(id)!.turns[1]!.answers
      expect(answers.map((a) => a.end)).toEqual([{ costUsd: 0.0123 }, { stopReason: 'end', costUsd: 0.5 }])
      const exported = source.exportAll('json')
      expect(exported).not.toContain('costUsd')
      const [onlyCost, withReason] = (JSON.parse(exported) as HistoryDocumentV2).conversations[0]!.turns[1]!.answers
      expect(onlyCost).not.toHaveProperty('end')
      expect(withReason).toMatchObject({ end: { stopReason: 'end' } })
      source.close()
    })

    it('refuse an import whose end details are not valid, changing nothing', async () => {
      const { store: source } = await reasoningStore()
      const document = JSON.parse(source.exportAll('json')) as HistoryDocumentV2
      const answer = document.conversations[0]!.turns[0]!.answers[0]! as unknown as { end: { stopReason: string } }
      answer.end.stopReason = 'exploded'
      const { store: target } = await openTempStore()
      expect(() => target.importDocument(document)).toThrow(HistoryImportError)
      expect(() => target.importDocument(document)).toThrow(/end\.stopReason/)
      expect(target.listConversations()).toEqual([])
      source.close()
      target.close()
    })

    it('show in Markdown as a collapsed Thinking block before the answer, with why it stopped', async () => {
      const { store, id } = await reasoningStore()
      const markdown = store.exportConversation(id, 'markdown')!
      expect(markdown).toContain(
        '### Llama 3.2 _(stopped: SOME_NEW_REASON, 1 redacted reasoning block)_\n\n<details>\n<summary>Thinking</summary>\n\n' +
          '> Short wavelengths scatter more.\n>\n> </details> is not the end: 東京 🌞\n\n</details>\n\nRayleigh scattering.',
      )
      expect(markdown).toContain('### Qwen 2.5 _(stopped: max-tokens)_\n\nBecause.')
      store.close()
    })
  })

  describe("a conversation's system prompt", () => {
    const systemPrompt = 'Answer in one sentence.\n\n日本語でも可。'

    async function promptedStore() {
      const opened = await openTempStore()
      const { id } = opened.store.createConversation('Why is the sky blue?')
      addAnsweredTurn(opened.store, id, 'Why is the sky blue?', 'stream-p', ['Scattering.', 'Rayleigh.'])
      opened.store.setSystemPrompt(id, systemPrompt)
      return { ...opened, id }
    }

    it('goes out in JSON version 2 (version 1 cannot hold it) and comes back on import', async () => {
      const { store: source } = await promptedStore()
      const exported = source.exportAll('json')
      const document = JSON.parse(exported) as HistoryDocumentV2
      // A linear history of first attempts without reasoning: only the system prompt makes it version 2.
      expect(document.version).toBe(2)
      expect(document.conversations[0]!.systemPrompt).toBe(systemPrompt)

      const { store: target } = await openTempStore()
      target.importJson(exported)
      expect(target.getConversation(target.listConversations()[0]!.id)!.systemPrompt).toBe(systemPrompt)
      expect(withoutExportTime(target.exportAll('json'))).toEqual(withoutExportTime(exported))
      source.close()
      target.close()
    })

    it('is absent from an export without one, and an older version 2 file without it imports with none', async () => {
      const { store: source, id } = await promptedStore()
      source.setSystemPrompt(id, '')
      expect(JSON.parse(source.exportAll('json'))).toMatchObject({ version: 1 })
      const older = JSON.parse(source.exportAll('json')) as HistoryDocument
      const asVersion2 = {
        ...older,
        version: 2,
        conversations: older.conversations.map((c) => ({
          ...c,
          turns: c.turns.map((t, i) => ({
            ...t,
            parent: i === 0 ? null : i - 1,
            answers: t.answers.map((a) => ({ ...a, streamId: t.streamId, attempt: 1 })),
          })),
        })),
      }
      const { store: target } = await openTempStore()
      expect(target.importJson(JSON.stringify(asVersion2))).toMatchObject({ conversations: 1, answers: 2 })
      expect(target.getConversation(target.listConversations()[0]!.id)).not.toHaveProperty('systemPrompt')
      source.close()
      target.close()
    })

    it.each([
      ['empty', ''],
      ['too long', 'x'.repeat(200_001)],
    ])('refuses one that is %s, changing nothing', async (_name, text) => {
      const { store: source } = await promptedStore()
      const document = JSON.parse(source.exportAll('json')) as HistoryDocumentV2
      document.conversations[0]!.systemPrompt = text
      const { store: target } = await openTempStore()
      expect(() => target.importJson(JSON.stringify(document))).toThrow(/systemPrompt/)
      expect(target.listConversations()).toEqual([])
      source.close()
      target.close()
    })

    it('shows in Markdown, quoted, before the first prompt', async () => {
      const { store, id } = await promptedStore()
      const markdown = store.exportConversation(id, 'markdown')!
      expect(markdown).toContain(
        '**System prompt**\n\n> Answer in one sentence.\n>\n> 日本語でも可。\n\n## Prompt 1\n\n> Why is the sky blue?',
      )
      store.setSystemPrompt(id, '')
      expect(store.exportConversation(id, 'markdown')).not.toContain('System prompt')
      store.close()
    })
  })

  describe('a conversation asked on another device (history migration 8)', () => {
    async function markedStore() {
      const opened = await openTempStore()
      opened.store.createConversation('Asked on the laptop', { id: 'laptop-conversation', askedElsewhere: true })
      addAnsweredTurn(opened.store, 'laptop-conversation', 'Asked on the laptop', 'stream-l', ['One.', 'Two.'])
      const here = opened.store.createConversation('Asked here')
      addAnsweredTurn(opened.store, here.id, 'Asked here', 'stream-h', ['Three.', 'Four.'])
      return opened
    }
    const marks = (store: HistoryStore) =>
      Object.fromEntries(store.listConversations().map((c) => [c.title, c.askedElsewhere === true]))

    it('keeps its mark through JSON version 2 (version 1 cannot hold it), and only on that conversation', async () => {
      const { store: source } = await markedStore()
      const exported = source.exportAll('json')
      const document = JSON.parse(exported) as HistoryDocumentV2
      // A linear history of first attempts: only the mark makes it version 2.
      expect(document.version).toBe(2)
      expect(document.conversations.map((c) => [c.title, c.askedElsewhere])).toEqual([
        ['Asked on the laptop', true],
        ['Asked here', undefined],
      ])
      const { store: target } = await openTempStore()
      expect(target.importJson(exported)).toMatchObject({ conversations: 2 })
      expect(marks(target)).toEqual({ 'Asked on the laptop': true, 'Asked here': false })
      expect(withoutExportTime(target.exportAll('json'))).toEqual(withoutExportTime(exported))
      // Importing the same file again adds nothing: the mark is part of what it holds exactly.
      expect(target.importJson(exported)).toMatchObject({ conversations: 0 })
      source.close()
      target.close()
    })

    it('imports a file without the mark (older apps) unmarked, and refuses a mark that is not true', async () => {
      const { store: source } = await markedStore()
      const document = JSON.parse(source.exportAll('json')) as HistoryDocumentV2
      const { askedElsewhere: _mark, ...older } = document.conversations[0]!
      const { store: target } = await openTempStore()
      expect(target.importJson(JSON.stringify({ ...document, conversations: [older] }))).toMatchObject({
        conversations: 1,
      })
      expect(marks(target)).toEqual({ 'Asked on the laptop': false })
      const { store: refusing } = await openTempStore()
      const wrong = { ...document, conversations: [{ ...older, askedElsewhere: 'yes' }] }
      expect(() => refusing.importJson(JSON.stringify(wrong))).toThrow(/askedElsewhere/)
      expect(refusing.listConversations()).toEqual([])
      source.close()
      target.close()
      refusing.close()
    })
  })
})
