/**
 * The chat backend, written once: run in-process in local mode, packaged as the chat Lambda in cloud mode.
 * It streams every requested model at once and publishes each model's answer as numbered chunks to the user's
 * topic. It never throws for a model's failure: the model's column gets a final chunk with the error instead.
 * Every chunk of a stream is written in the highest protocol version the request and this backend both speak
 * (see the evolution policy in src-main/protocol/stream-protocol.ts).
 */
import { z } from 'zod'
import {
  DEFAULT_TOPIC_PREFIX,
  IdSchema,
  MAX_CHUNK_TEXT,
  negotiateProtocol,
  noCommonProtocolMessage,
  ProtocolListSchema,
  streamTopic,
  tokenUsage,
  UNSTATED_PROTOCOLS,
  type FinalMarker,
  type ProtocolVersion,
  type StreamErrorCode,
  type WireErrorCode,
} from '../protocol/stream-protocol'
import {
  announcedText,
  announcementTopic,
  AttemptOfSchema,
  DeviceIdSchema,
  encodeAnnouncement,
} from '../protocol/stream-announcement'
import { AnswerTally } from './answer-tally'
import { ChunkSequencer, type ChunkContent, type ChunkSequencerOptions } from './chunk-sequencer'
import { DeltaCoalescer, type DeltaCoalescerOptions } from './delta-coalescer'
import { ModelError, type ChatMessage, type ModelResolver } from './model-provider'
import { WireAttachmentsSchema, type AttachmentSource, type AttachmentTarget } from './attachment-parts'
import type { Publisher } from './publisher'
import type { PublishPacer } from './publish-budget'
import type { AnswerArchive, AnswerRecord } from './answer-store'
import type { Asked } from '../protocol/answer-archive'
import { systemClock, type Clock } from '../lib/clock'
import type { AnswerMetrics, QuotaExceeded, StopReason } from '../shared/answer'
import { PARAMETER_LIMITS, REASONING_EFFORTS, type GenerationParameters } from '../shared/generation'

const MAX_MODELS_PER_REQUEST = 8
/** What one model may be sent; the app fits a long conversation into them (chat-request.ts). */
export const MAX_MESSAGES = 500
export const MAX_MESSAGE_CHARS = 200_000

/*
 * The request crosses a deploy boundary (a newer app may call an older Lambda), so at every level it TOLERATES
 * unknown keys: `z.object` drops them, prototype keys (`__proto__`, `constructor`) included, so none reaches the
 * handler. A client relies on a new field only when the backend serves the protocol version that brought it.
 */
const ChatMessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string().max(MAX_MESSAGE_CHARS),
  /** References only (see attachment-parts.ts); the handler resolves them through `ChatHandlerDeps.attachments`. */
  attachments: WireAttachmentsSchema.optional(),
})

const { temperature, topP, maxOutputTokens } = PARAMETER_LIMITS
/** A model's generation parameters; each is optional, and one that is absent is not sent to the provider. */
export const GenerationParametersSchema = z.object({
  temperature: z.number().min(temperature.min).max(temperature.max).optional(),
  topP: z.number().min(topP.min).max(topP.max).optional(),
  maxOutputTokens: z.int().min(maxOutputTokens.min).max(maxOutputTokens.max).optional(),
  reasoning: z.enum(REASONING_EFFORTS).optional(),
})

const ModelEntrySchema = z.object({
  modelId: IdSchema,
  messages: z.array(ChatMessageSchema).min(1).max(MAX_MESSAGES),
  /** Sent only to a backend that serves protocol v2 (an older strict Lambda refuses it). */
  parameters: GenerationParametersSchema.optional(),
})

