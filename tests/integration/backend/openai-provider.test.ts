import { createServer } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ModelError, type ModelEvent, type ModelProvider } from '../../../src-main/backend/model-provider'
import {
  createOpenAiCompatibleProvider,
  probeOpenAiCompatible,
  type OpenAiCompatibleConfig,
  type ProbeResult,
} from '../../../src-main/backend/providers/openai-compatible'
import { en } from '../../../src-renderer/src/i18n/en'
import { messageText } from '../../../src-renderer/src/i18n/main-message'
import type { GenerationParameters } from '../../../src-main/shared/generation'
import { UNTERMINATED_THINK_NOTE } from '../../../src-main/backend/providers/think-tag-splitter'
import { startLoopbackServer, type LoopbackServer } from '../../support/loopback-server'
import { OUTCOME_DEADLINE_MS, withinDeadline } from '../../support/deadline'
import { splitIntoDeltas, startFakeOpenAiServer, type FakeOpenAiServer } from '../../fixtures/fake-openai-server'

const ANSWER = 'Hello! Voilà: naïve café ☕, 日本語 and 👩‍👩‍👧 emoji.\nSecond line.'
const messages = [{ role: 'user' as const, content: 'Say hello' }]

interface Run {
  events: ModelEvent[]
  error?: unknown
}

async function run(
  provider: ModelProvider,
  signal = new AbortController().signal,
  parameters?: GenerationParameters,
): Promise<Run> {
  const events: ModelEvent[] = []
  try {
    for await (const event of provider.stream({ messages, parameters, signal })) events.push(event)
    return { events }
  } catch (error) {
    return { events, error }
  }
}

const textOf = (events: ModelEvent[]) => events.map((e) => (e.type === 'delta' ? e.text : '')).join('')
const deltas = (events: ModelEvent[]) => events.filter((e) => e.type === 'delta')

/** Asserts a ModelError with this code and returns its message. */
function modelError(result: Run, code: ModelError['code']): string {
  expect(result.error).toBeInstanceOf(ModelError)
  expect((result.error as ModelError).code).toBe(code)
  return (result.error as ModelError).message
}

async function closedPortUrl(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return `http://127.0.0.1:${port}/v1`
}

/**
 * A local server that answers every request with this body, to script what the fake server cannot (each is
 * closed after its test). The provider reaches it with its real fetch, as it reaches any model server.
 */
const scripted: LoopbackServer[] = []
async function serverAnswering(body: string, headers: Record<string, string>, path = '/v1'): Promise<string> {
  const answering = await startLoopbackServer((_req, res) => res.writeHead(200, headers).end(body))
  scripted.push(answering)
  return `${answering.origin}${path}`
}

/** The base URL of a server that streams these `data:` events and then closes the response. */
const sseServer = (...events: string[]) =>
  serverAnswering(events.map((data) => `data: ${data}\n\n`).join(''), { 'content-type': 'text/event-stream' })

let server: FakeOpenAiServer
beforeEach(async () => {
  server = await startFakeOpenAiServer({
    llama: { kind: 'answer', deltas: splitIntoDeltas(ANSWER), usage: { prompt_tokens: 12, completion_tokens: 34 } },
  })
})
afterEach(async () => {
  await Promise.all(scripted.splice(0).map((answering) => answering.close()))
  await server.close()
})

const provider = (config: Partial<OpenAiCompatibleConfig> = {}) =>
  createOpenAiCompatibleProvider({ baseUrl: server.baseUrl, model: 'llama', ...config })

