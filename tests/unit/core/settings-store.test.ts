import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SettingsStore, defaultSettings, type SecretCodec } from '../../../src-main/core/settings/settings-store'
import { CLOUD_CONFIG } from '../cloud/cloud-fixtures'
import { DEFAULT_CLOUD_MAX_OUTPUT_TOKENS } from '../../../src-main/shared/generation'
import { makeTempDir } from '../../support/temp-dir'
import { noticeWords } from '../../support/notice-words'

const reversingCodec: SecretCodec = {
  encrypts: true,
  encrypt: (plain) => `enc:${[...plain].reverse().join('')}`,
  decrypt: (stored) => [...stored.slice(4)].reverse().join(''),
}

async function tempFile() {
  const dir = await makeTempDir('settings')
  return { dir, file: join(dir, 'settings.json') }
}

const input = {
  label: 'LM Studio',
  provider: 'openai-compatible' as const,
  baseUrl: 'http://127.0.0.1:1234/v1',
  model: 'qwen',
}

/** The decrypted key of a server model (embedded models have none). */
const apiKeyOf = (store: SettingsStore, id: string) => {
  const model = store.resolve(id)
  return model?.provider === 'openai-compatible' ? model.apiKey : undefined
}

describe('SettingsStore', () => {
  it('starts from two local models when there is no file', async () => {
    const { file } = await tempFile()
    const store = await SettingsStore.open(file, reversingCodec)
    expect(store.publicView().models.map((m) => m.baseUrl)).toEqual([
      'http://127.0.0.1:11434/v1',
      'http://127.0.0.1:11434/v1',
    ])
    expect(store.publicView().selectedModelIds).toEqual(defaultSettings().selectedModelIds)
    expect(store.notices).toEqual([])
  })

  it('keeps API keys encrypted on disk and out of the public view', async () => {
    const { file } = await tempFile()
    const store = await SettingsStore.open(file, reversingCodec)
    const view = await store.saveModel({ ...input, apiKey: 'sk-secret-123' })
    const added = view.models.find((m) => m.label === 'LM Studio')!
    expect(added).toEqual({
      id: expect.stringMatching(/^lm-studio-/),
      ...input,
      hasApiKey: true,
      inputs: { images: false, documents: true },
    })
    expect(JSON.stringify(view)).not.toContain('sk-secret')
    const onDisk = await readFile(file, 'utf8')
    expect(onDisk).not.toContain('sk-secret-123')
    expect(apiKeyOf(store, added.id)).toBe('sk-secret-123')
    // Reopened, the key decrypts; an edit without apiKey keeps it; null clears it.
    const reopened = await SettingsStore.open(file, reversingCodec)
    expect(apiKeyOf(reopened, added.id)).toBe('sk-secret-123')
    await reopened.saveModel({ ...input, id: added.id, label: 'Renamed' })
    expect(reopened.resolve(added.id)).toMatchObject({ label: 'Renamed', apiKey: 'sk-secret-123' })
    await reopened.saveModel({ ...input, id: added.id, apiKey: null })
    expect(apiKeyOf(reopened, added.id)).toBeUndefined()
    expect(reopened.publicView().selectedModelIds).toContain(added.id)
  })

  it('removes a model from the selection too, and refuses to select unknown models', async () => {
    const { file } = await tempFile()
    const store = await SettingsStore.open(file, reversingCodec)
    const view = await store.removeModel('qwen2-5')
    expect(view.models.map((m) => m.id)).toEqual(['llama3-2'])
    expect(view.selectedModelIds).toEqual(['llama3-2'])
    await expect(store.selectModels(['llama3-2', 'ghost'])).rejects.toThrow('Unknown model: ghost')
    await expect(store.saveModel({ ...input, id: 'ghost' })).rejects.toThrow(/No model/)
  })

  it('moves a damaged file aside, keeps it, starts from defaults and says so', async () => {
    const { dir, file } = await tempFile()
    await writeFile(file, '{"version": 1, "models": [tru')
    const store = await SettingsStore.open(file, reversingCodec, new Date('2026-11-25T10:00:00Z'))
    expect(store.publicView().models).toHaveLength(2)
    expect(noticeWords(store.notices)[0]).toMatch(/could not be read.*settings\.json\.damaged-2026-11-25T10-00-00-000Z/)
    const files = await readdir(dir)
    expect(files).toContain('settings.json.damaged-2026-11-25T10-00-00-000Z')
    expect(await readFile(join(dir, 'settings.json.damaged-2026-11-25T10-00-00-000Z'), 'utf8')).toBe(
      '{"version": 1, "models": [tru',
    )
  })

  it('treats valid JSON of the wrong shape as damaged too', async () => {
    const { file } = await tempFile()
    await writeFile(file, JSON.stringify({ version: 1, models: [{ id: 'x' }], selectedModelIds: [] }))
    const store = await SettingsStore.open(file, reversingCodec)
    expect(store.notices).toHaveLength(1)
  })

  it('writes atomically: concurrent saves leave a complete file and no temporary files', async () => {
    const { dir, file } = await tempFile()
    const store = await SettingsStore.open(file, reversingCodec)
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.saveModel({ ...input, label: `Model ${i}` })))
    const saved = JSON.parse(await readFile(file, 'utf8'))
    expect(saved.models.length).toBeGreaterThanOrEqual(3)
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([])
    const reopened = await SettingsStore.open(file, reversingCodec)
    expect(reopened.notices).toEqual([])
  })

  it("keeps cloud settings apart: mode, the backend's models and their selection, an encrypted proxy", async () => {
    const { file } = await tempFile()
    const store = await SettingsStore.open(file, reversingCodec)
    await expect(store.setMode('cloud')).rejects.toThrow(/cloud backend/)
    await store.setCloudConfig(CLOUD_CONFIG)
    expect(store.mode).toBe('local')
    expect(store.modelLabel('claude')).toBeUndefined()
    const cloud = await store.setMode('cloud')
    expect(cloud).toMatchObject({ mode: 'cloud', selectedModelIds: ['claude', 'gpt'], cloud: { region: 'us-east-1' } })
    expect(store.modelLabel('claude')).toBe('Claude')
    expect(store.has('llama3-2')).toBe(false)
    await store.selectModels(['gpt'])
    await store.setProxyUrl('http://bob:pa55@proxy:8080')
    expect(await readFile(file, 'utf8')).not.toContain('pa55')
    const reopened = await SettingsStore.open(file, reversingCodec)
    expect(reopened.publicView()).toMatchObject({ mode: 'cloud', selectedModelIds: ['gpt'], hasProxy: true })
    // Which proxy, for Settings: host and port, never the credentials.
    expect(reopened.publicView().proxyHost).toBe('proxy:8080')
    expect(JSON.stringify(reopened.publicView())).not.toMatch(/bob|pa55/)
    expect(reopened.proxyUrl).toBe('http://bob:pa55@proxy:8080')
    expect((await reopened.setMode('local')).selectedModelIds).toEqual(['llama3-2', 'qwen2-5'])
  })

  it('still reads a settings file written before embedded models, unchanged', async () => {
    const { dir, file } = await tempFile()
    // As the previous version wrote it: server models only, no `provider: 'gguf'` anywhere.
    const before = {
      version: 1,
      models: [
        {
          id: 'llama3-2',
          label: 'Llama 3.2',
          provider: 'openai-compatible',
          baseUrl: 'http://127.0.0.1:11434/v1',
          model: 'llama3.2',
        },
        {
          id: 'lm',
          label: 'LM Studio',
          provider: 'openai-compatible',
          baseUrl: 'http://127.0.0.1:1234/v1',
          model: 'qwen',
          encryptedApiKey: reversingCodec.encrypt('sk-1'),
        },
      ],
      selectedModelIds: ['lm'],
      mode: 'local',
      preferences: { sendKey: 'mod-enter' },
    }
    await writeFile(file, JSON.stringify(before))
    const store = await SettingsStore.open(file, reversingCodec)
    expect(store.notices).toEqual([])
    expect(await readdir(dir)).toEqual(['settings.json'])
    expect(store.publicView().models).toEqual([
      {
        id: 'llama3-2',
        label: 'Llama 3.2',
        provider: 'openai-compatible',
        baseUrl: 'http://127.0.0.1:11434/v1',
        model: 'llama3.2',
        hasApiKey: false,
        inputs: { images: false, documents: true },
      },
      {
        id: 'lm',
        label: 'LM Studio',
        provider: 'openai-compatible',
        baseUrl: 'http://127.0.0.1:1234/v1',
        model: 'qwen',
        hasApiKey: true,
        inputs: { images: false, documents: true },
      },
    ])
    expect(store.publicView().selectedModelIds).toEqual(['lm'])
    expect(store.resolve('lm')).toEqual({
      provider: 'openai-compatible',
      id: 'lm',
      label: 'LM Studio',
      baseUrl: 'http://127.0.0.1:1234/v1',
      model: 'qwen',
      apiKey: 'sk-1',
    })
  })

  it('keeps embedded GGUF models as files of the models folder: add, rename, resolve, remove', async () => {
    const { file } = await tempFile()
    const store = await SettingsStore.open(file, reversingCodec)
    const view = await store.saveGgufModel({ file: 'qwen2.5-0.5b-instruct-q4_k_m.gguf', label: 'Qwen 0.5B (offline)' })
    const entry = view.models.find((m) => m.provider === 'gguf')!
    expect(entry).toEqual({
      id: 'gguf:qwen2.5-0.5b-instruct-q4_k_m',
      label: 'Qwen 0.5B (offline)',
      provider: 'gguf',
      baseUrl: '',
      model: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
      file: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
      hasApiKey: false,
      inputs: { images: false, documents: true },
    })
    expect(view.selectedModelIds).toContain(entry.id)
    // The same file again renames its entry rather than adding a second one; so does saveModel with its id.
    await store.saveGgufModel({ file: entry.file!, label: 'Qwen' })
    await store.saveModel({ ...input, id: entry.id, label: 'Qwen offline' })
    const reopened = await SettingsStore.open(file, reversingCodec)
    expect(reopened.publicView().models.filter((m) => m.provider === 'gguf')).toHaveLength(1)
    expect(reopened.resolve(entry.id)).toEqual({
      provider: 'gguf',
      id: entry.id,
      label: 'Qwen offline',
      file: entry.file,
    })
    expect(reopened.modelLabel(entry.id)).toBe('Qwen offline')
    const removed = await reopened.removeGgufModels(entry.file!)
    expect(removed.models.map((m) => m.id)).toEqual(['llama3-2', 'qwen2-5'])
    expect(removed.selectedModelIds).toEqual(['llama3-2', 'qwen2-5'])
  })

  it('refuses GGUF file names that are paths or not .gguf files, in calls and in the file on disk', async () => {
    const { dir, file } = await tempFile()
    const store = await SettingsStore.open(file, reversingCodec)
    for (const name of ['../secret.gguf', 'sub/model.gguf', 'C:\\models\\x.gguf', '.hidden.gguf', 'model.bin', '']) {
      await expect(store.saveGgufModel({ file: name, label: 'x' })).rejects.toThrow()
    }
    await writeFile(
      file,
      JSON.stringify({
        version: 1,
        models: [{ id: 'x', label: 'x', provider: 'gguf', file: '/etc/passwd.gguf' }],
        selectedModelIds: [],
      }),
    )
    const reopened = await SettingsStore.open(file, reversingCodec)
    expect(noticeWords(reopened.notices)[0]).toMatch(/could not be read/)
    expect((await readdir(dir)).some((f) => f.includes('.damaged-'))).toBe(true)
  })
})

