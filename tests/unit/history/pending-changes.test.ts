/**
 * The changes kept while the disk is full (pending-changes.ts), without a disk: how the reads show them, their
 * bounds, and the words for what is lost at quit. The store's part (keeping, writing when there is room) is tested
 * on a real full disk in tests/integration/history/full-disk.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { describeUnsavedAtQuit } from '../../../src-main/core/history/close-history'
import type { AnswerRecord, ConversationRecord, TurnRecord } from '../../../src-main/core/history/history-types'
import {
  MAX_PENDING_CHANGES,
  MAX_PENDING_CHARS,
  PendingChanges,
  describeUnsaved,
} from '../../../src-main/core/history/pending-changes'

const M = { id: 'm', label: 'M' }

function answer(streamId: string, attempt: number, text = ''): AnswerRecord {
  return {
    id: -attempt,
    modelId: 'm',
    modelLabel: 'M',
    streamId,
    attempt,
    text,
    reasoning: '',
    status: 'streaming',
    startedAt: 50,
    updatedAt: 50,
  }
}

function turn(streamId: string, index: number, answers: AnswerRecord[], createdAt = 40): TurnRecord {
  return { id: -10 - index, index, parentTurnId: null, prompt: `prompt ${index}`, streamId, createdAt, answers }
}

const stored: ConversationRecord = {
  id: 'c1',
  title: 'Stored',
  createdAt: 1,
  updatedAt: 2,
  pinned: false,
  turns: [turn('s1', 0, [{ ...answer('s1', 1, 'first'), id: 7, status: 'complete' }], 1)],
}

describe('PendingChanges', () => {
  it('shows each kept change on the stored conversation, in order, as copies', () => {
    const pending = new PendingChanges()
    const attempt = answer('s1-again', 2, 'again')
    const next = turn('s2', 1, [answer('s2', 1)], 60)
    pending.add({ kind: 'rename', conversationId: 'c1', title: 'Renamed' })
    pending.add({ kind: 'pin', conversationId: 'c1', pinned: true })
    pending.add({ kind: 'system prompt', conversationId: 'c1', text: 'Be brief.' })
    pending.add({ kind: 'attempt', conversationId: 'c1', turnStreamId: 's1', answer: attempt })
    pending.add({ kind: 'turn', conversationId: 'c1', after: undefined, models: [M], attachments: [], turn: next })
    pending.add({ kind: 'rename', conversationId: 'c1', title: 'Renamed twice' })

    const shown = pending.apply('c1', stored)!
    expect(shown).toMatchObject({ title: 'Renamed twice', pinned: true, systemPrompt: 'Be brief.', updatedAt: 60 })
    expect(shown.turns.map((t) => t.answers.map((a) => [a.attempt, a.text]))).toEqual([
      [
        [1, 'first'],
        [2, 'again'],
      ],
      [[1, '']],
    ])
    // Text streaming into a kept answer shows at the next read; what a reader does to its copy changes nothing.
    pending.answer('s2', 'm')!.text += 'streamed'
    shown.turns[1]!.answers[0]!.text = 'changed by a reader'
    expect(pending.apply('c1', stored)!.turns[1]!.answers[0]!.text).toBe('streamed')
    expect(stored.turns).toHaveLength(1)
    expect(pending.conversationOfStream('s1-again')).toBe('c1')
    expect(pending.affected()).toEqual(new Set(['c1']))
  })

  it('a kept deletion hides the conversation; deleting a kept new chat forgets it and its answers at once', () => {
    const pending = new PendingChanges()
    pending.add({ kind: 'delete', conversationId: 'c1' })
    expect(pending.apply('c1', stored)).toBeUndefined()
    expect(pending.isDeleted('c1')).toBe(true)

    const summary = { id: 'new', title: 'New', createdAt: 5, updatedAt: 5, pinned: false }
    pending.add({ kind: 'new chat', conversationId: 'new', summary })
    pending.add({
      kind: 'turn',
      conversationId: 'new',
      after: undefined,
      models: [M],
      attachments: [],
      turn: turn('s9', 0, [answer('s9', 1)]),
    })
    expect(pending.apply('new', undefined)).toMatchObject({ title: 'New', turns: [{ streamId: 's9' }] })
    expect(pending.newConversationIds()).toEqual(['new'])
    pending.add({ kind: 'delete', conversationId: 'new' })
    expect(pending.size).toBe(1)
    expect(pending.answer('s9', 'm')).toBeUndefined()
    expect(pending.newConversationIds()).toEqual([])
  })

  it('fits at most MAX_PENDING_CHANGES changes and MAX_PENDING_CHARS characters of prompts and titles', () => {
    const pending = new PendingChanges()
    const rename = (title: string) => ({ kind: 'rename' as const, conversationId: 'c1', title })
    const long = 'x'.repeat(MAX_PENDING_CHARS - 10)
    expect(pending.fits(rename(long))).toBe(true)
    pending.add(rename(long))
    expect(pending.fits(rename('0123456789'))).toBe(true)
    expect(pending.fits(rename('0123456789!'))).toBe(false)
    // Written (shifted), its characters no longer count.
    pending.shift()
    expect(pending.fits(rename('0123456789!'))).toBe(true)
    for (let i = 0; i < MAX_PENDING_CHANGES; i++) pending.add({ kind: 'pin', conversationId: 'c1', pinned: true })
    expect(pending.fits({ kind: 'pin', conversationId: 'c1', pinned: false })).toBe(false)
  })

  it('lists what would be lost per conversation, with the characters of answers held only in memory', () => {
    const pending = new PendingChanges()
    const summary = { id: 'new', title: 'From the prompt', createdAt: 5, updatedAt: 5, pinned: false }
    pending.add({ kind: 'new chat', conversationId: 'new', summary })
    pending.add({
      kind: 'turn',
      conversationId: 'new',
      after: undefined,
      models: [M],
      attachments: [],
      turn: turn('s9', 0, [{ ...answer('s9', 1, '12345'), reasoning: '678' }]),
    })
    pending.add({ kind: 'pin', conversationId: 'c1', pinned: true })
    pending.add({ kind: 'pin', conversationId: 'c1', pinned: false })
    pending.add({ kind: 'rename', conversationId: 'new', title: 'Renamed while full' })
    const unsaved = pending.unsaved((id) => (id === 'c1' ? 'Stored' : undefined))
    expect(unsaved).toEqual([
      { conversationId: 'new', title: 'Renamed while full', kinds: ['new chat', 'turn', 'rename'], answerChars: 8 },
      { conversationId: 'c1', title: 'Stored', kinds: ['pin', 'pin'], answerChars: 0 },
    ])
    expect(describeUnsaved(unsaved)).toEqual([
      '“Renamed while full”: the new chat, a prompt and its answers, a rename (8 characters of answers)',
      '“Stored”: 2 × a pin or unpin',
    ])
  })
})

describe('describeUnsavedAtQuit', () => {
  it('names each conversation, then answers whose tail was not written, for the user', () => {
    const message = describeUnsavedAtQuit(
      [{ conversationId: 'c1', title: 'Plans', kinds: ['rename'], answerChars: 0 }],
      [
        { streamId: 's1', modelId: 'm', unsavedChars: 12_345, title: 'Notes' },
        { streamId: 's2', modelId: 'm', unsavedChars: 0 },
      ],
    )
    expect(message.split('\n')).toEqual([
      'StreamDesk could not save all of your history before quitting: the disk is full or cannot be written to. These are lost:',
      '• “Plans”: a rename',
      '• “Notes”: the last 12,345 characters of an answer',
      '• An answer: the end of an answer',
    ])
  })

  it("says the same in the UI's language (Japanese), since a native message box is worded by main", () => {
    const message = describeUnsavedAtQuit(
      [{ conversationId: 'c1', title: '旅行の計画', kinds: ['rename', 'pin', 'pin'], answerChars: 1_200 }],
      [{ streamId: 's1', modelId: 'm', unsavedChars: 345, title: 'Notes' }],
      'ja',
    )
    expect(message.split('\n')).toEqual([
      'ディスクの空き容量がないか書き込めないため、StreamDesk は終了前に履歴をすべて保存できませんでした。次の内容は失われます:',
      '• “旅行の計画”: 名前の変更、2 × ピン留めの変更（回答 1,200 文字）',
      '• “Notes”: 回答の最後の 345 文字',
    ])
  })
})