describe('OpenAI-compatible provider: answers', () => {
  it('streams the scripted answer exactly, in several deltas, then the usage', async () => {
    const result = await run(provider())
    expect(result.error).toBeUndefined()
    expect(textOf(result.events)).toBe(ANSWER)
    expect(deltas(result.events).length).toBe(splitIntoDeltas(ANSWER).length)
    expect(deltas(result.events).length).toBeGreaterThan(5)
    expect(result.events.at(-1)).toEqual({ type: 'usage', inputTokens: 12, outputTokens: 34 })
    expect(server.requests).toHaveLength(1)
    expect(server.requests[0]?.body).toEqual({
      model: 'llama',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    })
  })

  it('sends each parameter that is set under its OpenAI name, reasoning as reasoning_effort', async () => {
    const signal = new AbortController().signal
    const parameters = { temperature: 1.5, topP: 0.25, maxOutputTokens: 900, reasoning: 'high' as const }
    for await (const _event of provider().stream({ messages, parameters, signal })) {
      // drained
    }
    expect(server.requests[0]?.body).toEqual({
      model: 'llama',
      messages,
      stream: true,
      stream_options: { include_usage: true },
      temperature: 1.5,
      top_p: 0.25,
      max_tokens: 900,
      reasoning_effort: 'high',
    })
  })

  it('sends a temperature of 0 (a set value, not an absent one) and nothing for unset parameters', async () => {
    const signal = new AbortController().signal
    for await (const _event of provider().stream({ messages, parameters: { temperature: 0 }, signal })) {
      // drained
    }
    const body = server.requests[0]?.body as Record<string, unknown>
    expect(body.temperature).toBe(0)
    for (const absent of ['top_p', 'max_tokens', 'reasoning_effort', 'think']) expect(body).not.toHaveProperty(absent)
  })

  it('joins the base URL with or without a trailing slash', async () => {
    for (const baseUrl of [`${server.baseUrl}/`, `${server.baseUrl}//`]) {
      const result = await run(provider({ baseUrl }))
      expect(result.error).toBeUndefined()
      expect(textOf(result.events)).toBe(ANSWER)
    }
  })

  it('sends the API key as a Bearer token only when one is configured', async () => {
    await run(provider())
    expect(server.requests[0]?.headers.authorization).toBeUndefined()

    const secured = await startFakeOpenAiServer(
      { llama: { kind: 'answer', deltas: ['ok'] } },
      { apiKey: 'sk-test-123' },
    )
    try {
      const result = await run(provider({ baseUrl: secured.baseUrl, apiKey: 'sk-test-123' }))
      expect(textOf(result.events)).toBe('ok')
      expect(secured.requests[0]?.headers.authorization).toBe('Bearer sk-test-123')
    } finally {
      await secured.close()
    }
  })

  it('completes a stream that has a finish_reason but no [DONE]', async () => {
    const baseUrl = await sseServer(
      '{"choices":[{"delta":{"content":"Hi"}}]}',
      '{"choices":[{"delta":{},"finish_reason":"stop"}]}',
    )
    const result = await run(provider({ baseUrl }))
    expect(result.error).toBeUndefined()
    expect(textOf(result.events)).toBe('Hi')
  })

  it('does not end the answer at an empty finish_reason, which SGLang sends on every chunk until the last', async () => {
    // The first three events are verbatim from the SGLang DeepSeek-R1 stream logged in
    // https://github.com/zed-industries/zed/issues/24067; the last is their envelope with finish_reason "stop" (the
    // stream is cut inside its <think>, so the reasoning ends with the splitter's note).
    const baseUrl = await sseServer(
      '{"id":"5c0188574931402291e693a1bd952725","object":"chat.completion.chunk","created":1738850761,"model":"deepseek-ai/DeepSeek-R1","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":"","matched_stop":null}],"usage":null}',
      '{"id":"5c0188574931402291e693a1bd952725","object":"chat.completion.chunk","created":1738850761,"model":"deepseek-ai/DeepSeek-R1","choices":[{"index":0,"delta":{"role":null,"content":"<think>"},"logprobs":null,"finish_reason":"","matched_stop":null}],"usage":null}',
      '{"id":"5c0188574931402291e693a1bd952725","object":"chat.completion.chunk","created":1738850761,"model":"deepseek-ai/DeepSeek-R1","choices":[{"index":0,"delta":{"role":null,"content":"\\nAlright,"},"logprobs":null,"finish_reason":"","matched_stop":null}],"usage":null}',
      '{"id":"5c0188574931402291e693a1bd952725","object":"chat.completion.chunk","created":1738850761,"model":"deepseek-ai/DeepSeek-R1","choices":[{"index":0,"delta":{"role":null,"content":""},"logprobs":null,"finish_reason":"stop","matched_stop":null}],"usage":null}',
      '[DONE]',
    )
    const result = await run(provider({ baseUrl }))
    expect(result).toEqual({
      events: [
        { type: 'reasoning', text: '\nAlright,' },
        { type: 'reasoning', text: UNTERMINATED_THINK_NOTE },
        { type: 'stop', reason: 'end', raw: 'stop' },
      ],
    })
  })

  it('ignores empty deltas and null usage', async () => {
    const baseUrl = await sseServer(
      '{"choices":[{"delta":{"role":"assistant","content":""}}],"usage":null}',
      '{"choices":[{"delta":{"content":"A"}}],"usage":null}',
      '{"choices":[{"delta":{"content":null},"finish_reason":"stop"}],"usage":null}',
      '[DONE]',
    )
    const result = await run(provider({ baseUrl }))
    expect(result).toEqual({
      events: [
        { type: 'delta', text: 'A' },
        { type: 'stop', reason: 'end', raw: 'stop' },
      ],
    })
  })
})