describe('SettingsStore: generation parameters', () => {
  it('keeps app-wide defaults and per-model overrides across a reload, merged field by field', async () => {
    const { file } = await tempFile()
    const store = await SettingsStore.open(file, reversingCodec)
    await store.setParameters({ temperature: 0.7, maxOutputTokens: 2_000 })
    await store.setParameters({ temperature: 0, reasoning: 'low' }, 'qwen2-5')
    const reopened = await SettingsStore.open(file, reversingCodec)
    expect(reopened.parametersFor('qwen2-5')).toEqual({ temperature: 0, maxOutputTokens: 2_000, reasoning: 'low' })
    expect(reopened.parametersFor('llama3-2')).toEqual({ temperature: 0.7, maxOutputTokens: 2_000 })
    expect(reopened.publicView().generation.models).toEqual({ 'qwen2-5': { temperature: 0, reasoning: 'low' } })
  })

  it.each([
    [{ temperature: 2.5 }, 'Temperature must be a number from 0 to 2.'],
    [{ temperature: -0.1 }, 'Temperature must be a number from 0 to 2.'],
    [{ topP: 1.01 }, 'Top-p must be a number from 0 to 1.'],
    [{ maxOutputTokens: 0 }, 'Max output tokens must be a whole number from 1 to 200,000.'],
    [{ maxOutputTokens: 200_001 }, 'Max output tokens must be a whole number from 1 to 200,000.'],
    [{ maxOutputTokens: 10.5 }, 'Max output tokens must be a whole number from 1 to 200,000.'],
    [{ temperature: Number.NaN }, 'Temperature must be a number from 0 to 2.'],
    [{ reasoning: 'extreme' }, 'Reasoning must be off, low, medium or high.'],
  ])('refuses %o with a message and saves nothing', async (parameters, message) => {
    const { file } = await tempFile()
    const store = await SettingsStore.open(file, reversingCodec)
    await store.setParameters({ temperature: 1 })
    await expect(store.setParameters(parameters as never)).rejects.toThrow(message)
    await expect(store.setParameters(parameters as never, 'qwen2-5')).rejects.toThrow(message)
    expect((await SettingsStore.open(file, reversingCodec)).publicView().generation).toEqual({
      defaults: { temperature: 1 },
      models: {},
      systemPrompt: '',
    })
  })

  it('accepts the ends of every range', async () => {
    const { file } = await tempFile()
    const store = await SettingsStore.open(file, reversingCodec)
    await store.setParameters({ temperature: 2, topP: 0, maxOutputTokens: 200_000, reasoning: 'high' })
    await store.setParameters({ temperature: 0, topP: 1, maxOutputTokens: 1 }, 'llama3-2')
    expect(store.parametersFor('llama3-2')).toEqual({ temperature: 0, topP: 1, maxOutputTokens: 1, reasoning: 'high' })
  })

  it('removes a model override with an empty set, and refuses an unknown model', async () => {
    const { file } = await tempFile()
    const store = await SettingsStore.open(file, reversingCodec)
    await store.setParameters({ topP: 0.5 }, 'qwen2-5')
    await store.setParameters({}, 'qwen2-5')
    expect(store.generation.models).toEqual({})
    await expect(store.setParameters({ topP: 0.5 }, 'nope')).rejects.toThrow('Unknown model: nope')
  })

  it('gives cloud models a default max output tokens, unless one is set', async () => {
    const { file } = await tempFile()
    const store = await SettingsStore.open(file, reversingCodec)
    await store.setCloudConfig(CLOUD_CONFIG)
    await store.setMode('cloud')
    const [first, second] = CLOUD_CONFIG.models
    await store.setParameters({ maxOutputTokens: 300 }, second!.id)
    expect(store.parametersFor(first!.id)).toEqual({ maxOutputTokens: DEFAULT_CLOUD_MAX_OUTPUT_TOKENS })
    expect(store.parametersFor(second!.id)).toEqual({ maxOutputTokens: 300 })
    await store.setMode('local')
    expect(store.parametersFor('llama3-2')).toEqual({})
  })

  it('drops an out-of-range value found in the file instead of setting the whole file aside', async () => {
    const { dir, file } = await tempFile()
    const stored = { ...defaultSettings(), generation: { defaults: { temperature: 9, topP: 0.5 } } }
    await writeFile(file, JSON.stringify(stored))
    const store = await SettingsStore.open(file, reversingCodec)
    expect(store.notices).toEqual([])
    expect(store.parametersFor('llama3-2')).toEqual({ topP: 0.5 })
    expect(await readdir(dir)).toEqual(['settings.json'])
  })

  it('keeps the default system prompt, and clears it when blank', async () => {
    const { file } = await tempFile()
    const store = await SettingsStore.open(file, reversingCodec)
    await store.setDefaultSystemPrompt('Answer in French.')
    expect((await SettingsStore.open(file, reversingCodec)).generation.systemPrompt).toBe('Answer in French.')
    await store.setDefaultSystemPrompt('   ')
    expect((await SettingsStore.open(file, reversingCodec)).generation.systemPrompt).toBe('')
    await expect(store.setDefaultSystemPrompt('x'.repeat(200_001))).rejects.toThrow('longer than 200,000 characters')
  })
})

