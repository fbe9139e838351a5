/**
 * Generation parameters through the backend: the chat request's validation, what reaches the provider, the cloud
 * catalog's limits (default max tokens, reasoning only where declared) and the embedded engine's options mapping.
 */
import { describe, expect, it } from 'vitest'
import { ChatRequestSchema, handleChatRequest } from '../../../src-main/backend/chat-handler'
import type { ModelStreamRequest } from '../../../src-main/backend/model-provider'
import { catalogParameters } from '../../../src-main/backend/cloud-models'
import { DEFAULT_GENERATION, withParameters } from '../../../src-main/backend/providers/llama-cpp/llama-cpp-provider'
import { GenerationOptionsSchema } from '../../../src-main/backend/providers/llama-cpp/worker-protocol'
import { DEFAULT_CLOUD_MAX_OUTPUT_TOKENS } from '../../../src-main/shared/generation'
import { scriptedModels } from '../../support/scripted-provider'
import { RecordingPublisher } from '../../support/recording-publisher'

const request = (parameters?: unknown) => ({
  userId: 'user-1',
  streamId: 'stream-1',
  models: [
    { modelId: 'a', messages: [{ role: 'user', content: 'Hi' }], ...(parameters ? { parameters } : {}) },
    { modelId: 'b', messages: [{ role: 'user', content: 'Hi' }] },
  ],
})

describe('chat request parameters', () => {
  it('reach each model as sent; a model without parameters gets none', async () => {
    const requests: Record<string, ModelStreamRequest[]> = {}
    const parameters = { temperature: 0, topP: 0.5, maxOutputTokens: 64, reasoning: 'medium' }
    await handleChatRequest(request(parameters), {
      publisher: new RecordingPublisher(),
      models: scriptedModels({ a: { deltas: ['x'] }, b: { deltas: ['y'] } }, requests),
    })
    expect(requests.a![0]!.parameters).toEqual(parameters)
    expect(requests.b![0]).not.toHaveProperty('parameters')
  })

  it.each([
    { temperature: 2.01 },
    { temperature: -1 },
    { topP: 1.5 },
    { maxOutputTokens: 0 },
    { maxOutputTokens: 200_001 },
    { maxOutputTokens: 1.5 },
    { reasoning: 'max' },
    { temperature: '0.5' },
  ])('refuses %o', (parameters) => {
    expect(ChatRequestSchema.safeParse(request(parameters)).success).toBe(false)
  })

  it('drops parameters it does not know (a newer app), keeping the ones it does', () => {
    const parsed = ChatRequestSchema.parse(request({ temperature: 1, seed: 7 }))
    expect(parsed.models[0]!.parameters).toEqual({ temperature: 1 })
  })
})

describe('cloud catalog limits', () => {
  it('gives a model the default max tokens unless the user or the catalog sets one', () => {
    expect(catalogParameters({}, { temperature: 1 })).toEqual({
      temperature: 1,
      maxOutputTokens: DEFAULT_CLOUD_MAX_OUTPUT_TOKENS,
    })
    expect(catalogParameters({ maxTokens: 1_000 })).toEqual({ maxOutputTokens: 1_000 })
    expect(catalogParameters({ maxTokens: 1_000 }, { maxOutputTokens: 50 })).toEqual({ maxOutputTokens: 50 })
  })

  it('asks for reasoning only from a model the catalog declares as reasoning', () => {
    expect(catalogParameters({ reasoning: true }, { reasoning: 'high' }).reasoning).toBe('high')
    expect(catalogParameters({}, { reasoning: 'high' })).not.toHaveProperty('reasoning')
    expect(catalogParameters({ reasoning: false }, { reasoning: 'low' })).not.toHaveProperty('reasoning')
  })
})

describe('embedded engine options', () => {
  const base = { ...DEFAULT_GENERATION, seed: 3 }

  it('maps temperature, top-p and max output tokens onto its generation options, valid for the worker', () => {
    const options = withParameters(base, { temperature: 0, topP: 0.3, maxOutputTokens: 99, reasoning: 'high' })
    expect(options).toEqual({ ...base, temperature: 0, topP: 0.3, maxTokens: 99 })
    expect(GenerationOptionsSchema.safeParse(options).success).toBe(true)
  })

  it("keeps the provider's own settings for what is not set", () => {
    expect(withParameters(base, {})).toEqual(base)
    expect(withParameters(base)).not.toHaveProperty('topP')
  })
})
