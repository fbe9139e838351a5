/**
 * A model on Amazon Bedrock through the ConverseStream API, which speaks one message format for every Bedrock
 * model (Claude, Llama, Mistral, Nova…). `modelId` is a foundation model id (`anthropic.claude-3-5-haiku-20241022-v1:0`),
 * an inference profile id (`us.anthropic.claude-…`; newer models accept only these) or an ARN.
 * Every failure becomes a ModelError whose message says what to do, since it is shown as is in the model's column.
 */
import {
  ConverseStreamCommand,
  type BedrockRuntimeClient,
  type ContentBlock,
  type ConverseStreamMetadataEvent,
  type ConverseStreamCommandInput,
  type ConverseStreamOutput,
  type Message,
  type SystemContentBlock,
} from '@aws-sdk/client-bedrock-runtime'
import {
  ModelError,
  stopEvent,
  type ChatMessage,
  type ModelEvent,
  type ModelProvider,
  type ModelStreamRequest,
} from '../model-provider'
import type { MessagePart } from '../attachment-parts'
import { BEDROCK_LIMITS, bedrockContentBlocks } from './bedrock-attachments'
import type { StopReason } from '../../shared/answer'
import type { StreamErrorCode } from '../../protocol/stream-protocol'
import {
  DEFAULT_CLOUD_MAX_OUTPUT_TOKENS,
  type GenerationParameters,
  type ReasoningEffort,
} from '../../shared/generation'

export interface BedrockConverseConfig {
  client: BedrockRuntimeClient
  modelId: string
  /** The answer's max tokens when the request sets none; Bedrock's per-model default applies when both are unset. */
  maxTokens?: number
}

const MAX_DETAIL = 300

export function createBedrockConverseProvider(config: BedrockConverseConfig): ModelProvider {
  return { stream: (request) => streamConverse(config, request), attachmentTarget: 'bedrock' }
}

async function* streamConverse(
  config: BedrockConverseConfig,
  { messages, parameters, signal }: ModelStreamRequest,
): AsyncGenerator<ModelEvent> {
  signal.throwIfAborted()
  const command = new ConverseStreamCommand({
    modelId: config.modelId,
    ...toConverseMessages(messages),
    ...converseInference(parameters, config.maxTokens),
  })
  try {
    const response = await config.client.send(command, { abortSignal: signal })
    if (!response.stream) throw new ModelError('bad-response', `Bedrock answered ${config.modelId} without a stream.`)
    const blocks = new ContentBlocks()
    for await (const event of untilAborted(response.stream, signal)) {
      throwIfStreamException(event)
      yield* blocks.read(event)
    }
    yield* blocks.end()
  } catch (error) {
    if (signal.aborted) throw signal.reason
    throw toModelError(error, config.modelId)
  }
}

/**
 * Turns ConverseStream events into model events, keeping what spans several events: the tool names announced by
 * `contentBlockStart`, and each reasoning block's signature, which may arrive in pieces and is yielded whole when
 * its block stops. A redacted reasoning block is counted once, however many deltas carry its bytes.
 */
class ContentBlocks {
  private readonly toolNames: string[] = []
  private readonly signatures = new Map<number, string>()
  private readonly redacted = new Set<number>()

  read(event: ConverseStreamOutput): ModelEvent[] {
    const out: ModelEvent[] = []
    const toolName = event.contentBlockStart?.start?.toolUse?.name
    if (toolName && !this.toolNames.includes(toolName)) this.toolNames.push(toolName.slice(0, MAX_DETAIL))
    const blockDelta = event.contentBlockDelta
    if (blockDelta) {
      const index = blockDelta.contentBlockIndex ?? 0
      const { text, reasoningContent } = blockDelta.delta ?? {}
      if (typeof text === 'string' && text !== '') out.push({ type: 'delta', text })
      if (typeof reasoningContent?.text === 'string' && reasoningContent.text !== '') {
        out.push({ type: 'reasoning', text: reasoningContent.text })
      }
      if (typeof reasoningContent?.signature === 'string') {
        this.signatures.set(index, (this.signatures.get(index) ?? '') + reasoningContent.signature)
      }
      if (reasoningContent?.redactedContent !== undefined && !this.redacted.has(index)) {
        this.redacted.add(index)
        out.push({ type: 'redacted-reasoning' })
      }
    }
    if (event.contentBlockStop) out.push(...this.signature(event.contentBlockStop.contentBlockIndex ?? 0))
    if (event.messageStop)
      out.push(
        ...this.end(),
        stopEvent(BEDROCK_STOP_REASONS, event.messageStop.stopReason ?? 'unknown', this.toolNames),
      )
    if (event.metadata?.usage || event.metadata?.metrics) out.push(toUsage(event.metadata))
    return out
  }

