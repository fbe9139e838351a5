import { describe, expect, it } from 'vitest'
import type { StreamUpdate } from '../../../src-main/shared/ipc-contract'
import { pacedListener, type Timers } from '../../../src-renderer/src/state/paced-listener'
import { StreamStore } from '../../../src-renderer/src/state/stream-store'

/** Timers driven by hand: `advance(ms)` runs what came due. */
function manualTimers() {
  let now = 0
  let nextId = 0
  const due = new Map<number, { at: number; run: () => void }>()
  const timers: Timers = {
    setTimeout: (run, ms) => {
      due.set(++nextId, { at: now + ms, run })
      return nextId
    },
    clearTimeout: (handle) => void due.delete(handle as number),
  }
  return {
    timers,
    get pending() {
      return due.size
    },
    advance(ms: number) {
      now += ms
      for (const [id, timer] of [...due]) {
        if (timer.at > now) continue
        due.delete(id)
        timer.run()
      }
    },
  }
}

/** A store whose frames run by hand, one column, and a paced listener on it that records what it was told. */
function setup() {
  let frames: Array<() => void> = []
  const store = new StreamStore((flush) => void frames.push(flush))
  const frame = () => {
    const run = frames
    frames = []
    for (const flush of run) flush()
  }
  const apply = (append: string, extra: Partial<StreamUpdate> = {}) => {
    store.apply([{ streamId: 's1', modelId: 'm1', append, status: 'streaming', ...extra }])
    frame()
  }
  const clock = manualTimers()
  const told: string[] = []
  const read = () => store.getColumn('s1', 'm1')
  const paced = pacedListener(() => told.push(`${read()?.status}:${read()?.text}`), read, 250, clock.timers)
  const unsubscribe = store.subscribeColumn('s1', 'm1', paced.notify)
  return { apply, clock, told, paced, unsubscribe }
}

describe('pacedListener (a column out of view)', () => {
  it('tells new text at most once per interval, with the latest text', () => {
    const { apply, clock, told } = setup()
    apply('One')
    expect(told).toEqual(['streaming:One']) // the first text is news: the column had none
    apply(' two')
    apply(' three')
    clock.advance(100)
    expect(told).toEqual(['streaming:One'])
    clock.advance(150)
    expect(told).toEqual(['streaming:One', 'streaming:One two three'])
    apply(' four')
    clock.advance(249)
    expect(told).toHaveLength(2)
    clock.advance(1)
    expect(told.at(-1)).toBe('streaming:One two three four')
  })

  it('tells an ending at once, and nothing more for the text that was waiting', () => {
    const { apply, clock, told } = setup()
    apply('Hello')
    apply(', world')
    apply('!', { status: 'complete', end: { stopReason: 'end' } })
    expect(told).toEqual(['streaming:Hello', 'complete:Hello, world!'])
    expect(clock.pending).toBe(0)
    clock.advance(1_000)
    expect(told).toHaveLength(2)
  })

  it('tells a stall at once', () => {
    const { apply, told } = setup()
    apply('Hi')
    apply('', { stalled: true })
    expect(told).toEqual(['streaming:Hi', 'streaming:Hi'])
  })

  it('tells nothing after it is disposed', () => {
    const { apply, clock, told, paced, unsubscribe } = setup()
    apply('Hi')
    apply(' there')
    unsubscribe()
    paced.dispose()
    clock.advance(1_000)
    expect(told).toEqual(['streaming:Hi'])
  })
})
