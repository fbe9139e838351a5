import type { Publisher } from '../../src-main/backend/publisher'

export interface ChaosOptions {
  /** Probability that a message is published twice (as a QoS 1 redelivery would arrive). */
  duplicate?: number
  /** Each publish waits a random 0..maxDelayMs first, which shuffles the order messages reach the broker. */
  maxDelayMs?: number
  seed?: number
}

/** Wraps a publisher so messages reach the broker late, out of order and sometimes twice. */
export function chaosPublisher(
  inner: Publisher,
  options: ChaosOptions = {},
): Publisher & { duplicated: number; reordered: () => boolean } {
  const random = mulberry32(options.seed ?? 1)
  const sentOrder: string[] = []
  const givenOrder: string[] = []
  const wrapper = {
    duplicated: 0,
    reordered: () => sentOrder.some((payload, i) => payload !== givenOrder[i]),
    async publish(topic: string, payload: string) {
      givenOrder.push(payload)
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * (options.maxDelayMs ?? 20))))
      sentOrder.push(payload)
      const copies = random() < (options.duplicate ?? 0.2) ? 2 : 1
      if (copies === 2) wrapper.duplicated += 1
      await Promise.all(Array.from({ length: copies }, () => inner.publish(topic, payload)))
    },
  }
  return wrapper
}

/** A small seeded PRNG, so a failing chaos run can be replayed. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
