import { beforeEach, describe, expect, it } from 'vitest'
import { mockClient } from 'aws-sdk-client-mock'
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda'
import { LambdaChatBackend } from '../../../src-main/core/cloud/lambda-chat-backend'
import type { ChatRequest } from '../../../src-main/backend/chat-handler'
import { awsError, CLOUD_CONFIG, IDENTITY_ID } from './cloud-fixtures'

const lambda = mockClient(LambdaClient)

interface Published {
  topic: string
  payload: string
  qos: number | undefined
  retain: boolean | undefined
}

let published: Published[]

function backend(servedProtocols?: number[]): LambdaChatBackend {
  return new LambdaChatBackend({
    servedProtocols,
    lambda: new LambdaClient({ region: 'us-east-1' }),
    functionName: CLOUD_CONFIG.chatFunctionName,
    topicPrefix: CLOUD_CONFIG.topicPrefix,
    identityId: IDENTITY_ID,
    session: {
      async publish(topic, payload, qos, retain) {
        published.push({ topic, payload: String(payload), qos, retain })
      },
    },
  })
}

const request: ChatRequest = {
  userId: IDENTITY_ID,
  streamId: 'stream-1',
  models: [
    { modelId: 'claude', messages: [{ role: 'user', content: 'Hello, compare yourselves' }] },
    { modelId: 'gpt', messages: [{ role: 'user', content: 'Hello, compare yourselves' }] },
  ],
}

const invocations = () => lambda.commandCalls(InvokeCommand).map((call) => call.args[0].input)
const decode = (payload: unknown) => JSON.parse(new TextDecoder().decode(payload as Uint8Array)) as unknown

beforeEach(() => {
  lambda.reset()
  published = []
})

describe('LambdaChatBackend.start', () => {
  it('invokes the chat function asynchronously with the stream and models, and no user id', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 })
    await backend().start(request)
    const [input] = invocations()
    expect(input).toEqual({ FunctionName: 'streamdesk-chat', InvocationType: 'Event', Payload: expect.any(Uint8Array) })
    expect(decode(input!.Payload)).toEqual({
      streamId: 'stream-1',
      models: [
        { modelId: 'claude', messages: [{ role: 'user', content: 'Hello, compare yourselves' }] },
        { modelId: 'gpt', messages: [{ role: 'user', content: 'Hello, compare yourselves' }] },
      ],
    })
    expect(new TextDecoder().decode(input!.Payload as Uint8Array)).not.toContain('userId')
  })

  it.each([
    ['ResourceNotFoundException', /streamdesk-chat does not exist/],
    ['AccessDeniedException', /may not call the cloud function streamdesk-chat/],
    ['TooManyRequestsException', /busy/],
    ['RequestEntityTooLargeException', /too long/],
    ['ServiceException', /failed to run streamdesk-chat \(ServiceException\)/],
  ])('explains %s without repeating the prompt', async (name, message) => {
    lambda.on(InvokeCommand).rejects(awsError(name, 'Hello, compare yourselves'))
    const failure: unknown = await backend()
      .start(request)
      .catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(Error)
    expect((failure as Error).message).toMatch(message)
    expect((failure as Error).message).not.toContain('compare yourselves')
  })

  it("states the app's protocol versions only to a stack whose config says it serves v2", async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 })
    const asked = { ...request, protocols: [1, 2] }
    // A stack from before negotiation (no `protocols` in its config), or one serving v1 only: its strict request
    // schema would refuse the field, and the asynchronous invoke would show the user nothing but a timeout.
    await backend().start(asked)
    await backend([1]).start(asked)
    await backend([1, 2]).start(asked)
    const events = invocations().map((input) => decode(input.Payload) as Record<string, unknown>)
    expect(events.map((e) => e.protocols)).toEqual([undefined, undefined, [1, 2]])
    expect(events[2]).toEqual({ ...events[0], protocols: [1, 2] })
  })

  it('announces the models streaming at once only to a stack whose config lists v2 (older ones are strict)', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 })
    const announced = { ...request, concurrentModels: 6 }
    await backend().start(announced)
    await backend([1]).start(announced)
    await backend([1, 2]).start(announced)
    const events = invocations().map((input) => decode(input.Payload) as Record<string, unknown>)
    expect(events.map((e) => e.concurrentModels)).toEqual([undefined, undefined, 6])
  })

  it("sends each model's generation parameters only to a stack whose config lists v2", async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 })
    const parameters = { temperature: 0.3, maxOutputTokens: 500, reasoning: 'low' as const }
    const [claude, gpt] = request.models
    const asked: ChatRequest = { ...request, protocols: [1, 2], models: [{ ...claude!, parameters }, gpt!] }
    await backend().start(asked)
    await backend([1]).start(asked)
    await backend([1, 2]).start(asked)
    const models = invocations().map((input) => (decode(input.Payload) as ChatRequest).models)
    expect(models.map((m) => m.map((model) => model.parameters))).toEqual([
      [undefined, undefined],
      [undefined, undefined],
      [parameters, undefined],
    ])
  })

  it('refuses an invocation Lambda did not queue', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200 })
    await expect(backend().start(request)).rejects.toThrow(/did not queue the prompt \(status 200\)/)
  })
})

describe('LambdaChatBackend.stop', () => {
  const controlTopic = `streamdesk/${IDENTITY_ID}/control/stream-1`

  it('publishes a retained QoS 1 request that lists every model stopped so far', async () => {
    const chat = backend()
    await chat.stop('stream-1', 'claude')
    await chat.stop('stream-1', 'gpt')
    await chat.stop('stream-1', 'claude')
    expect(published).toEqual([
      { topic: controlTopic, payload: '{"stop":["claude"]}', qos: 1, retain: true },
      { topic: controlTopic, payload: '{"stop":["claude","gpt"]}', qos: 1, retain: true },
      { topic: controlTopic, payload: '{"stop":["claude","gpt"]}', qos: 1, retain: true },
    ])
  })

  it('stops all models of a stream, and "all" stays all', async () => {
    const chat = backend()
    await chat.stop('stream-1')
    await chat.stop('stream-1', 'gpt')
    await chat.stop('stream-2', 'gpt')
    expect(published.map((p) => [p.topic, p.payload])).toEqual([
      [controlTopic, '{"stop":"all"}'],
      [controlTopic, '{"stop":"all"}'],
      [`streamdesk/${IDENTITY_ID}/control/stream-2`, '{"stop":["gpt"]}'],
    ])
    expect(lambda.calls()).toHaveLength(0)
  })
})
