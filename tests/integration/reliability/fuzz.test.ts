/**
 * Fuzzing the receive path (fast-check): the payload decoder and the real ChatService (with the real history
 * store in memory), fed arbitrary byte strings, arbitrary JSON, mutated chunk messages, and arbitrary sequences of
 * valid-looking chunks (random seq / total / final / duplicates, other and finished stream ids, unknown models)
 * interleaved with a live two-model stream whose own chunks arrive shuffled and duplicated.
 *
 * - `decodeChunk` never throws and accepts only what the protocol allows;
 * - `receive` never throws, and everything that is not the live stream's own leaves its text exactly as sent;
 * - chunks that do claim the live stream's ids (forged or corrupted) can spoil it, but never into a column shown as
 *   'complete' with text other than the model's;
 * - what a stream holds back is capped (chunks ahead of a gap, and their characters).
 *
 * The unit tests already cover random bytes / JSON for the decoder alone and permutations for the reorder buffer;
 * this goes through ChatService with everything mixed.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { ChatRequest } from '../../../src-main/backend/chat-handler'
import { ChatService, type ChatBackend } from '../../../src-main/core/chat/chat-service'
import { DiagnosticsRecorder } from '../../../src-main/core/diagnostics'
import {
  decodeChunk,
  encodeChunk,
  MAX_CHUNK_TEXT,
  MAX_PAYLOAD_BYTES,
  MAX_SEQ,
  streamTopic,
  type ChunkMessage,
} from '../../../src-main/protocol/stream-protocol'
import type { StreamUpdate } from '../../../src-main/shared/ipc-contract'
import { ManualClock } from '../../support/manual-clock'
import { memoryHistory } from '../../support/memory-history'
import { sha256Hex } from '../../support/sha256'
import { unicodeText } from '../../support/unicode-text'

const PREFIX = 'sd'
const USER = 'u1'
const MODELS = ['a', 'b']
const encoder = new TextEncoder()
const ID = /^[A-Za-z0-9_.:-]{1,128}$/

class RecordingBackend implements ChatBackend {
  readonly started: ChatRequest[] = []
  async start(request: ChatRequest) {
    this.started.push(request)
  }
  async stop() {}
}

/** A ChatService with one finished stream (for replays) and one live stream of models a and b. */
async function liveService() {
  const clock = new ManualClock()
  const history = await memoryHistory(clock)
  const diagnostics = new DiagnosticsRecorder()
  const batches: StreamUpdate[][] = []
  const chat = new ChatService({
    userId: USER,
    topicPrefix: PREFIX,
    backend: new RecordingBackend(),
    conversations: history.conversations,
    modelLabel: (id) => (MODELS.includes(id) ? id.toUpperCase() : undefined),
    online: true,
    emitUpdates: (updates) => batches.push(updates),
    diagnostics,
    clock,
  })
  const old = await chat.send({ prompt: 'earlier', modelIds: ['a'] })
  const oldFinal = { total: 1, status: 'complete', sha256: sha256Hex('old') }
  chat.receive(
    topicOf(old.streamId),
    bytesOf({ v: 1, streamId: old.streamId, modelId: 'a', seq: 0, text: 'old', final: oldFinal }),
  )
  const { streamId } = await chat.send({ prompt: 'live', modelIds: MODELS })
  const columns = () => {
    const byModel: Record<string, { text: string; status: string; error?: { code: string } }> = {}
    for (const update of batches.flat()) {
      if (update.streamId !== streamId) continue
      const column = (byModel[update.modelId] ??= { text: '', status: 'streaming' })
      column.text += update.append
      column.status = update.status
      if (update.error) column.error = update.error
    }
    return byModel
  }
  const receive = (topic: string, payload: Uint8Array) => chat.receive(topic, payload)
  return { chat, clock, diagnostics, streamId, oldStreamId: old.streamId, columns, receive, history }
}

const topicOf = (streamId: string) => streamTopic(PREFIX, USER, streamId)
const bytesOf = (message: unknown) => encoder.encode(JSON.stringify(message))