  /** The signatures of blocks that never got their `contentBlockStop`. */
  end(): ModelEvent[] {
    return [...this.signatures.keys()].flatMap((index) => this.signature(index))
  }

  private signature(index: number): ModelEvent[] {
    const signature = this.signatures.get(index)
    this.signatures.delete(index)
    return signature ? [{ type: 'reasoning-signature', signature }] : []
  }
}

/** Bedrock's stopReason words, normalised (see `stopEvent`). */
const BEDROCK_STOP_REASONS: Readonly<Record<string, StopReason>> = {
  end_turn: 'end',
  max_tokens: 'max-tokens',
  stop_sequence: 'stop-sequence',
  tool_use: 'tool-call',
  guardrail_intervened: 'guardrail',
  content_filtered: 'content-filter',
}

/** Claude's thinking budget per effort; Bedrock's least is 1,024 tokens. */
export const THINKING_BUDGETS: Record<ReasoningEffort, number> = { low: 1_024, medium: 4_096, high: 16_384 }

/**
 * The generation parameters in Converse's shape: `inferenceConfig` {temperature, topP, maxTokens} with only what is
 * set, and reasoning as Claude's `thinking` in `additionalModelRequestFields`. Claude's rules for thinking are
 * applied here rather than sent to fail: temperature and top-p are left out (thinking requires the defaults), and
 * since thinking tokens count toward `maxTokens`, which must exceed the budget, `maxTokens` becomes the budget plus
 * the answer's own max tokens (the user's, else the model's configured one, else DEFAULT_CLOUD_MAX_OUTPUT_TOKENS).
 */
export function converseInference(
  parameters: GenerationParameters = {},
  configuredMaxTokens?: number,
): Pick<ConverseStreamCommandInput, 'inferenceConfig' | 'additionalModelRequestFields'> {
  const { temperature, topP, reasoning } = parameters
  const answerTokens = parameters.maxOutputTokens ?? configuredMaxTokens
  if (reasoning !== undefined) {
    const budget = THINKING_BUDGETS[reasoning]
    return {
      inferenceConfig: { maxTokens: budget + (answerTokens ?? DEFAULT_CLOUD_MAX_OUTPUT_TOKENS) },
      additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: budget } },
    }
  }
  const inferenceConfig = {
    ...(temperature !== undefined ? { temperature } : {}),
    ...(topP !== undefined ? { topP } : {}),
    ...(answerTokens !== undefined ? { maxTokens: answerTokens } : {}),
  }
  return Object.keys(inferenceConfig).length > 0 ? { inferenceConfig } : {}
}

/**
 * ChatMessage[] → Converse's shape: system messages become `system` blocks; the rest become messages of text blocks.
 * Bedrock refuses blank text blocks and expects user and assistant turns to alternate, so blank messages are
 * dropped and consecutive messages of one role are merged into one message with several blocks.
 *
 * Earlier answers go back as their text only, with thinking on too: no `reasoningContent` blocks, so no signatures
 * (the handler collects them, and nothing sends them). Claude requires earlier thinking back only within a tool-use
 * cycle, which StreamDesk does not run:
 * - Anthropic, "Building with extended thinking", Preserving thinking blocks
 *   (https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#preserving-thinking-blocks): thinking
 *   blocks must be passed back during tool use, while they "can" be omitted "from prior assistant role turns".
 * - Anthropic, "Context windows" (https://docs.anthropic.com/en/docs/build-with-claude/context-windows): returning
 *   the thinking block with its tool result is "the only case wherein you have to return thinking blocks"; earlier
 *   thinking is stripped from the context anyway.
 * - Amazon Bedrock User Guide, Extended thinking
 *   (https://docs.aws.amazon.com/bedrock/latest/userguide/claude-messages-extended-thinking.html), "Context
 *   handling": previous turns' thinking blocks are ignored and need not be removed; and "You cannot pre-fill
 *   responses when thinking is enabled", so the conversation must end with the user's turn, as every chat request
 *   does (its prompt is the last message).
 * A block sent back would have to be the model's own, unmodified, with its signature; a partial one is refused.
 * Sending none avoids that. Carrying them would matter once StreamDesk runs tools.
 */
