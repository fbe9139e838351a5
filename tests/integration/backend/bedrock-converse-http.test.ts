/**
 * The Bedrock provider with the real SDK client over HTTP: a local server answers ConverseStream with the recorded
 * events (tests/fixtures/provider-streams) encoded as AWS event-stream messages, in random 1–48 byte writes and in
 * 1–3 byte writes, so the SDK's own decoder and the provider see the bytes split anywhere.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime'
import { EventStreamCodec } from '@smithy/core/event-streams'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ModelEvent } from '../../../src-main/backend/model-provider'
import { createBedrockConverseProvider } from '../../../src-main/backend/providers/bedrock-converse'
import { startLoopbackServer, type LoopbackServer } from '../../support/loopback-server'

const codec = new EventStreamCodec(
  (bytes) => Buffer.from(bytes).toString('utf8'),
  (text) => new Uint8Array(Buffer.from(text, 'utf8')),
)

/** One recorded ConverseStream event per line → the event-stream bytes Bedrock sends for them. */
function eventStreamBody(name: string): Buffer {
  const lines = readFileSync(join(__dirname, '../../fixtures/provider-streams', name), 'utf8').split('\n')
  const messages = lines
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [[member, value]] = Object.entries(JSON.parse(line) as Record<string, unknown>) as [[string, unknown]]
      return codec.encode({
        headers: {
          ':event-type': { type: 'string', value: member },
          ':message-type': { type: 'string', value: 'event' },
          ':content-type': { type: 'string', value: 'application/json' },
        },
        body: new Uint8Array(Buffer.from(JSON.stringify(value), 'utf8')),
      })
    })
  return Buffer.concat(messages)
}

let server: LoopbackServer
let body: Buffer = Buffer.alloc(0)
let nextWriteSize = () => 1
beforeAll(async () => {
  server = await startLoopbackServer(async (req, res) => {
    for await (const _ of req); // the request body is not needed
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'test' })
    for (let offset = 0; offset < body.length;) {
      const size = nextWriteSize()
      await new Promise((resolve) => setImmediate(resolve))
      res.write(body.subarray(offset, offset + size))
      offset += size
    }
    res.end()
  })
})
afterAll(async () => {
  await server.close()
})

function seeded(min: number, max: number, seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0
    return min + ((state >>> 16) % (max - min + 1))
  }
}

async function streamOverHttp(name: string, writeSize: () => number): Promise<ModelEvent[]> {
  body = eventStreamBody(name)
  nextWriteSize = writeSize
  const client = new BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint: server.origin,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    maxAttempts: 1,
    // The SDK speaks HTTP/2 to Bedrock by default; the local server speaks HTTP/1.1, which Bedrock also serves.
    requestHandler: new NodeHttpHandler(),
  })
  const provider = createBedrockConverseProvider({ client, modelId: 'anthropic.claude-3-7-sonnet-20250219-v1:0' })
  const events: ModelEvent[] = []
  try {
    for await (const event of provider.stream({
      messages: [{ role: 'user', content: 'hi' }],
      signal: new AbortController().signal,
    })) {
      events.push(event)
    }
  } finally {
    client.destroy()
  }
  return events
}

const splits: Array<[string, () => () => number]> = [
  ['random 1–48 byte writes', () => seeded(1, 48, 7)],
  ['1–3 byte writes', () => seeded(1, 3, 8)],
]

describe('Bedrock ConverseStream provider over HTTP, recorded event-stream bytes', () => {
  for (const [how, writeSize] of splits) {
    it(`reasoning text, signature and answer in ${how}`, async () => {
      const events = await streamOverHttp('bedrock-reasoning.jsonl', writeSize())
      const reasoning = events.map((e) => (e.type === 'reasoning' ? e.text : '')).join('')
      const answer = events.map((e) => (e.type === 'delta' ? e.text : '')).join('')
      expect(reasoning).toBe(
        'Let me count the r\'s in "strawberry":\n\ns-t-r-a-w-b-e-r-r-y\n\nr appears at positions 3, 8, and 9.\n\nSo there are 3 r\'s.',
      )
      expect(answer).toBe('There are **3** r\'s in "strawberry":\n\n1. st**r**awbe**r****r**y')
      expect(events.filter((e) => e.type === 'reasoning-signature')).toHaveLength(1)
      expect(events.find((e) => e.type === 'reasoning-signature')).toMatchObject({
        signature: expect.stringMatching(/^Ep0CCkgI.*=$/),
      })
      expect(events.filter((e) => e.type === 'stop')).toEqual([{ type: 'stop', reason: 'end', raw: 'end_turn' }])
      expect(events.at(-1)).toEqual({ type: 'usage', inputTokens: 51, outputTokens: 94, latencyMs: 2281 })
    })

    it(`a redacted reasoning block and a tool call in ${how}`, async () => {
      const events = await streamOverHttp('bedrock-redacted-content.jsonl', writeSize())
      expect(events).toEqual([
        { type: 'redacted-reasoning' },
        { type: 'stop', reason: 'tool-call', raw: 'tool_use', toolNames: ['propose'] },
        { type: 'usage', inputTokens: 67, outputTokens: 70, latencyMs: 2588 },
      ])
    })
  }
})
