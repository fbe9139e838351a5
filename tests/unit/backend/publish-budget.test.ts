/**
 * The publish budget of one user connection, on a manual clock: the sliding one-second accounting and its 125 ms
 * pacing, the Lambda's clamped share of it, and the pacer that every model's coalescer asks before taking a chunk
 * (8 models, a 100,000-character delta, surrogate pairs at every split point).
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { DeltaCoalescer } from '../../../src-main/backend/delta-coalescer'
import {
  BUDGET_MODEL_SHARES,
  CONNECTION_PUBLISH_LIMITS,
  invocationShare,
  MAX_ANNOUNCED_MODELS,
  PublishBudget,
  PublishPacer,
  scaledLimits,
} from '../../../src-main/backend/publish-budget'
import type { Publisher } from '../../../src-main/backend/publisher'
import { MAX_CHUNK_TEXT } from '../../../src-main/protocol/stream-protocol'
import { ManualClock } from '../../support/manual-clock'
import { unicodeText } from '../../support/unicode-text'

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

const { publishesPerSecond: RATE, bytesPerSecond: BYTES } = CONNECTION_PUBLISH_LIMITS

/** The most publishes and bytes in any window of `spanMs` (a window [t − span, t) ending after each publish). */
function worstWindow(sent: Array<{ at: number; bytes: number }>, spanMs = 1000): { publishes: number; bytes: number } {
  let publishes = 0
  let bytes = 0
  for (const last of sent) {
    const inside = sent.filter((p) => p.at > last.at - spanMs && p.at <= last.at)
    publishes = Math.max(publishes, inside.length)
    bytes = Math.max(
      bytes,
      inside.reduce((sum, p) => sum + p.bytes, 0),
    )
  }
  return { publishes, bytes }
}

/** A publisher at the edge that only notes when each payload left and its size. */
class TimedPublisher implements Publisher {
  readonly sent: Array<{ at: number; bytes: number; payload: string }> = []
  constructor(private readonly clock: ManualClock) {}
  async publish(_topic: string, payload: string): Promise<void> {
    this.sent.push({ at: this.clock.now(), bytes: Buffer.byteLength(payload), payload })
  }
}

describe('PublishBudget', () => {
  it('lets a greedy sender reach but never pass 80 publishes in any one-second window, 10 in any 125 ms', () => {
    const clock = new ManualClock()
    const budget = new PublishBudget(CONNECTION_PUBLISH_LIMITS, clock)
    const sent: Array<{ at: number; bytes: number }> = []
    while (clock.now() < 5_000) {
      const delay = budget.delayFor(100)
      if (delay > 0) clock.advance(delay)
      budget.record(100)
      sent.push({ at: clock.now(), bytes: 100 })
    }
    expect(worstWindow(sent).publishes).toBe(RATE)
    expect(worstWindow(sent, 125).publishes).toBe(RATE / 8)
    // Not slower than it has to be: every second of the run carries the whole budget.
    for (let second = 0; second < 4; second++)
      expect(sent.filter((p) => p.at >= second * 1000 && p.at < (second + 1) * 1000)).toHaveLength(RATE)
  })

  it('counts bytes in the same windows, and sends a publish larger than a span alone in it', () => {
    const clock = new ManualClock()
    const budget = new PublishBudget(CONNECTION_PUBLISH_LIMITS, clock)
    expect(budget.delayFor(60_000)).toBe(0) // more than the 50 KB of a 125 ms span, but the span is empty
    budget.record(60_000)
    expect(budget.delayFor(1)).toBe(125) // the span stays closed until it has passed
    clock.advance(125)
    for (let i = 0; i < 5; i++) {
      expect(budget.delayFor(50_000)).toBe(0)
      budget.record(50_000)
      clock.advance(125)
    }
    // 60 KB + 5 × 50 KB in the last 750 ms: another 100 KB would pass 400 KB until the 60 KB leaves, at 1000 ms.
    expect(clock.now()).toBe(750)
    expect(budget.delayFor(100_000)).toBe(250)
    expect(budget.delayFor(40_000)).toBe(0)
  })

  it('applies lowered limits to what was already sent in the window, and raised ones at once', () => {
    const clock = new ManualClock()
    const budget = new PublishBudget(CONNECTION_PUBLISH_LIMITS, clock)
    for (let i = 0; i < 40; i++) {
      clock.advance(budget.delayFor(10))
      budget.record(10)
    }
    const sentBy = clock.now()
    budget.setLimits(scaledLimits(CONNECTION_PUBLISH_LIMITS, 0.25)) // 20/s: the 40 sent must leave first
    expect(budget.delayFor(10)).toBeGreaterThan(0)
    clock.advance(budget.delayFor(10))
    expect(clock.now()).toBeGreaterThan(sentBy + 400) // 21 of the 40 had to leave the window
    budget.setLimits(CONNECTION_PUBLISH_LIMITS)
    expect(budget.delayFor(10)).toBe(0)
  })

  it('refuses limits that could never send anything', () => {
    expect(() => new PublishBudget({ publishesPerSecond: 0, bytesPerSecond: BYTES })).toThrow(RangeError)
    expect(() => new PublishBudget({ publishesPerSecond: RATE, bytesPerSecond: Number.NaN })).toThrow(RangeError)
  })
})

