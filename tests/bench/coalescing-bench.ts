/**
 * MQTT messages per 1,000 streamed tokens: the coalescer against the naive design (one message per model delta),
 * for models of different speeds, simulated on a manual clock so the figures are exact and repeatable. Both
 * designs end the stream with one final-marker message, counted on both sides.
 * The 'reasoning+answer' rows stream a model that thinks first (the first fifth of its tokens are reasoning, as
 * in the renderer bench's 5,000 + 20,000) and checks that both channels together keep to the same message rate.
 */
import { DeltaCoalescer } from '../../src-main/backend/delta-coalescer'
import { ManualClock } from '../support/manual-clock'

export type CoalescingChannels = 'answer' | 'reasoning+answer'

export interface CoalescingResult {
  channels: CoalescingChannels
  tokensPerSecond: number
  naiveMessages: number
  coalescedMessages: number
  messagesPerSecond: number
  reduction: number
}

export function measureCoalescing(
  rates = [20, 50, 200, 1000],
  channels: CoalescingChannels = 'answer',
): CoalescingResult[] {
  return rates.map((tokensPerSecond) => {
    const clock = new ManualClock()
    let messages = 0
    const coalescer = new DeltaCoalescer(() => (messages += 1), { clock })
    const tokens = 1_000
    const intervalMs = 1000 / tokensPerSecond
    for (let i = 0; i < tokens; i++) {
      const thinking = channels === 'reasoning+answer' && i < tokens / 5
      coalescer.push(`tok${i} `, thinking ? 'reasoning' : 'text')
      clock.advance(intervalMs)
    }
    coalescer.drain() // what is left rides on the final chunk
    messages += 1
    const seconds = (tokens * intervalMs) / 1000
    const naive = tokens + 1
    return {
      channels,
      tokensPerSecond,
      naiveMessages: naive,
      coalescedMessages: messages,
      messagesPerSecond: messages / seconds,
      reduction: naive / messages,
    }
  })
}
