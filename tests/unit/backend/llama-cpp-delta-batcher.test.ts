import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DeltaBatcher } from '../../../src-main/backend/providers/llama-cpp/delta-batcher'
import type { RequestEvent } from '../../../src-main/backend/providers/llama-cpp/worker-protocol'

describe('DeltaBatcher (worker side)', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  const setup = () => {
    const posted: RequestEvent[] = []
    const batcher = new DeltaBatcher(
      (event) => posted.push(event),
      10,
      () => Date.now(),
    )
    const delta = (text: string) => batcher.emit({ type: 'delta', requestId: 1, text })
    return { posted, batcher, delta }
  }

  it('sends the first delta at once, then joins the rest into one message per window', () => {
    const { posted, delta } = setup()
    delta('a')
    expect(posted).toEqual([{ type: 'delta', requestId: 1, text: 'a' }])
    for (const text of ['b', 'c', 'd']) delta(text)
    expect(posted).toHaveLength(1)
    vi.advanceTimersByTime(10)
    expect(posted.at(-1)).toEqual({ type: 'delta', requestId: 1, text: 'bcd' })
    vi.advanceTimersByTime(50)
    delta('e')
    expect(posted.at(-1)).toEqual({ type: 'delta', requestId: 1, text: 'e' })
  })

  it('sends what it holds before the end, so nothing is lost or reordered', () => {
    const { posted, batcher, delta } = setup()
    delta('a')
    delta('b')
    batcher.emit({ type: 'end', requestId: 1, reason: 'max-tokens', inputTokens: 3, outputTokens: 2 })
    expect(posted.map((e) => e.type)).toEqual(['delta', 'delta', 'end'])
    expect(posted.map((e) => (e.type === 'delta' ? e.text : '')).join('')).toBe('ab')
    vi.advanceTimersByTime(100)
    expect(posted).toHaveLength(3)
  })
})
