/**
 * Chat orchestration in the main process: sends a prompt, takes the chunk messages the MQTT session receives, routes
 * each to its answer, and acts on what the answer makes of it and on what time makes due. Hostile or broken input
 * is dropped and counted here; nothing a publisher sends can throw out of `receive`. The parts, one job each:
 * PromptOutbox (sending, the offline queue, stop; `send` starts a turn, `regenerate` and `continueAnswer` one
 * model's next attempt, see continuation.ts for the latter), ModelAnswer (one model's answer: order, digest, status,
 * times), dueActions (the pure timer check), AnswerRecovery (completion from the backend's stored copy), resumed-answer.ts
 * (answers followed again after a restart), ActiveStreams (which streams are followed) and AnswerOutput (history
 * and renderer).
 */
import { randomUUID } from 'node:crypto'
import { decodeChunk, type ChunkMessage, type FinalMarker } from '../../protocol/stream-protocol'
import { decodeAnnouncement, type AttemptOf, type StreamAnnouncement } from '../../protocol/stream-announcement'
import type { RecentStream } from '../../protocol/answer-archive'
import type { GenerationParameters } from '../../shared/generation'
import type { ModelPrice } from '../../shared/price'
import type { AnswerError, FinalStatus } from '../../shared/answer'
import type {
  ContinueRequest,
  RegenerateRequest,
  RegenerateResult,
  SendPromptRequest,
  SendPromptResult,
  StopStreamRequest,
  StreamUpdate,
} from '../../shared/ipc-contract'
import { systemClock, type Clock, type TimerHandle } from '../../lib/clock'
import type { DiagnosticsRecorder } from '../diagnostics'
import { ActiveStreams } from './active-streams'
import type { ChatBackend } from './chat-backend'
import { AnswerOutput } from './answer-output'
import { AnswerRecovery, type RecoveryTiming } from './answer-recovery'
import { buildChatRequest } from './chat-request'
import type { AttachmentRef } from '../../shared/attachment'
import { wireAttachment } from '../attachments/attachment-catalog'
import {
  planAttachments,
  turnAttachments,
  type AttachmentPlan,
  type ColumnReader,
} from '../attachments/attachment-plan'
import { CONTINUE_INSTRUCTION, continuationContext, continuationRefusal } from './continuation'
import type { AnswerDelta, ConversationLog, Regeneration } from './conversation-log'
import { ModelAnswer, type Released } from './model-answer'
import { PromptOutbox } from './prompt-outbox'
import { reopenStreams } from './resumed-answer'
import { dueActions, type TimerLimits } from './stream-timers'
import { HeldChunks } from './held-chunks'
import type { StreamRecovery } from './stream-recovery'

export type { ChatBackend } from './chat-backend'

/** What another device asked (an announcement or a caught-up stream): v1 prompts have no `attempt`. */
type AskedElsewhere = Omit<StreamAnnouncement, 'streamId' | 'v' | 'at' | 'attempt'> & { attempt?: AttemptOf }

export interface ChatServiceOptions extends RecoveryTiming {
  userId: string
  topicPrefix: string
  /**
   * This installation's device id (cloud mode): prompts are announced to the user's other devices with it, and
   * streams announced by those devices are followed here too (adopted-streams.ts).
   */
  deviceId?: string
  backend: ChatBackend
  /** Where conversations are kept (the history store in the app). */
  conversations: ConversationLog
  /** The label of a configured model, undefined for an unknown id. */
  modelLabel: (modelId: string) => string | undefined
  /** The generation parameters Settings holds for a model; none when absent. */
  parametersFor?: (modelId: string) => GenerationParameters
  /** The price a model's answer is costed at when it ends (Settings, else the stack's list price); none when unknown. */
  priceFor?: (modelId: string) => ModelPrice | undefined
  /** The app-wide system prompt, for a prompt that brings none of its own; '' for none. */
  defaultSystemPrompt?: () => string
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
  /** The prompt's attachments by id, and what each column's model reads; without it a prompt takes none. */
  attachments?: PromptAttachments
}

