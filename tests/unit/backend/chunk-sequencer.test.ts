/** The sequencer writes each stream in its negotiated protocol version, with the reasoning channel where it fits. */
import { describe, expect, it } from 'vitest'
import { ChunkSequencer } from '../../../src-main/backend/chunk-sequencer'
import type { Publisher } from '../../../src-main/backend/publisher'
import { decodeChunk, streamTopic, type ProtocolVersion } from '../../../src-main/protocol/stream-protocol'
import { ManualClock } from '../../support/manual-clock'
import { sha256Hex } from '../../support/sha256'

const topic = streamTopic('streamdesk', 'user-1', 'stream-1')

/** Keeps the payloads exactly as they would go on the wire. */
class PayloadRecorder implements Publisher {
  readonly payloads: string[] = []
  async publish(_topic: string, payload: string): Promise<void> {
    this.payloads.push(payload)
  }
  get wire(): Array<Record<string, unknown>> {
    return this.payloads.map((p) => JSON.parse(p) as Record<string, unknown>)
  }
}

async function run(protocol: ProtocolVersion) {
  const publisher = new PayloadRecorder()
  const sequencer = new ChunkSequencer(publisher, topic, { streamId: 'stream-1', modelId: 'r1', protocol })
  sequencer.send({ text: '', reasoning: 'The user asks ' })
  sequencer.send({ text: '', reasoning: 'for 6×7.' })
  sequencer.send({ text: 'It is ', reasoning: '' })
  sequencer.finish(
    { text: '42.', reasoning: ' Done.' },
    {
      status: 'complete',
      stopReason: 'end',
      metrics: { inputTokens: 10, outputTokens: 20, reasoningTokens: 12, firstTokenMs: 300, durationMs: 900 },
    },
  )
  await sequencer.settled()
  // Every payload is valid in its own version for the app that reads it.
  for (const payload of publisher.payloads) {
    expect(
      decodeChunk(topic, new TextEncoder().encode(payload), { prefix: 'streamdesk', userId: 'user-1' }),
    ).toMatchObject({ ok: true })
  }
  return publisher.wire
}

describe('ChunkSequencer', () => {
  it('carries reasoning in v2 on its own channel, with a digest of each channel in the final marker', async () => {
    const wire = await run(2)
    expect(wire.map((c) => [c.seq, c.text, c.reasoning])).toEqual([
      [0, '', 'The user asks '],
      [1, '', 'for 6×7.'],
      [2, 'It is ', undefined],
      [3, '42.', ' Done.'],
    ])
    expect(wire.every((c) => c.v === 2)).toBe(true)
    expect(wire.at(-1)!.final).toEqual({
      total: 4,
      status: 'complete',
      sha256: sha256Hex('It is 42.'),
      reasoningSha256: sha256Hex('The user asks for 6×7. Done.'),
      stopReason: 'end',
      metrics: { inputTokens: 10, outputTokens: 20, reasoningTokens: 12, firstTokenMs: 300, durationMs: 900 },
    })
  })

  it('sends a v1 stream without reasoning: reasoning-only chunks are not sent, the sequence has no hole', async () => {
    const wire = await run(1)
    expect(wire).toEqual([
      { v: 1, streamId: 'stream-1', modelId: 'r1', seq: 0, text: 'It is ' },
      {
        v: 1,
        streamId: 'stream-1',
        modelId: 'r1',
        seq: 1,
        text: '42.',
        final: {
          total: 2,
          status: 'complete',
          sha256: sha256Hex('It is 42.'),
          usage: { inputTokens: 10, outputTokens: 20 },
        },
      },
    ])
  })

  it('seals for the answer store exactly what the final marker then says, both digests included', async () => {
    for (const protocol of [1, 2] as const) {
      const publisher = new PayloadRecorder()
      const sequencer = new ChunkSequencer(publisher, topic, { streamId: 'stream-1', modelId: 'r1', protocol })
      sequencer.send({ text: '', reasoning: 'Hmm 🤔' })
      sequencer.send({ text: 'It is' })
      const tail = { text: ' 42.', reasoning: ' Sure.' }
      const sealed = sequencer.sealFor(tail)
      sequencer.finish(tail, { status: 'complete' })
      await sequencer.settled()
      const final = publisher.wire.at(-1)!.final as Record<string, unknown>
      expect(sealed).toEqual({
        total: final.total,
        sha256: final.sha256,
        ...(protocol === 2 ? { reasoningSha256: sha256Hex('Hmm 🤔 Sure.') } : {}),
      })
      expect(final.reasoningSha256).toBe(sealed.reasoningSha256)
    }
  })

  it('leaves the reasoning digest out of a stream that carried no reasoning', async () => {
    const publisher = new PayloadRecorder()
    const sequencer = new ChunkSequencer(publisher, topic, { streamId: 'stream-1', modelId: 'a', protocol: 2 })
    sequencer.send({ text: 'Hi' })
    expect(sequencer.sealFor({ text: '!' })).toEqual({ total: 2, sha256: sha256Hex('Hi!') })
    sequencer.finish({ text: '!' }, { status: 'complete' })
    await sequencer.settled()
    expect(publisher.wire.at(-1)!.final).toEqual({ total: 2, status: 'complete', sha256: sha256Hex('Hi!') })
  })
})

