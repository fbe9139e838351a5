/**
 * A model behind an OpenAI-compatible chat-completions API: OpenAI itself, Ollama (`http://127.0.0.1:11434/v1`),
 * LM Studio (`http://127.0.0.1:1234/v1`), llama.cpp's server, vLLM… Every failure becomes a ModelError whose message
 * tells the user what went wrong and where, since it is shown as is in the model's column.
 */
import {
  ModelError,
  stopEvent,
  type ChatMessage,
  type ModelEvent,
  type ModelProvider,
  type ModelStreamRequest,
} from '../model-provider'
import type { StopReason } from '../../shared/answer'
import type { StreamErrorCode } from '../../protocol/stream-protocol'
import { parseSse } from './sse-parser'
import { fileTextBlock, type MessagePart } from '../attachment-parts'
import { withThinkTagSplitting } from './think-tag-splitter'
import type { GenerationParameters } from '../../shared/generation'
import { errorMessage } from '../../lib/error-message'
import { withoutUrlCredentials } from '../../lib/url-credentials'
import { userMessage, type UserMessage } from '../../shared/user-message'

export interface OpenAiCompatibleConfig {
  /** The API root, usually ending in `/v1`; with or without a trailing slash. */
  baseUrl: string
  model: string
  apiKey?: string
  fetch?: typeof fetch
  /** How long to wait for the response headers; default 120 s. Once they arrive, the handler's idle timeout rules. */
  connectTimeoutMs?: number
}

/** A model check's outcome, keyed for the UI's language (the server's own words, if any, as the detail). */
export interface ProbeResult {
  reachable: boolean
  message: UserMessage
  hint?: UserMessage
}

// Local servers (Ollama, LM Studio) send no headers until the model is loaded, which takes a while on a CPU.
const DEFAULT_CONNECT_TIMEOUT_MS = 120_000
const DEFAULT_PROBE_TIMEOUT_MS = 3_000
const MAX_SERVER_MESSAGE = 300
const MAX_ERROR_BODY_BYTES = 64 * 1024
const CLOSED_EARLY = 'The server closed the stream before the answer finished.'
/** "try again in 20s", "retry after 1.5 seconds", "please wait 30 s": a server's own retry hint. */
const SERVER_RETRY_HINT = /\b(try again|retry|wait)\b[^.;]{0,20}?\d/i
/** The app's own hint, for a 429 that gives none. */
const RATE_LIMIT_HINT = ' Wait a moment, then try again.'
/** Tool names and finish reasons are shown to the user: a hostile server's megabyte-long name is cut. */
const MAX_SHOWN_NAME = 100

/**
 * The provider for one model. It is wrapped in the `<think>` splitter: R1-style servers put the reasoning inline at
 * the start of `content`, and whichever resolver builds the provider (local settings, the Lambda's catalog) gets the
 * reasoning as its own channel.
 */
export function createOpenAiCompatibleProvider(config: OpenAiCompatibleConfig): ModelProvider {
  return withThinkTagSplitting({
    attachmentTarget: 'openai-compatible',
    stream: (request) => streamChat(config, request),
  })
}

async function* streamChat(
  config: OpenAiCompatibleConfig,
  { messages, parameters, signal }: ModelStreamRequest,
): AsyncGenerator<ModelEvent> {
  const connectTimeoutMs = config.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
  const response = await request(config, 'chat/completions', signal, connectTimeoutMs, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify(chatCompletionBody(config.model, messages, parameters)),
  })
  if (!response.ok) throw await httpError(config, response, parameters?.reasoning !== undefined)
  await refuseNonStream(config, response)

  let finished = false // a choice's finish_reason arrived: the answer is whole even if [DONE] never comes
  const toolNames = new Set<string>()
  try {
    for await (const { data } of parseSse(response.body ?? emptyStream())) {
      signal.throwIfAborted()
      if (data === '[DONE]') return
      const chunk = parseChunk(data)
      if (chunk.error) throw serverError(config, chunk.error) // some servers report failures mid-stream
      const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined
      const delta = isObject(choice?.delta) ? choice.delta : undefined
      const reasoning = reasoningText(delta)
      if (reasoning) yield { type: 'reasoning', text: reasoning }
      const text = delta?.content
      if (typeof text === 'string' && text !== '') yield { type: 'delta', text }
      for (const name of toolCallNames(delta)) toolNames.add(name)
      // SGLang sends `"finish_reason": ""` on every chunk until the last: only a non-empty word ends the answer.
      if (!finished && typeof choice?.finish_reason === 'string' && choice.finish_reason !== '') {
        finished = true
        yield stopEvent(OPENAI_FINISH_REASONS, choice.finish_reason, [...toolNames])
      }
      if (isObject(chunk.usage)) yield toUsage(chunk.usage)
    }
  } catch (error) {
    if (signal.aborted) throw signal.reason
    if (error instanceof ModelError) throw error
    // A connection lost after the finish_reason lost at most the usage and [DONE]: the answer itself is whole.
    if (finished) return
    // undici reports a connection lost mid-body as a TypeError ("terminated").
    throw new ModelError('bad-response', CLOSED_EARLY, { cause: error })
  }
  signal.throwIfAborted()
  if (!finished) throw new ModelError('bad-response', CLOSED_EARLY)
}

