/**
 * Cloud mode's StreamRecovery: the fetch-stream invocation (Lambda mocked at the SDK edge) and its answers and
 * errors, and the journal of open streams kept per identity in the token store across restarts.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { mockClient } from 'aws-sdk-client-mock'
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda'
import { Uint8ArrayBlobAdapter } from '@smithy/core/serde'
import { LambdaStreamRecovery } from '../../../src-main/core/cloud/lambda-stream-recovery'
import { tokenKeys } from '../../../src-main/core/cloud/token-store'
import { ManualClock } from '../../support/manual-clock'
import { sha256Hex } from '../../support/sha256'
import { awsError, IDENTITY_ID, tempTokenStore } from './cloud-fixtures'

const lambda = mockClient(LambdaClient)
afterEach(() => lambda.reset())

const FUNCTION = 'streamdesk-fetch-stream'
const answer = {
  streamId: 's1',
  modelId: 'claude',
  text: 'Four.',
  status: 'complete',
  chunks: 2,
  sha256: sha256Hex('Four.'),
  storedAt: 5,
}
const reply = (body: unknown) => ({ StatusCode: 200, Payload: Uint8ArrayBlobAdapter.fromString(JSON.stringify(body)) })

async function setup(servedProtocols?: number[]) {
  const store = await tempTokenStore()
  const clock = new ManualClock()
  clock.advance(1_700_000_000_000)
  const recovery = new LambdaStreamRecovery({
    lambda: new LambdaClient({ region: 'us-east-1' }),
    functionName: FUNCTION,
    store,
    identityId: IDENTITY_ID,
    clock,
    servedProtocols,
  })
  return { store, clock, recovery }
}

describe('LambdaStreamRecovery.fetch', () => {
  it('invokes the fetch-stream function synchronously with only the stream id, and returns its answers', async () => {
    lambda.on(InvokeCommand).resolves(reply({ ok: true, streamId: 's1', answers: [answer] }))
    const { recovery } = await setup()
    expect(await recovery.fetch('s1')).toEqual([answer])
    const input = lambda.commandCalls(InvokeCommand)[0]!.args[0].input
    expect({ ...input, Payload: JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array)) as unknown }).toEqual(
      {
        FunctionName: FUNCTION,
        InvocationType: 'RequestResponse',
        Payload: { streamId: 's1' },
      },
    )
  })

  const events = () =>
    lambda
      .commandCalls(InvokeCommand)
      .map((call) => JSON.parse(new TextDecoder().decode(call.args[0].input.Payload as Uint8Array)) as unknown)

  it('asks a stack that serves v2 for the reasoning and end details, and keeps them', async () => {
    const thought = 'Four is 2 + 2. 東京 🌞'
    const whole = {
      ...answer,
      reasoning: thought,
      reasoningSha256: sha256Hex(thought),
      stopReason: 'end',
      metrics: { durationMs: 800 },
    }
    lambda.on(InvokeCommand).resolves(reply({ ok: true, streamId: 's1', answers: [whole] }))
    const { recovery } = await setup([1, 2])
    expect(await recovery.fetch('s1')).toEqual([whole])
    expect(events()).toEqual([{ streamId: 's1', protocols: [1, 2, 3], parts: true }])
  })

  it('never sends `protocols` to a stack that lists only v1 (its strict schema would refuse the key)', async () => {
    lambda.on(InvokeCommand).resolves(reply({ ok: true, streamId: 's1', answers: [answer] }))
    const { recovery } = await setup([1])
    await recovery.fetch('s1')
    expect(events()).toEqual([{ streamId: 's1' }])
  })

  it('fetches on its own each answer a v2 reply left out for size', async () => {
    const other = { ...answer, modelId: 'gpt', text: 'Four!', sha256: sha256Hex('Four!') }
    lambda
      .on(InvokeCommand)
      .resolvesOnce(reply({ ok: true, streamId: 's1', answers: [answer], omittedModelIds: ['gpt'] }))
      .resolvesOnce(reply({ ok: true, streamId: 's1', answers: [other] }))
    const { recovery } = await setup([1, 2])
    expect(await recovery.fetch('s1')).toEqual([answer, other])
    expect(events()).toEqual([
      { streamId: 's1', protocols: [1, 2, 3], parts: true },
      { streamId: 's1', modelId: 'gpt', protocols: [1, 2, 3], parts: true },
    ])
  })

  it('returns nothing for a stream with nothing stored, and drops answers of another stream', async () => {
    const { recovery } = await setup()
    lambda.on(InvokeCommand).resolves(reply({ ok: true, streamId: 's1', answers: [] }))
    expect(await recovery.fetch('s1')).toEqual([])
    lambda.on(InvokeCommand).resolves(reply({ ok: true, streamId: 's1', answers: [{ ...answer, streamId: 's2' }] }))
    expect(await recovery.fetch('s1')).toEqual([])
  })

  it.each([
    [
      'a network failure',
      () => lambda.on(InvokeCommand).rejects(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })),
      /Cannot reach AWS Lambda|failed to run/,
    ],
    [
      'access denied',
      () => lambda.on(InvokeCommand).rejects(awsError('AccessDeniedException')),
      /may not call the cloud function streamdesk-fetch-stream/,
    ],
    [
      'a function error',
      () =>
        lambda
          .on(InvokeCommand)
          .resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: Uint8ArrayBlobAdapter.fromString('{}') }),
      /failed \(Unhandled\)/,
    ],
    [
      'a refusal',
      () => lambda.on(InvokeCommand).resolves(reply({ ok: false, error: 'store-unavailable', detail: 'try again' })),
      /refused: try again/,
    ],
    [
      'an answer it does not understand',
      () => lambda.on(InvokeCommand).resolves(reply({ ok: true, answers: 'all of them' })),
      /does not understand/,
    ],
    [
      'a tampered answer',
      () =>
        lambda.on(InvokeCommand).resolves(reply({ ok: true, streamId: 's1', answers: [{ ...answer, sha256: 'x' }] })),
      /does not understand/,
    ],
  ])('rejects with a plain sentence on %s', async (_name, arrange, message) => {
    arrange()
    const { recovery } = await setup()
    await expect(recovery.fetch('s1')).rejects.toThrow(message)
  })
})

describe('the journal of open streams', () => {
  it('remembers opened streams until each model has closed, across a restart, per identity', async () => {
    const { store, clock, recovery } = await setup()
    recovery.opened({ streamId: 's1', modelIds: ['a', 'b'] })
    recovery.opened({ streamId: 's2', modelIds: ['a'] })
    recovery.closed('s1', 'a')
    recovery.closed('s2', 'a')
    recovery.closed('s9', 'a') // unknown: nothing to do
    await recovery.flushed()
    expect(JSON.parse((await store.get(tokenKeys.openStreams(IDENTITY_ID)))!)).toEqual([
      { streamId: 's1', modelIds: ['b'], openedAt: clock.now() },
    ])

    const afterRestart = new LambdaStreamRecovery({
      lambda: new LambdaClient({ region: 'us-east-1' }),
      functionName: FUNCTION,
      store,
      identityId: IDENTITY_ID,
      clock,
    })
    expect(await afterRestart.openStreams()).toEqual([{ streamId: 's1', modelIds: ['b'] }])
    const otherUser = new LambdaStreamRecovery({
      lambda: new LambdaClient({ region: 'us-east-1' }),
      functionName: FUNCTION,
      store,
      identityId: 'us-east-1:00000000-1111-2222-3333-444444444444',
      clock,
    })
    expect(await otherUser.openStreams()).toEqual([])

    afterRestart.closed('s1', 'b')
    await afterRestart.flushed()
    expect(await store.get(tokenKeys.openStreams(IDENTITY_ID))).toBeUndefined()
  })

  it("keeps a continued answer's part the app gave it across a restart, and reads journals written without it", async () => {
    const { store, clock, recovery } = await setup()
    recovery.opened({ streamId: 'cont', modelIds: ['a'], given: { text: 42, reasoning: 7 } })
    await recovery.flushed()
    // A journal entry of an older version (no `given`) beside it.
    const entries = JSON.parse((await store.get(tokenKeys.openStreams(IDENTITY_ID)))!) as unknown[]
    entries.push({ streamId: 'old', modelIds: ['b'], openedAt: clock.now() })
    await store.set(tokenKeys.openStreams(IDENTITY_ID), JSON.stringify(entries))
    const afterRestart = new LambdaStreamRecovery({
      lambda: new LambdaClient({ region: 'us-east-1' }),
      functionName: FUNCTION,
      store,
      identityId: IDENTITY_ID,
      clock,
    })
    expect(await afterRestart.openStreams()).toEqual([
      { streamId: 'cont', modelIds: ['a'], given: { text: 42, reasoning: 7 } },
      { streamId: 'old', modelIds: ['b'] },
    ])
  })

  it('forgets streams older than the answer store keeps answers', async () => {
    const { clock, recovery } = await setup()
    recovery.opened({ streamId: 'old', modelIds: ['a'] })
    clock.advance(25 * 3_600_000)
    recovery.opened({ streamId: 'new', modelIds: ['a'] })
    expect(await recovery.openStreams()).toEqual([{ streamId: 'new', modelIds: ['a'] }])
  })

  it('reads a damaged journal as empty', async () => {
    const { store, recovery } = await setup()
    await store.set(tokenKeys.openStreams(IDENTITY_ID), '{not json')
    expect(await recovery.openStreams()).toEqual([])
  })
})
