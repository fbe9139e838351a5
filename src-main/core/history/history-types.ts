/** The history store's public shapes. Timestamps are epoch milliseconds; text offsets are UTF-16 code units. */
import type { ConversationSummary, HighlightedText } from '../../shared/ipc-contract'

// The same shapes in the store and in the IPC contract: one definition, the contract's.
export type { ConversationSummary, HighlightedText }

export const ANSWER_STATUSES = ['streaming', 'complete', 'stopped', 'error', 'interrupted'] as const
/** 'interrupted': the app stopped (crash, kill, power loss) while the answer was still streaming. */
export type AnswerStatus = (typeof ANSWER_STATUSES)[number]
/** How a stream that the app saw to its end can finish. */
export type FinishedAnswerStatus = 'complete' | 'stopped' | 'error'

export interface TokenUsage {
  inputTokens?: number
  outputTokens?: number
}

export interface AnswerError {
  code: string
  message: string
}

export interface ModelRef {
  id: string
  label: string
}

export interface StoredAnswer {
  id: number
  modelId: string
  modelLabel: string
  text: string
  status: AnswerStatus
  error?: AnswerError
  usage?: TokenUsage
  startedAt: number
  updatedAt: number
}

export interface StoredTurn {
  id: number
  /** 0-based position in the conversation. */
  index: number
  prompt: string
  streamId: string
  createdAt: number
  /** In the order the models were given to `addTurn` (the column order). */
  answers: StoredAnswer[]
}

export interface ConversationDetail extends ConversationSummary {
  turns: StoredTurn[]
}

export interface AddedTurn {
  turnId: number
  index: number
}

/** The end of a stream. `text`, when given, replaces the stored text (the writer passes the full answer). */
export interface AnswerOutcome {
  status: FinishedAnswerStatus
  text?: string
  error?: AnswerError
  usage?: TokenUsage
}

export interface SearchHit {
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

export interface SearchResults {
  /** 'full-text' uses the trigram index; 'recent-scan' reads recent messages for queries of 1–2 characters. */
  mode: 'full-text' | 'recent-scan' | 'empty'
  hits: SearchHit[]
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
}

/** The result of the full page check that runs after open. */
export type IntegrityReport =
  | { status: 'ok' }
  /** `message` is for the user; the file is set aside at the next start. */
  | { status: 'damaged'; problems: string[]; message: string }
  /** The check could not run; nothing is known about the file. */
  | { status: 'unverified'; reason: string }