export interface PromptAttachments {
  /**
   * Throws with a plain message for an id that main did not prepare. `sentBefore`: the attachments of the turn an
   * edited prompt replaces, which it may name again.
   */
  refs(ids: readonly string[], sentBefore?: readonly AttachmentRef[]): AttachmentRef[]
  readerOf(modelId: string): ColumnReader
  /** The prompt naming these ids is in the history now (which refers to the files from then on). */
  sent?(ids: readonly string[]): void
}

export class ChatService {
  private readonly streams = new ActiveStreams()
  private readonly outbox: PromptOutbox
  private readonly clock: Clock
  private readonly output: AnswerOutput
  private ticker: TimerHandle | undefined
  private readonly tickMs: number
  private readonly limits: TimerLimits
  private readonly recovery: AnswerRecovery | undefined
  private catchingUp = false
  /** Chunks of streams another device asked, come before their announcement (only with a device id). */
  private readonly held: HeldChunks | undefined

  constructor(private readonly options: ChatServiceOptions) {
    const { recovery, diagnostics } = options
    this.held =
      options.deviceId === undefined
        ? undefined
        : new HeldChunks((count) => {
            for (let i = 0; i < count; i++) diagnostics.reject('unknown-stream')
          })
    this.clock = options.clock ?? systemClock
    this.tickMs = options.tickMs ?? 1_000
    this.output = new AnswerOutput({ ...options, clock: this.clock, journal: recovery })
    this.recovery = recovery
      ? new AnswerRecovery({
          source: recovery,
          clock: this.clock,
          diagnostics,
          timing: options,
          answers: (streamId) => this.streams.answers(streamId),
          completed: (answer, rest, final, reasoningRest) => this.complete(answer, rest, final, reasoningRest),
          failed: (answer, message) => this.end(answer, 'error', { code: 'incomplete', message }),
        })
      : undefined
    this.outbox = new PromptOutbox({
      backend: options.backend,
      diagnostics,
      online: options.online ?? true,
      streams: this.streams,
      output: this.output,
      clock: this.clock,
      journal: recovery,
      sending: () => this.ensureTicker(),
      end: (answer, status, error) => this.end(answer, status, error),
    })
    this.limits = {
      stopGraceMs: options.stopGraceMs ?? 5_000,
      silenceTimeoutMs: options.silenceTimeoutMs ?? 150_000,
      gapTimeoutMs: options.gapTimeoutMs ?? 5_000,
      recoverable: this.recovery !== undefined,
    }
  }

  get activeStreamCount(): number {
    return this.streams.size
  }

  async send(request: SendPromptRequest): Promise<SendPromptResult> {
    const { conversations } = this.options
    const models = request.modelIds.map((id) => ({ id, label: this.options.modelLabel(id) }))
    const unknown = models.filter((m) => m.label === undefined).map((m) => m.id)
    if (unknown.length > 0) throw new Error(`Unknown model: ${unknown.join(', ')}`)
    const { after } = request
    if (after !== undefined && request.conversationId === undefined)
      throw new Error('A new chat has no turn to follow.')
    const context =
      request.conversationId === undefined
        ? undefined
        : conversations.contextFor(request.conversationId, request.modelIds, after)
    if (request.conversationId !== undefined && !context)
      throw new Error('That conversation (or the turn to follow) no longer exists; start a new chat.')
    const plan = this.planAttachments(request)
    const conversationId = request.conversationId ?? conversations.start(request.prompt)
    const streamId = randomUUID()
    const chatRequest = buildChatRequest({
      userId: this.options.userId,
      streamId,
      prompt: request.prompt,
      modelIds: request.modelIds,
      context,
      systemPrompt: request.systemPrompt ?? this.options.defaultSystemPrompt?.(),
      parametersFor: this.options.parametersFor,
      attachmentsFor: (modelId) => (plan?.columns.get(modelId)?.send ?? []).map(wireAttachment),
      ...(this.options.deviceId !== undefined ? { origin: { deviceId: this.options.deviceId, conversationId } } : {}),
    })
    // The conversation keeps what it was sent with, so reopening it shows (and sends) the same system prompt.
    conversations.setSystemPrompt?.(conversationId, request.systemPrompt ?? '')
    conversations.addTurn(
      conversationId,
      request.prompt,
      streamId,
      models.map(({ id, label }) => ({ id, label: label! })),
      after,
      ...(plan ? [turnAttachments(plan)] : []),
    )
    if (plan) this.options.attachments?.sent?.(request.attachmentIds ?? [])
    await this.outbox.send(chatRequest)
    const undelivered = Object.fromEntries(
      [...(plan?.columns ?? [])].flatMap(([modelId, { undelivered }]) =>
        undelivered.length > 0 ? [[modelId, undelivered]] : [],
      ),
    )
    return { conversationId, streamId, ...(Object.keys(undelivered).length > 0 ? { undelivered } : {}) }
  }