describe('OpenAI-compatible provider: reasoning and stop reasons', () => {
  it('takes reasoning from reasoning_content or reasoning, once, and ignores fields of the wrong type', async () => {
    const baseUrl = await sseServer(
      '{"choices":[{"delta":{"reasoning_content":"A"}}]}',
      '{"choices":[{"delta":{"reasoning":"B"}}]}',
      '{"choices":[{"delta":{"reasoning_content":"C","reasoning":"C"}}]}',
      '{"choices":[{"delta":{"reasoning_content":{"text":"x"},"reasoning":42,"content":["y"]}}]}',
      '{"choices":[{"delta":"not an object","finish_reason":7}]}',
      '{"choices":[{"delta":{"content":"Done","tool_calls":[{"function":{"name":5}},null,"x"]}}]}',
      '{"choices":[{"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":"3","completion_tokens_details":"x"}}',
    )
    const result = await run(provider({ baseUrl }))
    expect(result).toEqual({
      events: [
        { type: 'reasoning', text: 'A' },
        { type: 'reasoning', text: 'B' },
        { type: 'reasoning', text: 'C' },
        { type: 'delta', text: 'Done' },
        { type: 'stop', reason: 'end', raw: 'stop' },
        { type: 'usage' },
      ],
    })
  })

  it.each([
    ['length', 'max-tokens'],
    ['content_filter', 'content-filter'],
    ['function_call', 'tool-call'],
    ['eos_token', 'other'],
  ] as const)('maps finish_reason %s to %s, keeping the raw word', async (finishReason, reason) => {
    const baseUrl = await sseServer(
      `{"choices":[{"delta":{"content":"x"},"finish_reason":"${finishReason}"}]}`,
      '[DONE]',
    )
    const { events } = await run(provider({ baseUrl }))
    expect(events.filter((e) => e.type === 'stop')).toEqual([{ type: 'stop', reason, raw: finishReason }])
  })

  it('refuses a reasoning event beyond the event size limit, as it does answer text', async () => {
    const huge = 'r'.repeat(1_100_000)
    const baseUrl = await sseServer(`{"choices":[{"delta":{"reasoning_content":"${huge}"}}]}`)
    const message = modelError(await run(provider({ baseUrl })), 'bad-response')
    expect(message).toContain('larger than')
  })

  it('keeps a stream cut after its finish_reason complete, with the usage that arrived', async () => {
    const body = [
      '{"choices":[{"delta":{"content":"Hi"}}]}',
      '{"choices":[{"delta":{},"finish_reason":"stop"}]}',
      '{"choices":[],"usage":{"prompt_tokens":4,"completion_tokens":2}}',
    ]
      .map((data) => `data: ${data}\n\n`)
      .join('')
    server.setScript('llama', {
      kind: 'recorded',
      body: Buffer.from(body),
      nextWriteSize: () => 7,
      thenDrop: true,
    })
    const result = await run(provider())
    expect(result.error).toBeUndefined()
    expect(result.events).toEqual([
      { type: 'delta', text: 'Hi' },
      { type: 'stop', reason: 'end', raw: 'stop' },
      { type: 'usage', inputTokens: 4, outputTokens: 2 },
    ])
  })
})

