import Sqlite from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { HistoryStore } from '../../../src-main/core/history/history-store'
import { titleFromPrompt } from '../../../src-main/core/history/conversation-title'
import { MODELS, START, addAnsweredTurn, openTempStore } from './temp-history'

describe('HistoryStore conversations', () => {
  it('titles a conversation from the first line of its first prompt, cut at 80 characters', () => {
    expect(titleFromPrompt('  What is   the weather\nin Tokyo?')).toBe('What is the weather')
    expect(titleFromPrompt('\n\n  ')).toBe('New conversation')
    const long = titleFromPrompt('あ'.repeat(100))
    expect(Array.from(long)).toHaveLength(80)
    expect(long.endsWith('…')).toBe(true)
    // Cut by code points: an emoji is never split in half.
    expect(titleFromPrompt('😀'.repeat(100))).toBe(`${'😀'.repeat(79)}…`)
  })

  it('drops the lead-in of a question, so that similar questions get titles that differ', () => {
    const titles = ['Python', 'Rust', 'Go'].map((language) =>
      titleFromPrompt(`How do I read a file line by line in ${language}? I tried open() but it reads it all.`),
    )
    expect(titles).toEqual([
      'Read a file line by line in Python? I tried open() but it reads it all.',
      'Read a file line by line in Rust? I tried open() but it reads it all.',
      'Read a file line by line in Go? I tried open() but it reads it all.',
    ])
    expect(titleFromPrompt('Hi, can you please help me write a haiku about autumn?')).toBe('Write a haiku about autumn')
    expect(titleFromPrompt("I'd like to compare DuckDB and SQLite")).toBe('Compare DuckDB and SQLite')
    expect(titleFromPrompt('東京の天気を教えてください。')).toBe('東京の天気')
    expect(titleFromPrompt('Rustの所有権について説明して')).toBe('Rustの所有権')
    // A lead-in that is the whole question stays.
    expect(titleFromPrompt('Can you?')).toBe('Can you?')
    expect(titleFromPrompt('教えてください')).toBe('教えてください')
    expect(titleFromPrompt('Hello there')).toBe('Hello there')
    expect(titleFromPrompt('Hello! What is a monad?')).toBe('What is a monad')
  })

  it('titles from words, not from code or markdown marks', () => {
    expect(titleFromPrompt('```python\nprint(1)\n```\nWhy does this print **one**?')).toBe('Why does this print one?')
    expect(titleFromPrompt('## Review: `parse_args` in *cli.py*')).toBe('Review: parse_args in *cli.py*')
    expect(titleFromPrompt('> quoted line\nmore')).toBe('quoted line')
    expect(titleFromPrompt('- item one\n- item two')).toBe('item one')
    // Only code: its first line.
    expect(titleFromPrompt('```\nSELECT 1;\n```')).toBe('SELECT 1;')
  })

  it('cuts a long title at a word boundary near the limit, by code points otherwise', () => {
    const words = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ')
    const title = titleFromPrompt(words)
    expect(title.endsWith('…')).toBe(true)
    expect(Array.from(title).length).toBeLessThanOrEqual(80)
    expect(words.startsWith(title.slice(0, -1))).toBe(true)
    expect(words[title.length - 1]).toBe(' ')
  })

  it('stores a turn with one streaming answer per model, then progress and the end of each', async () => {
    const { store, clock } = await openTempStore()
    const { id } = store.createConversation('Hello there')
    expect(store.addTurn(id, 'Hello there', 'stream-1', MODELS)).toMatchObject({ index: 0 })
    clock.advance(500)
    expect(store.appendAnswerProgress('stream-1', 'llama3-2', 'Hi')).toBe(true)
    expect(
      store.finishAnswer('stream-1', 'llama3-2', {
        status: 'complete',
        text: 'Hi!',
        usage: { inputTokens: 5, outputTokens: 2 },
      }),
    ).toBe(true)
    expect(
      store.finishAnswer('stream-1', 'qwen2-5', {
        status: 'error',
        error: { code: 'timeout', message: 'No answer in 60 s' },
      }),
    ).toBe(true)
    // A finished answer is not overwritten by a late progress write, and unknown streams are reported as such.
    expect(store.appendAnswerProgress('stream-1', 'llama3-2', 'stale')).toBe(false)
    expect(store.appendAnswerProgress('nope', 'llama3-2', 'x')).toBe(false)

    const conversation = store.getConversation(id)!
    expect(conversation).toMatchObject({ id, title: 'Hello there', pinned: false, createdAt: START, updatedAt: START })
    expect(conversation.turns).toHaveLength(1)
    expect(conversation.turns[0]).toMatchObject({
      index: 0,
      prompt: 'Hello there',
      streamId: 'stream-1',
      createdAt: START,
    })
    expect(conversation.turns[0]!.answers).toEqual([
      {
        id: expect.any(Number),
        modelId: 'llama3-2',
        modelLabel: 'Llama 3.2',
        streamId: 'stream-1',
        attempt: 1,
        text: 'Hi!',
        reasoning: '',
        status: 'complete',
        usage: { inputTokens: 5, outputTokens: 2 },
        startedAt: START,
        updatedAt: START + 500,
      },
      {
        id: expect.any(Number),
        modelId: 'qwen2-5',
        modelLabel: 'Qwen 2.5',
        streamId: 'stream-1',
        attempt: 1,
        text: '',
        reasoning: '',
        status: 'error',
        error: { code: 'timeout', message: 'No answer in 60 s' },
        startedAt: START,
        updatedAt: START + 500,
      },
    ])
    store.close()
  })

  it('numbers turns in order and refuses a turn for an unknown conversation', async () => {
    const { store } = await openTempStore()
    const { id } = store.createConversation('first')
    addAnsweredTurn(store, id, 'first', 's1', ['a'])
    expect(store.addTurn(id, 'second', 's2', MODELS).index).toBe(1)
    expect(store.getConversation(id)!.turns.map((t) => t.prompt)).toEqual(['first', 'second'])
    expect(() => store.addTurn('missing', 'x', 's3', MODELS)).toThrow(/No conversation/)
    expect(() => store.addTurn(id, 'x', 's4', [])).toThrow(/at least one model/)
    store.close()
  })

  it('lists pinned conversations first, then by last activity, newest first, in pages', async () => {
    const { store, clock } = await openTempStore()
    const ids: string[] = []
    for (let i = 0; i < 5; i++) {
      ids.push(store.createConversation(`conversation ${i}`).id)
      clock.advance(1000)
    }
    // Activity in conversation 1 moves it to the top; pinning 3 puts it above everything.
    store.addTurn(ids[1]!, 'follow-up', 'follow-1', MODELS)
    expect(store.setPinned(ids[3]!, true)).toBe(true)
    expect(store.listConversations().map((c) => c.title)).toEqual([
      'conversation 3',
      'conversation 1',
      'conversation 4',
      'conversation 2',
      'conversation 0',
    ])
    expect(store.listConversations({ limit: 2, offset: 2 }).map((c) => c.title)).toEqual([
      'conversation 4',
      'conversation 2',
    ])
    expect(store.listConversations()[0]).toMatchObject({ pinned: true })
    expect(store.setPinned('missing', true)).toBe(false)
    store.close()
  })

  it('renames (trimmed, never empty) and deletes conversations with their turns and answers', async () => {
    const { store, path } = await openTempStore()
    const { id } = store.createConversation('old')
    addAnsweredTurn(store, id, 'old', 's1', ['answer one', 'answer two'])
    expect(store.renameConversation(id, '  New\n name ')).toBe(true)
    expect(store.getConversation(id)!.title).toBe('New name')
    expect(() => store.renameConversation(id, '   ')).toThrow(/empty/)
    expect(store.renameConversation('missing', 'x')).toBe(false)

    expect(store.deleteConversation(id)).toBe(true)
    expect(store.getConversation(id)).toBeUndefined()
    expect(store.deleteConversation(id)).toBe(false)
    store.close()
    const raw = new Sqlite(path, { readonly: true })
    expect(raw.prepare('SELECT (SELECT count(*) FROM turns) + (SELECT count(*) FROM answers) AS n').get()).toEqual({
      n: 0,
    })
    raw.close()
  })

  it('marks answers left streaming by a crash as interrupted, keeping their text', async () => {
    const { store, path } = await openTempStore()
    const { id } = store.createConversation('q')
    store.addTurn(id, 'q', 's1', MODELS)
    store.appendAnswerProgress('s1', 'llama3-2', 'partial text')
    store.finishAnswer('s1', 'qwen2-5', { status: 'complete', text: 'done' })
    store.close()

    const reopened = await HistoryStore.open(path)
    expect(reopened.markInterruptedOnStartup()).toBe(1)
    expect(reopened.markInterruptedOnStartup()).toBe(0)
    const answers = reopened.getConversation(id)!.turns[0]!.answers
    expect(answers.map((a) => [a.status, a.text])).toEqual([
      ['interrupted', 'partial text'],
      ['complete', 'done'],
    ])
    reopened.close()
  })

  it('leaves the file in WAL mode', async () => {
    const { store, path } = await openTempStore()
    const raw = new Sqlite(path)
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal')
    raw.close()
    store.close()
  })
})
