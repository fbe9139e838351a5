import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { mockClient } from 'aws-sdk-client-mock'
import {
  AccessDeniedException,
  BedrockRuntimeClient,
  ConverseStreamCommand,
  ModelTimeoutException,
  ResourceNotFoundException,
  ThrottlingException,
  ValidationException,
  type ConverseStreamOutput,
} from '@aws-sdk/client-bedrock-runtime'
import { createBedrockConverseProvider, THINKING_BUDGETS } from '../../../src-main/backend/providers/bedrock-converse'
import { DEFAULT_CLOUD_MAX_OUTPUT_TOKENS, type GenerationParameters } from '../../../src-main/shared/generation'
import { ModelError, type ChatMessage, type ModelEvent } from '../../../src-main/backend/model-provider'

const bedrock = mockClient(BedrockRuntimeClient)
afterEach(() => bedrock.reset())

const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0'
const provider = (maxTokens?: number) =>
  createBedrockConverseProvider({
    client: new BedrockRuntimeClient({ region: 'us-east-1' }),
    modelId: MODEL,
    ...(maxTokens ? { maxTokens } : {}),
  })

/** ConverseStream's event stream, as the SDK hands it over: an async iterable of union members. */
async function* events(...items: Array<ConverseStreamOutput | Error>): AsyncGenerator<ConverseStreamOutput> {
  for (const item of items) {
    await new Promise((resolve) => setImmediate(resolve))
    if (item instanceof Error) throw item
    yield item
  }
}
const delta = (text: string): ConverseStreamOutput => ({ contentBlockDelta: { contentBlockIndex: 0, delta: { text } } })
const usage = (inputTokens: number, outputTokens: number): ConverseStreamOutput => ({
  metadata: {
    usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
    metrics: { latencyMs: 5 },
  },
})

async function collect(messages: ChatMessage[], signal = new AbortController().signal, maxTokens?: number) {
  const out: ModelEvent[] = []
  for await (const event of provider(maxTokens).stream({ messages, signal })) out.push(event)
  return out
}

async function failure(items: Array<ConverseStreamOutput | Error> | Error): Promise<ModelError> {
  if (items instanceof Error) bedrock.on(ConverseStreamCommand).rejects(items)
  else bedrock.on(ConverseStreamCommand).resolves({ stream: events(...items) })
  const error = await collect([{ role: 'user', content: 'hi' }]).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ModelError)
  return error as ModelError
}

const serviceError = <T>(Type: new (opts: { message: string; $metadata: object }) => T, message: string) =>
  new Type({ message, $metadata: {} })