export const ChatRequestSchema = z.object({
  userId: IdSchema,
  streamId: IdSchema,
  /** The wire protocol versions the client reads; absent for clients from before negotiation, which read v1. */
  protocols: ProtocolListSchema.optional(),
  /**
   * How many models the app is streaming for this user at once, this request's included: the chat Lambda's share
   * of the user connection's publish budget (`invocationShare`, which clamps it). Client-controlled, so it is only a
   * hint: anything that is not a number is dropped rather than refusing the prompt.
   */
  concurrentModels: z.number().optional().catch(undefined),
  /**
   * The asking device and its conversation: the handler announces the prompt to the user's other devices
   * (stream-announcement.ts); `attempt` when it is a Regenerate or Continue of one model's answer at a turn.
   * Client-controlled and only ever published to the caller's own topics; a value that does not validate is dropped
   * (no announcement) rather than refusing the prompt.
   */
  origin: z
    .object({ deviceId: DeviceIdSchema, conversationId: IdSchema, attempt: AttemptOfSchema.optional() })
    .optional()
    .catch(undefined),
  /** One entry per model column, each with its own conversation (a column's earlier answers are its own). */
  models: z
    .array(ModelEntrySchema)
    .min(1)
    .max(MAX_MODELS_PER_REQUEST)
    .refine((models) => new Set(models.map((m) => m.modelId)).size === models.length, 'model ids must be unique'),
})
export type ChatRequest = z.infer<typeof ChatRequestSchema>

export interface ChatHandlerDeps {
  publisher: Publisher
  models: ModelResolver
  topicPrefix?: string
  /** The user's stop button, per model; the handler then sends what it has with status "stopped". */
  stopSignal?: (modelId: string) => AbortSignal | undefined
  /**
   * A model that sends nothing for this long is ended with a timeout error rather than left hanging. Any event
   * counts as something: reasoning, usage and stop events re-arm it like answer text.
   */
  idleTimeoutMs?: number
  /** The most characters one answer may have in each channel (answer text, reasoning); MAX_CHANNEL_CHARS. */
  maxChannelChars?: number
  coalescing?: DeltaCoalescerOptions
  publishing?: ChunkSequencerOptions
  /**
   * The user connection's publish budget, shared by every stream of the user (local mode: one for the app; the
   * Lambda: one per invocation, with its share). Every chunk goes through it, and each model's coalescer asks it
   * before taking a chunk. Without it each model publishes at its own window's pace (the behaviour before it).
   */
  publishBudget?: PublishPacer
  clock?: Clock
  /**
   * Cloud mode's answer store: each finished answer is saved there BEFORE its final marker is published, so a
   * client that saw the final can always fetch it. A failed save is reported here and never stops the stream.
   */
  archive?: AnswerArchive
  onArchiveError?: (modelId: string, error: unknown) => void
  /** Where attachment references are resolved; without one, a model is told which files it could not be given. */
  attachments?: AttachmentSource
}

export interface ModelStreamSummary {
  modelId: string
  status: FinalMarker['status']
  chunks: number
  /** Answer text and reasoning characters the model sent (reasoning is not published to a v1 client). */
  characters: number
  reasoningCharacters: number
  failedPublishes: number
  stopReason?: StopReason
  /**
   * Bedrock's signatures of the reasoning blocks, in order. Kept here only for now: the next step is to send the
   * thinking back, signed, in a later turn's request, which Bedrock requires to continue a reasoning conversation
   * with tools. Nothing carries them on the wire yet; they are never logged.
   */
  reasoningSignatures?: string[]
  /** Whether the answer store kept the answer; absent without a store. */
  archived?: boolean
  /** The provider's token counts and timings, as in the final marker (the spend guard settles with them). */
  metrics?: AnswerMetrics
  error?: { code: WireErrorCode; message: string }
}

const DEFAULT_IDLE_TIMEOUT_MS = 120_000
/**
 * Each channel of one answer is bounded like the other: 2 M characters (about 500 k tokens, far beyond any model's
 * output limit; ≤ 6 MB of UTF-8). A model that passes it is stopped there and its answer ends with a
 * 'bad-response' error that says so, keeping everything up to the delta that crossed the bound.
 */
export const MAX_CHANNEL_CHARS = 2_000_000

/** The messages with each one's attachments resolved into parts for the provider's target. */
async function withParts(
  messages: ChatMessage[],
  target: AttachmentTarget,
  source: AttachmentSource | undefined,
): Promise<ChatMessage[]> {
  return Promise.all(
    messages.map(async ({ attachments, ...message }) => {
      if (attachments === undefined || attachments.length === 0) return message
      const parts = source
        ? await source.parts(attachments, target)
        : attachments.map((a) => ({ type: 'file-text' as const, name: a.name, text: '[this file could not be given]' }))
      return { ...message, parts }
    }),
  )
}