describe("an invocation's share of the budget (the Lambda)", () => {
  it.each([
    ['one model, nothing announced', 1, undefined, 1 / 8],
    ['eight models alone', 8, 8, 1],
    ['the second of two overlapping 4-model prompts', 4, 8, 1 / 2],
    ['an announcement below its own models (raised to 8)', 8, 1, 1],
    ['a zero or negative announcement', 4, -3, 1 / 2],
    ['twelve models streaming at once', 4, 12, 1 / 3],
    ['an absurd announcement (lowered to 32)', 4, 1e9, 4 / 32],
    ['not a number', 4, '8', 1 / 2],
    ['NaN', 4, Number.NaN, 1 / 2],
    ['Infinity', 4, Number.POSITIVE_INFINITY, 1 / 2],
  ])('%s', (_name, models, announced, share) => {
    expect(invocationShare(models, announced)).toBe(share)
  })

  it('never gives a model more than an eighth of the budget, nor less than a 32nd, whatever is announced', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.anything(), (models, announced) => {
        const perModel = invocationShare(models, announced) / models
        expect(perModel).toBeLessThanOrEqual(1 / BUDGET_MODEL_SHARES)
        expect(perModel).toBeGreaterThanOrEqual(1 / MAX_ANNOUNCED_MODELS)
      }),
    )
  })

  it('scales both limits, never below one publish and one byte per second', () => {
    expect(scaledLimits(CONNECTION_PUBLISH_LIMITS, 0.5)).toEqual({ publishesPerSecond: 40, bytesPerSecond: 200_000 })
    expect(scaledLimits(CONNECTION_PUBLISH_LIMITS, 2)).toEqual(CONNECTION_PUBLISH_LIMITS)
    expect(scaledLimits({ publishesPerSecond: 1, bytesPerSecond: 1 }, 0.01)).toEqual({
      publishesPerSecond: 1,
      bytesPerSecond: 1,
    })
  })
})

/** `models` coalescers at `tokensPerSecond` each, sharing one pacer (or none: the per-model baseline). */
function streamModels(options: { models: number; tokensPerSecond: number; seconds: number; budget: boolean }) {
  const clock = new ManualClock()
  const edge = new TimedPublisher(clock)
  const pacer = new PublishPacer(edge, CONNECTION_PUBLISH_LIMITS, clock)
  const firstSentAt: number[] = []
  const coalescers = Array.from(
    { length: options.models },
    (_, model) =>
      new DeltaCoalescer(
        (content) => {
          firstSentAt[model] ??= clock.now()
          void (options.budget ? pacer : edge).publish('t', JSON.stringify({ model, ...content }))
        },
        { clock, ...(options.budget ? { gate: pacer } : {}) },
      ),
  )
  const intervalMs = 1000 / options.tokensPerSecond
  for (let tick = 0; tick * intervalMs < options.seconds * 1000; tick++) {
    for (const [model, coalescer] of coalescers.entries()) coalescer.push(`m${model}t${tick} `)
    clock.advance(intervalMs)
  }
  const tails = coalescers.map((c) => c.drain())
  return { edge, firstSentAt, tails, clock }
}