/** A model's answer as chunks: the last carries the final marker with the digest of the whole text. */
function chunksOf(streamId: string, modelId: string, parts: string[]): ChunkMessage[] {
  const sha256 = sha256Hex(parts.join(''))
  return parts.map((text, seq) => ({
    v: 1 as const,
    streamId,
    modelId,
    seq,
    text,
    ...(seq === parts.length - 1 ? { final: { total: parts.length, status: 'complete' as const, sha256 } } : {}),
  }))
}

/** Each model's text as 1–25 parts (any Unicode, empty parts allowed). */
const answerParts = fc.array(unicodeText({ maxLength: 40 }), { minLength: 1, maxLength: 25 })

/** Indices of a stream's chunks, each delivered 1–3 times, in any order. */
const deliveriesOf = (count: number) =>
  fc.array(fc.integer({ min: 1, max: 3 }), { minLength: count, maxLength: count }).chain((copies) => {
    const all = copies.flatMap((n, seq) => Array.from({ length: n }, () => seq))
    return fc.shuffledSubarray(all, { minLength: all.length })
  })

const anyFinal: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    total: fc.oneof(fc.integer({ min: -2, max: 40 }), fc.constant(MAX_SEQ + 1), fc.constant(1e12), fc.double()),
    status: fc.constantFrom('complete', 'stopped', 'error', 'done', ''),
    sha256: fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), unicodeText({ maxLength: 70 })),
    error: fc.record({ code: fc.constantFrom('timeout', 'internal', 'nope'), message: unicodeText({ maxLength: 30 }) }),
    usage: fc.record({ outputTokens: fc.oneof(fc.nat(), fc.integer({ min: -5, max: -1 })) }),
  },
  { requiredKeys: [] },
)

/** Stream ids as recipes, resolved once the live stream's id (a random UUID) is known. */
type Ids = { live: string; old: string }
type Recipe<T> = (ids: Ids) => T
const streamIdRecipe: fc.Arbitrary<Recipe<string>> = fc.oneof(
  fc.constant((ids: Ids) => ids.live),
  fc.constant((ids: Ids) => ids.old),
  fc.uuid().map((id) => () => id),
  fc.stringMatching(/^[A-Za-z0-9_.:-]{1,20}$/).map((id) => () => id),
  unicodeText({ maxLength: 20 }).map((id) => () => id),
)

/** Chunk-shaped objects with wrong or right stream ids, any model, random seq and finals, sometimes extra keys. */
const lookalike: fc.Arbitrary<Recipe<{ topicStream: string; message: Record<string, unknown> }>> = fc
  .record({
    // Mostly the topic its streamId implies (so the schema, not the topic check, has to refuse it), sometimes not.
    topicStream: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: streamIdRecipe }),
    streamId: streamIdRecipe,
    modelId: fc.oneof(fc.constantFrom('a', 'b', 'c', 'A', ''), unicodeText({ maxLength: 8 })),
    // Mostly well-formed, so that many get past the schema to the stream and model checks.
    v: fc.oneof({ weight: 4, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constantFrom(0, 2, '1', null) }),
    seq: fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 0, max: 30 }) },
      { weight: 1, arbitrary: fc.integer({ min: -2, max: MAX_SEQ + 2 }) },
      { weight: 1, arbitrary: fc.constantFrom(1e12, 0.5, -0, '3') },
    ),
    text: fc.oneof(
      { weight: 5, arbitrary: unicodeText({ maxLength: 40 }) },
      { weight: 1, arbitrary: fc.constant('x'.repeat(MAX_CHUNK_TEXT + 1)) },
    ),
    final: fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: anyFinal }),
    extra: fc.oneof(
      { weight: 4, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'x') },
    ),
  })
  .map(({ topicStream, streamId, extra, final, ...rest }) => (ids: Ids) => {
    const message: Record<string, unknown> = { ...rest, streamId: streamId(ids), ...(final ? { final } : {}) }
    // An own key named like a prototype property, as JSON.parse makes it.
    if (extra) Object.defineProperty(message, extra, { value: { polluted: true }, enumerable: true })
    return { topicStream: (topicStream ?? streamId)(ids), message }
  })

