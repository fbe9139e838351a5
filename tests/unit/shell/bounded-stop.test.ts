import { afterEach, describe, expect, it, vi } from 'vitest'
import { stopWithin } from '../../../src-main/shell/bounded-stop'

afterEach(() => vi.useRealTimers())

describe('stopWithin', () => {
  it('settles as soon as the stop does', async () => {
    await expect(stopWithin(async () => {}, 1_000)).resolves.toEqual({ outcome: 'stopped' })
  })

  it("passes on what the stop resolves with (the history's list of what it could not save)", async () => {
    await expect(stopWithin(async () => 'Not saved: a rename', 1_000)).resolves.toStrictEqual({
      outcome: 'stopped',
      value: 'Not saved: a rename',
    })
  })

  it('reports a stop that fails, whether it rejects or throws at once', async () => {
    const error = new Error('broker would not close')
    await expect(stopWithin(() => Promise.reject(error), 1_000)).resolves.toEqual({ outcome: 'failed', error })
    const throwing = () => {
      throw error
    }
    await expect(stopWithin(throwing, 1_000)).resolves.toEqual({ outcome: 'failed', error })
  })

  it('gives up after the time when the stop never settles, and not before', async () => {
    vi.useFakeTimers()
    let outcome: unknown
    void stopWithin(() => new Promise<void>(() => {}), 5_000).then((result) => (outcome = result))
    await vi.advanceTimersByTimeAsync(4_999)
    expect(outcome).toBeUndefined()
    await vi.advanceTimersByTimeAsync(1)
    expect(outcome).toEqual({ outcome: 'timed-out' })
  })

  it('keeps the first outcome: a stop that finishes after the time changes nothing', async () => {
    vi.useFakeTimers()
    let finish!: () => void
    const results: unknown[] = []
    void stopWithin(() => new Promise<void>((resolve) => (finish = resolve)), 100).then((result) =>
      results.push(result),
    )
    await vi.advanceTimersByTimeAsync(100)
    finish()
    await vi.advanceTimersByTimeAsync(100)
    expect(results).toEqual([{ outcome: 'timed-out' }])
  })
})
