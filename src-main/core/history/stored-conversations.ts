import type { ChatMessage } from '../../backend/model-provider'
import type { AnswerDelta, AnswerEnd, ConversationLog, Regeneration, StoredChannels } from '../chat/conversation-log'
import type { AnswerWriter } from './answer-writer'
import type { HistoryStore } from './history-store'
import type { ModelRef, TurnRecord } from './history-types'

/**
 * The chat service's conversation log on the history store: turns are written when sent, answers as they stream
 * through the throttled AnswerWriter, so continuing a conversation works the same after a restart.
 */
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

  contextFor(conversationId: string, modelIds: string[]): Map<string, ChatMessage[]> | undefined {
    const conversation = this.store.getConversation(conversationId)
    if (!conversation) return undefined
    return new Map(modelIds.map((id) => [id, contextOf(conversation.turns, id)]))
  }

  regenerationOf(conversationId: string, turnStreamId: string, modelId: string): Regeneration | undefined {
    const turns = this.store.getConversation(conversationId)?.turns
    const at = turns?.findIndex((turn) => turn.streamId === turnStreamId) ?? -1
    if (!turns || at < 0) return undefined
    return { prompt: turns[at]!.prompt, context: contextOf(turns.slice(0, at), modelId) }
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
  ): void {
    this.store.addTurn(conversationId, prompt, streamId, models)
    this.onChanged()
  }

  progress(streamId: string, modelId: string, delta: AnswerDelta): void {
    this.writer.append(streamId, modelId, delta.text, delta.reasoning)
  }

  finish(streamId: string, modelId: string, end: AnswerEnd): void {
    this.writer.finish(streamId, modelId, end)
  }

  reopen(streamId: string, modelId: string): StoredChannels | undefined {
    return this.store.reopenInterrupted(streamId, modelId)
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
    if (answer) messages.push({ role: 'user', content: turn.prompt }, { role: 'assistant', content: answer.text })
  }
  return messages
}
