import { describe, expect, it } from 'vitest'
import { WindowReadyQueue, type MessageTarget } from '../../../src-main/shell/window-ready-queue'

/** Stands in for a window's web contents: records what reached its page. */
class FakeWindow implements MessageTarget {
  received: Array<[string, unknown]> = []
  destroyed = false
  send(channel: string, payload: unknown): void {
    if (this.destroyed) throw new Error('Object has been destroyed')
    this.received.push([channel, payload])
  }
  isDestroyed(): boolean {
    return this.destroyed
  }
}

describe('WindowReadyQueue', () => {
  it('holds events for a window until its page is ready, then delivers them in order and later ones at once', () => {
    const queue = new WindowReadyQueue()
    const main = new FakeWindow()
    queue.send(main, 'app:open-conversation', 'c-1')
    queue.send(main, 'history:changed', undefined)
    expect(main.received).toEqual([])
    expect(queue.heldCount(main)).toBe(2)

    queue.markReady(main)
    expect(main.received).toEqual([
      ['app:open-conversation', 'c-1'],
      ['history:changed', undefined],
    ])
    expect(queue.heldCount(main)).toBe(0)
    queue.send(main, 'quick-ask:shown', undefined)
    expect(main.received.at(-1)).toEqual(['quick-ask:shown', undefined])
  })

  it('keeps each window apart: one ready page does not release another window’s events', () => {
    const queue = new WindowReadyQueue()
    const main = new FakeWindow()
    const quickAsk = new FakeWindow()
    queue.track(main)
    queue.track(quickAsk)
    queue.markReady(quickAsk)
    queue.broadcast('history:changed', undefined)
    expect(quickAsk.received).toEqual([['history:changed', undefined]])
    expect(main.received).toEqual([])
    queue.markReady(main)
    expect(main.received).toEqual([['history:changed', undefined]])
  })

  it('holds again after a reload or navigation, and delivers to the new page once it is ready', () => {
    const queue = new WindowReadyQueue()
    const main = new FakeWindow()
    queue.markReady(main)
    queue.send(main, 'app:open-conversation', 'before')
    queue.markNotReady(main)
    queue.send(main, 'app:open-conversation', 'during reload')
    expect(main.received).toEqual([['app:open-conversation', 'before']])
    // A second reload before the page got ready keeps what was held for the window.
    queue.markNotReady(main)
    queue.markReady(main)
    expect(main.received).toEqual([
      ['app:open-conversation', 'before'],
      ['app:open-conversation', 'during reload'],
    ])
  })

  it('drops what a destroyed window held and stops counting it', () => {
    const queue = new WindowReadyQueue()
    const main = new FakeWindow()
    const other = new FakeWindow()
    queue.send(main, 'app:open-conversation', 'c-1')
    queue.track(other)
    main.destroyed = true
    queue.forget(main)
    expect(queue.isTracked(main)).toBe(false)
    expect(queue.heldCount(main)).toBe(0)

    // Destroyed without `forget` (the event raced the send): nothing is sent to it, nothing throws, it is dropped.
    other.destroyed = true
    expect(() => queue.broadcast('history:changed', undefined)).not.toThrow()
    expect(() => queue.markReady(other)).not.toThrow()
    expect(other.received).toEqual([])
    expect(queue.isTracked(other)).toBe(false)
  })

  it('stops a flush when the window is destroyed half-way', () => {
    const queue = new WindowReadyQueue()
    const main = new FakeWindow()
    queue.send(main, 'app:open-conversation', 'a')
    queue.send(main, 'app:open-conversation', 'b')
    const send = main.send.bind(main)
    main.send = (channel, payload) => {
      send(channel, payload)
      main.destroyed = true
    }
    expect(() => queue.markReady(main)).not.toThrow()
    expect(main.received).toEqual([['app:open-conversation', 'a']])
    expect(queue.isTracked(main)).toBe(false)
  })

  it('holds at most `limit` events per window, dropping the oldest, and reports the overflow once', () => {
    const overflows: FakeWindow[] = []
    const queue = new WindowReadyQueue<{ tick: number }, FakeWindow>({
      limit: 3,
      onOverflow: (target) => overflows.push(target),
    })
    const main = new FakeWindow()
    for (let tick = 1; tick <= 6; tick += 1) queue.send(main, 'tick', tick)
    expect(queue.heldCount(main)).toBe(3)
    expect(overflows).toEqual([main])

    queue.markReady(main)
    expect(main.received).toEqual([
      ['tick', 4],
      ['tick', 5],
      ['tick', 6],
    ])
    // Reported again if it overflows again after having been ready.
    queue.markNotReady(main)
    for (let tick = 7; tick <= 10; tick += 1) queue.send(main, 'tick', tick)
    expect(overflows).toEqual([main, main])
  })

  it('refuses a limit that holds nothing', () => {
    expect(() => new WindowReadyQueue({ limit: 0 })).toThrow(RangeError)
    expect(() => new WindowReadyQueue({ limit: 1.5 })).toThrow(RangeError)
  })

  it('types each event by the IPC contract', () => {
    const queue = new WindowReadyQueue()
    const main = new FakeWindow()
    // @ts-expect-error: the conversation id is a string
    queue.send(main, 'app:open-conversation', 42)
    // @ts-expect-error: not an event of the contract
    queue.send(main, 'app:open-conversations', 'c-1')
    expect(queue.heldCount(main)).toBe(2)
  })
})