describe('PublishPacer', () => {
  it('keeps 8 models at 200 tokens/s within 80 publishes/s, each first delta at once, the slots shared evenly', () => {
    const budgeted = streamModels({ models: 8, tokensPerSecond: 200, seconds: 5, budget: true })
    const baseline = streamModels({ models: 8, tokensPerSecond: 200, seconds: 5, budget: false })
    expect(worstWindow(baseline.edge.sent).publishes).toBeGreaterThan(RATE) // what the budget is for
    expect(worstWindow(budgeted.edge.sent).publishes).toBeLessThanOrEqual(RATE)
    expect(worstWindow(budgeted.edge.sent).publishes).toBeGreaterThanOrEqual(RATE - 8)
    expect(budgeted.firstSentAt).toEqual(Array(8).fill(0))
    const perModel = Array.from(
      { length: 8 },
      (_, model) => budgeted.edge.sent.filter((p) => p.payload.startsWith(`{"model":${model},`)).length,
    )
    expect(Math.max(...perModel) - Math.min(...perModel)).toBeLessThanOrEqual(2)
    // Nothing is lost: each model's chunks and tail are its tokens in order.
    for (let model = 0; model < 8; model++) {
      const text = budgeted.edge.sent
        .map((p) => JSON.parse(p.payload) as { model: number; text: string })
        .filter((p) => p.model === model)
        .map((p) => p.text)
        .join('')
      expect(text + budgeted.tails[model]!.text).toBe(
        Array.from({ length: 1000 }, (_, tick) => `m${model}t${tick} `).join(''),
      )
    }
  })

  it('leaves one model at its own window pace (the budget does not slow it)', () => {
    const budgeted = streamModels({ models: 1, tokensPerSecond: 200, seconds: 3, budget: true })
    const baseline = streamModels({ models: 1, tokensPerSecond: 200, seconds: 3, budget: false })
    expect(budgeted.edge.sent.map((p) => p.at)).toEqual(baseline.edge.sent.map((p) => p.at))
  })

  it('splits a 100,000-character delta and paces it: ≤ 80 publishes and ≤ 400 KB in any second, ≤ 50 KB per 125 ms', () => {
    const clock = new ManualClock()
    const edge = new TimedPublisher(clock)
    const pacer = new PublishPacer(edge, CONNECTION_PUBLISH_LIMITS, clock)
    const coalescer = new DeltaCoalescer((content) => void pacer.publish('t', JSON.stringify(content)), {
      clock,
      gate: pacer,
    })
    const delta = '日本語のテキスト😀'.repeat(10_000).slice(0, 100_000) // about 300 KB of UTF-8
    coalescer.push(delta)
    // The first slices at once (the first text is not held back), no more than a 125 ms span's 50 KB.
    expect(edge.sent.length).toBeGreaterThanOrEqual(1)
    expect(edge.sent.reduce((sum, p) => sum + p.bytes, 0)).toBeLessThanOrEqual(BYTES / 8)
    clock.advance(5_000)
    const text = edge.sent.map((p) => (JSON.parse(p.payload) as { text: string }).text).join('')
    expect(text + coalescer.drain().text).toBe(delta)
    expect(edge.sent.length).toBeGreaterThanOrEqual(13)
    expect(worstWindow(edge.sent).bytes).toBeLessThanOrEqual(BYTES)
    expect(worstWindow(edge.sent, 125).bytes).toBeLessThanOrEqual(BYTES / 8)
    // Paced, not a burst: spread over more than half a second.
    expect(edge.sent.at(-1)!.at - edge.sent[0]!.at).toBeGreaterThan(500)
  })

  it('hands back at most one slice on drain when a stream ends while a large delta waits (no oversized final)', () => {
    const clock = new ManualClock()
    const edge = new TimedPublisher(clock)
    const pacer = new PublishPacer(edge, CONNECTION_PUBLISH_LIMITS, clock)
    const coalescer = new DeltaCoalescer((content) => void pacer.publish('t', JSON.stringify(content)), {
      clock,
      gate: pacer,
    })
    const delta = 'x😀'.repeat(50_000)
    coalescer.push(delta)
    const tail = coalescer.drain() // the model ended right after its big delta
    expect(tail.text.length).toBeLessThan(MAX_CHUNK_TEXT)
    clock.advance(5_000)
    const sent = edge.sent.map((p) => (JSON.parse(p.payload) as { text: string }).text)
    expect(sent.every((text) => text.length <= MAX_CHUNK_TEXT)).toBe(true)
    expect(sent.join('') + tail.text).toBe(delta)
    expect(worstWindow(edge.sent).bytes).toBeLessThanOrEqual(BYTES)
  })

  it('never splits a surrogate pair, wherever a slice boundary falls', () => {
    const isHigh = (code: number) => code >= 0xd800 && code <= 0xdbff
    const isLow = (code: number) => code >= 0xdc00 && code <= 0xdfff
    fc.assert(
      fc.property(unicodeText({ minLength: 1, maxLength: 400 }), fc.integer({ min: 2, max: 40 }), (text, maxChars) => {
        const clock = new ManualClock()
        const edge = new TimedPublisher(clock)
        const pacer = new PublishPacer(edge, { publishesPerSecond: 40, bytesPerSecond: 2_000 }, clock)
        const coalescer = new DeltaCoalescer((content) => void pacer.publish('t', JSON.stringify(content)), {
          clock,
          gate: pacer,
          maxChars,
        })
        coalescer.push(text)
        clock.advance(60_000)
        const pieces = [
          ...edge.sent.map((p) => (JSON.parse(p.payload) as { text: string }).text),
          coalescer.drain().text,
        ]
        expect(pieces.join('')).toBe(text)
        let offset = 0
        for (const piece of pieces.slice(0, -1)) {
          offset += piece.length
          expect(isHigh(text.charCodeAt(offset - 1)) && isLow(text.charCodeAt(offset))).toBe(false)
        }
      }),
      { numRuns: 200 },
    )
  })

  it('puts a surrogate pair across every split point of a paced delta without splitting it', () => {
    for (let offset = 0; offset < 16; offset++) {
      const clock = new ManualClock()
      const edge = new TimedPublisher(clock)
      const pacer = new PublishPacer(edge, CONNECTION_PUBLISH_LIMITS, clock)
      const coalescer = new DeltaCoalescer((content) => void pacer.publish('t', JSON.stringify(content)), {
        clock,
        gate: pacer,
        maxChars: 16,
      })
      const text = 'a'.repeat(offset) + '😀🇯🇵𝄞'.repeat(20)
      coalescer.push(text)
      clock.advance(10_000)
      const pieces = edge.sent.map((p) => (JSON.parse(p.payload) as { text: string }).text)
      expect(pieces.join('') + coalescer.drain().text).toBe(text)
      for (const piece of pieces) expect(piece).not.toMatch(LONE_SURROGATE)
    }
  })

  it('sends queued publishes in order, each when it fits, and hands back their outcome', async () => {
    const clock = new ManualClock()
    const failing: Publisher = {
      publish: (_topic, payload) => {
        if (payload === 'bad') throw new Error('throttled') // thrown, not rejected: fails that publish only
        return Promise.resolve()
      },
    }
    const pacer = new PublishPacer(failing, { publishesPerSecond: 8, bytesPerSecond: BYTES }, clock)
    const outcomes = Array.from({ length: 3 }, (_, i) =>
      pacer.publish('t', i === 2 ? 'bad' : `ok${i}`).then(
        () => `sent at ${clock.now()}`,
        (error: Error) => error.message,
      ),
    )
    clock.advance(1_000)
    // 8/s paced as 1 per 125 ms: the second and third wait their span.
    expect(await Promise.all(outcomes)).toEqual(['sent at 1000', 'sent at 1000', 'throttled'])
    expect(pacer.budget.delayFor(0)).toBe(0)
  })

  it('cancels a slot that is no longer wanted (a stream that ended while it waited)', () => {
    const clock = new ManualClock()
    const edge = new TimedPublisher(clock)
    const pacer = new PublishPacer(edge, { publishesPerSecond: 8, bytesPerSecond: BYTES }, clock)
    let granted = 0
    const stream = {}
    pacer.requestSlot(() => void pacer.publish('t', 'x'), stream) // a stream's first slot: granted at once
    const cancel = pacer.requestSlot(() => (granted += 1), stream) // its next one waits for its spacing
    cancel()
    clock.advance(2_000)
    expect(granted).toBe(0)
    expect(edge.sent).toHaveLength(1)
  })
})