/** The entry point for untrusted input (the Lambda's event): validates, then streams. */
export async function handleChatRequest(input: unknown, deps: ChatHandlerDeps): Promise<ModelStreamSummary[]> {
  return streamChat(ChatRequestSchema.parse(input), deps)
}

export async function streamChat(request: ChatRequest, deps: ChatHandlerDeps): Promise<ModelStreamSummary[]> {
  if (deps.publishBudget) deps = { ...deps, publisher: deps.publishBudget }
  const topic = streamTopic(deps.topicPrefix ?? DEFAULT_TOPIC_PREFIX, request.userId, request.streamId)
  const protocol = negotiateProtocol(request.protocols)
  if (protocol === undefined) {
    const message = noCommonProtocolMessage(request.protocols ?? UNSTATED_PROTOCOLS)
    return Promise.all(
      request.models.map(({ modelId }) =>
        refuseModel(request.streamId, modelId, topic, { code: 'internal', message }, deps),
      ),
    )
  }
  // Not awaited before the models start: a device that gets a chunk before the announcement holds it.
  const asked = askedOf(request)
  const announced = announce(request, asked, deps)
  const summaries = await Promise.all(
    request.models.map(({ modelId, messages, parameters }) =>
      streamOneModel(
        request.userId,
        { streamId: request.streamId, modelId, protocol },
        { messages, ...(parameters ? { parameters: withoutUnset(parameters) } : {}) },
        topic,
        deps,
        asked,
      ),
    ),
  )
  await announced
  return summaries
}

/**
 * What was asked, as the user's other devices need it (the announcement, and the answer store for catch-up): the
 * prompt and system prompt from the first model's messages (system first, prompt last), cut to their caps.
 * Undefined when the app did not say where it asked from.
 */
function askedOf(request: ChatRequest): Asked | undefined {
  const { origin } = request
  if (!origin) return undefined
  const messages = request.models[0]!.messages
  const system = messages[0]?.role === 'system' ? messages[0].content : undefined
  return {
    ...origin,
    prompt: announcedText(messages.at(-1)!.content),
    ...(system !== undefined ? { systemPrompt: announcedText(system) } : {}),
    models: request.models.map((m) => m.modelId),
  }
}

/**
 * Tells the user's other devices about the prompt. Never throws: a lost announcement costs other devices the live
 * view, not the answer (they still catch up from the answer store).
 */
async function announce(request: ChatRequest, asked: Asked | undefined, deps: ChatHandlerDeps): Promise<void> {
  if (!asked) return
  const { conversationId, deviceId, prompt, systemPrompt, models, attempt } = asked
  const fields = {
    streamId: request.streamId,
    conversationId,
    deviceId,
    prompt,
    ...(systemPrompt !== undefined ? { systemPrompt } : {}),
    models,
    at: (deps.clock ?? systemClock).now(),
  }
  // A new prompt stays v1 (every app reads it); a regeneration or continuation of one model is v2.
  const payload = encodeAnnouncement(
    attempt && models.length === 1 ? { ...fields, v: 2, attempt, models: [models[0]!] } : { ...fields, v: 1 },
  )
  const topic = announcementTopic(deps.topicPrefix ?? DEFAULT_TOPIC_PREFIX, request.userId, request.streamId)
  try {
    await deps.publisher.publish(topic, payload)
  } catch {
    // The stream goes on.
  }
}

/**
 * Ends every model of a request with one error final before any model is called (the spend guard's refusal), in
 * the version the request negotiates.
 */
export async function refuseChat(
  request: ChatRequest,
  error: { code: WireErrorCode; message: string; quota?: QuotaExceeded },
  deps: ChatHandlerDeps,
): Promise<ModelStreamSummary[]> {
  const topic = streamTopic(deps.topicPrefix ?? DEFAULT_TOPIC_PREFIX, request.userId, request.streamId)
  const protocol = negotiateProtocol(request.protocols) ?? 1
  return Promise.all(
    request.models.map(({ modelId }) => refuseModel(request.streamId, modelId, topic, error, deps, protocol)),
  )
}

/**
 * A client that shares no protocol version with this backend gets, per model, one v1 error final: the one message
 * every client keeps reading, so the user learns which side to update instead of waiting for a timeout.
 */
