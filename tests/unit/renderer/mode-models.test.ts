import { describe, expect, it } from 'vitest'
import type { PublicSettings } from '../../../src-main/shared/ipc-contract'
import { generationModels, modeModels } from '../../../src-renderer/src/state/mode-models'

const settings = (changes: Partial<PublicSettings>): PublicSettings => ({
  mode: 'local',
  preferences: {
    quickAskShortcut: 'CommandOrControl+Shift+Space',
    closeToTray: true,
    prefillFromClipboard: false,
    sendKey: 'enter',
    language: 'system',
    storeSecretsUnencrypted: false,
  },
  models: [
    {
      id: 'llama',
      label: 'Llama',
      provider: 'openai-compatible',
      baseUrl: 'http://127.0.0.1:11434/v1',
      model: 'llama3.2',
      hasApiKey: false,
      inputs: { images: false, documents: true },
    },
    {
      id: 'qwen',
      label: 'Qwen',
      provider: 'openai-compatible',
      baseUrl: 'http://127.0.0.1:11434/v1',
      model: 'qwen2.5',
      hasApiKey: false,
      inputs: { images: false, documents: true },
    },
  ],
  selectedModelIds: ['qwen', 'llama'],
  hasProxy: false,
  generation: { defaults: {}, models: {}, systemPrompt: '' },
  prices: {},
  secretStorage: { encrypted: true, sessionOnly: 0, unencryptedOnDisk: 0 },
  ...changes,
})

describe('modeModels', () => {
  it('offers the editable local entries in local mode, selected in list order', () => {
    expect(modeModels(settings({}))).toEqual({
      models: [
        { id: 'llama', label: 'Llama', detail: 'llama3.2' },
        { id: 'qwen', label: 'Qwen', detail: 'qwen2.5' },
      ],
      selectedIds: ['llama', 'qwen'],
      editable: true,
    })
  })

  it("offers the cloud backend's models in cloud mode, and drops picks the mode does not offer", () => {
    const cloud: NonNullable<PublicSettings['cloud']> = {
      region: 'us-east-1',
      models: [
        { id: 'claude', label: 'Claude', inputs: { images: true, documents: true } },
        { id: 'gpt', label: 'GPT', inputs: { images: true, documents: true } },
      ],
    }
    expect(modeModels(settings({ mode: 'cloud', cloud, selectedModelIds: ['llama', 'gpt'] }))).toEqual({
      models: [
        { id: 'claude', label: 'Claude', detail: 'claude' },
        { id: 'gpt', label: 'GPT', detail: 'gpt' },
      ],
      selectedIds: ['gpt'],
      editable: false,
    })
  })

  it('offers nothing in cloud mode before a backend is loaded', () => {
    expect(modeModels(settings({ mode: 'cloud' }))).toEqual({ models: [], selectedIds: [], editable: false })
  })
})

describe('generationModels', () => {
  it('offers a reasoning effort to local server models but not to embedded GGUF files', () => {
    const gguf = {
      id: 'gguf:tiny',
      label: 'Tiny',
      provider: 'gguf' as const,
      baseUrl: '',
      model: 'tiny.gguf',
      file: 'tiny.gguf',
      hasApiKey: false,
      inputs: { images: false, documents: true },
    }
    const base = settings({})
    expect(generationModels({ ...base, models: [...base.models, gguf] })).toEqual([
      { id: 'llama', label: 'Llama', canReason: true },
      { id: 'qwen', label: 'Qwen', canReason: true },
      { id: 'gguf:tiny', label: 'Tiny', canReason: false },
    ])
  })

  it("follows the cloud stack's reasoning flag (unknown keeps the choice) and carries its list price", () => {
    const price = { inputPerMillion: 3, outputPerMillion: 15 }
    const inputs = { images: true, documents: true }
    const cloud: NonNullable<PublicSettings['cloud']> = {
      region: 'us-east-1',
      models: [
        { id: 'sonnet', label: 'Sonnet', reasoning: true, price, inputs },
        { id: 'haiku', label: 'Haiku', reasoning: false, inputs },
        { id: 'older', label: 'From an older stack', inputs },
      ],
    }
    expect(generationModels(settings({ mode: 'cloud', cloud }))).toEqual([
      { id: 'sonnet', label: 'Sonnet', canReason: true, listPrice: price },
      { id: 'haiku', label: 'Haiku', canReason: false },
      { id: 'older', label: 'From an older stack', canReason: true },
    ])
  })
})