/**
 * The request body. Each parameter is sent only when set, so a server's own defaults apply otherwise (and a server
 * that knows none of them is not asked). Reasoning goes as `reasoning_effort`, which OpenAI, Groq, vLLM, OpenRouter
 * and Ollama's `/v1` endpoint all read. `max_tokens` rather than `max_completion_tokens`: every compatible server
 * reads the former.
 *
 * Ollama's `think` is not sent, because its `/v1` endpoint does not read it. Checked in ollama/ollama at
 * fb30760996871fa9460115c753afd2c60d4ab0f7 (Aug 2026):
 * - openai/openai.go `ChatCompletionRequest` has `Reasoning *Reasoning \`json:"reasoning,omitempty"\`` and
 *   `ReasoningEffort *string \`json:"reasoning_effort,omitempty"\`` and no `think` field. The request is decoded with
 *   gin's `ShouldBindJSON` (middleware/openai.go `ChatMiddleware`), which drops unknown keys, so `think` would be
 *   ignored there.
 * - `FromChatRequest` takes `r.Reasoning.Effort`, else `*r.ReasoningEffort`, and `thinkFromReasoningEffort` turns
 *   it into the native `Think` ("low", "medium", "high" as they are; "none" to false).
 * - `reasoning_effort` has been read since v0.11.5 (commit d0cf6c828, "fix(openai): handle reasoning_effort").
 *   Until v0.17.7 (commit 122c68c15) the chat handler refused a string think value for any model but gpt-oss
 *   ("think value %q is not supported for this model"). It still refuses thinking for a model without that
 *   capability ("%q does not support thinking", server/routes.go). Both are 400s, and `httpError` words them
 *   as a reasoning setting the model cannot take.
 * So an Ollama endpoint reads the same field as every other server, and nothing Ollama-specific is sent. Reasoning
 * "off" sends nothing. A thinking model on Ollama then thinks at its default, as an OpenAI o-series model does:
 * Ollama turns thinking on when the request leaves it unset (server/routes.go, since v0.12.4).
 */
export function chatCompletionBody(
  model: string,
  messages: ChatMessage[],
  parameters: GenerationParameters = {},
): Record<string, unknown> {
  const { temperature, topP, maxOutputTokens, reasoning } = parameters
  return {
    model,
    messages: messages.map(({ role, content, parts }) => ({ role, content: messageContent(content, parts) })),
    stream: true,
    stream_options: { include_usage: true },
    ...(temperature !== undefined ? { temperature } : {}),
    ...(topP !== undefined ? { top_p: topP } : {}),
    ...(maxOutputTokens !== undefined ? { max_tokens: maxOutputTokens } : {}),
    ...(reasoning !== undefined ? { reasoning_effort: reasoning } : {}),
  }
}

/**
 * A message's `content`: its text as a string, as before, unless it has attachments; then an array of parts, the
 * files first and the prompt last (a question after its material): `text` parts for text files and a PDF's text,
 * `image_url` parts with a base64 data URL for images. OpenAI, Ollama, LM Studio and vLLM all read this form.
 */
export function messageContent(content: string, parts: readonly MessagePart[] | undefined): string | unknown[] {
  if (parts === undefined || parts.length === 0) return content
  return [
    ...parts.flatMap((part): unknown[] => {
      switch (part.type) {
        case 'file-text':
          return [{ type: 'text', text: fileTextBlock(part.name, part.text) }]
        case 'image':
          return [
            {
              type: 'image_url',
              image_url: { url: `data:${part.mediaType};base64,${Buffer.from(part.data).toString('base64')}` },
            },
          ]
        case 'document':
          // The app asks the source for this target, which gives a PDF as its text; a document part cannot travel.
          return [{ type: 'text', text: fileTextBlock(part.name, '[a PDF this server cannot read]') }]
      }
    }),
    { type: 'text', text: content },
  ]
}

