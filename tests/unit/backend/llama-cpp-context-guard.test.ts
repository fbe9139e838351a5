import { describe, expect, it } from 'vitest'
import {
  ContextOverflowError,
  fitHistory,
  stripTrimNote,
  trimNote,
} from '../../../src-main/backend/providers/llama-cpp/context-guard'
import type { ChatMessage } from '../../../src-main/backend/model-provider'

/** One "token" per character plus 4 per message, like a chat template's framing. */
const count = (messages: ChatMessage[]) => messages.reduce((sum, m) => sum + m.content.length + 4, 0)

const conversation = (turns: number): ChatMessage[] =>
  Array.from({ length: turns }, (_, i): ChatMessage[] => [
    { role: 'user', content: `question ${i}` },
    { role: 'assistant', content: `answer ${i}` },
  ]).flat()

describe('fitHistory', () => {
  it('keeps everything when it fits', () => {
    const messages = [...conversation(3), { role: 'user' as const, content: 'last' }]
    const fitted = fitHistory(messages, count, 1000)
    expect(fitted).toEqual({ messages, dropped: 0, promptTokens: count(messages) })
  })

  it('drops the oldest turns, keeps the system prompt, and starts the kept part with a user message', () => {
    const system: ChatMessage = { role: 'system', content: 'be brief' }
    const messages = [system, ...conversation(10), { role: 'user' as const, content: 'last' }]
    const budget = count([system, ...conversation(3), { role: 'user', content: 'last' }])
    const fitted = fitHistory(messages, count, budget)
    expect(fitted.messages[0]).toEqual(system)
    expect(fitted.messages[1]).toEqual({ role: 'user', content: 'question 7' })
    expect(fitted.messages.at(-1)).toEqual({ role: 'user', content: 'last' })
    expect(fitted.dropped).toBe(14)
    expect(fitted.promptTokens).toBeLessThanOrEqual(budget)
    // The most that fits: one more turn would not.
    expect(count([system, ...messages.slice(1 + 12)])).toBeGreaterThan(budget)
  })

  it('counts O(log n) times', () => {
    let calls = 0
    const messages = [...conversation(400), { role: 'user' as const, content: 'last' }]
    fitHistory(messages, (m) => (calls++, count(m)), 200)
    expect(calls).toBeLessThanOrEqual(2 + Math.ceil(Math.log2(401)))
  })

  it('refuses a latest prompt that alone does not fit', () => {
    expect(() => fitHistory([...conversation(2), { role: 'user', content: 'x'.repeat(500) }], count, 100)).toThrow(
      ContextOverflowError,
    )
  })
})

describe('the trim note', () => {
  it('is an italic first line followed by a blank line', () => {
    expect(trimNote(1, 2048)).toBe("_1 earlier message was left out to fit this model's context of 2,048 tokens._\n\n")
    expect(trimNote(6, 512)).toMatch(/^_6 earlier messages were left out/)
  })

  it('is removed from earlier answers before they become context, and nothing else is', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: `${trimNote(3, 4096)}the answer` },
      { role: 'user', content: `${trimNote(3, 4096)}quoted by the user` },
      { role: 'assistant', content: 'an answer that mentions _1 earlier message was left out_' },
    ]
    const stripped = stripTrimNote(messages)
    expect(stripped[1]!.content).toBe('the answer')
    expect(stripped[2]).toEqual(messages[2])
    expect(stripped[3]).toEqual(messages[3])
  })
})
