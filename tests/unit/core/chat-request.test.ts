import { describe, expect, it } from 'vitest'
import { LEFT_OUT_MARKER, buildChatRequest } from '../../../src-main/core/chat/chat-request'
import { CONTINUE_INSTRUCTION, continuationContext } from '../../../src-main/core/chat/continuation'
import { ChatRequestSchema, MAX_MESSAGE_CHARS, MAX_MESSAGES } from '../../../src-main/backend/chat-handler'
import type { ChatMessage } from '../../../src-main/backend/model-provider'
import type { GenerationParameters } from '../../../src-main/shared/generation'

const base = { userId: 'user-1', streamId: 'stream-1', prompt: 'And now?', modelIds: ['a', 'b'] }

describe('buildChatRequest', () => {
  it("puts the system prompt first for every model, before each model's own earlier turns", () => {
    const context = new Map([
      [
        'a',
        [
          { role: 'user' as const, content: 'Q1' },
          { role: 'assistant' as const, content: 'A1' },
        ],
      ],
    ])
    const request = buildChatRequest({ ...base, context, systemPrompt: 'Be terse.' })
    expect(request.models.map((m) => m.messages)).toEqual([
      [
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'Q1' },
        { role: 'assistant', content: 'A1' },
        { role: 'user', content: 'And now?' },
      ],
      [
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'And now?' },
      ],
    ])
  })

  it('sends no system message for a blank prompt', () => {
    for (const systemPrompt of [undefined, '', '  \n ']) {
      const request = buildChatRequest({ ...base, systemPrompt })
      expect(request.models.every((m) => m.messages.every((message) => message.role !== 'system'))).toBe(true)
    }
  })

  it('gives each model its own parameters, and no parameters field where there are none', () => {
    const table: Record<string, GenerationParameters> = { a: { temperature: 0.2, reasoning: 'low' }, b: {} }
    const request = buildChatRequest({ ...base, parametersFor: (id) => table[id]! })
    expect(request.models[0]!.parameters).toEqual({ temperature: 0.2, reasoning: 'low' })
    expect(request.models[1]).not.toHaveProperty('parameters')
    expect(ChatRequestSchema.parse(request)).toEqual(request)
  })

  describe('fits a long conversation into what the backend accepts', () => {
    const pair = (i: number, answer = `A${i}`): ChatMessage[] => [
      { role: 'user', content: `Q${i}` },
      { role: 'assistant', content: answer },
    ]

    it('continues an answer longer than one message may be: its end is sent, behind a marker', () => {
      // 150,001 emoji: 300,002 UTF-16 units, and the cut would fall inside a surrogate pair.
      const cut = 'Start. ' + '😀'.repeat(150_000) + 'the end'
      const context = continuationContext({
        turnStreamId: 'stream-0',
        context: pair(1),
        prompt: 'Write a lot',
        answer: { text: cut, reasoning: '', status: 'complete', stopReason: 'max-tokens' },
      })
      const request = buildChatRequest({
        ...base,
        modelIds: ['a'],
        prompt: CONTINUE_INSTRUCTION,
        context: new Map([['a', context]]),
      })
      expect(() => ChatRequestSchema.parse(request)).not.toThrow()
      const messages = request.models[0]!.messages
      expect(messages.slice(0, 3)).toEqual([...pair(1), { role: 'user', content: 'Write a lot' }])
      const sent = messages[3]!.content
      expect(messages[3]!.role).toBe('assistant')
      expect(sent.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS)
      expect(sent.length).toBeGreaterThan(MAX_MESSAGE_CHARS - 2)
      expect(sent.startsWith(LEFT_OUT_MARKER)).toBe(true)
      expect(cut.endsWith(sent.slice(LEFT_OUT_MARKER.length))).toBe(true)
      // No lone surrogate: with the u flag a whole pair is one code point, so \p{Cs} matches only half of one.
      expect(sent).not.toMatch(/\p{Cs}/u)
      expect(messages[4]).toEqual({ role: 'user', content: CONTINUE_INSTRUCTION })
    })

    it('leaves out the oldest whole turns past the message limit, so roles still alternate', () => {
      const context = Array.from({ length: 300 }, (_, i) => pair(i)).flat()
      const request = buildChatRequest({
        ...base,
        modelIds: ['a'],
        systemPrompt: 'Be terse.',
        context: new Map([['a', context]]),
      })
      expect(() => ChatRequestSchema.parse(request)).not.toThrow()
      const messages = request.models[0]!.messages
      expect(messages.length).toBeLessThanOrEqual(MAX_MESSAGES)
      expect(messages.length).toBeGreaterThanOrEqual(MAX_MESSAGES - 1)
      expect(messages[0]).toEqual({ role: 'system', content: 'Be terse.' })
      expect(messages[1]!.role).toBe('user')
      expect(messages.slice(-3)).toEqual([...pair(299), { role: 'user', content: 'And now?' }])
      const roles = messages.slice(1).map((m) => m.role)
      expect(roles.every((role, i) => role === (i % 2 === 0 ? 'user' : 'assistant'))).toBe(true)
    })

    it('sends a conversation within the limits unchanged', () => {
      const context = [...pair(1, 'x'.repeat(MAX_MESSAGE_CHARS)), ...pair(2)]
      const request = buildChatRequest({ ...base, modelIds: ['a'], context: new Map([['a', context]]) })
      expect(request.models[0]!.messages).toEqual([...context, { role: 'user', content: 'And now?' }])
    })
  })
})
