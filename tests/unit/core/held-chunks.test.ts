import { describe, expect, it } from 'vitest'
import { HeldChunks } from '../../../src-main/core/chat/held-chunks'
import type { ChunkMessage } from '../../../src-main/protocol/stream-protocol'

const chunk = (streamId: string, seq: number): ChunkMessage => ({ v: 2, streamId, modelId: 'm', seq, text: `${seq}` })

function held(limits = { streams: 2, chunks: 5, holdMs: 1_000 }) {
  const dropped: number[] = []
  return { store: new HeldChunks((count) => dropped.push(count), limits), dropped }
}

describe('chunks held for an announcement', () => {
  it('gives back a stream’s chunks in arrival order, once', () => {
    const { store, dropped } = held()
    store.hold(chunk('a', 1), 0)
    store.hold(chunk('b', 0), 0)
    store.hold(chunk('a', 0), 10)
    expect(store.take('a').map((c) => c.seq)).toEqual([1, 0])
    expect(store.take('a')).toEqual([])
    expect(store.size).toBe(1)
    expect(dropped).toEqual([])
  })

  it('drops the oldest stream beyond the number of streams, counted', () => {
    const { store, dropped } = held()
    store.hold(chunk('a', 0), 0)
    store.hold(chunk('a', 1), 0)
    store.hold(chunk('b', 0), 0)
    store.hold(chunk('c', 0), 0)
    expect(dropped).toEqual([2])
    expect(store.take('a')).toEqual([])
    expect(store.take('c').map((c) => c.streamId)).toEqual(['c'])
  })

  it('drops chunks beyond the total, counted, and keeps those it has', () => {
    const { store, dropped } = held()
    for (let seq = 0; seq < 7; seq++) store.hold(chunk('a', seq), 0)
    expect(dropped).toEqual([1, 1])
    expect(store.take('a').map((c) => c.seq)).toEqual([0, 1, 2, 3, 4])
  })

  it('drops a stream whose announcement did not come in time, counted', () => {
    const { store, dropped } = held()
    store.hold(chunk('a', 0), 0)
    store.hold(chunk('a', 1), 500)
    store.expire(999)
    expect(dropped).toEqual([])
    store.expire(1_000)
    expect(dropped).toEqual([2])
    expect(store.size).toBe(0)
  })
})
