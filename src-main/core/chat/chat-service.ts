/**
 * Chat orchestration in the main process: starts a prompt on the backend, takes the chunk messages the MQTT
 * session receives, validates and reorders them per model, and hands the renderer batched, in-order updates.
 * Hostile or broken input is dropped and counted here; nothing a publisher sends can throw out of `receive`.
 */
import { createHash, randomUUID, type Hash } from 'node:crypto'
import { decodeChunk, type FinalMarker } from '../../protocol/stream-protocol'
import type { ChatRequest } from '../../backend/chat-handler'
import type { SendPromptRequest, SendPromptResult, StopStreamRequest, StreamStatus, StreamUpdate } from '../../shared/ipc-contract'
import { ReorderBuffer } from './reorder-buffer'
import { UpdateBatcher } from './update-batcher'
import type { ConversationLog } from './conversation-log'
import type { DiagnosticsRecorder } from '../diagnostics'
import { systemClock, type Clock, type TimerHandle } from '../../lib/clock'

/** How the app asks a backend for work: in-process in local mode, a Lambda invocation in cloud mode. */
export interface ChatBackend {
  /** Resolves once the backend has accepted the request, not when the answers are done. */
  start(request: ChatRequest): Promise<void>
  stop(streamId: string, modelId?: string): Promise<void>
}

export interface ChatServiceOptions {
  userId: string
  topicPrefix: string
  backend: ChatBackend
  /** Where conversations are kept (the history store in the app). */
  conversations: ConversationLog
  /** The label of a configured model, undefined for an unknown id. */
  modelLabel: (modelId: string) => string | undefined
  /** Whether the broker is reachable now; prompts sent while it is not wait in a queue. Default true. */
  online?: boolean
  emitUpdates: (updates: StreamUpdate[]) => void
  diagnostics: DiagnosticsRecorder
  clock?: Clock
  /** A gap open this long marks the column stalled (and is counted). */
  gapTimeoutMs?: number
  /** A column that hears nothing for this long ends with a timeout error. */
  silenceTimeoutMs?: number
  /** After the user presses stop, the backend's "stopped" chunk is awaited this long before stopping locally. */
  stopGraceMs?: number
  tickMs?: number
  updateIntervalMs?: number
}

interface ModelStream {
  readonly buffer: ReorderBuffer
  /** Of the text released so far, to check against the final marker's digest. */
  readonly textHash: Hash
  status: StreamStatus
  lastHeardAt: number
  stalled: boolean
  stopRequestedAt?: number
}

interface ActiveStream {
  models: Map<string, ModelStream>
  /** The backend request, kept while the stream waits for the connection. */
  queued?: ChatRequest
}

const isOpen = (status: StreamStatus) => status === 'streaming' || status === 'queued'

const RECENTLY_FINISHED_LIMIT = 1_000

export class ChatService {
  private readonly active = new Map<string, ActiveStream>()
  /** Streams that ended recently: their late redeliveries are duplicates, not unknown streams. */
  private readonly recentlyFinished = new Set<string>()
  private online: boolean
  private readonly batcher: UpdateBatcher
  private readonly clock: Clock
  private ticker: TimerHandle | undefined
  private readonly gapTimeoutMs: number
  private readonly silenceTimeoutMs: number
  private readonly stopGraceMs: number
  private readonly tickMs: number

  constructor(private readonly options: ChatServiceOptions) {
    this.clock = options.clock ?? systemClock
    this.batcher = new UpdateBatcher(options.emitUpdates, options.updateIntervalMs, this.clock)
    this.gapTimeoutMs = options.gapTimeoutMs ?? 5_000
    this.silenceTimeoutMs = options.silenceTimeoutMs ?? 150_000
    this.stopGraceMs = options.stopGraceMs ?? 5_000
    this.tickMs = options.tickMs ?? 1_000
    this.online = options.online ?? true
  }

  get activeStreamCount(): number {
    return this.active.size
  }