describe('SettingsStore: prices', () => {
  const SONNET_LIST = { inputPerMillion: 3, outputPerMillion: 15 }
  const withPrices = {
    ...CLOUD_CONFIG,
    models: [{ ...CLOUD_CONFIG.models[0]!, reasoning: true, price: SONNET_LIST }, { ...CLOUD_CONFIG.models[1]! }],
  }

  it("costs a cloud model at the stack's list price until the user sets one, and a local model only at the user's", async () => {
    const { file } = await tempFile()
    const store = await SettingsStore.open(file, reversingCodec)
    await store.setCloudConfig(withPrices)
    // A local model may point at a paid endpoint: its price is the user's, there is no list price.
    expect(store.priceFor('llama3-2')).toBeUndefined()
    await store.setPrice('llama3-2', { inputPerMillion: 0.5, outputPerMillion: 1.5 })
    expect(store.priceFor('llama3-2')).toEqual({ inputPerMillion: 0.5, outputPerMillion: 1.5 })
    await store.setMode('cloud')
    const [sonnet, other] = withPrices.models
    expect(store.priceFor(sonnet!.id)).toEqual(SONNET_LIST)
    expect(store.priceFor(other!.id)).toBeUndefined()
    await store.setPrice(sonnet!.id, { inputPerMillion: 2, outputPerMillion: 10 })
    const reopened = await SettingsStore.open(file, reversingCodec)
    expect(reopened.priceFor(sonnet!.id)).toEqual({ inputPerMillion: 2, outputPerMillion: 10 })
    // The renderer sees the user's prices, and each cloud model's reasoning flag and list price (the default).
    expect(reopened.publicView().prices).toEqual({
      'llama3-2': { inputPerMillion: 0.5, outputPerMillion: 1.5 },
      [sonnet!.id]: { inputPerMillion: 2, outputPerMillion: 10 },
    })
    expect(reopened.publicView().cloud!.models).toEqual([
      {
        id: sonnet!.id,
        label: sonnet!.label,
        reasoning: true,
        price: SONNET_LIST,
        inputs: { images: true, documents: true },
      },
      { id: other!.id, label: other!.label, inputs: { images: false, documents: true } },
    ])
    // Null goes back to the list price.
    await reopened.setPrice(sonnet!.id, null)
    expect(reopened.priceFor(sonnet!.id)).toEqual(SONNET_LIST)
    expect(reopened.publicView().prices).not.toHaveProperty(sonnet!.id)
  })

  it.each([
    [{ inputPerMillion: -0.01, outputPerMillion: 1 }, 'Input price must be a number from 0 to 1,000'],
    [{ inputPerMillion: 1, outputPerMillion: 1_001 }, 'Output price must be a number from 0 to 1,000'],
    [{ inputPerMillion: Number.NaN, outputPerMillion: 1 }, 'Input price must be a number'],
    [{ inputPerMillion: 1 }, 'Output price must be a number'],
  ])('refuses %o with a message and saves nothing', async (price, message) => {
    const { file } = await tempFile()
    const store = await SettingsStore.open(file, reversingCodec)
    await store.setPrice('qwen2-5', { inputPerMillion: 1, outputPerMillion: 2 })
    await expect(store.setPrice('qwen2-5', price as never)).rejects.toThrow(message)
    const reopened = await SettingsStore.open(file, reversingCodec)
    expect(reopened.priceFor('qwen2-5')).toEqual({ inputPerMillion: 1, outputPerMillion: 2 })
  })

  it('refuses a price for an unknown model', async () => {
    const { file } = await tempFile()
    const store = await SettingsStore.open(file, reversingCodec)
    await expect(store.setPrice('nope', { inputPerMillion: 1, outputPerMillion: 1 })).rejects.toThrow(
      'Unknown model: nope',
    )
  })

  it('ignores a hand-edited price that does not check, keeping the rest of the file', async () => {
    const { file } = await tempFile()
    const store = await SettingsStore.open(file, reversingCodec)
    await store.setPrice('qwen2-5', { inputPerMillion: 1, outputPerMillion: 2 })
    const saved = JSON.parse(await readFile(file, 'utf8'))
    saved.prices['llama3-2'] = { inputPerMillion: 'free', outputPerMillion: 2 }
    await writeFile(file, JSON.stringify(saved))
    const reopened = await SettingsStore.open(file, reversingCodec)
    expect(reopened.notices).toEqual([])
    expect(reopened.priceFor('llama3-2')).toBeUndefined()
    expect(reopened.priceFor('qwen2-5')).toEqual({ inputPerMillion: 1, outputPerMillion: 2 })
  })
})

