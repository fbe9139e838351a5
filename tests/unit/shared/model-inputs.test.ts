import { describe, expect, it } from 'vitest'
import { defaultModelInputs } from '../../../src-main/shared/model-inputs'

const images = (model: string, provider: 'openai-compatible' | 'bedrock' | 'cloud' = 'openai-compatible') =>
  defaultModelInputs({ provider, model }).images

describe('defaultModelInputs', () => {
  it.each([
    'llava:13b',
    'bakllava',
    'llama3.2-vision:11b',
    'qwen2.5vl:7b',
    'Qwen/Qwen2.5-VL-7B-Instruct',
    'gemma3:4b',
    'gemma3:27b',
    'minicpm-v',
    'gpt-4o-mini',
    'gpt-4.1',
    'o4-mini',
  ])('knows %s reads images', (model) => {
    expect(images(model)).toBe(true)
  })

  it.each([
    'llama3.2',
    'qwen2.5',
    'gemma2:9b',
    'gemma3:1b',
    'gemma3n:e4b',
    'mistral',
    'deepseek-r1:7b',
    'gpt-3.5-turbo',
  ])('knows %s reads text only', (model) => {
    expect(images(model)).toBe(false)
  })

  it('knows Bedrock model ids', () => {
    expect(images('us.anthropic.claude-sonnet-4-20250514-v1:0', 'bedrock')).toBe(true)
    expect(images('amazon.nova-lite-v1:0', 'bedrock')).toBe(true)
    expect(images('amazon.nova-micro-v1:0', 'bedrock')).toBe(false)
  })

  it('goes by the label when the id says nothing (a cloud column)', () => {
    expect(defaultModelInputs({ provider: 'cloud', model: 'm1', label: 'Claude 3.5 Sonnet' }).images).toBe(true)
    expect(defaultModelInputs({ provider: 'cloud', model: 'm2', label: 'Claude Instant' }).images).toBe(false)
    expect(images('anthropic.claude-v2:1', 'bedrock')).toBe(false)
  })

  it('never gives an embedded GGUF model images, even a vision family, and gives every model documents', () => {
    expect(defaultModelInputs({ provider: 'gguf', model: 'llava-v1.6-mistral-7b.Q4_K_M.gguf' })).toEqual({
      images: false,
      documents: true,
    })
    expect(defaultModelInputs({ provider: 'openai-compatible', model: 'llama3.2' }).documents).toBe(true)
  })
})