describe('Bedrock ConverseStream provider', () => {
  it('sends the conversation in Converse form: system blocks apart, roles merged to alternate, blanks dropped', async () => {
    bedrock.on(ConverseStreamCommand).resolves({ stream: events(delta('ok')) })
    await collect(
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'First question' },
        { role: 'user', content: 'and a follow-up' },
        { role: 'assistant', content: '' },
        { role: 'assistant', content: 'An answer' },
        { role: 'user', content: 'Thanks?' },
      ],
      undefined,
      1024,
    )
    expect(bedrock.commandCalls(ConverseStreamCommand).map((call) => call.args[0].input)).toEqual([
      {
        modelId: MODEL,
        system: [{ text: 'Be brief.' }],
        messages: [
          { role: 'user', content: [{ text: 'First question' }, { text: 'and a follow-up' }] },
          { role: 'assistant', content: [{ text: 'An answer' }] },
          { role: 'user', content: [{ text: 'Thanks?' }] },
        ],
        inferenceConfig: { maxTokens: 1024 },
      },
    ])
  })

  it('yields the text deltas exactly, the stop reason and the usage from the metadata event, skipping the rest', async () => {
    bedrock.on(ConverseStreamCommand).resolves({
      stream: events(
        { messageStart: { role: 'assistant' } },
        { contentBlockStart: { contentBlockIndex: 0, start: undefined as never } },
        delta('Hel'),
        delta('lo, '),
        delta('wörld 👋'),
        { contentBlockStop: { contentBlockIndex: 0 } },
        { messageStop: { stopReason: 'end_turn' } },
        usage(12, 40),
      ),
    })
    expect(await collect([{ role: 'user', content: 'hi' }])).toEqual([
      { type: 'delta', text: 'Hel' },
      { type: 'delta', text: 'lo, ' },
      { type: 'delta', text: 'wörld 👋' },
      { type: 'stop', reason: 'end', raw: 'end_turn' },
      { type: 'usage', inputTokens: 12, outputTokens: 40, latencyMs: 5 },
    ])
    expect(bedrock.commandCalls(ConverseStreamCommand)[0]!.args[0].input).not.toHaveProperty('system')
  })

  it('passes its abort signal to the SDK and ends at once when it aborts, even if the stream stalls', async () => {
    let release = () => {}
    async function* stalled(): AsyncGenerator<ConverseStreamOutput> {
      yield delta('partial')
      await new Promise<void>((resolve) => (release = resolve))
    }
    bedrock.on(ConverseStreamCommand).resolves({ stream: stalled() })
    const controller = new AbortController()
    const seen: ModelEvent[] = []
    const run = (async () => {
      for await (const event of provider().stream({
        messages: [{ role: 'user', content: 'hi' }],
        signal: controller.signal,
      })) {
        seen.push(event)
        controller.abort(new Error('user stop'))
      }
    })()
    await expect(run).rejects.toThrow('user stop')
    expect(seen).toEqual([{ type: 'delta', text: 'partial' }])
    const options = (bedrock.commandCalls(ConverseStreamCommand)[0]!.args as unknown[])[1] as {
      abortSignal?: AbortSignal
    }
    expect(options.abortSignal).toBe(controller.signal)
    release()
  })

  it('does not call Bedrock when the signal is already aborted', async () => {
    const controller = new AbortController()
    controller.abort(new Error('stopped before start'))
    await expect(collect([{ role: 'user', content: 'hi' }], controller.signal)).rejects.toThrow('stopped before start')
    expect(bedrock.commandCalls(ConverseStreamCommand)).toHaveLength(0)
  })

  it.each([
    ['ThrottlingException', serviceError(ThrottlingException, 'Too many requests'), 'rate-limited', /throttling/],
    [
      'AccessDeniedException',
      serviceError(AccessDeniedException, "You don't have access to the model"),
      'unauthorized',
      /Model access/,
    ],
    [
      'ResourceNotFoundException',
      serviceError(ResourceNotFoundException, 'Model not found'),
      'model-not-found',
      /model id/,
    ],
    ['ModelTimeoutException', serviceError(ModelTimeoutException, 'Model timed out'), 'timeout', /took too long/],
    [
      'ValidationException (model id)',
      serviceError(ValidationException, 'The provided model identifier is invalid.'),
      'model-not-found',
      /model id/,
    ],
    [
      'ValidationException (needs an inference profile)',
      serviceError(ValidationException, "Invocation of model ID x with on-demand throughput isn't supported."),
      'model-not-found',
      /inference profile id, such as us\.anthropic/,
    ],
    [
      'ValidationException (conversation)',
      serviceError(ValidationException, 'Input is too long for requested model.'),
      'bad-response',
      /refused the request/,
    ],
    ['an unexpected bug', new TypeError('x is not a function'), 'internal', /Unexpected error/],
  ])('maps a failed request, %s, to its code', async (_name, error, code, message) => {
    const failed = await failure(error)
    expect(failed.code).toBe(code)
    expect(failed.message).toMatch(message)
    expect(failed.message).toContain(MODEL)
  })

  it.each([
    ['throttlingException', 'rate-limited'],
    ['serviceUnavailableException', 'rate-limited'],
    ['internalServerException', 'bad-response'],
    ['modelStreamErrorException', 'bad-response'],
    ['validationException', 'bad-response'],
  ] as const)('maps a %s event inside the stream to %s, after the text before it', async (member, code) => {
    const exception = { [member]: { message: `scripted ${member}` } } as unknown as ConverseStreamOutput
    bedrock.on(ConverseStreamCommand).resolves({ stream: events(delta('Some '), exception, delta('never')) })
    const seen: ModelEvent[] = []
    const error = await (async () => {
      for await (const event of provider().stream({
        messages: [{ role: 'user', content: 'hi' }],
        signal: new AbortController().signal,
      })) {
        seen.push(event)
      }
    })().catch((e: unknown) => e)
    expect(seen).toEqual([{ type: 'delta', text: 'Some ' }])
    expect(error).toBeInstanceOf(ModelError)
    expect((error as ModelError).code).toBe(code)
    expect((error as ModelError).message).toContain(`scripted ${member}`)
  })

  it('maps an exception the SDK throws mid-stream by its name', async () => {
    const failed = await failure([delta('a'), serviceError(ThrottlingException, 'slow down')])
    expect(failed.code).toBe('rate-limited')
  })

  it('reports a response without a stream as a bad response', async () => {
    bedrock.on(ConverseStreamCommand).resolves({})
    await expect(collect([{ role: 'user', content: 'hi' }])).rejects.toMatchObject({ code: 'bad-response' })
  })
})