  /** Which attachments each column gets, and the prompt's attachments as its turn keeps them. */
  private planAttachments(request: SendPromptRequest): AttachmentPlan | undefined {
    const ids = request.attachmentIds ?? []
    const sentBefore =
      request.keptFrom === undefined ? [] : this.keptAttachments(request.conversationId, request.keptFrom)
    if (ids.length === 0) return undefined
    const { attachments } = this.options
    if (!attachments) throw new Error('Attachments cannot be sent in this mode yet.')
    return planAttachments(
      attachments.refs(ids, sentBefore),
      request.modelIds.map((modelId) => attachments.readerOf(modelId)),
    )
  }

  /** The attachments of the sent turn an edited prompt replaces. */
  private keptAttachments(conversationId: string | undefined, turnStreamId: string): AttachmentRef[] {
    const kept =
      conversationId === undefined
        ? undefined
        : this.options.conversations.attachmentsOf?.(conversationId, turnStreamId)
    if (!kept) throw new Error('The edited prompt is no longer in the conversation.')
    return kept
  }

  /**
   * A new answer from one model to a turn's prompt, with the same context the turn had (its earlier turns, each
   * with the model's newest answer), on a stream of its own. History keeps it as the model's next attempt at that
   * turn, beside the earlier ones.
   */
  async regenerate(request: RegenerateRequest): Promise<RegenerateResult> {
    const label = this.options.modelLabel(request.modelId)
    if (label === undefined) throw new Error(`Unknown model: ${request.modelId}`)
    const turn = this.options.conversations.regenerationOf(
      request.conversationId,
      request.turnStreamId,
      request.modelId,
    )
    if (!turn) throw new Error('That answer is no longer in the conversation.')
    const attempt = { turnStreamId: request.turnStreamId }
    return this.askAgain(request.conversationId, attempt, { id: request.modelId, label }, turn)
  }

  /**
   * Continues an answer cut off at the token limit (see continuation.ts): a new attempt of that model at that turn,
   * whose text and reasoning start with the cut answer's; the continuation streams after them. Its stop reason,
   * metrics and usage are the continuation's own.
   */
  async continueAnswer(request: ContinueRequest): Promise<RegenerateResult> {
    const { conversationId, streamId, modelId } = request
    const label = this.options.modelLabel(modelId)
    if (label === undefined) throw new Error(`Unknown model: ${modelId}`)
    const live = this.streams.get(streamId)?.answers.get(modelId)
    const found = this.options.conversations.continuationOf(conversationId, streamId, modelId)
    // An answer this app still follows is streaming, whatever its row says (a failed write may leave it behind).
    const answer = found && (live?.isOpen ? { ...found.answer, status: 'streaming' as const } : found.answer)
    const refusal = continuationRefusal(answer)
    if (refusal !== undefined || !found) throw new Error(refusal)
    const { text, reasoning } = found.answer
    const soFar = { text, ...(reasoning !== '' ? { reasoning } : {}) }
    // The turn's attachments go with its own prompt in the context, not with the instruction to go on.
    const { attachments: _attachments, ...rest } = found
    const turn = { ...rest, prompt: CONTINUE_INSTRUCTION, context: continuationContext(found) }
    const attempt = { turnStreamId: found.turnStreamId, continues: streamId }
    return this.askAgain(conversationId, attempt, { id: modelId, label }, turn, soFar)
  }

