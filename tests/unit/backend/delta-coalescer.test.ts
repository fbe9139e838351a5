import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { ChunkSequencer } from '../../../src-main/backend/chunk-sequencer'
import { DeltaCoalescer } from '../../../src-main/backend/delta-coalescer'
import { decodeChunk, streamTopic } from '../../../src-main/protocol/stream-protocol'
import { ManualClock } from '../../support/manual-clock'
import { sha256Hex } from '../../support/sha256'
import { unicodeText } from '../../support/unicode-text'

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

function setup(options: { windowMs?: number; maxChars?: number } = {}) {
  const clock = new ManualClock()
  const chunks: Array<{ at: number; text: string; reasoning?: string }> = []
  const coalescer = new DeltaCoalescer((content) => chunks.push({ at: clock.now(), ...content }), { clock, ...options })
  return { clock, chunks, coalescer }
}

describe('DeltaCoalescer', () => {
  it('sends the first delta at once', () => {
    const { chunks, coalescer } = setup()
    coalescer.push('Hello')
    expect(chunks).toEqual([{ at: 0, text: 'Hello' }])
  })

  it('joins the deltas of one window into one chunk, sent when the window ends', () => {
    const { clock, chunks, coalescer } = setup({ windowMs: 50 })
    coalescer.push('a')
    clock.advance(10)
    coalescer.push('b')
    clock.advance(10)
    coalescer.push('c')
    expect(chunks).toHaveLength(1)
    clock.advance(29)
    expect(chunks).toHaveLength(1)
    clock.advance(1)
    expect(chunks).toEqual([
      { at: 0, text: 'a' },
      { at: 50, text: 'bc' },
    ])
  })

  it('bounds the chunk count of a 2,000-delta stream by its duration over the window', () => {
    const { clock, chunks, coalescer } = setup({ windowMs: 50 })
    // 2,000 deltas at 200/s: a 10 s stream.
    for (let i = 0; i < 2000; i++) {
      coalescer.push(`t${i} `)
      clock.advance(5)
    }
    const rest = coalescer.drain()
    const durationMs = 2000 * 5
    expect(chunks.length).toBeLessThanOrEqual(durationMs / 50 + 1)
    expect(chunks.length).toBeGreaterThan(durationMs / 50 - 5)
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.at - chunks[i - 1]!.at).toBeGreaterThanOrEqual(50)
    expect(chunks.map((c) => c.text).join('') + rest.text).toBe(
      Array.from({ length: 2000 }, (_, i) => `t${i} `).join(''),
    )
  })

  it('sends at once when the buffer reaches its size cap, without splitting a surrogate pair', () => {
    const { chunks, coalescer } = setup({ windowMs: 50, maxChars: 4 })
    coalescer.push('x')
    coalescer.push('ab😀cd')
    expect(chunks.map((c) => c.text)).toEqual(['x', 'ab😀'])
    expect(coalescer.drain()).toEqual({ text: 'cd' })
  })

  it('holds back an emoji whose high surrogate falls exactly on the size cap', () => {
    // U+10000 and U+10FFFF: the lowest and the highest high surrogate (D800, DBFF).
    for (const astral of ['😀', '\u{10000}', '\u{10FFFF}']) {
      for (const channel of ['text', 'reasoning'] as const) {
        const { chunks, coalescer } = setup({ windowMs: 50, maxChars: 4 })
        coalescer.push('x', channel)
        coalescer.push(`abc${astral}d`, channel) // the cap (4 units) ends between the two halves
        expect(chunks.map((c) => (channel === 'text' ? c.text : c.reasoning))).toEqual(['x', 'abc'])
        const rest = `${astral}d`
        expect(coalescer.drain()).toEqual(channel === 'text' ? { text: rest } : { text: '', reasoning: rest })
      }
    }
  })

  it("keeps the answer's checksum right when the cap cuts at an emoji: the digest the backend sends matches the text", async () => {
    const me = { prefix: 'streamdesk', userId: 'user-1' }
    const topic = streamTopic(me.prefix, me.userId, 'stream-1')
    const payloads: string[] = []
    const publisher = { publish: async (_topic: string, payload: string) => void payloads.push(payload) }
    const sequencer = new ChunkSequencer(publisher, topic, { streamId: 'stream-1', modelId: 'm', protocol: 2 })
    const coalescer = new DeltaCoalescer((content) => sequencer.send(content), {
      clock: new ManualClock(),
      maxChars: 4,
    })
    // After the first 'x', each cap of 4 units ends inside an emoji or a flag (two astral characters).
    const answer = 'abc😀defg🇯🇵hij'
    for (const delta of ['x', answer]) coalescer.push(delta)
    sequencer.finish(coalescer.drain(), { status: 'complete' })
    await sequencer.settled()
    const decoded = payloads.map((payload) => decodeChunk(topic, new TextEncoder().encode(payload), me))
    const messages = decoded.map((result) => (result.ok ? result.message : expect.fail(result.detail)))
    const text = messages.map((m) => m.text).join('')
    expect(text).toBe(`x${answer}`)
    expect(messages.at(-1)!.final!.sha256).toBe(sha256Hex(text))
  })

  it('drain hands back what is buffered and cancels the pending send', () => {
    const { clock, chunks, coalescer } = setup({ windowMs: 50 })
    coalescer.push('a')
    coalescer.push('b')
    expect(coalescer.drain()).toEqual({ text: 'b' })
    expect(clock.pendingTimers).toBe(0)
    clock.advance(100)
    expect(chunks.map((c) => c.text)).toEqual(['a'])
  })

  it('after a quiet spell the next delta goes out at once', () => {
    const { clock, chunks, coalescer } = setup({ windowMs: 50 })
    coalescer.push('a')
    clock.advance(500)
    coalescer.push('b')
    expect(chunks).toEqual([
      { at: 0, text: 'a' },
      { at: 500, text: 'b' },
    ])
  })

  it('never loses or reorders text, whatever the timing', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(unicodeText({ maxLength: 30 }), fc.integer({ min: 0, max: 120 })), { maxLength: 80 }),
        (steps) => {
          const { clock, chunks, coalescer } = setup({ windowMs: 50, maxChars: 16 })
          for (const [delta, wait] of steps) {
            coalescer.push(delta)
            clock.advance(wait)
          }
          const text = chunks.map((c) => c.text).join('') + coalescer.drain().text
          expect(text).toBe(steps.map(([delta]) => delta).join(''))
          for (const chunk of chunks) {
            expect(chunk.text.length).toBeLessThanOrEqual(16)
            expect(chunk.text).not.toMatch(LONE_SURROGATE)
          }
        },
      ),
    )
  })

  it('joins answer text and reasoning of one window into one chunk carrying both channels', () => {
    const { clock, chunks, coalescer } = setup({ windowMs: 50 })
    coalescer.push('Let me', 'reasoning')
    coalescer.push(' think.', 'reasoning')
    clock.advance(20)
    coalescer.push('42', 'text')
    coalescer.push(' (sure)', 'reasoning')
    clock.advance(30)
    expect(chunks).toEqual([
      { at: 0, text: '', reasoning: 'Let me' },
      { at: 50, text: '42', reasoning: ' think. (sure)' },
    ])
    expect(coalescer.drain()).toEqual({ text: '' })
  })

  it('keeps one message budget for both channels: a reasoning model sends no more chunks than one that only answers', () => {
    const count = (channelOf: (i: number) => 'text' | 'reasoning') => {
      const { clock, chunks, coalescer } = setup({ windowMs: 50 })
      for (let i = 0; i < 2000; i++) {
        coalescer.push(`t${i} `, channelOf(i))
        clock.advance(5)
      }
      coalescer.drain()
      for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.at - chunks[i - 1]!.at).toBeGreaterThanOrEqual(50)
      return chunks.length
    }
    const answerOnly = count(() => 'text')
    const mixed = count((i) => (i % 2 === 0 ? 'reasoning' : 'text'))
    const thinkThenAnswer = count((i) => (i < 500 ? 'reasoning' : 'text'))
    expect(answerOnly).toBeLessThanOrEqual((2000 * 5) / 50 + 1)
    expect(mixed).toBe(answerOnly)
    expect(thinkThenAnswer).toBe(answerOnly)
  })

  it('counts both channels against the size cap, cutting reasoning first, never through a surrogate pair', () => {
    // The cap falls exactly inside the emoji: in the reasoning channel…
    const a = setup({ windowMs: 50, maxChars: 4 })
    a.coalescer.push('x')
    a.coalescer.push('ab😀cd', 'reasoning')
    expect(a.chunks.map(({ text, reasoning }) => [text, reasoning])).toEqual([
      ['x', undefined],
      ['', 'ab😀'],
    ])
    expect(a.coalescer.drain()).toEqual({ text: '', reasoning: 'cd' })
    // …and in the answer channel, where the room the reasoning left ends inside it.
    const b = setup({ windowMs: 50, maxChars: 4 })
    b.coalescer.push('x')
    b.coalescer.push('ab', 'reasoning')
    b.coalescer.push('c😀d')
    expect(b.chunks.map(({ text, reasoning }) => [text, reasoning])).toEqual([
      ['x', undefined],
      ['c', 'ab'],
    ])
    expect(b.coalescer.drain()).toEqual({ text: '😀d' })
    // The pair fits exactly: it is not held back.
    const c = setup({ windowMs: 50, maxChars: 4 })
    c.coalescer.push('x')
    c.coalescer.push('a', 'reasoning')
    c.coalescer.push('b😀')
    expect(c.chunks.at(-1)).toMatchObject({ text: 'b😀', reasoning: 'a' })
  })

  it('slices one huge delta in either channel into capped chunks at once', () => {
    const { chunks, coalescer } = setup({ windowMs: 50, maxChars: 1000 })
    const huge = '🤔'.repeat(2_500) + 'z' // 5,001 code units
    coalescer.push(huge, 'reasoning')
    coalescer.push('answer')
    const rest = coalescer.drain()
    expect(chunks.length).toBe(5)
    for (const chunk of chunks) expect(chunk.text.length + (chunk.reasoning?.length ?? 0)).toBeLessThanOrEqual(1000)
    expect(chunks.map((c) => c.reasoning ?? '').join('') + (rest.reasoning ?? '')).toBe(huge)
    expect(chunks.map((c) => c.text).join('') + rest.text).toBe('answer')
    for (const chunk of chunks) expect(chunk.reasoning).not.toMatch(LONE_SURROGATE)
  })

  it('never loses or reorders either channel, and never splits a pair, whatever the timing', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            unicodeText({ maxLength: 12 }),
            fc.constantFrom('text' as const, 'reasoning' as const),
            fc.integer({ min: 0, max: 120 }),
          ),
          { maxLength: 80 },
        ),
        (steps) => {
          const { clock, chunks, coalescer } = setup({ windowMs: 50, maxChars: 16 })
          for (const [delta, channel, wait] of steps) {
            coalescer.push(delta, channel)
            // At most one send is ever scheduled, and only while something waits for it.
            expect(clock.pendingTimers).toBeLessThanOrEqual(1)
            clock.advance(wait)
          }
          const rest = coalescer.drain()
          const all = [...chunks, rest]
          const of = (channel: 'text' | 'reasoning') =>
            steps
              .filter(([, c]) => c === channel)
              .map(([delta]) => delta)
              .join('')
          expect(all.map((c) => c.text).join('')).toBe(of('text'))
          expect(all.map((c) => c.reasoning ?? '').join('')).toBe(of('reasoning'))
          for (const chunk of chunks) {
            expect(chunk.text.length + (chunk.reasoning?.length ?? 0)).toBeLessThanOrEqual(16)
            for (const part of [chunk.text, chunk.reasoning ?? '']) expect(part).not.toMatch(LONE_SURROGATE)
          }
        },
      ),
    )
  })

  it('refuses nonsensical options', () => {
    expect(() => new DeltaCoalescer(() => {}, { windowMs: -1 })).toThrow(RangeError)
    expect(() => new DeltaCoalescer(() => {}, { maxChars: 1 })).toThrow(RangeError)
    expect(() => new DeltaCoalescer(() => {}, { maxChars: 1 })).toThrow('maxChars ≥ 2')
  })

  it('accepts the smallest cap, two units, and still never splits a pair there', () => {
    const { chunks, coalescer } = setup({ windowMs: 0, maxChars: 2 })
    coalescer.push('😀😀a😀')
    expect(chunks.map((c) => c.text)).toEqual(['😀', '😀', 'a', '😀'])
    expect(coalescer.drain()).toEqual({ text: '' })
  })

  it('cuts plain text exactly at the cap', () => {
    const { chunks, coalescer } = setup({ windowMs: 50, maxChars: 4 })
    coalescer.push('x')
    coalescer.push('abcdef')
    expect(chunks.map((c) => c.text)).toEqual(['x', 'abcd'])
    expect(coalescer.drain()).toEqual({ text: 'ef' })
  })

  it('schedules nothing once the cap has sent everything, and a pending send finding nothing sends nothing', () => {
    const { clock, chunks, coalescer } = setup({ windowMs: 50, maxChars: 4 })
    coalescer.push('x')
    coalescer.push('abcd') // exactly the cap: sent at once, nothing left to wait for
    expect(clock.pendingTimers).toBe(0)
    clock.advance(100)
    coalescer.push('a') // after a quiet spell: at once
    coalescer.push('b') // waits for the window…
    expect(clock.pendingTimers).toBe(1)
    coalescer.push('cde') // …but the cap sends 'bcde' first
    clock.advance(50)
    expect(chunks.map((c) => c.text)).toEqual(['x', 'abcd', 'a', 'bcde'])
    expect(clock.pendingTimers).toBe(0)
  })
})