/** The parts of a chat.completion.chunk we read; anything else in it is ignored, and every field is checked. */
interface CompletionChunk {
  choices?: Array<{ delta?: unknown; finish_reason?: unknown } | undefined>
  usage?: unknown
  error?: unknown
}

interface ChunkDelta {
  content?: unknown
  /** DeepSeek, llama.cpp, LM Studio, older vLLM. */
  reasoning_content?: unknown
  /** Ollama, Groq, OpenRouter, recent vLLM. */
  reasoning?: unknown
  tool_calls?: unknown
  /** The deprecated single function call, still sent by some servers. */
  function_call?: unknown
}

/** A delta's reasoning text, from whichever field the server uses; a server that fills both sends the same text. */
function reasoningText(delta: ChunkDelta | undefined): string | undefined {
  for (const value of [delta?.reasoning_content, delta?.reasoning]) {
    if (typeof value === 'string' && value !== '') return value
  }
  return undefined
}

/** The function names in a delta's tool calls (a name arrives once, in the first delta of its call). */
function toolCallNames(delta: ChunkDelta | undefined): string[] {
  const calls = Array.isArray(delta?.tool_calls) ? (delta.tool_calls as unknown[]) : [delta?.function_call]
  return calls.flatMap((call) => {
    const fn: unknown = isObject(call) && 'function' in call ? call.function : call
    const name = isObject(fn) && 'name' in fn ? fn.name : undefined
    return typeof name === 'string' && name !== '' ? [name.slice(0, MAX_SHOWN_NAME)] : []
  })
}

/** OpenAI's finish_reason words, normalised (see `stopEvent`). */
const OPENAI_FINISH_REASONS: Readonly<Record<string, StopReason>> = {
  stop: 'end',
  length: 'max-tokens',
  content_filter: 'content-filter',
  tool_calls: 'tool-call',
  function_call: 'tool-call',
}

