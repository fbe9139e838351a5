import { ChatRequestSchema, streamChat, type ChatRequest, type ModelStreamSummary } from '../../backend/chat-handler'
import type { ModelResolver } from '../../backend/model-provider'
import type { AttachmentSource } from '../../backend/attachment-parts'
import type { Publisher } from '../../backend/publisher'
import { CONNECTION_PUBLISH_LIMITS, PublishPacer, type PublishLimits } from '../../backend/publish-budget'
import type { Clock } from '../../lib/clock'
import type { ChatBackend } from '../chat/chat-service'

export interface LocalChatBackendOptions {
  publisher: Publisher
  models: ModelResolver
  topicPrefix: string
  /**
   * The user connection's publish budget, shared by every prompt and model this backend streams (IoT Core's limits
   * with headroom, as in the cloud); `false` publishes each model at its own window's pace (the old behaviour).
   */
  publishLimits?: PublishLimits | false
  clock?: Clock
  attachments?: AttachmentSource
  onSettled?: (streamId: string, summaries: ModelStreamSummary[]) => void
  onFailure?: (streamId: string, error: unknown) => void
}

/**
 * Local mode's backend: the chat handler run in-process, as the Lambda would run it, publishing through the
 * embedded broker. Stop aborts the model's generation; the handler then publishes the "stopped" final chunk.
 */
export class LocalChatBackend implements ChatBackend {
  private readonly running = new Map<string, { controllers: Map<string, AbortController>; done: Promise<void> }>()

  /** One budget for the whole app: local mode serves one user, whose every stream shares the connection. */
  private readonly publishBudget: PublishPacer | undefined

  constructor(private readonly options: LocalChatBackendOptions) {
    const limits = options.publishLimits ?? CONNECTION_PUBLISH_LIMITS
    this.publishBudget = limits === false ? undefined : new PublishPacer(options.publisher, limits, options.clock)
  }

  async start(request: ChatRequest): Promise<void> {
    const valid = ChatRequestSchema.parse(request)
    const controllers = new Map(valid.models.map(({ modelId }) => [modelId, new AbortController()]))
    const { publisher, models, topicPrefix, attachments, onSettled, onFailure } = this.options
    const stopSignal = (id: string) => controllers.get(id)?.signal
    const done = streamChat(valid, {
      publisher,
      ...(this.publishBudget ? { publishBudget: this.publishBudget } : {}),
      ...(this.options.clock ? { clock: this.options.clock } : {}),
      models,
      topicPrefix,
      stopSignal,
      ...(attachments ? { attachments } : {}),
    })
      .then((summaries) => onSettled?.(valid.streamId, summaries))
      .catch((error: unknown) => onFailure?.(valid.streamId, error))
      .finally(() => this.running.delete(valid.streamId))
    this.running.set(valid.streamId, { controllers, done })
  }

  async stop(streamId: string, modelId?: string): Promise<void> {
    for (const [id, controller] of this.running.get(streamId)?.controllers ?? []) {
      if (modelId === undefined || modelId === id) controller.abort()
    }
  }

  /** Stops every stream and waits until their final chunks are out. */
  async close(): Promise<void> {
    const all = [...this.running.values()]
    for (const { controllers } of all) for (const controller of controllers.values()) controller.abort()
    await Promise.all(all.map(({ done }) => done))
  }
}