async function refuseModel(
  streamId: string,
  modelId: string,
  topic: string,
  refusal: { code: WireErrorCode; message: string; quota?: QuotaExceeded },
  deps: ChatHandlerDeps,
  protocol: ProtocolVersion = 1,
): Promise<ModelStreamSummary> {
  const sequencer = new ChunkSequencer(
    deps.publisher,
    topic,
    { streamId, modelId, protocol },
    { clock: deps.clock ?? systemClock, ...deps.publishing },
  )
  const { quota, ...error } = refusal
  sequencer.finish({ text: '' }, { status: 'error', error, stopReason: 'error', ...(quota ? { quota } : {}) })
  await sequencer.settled()
  return {
    modelId,
    status: 'error',
    chunks: 1,
    characters: 0,
    reasoningCharacters: 0,
    failedPublishes: sequencer.failedPublishes,
    error,
  }
}

async function streamOneModel(
  userId: string,
  stream: { streamId: string; modelId: string; protocol: ProtocolVersion },
  input: { messages: ChatMessage[]; parameters?: GenerationParameters },
  topic: string,
  deps: ChatHandlerDeps,
  asked: Asked | undefined,
): Promise<ModelStreamSummary> {
  const { streamId, modelId } = stream
  const clock = deps.clock ?? systemClock
  const sequencer = new ChunkSequencer(deps.publisher, topic, stream, { clock, ...deps.publishing })
  // The whole answer, kept only for the answer store (reasoning only where the stream's version carries it).
  const sent: ChunkContent[] | undefined = deps.archive ? [] : undefined
  const coalescer = new DeltaCoalescer(
    (content) => {
      sent?.push(content)
      sequencer.send(content)
    },
    { clock, ...deps.coalescing, ...budgetGate(deps) },
  )
  // A v1 client must never see reasoning: it is not even buffered for it.
  const carriesReasoning = stream.protocol >= 2
  const maxChannelChars = deps.maxChannelChars ?? MAX_CHANNEL_CHARS
  const stop = deps.stopSignal?.(modelId)
  const watchdog = new IdleWatchdog(deps.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, clock)
  const overflow = new AbortController()
  const signal = AbortSignal.any([...(stop ? [stop] : []), watchdog.signal, overflow.signal])
  let tally: AnswerTally | undefined
  let outcome: ModelOutcome
  try {
    const provider = deps.models.resolve(modelId)
    if (!provider) throw new ModelError('model-not-found', `No model is configured with the id "${modelId}".`)
    const messages = await withParts(input.messages, provider.attachmentTarget ?? 'text-only', deps.attachments)
    watchdog.arm()
    tally = new AnswerTally(clock)
    for await (const event of provider.stream({ ...input, messages, signal })) {
      if (signal.aborted) break
      // Every event is activity, reasoning included: a long thinking phase is not silence.
      watchdog.arm()
      tally.record(event)
      if (event.type !== 'delta' && event.type !== 'reasoning') continue
      // A provider's bug (a text that is not a string) is skipped, never turned into "[object Object]" on screen.
      if (typeof event.text !== 'string' || event.text === '') continue
      const chars = event.type === 'delta' ? tally.textChars : tally.reasoningChars
      if (chars > maxChannelChars) {
        overflow.abort()
        throw new ModelError('bad-response', overflowMessage(event.type, maxChannelChars))
      }
      if (event.type === 'delta') coalescer.push(event.text)
      else if (carriesReasoning) coalescer.push(event.text, 'reasoning')
    }
    outcome = stop?.aborted ? { status: 'stopped' } : watchdog.fired ? timeoutOutcome(watchdog) : { status: 'complete' }
  } catch (error) {
    if (stop?.aborted) outcome = { status: 'stopped' }
    else if (watchdog.fired) outcome = timeoutOutcome(watchdog)
    else outcome = { status: 'error', error: toStreamError(error) }
  } finally {
    watchdog.disarm()
  }
  const tail = coalescer.drain()
  const details = tally?.endDetails(outcome.status) ?? { stopReason: 'error' as const }
  const final = { ...outcome, ...details }
  const usage = tokenUsage(details.metrics)
  const archived = sent
    ? await archiveAnswer(deps, {
        userId,
        streamId,
        modelId,
        ...joinChannels([...sent, tail]),
        ...final,
        // The store keeps v1's `usage` beside the metrics: an app from before v2 reads only that.
        ...(usage ? { usage } : {}),
        ...(asked ? { asked } : {}),
        ...sequencer.sealFor(tail),
      })
    : undefined
  sequencer.finish(tail, final)
  await sequencer.settled()
  const signatures = tally?.reasoningSignatures ?? []
  return {
    modelId,
    status: outcome.status,
    chunks: sequencer.chunksSent,
    characters: tally?.textChars ?? 0,
    reasoningCharacters: tally?.reasoningChars ?? 0,
    failedPublishes: sequencer.failedPublishes,
    ...(details.stopReason ? { stopReason: details.stopReason } : {}),
    ...(signatures.length > 0 ? { reasoningSignatures: signatures } : {}),
    ...(archived !== undefined ? { archived } : {}),
    ...(details.metrics ? { metrics: details.metrics } : {}),
    ...(outcome.error ? { error: outcome.error } : {}),
  }
}