  /**
   * One model's next attempt at a turn, on a stream of its own, asked `turn.prompt` after `turn.context`. `soFar`
   * starts its text and reasoning: released by the app as the attempt's first delta (to history and the window), so
   * what streams is appended to it while the wire's digests cover only what the model sends now.
   */
  private async askAgain(
    conversationId: string,
    attempt: AttemptOf,
    model: { id: string; label: string },
    turn: Regeneration,
    soFar?: AnswerDelta,
  ): Promise<RegenerateResult> {
    const streamId = randomUUID()
    this.options.conversations.addAttempt(conversationId, attempt.turnStreamId, streamId, model)
    if (soFar) {
      const answer = { streamId, modelId: model.id }
      this.output.progress(answer, soFar)
      this.output.show(answer, soFar, { status: 'streaming' })
    }
    const given = soFar && { text: soFar.text.length, reasoning: soFar.reasoning?.length ?? 0 }
    await this.outbox.send(
      buildChatRequest({
        userId: this.options.userId,
        streamId,
        prompt: turn.prompt,
        modelIds: [model.id],
        context: new Map([[model.id, turn.context]]),
        systemPrompt: turn.systemPrompt ?? this.options.defaultSystemPrompt?.(),
        parametersFor: this.options.parametersFor,
        attachmentsFor: () => turn.attachments ?? [],
        // Announced to the user's other devices like a new prompt, naming the turn it is an attempt at.
        ...(this.options.deviceId !== undefined
          ? { origin: { deviceId: this.options.deviceId, conversationId, attempt } }
          : {}),
      }),
      given,
    )
    return { streamId }
  }

  /** The broker became reachable (or not): queued prompts go out, in the order they were sent. */
  setOnline(online: boolean): Promise<void> {
    return this.outbox.setOnline(online)
  }

  stop(request: StopStreamRequest): Promise<void> {
    return this.outbox.stop(request)
  }

  /**
   * Cloud mode, at start-up (before the session connects, so queued chunks find their stream): the answers that
   * were still streaming when the app last stopped are followed again (see resumed-answer.ts). Returns how many.
   */
  async resumeOpenStreams(): Promise<number> {
    const { recovery, conversations, diagnostics } = this.options
    if (!recovery) return 0
    const reopened = await reopenStreams(recovery, conversations, diagnostics, (id) => this.streams.knows(id))
    const now = this.clock.now()
    let resumed = 0
    for (const { streamId, soFar } of reopened) {
      const answers = [...soFar].map(([modelId, stored]) => ModelAnswer.resumed(streamId, modelId, stored, now))
      for (const answer of answers) this.output.show(answer, '', { status: 'streaming' })
      this.streams.add(streamId, answers)
      resumed += answers.length
    }
    if (resumed > 0) this.ensureTicker()
    return resumed
  }

  /** Entry point for every MQTT message on the user's stream filter. Never throws. */
  receive(topic: string, payload: Uint8Array): void {
    const { diagnostics } = this.options
    diagnostics.received()
    const decoded = decodeChunk(topic, payload, { prefix: this.options.topicPrefix, userId: this.options.userId })
    if (!decoded.ok) return diagnostics.reject(decoded.reason)
    this.route(decoded.message)
  }

  /**
   * Entry point for every MQTT message on the user's announcements filter (cloud mode): a prompt asked on another
   * device of the user is followed here too, in its conversation (created with the asking device's id when this
   * device does not have it yet), stored and shown as it streams, and can be stopped from here. Never throws.
   */
  receiveAnnouncement(topic: string, payload: Uint8Array): void {
    const { diagnostics, deviceId } = this.options
    if (deviceId === undefined) return
    const decoded = decodeAnnouncement(topic, payload, {
      prefix: this.options.topicPrefix,
      userId: this.options.userId,
    })
    if (!decoded.ok) return diagnostics.reject(decoded.reason)
    const { streamId, ...asked } = decoded.announcement
    const answers = this.adopt(streamId, asked)
    for (const chunk of answers ? (this.held?.take(streamId) ?? []) : []) this.route(chunk)
  }

