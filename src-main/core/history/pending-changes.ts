/**
 * Changes the user made while the disk was full (issue 19): kept in memory, in order, and shown by the store's reads
 * as if they were written, until the store can write them. A kept turn holds its answers' records, so the text that
 * streams into them is kept with it and written with the turn (a turn is always written before its answers).
 */
import { KEPT_CHANGE_WORDS } from '../../shared/user-message'
import type { UiLanguage } from '../../shared/ui-language'
import type { TurnAttachment } from '../../shared/attachment'
import type { AnswerRecord, ConversationRecord, ConversationSummary, ModelRef, TurnRecord } from './history-types'

export type PendingChange =
  | { kind: 'new chat'; conversationId: string; summary: ConversationSummary }
  | {
      kind: 'turn'
      conversationId: string
      /** As `addTurn` got it: which turn this one follows, found again when it is written. */
      after: string | null | undefined
      models: readonly ModelRef[]
      attachments: readonly TurnAttachment[]
      /** As the reads show it; its answers are the live records streaming text goes into. */
      turn: TurnRecord
    }
  | { kind: 'attempt'; conversationId: string; turnStreamId: string; answer: AnswerRecord }
  | { kind: 'rename'; conversationId: string; title: string }
  | { kind: 'pin'; conversationId: string; pinned: boolean }
  | { kind: 'system prompt'; conversationId: string; text: string }
  | { kind: 'delete'; conversationId: string }

/**
 * How many changes may wait, and how many characters of prompts and titles they may hold (streaming answers' text
 * is not counted: the answer writer would hold it in memory all the same). Past either, a change is refused.
 */
export const MAX_PENDING_CHANGES = 1_000
export const MAX_PENDING_CHARS = 4_000_000

/** What could not be saved, per conversation, in the order the changes were made. */
export interface UnsavedConversation {
  conversationId: string
  title: string
  kinds: Array<PendingChange['kind']>
  /** Characters of answers (text and reasoning) held only in memory. */
  answerChars: number
}

export class PendingChanges {
  private changes: PendingChange[] = []
  /** Answers of kept turns and attempts, by stream and model: where their streaming text goes. */
  private readonly answers = new Map<string, AnswerRecord>()
  private chars = 0
  /** Kept turns and answers get negative ids, which no row has. */
  private nextId = -1

  get size(): number {
    return this.changes.length
  }

  /** The oldest `count` changes, to write in this order. */
  oldest(count: number): PendingChange[] {
    return this.changes.slice(0, count)
  }

  newId(): number {
    return this.nextId--
  }

  /** Whether one more change of this size fits the bounds. */
  fits(change: PendingChange): boolean {
    return this.changes.length < MAX_PENDING_CHANGES && this.chars + charsOf(change) <= MAX_PENDING_CHARS
  }

  add(change: PendingChange): void {
    if (change.kind === 'delete' && this.isNew(change.conversationId)) {
      // Never written: forgetting it is its deletion (its answers' streams find no row and stop being saved).
      for (const dropped of this.changes.filter((c) => c.conversationId === change.conversationId)) this.forget(dropped)
      this.changes = this.changes.filter((c) => c.conversationId !== change.conversationId)
      return
    }
    this.changes.push(change)
    this.chars += charsOf(change)
    for (const answer of answersOf(change)) this.answers.set(answerKey(answer.streamId, answer.modelId), answer)
  }

  /** Drops the oldest change once it is written (or failed for good). */
  shift(): void {
    const change = this.changes.shift()
    if (change) this.forget(change)
  }

  /** Forgets everything (the store is closing). */
  clear(): void {
    this.changes = []
    this.answers.clear()
    this.chars = 0
  }

  answer(streamId: string, modelId: string): AnswerRecord | undefined {
    return this.answers.get(answerKey(streamId, modelId))
  }

  /** The conversation of a kept turn or attempt carried by this stream. */
  conversationOfStream(streamId: string): string | undefined {
    for (const change of this.changes) {
      if (change.kind === 'turn' && change.turn.streamId === streamId) return change.conversationId
      if (change.kind === 'attempt' && change.answer.streamId === streamId) return change.conversationId
    }
    return undefined
  }

  /** The conversations a kept change touches: the reads show these from `apply`. */
  affected(): Set<string> {
    return new Set(this.changes.map((change) => change.conversationId))
  }

  /** Ids of conversations that exist only here (a kept new chat), oldest first. */
  newConversationIds(): string[] {
    return this.changes.flatMap((change) => (change.kind === 'new chat' ? [change.conversationId] : []))
  }

  isDeleted(conversationId: string): boolean {
    return this.changes.some((change) => change.kind === 'delete' && change.conversationId === conversationId)
  }