describe('SettingsStore: what a model reads', () => {
  it('guesses from the model name, takes the user’s override over it, and forgets it on null', async () => {
    const { file } = await tempFile()
    const store = await SettingsStore.open(file, reversingCodec)
    const view = await store.saveModel({ ...input, label: 'Vision', model: 'qwen2.5vl:7b' })
    const vision = view.models.find((m) => m.label === 'Vision')!
    expect(vision.inputs).toEqual({ images: true, documents: true })
    expect(store.inputsFor('llama3-2')).toEqual({ images: false, documents: true })

    await store.setModelInputs('llama3-2', { images: true })
    await store.setModelInputs(vision.id, { documents: false })
    const reopened = await SettingsStore.open(file, reversingCodec)
    expect(reopened.inputsFor('llama3-2')).toEqual({ images: true, documents: true })
    expect(reopened.inputsFor(vision.id)).toEqual({ images: true, documents: false })
    expect(reopened.publicView().models.find((m) => m.id === 'llama3-2')).toMatchObject({
      inputs: { images: true, documents: true },
      inputsSetByUser: true,
    })

    await reopened.setModelInputs('llama3-2', null)
    expect(reopened.inputsFor('llama3-2')).toEqual({ images: false, documents: true })
    expect(reopened.publicView().models.find((m) => m.id === 'llama3-2')).not.toHaveProperty('inputsSetByUser')
  })

  it('refuses images for an embedded model and an unknown model', async () => {
    const { file } = await tempFile()
    const store = await SettingsStore.open(file, reversingCodec)
    const view = await store.saveGgufModel({ file: 'llava-v1.6.Q4_K_M.gguf', label: 'Llava offline' })
    const gguf = view.models.find((m) => m.provider === 'gguf')!
    expect(gguf.inputs).toEqual({ images: false, documents: true })
    await expect(store.setModelInputs(gguf.id, { images: true })).rejects.toThrow('cannot read images')
    await expect(store.setModelInputs('nope', { images: true })).rejects.toThrow('Unknown model')
  })

  it('loads a settings file from before model inputs, and ignores an override that does not check', async () => {
    const { file } = await tempFile()
    const store = await SettingsStore.open(file, reversingCodec)
    await store.setModelInputs('qwen2-5', { images: true })
    const onDisk = JSON.parse(await readFile(file, 'utf8'))
    onDisk.modelInputs = { 'qwen2-5': { images: 'yes' }, 'llama3-2': 7 }
    await writeFile(file, JSON.stringify(onDisk))
    const reopened = await SettingsStore.open(file, reversingCodec)
    expect(reopened.notices).toEqual([])
    expect(reopened.inputsFor('qwen2-5')).toEqual({ images: false, documents: true })
  })
})