describe('Bedrock ConverseStream provider on recorded streams', () => {
  /** A recording (tests/fixtures/provider-streams), one ConverseStream event per line, as the SDK would decode it. */
  function recorded(name: string): ConverseStreamOutput[] {
    const lines = readFileSync(join(__dirname, '../../fixtures/provider-streams', name), 'utf8').split('\n')
    return lines
      .filter((line) => line.trim() !== '')
      .map((line) =>
        // The SDK hands blob members over as bytes; the recording has them base64-encoded, as they travel in JSON.
        JSON.parse(line, (key, value: unknown) =>
          key === 'redactedContent' && typeof value === 'string' ? new Uint8Array(Buffer.from(value, 'base64')) : value,
        ),
      ) as ConverseStreamOutput[]
  }
  const reasoningOf = (seen: ModelEvent[]) => seen.map((e) => (e.type === 'reasoning' ? e.text : '')).join('')
  const answerOf = (seen: ModelEvent[]) => seen.map((e) => (e.type === 'delta' ? e.text : '')).join('')

  it('streams Claude’s reasoning, then its signature whole when the block stops, then the answer', async () => {
    const stream = recorded('bedrock-reasoning.jsonl')
    bedrock.on(ConverseStreamCommand).resolves({ stream: events(...stream) })
    const seen = await collect([{ role: 'user', content: 'How many r’s in strawberry?' }])

    const oracle = (pick: (d: NonNullable<ConverseStreamOutput['contentBlockDelta']>['delta']) => unknown) =>
      stream.map((e) => pick(e.contentBlockDelta?.delta)).filter((v): v is string => typeof v === 'string')
    expect(reasoningOf(seen)).toBe(oracle((d) => d?.reasoningContent?.text).join(''))
    expect(reasoningOf(seen)).toContain('So there are 3 r')
    expect(answerOf(seen)).toBe(oracle((d) => d?.text).join(''))
    const [signature] = oracle((d) => d?.reasoningContent?.signature)
    expect(signature).toMatch(/^Ep0CCkgI/)
    expect(seen.filter((e) => e.type === 'reasoning-signature')).toEqual([{ type: 'reasoning-signature', signature }])
    // The signature closes the reasoning block: after every reasoning delta, before the first answer delta.
    const signatureAt = seen.findIndex((e) => e.type === 'reasoning-signature')
    expect(seen.findLastIndex((e) => e.type === 'reasoning')).toBeLessThan(signatureAt)
    expect(seen.findIndex((e) => e.type === 'delta')).toBeGreaterThan(signatureAt)
    expect(seen.filter((e) => e.type === 'redacted-reasoning')).toEqual([])
    expect(seen.filter((e) => e.type === 'stop')).toEqual([{ type: 'stop', reason: 'end', raw: 'end_turn' }])
    expect(seen.at(-1)).toEqual({ type: 'usage', inputTokens: 51, outputTokens: 94, latencyMs: 2281 })
  })

  it('counts a redacted reasoning block once and reports the tool the model asked for', async () => {
    bedrock.on(ConverseStreamCommand).resolves({ stream: events(...recorded('bedrock-redacted-content.jsonl')) })
    const seen = await collect([{ role: 'user', content: 'Group these.' }])
    expect(seen).toEqual([
      { type: 'redacted-reasoning' },
      { type: 'stop', reason: 'tool-call', raw: 'tool_use', toolNames: ['propose'] },
      { type: 'usage', inputTokens: 67, outputTokens: 70, latencyMs: 2588 },
    ])
  })

  it.each([
    ['end_turn', 'end'],
    ['max_tokens', 'max-tokens'],
    ['stop_sequence', 'stop-sequence'],
    ['guardrail_intervened', 'guardrail'],
    ['content_filtered', 'content-filter'],
    ['model_context_window_exceeded', 'other'],
  ] as const)('maps stopReason %s to %s, keeping the raw word', async (stopReason, reason) => {
    bedrock.on(ConverseStreamCommand).resolves({
      stream: events(delta('cut'), { messageStop: { stopReason: stopReason as never } }),
    })
    const seen = await collect([{ role: 'user', content: 'hi' }])
    expect(seen).toEqual([
      { type: 'delta', text: 'cut' },
      { type: 'stop', reason, raw: stopReason },
    ])
  })

  it('joins a signature sent in pieces, and yields it even when its block never stops', async () => {
    const piece = (signature: string): ConverseStreamOutput => ({
      contentBlockDelta: { contentBlockIndex: 0, delta: { reasoningContent: { signature } } },
    })
    bedrock.on(ConverseStreamCommand).resolves({ stream: events(piece('abc'), piece('def')) })
    expect(await collect([{ role: 'user', content: 'hi' }])).toEqual([
      { type: 'reasoning-signature', signature: 'abcdef' },
    ])
  })
})

