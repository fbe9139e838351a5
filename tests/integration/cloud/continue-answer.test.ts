/**
 * Continue, in cloud mode, through the real app core: the request goes through the same chat path as any prompt (the
 * Lambda invocation, whose fake runs the real chat handler), the stream comes back through a real broker (Mosquitto
 * over TLS WebSockets), and the window and history get ONE answer: the cut text followed by the continuation.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ModelStreamRequest } from '../../../src-main/backend/model-provider'
import { CONTINUE_INSTRUCTION } from '../../../src-main/core/chat/continuation'
import type { ConversationDetail } from '../../../src-main/shared/ipc-contract'
import { startMosquitto, type Mosquitto } from '../../support/mosquitto'
import { createTestCertificates, type TestCertificates } from '../../support/tls-certificates'
import { scriptedModels, type Script } from '../../support/scripted-provider'
import { ManualClock } from '../../support/manual-clock'
import { startCloudCore } from './cloud-core'
import { startFakeCloud } from './fake-cloud'

let certificates: TestCertificates
let mosquitto: Mosquitto
const cleanups: Array<() => Promise<unknown>> = []

beforeAll(async () => {
  certificates = await createTestCertificates()
  mosquitto = await startMosquitto({ tlsWebsockets: certificates })
})
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})
afterAll(async () => {
  await mosquitto?.stop()
})

const CUT = ['Once upon ', 'a time, ', 'in a land 日本 ', 'far']
const REST = [' away, ', 'a model ', 'finished its story. 😀']

describe('continuing a cut-off answer in cloud mode', () => {
  it('asks the model through the Lambda with its cut answer and streams one whole answer into the UI and history', async () => {
    const clock = new ManualClock()
    clock.advance(Date.now())
    // The model's script is read at each request: first it is cut at the token limit, then it goes on.
    const scripts: Record<string, Script> = { writer: { deltas: CUT, intervalMs: 2, stopReason: 'max-tokens' } }
    const requests: Record<string, ModelStreamRequest[]> = {}
    // A stack that serves protocol v2: v1's final marker carries no stop reason.
    const models = scriptedModels(scripts, requests)
    const cloud = await startFakeCloud({ broker: mosquitto, models, clock, protocols: [1, 2] })
    cleanups.push(() => cloud.close())
    const app = await startCloudCore({ cloud, broker: mosquitto, certificates, clock, modelIds: ['writer'] })
    cleanups.push(() => app.stop())

    const { streamId, conversationId } = await app.send('Tell me a story', ['writer'])
    expect((await app.finished(streamId, ['writer'])).writer).toEqual({ text: CUT.join(''), status: 'complete' })

    scripts.writer = { deltas: REST, intervalMs: 2 }
    const next = (await app.core.router.invoke('chat:continue', [{ conversationId, streamId, modelId: 'writer' }])) as {
      streamId: string
    }
    const whole = CUT.join('') + REST.join('')
    expect((await app.finished(next.streamId, ['writer'])).writer).toEqual({ text: whole, status: 'complete' })
    expect(requests.writer!.map((request) => request.messages)).toEqual([
      [{ role: 'user', content: 'Tell me a story' }],
      [
        { role: 'user', content: 'Tell me a story' },
        { role: 'assistant', content: CUT.join('') },
        { role: 'user', content: CONTINUE_INSTRUCTION },
      ],
    ])

    const detail = (await app.core.router.invoke('history:get', [conversationId])) as ConversationDetail
    expect(detail.turns[0]!.answers.map((a) => [a.attempt, a.streamId, a.text, a.status, a.end?.stopReason])).toEqual([
      [1, streamId, CUT.join(''), 'complete', 'max-tokens'],
      [2, next.streamId, whole, 'complete', 'end'],
    ])

    // An answer that was not cut, or one that does not exist, is refused with a plain message; nothing is asked.
    const ask = (request: { streamId: string; modelId: string }) =>
      app.core.router.invoke('chat:continue', [{ conversationId, ...request }])
    await expect(ask({ streamId: next.streamId, modelId: 'writer' })).rejects.toThrow(
      'Only an answer cut off at the token limit or by StreamDesk closing can be continued.',
    )
    await expect(ask({ streamId: 'no-such-stream', modelId: 'writer' })).rejects.toThrow(
      'That answer is no longer in the conversation.',
    )
    expect(requests.writer).toHaveLength(2)
  }, 30_000)
})
