/** The history store's public shapes. Timestamps are epoch milliseconds; text offsets are UTF-16 code units. */
import type { AnswerEnd, AnswerEndDetails, AnswerError, StoredStatus, TokenUsage } from '../../shared/answer'
import type { ConversationSummary, HighlightedText } from '../../shared/ipc-contract'
import type { TurnAttachment } from '../../shared/attachment'

// The same shapes in the store and in the IPC contract: one definition, the contract's. The records below are the
// store's own; `history-views.ts` maps them to the contract's types, in one place.
export type { ConversationSummary, HighlightedText }

export interface ModelRef {
  id: string
  label: string
}

/** One row of `answers`: one attempt of one model at one turn's prompt. */
export interface AnswerRecord {
  id: number
  modelId: string
  modelLabel: string
  /** The stream that carried this attempt: the turn's own stream for attempt 1, a new one for a regenerated answer. */
  streamId: string
  /** 1 for the answer given with the turn; each regeneration of the same model at the same turn adds one. */
  attempt: number
  text: string
  /** The model's reasoning, '' when it gave none (not searched: search covers answer text only). */
  reasoning: string
  status: StoredStatus
  error?: AnswerError
  usage?: TokenUsage
  /** Why it stopped, its tools, redacted blocks and metrics, when the backend said (schema 4 on). */
  end?: AnswerEndDetails
  startedAt: number
  updatedAt: number
}

/** One row of `turns`: a prompt and every answer to it. */
export interface TurnRecord {
  id: number
  /** 0-based, in the order the turns were added to the conversation. */
  index: number
  /** The turn this one follows (null for a conversation's first): the turns form a tree, a linear history a path. */
  parentTurnId: number | null
  prompt: string
  streamId: string
  createdAt: number
  /** Per model in the order the models were given to `addTurn` (the column order), each model's attempts in order. */
  answers: AnswerRecord[]
  /** The files sent with the prompt (schema 7), in order; absent when none. */
  attachments?: TurnAttachment[]
}

export interface ConversationRecord extends ConversationSummary {
  turns: TurnRecord[]
  /** Absent when the conversation has none. */
  systemPrompt?: string
}

export interface AddedAttempt {
  turnId: number
  /** 2 for the first regeneration of a model's answer at that turn, and so on. */
  attempt: number
}

export interface AddedTurn {
  turnId: number
  index: number
}

/**
 * The end of a stream. `text` and `reasoning`, when given, replace the stored ones (the writer passes the full
 * answer). `usage` stays in its own columns; the other details are kept as the answer's end details.
 */
export interface AnswerOutcome extends AnswerEnd {
  text?: string
  reasoning?: string
}

export interface HistorySearchHit {
  kind: 'prompt' | 'answer'
  conversationId: string
  conversationTitle: string
  turnId: number
  turnIndex: number
  /** Present when an answer matched. */
  answer?: { id: number; modelId: string; modelLabel: string }
  /** When the prompt was sent or the answer started. */
  at: number
  snippet: HighlightedText
}

export interface HistorySearchResults {
  /** 'full-text' uses the trigram index; 'recent-scan' reads recent messages for queries of 1–2 characters. */
  mode: 'full-text' | 'recent-scan' | 'empty'
  hits: HistorySearchHit[]
  /** False when a recent-scan stopped before the oldest messages without filling the page. */
  complete: boolean
}

export type ExportFormat = 'markdown' | 'json'

export interface ImportSummary {
  conversations: number
  turns: number
  answers: number
  /** Conversations that got a new id because the id was already taken. */
  renamedConversations: number
  /** Conversations left out because the history already holds them exactly (same id and content). */
  alreadyPresent: number
}

/** The result of the full page check that runs after open. */
export type IntegrityReport =
  | { status: 'ok' }
  /** `message` is for the user; the file is set aside at the next start. */
  | { status: 'damaged'; problems: string[]; message: string }
  /** The check could not run; nothing is known about the file. */
  | { status: 'unverified'; reason: string }
