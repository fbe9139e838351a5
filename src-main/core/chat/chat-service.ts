/**
 * Chat orchestration in the main process: starts a prompt on the backend, takes the chunk messages the MQTT
 * session receives, validates and reorders them per model, and hands the renderer batched, in-order updates.
 * Hostile or broken input is dropped and counted here; nothing a publisher sends can throw out of `receive`.
 *
 * With a StreamRecovery (cloud mode), an answer that cannot complete from its chunks (a gap that stays open, a
 * digest that does not match, silence, or an app restart mid-answer) is completed from the copy the backend kept:
 * fetched with back-off for a bounded time, checked against its SHA-256 and against the text already shown, and
 * appended, so the answer on screen and in history is byte-identical to the model's. If that fails it ends as
 * incomplete, never as finished.
 */
import { createHash, randomUUID, type Hash } from 'node:crypto'
import { decodeChunk, type ChunkMessage, type FinalMarker } from '../../protocol/stream-protocol'
import type { ArchivedAnswer } from '../../protocol/answer-archive'
import type { ChatRequest } from '../../backend/chat-handler'
import type {
  SendPromptRequest,
  SendPromptResult,
  StopStreamRequest,
  StreamStatus,
  StreamUpdate,
} from '../../shared/ipc-contract'
import { ReorderBuffer } from './reorder-buffer'
import { chunkPayload, type ChunkPayload } from './chunk-payload'
import { UpdateBatcher } from './update-batcher'
import type { ConversationLog } from './conversation-log'
import type { StreamRecovery } from './stream-recovery'
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
  /** Completes answers from the backend's stored copy (cloud mode); without it they end incomplete. */
  recovery?: StreamRecovery
  /** How long a recovery keeps asking before the answer is left incomplete. */
  recoveryBudgetMs?: number
  /** First wait between two fetches of a recovery; it doubles up to `recoveryMaxDelayMs`. */
  recoveryRetryMs?: number
  recoveryMaxDelayMs?: number
}

interface ModelStream {
  readonly buffer: ReorderBuffer<ChunkPayload>
  /** Of the text released so far, to check against the final marker's digest. */
  readonly textHash: Hash
  /** Length (UTF-16 code units) of the text released so far: where a recovered copy continues. */
  releasedChars: number
  status: StreamStatus
  lastHeardAt: number
  stalled: boolean
  stopRequestedAt?: number
  /** The final marker, once it arrived (its digest must match a recovered copy too). */
  final?: FinalMarker
  /** A recovery is asking the backend for this answer. */
  recovering: boolean
  /** Resumed after a restart: the text so far came from history, so where the chunks continue is unknown. */
  resumed?: ResumedChunks
}

/** A resumed answer's chunks, kept by sequence number until the final marker says which tail completes the text. */
interface ResumedChunks {
  since: number
  chunks: Map<number, string>
  heldChars: number
  final?: FinalMarker
}

interface ActiveStream {
  models: Map<string, ModelStream>
  /** The backend request, kept while the stream waits for the connection. */
  queued?: ChatRequest
}

const isOpen = (status: StreamStatus) => status === 'streaming' || status === 'queued'

const RECENTLY_FINISHED_LIMIT = 1_000
const DEFAULT_RECOVERY_BUDGET_MS = 10 * 60_000
/** A resumed answer holds at most this much text while waiting for its final marker. */
const MAX_RESUMED_CHARS = 4_000_000
/** How many places a resumed answer's chunks may continue from are tried before fetching the stored copy. */
const MAX_TAIL_CANDIDATES = 32

const newModelStream = (status: StreamStatus, now: number): ModelStream => ({
  buffer: new ReorderBuffer(chunkPayload),
  textHash: createHash('sha256'),
  releasedChars: 0,
  status,
  lastHeardAt: now,
  stalled: false,
  recovering: false,
})

