import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { DeltaCoalescer } from '../../../src-main/backend/delta-coalescer'
import { ManualClock } from '../../support/manual-clock'

function setup(options: { windowMs?: number; maxChars?: number } = {}) {
  const clock = new ManualClock()
  const chunks: Array<{ at: number; text: string }> = []
  const coalescer = new DeltaCoalescer((text) => chunks.push({ at: clock.now(), text }), { clock, ...options })
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
    expect(chunks.map((c) => c.text).join('') + rest).toBe(Array.from({ length: 2000 }, (_, i) => `t${i} `).join(''))
  })

  it('sends at once when the buffer reaches its size cap, without splitting a surrogate pair', () => {
    const { chunks, coalescer } = setup({ windowMs: 50, maxChars: 4 })
    coalescer.push('x')
    coalescer.push('ab😀cd')
    expect(chunks.map((c) => c.text)).toEqual(['x', 'ab😀'])
    expect(coalescer.drain()).toBe('cd')
  })

  it('drain hands back what is buffered and cancels the pending send', () => {
    const { clock, chunks, coalescer } = setup({ windowMs: 50 })
    coalescer.push('a')
    coalescer.push('b')
    expect(coalescer.drain()).toBe('b')
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
        fc.array(fc.tuple(fc.string({ maxLength: 30 }), fc.integer({ min: 0, max: 120 })), { maxLength: 80 }),
        (steps) => {
          const { clock, chunks, coalescer } = setup({ windowMs: 50, maxChars: 16 })
          for (const [delta, wait] of steps) {
            coalescer.push(delta)
            clock.advance(wait)
          }
          const text = chunks.map((c) => c.text).join('') + coalescer.drain()
          expect(text).toBe(steps.map(([delta]) => delta).join(''))
          for (const chunk of chunks) expect(chunk.text.length).toBeLessThanOrEqual(16)
        },
      ),
    )
  })

  it('refuses nonsensical options', () => {
    expect(() => new DeltaCoalescer(() => {}, { windowMs: -1 })).toThrow(RangeError)
    expect(() => new DeltaCoalescer(() => {}, { maxChars: 1 })).toThrow(RangeError)
  })
})
