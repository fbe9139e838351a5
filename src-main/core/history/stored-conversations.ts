import type { ChatMessage } from '../../backend/model-provider'
import type { AnswerDelta, AnswerEnd, ConversationLog, StoredChannels } from '../chat/conversation-log'
import type { AnswerWriter } from './answer-writer'
import type { HistoryStore } from './history-store'

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
    const context = new Map(modelIds.map((id) => [id, [] as ChatMessage[]]))
    for (const turn of conversation.turns) {
      for (const answer of turn.answers) {
        // A model sees the turns it answered, with its own answer (even a partial one): not the other columns'.
        if (!answer.text) continue
        context
          .get(answer.modelId)
          ?.push({ role: 'user', content: turn.prompt }, { role: 'assistant', content: answer.text })
      }
    }
    return context
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
    return this.store.reopenInterrupted(streamId, modelId)
  }
}