/** Lets every pending promise continuation run (the sequencer's retries await between attempts). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve))

/** A publisher that fails its first `failures` attempts, noting when (on the manual clock) each attempt came. */
function failingPublisher(clock: ManualClock, failures: number) {
  const attemptsAt: number[] = []
  const delivered: string[] = []
  const publisher: Publisher = {
    async publish(_topic, payload) {
      attemptsAt.push(clock.now())
      if (attemptsAt.length <= failures) throw new Error('broker unavailable')
      delivered.push(payload)
    },
  }
  return { publisher, attemptsAt, delivered }
}

async function runFor(clock: ManualClock, ms: number, step = 10): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    await settle()
    clock.advance(step)
  }
  await settle()
}

describe('ChunkSequencer publishing', () => {
  const stream = { streamId: 'stream-1', modelId: 'm', protocol: 2 as const }

  it('sends nothing for empty content and numbers only what it sends; the final always goes out', async () => {
    const publisher = new PayloadRecorder()
    const sequencer = new ChunkSequencer(publisher, topic, stream)
    sequencer.send({ text: '' })
    sequencer.send({ text: '', reasoning: '' })
    sequencer.send({ text: 'a' })
    sequencer.send({ text: '' })
    expect(sequencer.chunksSent).toBe(1)
    sequencer.finish({ text: '' }, { status: 'complete' })
    expect(sequencer.chunksSent).toBe(2)
    await sequencer.settled()
    expect(publisher.wire.map((c) => [c.seq, c.text])).toEqual([
      [0, 'a'],
      [1, ''],
    ])
    expect(publisher.wire[1]!.final).toMatchObject({ total: 2, sha256: sha256Hex('a') })
  })

  it('seals a stream that sent nothing as one chunk holding the tail', () => {
    const sequencer = new ChunkSequencer(new PayloadRecorder(), topic, stream)
    expect(sequencer.sealFor({ text: '😀' })).toEqual({ total: 1, sha256: sha256Hex('😀') })
    // Reasoning sent before a tail without any is still sealed with its digest…
    const reasoned = new ChunkSequencer(new PayloadRecorder(), topic, stream)
    reasoned.send({ text: '', reasoning: 'hmm' })
    expect(reasoned.sealFor({ text: 'a' })).toEqual({
      total: 2,
      sha256: sha256Hex('a'),
      reasoningSha256: sha256Hex('hmm'),
    })
    // …and reasoning that first comes in the tail gets one too.
    expect(sequencer.sealFor({ text: 'a', reasoning: 'r' })).toEqual({
      total: 1,
      sha256: sha256Hex('a'),
      reasoningSha256: sha256Hex('r'),
    })
  })

  it('publishes without waiting for acknowledgements: every chunk is in flight at once', async () => {
    const pending: Array<() => void> = []
    const publisher: Publisher = { publish: () => new Promise<void>((resolve) => pending.push(resolve)) }
    const sequencer = new ChunkSequencer(publisher, topic, stream)
    sequencer.send({ text: 'a' })
    sequencer.send({ text: 'b' })
    sequencer.finish({ text: 'c' }, { status: 'complete' })
    expect(pending).toHaveLength(3)
    let settled = false
    void sequencer.settled().then(() => (settled = true))
    await settle()
    expect(settled).toBe(false)
    for (const resolve of pending) resolve()
    await settle()
    expect(settled).toBe(true)
  })

  it('retries a failed publish with doubling waits up to the cap, and delivers it', async () => {
    const clock = new ManualClock()
    const { publisher, attemptsAt, delivered } = failingPublisher(clock, 4)
    const sequencer = new ChunkSequencer(publisher, topic, stream, {
      clock,
      random: () => 1, // the longest of each jittered wait: base × 2^n, capped
      retryBaseMs: 100,
      maxRetryDelayMs: 300,
    })
    sequencer.send({ text: 'hi' })
    await runFor(clock, 1200)
    expect(attemptsAt).toEqual([0, 100, 300, 600, 900])
    expect(delivered).toHaveLength(1)
    expect(sequencer.failedPublishes).toBe(0)
  })

  it('jitters each wait down to half, never more', async () => {
    const clock = new ManualClock()
    const { publisher, attemptsAt } = failingPublisher(clock, 3)
    // The default first wait is 100 ms.
    const sequencer = new ChunkSequencer(publisher, topic, stream, { clock, random: () => 0 })
    sequencer.send({ text: 'hi' })
    await runFor(clock, 500)
    expect(attemptsAt).toEqual([0, 50, 150, 350])
  })

  it('gives a publish up, counted, when the next wait would end after retryForMs, and not a moment before', async () => {
    const attemptsFor = async (retryForMs: number) => {
      const clock = new ManualClock()
      const { publisher, attemptsAt } = failingPublisher(clock, Infinity)
      const sequencer = new ChunkSequencer(publisher, topic, stream, {
        clock,
        random: () => 1,
        retryBaseMs: 100,
        maxRetryDelayMs: 400,
        retryForMs,
      })
      sequencer.send({ text: 'hi' })
      await runFor(clock, 3000)
      await sequencer.settled()
      expect(sequencer.failedPublishes).toBe(1)
      return attemptsAt
    }
    // Waits of 100, 200, 400, 400…: the attempt at 1100 ends exactly at the deadline, so it is still made.
    expect(await attemptsFor(1100)).toEqual([0, 100, 300, 700, 1100])
    expect(await attemptsFor(1099)).toEqual([0, 100, 300, 700])
  })
})