  /**
   * Cloud mode, once connected: the conversations asked on the user's other devices while this one was closed or
   * offline, from the answer store (the last 24 hours). Each stream this device does not have (by stream id) is
   * added as announced, and its answers completed from the stored copies as a lost stream's are (digests checked);
   * nothing this device has is touched. Returns how many streams were added.
   */
  async catchUp(): Promise<number> {
    const { recovery, deviceId, conversations } = this.options
    if (deviceId === undefined || !recovery?.recentStreams || !conversations.hasStream || this.catchingUp) return 0
    this.catchingUp = true
    try {
      return await this.addRecentStreams(
        recovery.recentStreams.bind(recovery),
        conversations.hasStream.bind(conversations),
      )
    } finally {
      this.catchingUp = false
    }
  }

  private async addRecentStreams(
    recentStreams: () => Promise<RecentStream[]>,
    hasStream: (streamId: string) => boolean,
  ): Promise<number> {
    const { diagnostics, deviceId } = this.options
    let recent
    try {
      recent = await recentStreams()
    } catch (error) {
      diagnostics.error(`Could not catch up with the other devices: ${(error as Error).message}`)
      return 0
    }
    let added = 0
    for (const { streamId, asked, storedModelIds } of catchUpOrder(recent)) {
      if (asked.deviceId === deviceId || hasStream(streamId)) continue
      // Still streaming somewhere (not every answer stored yet): its answers come at a later connect.
      if (!asked.models.every((id) => storedModelIds.includes(id))) continue
      // A continuation starts with the answer it goes on from: that one's stored copy first (added just before),
      // its end written to history (ends are written with the window's next batch).
      const continues = asked.attempt?.continues
      if (continues !== undefined && this.streams.get(continues)) {
        await this.streams.whenRetired(continues)
        this.output.flush()
      }
      const answers = this.adopt(streamId, asked)
      if (!answers) continue
      for (const answer of answers) this.startRecovery(answer)
      added += 1
    }
    return added
  }

  /**
   * Follows a stream another device of the user asked: its conversation (created with that device's id when this
   * device does not have it), the turn, one streaming answer per model. Undefined when it is this device's own,
   * already followed, or cannot be kept.
   */
  private adopt(streamId: string, asked: AskedElsewhere): ModelAnswer[] | undefined {
    const { diagnostics, deviceId, conversations } = this.options
    const { conversationId, prompt, systemPrompt, models } = asked
    // Our own prompt, or one already followed or kept (a redelivery, also after a restart): nothing to adopt.
    if (asked.deviceId === deviceId || this.streams.knows(streamId) || conversations.hasStream?.(streamId))
      return undefined
    if (!conversations.adopt) return undefined
    const labelled = models.map((id) => ({ id, label: this.options.modelLabel(id) ?? id }))
    let placed: { soFar?: AnswerDelta } | undefined
    try {
      placed = this.adoptAttempt(streamId, asked, labelled)
      if (!placed) {
        // A new prompt, or an attempt at a turn this device does not have: a turn of its own (its conversation
        // created, marked asked on another device, when this device does not have it either).
        conversations.adopt(conversationId, prompt)
        if (systemPrompt !== undefined) conversations.setSystemPrompt?.(conversationId, systemPrompt)
        conversations.addTurn(conversationId, prompt, streamId, labelled)
      }
    } catch (error) {
      diagnostics.reject('announcement-unusable')
      diagnostics.error(`A prompt asked on another device could not be kept: ${(error as Error).message}`)
      return undefined
    }
    const soFar = placed?.soFar
    const given = soFar && { text: soFar.text.length, reasoning: soFar.reasoning?.length ?? 0 }
    const now = this.clock.now()
    const answers = models.map((modelId) => new ModelAnswer(streamId, modelId, 'streaming', now))
    this.streams.add(streamId, answers, undefined, given)
    this.options.recovery?.opened({ streamId, modelIds: models, ...(given && { given }) })
    for (const answer of answers) {
      // A continuation starts with the answer it goes on from, as on the asking device.
      if (soFar) this.output.progress(answer, soFar)
      this.output.show(answer, soFar ?? '', { status: 'streaming', begins: true })
    }
    this.ensureTicker()
    return answers
  }

