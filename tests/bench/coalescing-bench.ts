/**
 * MQTT messages per 1,000 streamed tokens: the coalescer against the naive design (one message per model delta),
 * for models of different speeds, simulated on a manual clock so the figures are exact and repeatable. Both
 * designs end the stream with one final-marker message, counted on both sides.
 */
import { DeltaCoalescer } from '../../src-main/backend/delta-coalescer'
import { ManualClock } from '../support/manual-clock'

export interface CoalescingResult {
  tokensPerSecond: number
  naiveMessages: number
  coalescedMessages: number
  messagesPerSecond: number
  reduction: number
}

export function measureCoalescing(rates = [20, 50, 200, 1000]): CoalescingResult[] {
  return rates.map((tokensPerSecond) => {
    const clock = new ManualClock()
    let messages = 0
    const coalescer = new DeltaCoalescer(() => (messages += 1), { clock })
    const tokens = 1_000
    const intervalMs = 1000 / tokensPerSecond
    for (let i = 0; i < tokens; i++) {
      coalescer.push(`tok${i} `)
      clock.advance(intervalMs)
    }
    coalescer.drain() // what is left rides on the final chunk
    messages += 1
    const seconds = (tokens * intervalMs) / 1000
    const naive = tokens + 1
    return {
      tokensPerSecond,
      naiveMessages: naive,
      coalescedMessages: messages,
      messagesPerSecond: messages / seconds,
      reduction: naive / messages,
    }
  })
}