  async send(request: SendPromptRequest): Promise<SendPromptResult> {
    const { conversations } = this.options
    const models = request.modelIds.map((id) => ({ id, label: this.options.modelLabel(id) }))
    const unknown = models.filter((m) => m.label === undefined).map((m) => m.id)
    if (unknown.length > 0) throw new Error(`Unknown model: ${unknown.join(', ')}`)
    const context = request.conversationId === undefined ? undefined : conversations.contextFor(request.conversationId, request.modelIds)
    if (request.conversationId !== undefined && !context) throw new Error('That conversation no longer exists; start a new chat.')
    const conversationId = request.conversationId ?? conversations.start(request.prompt)
    const streamId = randomUUID()
    const chatRequest: ChatRequest = {
      userId: this.options.userId,
      streamId,
      models: request.modelIds.map((modelId) => ({
        modelId,
        messages: [...(context?.get(modelId) ?? []), { role: 'user', content: request.prompt }],
      })),
    }
    conversations.addTurn(conversationId, request.prompt, streamId, models.map(({ id, label }) => ({ id, label: label! })))
    const status: StreamStatus = this.online ? 'streaming' : 'queued'
    const now = this.clock.now()
    const streams = new Map(
      request.modelIds.map((id) => [id, { buffer: new ReorderBuffer(), textHash: createHash('sha256'), status, lastHeardAt: now, stalled: false } satisfies ModelStream]),
    )
    this.active.set(streamId, { models: streams })
    if (this.online) {
      await this.start(streamId, chatRequest)
    } else {
      this.active.get(streamId)!.queued = chatRequest
      for (const modelId of streams.keys()) this.batcher.add(streamId, modelId, '', { status: 'queued' })
    }
    return { conversationId, streamId }
  }

  /** The broker became reachable (or not): queued prompts go out, in the order they were sent. */
  async setOnline(online: boolean): Promise<void> {
    this.online = online
    if (!online) return
    for (const [streamId, stream] of this.active) {
      const request = stream.queued
      if (!request) continue
      stream.queued = undefined
      const now = this.clock.now()
      for (const [modelId, model] of stream.models) {
        if (model.status !== 'queued') continue
        model.status = 'streaming'
        model.lastHeardAt = now
        this.batcher.add(streamId, modelId, '', { status: 'streaming' })
      }
      await this.start(streamId, request)
    }
  }

  async stop(request: StopStreamRequest): Promise<void> {
    const stream = this.active.get(request.streamId)
    if (!stream) return
    const chosen = [...stream.models].filter(([modelId]) => request.modelId === undefined || request.modelId === modelId)
    if (stream.queued) {
      // Never sent: cancelled here, and the backend is not asked for the cancelled models.
      stream.queued.models = stream.queued.models.filter((m) => !chosen.some(([id]) => id === m.modelId))
      for (const [modelId] of chosen) this.end(request.streamId, modelId, 'stopped')
      return
    }
    const now = this.clock.now()
    for (const [, model] of chosen) if (model.status === 'streaming') model.stopRequestedAt ??= now
    await this.options.backend.stop(request.streamId, request.modelId)
  }

  private async start(streamId: string, request: ChatRequest): Promise<void> {
    this.ensureTicker()
    try {
      await this.options.backend.start(request)
    } catch (error) {
      const message = `The backend did not accept the prompt: ${(error as Error).message}`
      this.options.diagnostics.error(message)
      for (const { modelId } of request.models) this.end(streamId, modelId, 'error', { code: 'internal', message })
    }
  }

  /** Entry point for every MQTT message on the user's stream filter. Never throws. */
  receive(topic: string, payload: Uint8Array): void {
    const { diagnostics } = this.options
    diagnostics.received()
    const decoded = decodeChunk(topic, payload, { prefix: this.options.topicPrefix, userId: this.options.userId })
    if (!decoded.ok) return diagnostics.reject(decoded.reason)
    const chunk = decoded.message
    const stream = this.active.get(chunk.streamId)
    if (!stream) {
      return this.recentlyFinished.has(chunk.streamId) ? diagnostics.duplicate() : diagnostics.reject('unknown-stream')
    }
    const model = stream.models.get(chunk.modelId)
    if (!model) return diagnostics.reject('unknown-model')
    if (model.status !== 'streaming') return diagnostics.duplicate()

    const now = this.clock.now()
    model.lastHeardAt = now
    const outcome = model.buffer.accept(chunk, now)
    switch (outcome.kind) {
      case 'duplicate':
        return diagnostics.duplicate()
      case 'rejected':
        return diagnostics.reject(outcome.reason)
      case 'held':
        return
      case 'released':
        diagnostics.delivered()
        model.textHash.update(outcome.text)
        if (outcome.text) this.options.conversations.progress(chunk.streamId, chunk.modelId, outcome.text)
        if (outcome.final) return this.endVerified(chunk.streamId, chunk.modelId, model, outcome.final, outcome.text)
        this.batcher.add(chunk.streamId, chunk.modelId, outcome.text, { status: 'streaming', ...this.stallChange(model) })
    }
  }