  /**
   * A Regenerate or Continue asked on another device, as the next attempt of its model at the turn it names, when
   * this device has that turn; undefined otherwise (then it is adopted as a turn of its own). A continuation starts
   * with this device's copy of the answer it goes on from.
   */
  private adoptAttempt(
    streamId: string,
    asked: AskedElsewhere,
    labelled: Array<{ id: string; label: string }>,
  ): { soFar?: AnswerDelta } | undefined {
    const { conversations } = this.options
    const { attempt, conversationId } = asked
    const model = labelled[0]
    if (!attempt || labelled.length !== 1 || !model) return undefined
    if (!conversations.regenerationOf(conversationId, attempt.turnStreamId, model.id)) return undefined
    const continued =
      attempt.continues !== undefined
        ? conversations.continuationOf(conversationId, attempt.continues, model.id)?.answer
        : undefined
    conversations.addAttempt(conversationId, attempt.turnStreamId, streamId, model)
    if (!continued) return {}
    return {
      soFar: { text: continued.text, ...(continued.reasoning !== '' ? { reasoning: continued.reasoning } : {}) },
    }
  }

  /** One valid chunk to its answer. */
  private route(chunk: ChunkMessage): void {
    const { diagnostics } = this.options
    const stream = this.streams.get(chunk.streamId)
    if (!stream) {
      if (this.streams.endedRecently(chunk.streamId)) return diagnostics.duplicate(chunk)
      // Maybe another device's prompt whose announcement is still on its way.
      if (this.held) return this.held.hold(chunk, this.clock.now())
      return diagnostics.reject('unknown-stream')
    }
    const answer = stream.answers.get(chunk.modelId)
    if (!answer) return diagnostics.reject('unknown-model')
    if (answer.status !== 'streaming') return diagnostics.duplicate(chunk)

    const outcome = answer.accept(chunk, this.clock.now())
    switch (outcome.kind) {
      case 'duplicate':
        return diagnostics.duplicate(chunk)
      case 'rejected':
        return diagnostics.reject(outcome.reason)
      case 'held':
        return
      case 'unmatched':
        return this.startRecovery(answer)
    }
    const released: Released = { text: outcome.text, ...(outcome.reasoning ? { reasoning: outcome.reasoning } : {}) }
    for (let i = 0; i < outcome.delivered; i++) diagnostics.delivered(chunk)
    this.output.progress(answer, released)
    if (outcome.kind === 'finished') return this.finish(answer, outcome.final, released)
    if (outcome.kind === 'damaged') return this.damaged(answer, outcome.final, released)
    // Text or reasoning moving again ends a stall; the renderer hears of it with them.
    this.output.show(answer, released, { status: 'streaming', ...(answer.clearStall() ? { stalled: false } : {}) })
  }

  dispose(): void {
    if (this.ticker !== undefined) this.clock.clearTimeout(this.ticker)
    this.ticker = undefined
    this.recovery?.dispose()
    this.output.flush()
  }

  /**
   * The text or the reasoning that arrived does not hash to its digest in the final marker: recovered where a copy
   * is kept, else incomplete.
   */
  private damaged(answer: ModelAnswer, final: FinalMarker, last: Released): void {
    this.options.diagnostics.reject('checksum-mismatch')
    if (this.recovery) {
      if (last.text || last.reasoning) this.output.show(answer, last, { status: 'streaming' })
      return this.startRecovery(answer)
    }
    const message = 'The answer arrived damaged: it does not match the checksum the model sent. It is incomplete.'
    this.end(answer, 'error', { code: 'incomplete', message }, final, last)
  }