export function toConverseMessages(chat: ChatMessage[]): { system?: SystemContentBlock[]; messages: Message[] } {
  const system: SystemContentBlock[] = []
  const messages: Message[] = []
  for (const { role, content, parts } of withinRequestLimits(chat)) {
    const hasParts = parts !== undefined && parts.length > 0
    if (content.trim() === '' && !hasParts) continue
    if (role === 'system') {
      system.push({ text: content })
      continue
    }
    // A user message's attachments: image, document and text blocks before its text (bedrock-attachments.ts).
    const blocks: ContentBlock[] = hasParts ? bedrockContentBlocks(content, parts) : [{ text: content }]
    const last = messages.at(-1)
    if (last?.role === role) last.content = [...(last.content ?? []), ...blocks]
    else messages.push({ role, content: blocks })
  }
  return { ...(system.length > 0 ? { system } : {}), messages }
}

/**
 * Converse counts images and documents per REQUEST, and an earlier turn's attachments are sent again with it: the
 * newest turns keep theirs, and an older attachment past the limit becomes a note the model reads instead.
 */
function withinRequestLimits(chat: ChatMessage[]): ChatMessage[] {
  let images = 0
  let documents = 0
  // From the newest part back: the most recent attachments are the ones the limits keep.
  const kept = [...chat].reverse().map((message) => {
    if (!message.parts) return message
    const parts = [...message.parts].reverse().map((part): MessagePart => {
      if (part.type === 'file-text') return part
      const within = part.type === 'image' ? ++images <= BEDROCK_LIMITS.images : ++documents <= BEDROCK_LIMITS.documents
      return within ? part : { type: 'file-text', name: part.name, text: EARLIER_ATTACHMENT_NOTE }
    })
    return { ...message, parts: parts.reverse() }
  })
  return kept.reverse()
}

const EARLIER_ATTACHMENT_NOTE = `[an earlier attachment, not sent again: Bedrock reads at most ${BEDROCK_LIMITS.images} images and ${BEDROCK_LIMITS.documents} documents in one request]`

function toUsage(metadata: ConverseStreamMetadataEvent): ModelEvent {
  const count = (n: unknown) => (typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined)
  const inputTokens = count(metadata.usage?.inputTokens)
  const outputTokens = count(metadata.usage?.outputTokens)
  const latencyMs = count(metadata.metrics?.latencyMs)
  return {
    type: 'usage',
    ...(inputTokens !== undefined ? { inputTokens } : {}),
    ...(outputTokens !== undefined ? { outputTokens } : {}),
    ...(latencyMs !== undefined ? { latencyMs } : {}),
  }
}

/** The exception members a ConverseStream event may carry instead of content. */
const STREAM_EXCEPTIONS = [
  'internalServerException',
  'modelStreamErrorException',
  'validationException',
  'throttlingException',
  'serviceUnavailableException',
] as const

function throwIfStreamException(event: ConverseStreamOutput): void {
  for (const member of STREAM_EXCEPTIONS) {
    const exception = event[member]
    if (exception) {
      // The same exception as the one the SDK throws, named as the SDK names it: `ThrottlingException`…
      throw Object.assign(new Error(exception.message ?? ''), { name: member[0]!.toUpperCase() + member.slice(1) })
    }
  }
}