/** The budget as the coalescer's gate, with chunks small enough for its byte rate. */
function budgetGate(deps: ChatHandlerDeps): DeltaCoalescerOptions {
  const budget = deps.publishBudget
  if (!budget) return {}
  return { gate: budget, maxChars: Math.min(deps.coalescing?.maxChars ?? MAX_CHUNK_TEXT, budget.maxChunkChars) }
}

/** Zod keeps a key given as `undefined`; providers rely on "absent means not set". */
function withoutUnset(parameters: GenerationParameters): GenerationParameters {
  return Object.fromEntries(Object.entries(parameters).filter(([, value]) => value !== undefined))
}

function overflowMessage(channel: 'delta' | 'reasoning', max: number): string {
  const what = channel === 'delta' ? 'answer' : 'reasoning'
  return `The model's ${what} passed ${max.toLocaleString('en-US')} characters, the most StreamDesk keeps; it was stopped there.`
}

/** The answer store's copy of the whole answer: each channel joined, reasoning only when there was some. */
function joinChannels(contents: ChunkContent[]): { text: string; reasoning?: string } {
  const text = contents.map((c) => c.text).join('')
  const reasoning = contents.map((c) => c.reasoning ?? '').join('')
  return reasoning ? { text, reasoning } : { text }
}

/** Saves one finished answer; never throws (the live stream matters more than its stored copy). */
async function archiveAnswer(
  deps: ChatHandlerDeps,
  answer: Omit<AnswerRecord, 'chunks'> & { total: number },
): Promise<boolean> {
  const { total, ...rest } = answer
  try {
    await deps.archive!.save({ ...rest, chunks: total })
    return true
  } catch (error) {
    try {
      deps.onArchiveError?.(answer.modelId, error)
    } catch {
      // A failing logger must not end the stream either.
    }
    return false
  }
}

/** How a model's stream ended: never 'quota-exceeded', which only a refusal before any model says. */
type ModelOutcome = { status: FinalMarker['status']; error?: { code: StreamErrorCode; message: string } }

function timeoutOutcome(watchdog: IdleWatchdog): ModelOutcome {
  const seconds = Math.round(watchdog.timeoutMs / 1000)
  return { status: 'error', error: { code: 'timeout', message: `The model sent nothing for ${seconds} s.` } }
}

function toStreamError(error: unknown): { code: StreamErrorCode; message: string } {
  if (error instanceof ModelError) return { code: error.code, message: error.message.slice(0, 2000) }
  const message = error instanceof Error ? error.message : String(error)
  return { code: 'internal', message: `Unexpected error: ${message}`.slice(0, 2000) }
}

/** Aborts its signal when not re-armed within `timeoutMs`; re-arming on every model event makes it an idle timer. */
class IdleWatchdog {
  private readonly controller = new AbortController()
  private timer: unknown
  fired = false

  constructor(
    readonly timeoutMs: number,
    private readonly clock: Clock,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal
  }

  arm(): void {
    this.disarm()
    this.timer = this.clock.setTimeout(() => {
      this.fired = true
      this.controller.abort(new ModelError('timeout', 'idle timeout'))
    }, this.timeoutMs)
  }

  disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer)
    this.timer = undefined
  }
}
