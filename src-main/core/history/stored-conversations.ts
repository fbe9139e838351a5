import type { ChatMessage } from '../../backend/model-provider'
import type {
  AnswerDelta,
  AnswerEnd,
  Continuation,
  ConversationLog,
  Regeneration,
  StoredChannels,
} from '../chat/conversation-log'
import type { AnswerWriter } from './answer-writer'
import type { HistoryStore } from './history-store'
import type { ConversationRecord, ModelRef, TurnRecord } from './history-types'

/**
 * The chat service's conversation log on the history store: turns are written when sent, answers as they stream
 * through the throttled AnswerWriter, so continuing a conversation works the same after a restart.
 */
import type { AttachmentRef, TurnAttachment } from '../../shared/attachment'
import type { WireAttachment } from '../../backend/attachment-parts'
import { wireAttachment } from '../attachments/attachment-catalog'
export class StoredConversations implements ConversationLog {
  constructor(
    private readonly store: HistoryStore,
    private readonly writer: AnswerWriter,
    private readonly onChanged: () => void,
  ) {}

  start(firstPrompt: string): string {
    const { id } = this.store.createConversation(firstPrompt)
    this.onChanged()
    return id
  }

  adopt(conversationId: string, firstPrompt: string): void {
    if (this.store.getConversation(conversationId)) return
    this.store.createConversation(firstPrompt, { id: conversationId, askedElsewhere: true })
    this.onChanged()
  }

  hasStream(streamId: string): boolean {
    return this.store.hasStream(streamId)
  }

  contextFor(
    conversationId: string,
    modelIds: string[],
    after?: string | null,
  ): Map<string, ChatMessage[]> | undefined {
    const turns = this.store.getConversation(conversationId)?.turns
    const path = turns && pathTo(turns, after)
    if (!path) return undefined
    return new Map(modelIds.map((id) => [id, contextOf(path, id)]))
  }

  regenerationOf(conversationId: string, turnStreamId: string, modelId: string): Regeneration | undefined {
    const conversation = this.store.getConversation(conversationId)
    return conversation && regenerationAt(conversation, turnStreamId, modelId)
  }

  attachmentsOf(conversationId: string, turnStreamId: string): AttachmentRef[] | undefined {
    const turn = this.store.getConversation(conversationId)?.turns.find((t) => t.streamId === turnStreamId)
    // What a column did not get, and a file's state when read back, belong to that turn, not to the file.
    return turn && (turn.attachments ?? []).map(({ withheld: _withheld, status: _status, ...ref }) => ref)
  }

  continuationOf(conversationId: string, streamId: string, modelId: string): Continuation | undefined {
    const conversation = this.store.getConversation(conversationId)
    for (const turn of conversation?.turns ?? []) {
      const answer = turn.answers.find((a) => a.streamId === streamId && a.modelId === modelId)
      const regeneration = answer && regenerationAt(conversation!, turn.streamId, modelId)
      if (!answer || !regeneration) continue
      const { text, reasoning, status } = answer
      const stopReason = answer.end?.stopReason
      return {
        ...regeneration,
        turnStreamId: turn.streamId,
        answer: { text, reasoning, status, ...(stopReason !== undefined ? { stopReason } : {}) },
      }
    }
    return undefined
  }

  addAttempt(conversationId: string, turnStreamId: string, streamId: string, model: ModelRef): void {
    this.store.addAttempt(conversationId, turnStreamId, model, streamId)
    this.onChanged()
  }

  addTurn(
    conversationId: string,
    prompt: string,
    streamId: string,
    models: Array<{ id: string; label: string }>,
    after?: string | null,
    attachments?: TurnAttachment[],
  ): void {
    this.store.addTurn(conversationId, prompt, streamId, models, after, attachments)
    this.onChanged()
  }

  setSystemPrompt(conversationId: string, text: string): void {
    this.store.setSystemPrompt(conversationId, text)
  }

  progress(streamId: string, modelId: string, delta: AnswerDelta): void {
    this.writer.append(streamId, modelId, delta.text, delta.reasoning)
  }

  finish(streamId: string, modelId: string, end: AnswerEnd): void {
    this.writer.finish(streamId, modelId, end)
  }

  reopen(streamId: string, modelId: string): StoredChannels | undefined {
    const stored = this.store.reopenInterrupted(streamId, modelId)
    // What is stored stays; the writer appends what follows to it.
    if (stored) this.writer.resume(streamId, modelId, stored)
    return stored
  }
}

/** The turn carried by `turnStreamId` as asking `modelId` again there needs it: its prompt and the context before. */
function regenerationAt(
  conversation: ConversationRecord,
  turnStreamId: string,
  modelId: string,
): Regeneration | undefined {
  const path = pathTo(conversation.turns, turnStreamId)
  const turn = path?.at(-1)
  if (!path || !turn) return undefined
  const systemPrompt = conversation.systemPrompt !== undefined ? { systemPrompt: conversation.systemPrompt } : {}
  const attachments = attachmentsGiven(turn, modelId)
  return {
    prompt: turn.prompt,
    context: contextOf(path.slice(0, -1), modelId),
    ...systemPrompt,
    ...(attachments ? { attachments } : {}),
  }
}

/**
 * One model's context from `turns`: each turn it answered, with its own answer (even a partial one), not the other
 * columns'. Of several attempts (regenerated answers) the newest one with text counts, the version a user last
 * asked for; earlier ones are versions kept for reading, never sent again.
 */
function contextOf(turns: readonly TurnRecord[], modelId: string): ChatMessage[] {
  const messages: ChatMessage[] = []
  for (const turn of turns) {
    const answer = turn.answers.findLast((a) => a.modelId === modelId && a.text !== '')
    if (!answer) continue
    const attachments = attachmentsGiven(turn, modelId)
    messages.push(
      { role: 'user', content: turn.prompt, ...(attachments ? { attachments } : {}) },
      { role: 'assistant', content: answer.text },
    )
  }
  return messages
}

/**
 * The attachments the model was given with a turn, as the chat request names them: a follow-up or a new version
 * sends them again (a model keeps nothing between requests), and never one the model did not get the first time.
 */
function attachmentsGiven(turn: TurnRecord, modelId: string): WireAttachment[] | undefined {
  const given = (turn.attachments ?? []).filter((attachment) => attachment.withheld?.[modelId] === undefined)
  return given.length > 0 ? given.map(wireAttachment) : undefined
}

/**
 * The branch that ends at the turn carried by `after` (null: before the first turn, so none; undefined: the latest
 * turn), from the first turn down: the turns a model sees as context there. Undefined when that turn is unknown.
 */
function pathTo(turns: readonly TurnRecord[], after: string | null | undefined): TurnRecord[] | undefined {
  if (after === null) return []
  const last = after === undefined ? turns.at(-1) : turns.find((turn) => turn.streamId === after)
  if (!last) return after === undefined ? [] : undefined
  const byId = new Map(turns.map((turn) => [turn.id, turn]))
  const path: TurnRecord[] = []
  for (let turn: TurnRecord | undefined = last; turn; turn = byId.get(turn.parentTurnId ?? -1)) path.push(turn)
  return path.reverse()
}