  /**
   * The conversation as the reads show it: `stored` (undefined when the file does not hold it) with the kept
   * changes made to it, in order. Copies: a caller may change what it gets.
   */
  apply(conversationId: string, stored: ConversationRecord | undefined): ConversationRecord | undefined {
    let record = stored && { ...stored, turns: [...stored.turns] }
    for (const change of this.changes) {
      if (change.conversationId !== conversationId) continue
      if (change.kind === 'new chat') record = { ...change.summary, turns: [] }
      else if (change.kind === 'delete') record = undefined
      else if (!record) continue
      else if (change.kind === 'rename') record.title = change.title
      else if (change.kind === 'pin') record.pinned = change.pinned
      else if (change.kind === 'system prompt') {
        if (change.text === '') delete record.systemPrompt
        else record.systemPrompt = change.text
      } else if (change.kind === 'turn') {
        record.turns.push(structuredClone(change.turn))
        record.updatedAt = change.turn.createdAt
      } else {
        record.updatedAt = change.answer.startedAt
        const at = record.turns.findIndex((turn) => turn.streamId === change.turnStreamId)
        if (at === -1) continue
        const turn = record.turns[at]!
        const answers = [...turn.answers]
        const lastOfModel = answers.findLastIndex((answer) => answer.modelId === change.answer.modelId)
        answers.splice(lastOfModel === -1 ? answers.length : lastOfModel + 1, 0, structuredClone(change.answer))
        record.turns[at] = { ...turn, answers }
      }
    }
    return record
  }

  /** What would be lost if the store closed now, per conversation (titles as the reads show them). */
  unsaved(titleOf: (conversationId: string) => string | undefined): UnsavedConversation[] {
    const byConversation = new Map<string, UnsavedConversation>()
    for (const change of this.changes) {
      const { conversationId } = change
      let entry = byConversation.get(conversationId)
      if (!entry) {
        entry = { conversationId, title: '', kinds: [], answerChars: 0 }
        byConversation.set(conversationId, entry)
      }
      entry.kinds.push(change.kind)
      for (const answer of answersOf(change)) entry.answerChars += answer.text.length + answer.reasoning.length
    }
    for (const entry of byConversation.values()) {
      const last = this.changes.findLast(
        (change): change is Extract<PendingChange, { kind: 'rename' | 'new chat' }> =>
          change.conversationId === entry.conversationId && (change.kind === 'rename' || change.kind === 'new chat'),
      )
      entry.title =
        titleOf(entry.conversationId) ??
        (last?.kind === 'rename' ? last.title : last?.kind === 'new chat' ? last.summary.title : entry.conversationId)
    }
    return [...byConversation.values()]
  }

  private isNew(conversationId: string): boolean {
    return this.changes.some((change) => change.kind === 'new chat' && change.conversationId === conversationId)
  }

  private forget(change: PendingChange): void {
    this.chars -= charsOf(change)
    for (const answer of answersOf(change)) this.answers.delete(answerKey(answer.streamId, answer.modelId))
  }
}

/** "New chat “Notes” (1,204 characters of answers); rename of “Plans”": one line per conversation, for the user. */
export function describeUnsaved(conversations: readonly UnsavedConversation[], language: UiLanguage = 'en'): string[] {
  return conversations.map(({ title, kinds, answerChars }) => {
    const counts = new Map<PendingChange['kind'], number>()
    for (const kind of kinds) counts.set(kind, (counts.get(kind) ?? 0) + 1)
    const what = [...counts].map(([kind, n]) =>
      n === 1 ? describeKind(kind, language) : `${n} × ${describeKind(kind, language)}`,
    )
    const chars =
      answerChars === 0
        ? ''
        : language === 'ja'
          ? `（回答 ${answerChars.toLocaleString('ja')} 文字）`
          : ` (${answerChars.toLocaleString('en-US')} characters of answers)`
    return `“${title}”: ${what.join(language === 'ja' ? '、' : ', ')}${chars}`
  })
}

/** "a rename": a kind of change in words, for the user. */
export function describeKind(kind: PendingChange['kind'], language: UiLanguage = 'en'): string {
  return KEPT_CHANGE_WORDS[language][kind]
}

function answersOf(change: PendingChange): AnswerRecord[] {
  if (change.kind === 'turn') return change.turn.answers
  if (change.kind === 'attempt') return [change.answer]
  return []
}

function charsOf(change: PendingChange): number {
  switch (change.kind) {
    case 'new chat':
      return change.summary.title.length
    case 'turn':
      return change.turn.prompt.length
    case 'rename':
      return change.title.length
    case 'system prompt':
      return change.text.length
    default:
      return 0
  }
}

function answerKey(streamId: string, modelId: string): string {
  return `${streamId}\u0000${modelId}`
}
