/**
 * Continuing an answer cut off at the token limit: which answers may be continued, and what the model is sent, as
 * the OpenAI-compatible request carries it and as Bedrock's Converse receives it (its role rules: user first,
 * alternating, ending with the user).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { mockClient } from 'aws-sdk-client-mock'
import { BedrockRuntimeClient, ConverseStreamCommand, type ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime'
import { ChatRequestSchema } from '../../../src-main/backend/chat-handler'
import { createBedrockConverseProvider } from '../../../src-main/backend/providers/bedrock-converse'
import { buildChatRequest } from '../../../src-main/core/chat/chat-request'
import {
  CONTINUE_INSTRUCTION,
  continuationContext,
  continuationRefusal,
} from '../../../src-main/core/chat/continuation'
import type { Continuation, ContinuedAnswer } from '../../../src-main/core/chat/conversation-log'

const cut: ContinuedAnswer = {
  text: 'The three laws are: 1. A robot may',
  reasoning: '',
  status: 'complete',
  stopReason: 'max-tokens',
}

const continuation: Continuation = {
  turnStreamId: 'turn-2',
  prompt: 'And the laws?',
  context: [
    { role: 'user', content: 'Who wrote I, Robot?' },
    { role: 'assistant', content: 'Isaac Asimov.' },
  ],
  systemPrompt: 'Be precise.',
  answer: cut,
}

const request = () =>
  buildChatRequest({
    userId: 'u1',
    streamId: 'next',
    prompt: CONTINUE_INSTRUCTION,
    modelIds: ['m'],
    context: new Map([['m', continuationContext(continuation)]]),
    systemPrompt: continuation.systemPrompt,
  })

describe('continuationRefusal', () => {
  it('lets only an answer cut off at the token limit or by the app closing, with text, be continued', () => {
    expect(continuationRefusal(cut)).toBeUndefined()
    expect(continuationRefusal({ text: 'half of it', reasoning: '', status: 'interrupted' })).toBeUndefined()
    expect(continuationRefusal(undefined)).toMatch(/no longer in the conversation/)
    expect(continuationRefusal({ ...cut, status: 'streaming' })).toMatch(/still streaming/)
    for (const other of [
      { ...cut, stopReason: 'end' as const },
      { ...cut, stopReason: 'content-filter' as const },
      { ...cut, status: 'stopped' as const },
      { ...cut, status: 'error' as const },
      { text: 'no end details', reasoning: '', status: 'complete' as const },
    ]) {
      expect(continuationRefusal(other)).toBe(
        'Only an answer cut off at the token limit or by StreamDesk closing can be continued.',
      )
    }
    // Every token went to thinking: nothing to go on from (and Bedrock refuses a blank assistant message).
    expect(continuationRefusal({ ...cut, text: ' \n', reasoning: 'long thoughts' })).toMatch(/regenerate it instead/)
  })
})

describe('a continuation request', () => {
  it('sends the context, the prompt, the cut answer as the assistant message, then the instruction to go on', () => {
    const sent = request()
    expect(ChatRequestSchema.parse(sent)).toEqual(sent)
    expect(sent.models).toHaveLength(1)
    expect(sent.models[0]!.messages).toEqual([
      { role: 'system', content: 'Be precise.' },
      { role: 'user', content: 'Who wrote I, Robot?' },
      { role: 'assistant', content: 'Isaac Asimov.' },
      { role: 'user', content: 'And the laws?' },
      { role: 'assistant', content: cut.text },
      { role: 'user', content: CONTINUE_INSTRUCTION },
    ])
    // OpenAI-compatible: system first, then user and assistant alternate, the last message the user's.
    const roles = sent.models[0]!.messages.slice(1).map((m) => m.role)
    roles.forEach((role, i) => expect(role).toBe(i % 2 === 0 ? 'user' : 'assistant'))
    expect(roles.at(-1)).toBe('user')
  })

  describe('through Bedrock Converse', () => {
    const bedrock = mockClient(BedrockRuntimeClient)
    afterEach(() => bedrock.reset())

    it('reaches Converse with the system prompt apart and roles alternating from the user to the user', async () => {
      async function* stream(): AsyncGenerator<ConverseStreamOutput> {
        yield { contentBlockDelta: { contentBlockIndex: 0, delta: { text: ' not injure a human being.' } } }
        yield { messageStop: { stopReason: 'end_turn' } }
      }
      bedrock.on(ConverseStreamCommand).resolves({ stream: stream() })
      const provider = createBedrockConverseProvider({
        client: new BedrockRuntimeClient({ region: 'us-east-1' }),
        modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0',
      })
      const signal = new AbortController().signal
      for await (const event of provider.stream({ messages: request().models[0]!.messages, signal })) void event
      const input = bedrock.commandCalls(ConverseStreamCommand)[0]!.args[0].input
      expect(input.system).toEqual([{ text: 'Be precise.' }])
      expect(input.messages).toEqual([
        { role: 'user', content: [{ text: 'Who wrote I, Robot?' }] },
        { role: 'assistant', content: [{ text: 'Isaac Asimov.' }] },
        { role: 'user', content: [{ text: 'And the laws?' }] },
        { role: 'assistant', content: [{ text: cut.text }] },
        { role: 'user', content: [{ text: CONTINUE_INSTRUCTION }] },
      ])
    })
  })
})