interface RecoveryRun {
  startedAt: number
  attempts: number
  timer?: TimerHandle
  busy: boolean
  lastProblem?: string
}

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
  private readonly recoveries = new Map<string, RecoveryRun>()
  private disposed = false

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
    const context =
      request.conversationId === undefined
        ? undefined
        : conversations.contextFor(request.conversationId, request.modelIds)
    if (request.conversationId !== undefined && !context)
      throw new Error('That conversation no longer exists; start a new chat.')
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
    conversations.addTurn(
      conversationId,
      request.prompt,
      streamId,
      models.map(({ id, label }) => ({ id, label: label! })),
    )
    const status: StreamStatus = this.online ? 'streaming' : 'queued'
    const now = this.clock.now()
    const streams = new Map(request.modelIds.map((id) => [id, newModelStream(status, now)]))
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
    const chosen = [...stream.models].filter(
      ([modelId]) => request.modelId === undefined || request.modelId === modelId,
    )
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

  /**
   * Cloud mode, at start-up (before the session connects, so queued chunks find their stream): the answers that
   * were still streaming when the app last stopped are followed again. Their text so far comes from history; the
   * broker's persistent session delivers the chunks queued meanwhile, and the stored copy completes the rest.
   * Returns how many answers are resumed.
   */
  async resumeOpenStreams(): Promise<number> {
    const { recovery, conversations } = this.options
    if (!recovery || !conversations.reopen) return 0
    let open: Awaited<ReturnType<StreamRecovery['openStreams']>>
    try {
      open = await recovery.openStreams()
    } catch (error) {
      this.options.diagnostics.error(`could not read the open cloud streams: ${(error as Error).message}`)
      return 0
    }
    let resumed = 0
    const now = this.clock.now()
    for (const { streamId, modelIds } of open) {
      if (this.active.has(streamId) || this.recentlyFinished.has(streamId)) continue
      const models = new Map<string, ModelStream>()
      for (const modelId of modelIds) {
        const text = conversations.reopen(streamId, modelId)
        if (text === undefined) {
          recovery.closed(streamId, modelId) // ended, or gone from history
          continue
        }
        const model = newModelStream('streaming', now)
        model.textHash.update(text)
        model.releasedChars = text.length
        model.resumed = { since: now, chunks: new Map(), heldChars: 0 }
        // The history writer starts from the stored text, so what follows is appended to it.
        if (text) conversations.progress(streamId, modelId, text)
        models.set(modelId, model)
        this.batcher.add(streamId, modelId, '', { status: 'streaming' })
      }
      if (models.size === 0) continue
      this.active.set(streamId, { models })
      this.options.diagnostics.note(`resuming ${models.size} answer(s) of stream ${streamId} after a restart`)
      resumed += models.size
    }
    if (resumed > 0) this.ensureTicker()
    return resumed
  }

  private async start(streamId: string, request: ChatRequest): Promise<void> {
    this.ensureTicker()
    this.options.recovery?.opened({ streamId, modelIds: request.models.map((m) => m.modelId) })
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
      return this.recentlyFinished.has(chunk.streamId)
        ? diagnostics.duplicate(chunk)
        : diagnostics.reject('unknown-stream')
    }
    const model = stream.models.get(chunk.modelId)
    if (!model) return diagnostics.reject('unknown-model')
    if (model.status !== 'streaming') return diagnostics.duplicate(chunk)

    const now = this.clock.now()
    model.lastHeardAt = now
    if (model.resumed) return this.acceptResumed(chunk, model, model.resumed)
    const outcome = model.buffer.accept(chunk, now)
    switch (outcome.kind) {
      case 'duplicate':
        return diagnostics.duplicate(chunk)
      case 'rejected':
        return diagnostics.reject(outcome.reason)
      case 'held':
        return
      case 'released':
        diagnostics.delivered(chunk)
        model.textHash.update(outcome.text)
        model.releasedChars += outcome.text.length
        if (outcome.text) this.options.conversations.progress(chunk.streamId, chunk.modelId, outcome.text)
        if (outcome.final) return this.endVerified(chunk.streamId, chunk.modelId, model, outcome.final, outcome.text)
        this.batcher.add(chunk.streamId, chunk.modelId, outcome.text, {
          status: 'streaming',
          ...this.stallChange(model),
        })
    }
  }

  dispose(): void {
    this.disposed = true
    if (this.ticker !== undefined) this.clock.clearTimeout(this.ticker)
    this.ticker = undefined
    for (const run of this.recoveries.values()) if (run.timer !== undefined) this.clock.clearTimeout(run.timer)
    this.recoveries.clear()
    this.batcher.flush()
  }

  /**
   * Ends a stream by its final marker, unless the text that arrived does not hash to the digest it carries. A
   * final without a digest cannot vouch for the text, so it counts as a mismatch (every sender includes one).
   */
  private endVerified(
    streamId: string,
    modelId: string,
    model: ModelStream,
    final: FinalMarker,
    lastText: string,
  ): void {
    model.final = final
    if (model.textHash.copy().digest('hex') !== final.sha256) {
      this.options.diagnostics.reject('checksum-mismatch')
      if (this.options.recovery) {
        if (lastText) this.batcher.add(streamId, modelId, lastText, { status: 'streaming' })
        return this.startRecovery(streamId, modelId, model)
      }
      const message =
        'The answer arrived damaged: its text does not match the checksum the model sent. It is incomplete.'
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
    model.recovering = false
    model.resumed = undefined
    this.options.recovery?.closed(streamId, modelId)
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
        } else if (model.recovering) {
          continue // the recovery ends it, one way or the other
        } else if (model.resumed) {
          // Queued chunks had their chance; the stored copy completes the rest (or says it is not there yet).
          if (now - model.resumed.since >= this.gapTimeoutMs) this.startRecovery(streamId, modelId, model)
        } else if (now - model.lastHeardAt >= this.silenceTimeoutMs && this.options.recovery) {
          this.startRecovery(streamId, modelId, model)
        } else if (now - model.lastHeardAt >= this.silenceTimeoutMs) {
          const seconds = Math.round(this.silenceTimeoutMs / 1000)
          this.end(streamId, modelId, 'error', {
            code: 'timeout',
            message: `Nothing arrived for ${seconds} s; the answer is incomplete.`,
          })
        } else {
          const gap = model.buffer.checkGap(now, this.gapTimeoutMs)
          if (!gap) continue
          model.stalled = true
          this.options.diagnostics.gap({ streamId, modelId })
          this.options.diagnostics.error(`${modelId}: chunk ${gap.missingSeq} missing for ${gap.openForMs} ms`)
          this.batcher.add(streamId, modelId, '', { status: 'streaming', stalled: true })
          if (this.options.recovery) this.startRecovery(streamId, modelId, model)
        }
      }
    }
  }

  // ---- Recovery from the backend's stored copy ------------------------------------------------------------------

  /**
   * A resumed answer's chunk. Once the final marker is in, the text is the stored prefix plus a contiguous tail of
   * chunks ending at the final; which chunk the tail starts at is found by the digest (the broker redelivers what
   * the previous run had not acknowledged, so it is almost always the first one held). No match: fetch the copy.
   */
  private acceptResumed(chunk: ChunkMessage, model: ModelStream, resumed: ResumedChunks): void {
    const { diagnostics } = this.options
    if (resumed.chunks.has(chunk.seq)) return diagnostics.duplicate(chunk)
    if (
      (resumed.final && chunk.seq >= resumed.final.total) ||
      resumed.heldChars + chunk.text.length > MAX_RESUMED_CHARS
    ) {
      return diagnostics.reject('out-of-window')
    }
    resumed.chunks.set(chunk.seq, chunk.text)
    resumed.heldChars += chunk.text.length
    if (chunk.final) resumed.final = chunk.final
    const final = resumed.final
    if (!final) return
    model.final = final
    let first = final.total
    while (first > 0 && resumed.chunks.has(first - 1)) first -= 1
    if (first === final.total) return // the final's own chunk is not in yet
    for (let start = first; start < final.total && start < first + MAX_TAIL_CANDIDATES; start++) {
      const tail: string[] = []
      for (let seq = start; seq < final.total; seq++) tail.push(resumed.chunks.get(seq)!)
      const rest = tail.join('')
      if (model.textHash.copy().update(rest).digest('hex') !== final.sha256) continue
      for (let seq = start; seq < final.total; seq++) diagnostics.delivered(chunk)
      return this.complete(chunk.streamId, chunk.modelId, model, rest, final)
    }
    if (!model.recovering) this.startRecovery(chunk.streamId, chunk.modelId, model)
  }

  private startRecovery(streamId: string, modelId: string, model: ModelStream): void {
    if (model.recovering || model.status !== 'streaming') return
    model.recovering = true
    if (!model.stalled) {
      model.stalled = true
      this.batcher.add(streamId, modelId, '', { status: 'streaming', stalled: true })
    }
    if (this.recoveries.has(streamId)) return // the stream's next fetch covers this model too
    this.recoveries.set(streamId, { startedAt: this.clock.now(), attempts: 0, busy: false })
    void this.attemptRecovery(streamId)
  }

  private async attemptRecovery(streamId: string): Promise<void> {
    const run = this.recoveries.get(streamId)
    const recovery = this.options.recovery
    if (!run || !recovery || run.busy) return
    run.busy = true
    run.attempts += 1
    let answers: ArchivedAnswer[] = []
    try {
      answers = await recovery.fetch(streamId)
      run.lastProblem = undefined
    } catch (error) {
      run.lastProblem = (error as Error).message
    }
    run.busy = false
    if (this.disposed || this.recoveries.get(streamId) !== run) return
    const waiting = () =>
      [...(this.active.get(streamId)?.models ?? [])].filter(([, m]) => m.recovering && m.status === 'streaming')
    for (const [modelId, model] of waiting()) {
      const answer = answers.find((a) => a.modelId === modelId)
      if (answer) this.applyRecovered(streamId, modelId, model, answer)
    }
    const still = waiting()
    if (still.length === 0) {
      this.recoveries.delete(streamId)
      return
    }
    const elapsed = this.clock.now() - run.startedAt
    if (elapsed >= (this.options.recoveryBudgetMs ?? DEFAULT_RECOVERY_BUDGET_MS)) {
      this.recoveries.delete(streamId)
      const why = run.lastProblem
        ? `the copy kept in the cloud could not be fetched (${run.lastProblem})`
        : 'no copy of it was kept in the cloud'
      const minutes = Math.max(1, Math.round(elapsed / 60_000))
      const message = `Part of this answer never arrived, and ${why} within ${minutes} min. It is incomplete.`
      for (const [modelId] of still) this.end(streamId, modelId, 'error', { code: 'incomplete', message })
      return
    }
    const base = this.options.recoveryRetryMs ?? 1_000
    const delay = Math.min(this.options.recoveryMaxDelayMs ?? 30_000, base * 2 ** (run.attempts - 1))
    run.timer = this.clock.setTimeout(() => {
      run.timer = undefined
      void this.attemptRecovery(streamId)
    }, delay)
  }

  /** Completes an answer from the stored copy, if the copy is intact and continues exactly what is shown. */
  private applyRecovered(streamId: string, modelId: string, model: ModelStream, answer: ArchivedAnswer): void {
    const intact = createHash('sha256').update(answer.text).digest('hex') === answer.sha256
    const agrees = model.final?.sha256 === undefined || model.final.sha256 === answer.sha256
    const continues =
      answer.text.length >= model.releasedChars &&
      createHash('sha256').update(answer.text.slice(0, model.releasedChars)).digest('hex') ===
        model.textHash.copy().digest('hex')
    if (!intact || !agrees || !continues) {
      const message =
        'The copy of this answer kept in the cloud does not match the text that arrived. It is incomplete.'
      this.options.diagnostics.reject('recovered-mismatch')
      return this.end(streamId, modelId, 'error', { code: 'incomplete', message })
    }
    const rest = answer.text.slice(model.releasedChars)
    const final: FinalMarker = {
      total: answer.chunks,
      status: answer.status,
      sha256: answer.sha256,
      ...(answer.error ? { error: answer.error } : {}),
      ...(answer.usage ? { usage: answer.usage } : {}),
    }
    this.options.diagnostics.recovered(`${modelId}: completed from the stored copy (${rest.length} characters fetched)`)
    this.complete(streamId, modelId, model, rest, final)
  }

  /** Appends the missing `rest` (already verified) and ends the answer with the final marker's outcome. */
  private complete(streamId: string, modelId: string, model: ModelStream, rest: string, final: FinalMarker): void {
    model.textHash.update(rest)
    model.releasedChars += rest.length
    if (rest) this.options.conversations.progress(streamId, modelId, rest)
    this.end(streamId, modelId, final.status, final.error, final, rest)
  }
}
