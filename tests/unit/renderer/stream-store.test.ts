import { describe, expect, it, vi } from 'vitest'
import type { StreamUpdate } from '../../../src-main/shared/ipc-contract'
import { StreamStore } from '../../../src-renderer/src/state/stream-store'

/** A frame scheduler driven by hand: `frame()` runs what the store asked to run "before the next paint". */
function manualFrames() {
  let pending: Array<() => void> = []
  return {
    schedule: (flush: () => void) => void pending.push(flush),
    get scheduled() {
      return pending.length
    },
    frame() {
      const run = pending
      pending = []
      for (const flush of run) flush()
    },
  }
}

const delta = (append: string, extra: Partial<StreamUpdate> = {}): StreamUpdate => ({
  streamId: 's1',
  modelId: 'm1',
  append,
  status: 'streaming',
  ...extra,
})

describe('StreamStore', () => {
  it('appends text in order and publishes it only at the next frame', () => {
    const frames = manualFrames()
    const store = new StreamStore(frames.schedule)
    store.apply([delta('Hel'), delta('lo')])
    store.apply([delta(', world')])
    expect(store.getColumn('s1', 'm1')).toBeUndefined()
    frames.frame()
    expect(store.getColumn('s1', 'm1')).toMatchObject({ text: 'Hello, world', status: 'streaming', stalled: false })
  })

  it('collapses many updates in one frame into one notification per column and one for the store', () => {
    const frames = manualFrames()
    const store = new StreamStore(frames.schedule)
    const column = vi.fn()
    const other = vi.fn()
    const whole = vi.fn()
    store.subscribeColumn('s1', 'm1', column)
    store.subscribeColumn('s1', 'm2', other)
    store.subscribe(whole)
    for (let i = 0; i < 500; i++) store.apply([delta(String(i % 10))])
    expect(frames.scheduled).toBe(1)
    frames.frame()
    expect(column).toHaveBeenCalledTimes(1)
    expect(other).not.toHaveBeenCalled()
    expect(whole).toHaveBeenCalledTimes(1)
    expect(store.getColumn('s1', 'm1')!.text).toHaveLength(500)
  })

  it('keeps a snapshot identical between frames and replaces it when its column changed', () => {
    const frames = manualFrames()
    const store = new StreamStore(frames.schedule)
    store.apply([delta('a'), delta('x', { modelId: 'm2' })])
    frames.frame()
    const first = store.getColumn('s1', 'm1')
    const second = store.getColumn('s1', 'm2')
    store.apply([delta('b')])
    frames.frame()
    expect(store.getColumn('s1', 'm1')).not.toBe(first)
    expect(store.getColumn('s1', 'm2')).toBe(second)
  })

  it('tracks status, stall, error and usage', () => {
    const frames = manualFrames()
    const store = new StreamStore(frames.schedule)
    store.apply([delta('', { stalled: true, usage: { inputTokens: 12 } })])
    frames.frame()
    expect(store.getColumn('s1', 'm1')).toMatchObject({ stalled: true, usage: { inputTokens: 12 } })
    expect(store.isAnyStreaming()).toBe(true)
    store.apply([delta('', { status: 'error', error: { code: 'MODEL_UNREACHABLE', message: 'Connection refused' } })])
    store.apply([delta('', { status: 'error', usage: { outputTokens: 3 } })])
    frames.frame()
    expect(store.getColumn('s1', 'm1')).toMatchObject({
      status: 'error',
      stalled: false,
      error: { code: 'MODEL_UNREACHABLE', message: 'Connection refused' },
      usage: { inputTokens: 12, outputTokens: 3 },
    })
    expect(store.isAnyStreaming()).toBe(false)
  })

  it('shows begun columns as streaming, keeps updates that raced ahead of chat:send, and lists live streams', () => {
    const frames = manualFrames()
    const store = new StreamStore(frames.schedule)
    store.apply([delta('early', { streamId: 's2', modelId: 'a' })])
    store.begin('s2', ['a', 'b'])
    frames.frame()
    expect(store.getColumn('s2', 'a')!.text).toBe('early')
    expect(store.getColumn('s2', 'b')).toMatchObject({ text: '', status: 'streaming' })
    expect(store.streamingStreamIds()).toEqual(['s2'])
  })

  it('drops the updates of forgotten streams', () => {
    const frames = manualFrames()
    const store = new StreamStore(frames.schedule)
    store.apply([delta('a')])
    frames.frame()
    store.forget('s1')
    store.apply([delta('late')])
    frames.frame()
    expect(store.getColumn('s1', 'm1')).toBeUndefined()
    expect(store.isAnyStreaming()).toBe(false)
  })

  it('counts queued columns as open (Stop applies to them), and scopes the question to given streams', () => {
    const frames = manualFrames()
    const store = new StreamStore(frames.schedule)
    store.begin('s1', ['m1'])
    store.apply([delta('', { status: 'queued' })])
    store.apply([delta('done', { streamId: 's2', status: 'complete' })])
    frames.frame()
    expect(store.getColumn('s1', 'm1')!.status).toBe('queued')
    expect(store.isAnyStreaming()).toBe(true)
    expect(store.streamingStreamIds()).toEqual(['s1'])
    expect(store.isAnyOpenIn(new Set(['s1']))).toBe(true)
    expect(store.isAnyOpenIn(new Set(['s2', 'elsewhere']))).toBe(false)
    store.apply([delta('', { status: 'stopped' })])
    frames.frame()
    expect(store.isAnyOpenIn(new Set(['s1']))).toBe(false)
  })

  it('tracks only the streams this window began, until they are forgotten', () => {
    const frames = manualFrames()
    const store = new StreamStore(frames.schedule)
    // Updates of a stream begun elsewhere (e.g. before a page reload) create a column, but not a followed stream.
    store.apply([delta('tail of it', { streamId: 'orphan' })])
    store.begin('s1', ['m1'])
    expect(store.tracks('orphan')).toBe(false)
    expect(store.tracks('s1')).toBe(true)
    store.forget('s1')
    expect(store.tracks('s1')).toBe(false)
    // A forgotten stream stays forgotten.
    store.begin('s1', ['m1'])
    expect(store.tracks('s1')).toBe(false)
  })

  it('follows a stream asked on another device from its first update (begins), not one seen mid-way', () => {
    const frames = manualFrames()
    const store = new StreamStore(frames.schedule)
    store.apply([delta('', { streamId: 'adopted', begins: true }), delta('mid-way', { streamId: 'reloaded' })])
    store.apply([delta('Hello', { streamId: 'adopted' })])
    expect(store.tracks('adopted')).toBe(true)
    expect(store.tracks('reloaded')).toBe(false)
    frames.frame()
    expect(store.getColumn('adopted', 'm1')?.text).toBe('Hello')
    store.forget('adopted')
    store.apply([delta('late', { streamId: 'adopted', begins: true })])
    expect(store.tracks('adopted')).toBe(false)
  })

  describe('reasoning channel', () => {
    /** A clock the test moves by hand. */
    function manualClock(start = 1000) {
      let now = start
      return { now: () => now, advance: (ms: number) => void (now += ms) }
    }

    it('keeps reasoning apart from the answer text, each in order', () => {
      const frames = manualFrames()
      const store = new StreamStore(frames.schedule)
      store.apply([delta('', { appendReasoning: 'First, ' }), delta('', { appendReasoning: 'think.' })])
      frames.frame()
      expect(store.getColumn('s1', 'm1')).toMatchObject({ text: '', reasoning: 'First, think.' })
      store.apply([delta('The answer', { appendReasoning: ' Done thinking.' }), delta(' is 4.')])
      frames.frame()
      expect(store.getColumn('s1', 'm1')).toMatchObject({
        text: 'The answer is 4.',
        reasoning: 'First, think. Done thinking.',
      })
    })

    it("re-renders only the reasoning column's own subscribers, once per frame", () => {
      const frames = manualFrames()
      const store = new StreamStore(frames.schedule)
      const thinker = vi.fn()
      const other = vi.fn()
      store.subscribeColumn('s1', 'm1', thinker)
      store.subscribeColumn('s1', 'm2', other)
      for (let i = 0; i < 200; i++) store.apply([delta('', { appendReasoning: 'x' })])
      frames.frame()
      expect(thinker).toHaveBeenCalledTimes(1)
      expect(other).not.toHaveBeenCalled()
      expect(store.getColumn('s1', 'm1')!.reasoning).toHaveLength(200)
    })

    it('measures the thinking from the first reasoning to the first answer text', () => {
      const frames = manualFrames()
      const clock = manualClock()
      const store = new StreamStore(frames.schedule, clock.now)
      store.apply([delta('')]) // the stream opened: nothing thought yet
      clock.advance(300)
      store.apply([delta('', { appendReasoning: 'Hmm' })])
      clock.advance(2500)
      store.apply([delta('', { appendReasoning: ' so' })])
      frames.frame()
      expect(store.getColumn('s1', 'm1')!.measuredThinkingMs).toBeUndefined()
      clock.advance(1200)
      store.apply([delta('Answer')])
      clock.advance(5000)
      store.apply([delta(' more', { status: 'complete' })])
      frames.frame()
      expect(store.getColumn('s1', 'm1')!.measuredThinkingMs).toBe(3700)
    })

    it('measures no thinking time for reasoning that comes with the first text (a continued answer)', () => {
      const frames = manualFrames()
      let now = 0
      // A clock that moves at every read: only one read per update can measure zero.
      const store = new StreamStore(frames.schedule, () => (now += 7))
      store.apply([delta('The cut text', { appendReasoning: 'Its reasoning' })])
      store.apply([delta(' and the rest', { status: 'complete' })])
      frames.frame()
      expect(store.getColumn('s1', 'm1')).toMatchObject({
        text: 'The cut text and the rest',
        reasoning: 'Its reasoning',
        measuredThinkingMs: 0,
      })
    })

    it('ends the thinking with the answer when no answer text came, and measures nothing without reasoning', () => {
      const frames = manualFrames()
      const clock = manualClock()
      const store = new StreamStore(frames.schedule, clock.now)
      store.apply([delta('', { appendReasoning: 'only thoughts' })])
      clock.advance(900)
      store.apply([delta('', { status: 'complete' })])
      store.apply([delta('plain', { modelId: 'm2' })])
      clock.advance(900)
      store.apply([delta('', { modelId: 'm2', status: 'complete' })])
      frames.frame()
      expect(store.getColumn('s1', 'm1')!.measuredThinkingMs).toBe(900)
      expect(store.getColumn('s1', 'm2')!.measuredThinkingMs).toBeUndefined()
      expect(store.getColumn('s1', 'm2')!.reasoning).toBe('')
    })

    it('keeps the end details of the update that ended the answer', () => {
      const frames = manualFrames()
      const store = new StreamStore(frames.schedule)
      const end = {
        stopReason: 'max-tokens' as const,
        metrics: { inputTokens: 10, outputTokens: 256, firstTokenMs: 400, durationMs: 2400 },
      }
      store.apply([delta('cut')])
      frames.frame()
      expect(store.getColumn('s1', 'm1')!.end).toBeUndefined()
      store.apply([delta(' off', { status: 'complete', end })])
      frames.frame()
      expect(store.getColumn('s1', 'm1')).toMatchObject({ text: 'cut off', status: 'complete', end })
    })
  })
})