describe('OpenAI-compatible provider: stopping and timeouts', () => {
  it('ends promptly when aborted mid-stream, and the server sees the disconnect', async () => {
    server.setScript('slow', { kind: 'answer', deltas: splitIntoDeltas('word '.repeat(200)), intervalMs: 20 })
    const controller = new AbortController()
    const events: ModelEvent[] = []
    const iteration = (async () => {
      for await (const event of provider({ model: 'slow' }).stream({ messages, signal: controller.signal })) {
        events.push(event)
        if (events.length === 3) controller.abort()
      }
    })()
    // Promptly = with no further event after the abort, while the server still had ~200 deltas to send; the deadline
    // only catches a hang (a loaded machine can be slow, never early).
    await expect(withinDeadline(iteration, 'the aborted stream ending')).rejects.toMatchObject({ name: 'AbortError' })
    expect(events).toHaveLength(3)
    await server.waitForIdle()
    expect(server.requests[0]?.outcome).toBe('client-disconnected')
  })

  it('times out with "timeout" when no response headers arrive within connectTimeoutMs', async () => {
    server.setScript('stuck', { kind: 'hang', beforeHeaders: true })
    const started = performance.now()
    const result = await run(provider({ model: 'stuck', connectTimeoutMs: 200 }))
    const elapsed = performance.now() - started
    expect(modelError(result, 'timeout')).toContain(server.baseUrl)
    // Never before the timeout; the upper bound only says it did not hang (the server never answers).
    expect(elapsed).toBeGreaterThanOrEqual(190)
    expect(elapsed).toBeLessThan(OUTCOME_DEADLINE_MS)
    await server.waitForIdle()
    expect(server.requests[0]?.outcome).toBe('client-disconnected')
  })

  it('does not apply the connect timeout once headers arrived; the caller’s signal ends the wait', async () => {
    server.setScript('thinking', { kind: 'hang' })
    const controller = new AbortController()
    const pending = run(provider({ model: 'thinking', connectTimeoutMs: 1_000 }), controller.signal)
    // The server sends the headers as soon as it has the request; then twice the connect timeout passes, and the
    // answer still waits (a busy machine cannot make this pass by being slow: slowness could only end it early).
    await expect.poll(() => server.requests.length, { timeout: OUTCOME_DEADLINE_MS }).toBe(1)
    const settled = await Promise.race([
      pending.then(() => true),
      new Promise((r) => setTimeout(() => r(false), 2_000)),
    ])
    expect(settled).toBe(false)
    controller.abort()
    const result = await pending
    expect(result.error).toMatchObject({ name: 'AbortError' })
    await server.waitForIdle()
    expect(server.requests[0]?.outcome).toBe('client-disconnected')
  })
})