/** Anything a hostile or broken publisher could put on the user's topics (or near them). */
const hostile: fc.Arbitrary<Recipe<{ topic: string; payload: Uint8Array }>> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc
      .uint8Array({ maxLength: 300 })
      .map((payload) => (ids: Ids) => ({ topic: topicOf(ids.live), payload })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ topic: unicodeText({ maxLength: 60 }), payload: fc.uint8Array({ maxLength: 60 }) })
      .map((m) => () => m),
  },
  {
    weight: 1,
    arbitrary: fc.constant((ids: Ids) => ({
      topic: topicOf(ids.live),
      payload: new Uint8Array(MAX_PAYLOAD_BYTES + 1).fill(0x7b),
    })),
  },
  {
    weight: 2,
    arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => {
      const payload = encoder.encode(JSON.stringify(value) ?? 'null')
      return (ids: Ids) => ({ topic: topicOf(ids.live), payload })
    }),
  },
  {
    weight: 6,
    arbitrary: lookalike.map((make) => (ids: Ids) => {
      const { topicStream, message } = make(ids)
      return { topic: topicOf(topicStream), payload: bytesOf(message) }
    }),
  },
  {
    // Another user's subtree, as a misrouting broker would deliver it.
    weight: 1,
    arbitrary: lookalike.map((make) => (ids: Ids) => {
      const { topicStream, message } = make(ids)
      return { topic: streamTopic(PREFIX, 'someone-else', topicStream), payload: bytesOf(message) }
    }),
  },
)

/** Two models' answers, and the order their chunks arrive in (shuffled, each 1–3 times). */
const liveStream = fc.tuple(answerParts, answerParts).chain(([partsA, partsB]) =>
  fc.record({
    partsA: fc.constant(partsA),
    partsB: fc.constant(partsB),
    order: deliveriesOf(partsA.length + partsB.length),
  }),
)

/** Whether the decoder would hand this message to the live stream's own columns (a forged in-stream chunk). */
function claimsLiveStream(topic: string, payload: Uint8Array, liveStreamId: string): boolean {
  const decoded = decodeChunk(topic, payload, { prefix: PREFIX, userId: USER })
  return decoded.ok && decoded.message.streamId === liveStreamId && MODELS.includes(decoded.message.modelId)
}

