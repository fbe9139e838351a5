import { randomUUID } from 'node:crypto'
import type { ChatMessage } from '../../backend/model-provider'

interface Turn {
  prompt: string
  /** Each model's answer to this prompt, as far as it got. */
  answers: Map<string, string>
}

const MAX_CONVERSATIONS = 100

/**
 * The conversations of this run, so a follow-up prompt reaches each model with its own earlier answers as
 * context. (Durable history on disk is the history store's job.)
 */
export class ConversationMemory {
  private readonly conversations = new Map<string, Turn[]>()

  create(): string {
    const id = randomUUID()
    this.conversations.set(id, [])
    if (this.conversations.size > MAX_CONVERSATIONS) {
      const oldest = this.conversations.keys().next().value
      if (oldest !== undefined) this.conversations.delete(oldest)
    }
    return id
  }

  has(conversationId: string): boolean {
    return this.conversations.has(conversationId)
  }

  /** The messages to send `modelId` for a new prompt: earlier turns it answered, then the prompt. */
  messagesFor(conversationId: string, modelId: string, prompt: string): ChatMessage[] {
    const messages: ChatMessage[] = []
    for (const turn of this.conversations.get(conversationId) ?? []) {
      const answer = turn.answers.get(modelId)
      if (!answer) continue
      messages.push({ role: 'user', content: turn.prompt }, { role: 'assistant', content: answer })
    }
    messages.push({ role: 'user', content: prompt })
    return messages
  }

  /** Returns a setter for the answers of the new turn. */
  addTurn(conversationId: string, prompt: string): (modelId: string, answer: string) => void {
    const turn: Turn = { prompt, answers: new Map() }
    this.conversations.get(conversationId)?.push(turn)
    return (modelId, answer) => turn.answers.set(modelId, answer)
  }
}