describe('OpenAI-compatible provider: failures', () => {
  it('reports a closed port as "connection-refused", naming the URL', async () => {
    const baseUrl = await closedPortUrl()
    const message = modelError(await run(provider({ baseUrl })), 'connection-refused')
    expect(message).toBe(`Could not connect to ${baseUrl} (connection refused). Is the model server running?`)
  })

  it('reports an invalid base URL without attempting a request', async () => {
    const message = modelError(await run(provider({ baseUrl: 'localhost:11434' })), 'connection-refused')
    expect(message).toContain('"localhost:11434"')
  })

  it('maps 401 to "unauthorized", mentioning the API key', async () => {
    const secured = await startFakeOpenAiServer({ llama: { kind: 'answer', deltas: ['x'] } }, { apiKey: 'right' })
    try {
      const withoutKey = modelError(await run(provider({ baseUrl: secured.baseUrl })), 'unauthorized')
      expect(withoutKey).toMatch(/API key/)
      expect(withoutKey).toMatch(/none is configured/)
      const wrongKey = modelError(await run(provider({ baseUrl: secured.baseUrl, apiKey: 'wrong' })), 'unauthorized')
      expect(wrongKey).toMatch(/Check the API key/)
      expect(wrongKey).toContain('Incorrect API key provided.')
    } finally {
      await secured.close()
    }
  })

  it('maps 403 to "unauthorized"', async () => {
    server.setScript('llama', { kind: 'http-error', status: 403, body: { error: { message: 'Forbidden region' } } })
    expect(modelError(await run(provider()), 'unauthorized')).toContain('Forbidden region')
  })

  it('maps 404 to "model-not-found" with the model name and the server’s message', async () => {
    const message = modelError(await run(provider({ model: 'qwen9' })), 'model-not-found')
    expect(message).toContain('"qwen9"')
    expect(message).toContain('model "qwen9" not found, try pulling it first')
  })

  it('hints at /v1 when a 404 does not come from a missing model', async () => {
    const baseUrl = server.baseUrl.replace(/\/v1$/, '')
    const message = modelError(await run(provider({ baseUrl })), 'model-not-found')
    expect(message).toContain('/v1')
    expect(message).toContain('404 page not found')
  })

  it('maps 429 to "rate-limited" with Retry-After and the server’s message', async () => {
    server.setScript('llama', {
      kind: 'http-error',
      status: 429,
      headers: { 'retry-after': '20' },
      body: { error: { message: 'Rate limit reached for requests', type: 'requests' } },
    })
    const message = modelError(await run(provider()), 'rate-limited')
    expect(message).toContain('Rate limit reached for requests')
    expect(message).toContain('20 s')
  })

  it('gives one retry hint on 429: the server’s own words over its Retry-After, else the app’s', async () => {
    server.setScript('llama', {
      kind: 'http-error',
      status: 429,
      headers: { 'retry-after': '20' },
      body: {
        error: { message: 'Rate limit reached for model `llama` on tokens per minute. Please try again in 20s.' },
      },
    })
    const serverWords = modelError(await run(provider()), 'rate-limited')
    expect(serverWords).toContain('Please try again in 20s.')
    expect(serverWords.match(/try again/gi)).toHaveLength(1)

    server.setScript('llama', { kind: 'http-error', status: 429, body: { error: { message: 'Too many requests' } } })
    const appWords = modelError(await run(provider()), 'rate-limited')
    expect(appWords).toContain('Too many requests')
    expect(appWords.match(/try again/gi)).toHaveLength(1)
  })

  it('maps 500 to "bad-response" with the status and the server’s message, truncated', async () => {
    server.setScript('llama', { kind: 'http-error', status: 500, body: { error: { message: 'CUDA out of memory' } } })
    const json = modelError(await run(provider()), 'bad-response')
    expect(json).toContain('HTTP 500')
    expect(json).toContain('CUDA out of memory')

    server.setScript('llama', { kind: 'http-error', status: 502, body: `Bad gateway ${'x'.repeat(5000)}` })
    const text = modelError(await run(provider()), 'bad-response')
    expect(text).toContain('HTTP 502: Bad gateway')
    expect(text.length).toBeLessThan(450)
  })

  it('words Ollama’s 400 for a reasoning setting the model cannot take, with what to do, only when one was asked', async () => {
    // Ollama's /v1 error shape (openai.NewError) around its chat handler's messages (server/routes.go).
    const refusal = (message: string) => ({
      error: { message, type: 'invalid_request_error', param: null, code: null },
    })
    const reasoning = (parameters: GenerationParameters) => run(provider(), undefined, parameters)
    server.setScript('llama', { kind: 'http-error', status: 400, body: refusal('"llama" does not support thinking') })
    const noThinking = modelError(await reasoning({ reasoning: 'medium' }), 'bad-response')
    expect(noThinking).toContain('HTTP 400: "llama" does not support thinking.')
    expect(noThinking).toContain('This model does not reason: set Reasoning to Off for it in Settings.')
    // The same words without a reasoning request are the server's alone (whatever else caused them).
    expect(modelError(await reasoning({}), 'bad-response')).not.toContain('Settings')

    const oldOllama = refusal('think value "medium" is not supported for this model')
    server.setScript('llama', { kind: 'http-error', status: 400, body: oldOllama })
    const levels = modelError(await reasoning({ reasoning: 'medium' }), 'bad-response')
    expect(levels).toContain('Update Ollama to 0.17.7 or newer, or set Reasoning to Off for this model in Settings.')
    expect(levels).not.toContain('does not reason')

    server.setScript('llama', { kind: 'http-error', status: 400, body: refusal('invalid temperature') })
    expect(modelError(await reasoning({ reasoning: 'medium' }), 'bad-response')).not.toContain('Settings')
  })

  it('refuses a 200 JSON completion instead of a stream, and maps a 200 JSON error by its code', async () => {
    server.setScript('llama', { kind: 'http-error', status: 200, body: { choices: [{ message: { content: 'hi' } }] } })
    expect(modelError(await run(provider()), 'bad-response')).toContain('did not answer with an event stream')

    server.setScript('llama', {
      kind: 'http-error',
      status: 200,
      body: { error: { message: 'You exceeded your current quota', code: 'insufficient_quota' } },
    })
    expect(modelError(await run(provider()), 'rate-limited')).toContain('You exceeded your current quota')
  })

  it('reports malformed SSE JSON as "bad-response", after the valid deltas', async () => {
    server.setScript('llama', { kind: 'malformed-sse', afterDeltas: ['Hel', 'lo'] })
    const result = await run(provider())
    expect(textOf(result.events)).toBe('Hello')
    expect(modelError(result, 'bad-response')).toContain('not JSON: {not json')
  })

  it('reports an error event inside the stream with its message', async () => {
    const baseUrl = await sseServer(
      '{"choices":[{"delta":{"content":"Hi"}}]}',
      '{"error":{"message":"context length exceeded"}}',
    )
    const result = await run(provider({ baseUrl }))
    expect(textOf(result.events)).toBe('Hi')
    expect(modelError(result, 'bad-response')).toContain('context length exceeded')
  })

  it('reports a dropped connection as "bad-response", after the valid deltas', async () => {
    server.setScript('llama', { kind: 'drop-connection', afterDeltas: ['Par', 'tial'] })
    const result = await run(provider())
    expect(textOf(result.events)).toBe('Partial')
    expect(modelError(result, 'bad-response')).toBe('The server closed the stream before the answer finished.')
    expect(server.requests[0]?.outcome).toBe('server-dropped')
  })

  it('reports a stream that ends cleanly without finish_reason or [DONE] as "bad-response"', async () => {
    const result = await run(provider({ baseUrl: await sseServer('{"choices":[{"delta":{"content":"Hi"}}]}') }))
    expect(textOf(result.events)).toBe('Hi')
    expect(modelError(result, 'bad-response')).toBe('The server closed the stream before the answer finished.')
  })
})

