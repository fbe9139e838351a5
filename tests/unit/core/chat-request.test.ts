import { describe, expect, it } from 'vitest'
import { buildChatRequest } from '../../../src-main/core/chat/chat-request'
import { ChatRequestSchema } from '../../../src-main/backend/chat-handler'
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
})