describe('generation parameters in the ConverseStream request', () => {
  const send = async (parameters: GenerationParameters | undefined, maxTokens?: number) => {
    bedrock.on(ConverseStreamCommand).resolves({ stream: events({ messageStop: { stopReason: 'end_turn' } }) })
    const signal = new AbortController().signal
    const request = {
      messages: [{ role: 'user' as const, content: 'hi' }],
      signal,
      ...(parameters ? { parameters } : {}),
    }
    for await (const _event of provider(maxTokens).stream(request)) {
      // drained
    }
    const [call] = bedrock.commandCalls(ConverseStreamCommand)
    return call!.args[0].input
  }

  it('sends temperature, top-p and max tokens in inferenceConfig, and nothing for reasoning when it is off', async () => {
    const input = await send({ temperature: 0.3, topP: 0.8, maxOutputTokens: 700 }, 1024)
    expect(input.inferenceConfig).toEqual({ temperature: 0.3, topP: 0.8, maxTokens: 700 })
    expect(input).not.toHaveProperty('additionalModelRequestFields')
  })

  it('sends no inferenceConfig at all when nothing is set', async () => {
    const input = await send(undefined)
    expect(input).not.toHaveProperty('inferenceConfig')
    expect(input).not.toHaveProperty('additionalModelRequestFields')
  })

  it("asks Claude to think with the effort's budget, leaving out temperature and top-p as thinking requires", async () => {
    const input = await send({ temperature: 0.2, topP: 0.9, maxOutputTokens: 2_000, reasoning: 'medium' })
    expect(input.additionalModelRequestFields).toEqual({
      thinking: { type: 'enabled', budget_tokens: THINKING_BUDGETS.medium },
    })
    // Thinking counts toward maxTokens, which must exceed the budget: the answer keeps its own 2,000 on top.
    expect(input.inferenceConfig).toEqual({ maxTokens: THINKING_BUDGETS.medium + 2_000 })
  })

  it('sends a later turn with thinking on as text only: no reasoning blocks, no signatures, the user last', async () => {
    bedrock.on(ConverseStreamCommand).resolves({ stream: events({ messageStop: { stopReason: 'end_turn' } }) })
    const messages: ChatMessage[] = [
      { role: 'system', content: 'Think first.' },
      { role: 'user', content: 'What is 2 + 2?' },
      { role: 'assistant', content: 'Four.' }, // an answer that came with thinking and a signature
      { role: 'user', content: 'And doubled?' },
    ]
    const parameters = { reasoning: 'low' as const }
    for await (const _event of provider().stream({ messages, parameters, signal: new AbortController().signal })) {
      // drained
    }
    const input = bedrock.commandCalls(ConverseStreamCommand)[0]!.args[0].input
    expect(input.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 1_024 } })
    expect(input.messages).toEqual([
      { role: 'user', content: [{ text: 'What is 2 + 2?' }] },
      { role: 'assistant', content: [{ text: 'Four.' }] },
      { role: 'user', content: [{ text: 'And doubled?' }] },
    ])
    expect(JSON.stringify(input)).not.toMatch(/reasoningContent|signature|redacted/)
  })

  it.each([
    ['low', undefined, THINKING_BUDGETS.low + DEFAULT_CLOUD_MAX_OUTPUT_TOKENS],
    ['high', 512, THINKING_BUDGETS.high + 512],
  ] as const)(
    'with reasoning %s and a configured max of %s tokens, maxTokens exceeds the budget',
    async (effort, configured, expected) => {
      const input = await send({ reasoning: effort }, configured)
      const budget = (input.additionalModelRequestFields as { thinking: { budget_tokens: number } }).thinking
        .budget_tokens
      expect(budget).toBeGreaterThanOrEqual(1_024)
      expect(input.inferenceConfig).toEqual({ maxTokens: expected })
      expect(input.inferenceConfig!.maxTokens!).toBeGreaterThan(budget)
    },
  )
})
