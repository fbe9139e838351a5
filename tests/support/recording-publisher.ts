import type { Publisher } from '../../src-main/backend/publisher'
import type { ChunkMessage } from '../../src-main/protocol/stream-protocol'

/** A publisher that keeps what it is given, optionally slow or failing, and tracks how many publishes overlap. */
export class RecordingPublisher implements Publisher {
  readonly messages: Array<{ topic: string; message: ChunkMessage }> = []
  inFlight = 0
  maxInFlight = 0
  attempts = 0

  constructor(private readonly behaviour: { delayMs?: number; failFirst?: number; failAlways?: boolean } = {}) {}

  async publish(topic: string, payload: string): Promise<void> {
    this.attempts += 1
    this.inFlight += 1
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    try {
      if (this.behaviour.delayMs) await new Promise((resolve) => setTimeout(resolve, this.behaviour.delayMs))
      if (this.behaviour.failAlways || this.attempts <= (this.behaviour.failFirst ?? 0))
        throw new Error('broker unavailable')
      this.messages.push({ topic, message: JSON.parse(payload) as ChunkMessage })
    } finally {
      this.inFlight -= 1
    }
  }

  forModel(modelId: string): ChunkMessage[] {
    return this.messages
      .map((m) => m.message)
      .filter((m) => m.modelId === modelId)
      .sort((a, b) => a.seq - b.seq)
  }

  textOf(modelId: string): string {
    return this.forModel(modelId)
      .map((m) => m.text)
      .join('')
  }
}