/** A check's result as the English UI words it (the result itself is a key with params, see user-message.ts). */
function inEnglish(result: ProbeResult) {
  return {
    ...result,
    message: messageText(en, result.message),
    ...(result.hint && { hint: messageText(en, result.hint) }),
  }
}

describe('probeOpenAiCompatible', () => {
  it('reports a server that has the model as ready', async () => {
    const result = await probeOpenAiCompatible({ baseUrl: server.baseUrl, model: 'llama' })
    expect(result).toEqual({
      reachable: true,
      message: { key: 'model:ready', params: { model: 'llama', server: server.baseUrl } },
    })
    expect(inEnglish(result).message).toBe(`Ready: llama at ${server.baseUrl}`)
  })

  it('reports a missing model with a hint', async () => {
    const result = inEnglish(await probeOpenAiCompatible({ baseUrl: server.baseUrl, model: 'mistral' }))
    expect(result.reachable).toBe(false)
    expect(result.message).toBe(`The server at ${server.baseUrl} does not have the model "mistral". It has: llama.`)
    expect(result.hint).toContain('"mistral"')
  })

  it('suggests `ollama pull` for an Ollama address, and accepts the :latest tag', async () => {
    const models = JSON.stringify({ object: 'list', data: [{ id: 'llama3.2:latest' }] })
    // An Ollama address by its name (the usual one is by its port, 11434, which a test cannot count on having).
    const baseUrl = await serverAnswering(models, { 'content-type': 'application/json' }, '/ollama/v1')
    expect(await probeOpenAiCompatible({ baseUrl, model: 'llama3.2' })).toMatchObject({ reachable: true })
    expect(inEnglish(await probeOpenAiCompatible({ baseUrl, model: 'qwen3' }))).toEqual({
      reachable: false,
      message: `The server at ${baseUrl} does not have the model "qwen3". It has: llama3.2:latest.`,
      hint: 'Run `ollama pull qwen3`',
    })
  })

  it('reports no server with a hint to start one', async () => {
    const baseUrl = await closedPortUrl()
    const checked = await probeOpenAiCompatible({ baseUrl, model: 'llama3.2' })
    // The OS's own word for it is the detail.
    expect(checked.message).toEqual({
      key: 'server:not-answering',
      params: { server: baseUrl },
      detail: 'ECONNREFUSED',
    })
    const result = inEnglish(checked)
    expect(result).toMatchObject({ reachable: false, message: `No model server answered at ${baseUrl}.` })
    expect(result.hint).toContain('ollama serve')
    // The server is what is missing: the hint names no model, so the models of one server share it.
    expect(result.hint).not.toContain('llama3.2')
    const other = inEnglish(await probeOpenAiCompatible({ baseUrl, model: 'qwen2.5' }))
    expect(other.hint).toBe(result.hint)
  })

  it('gives up after its timeout on a server that never answers', async () => {
    // Accepts the connection and never answers, headers included.
    const silent = await startLoopbackServer(() => undefined)
    scripted.push(silent)
    const baseUrl = `${silent.origin}/v1`
    const result = inEnglish(await probeOpenAiCompatible({ baseUrl, model: 'llama' }, { timeoutMs: 150 }))
    expect(result).toMatchObject({ reachable: false, message: `No model server answered at ${baseUrl}.` })
  })

  it('reports a refused key with a key hint', async () => {
    const secured = await startFakeOpenAiServer({ llama: { kind: 'answer', deltas: ['x'] } }, { apiKey: 'right' })
    try {
      const checked = await probeOpenAiCompatible({ baseUrl: secured.baseUrl, model: 'llama', apiKey: 'wrong' })
      // The server's own explanation travels as the detail, word for word.
      expect(checked.message).toMatchObject({ key: 'server:refused', params: { status: 401 } })
      expect(checked.message.detail).toBeTruthy()
      expect(checked.message.detail).toBe('Incorrect API key provided.')
      const result = inEnglish(checked)
      expect(result.reachable).toBe(false)
      expect(result.message).toContain('HTTP 401')
      expect(result.hint).toMatch(/API key/)
      expect(await probeOpenAiCompatible({ baseUrl: secured.baseUrl, model: 'llama', apiKey: 'right' })).toMatchObject({
        reachable: true,
      })
    } finally {
      await secured.close()
    }
  })

  it('points at /v1 when the address is not the API root', async () => {
    const result = inEnglish(
      await probeOpenAiCompatible({ baseUrl: server.baseUrl.replace(/\/v1$/, ''), model: 'llama' }),
    )
    expect(result.reachable).toBe(false)
    expect(result.message).toContain('HTTP 404')
    expect(result.hint).toContain('/v1')
  })
})

describe('fake server', () => {
  it('closes promptly with a request still hanging', async () => {
    server.setScript('stuck', { kind: 'hang' })
    const pending = run(provider({ model: 'stuck' }))
    await expect.poll(() => server.requests.length, { timeout: OUTCOME_DEADLINE_MS }).toBe(1)
    // Closing does not wait for the hanging request to end (it never would); the deadline only catches that hang.
    await withinDeadline(server.close(), 'closing the server with a request hanging')
    // The client sees the connection drop instead of hanging forever.
    expect(modelError(await pending, 'bad-response')).toBe('The server closed the stream before the answer finished.')
  })

  it('splits text into pieces that join back exactly, never inside a surrogate pair', () => {
    const text = ' Emoji 👩‍👩‍👧🌍 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢  spaces\n'
    for (const size of [1, 2, 3, 4, 7]) {
      const pieces = splitIntoDeltas(text, size)
      expect(pieces.join('')).toBe(text)
      for (const piece of pieces) expect(piece).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/)
    }
    expect(splitIntoDeltas('')).toEqual([])
  })
})