describe('fuzzing the receive path', () => {
  it('decodeChunk never throws and accepts only what the protocol allows', () => {
    const payloads = fc.oneof(
      fc.uint8Array({ maxLength: 400 }),
      fc.jsonValue({ maxDepth: 5 }).map((value) => encoder.encode(JSON.stringify(value) ?? '')),
      lookalike.map((make) => bytesOf(make({ live: 's1', old: 's0' }).message)),
      // Valid UTF-8 prefixes with invalid tails, BOMs, lone surrogates written as escapes.
      fc
        .tuple(fc.constantFrom('\uFEFF', '', '{"v":1,', '{"v":1,"text":"\\ud800",'), fc.uint8Array({ maxLength: 20 }))
        .map(([head, tail]) => new Uint8Array([...encoder.encode(head), ...tail])),
    )
    const topics = fc.oneof(
      fc.constant(topicOf('s1')),
      unicodeText({ maxLength: 40 }),
      fc.constantFrom('sd/u1/s1/extra', 'sd/u1/', 'sd/u1/+', '/sd/u1/s1', 'SD/u1/s1'),
    )
    fc.assert(
      fc.property(topics, payloads, (topic, payload) => {
        const result = decodeChunk(topic, payload, { prefix: PREFIX, userId: USER })
        if (!result.ok) {
          expect(['oversized', 'not-json', 'unsupported-version', 'invalid-schema', 'foreign-topic']).toContain(
            result.reason,
          )
          return
        }
        const m = result.message
        expect(topic).toBe(topicOf(m.streamId))
        // Versions 2 and 3 are versions this code reads since the protocol merge; a v1 chunk never carries reasoning.
        expect([1, 2, 3]).toContain(m.v)
        if (m.v === 1) expect(m.reasoning).toBeUndefined()
        expect(m.streamId).toMatch(ID)
        expect(m.modelId).toMatch(ID)
        expect(Number.isInteger(m.seq) && m.seq >= 0 && m.seq <= MAX_SEQ).toBe(true)
        expect(m.text.length).toBeLessThanOrEqual(MAX_CHUNK_TEXT)
        if (m.final) {
          expect(m.final.total).toBe(m.seq + 1)
          expect(m.final.status === 'error').toBe(m.final.error !== undefined)
        }
        const fields = ['v', 'streamId', 'modelId', 'seq', 'text', 'final', ...(m.v === 2 ? ['reasoning'] : [])]
        expect(Object.keys(m).every((key) => fields.includes(key))).toBe(true)
      }),
      { numRuns: 3_000 },
    )
  })

  it("leaves a live stream exact, whatever else arrives on the user's topics, interleaved in any order", async () => {
    await fc.assert(
      fc.asyncProperty(
        liveStream,
        fc.array(fc.tuple(hostile, fc.nat()), { maxLength: 60 }),
        async ({ partsA, partsB, order }, garbage) => {
          const s = await liveService()
          const ids = { live: s.streamId, old: s.oldStreamId }
          const live = [...chunksOf(s.streamId, 'a', partsA), ...chunksOf(s.streamId, 'b', partsB)]
          const messages: Array<{ topic: string; payload: Uint8Array }> = order.map((i) => ({
            topic: topicOf(s.streamId),
            payload: encoder.encode(encodeChunk(live[i]!)),
          }))
          for (const [make, position] of garbage) {
            const message = make(ids)
            // A chunk that does decode as the live stream's own belongs to the next property.
            if (!claimsLiveStream(message.topic, message.payload, s.streamId))
              messages.splice(position % (messages.length + 1), 0, message)
          }
          for (const { topic, payload } of messages) expect(() => s.receive(topic, payload)).not.toThrow()
          s.clock.advance(1_000)
          const columns = s.columns()
          expect(columns.a).toMatchObject({ text: partsA.join(''), status: 'complete' })
          expect(columns.b).toMatchObject({ text: partsB.join(''), status: 'complete' })
          expect(s.chat.activeStreamCount).toBe(0)
          expect(s.diagnostics.snapshot(0).messagesReceived).toBe(messages.length + 1)
          s.chat.dispose()
          s.history.store.close()
        },
      ),
      { numRuns: 300 },
    )
  })

  it("never shows a column as complete with text other than the model's, even with forged in-stream chunks", async () => {
    // Chunks that pass every check and claim the live stream's own ids (a corrupted or replayed chunk, or a forger
    // who knows the stream id: the broker's access rules keep those out). Their finals carry a digest, as every
    // sender's do; a final without one is the next test.
    const forged = fc.record(
      {
        modelId: fc.constantFrom('a', 'b'),
        seq: fc.integer({ min: 0, max: 30 }),
        text: unicodeText({ maxLength: 10 }),
        final: fc.option(
          fc.record({
            status: fc.constantFrom('complete' as const, 'stopped' as const),
            sha256: fc.stringMatching(/^[0-9a-f]{64}$/),
          }),
          { nil: undefined },
        ),
      },
      { requiredKeys: ['modelId', 'seq', 'text'] },
    )
    await fc.assert(
      fc.asyncProperty(
        liveStream,
        fc.array(fc.tuple(forged, fc.nat()), { minLength: 1, maxLength: 8 }),
        async (input, forgeries) => {
          const { partsA, partsB, order } = input
          const s = await liveService()
          const live = [...chunksOf(s.streamId, 'a', partsA), ...chunksOf(s.streamId, 'b', partsB)]
          const messages = order.map((i) => live[i]!)
          for (const [{ final, ...m }, position] of forgeries) {
            const message: ChunkMessage = {
              v: 1,
              streamId: s.streamId,
              ...m,
              ...(final ? { final: { total: m.seq + 1, ...final } } : {}),
            }
            messages.splice(position % (messages.length + 1), 0, message)
          }
          for (const message of messages)
            expect(() => s.receive(topicOf(message.streamId), encoder.encode(encodeChunk(message)))).not.toThrow()
          s.clock.advance(1_000)
          const columns = s.columns()
          for (const [model, parts] of [
            ['a', partsA],
            ['b', partsB],
          ] as const) {
            const column = columns[model]
            if (column?.status === 'complete')
              expect(column.text, `column ${model} shown complete`).toBe(parts.join(''))
          }
          s.chat.dispose()
          s.history.store.close()
        },
      ),
      { numRuns: 300 },
    )
  })

  it('does not show an answer as complete on a final marker that carries no digest', async () => {
    // The schema still accepts a final without `sha256` ("optional only for older senders"); the client then ends
    // the column 'complete' without checking anything. Here the last chunk is replaced (corrupted, replayed from
    // another answer, or forged) by one whose final has no digest: the damaged text is shown as a finished answer.
    const s = await liveService()
    const real = chunksOf(s.streamId, 'a', ['Hello', ' world', '!'])
    s.receive(topicOf(s.streamId), encoder.encode(encodeChunk(real[0]!)))
    s.receive(topicOf(s.streamId), encoder.encode(encodeChunk(real[1]!)))
    s.receive(
      topicOf(s.streamId),
      encoder.encode(encodeChunk({ ...real[2]!, text: '?', final: { total: 3, status: 'complete' } })),
    )
    s.receive(topicOf(s.streamId), encoder.encode(encodeChunk(real[2]!)))
    s.clock.advance(100)
    const column = s.columns().a!
    // Either the digest-less final is refused (and the real one completes the answer), or the column is not
    // shown complete; never 'complete' with the wrong text.
    if (column.status === 'complete') {
      expect(column.text, 'a final without a digest was taken as a verified, complete answer').toBe('Hello world!')
    }
    s.chat.dispose()
    s.history.store.close()
  })

  it('caps what a stream holds back behind a gap: chunk count and characters', async () => {
    const s = await liveService()
    const counted = () => {
      const d = s.diagnostics.snapshot(0)
      const rejected = Object.values(d.rejected).reduce((a, b) => a + b, 0)
      return {
        held: d.messagesReceived - d.chunksDelivered - d.duplicatesDropped - rejected,
        outOfWindow: d.rejected['out-of-window'] ?? 0,
      }
    }
    const before = counted()
    // Model a: seq 0 never comes; 10,000 one-character chunks ahead of it.
    for (let seq = 1; seq <= 10_000; seq++)
      s.receive(topicOf(s.streamId), bytesOf({ v: 1, streamId: s.streamId, modelId: 'a', seq, text: 'x' }))
    const afterCount = counted()
    expect(afterCount.held - before.held).toBe(4_096)
    expect(afterCount.outOfWindow).toBe(10_000 - 4_096)
    // Model b: seq 0 never comes; chunks of the largest allowed text until the character cap refuses more.
    const big = 'y'.repeat(MAX_CHUNK_TEXT)
    for (let seq = 1; seq <= 1_000; seq++)
      s.receive(topicOf(s.streamId), bytesOf({ v: 1, streamId: s.streamId, modelId: 'b', seq, text: big }))
    const afterChars = counted()
    const heldBig = afterChars.held - afterCount.held
    expect(heldBig * MAX_CHUNK_TEXT).toBeLessThanOrEqual(4_000_000)
    expect(heldBig).toBeGreaterThan(0)
    expect(afterChars.outOfWindow - afterCount.outOfWindow).toBe(1_000 - heldBig)
    s.chat.dispose()
    s.history.store.close()
  })
})