function isObject(value: unknown): value is Record<string, unknown> & ChunkDelta {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function parseChunk(data: string): CompletionChunk {
  let value: unknown
  try {
    value = JSON.parse(data)
  } catch {
    throw new ModelError('bad-response', `The server sent a stream event that is not JSON: ${truncate(data, 100)}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ModelError('bad-response', `The server sent a stream event that is not a chunk: ${truncate(data, 100)}`)
  }
  return value as CompletionChunk
}

/** OpenAI's usage; reasoning tokens from `completion_tokens_details` (OpenAI, Groq, DeepSeek) or top level. */
function toUsage(usage: Record<string, unknown>): ModelEvent {
  const count = (n: unknown) => (typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined)
  const details = isObject(usage.completion_tokens_details) ? usage.completion_tokens_details : {}
  const inputTokens = count(usage.prompt_tokens)
  const outputTokens = count(usage.completion_tokens)
  const reasoningTokens = count(details.reasoning_tokens) ?? count(usage.reasoning_tokens)
  return {
    type: 'usage',
    ...(inputTokens !== undefined ? { inputTokens } : {}),
    ...(outputTokens !== undefined ? { outputTokens } : {}),
    ...(reasoningTokens !== undefined ? { reasoningTokens } : {}),
  }
}

/**
 * Sends a request and waits for its headers, failing with 'timeout' after `timeoutMs`. The caller's signal also
 * covers the body; the timeout does not, since an answer may legitimately take minutes to stream.
 */
async function request(
  config: OpenAiCompatibleConfig,
  path: string,
  signal: AbortSignal,
  timeoutMs: number,
  init: { method: string; headers: Record<string, string>; body?: string },
): Promise<Response> {
  const url = endpoint(config.baseUrl, path)
  const timeout = new AbortController()
  const timer = setTimeout(() => timeout.abort(), timeoutMs)
  try {
    return await (config.fetch ?? fetch)(url, {
      ...init,
      headers: { ...init.headers, ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}) },
      signal: AbortSignal.any([signal, timeout.signal]),
    })
  } catch (error) {
    if (signal.aborted) throw signal.reason
    if (timeout.signal.aborted) {
      const message = `${displayUrl(config.baseUrl)} did not answer within ${seconds(timeoutMs)}.`
      throw new ModelError('timeout', message, { cause: error })
    }
    throw connectionError(config.baseUrl, error)
  } finally {
    clearTimeout(timer)
  }
}

/** `base` + `path` with exactly one slash between them, keeping the base's own path (`/v1`). */
function endpoint(baseUrl: string, path: string): string {
  const problem = addressProblem(baseUrl)
  if (problem) throw new ModelError('connection-refused', problem)
  const url = new URL(baseUrl.trim())
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${path}`
  return url.href
}

/** Why `baseUrl` cannot be used as a server address, if it cannot. */
function addressProblem(baseUrl: string): string | undefined {
  let url: URL
  try {
    url = new URL(baseUrl.trim())
  } catch {
    return `The server address "${displayUrl(baseUrl)}" is not a valid URL (expected something like http://127.0.0.1:11434/v1).`
  }
  return url.protocol === 'http:' || url.protocol === 'https:'
    ? undefined
    : `The server address "${displayUrl(baseUrl)}" must start with http:// or https://.`
}

/** The base URL as shown in messages: without a trailing slash, nor any credentials embedded in it. */
function displayUrl(baseUrl: string): string {
  return withoutUrlCredentials(baseUrl.trim()).replace(/\/+$/, '')
}

/** fetch rejects with a TypeError whose `cause` carries the system error code; see undici's connect errors. */
function connectionError(baseUrl: string, error: unknown): ModelError {
  if (error instanceof ModelError) return error
  const cause = error instanceof Error ? error.cause : undefined
  const code = cause && typeof cause === 'object' && 'code' in cause ? String(cause.code) : undefined
  const where = displayUrl(baseUrl)
  const reason =
    code === 'ECONNREFUSED'
      ? 'connection refused'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'host not found'
        : code === 'ECONNRESET' || code === 'UND_ERR_SOCKET'
          ? 'connection reset'
          : code === 'EHOSTUNREACH' || code === 'ENETUNREACH'
            ? 'host unreachable'
            : // The client's own message quotes the URL it was given, `user:password@` included.
              (code ?? errorMessage(error))
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new ModelError('timeout', `Could not connect to ${where} (the connection timed out).`, { cause: error })
  }
  const message = `Could not connect to ${where} (${reason}). Is the model server running?`
  return new ModelError('connection-refused', message, { cause: error })
}

/**
 * Ollama's 400s for a reasoning setting the model cannot take (see `chatCompletionBody`), each with what to do:
 * a model that does not reason at all, or an Ollama older than 0.17.7 that takes levels only for gpt-oss.
 */
const REFUSED_REASONING: ReadonlyArray<[RegExp, string]> = [
  [/\bdoes not support thinking\b/i, ' This model does not reason: set Reasoning to Off for it in Settings.'],
  [
    /\bthink value\b.*\bnot supported for this model\b/i,
    ' Update Ollama to 0.17.7 or newer, or set Reasoning to Off for this model in Settings.',
  ],
]

async function httpError(
  config: OpenAiCompatibleConfig,
  response: Response,
  askedReasoning: boolean,
): Promise<ModelError> {
  const where = displayUrl(config.baseUrl)
  const detail = serverMessage(await readText(response))
  const suffix = detail ? `: ${detail}${/[.!?…]$/.test(detail) ? '' : '.'}` : '.'
  const status = response.status
  if (status === 401 || status === 403) {
    const key = config.apiKey
      ? 'Check the API key configured for this model'
      : 'It needs an API key; none is configured'
    return new ModelError('unauthorized', `${where} refused the request (HTTP ${status}). ${key}${suffix}`)
  }
  if (status === 404) {
    // Ollama: 404 {"error":{"message":"model \"x\" not found, try pulling it first"}}; a wrong base URL is a 404 too.
    const pathHint = detail?.includes(config.model) ? '' : ' (if the model exists, check that the address ends in /v1)'
    return new ModelError('model-not-found', `Model "${config.model}" was not found at ${where}${pathHint}${suffix}`)
  }
  if (status === 429) {
    // One hint only: the server's own words ("Please try again in 20s") when it gives them, else its Retry-After.
    const retry = retryAfter(response.headers.get('retry-after'))
    const again = detail && SERVER_RETRY_HINT.test(detail) ? '' : retry ? ` Try again ${retry}.` : RATE_LIMIT_HINT
    return new ModelError('rate-limited', `${where} is rate limiting requests (HTTP 429)${suffix}${again}`)
  }
  const reasoningHint =
    askedReasoning && status === 400 && REFUSED_REASONING.find(([words]) => words.test(detail ?? ''))
  if (reasoningHint)
    return new ModelError('bad-response', `${where} answered HTTP ${status}${suffix}${reasoningHint[1]}`)
  return new ModelError('bad-response', `${where} answered HTTP ${status}${suffix}`)
}

/** A 2xx that is not an event stream: an error object some servers send with 200, or a non-streaming answer. */
async function refuseNonStream(config: OpenAiCompatibleConfig, response: Response): Promise<void> {
  const type = response.headers.get('content-type') ?? ''
  if (type === '' || /^text\/event-stream\b/i.test(type)) return // a missing type is tolerated: try to read it as SSE
  const body = await readText(response)
  if (/\bjson\b/i.test(type)) {
    const error = tryJson(body)
    if (error && typeof error === 'object' && 'error' in error) throw serverError(config, error.error)
  }
  throw new ModelError(
    'bad-response',
    `${displayUrl(config.baseUrl)} did not answer with an event stream (content-type ${truncate(type, 60)}): ` +
      (clean(body) ?? 'empty body'),
  )
}

/** An `{error: …}` object inside a 200 response or the stream; its `code`/`type` says what kind of failure. */
function serverError(config: OpenAiCompatibleConfig, error: unknown): ModelError {
  const detail = clean(errorText(error)) ?? 'unknown error'
  const kind =
    error && typeof error === 'object'
      ? `${String('code' in error ? error.code : '')} ${String('type' in error ? error.type : '')}`
      : ''
  const code: StreamErrorCode = /api_key|auth|permission/i.test(kind)
    ? 'unauthorized'
    : /rate_limit|quota/i.test(kind)
      ? 'rate-limited'
      : /model_not_found/i.test(kind)
        ? 'model-not-found'
        : 'bad-response'
  return new ModelError(code, `${displayUrl(config.baseUrl)} reported an error for model "${config.model}": ${detail}`)
}

/** The server's explanation from an error body: OpenAI `{error:{message}}`, `{error:"…"}`, `{message}` or text. */
function serverMessage(body: string): string | undefined {
  return clean(errorText(tryJson(body) ?? body))
}

function errorText(value: unknown): string {
  if (typeof value === 'string') return value
  if (value && typeof value === 'object') {
    if ('error' in value) return errorText(value.error)
    if ('message' in value && typeof value.message === 'string') return value.message
  }
  return JSON.stringify(value) ?? ''
}

function clean(text: string): string | undefined {
  const oneLine = text.replace(/\s+/g, ' ').trim()
  return oneLine ? truncate(oneLine, MAX_SERVER_MESSAGE) : undefined
}

/** Reads at most MAX_ERROR_BODY_BYTES of a body, then releases the connection. */
async function readText(response: Response): Promise<string> {
  if (!response.body) return ''
  const reader = response.body.getReader()
  const parts: Uint8Array[] = []
  let size = 0
  try {
    while (size < MAX_ERROR_BODY_BYTES) {
      const { done, value } = await reader.read()
      if (done) break
      parts.push(value)
      size += value.byteLength
    }
  } catch {
    // A body cut short still says something; keep what arrived.
  } finally {
    await reader.cancel().catch(() => undefined)
  }
  return new TextDecoder().decode(Buffer.concat(parts).subarray(0, MAX_ERROR_BODY_BYTES))
}

function retryAfter(header: string | null): string | undefined {
  if (!header) return undefined
  if (/^\d+$/.test(header.trim())) return `in ${header.trim()} s`
  const date = Date.parse(header)
  return Number.isNaN(date) ? undefined : `after ${new Date(date).toISOString()}`
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`
}

function emptyStream(): ReadableStream<Uint8Array> {
  return new ReadableStream({ start: (controller) => controller.close() })
}

/** What a server says it offers: its model ids, or why it could not be asked (with a next step). */
export type ServerModels = { ok: true; ids: string[] } | { ok: false; message: UserMessage; hint?: UserMessage }

/** The most model ids kept from one listing (OpenRouter lists a few hundred). */
const MAX_LISTED_MODELS = 1_000

/**
 * Asks an OpenAI-compatible server for its models (`GET <root>/models`), quickly and without throwing: for
 * Settings' "Discover models" and for the model check.
 */
export async function listServerModels(
  config: Omit<OpenAiCompatibleConfig, 'model'>,
  options: { timeoutMs?: number } = {},
): Promise<ServerModels> {
  const server = displayUrl(config.baseUrl)
  if (addressProblem(config.baseUrl)) {
    return { ok: false, message: userMessage('server:bad-address', { address: server }), hint: hint('enter-api-root') }
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS
  // One deadline for the whole request, body included: a settings screen must never wait on a stalled server.
  const deadline = AbortSignal.timeout(timeoutMs)
  let response: Response
  try {
    response = await request({ ...config, model: '' }, 'models', deadline, timeoutMs, {
      method: 'GET',
      headers: { accept: 'application/json' },
    })
  } catch (error) {
    // The OS's own word for it (ECONNREFUSED, ENOTFOUND…) is the detail; none for a plain timeout.
    const message = userMessage('server:not-answering', { server }, systemErrorCode(error))
    return { ok: false, message, hint: startHint(config) }
  }
  const body = await readText(response)
  if (response.status === 401 || response.status === 403) {
    return {
      ok: false,
      message: userMessage('server:refused', { server, status: response.status }, serverMessage(body)),
      hint: hint(config.apiKey ? 'check-key' : 'add-key'),
    }
  }
  const ids = modelIds(tryJson(body))
  if (!response.ok || !ids) {
    return {
      ok: false,
      message: response.ok
        ? userMessage('server:bad-model-list', { server })
        : userMessage('server:bad-model-list', { server, status: response.status }, serverMessage(body)),
      hint: hint('check-api-root'),
    }
  }
  return { ok: true, ids: [...new Set(ids)].slice(0, MAX_LISTED_MODELS) }
}

/**
 * Checks, quickly and without throwing, that the server answers and has the model, for the settings screen and the
 * first-run check. `reachable` is true only when the model can be used as configured.
 */
export async function probeOpenAiCompatible(
  config: OpenAiCompatibleConfig,
  options: { timeoutMs?: number } = {},
): Promise<ProbeResult> {
  const listing = await listServerModels(config, options)
  if (!listing.ok) return { reachable: false, message: listing.message, ...(listing.hint && { hint: listing.hint }) }
  const server = displayUrl(config.baseUrl)
  const { model } = config
  const { ids } = listing
  // Ollama lists "llama3.2:latest" and accepts "llama3.2" for it.
  if (ids.includes(model) || (!model.includes(':') && ids.includes(`${model}:latest`))) {
    return { reachable: true, message: userMessage('model:ready', { model, server }) }
  }
  const available = ids.slice(0, 8).map((id) => truncate(id, MAX_SHOWN_NAME))
  return {
    reachable: false,
    message: userMessage('server:missing-model', { server, model, available }),
    hint: looksLikeOllama(config.baseUrl)
      ? userMessage('hint:ollama-pull', { model })
      : userMessage('hint:load-model', { model }),
  }
}

function modelIds(json: unknown): string[] | undefined {
  if (!json || typeof json !== 'object' || !('data' in json) || !Array.isArray(json.data)) return undefined
  return json.data.flatMap((entry: unknown) =>
    entry && typeof entry === 'object' && 'id' in entry && typeof entry.id === 'string' ? [entry.id] : [],
  )
}

/**
 * What to run when no server answers. It names no model: the server is what is missing, so every model on it shares
 * the hint (the banner groups them), and a missing model gets its own `ollama pull` hint once the server is up.
 */
function startHint(config: { baseUrl: string }): UserMessage {
  if (portOf(config.baseUrl) === '1234') return hint('start-lm-studio')
  return hint(looksLikeOllama(config.baseUrl) ? 'start-ollama' : 'start-any-server')
}

type ParamlessHint =
  'enter-api-root' | 'start-ollama' | 'start-lm-studio' | 'start-any-server' | 'check-key' | 'add-key'
function hint(which: ParamlessHint | 'check-api-root'): UserMessage {
  return userMessage(`hint:${which}`, {})
}

/** The system error code under a failed fetch (`ECONNREFUSED`, `ENOTFOUND`…), as the OS names it. */
function systemErrorCode(error: unknown): string | undefined {
  for (let at: unknown = error, depth = 0; at instanceof Error && depth < 4; at = at.cause, depth++) {
    const code = (at as { code?: unknown }).code
    if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code
  }
  return undefined
}

function looksLikeOllama(baseUrl: string): boolean {
  return portOf(baseUrl) === '11434' || /ollama/i.test(baseUrl)
}

function portOf(baseUrl: string): string | undefined {
  try {
    return new URL(baseUrl.trim()).port
  } catch {
    return undefined
  }
}
