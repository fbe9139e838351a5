import type { AttachmentRef, TurnAttachment } from '../../shared/attachment'
import type { ChatMessage } from '../../backend/model-provider'
import type { WireAttachment } from '../../backend/attachment-parts'
import type { AnswerEnd, StopReason, StoredStatus } from '../../shared/answer'

export type { AnswerEnd }

/** What arrived in order for one answer, per channel: answer text and the model's reasoning ('' or absent: none). */
export interface AnswerDelta {
  text: string
  reasoning?: string
}

/** An answer's channels as history holds them. */
export interface StoredChannels {
  text: string
  reasoning: string
}

/** What regenerating one model's answer needs: the turn's prompt and that model's context before the turn. */
export interface Regeneration {
  prompt: string
  context: ChatMessage[]
  /** The conversation's own system prompt, when it has one. */
  systemPrompt?: string
  /** The turn's attachments that this model was given, sent with the prompt again. */
  attachments?: WireAttachment[]
}

/** The answer a continuation goes on from, as history holds it. */
export interface ContinuedAnswer extends StoredChannels {
  status: StoredStatus
  stopReason?: StopReason
}

/** What continuing one model's answer needs: its turn (as regenerating it would) and the answer itself. */
export interface Continuation extends Regeneration {
  /** The turn the answer belongs to, named by its own stream id. */
  turnStreamId: string
  answer: ContinuedAnswer
}

/**
 * Where the chat service keeps conversations: each prompt and every model's answer as it streams. The app's
 * implementation is the history store on disk, so a conversation can be continued after a restart.
 */
export interface ConversationLog {
  /** Starts a conversation titled from its first prompt; returns its id. */
  start(firstPrompt: string): string
  /**
   * A prompt asked on another device of the user: its conversation, created with that device's id (titled from
   * the prompt) unless this log has it already. A log without it follows only its own device's prompts.
   */
  adopt?(conversationId: string, firstPrompt: string): void
  /** Whether a turn or an answer of this log is carried by `streamId` (catch-up adds only what is missing). */
  hasStream?(streamId: string): boolean
  /**
   * Each model's earlier turns (its own newest answers) on the branch that ends at the turn carried by `after`
   * (undefined: the latest turn; null: none), or undefined when the conversation or that turn is unknown.
   */
  contextFor(conversationId: string, modelIds: string[], after?: string | null): Map<string, ChatMessage[]> | undefined
  /** A new turn after the turn carried by `after` (undefined: the latest; null: a new first turn). */
  addTurn(
    conversationId: string,
    prompt: string,
    streamId: string,
    models: Array<{ id: string; label: string }>,
    after?: string | null,
    attachments?: TurnAttachment[],
  ): void
  /** The attachments the turn carried by `turnStreamId` was sent with; undefined if the turn is unknown. */
  attachmentsOf?(conversationId: string, turnStreamId: string): AttachmentRef[] | undefined
  /** The turn carried by `turnStreamId`, as regenerating `modelId`'s answer there needs it; undefined if unknown. */
  regenerationOf(conversationId: string, turnStreamId: string, modelId: string): Regeneration | undefined
  /**
   * The answer carried by `streamId` (a turn's own stream or a regenerated attempt's) for `modelId`, with its turn as
   * continuing it needs it; undefined if unknown.
   */
  continuationOf(conversationId: string, streamId: string, modelId: string): Continuation | undefined
  /** A regenerated or continued answer: the model's next attempt at that turn, streaming on `streamId`. */
  addAttempt(conversationId: string, turnStreamId: string, streamId: string, model: { id: string; label: string }): void
  /** Keeps the system prompt a prompt of the conversation was sent with (a log that keeps none may skip it). */
  setSystemPrompt?(conversationId: string, text: string): void
  /** In-order text and reasoning of one answer, as they arrive. */
  progress(streamId: string, modelId: string, delta: AnswerDelta): void
  /** The answer ended: its status and error, and why the model stopped, its tools and metrics where known. */
  finish(streamId: string, modelId: string, end: AnswerEnd): void
  /**
   * Cloud mode's resume after a restart: an answer that was marked interrupted at start-up is streaming again.
   * Returns its text and reasoning so far, or undefined when there is no such interrupted answer (it ended, or was
   * deleted). The log keeps them: the `progress` that follows is appended to them.
   */
  reopen?(streamId: string, modelId: string): StoredChannels | undefined
}