  dispose(): void {
    if (this.ticker !== undefined) this.clock.clearTimeout(this.ticker)
    this.ticker = undefined
    this.batcher.flush()
  }

  /**
   * Ends a stream by its final marker, unless the text that arrived does not hash to the digest it carries. A
   * final without a digest cannot vouch for the text, so it counts as a mismatch (every sender includes one).
   */
  private endVerified(streamId: string, modelId: string, model: ModelStream, final: FinalMarker, lastText: string): void {
    if (model.textHash.digest('hex') !== final.sha256) {
      this.options.diagnostics.reject('checksum-mismatch')
      const message = 'The answer arrived damaged: its text does not match the checksum the model sent. It is incomplete.'
      return this.end(streamId, modelId, 'error', { code: 'incomplete', message }, final, lastText)
    }
    this.end(streamId, modelId, final.status, final.error, final, lastText)
  }

  private end(
    streamId: string,
    modelId: string,
    status: 'complete' | 'stopped' | 'error',
    error?: { code: string; message: string },
    final?: FinalMarker,
    lastText = '',
  ): void {
    const stream = this.active.get(streamId)
    const model = stream?.models.get(modelId)
    if (!stream || !model) return
    model.status = status
    model.stalled = false
    this.options.conversations.finish(streamId, modelId, {
      status,
      ...(error ? { error } : {}),
      ...(final?.usage ? { usage: final.usage } : {}),
    })
    this.batcher.add(streamId, modelId, lastText, {
      status,
      stalled: false,
      ...(error ? { error } : {}),
      ...(final?.usage ? { usage: final.usage } : {}),
    })
    if (status === 'error' && error) this.options.diagnostics.error(`${modelId}: ${error.code}: ${error.message}`)
    if (![...stream.models.values()].some((m) => isOpen(m.status))) this.retire(streamId)
  }

  private retire(streamId: string): void {
    this.active.delete(streamId)
    this.recentlyFinished.add(streamId)
    if (this.recentlyFinished.size > RECENTLY_FINISHED_LIMIT) {
      this.recentlyFinished.delete(this.recentlyFinished.values().next().value as string)
    }
  }

  /** Text moving again ends a stall; the renderer hears of it with the text. */
  private stallChange(model: ModelStream): Partial<StreamUpdate> {
    if (!model.stalled) return {}
    model.stalled = false
    return { stalled: false }
  }

  private ensureTicker(): void {
    this.ticker ??= this.clock.setTimeout(() => {
      this.ticker = undefined
      this.tick()
      if (this.active.size > 0) this.ensureTicker()
    }, this.tickMs)
  }

  /** Time-based checks, once a second while anything streams: gaps, silence, unanswered stops. */
  private tick(): void {
    const now = this.clock.now()
    for (const [streamId, stream] of this.active) {
      for (const [modelId, model] of stream.models) {
        if (model.status !== 'streaming') continue
        if (model.stopRequestedAt !== undefined && now - model.stopRequestedAt >= this.stopGraceMs) {
          this.end(streamId, modelId, 'stopped')
        } else if (now - model.lastHeardAt >= this.silenceTimeoutMs) {
          const seconds = Math.round(this.silenceTimeoutMs / 1000)
          this.end(streamId, modelId, 'error', { code: 'timeout', message: `Nothing arrived for ${seconds} s; the answer is incomplete.` })
        } else {
          const gap = model.buffer.checkGap(now, this.gapTimeoutMs)
          if (!gap) continue
          model.stalled = true
          this.options.diagnostics.gap()
          this.options.diagnostics.error(`${modelId}: chunk ${gap.missingSeq} missing for ${gap.openForMs} ms`)
          this.batcher.add(streamId, modelId, '', { status: 'streaming', stalled: true })
        }
      }
    }
  }
}
