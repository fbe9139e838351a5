/**
 * Settings → Cloud's usage figures: the chat Lambda's `usage` action at the SDK edge (aws-sdk-client-mock), and what
 * the app makes of each answer a backend may give, older ones included.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { mockClient } from 'aws-sdk-client-mock'
import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda'
import { Uint8ArrayBlobAdapter } from '@smithy/core/serde'
import { fetchCloudUsage } from '../../../src-main/core/cloud/cloud-usage'

const lambda = mockClient(LambdaClient)
const payload = (value: unknown) => Uint8ArrayBlobAdapter.fromString(JSON.stringify(value))
const USAGE = {
  dayTokens: 12_345,
  monthTokens: 456_789,
  limits: { dailyTokens: 200_000, monthlyTokens: 3_000_000, concurrentStreams: 2 },
  dayResetsAt: Date.parse('2026-12-08T00:00:00Z'),
  monthResetsAt: Date.parse('2027-01-01T00:00:00Z'),
}
const usage = () => fetchCloudUsage(new LambdaClient({ region: 'eu-west-1' }), 'sd-chat')

beforeEach(() => lambda.reset())

describe('cloud usage', () => {
  it('asks the chat Lambda synchronously, naming no user (the Lambda takes the caller from its context)', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ ok: true, usage: USAGE }) })
    expect(await usage()).toEqual({ ok: true, usage: USAGE })
    const [call] = lambda.commandCalls(InvokeCommand)
    expect(call!.args[0].input.InvocationType).toBe('RequestResponse')
    expect(JSON.parse(new TextDecoder().decode(call!.args[0].input.Payload as Uint8Array))).toEqual({ action: 'usage' })
  })

  it('reads a newer backend tolerantly: figures it does not know are dropped', async () => {
    const newer = { ...USAGE, weekTokens: 5, limits: { ...USAGE.limits, weeklyTokens: 9 } }
    lambda.on(InvokeCommand).resolves({ Payload: payload({ ok: true, usage: newer, extra: 1 }) })
    expect(await usage()).toEqual({ ok: true, usage: USAGE })
  })

  it('says a backend deployed before budgets must be redeployed (it refuses the request as an invalid chat)', async () => {
    lambda
      .on(InvokeCommand)
      .resolves({ Payload: payload({ ok: false, error: 'invalid-event', detail: 'streamId: …' }) })
    expect(await usage()).toMatchObject({ ok: false, reason: 'no-budgets', message: expect.stringMatching(/redeploy/) })
  })

  it.each([
    ['an answer that is not JSON', { Payload: Uint8ArrayBlobAdapter.fromString('<html>') }, /does not understand/],
    ['nonsense figures', { Payload: payload({ ok: true, usage: { ...USAGE, dayTokens: -1 } }) }, /does not understand/],
    ['a function error', { FunctionError: 'Unhandled', Payload: payload({}) }, /failed/],
    [
      "the store's failure",
      { Payload: payload({ ok: false, error: 'store-unavailable', detail: 'The budget store could not be read.' }) },
      /budget store/,
    ],
  ])('reports %s as unavailable, in plain words, without throwing', async (_name, output, message) => {
    lambda.on(InvokeCommand).resolves(output)
    expect(await usage()).toMatchObject({ ok: false, reason: 'unavailable', message: expect.stringMatching(message) })
  })

  it('reports a function that does not exist without throwing', async () => {
    lambda.on(InvokeCommand).rejects(new ResourceNotFoundException({ message: 'Function not found', $metadata: {} }))
    expect(await usage()).toMatchObject({ ok: false, reason: 'unavailable' })
  })
})
