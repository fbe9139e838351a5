/** The sequencer writes each stream in its negotiated protocol version, with the reasoning channel where it fits. */
import { describe, expect, it } from 'vitest'
import { ChunkSequencer } from '../../../src-main/backend/chunk-sequencer'
import type { Publisher } from '../../../src-main/backend/publisher'
import { decodeChunk, streamTopic, type ProtocolVersion } from '../../../src-main/protocol/stream-protocol'
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