  /**
   * Appends the missing text `rest` and reasoning `reasoningRest` (already verified against the stored copy) and
   * ends the answer with the copy's outcome. Reasoning the copy could not restore (an older stack keeps none, a
   * large one is left out) is lost with the chunks, so an answer whose reasoning does not match the digest the
   * stream's final marker (or else the copy) vouches for ends incomplete, its text whole. (When neither carries a
   * digest, nothing can vouch for the reasoning either way: it is kept as it arrived.)
   */
  private complete(answer: ModelAnswer, rest: string, copy: FinalMarker, reasoningRest?: string): void {
    const last: Released = { text: rest, ...(reasoningRest ? { reasoning: reasoningRest } : {}) }
    answer.append(last, this.clock.now())
    this.output.progress(answer, last)
    // The stream's own marker, when it arrived, knows the stop reason and metrics an older copy does not keep.
    const final = { ...answer.final, ...copy }
    const vouched = answer.final ?? (copy.reasoningSha256 !== undefined ? copy : undefined)
    if (!vouched || answer.reasoningMatches(vouched)) return this.finish(answer, final, last)
    const message = 'Part of the reasoning for this answer never arrived and cannot be recovered. It is incomplete.'
    this.end(answer, 'error', { code: 'incomplete', message }, final, last)
  }

  /** Ends the answer as its final marker says, `last` being what was released with it. */
  private finish(answer: ModelAnswer, final: FinalMarker, last: Released): void {
    this.end(answer, final.status, final.error, final, last)
  }

  private end(
    answer: ModelAnswer,
    status: FinalStatus,
    error?: AnswerError,
    final?: FinalMarker,
    last?: Released,
  ): void {
    if (!this.streams.get(answer.streamId)) return
    answer.end(status)
    this.output.ended(answer, status, error, final, last)
    this.streams.retireIfDone(answer.streamId)
  }

  private ensureTicker(): void {
    this.ticker ??= this.clock.setTimeout(() => {
      this.ticker = undefined
      this.tick()
      if (this.streams.size > 0) this.ensureTicker()
    }, this.tickMs)
  }

  /** Applies what time made due: unanswered stops, silence, resumed answers' waits, gaps. */
  private tick(): void {
    const now = this.clock.now()
    this.held?.expire(now)
    for (const [answer, action] of dueActions(this.streams.answers(), now, this.limits)) {
      if (action === 'end-stopped') this.end(answer, 'stopped')
      else if (action === 'recover') this.startRecovery(answer)
      else if (action === 'stalled') this.markStalled(answer, now)
      else {
        const message = `Nothing arrived for ${Math.round(this.limits.silenceTimeoutMs / 1000)} s; the answer is incomplete.`
        this.end(answer, 'error', { code: 'timeout', message })
      }
    }
  }

  private markStalled(answer: ModelAnswer, now: number): void {
    const gap = answer.reportGap(now, this.limits.gapTimeoutMs)
    if (!gap) return
    answer.stalled = true
    this.options.diagnostics.gap({ streamId: answer.streamId, modelId: answer.modelId })
    this.options.diagnostics.error(`${answer.modelId}: chunk ${gap.missingSeq} missing for ${gap.openForMs} ms`)
    this.output.show(answer, '', { status: 'streaming', stalled: true })
  }

  private startRecovery(answer: ModelAnswer): void {
    if (!this.recovery || answer.recovering || answer.status !== 'streaming') return
    answer.recovering = true
    if (!answer.stalled) {
      answer.stalled = true
      this.output.show(answer, '', { status: 'streaming', stalled: true })
    }
    this.recovery.start(answer.streamId)
  }
}

/**
 * Oldest first, so a conversation's turns come in the order they were asked; and a Regenerate or Continue after
 * the stream it names (its turn, the answer it continues) whenever that is in the list too, whatever the times
 * stored say (answers stored in the same millisecond).
 */
export function catchUpOrder(recent: readonly RecentStream[]): RecentStream[] {
  const waiting = [...recent].reverse()
  const ordered: RecentStream[] = []
  const pending = new Set(waiting.map((stream) => stream.streamId))
  while (waiting.length > 0) {
    const ready = waiting.findIndex(({ asked: { attempt } }) =>
      [attempt?.turnStreamId, attempt?.continues].every((id) => id === undefined || !pending.has(id)),
    )
    // A cycle cannot come from one app; taken as listed rather than dropped.
    const [next] = waiting.splice(ready >= 0 ? ready : 0, 1)
    pending.delete(next!.streamId)
    ordered.push(next!)
  }
  return ordered
}