/** Bedrock's error names, as thrown by the SDK or sent inside the stream, and what they mean for the user. */
const KNOWN_ERRORS: Record<string, { code: StreamErrorCode; explain: (model: string) => string }> = {
  ThrottlingException: {
    code: 'rate-limited',
    explain: (model) => `Bedrock is throttling requests to ${model}. Wait a moment, or ask AWS for a higher quota.`,
  },
  ServiceQuotaExceededException: {
    code: 'rate-limited',
    explain: (model) => `The account's Bedrock quota for ${model} is used up. Ask AWS for a higher quota.`,
  },
  ServiceUnavailableException: {
    code: 'rate-limited',
    explain: (model) => `Bedrock cannot serve ${model} right now. Try again in a moment.`,
  },
  ModelNotReadyException: {
    code: 'rate-limited',
    explain: (model) => `${model} is not ready on Bedrock yet. Try again in a moment.`,
  },
  AccessDeniedException: {
    code: 'unauthorized',
    explain: (model) =>
      `Bedrock denied access to ${model}. Enable access to this model in the Bedrock console (Model access) in ` +
      `the stack's region, and check that the chat Lambda's role may invoke it.`,
  },
  ResourceNotFoundException: {
    code: 'model-not-found',
    explain: (model) => `Bedrock has no model ${model} in this region. Check the model id in the stack configuration.`,
  },
  ModelTimeoutException: { code: 'timeout', explain: (model) => `${model} took too long to answer on Bedrock.` },
  TimeoutError: { code: 'timeout', explain: () => 'The connection to Bedrock timed out.' },
  ModelStreamErrorException: {
    code: 'bad-response',
    explain: (model) => `${model} failed while streaming its answer.`,
  },
  ModelErrorException: { code: 'bad-response', explain: (model) => `${model} failed while processing the request.` },
  InternalServerException: { code: 'bad-response', explain: () => 'Bedrock had an internal error. Try again.' },
}

/** A ValidationException about the model id rather than the conversation. */
const MODEL_ID_PROBLEM =
  /model identifier|model id|on-demand throughput|inference profile|model .*(not (found|exist|supported)|invalid)/i

function toModelError(error: unknown, modelId: string): ModelError {
  if (error instanceof ModelError) return error
  const name = error instanceof Error ? error.name : 'Error'
  const detail = clean(error instanceof Error ? error.message : String(error))
  const suffix = detail ? ` (${name}: ${detail})` : ` (${name})`
  if (name === 'ValidationException') {
    if (MODEL_ID_PROBLEM.test(detail)) {
      const hint = /on-demand|inference profile/i.test(detail)
        ? ' This model needs an inference profile id, such as us.' + modelId + '.'
        : ' Check the model id in the stack configuration.'
      return new ModelError('model-not-found', `Bedrock cannot use ${modelId}.${hint}${suffix}`, { cause: error })
    }
    return new ModelError('bad-response', `Bedrock refused the request for ${modelId}${suffix}`, { cause: error })
  }
  const known = KNOWN_ERRORS[name]
  if (known) return new ModelError(known.code, `${known.explain(modelId)}${suffix}`, { cause: error })
  if (isServiceError(error)) {
    return new ModelError('bad-response', `Bedrock reported an error for ${modelId}${suffix}`, { cause: error })
  }
  return new ModelError('internal', `Unexpected error while streaming ${modelId} from Bedrock${suffix}`, {
    cause: error,
  })
}

/** The SDK marks errors the service sent with `$fault`; anything else failed on our side. */
function isServiceError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && '$fault' in error
}

function clean(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim()
  return oneLine.length > MAX_DETAIL ? `${oneLine.slice(0, MAX_DETAIL)}…` : oneLine
}

/**
 * Iterates until the signal aborts, then throws its reason at once, even if the stream is stalled. The SDK also
 * aborts the HTTP request through `abortSignal`; this makes the stop prompt whatever the stream does.
 */
async function* untilAborted<T>(iterable: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const iterator = iterable[Symbol.asyncIterator]()
  let onAbort = () => {}
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
  })
  aborted.catch(() => undefined) // observed through the race below
  try {
    for (;;) {
      signal.throwIfAborted()
      const next = await Promise.race([iterator.next(), aborted])
      if (next.done) return
      yield next.value
    }
  } finally {
    signal.removeEventListener('abort', onAbort)
    // Release the stream without waiting: a stalled stream's return() settles only after its pending next().
    void iterator.return?.()?.catch(() => undefined)
  }
}
