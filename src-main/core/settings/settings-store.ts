/**
 * Model settings on disk (a JSON file in the user-data folder). API keys are encrypted at rest by the injected
 * codec (Electron's safeStorage in the app) and never leave the main process: the renderer sees `hasApiKey`.
 * Without real encryption, keys and a proxy URL with a password stay in memory for the session unless the user
 * chose to store them unencrypted (`storeSecretsUnencrypted`). A key belongs to the origin of its base URL.
 * A file that cannot be read is moved aside with a timestamp, never deleted, and the user is told.
 */
import { readFile, rename } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { IdSchema } from '../../protocol/stream-protocol'
import { CloudConfigSchema, type CloudConfig, type CloudModel } from '../../protocol/cloud-config'
import type {
  AppMode,
  AppPreferences,
  CloudModelEntry,
  ModelEntry,
  ModelInput,
  PublicSettings,
  SecretStorageStatus,
} from '../../shared/ipc-contract'
import {
  BASE_URL_CREDENTIALS_MESSAGE,
  hasUrlCredentials,
  sendsKeyInClearText,
  urlOrigin,
} from '../../shared/server-address'
import type { SecretCodec } from './secret-storage'
import { installedModelId } from '../models/installed-models'
import { AtomicFile } from '../../lib/atomic-write'
import { DEFAULT_QUICK_ASK_SHORTCUT } from './accelerator'
import {
  DEFAULT_CLOUD_MAX_OUTPUT_TOKENS,
  effectiveParameters,
  MAX_SYSTEM_PROMPT_CHARS,
  parameterProblems,
  PARAMETER_LIMITS,
  REASONING_EFFORTS,
  type GenerationParameters,
} from '../../shared/generation'
import type { GenerationSettings } from '../../shared/ipc-contract'
import { isModelPrice, priceProblems, type ModelPrice } from '../../shared/price'
import type { ModelInputs } from '../../shared/attachment'
import type { ModelIdentity } from '../../shared/model-inputs'
import { effectiveInputs, overrideProblem, readInputOverrides } from './model-input-overrides'
import { userMessage, type UserMessage } from '../../shared/user-message'

export { plainTextCodec, unencryptedCodec, type SecretCodec } from './secret-storage'

const OpenAiModelSchema = z.object({
  id: IdSchema,
  label: z.string().min(1).max(80),
  provider: z.literal('openai-compatible'),
  baseUrl: z.string().url(),
  model: z.string().min(1).max(200),
  encryptedApiKey: z.string().optional(),
})

/** A GGUF file in the app's models folder, run in-process by node-llama-cpp: a bare file name, never a path. */
export const GgufFileNameSchema = z
  .string()
  .max(255)
  .regex(/^[^/\\\0]+\.gguf$/i, 'a .gguf file name without a folder')
  .refine((name) => !name.startsWith('.'), 'a .gguf file name without a folder')

const GgufModelSchema = z.object({
  id: IdSchema,
  label: z.string().min(1).max(80),
  provider: z.literal('gguf'),
  file: GgufFileNameSchema,
})

// Settings files written before embedded models hold only OpenAI-compatible entries, which still parse as they are.
const StoredModelSchema = z.discriminatedUnion('provider', [OpenAiModelSchema, GgufModelSchema])
type StoredModel = z.infer<typeof StoredModelSchema>
type StoredOpenAiModel = z.infer<typeof OpenAiModelSchema>

const { temperature, topP, maxOutputTokens } = PARAMETER_LIMITS
/**
 * Stored parameters: a value out of range (a hand-edited file) is dropped on its own, never a reason to set the
 * whole settings file aside. Saving checks ranges with parameterProblems and refuses with its messages.
 */
const StoredParametersSchema = z.object({
  temperature: z.number().min(temperature.min).max(temperature.max).optional().catch(undefined),
  topP: z.number().min(topP.min).max(topP.max).optional().catch(undefined),
  maxOutputTokens: z.int().min(maxOutputTokens.min).max(maxOutputTokens.max).optional().catch(undefined),
  reasoning: z.enum(REASONING_EFFORTS).optional().catch(undefined),
})

const StoredSettingsSchema = z.object({
  version: z.literal(1),
  models: z.array(StoredModelSchema).max(50),
  selectedModelIds: z.array(IdSchema),
  mode: z.optional(z.enum(['local', 'cloud'])),
  /** The stack outputs of a deployed cloud backend, and which of its models are picked. */
  cloud: z.optional(z.object({ config: CloudConfigSchema, selectedModelIds: z.array(IdSchema) })),
  /** Proxy URL for cloud mode (it may hold credentials, so it is kept encrypted like the API keys). */
  encryptedProxyUrl: z.optional(z.string()),
  preferences: z.optional(
    z.object({
      quickAskShortcut: z.optional(z.string().max(100)),
      closeToTray: z.optional(z.boolean()),
      prefillFromClipboard: z.optional(z.boolean()),
      sendKey: z.optional(z.enum(['enter', 'mod-enter'])),
      language: z.optional(z.enum(['system', 'en', 'ja'])),
      storeSecretsUnencrypted: z.optional(z.boolean()),
    }),
  ),
  /** App-wide generation defaults, per-model overrides (by model id, local or cloud) and the default system prompt. */
  generation: z.optional(
    z.object({
      defaults: z.optional(StoredParametersSchema),
      models: z.optional(z.record(IdSchema, StoredParametersSchema)),
      systemPrompt: z.optional(z.string().max(MAX_SYSTEM_PROMPT_CHARS)),
    }),
  ),
  /**
   * The user's price per model id (local or cloud), over a cloud model's list price. A price that does not check
   * (a hand-edited file) is ignored on its own when read, never a reason to set the whole file aside.
   */
  prices: z.optional(z.record(IdSchema, z.unknown())),
  /** What each model reads (images, documents) where the user overrode the guess from its name; see model-input-overrides. */
  modelInputs: z.optional(z.record(IdSchema, z.unknown())),
})
type StoredSettings = z.infer<typeof StoredSettingsSchema>

export const DEFAULT_PREFERENCES: AppPreferences = {
  quickAskShortcut: DEFAULT_QUICK_ASK_SHORTCUT,
  closeToTray: true,
  prefillFromClipboard: false,
  sendKey: 'enter',
  language: 'system',
  storeSecretsUnencrypted: false,
}

/** Where a secret belongs while it is held in memory only: a model's key, or the proxy URL. */
type SecretSlot = `model:${string}` | 'proxy'
/** Changes to the session's secrets that go with a save: a value keeps it in memory, undefined drops it. */
type SessionChanges = Map<SecretSlot, string | undefined>

export const DEFAULT_LOCAL_BASE_URL = 'http://127.0.0.1:11434/v1'

/** Two small models Ollama serves with `ollama pull`, so a first prompt compares two answers side by side. */
export function defaultSettings(): StoredSettings {
  return {
    version: 1,
    models: [
      {
        id: 'llama3-2',
        label: 'Llama 3.2',
        provider: 'openai-compatible',
        baseUrl: DEFAULT_LOCAL_BASE_URL,
        model: 'llama3.2',
      },
      {
        id: 'qwen2-5',
        label: 'Qwen 2.5',
        provider: 'openai-compatible',
        baseUrl: DEFAULT_LOCAL_BASE_URL,
        model: 'qwen2.5',
      },
    ],
    selectedModelIds: ['llama3-2', 'qwen2-5'],
  }
}

export interface ResolvedModel {
  provider: 'openai-compatible'
  id: string
  label: string
  baseUrl: string
  model: string
  apiKey?: string
}

/** An embedded model: `file` is in the app's models folder (`modelsDirectory(userData)`). */
export interface ResolvedGgufModel {
  provider: 'gguf'
  id: string
  label: string
  file: string
}

export class SettingsStore {
  private readonly file: AtomicFile
  /** Secrets kept for this session only (no real encryption and no consent to store them unencrypted). */
  private readonly sessionSecrets = new Map<SecretSlot, string>()

  private constructor(
    filePath: string,
    private settings: StoredSettings,
    private readonly secrets: SecretCodec,
    /** Messages for the user about what happened while loading (e.g. a damaged file was set aside). */
    readonly notices: readonly UserMessage[],
  ) {
    this.file = new AtomicFile(filePath, { mode: 0o600 })
  }

  static async open(filePath: string, secrets: SecretCodec, now = new Date()): Promise<SettingsStore> {
    let text: string
    try {
      text = await readFile(filePath, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return new SettingsStore(filePath, defaultSettings(), secrets, [])
      throw error
    }
    let settings: StoredSettings
    try {
      settings = StoredSettingsSchema.parse(JSON.parse(text))
    } catch {
      const asidePath = `${filePath}.damaged-${now.toISOString().replace(/[:.]/g, '-')}`
      await rename(filePath, asidePath)
      const notice = userMessage('settings:set-aside', { path: asidePath })
      return new SettingsStore(filePath, defaultSettings(), secrets, [notice])
    }
    const store = new SettingsStore(filePath, settings, secrets, unreadableKeyNotices(settings, secrets))
    await store.encryptReadableSecrets()
    return store
  }

  /**
   * With a keychain now, secrets written readable before (no keychain then, or an earlier version's `plain:`) are
   * encrypted at once, so that the file holds nothing readable while Settings says secrets are encrypted.
   */
  private async encryptReadableSecrets(): Promise<void> {
    const { encrypts, isEncrypted } = this.secrets
    if (!encrypts || !isEncrypted) return
    const stored = [...this.settings.models.map((m) => (m.provider === 'gguf' ? undefined : m.encryptedApiKey))]
    const proxy = this.readStored(this.settings.encryptedProxyUrl)
    if (proxy !== undefined && hasUrlCredentials(proxy)) stored.push(this.settings.encryptedProxyUrl)
    if (stored.every((value) => value === undefined || isEncrypted(value))) return
    await this.replace(...this.withSecretsMoved(this.settings, true))
  }

  publicView(): PublicSettings {
    const { cloud } = this.settings
    return {
      mode: this.mode,
      preferences: this.preferences,
      // A key counts when it can be used: one the keychain can no longer read does not (see unreadableKeyNotices).
      models: this.settings.models.map((m) => ({
        ...toEntry(m, m.provider !== 'gguf' && this.secret(`model:${m.id}`, m.encryptedApiKey) !== undefined),
        ...this.inputsView(m.id, identityOf(m)),
      })),
      selectedModelIds: [...(this.mode === 'cloud' && cloud ? cloud.selectedModelIds : this.settings.selectedModelIds)],
      ...(cloud
        ? {
            cloud: {
              region: cloud.config.region,
              models: cloud.config.models.map((m) => ({
                ...publicCloudModel(m),
                ...this.inputsView(m.id, cloudIdentityOf(m)),
              })),
            },
          }
        : {}),
      hasProxy: this.settings.encryptedProxyUrl !== undefined,
      ...proxyHostOf(this.proxyUrl),
      generation: this.generation,
      prices: this.prices,
      secretStorage: this.secretStorage,
    }
  }

  /** What Settings tells the user about how secrets are kept (counts only, never a secret). */
  get secretStorage(): SecretStorageStatus {
    const { encrypts, weakness } = this.secrets
    const sessionOnly = this.sessionSecrets.size
    if (encrypts) return { encrypted: true, sessionOnly, unencryptedOnDisk: 0 }
    const keys = this.settings.models.filter((m) => m.provider !== 'gguf' && m.encryptedApiKey !== undefined)
    const proxy = this.readStored(this.settings.encryptedProxyUrl)
    const proxyPassword = proxy !== undefined && hasUrlCredentials(proxy) ? 1 : 0
    return {
      encrypted: false,
      ...(weakness ? { weakness } : {}),
      sessionOnly,
      unencryptedOnDisk: keys.length + proxyPassword,
    }
  }

  /** The prices the user set, by model id (a cloud model's list price is in `cloud.models`). */
  get prices(): Record<string, ModelPrice> {
    return Object.fromEntries(
      Object.entries(this.settings.prices ?? {}).flatMap(([id, price]) =>
        isModelPrice(price)
          ? [[id, { inputPerMillion: price.inputPerMillion, outputPerMillion: price.outputPerMillion }]]
          : [],
      ),
    )
  }

  /**
   * Sets one model's price (local models too: they may point at a paid endpoint), or with null goes back to its
   * list price. A price out of range is refused with the reasons, nothing is saved then.
   */
  async setPrice(modelId: string, price: ModelPrice | null): Promise<PublicSettings> {
    if (price !== null) {
      const problems = priceProblems(price)
      if (problems.length > 0) throw new Error(problems.join(' '))
    }
    if (!this.has(modelId)) throw new Error(`Unknown model: ${modelId}`)
    const { [modelId]: _previous, ...others } = this.prices
    const prices =
      price === null
        ? others
        : { ...others, [modelId]: { inputPerMillion: price.inputPerMillion, outputPerMillion: price.outputPerMillion } }
    await this.replace({ ...this.settings, prices })
    return this.publicView()
  }

  /** What a model of the current mode reads besides text (its default from its name, or the user's override). */
  inputsFor(modelId: string): ModelInputs {
    const identity = this.identityOf(modelId)
    if (identity === undefined) return { images: false, documents: false }
    return effectiveInputs(identity, readInputOverrides(this.settings.modelInputs)[modelId])
  }

  /** Overrides what a model reads (a field left out keeps its default), or with null goes back to the defaults. */
  async setModelInputs(modelId: string, inputs: Partial<ModelInputs> | null): Promise<PublicSettings> {
    const identity = this.identityOf(modelId)
    if (identity === undefined) throw new Error(`Unknown model: ${modelId}`)
    const problem = inputs && overrideProblem(identity, inputs)
    if (problem) throw new Error(problem)
    const { [modelId]: _previous, ...others } = readInputOverrides(this.settings.modelInputs)
    const modelInputs =
      inputs === null ? others : { ...others, [modelId]: readInputOverrides({ x: inputs })['x'] ?? {} }
    await this.replace({ ...this.settings, modelInputs })
    return this.publicView()
  }

  private identityOf(modelId: string): ModelIdentity | undefined {
    if (this.mode === 'cloud') {
      const model = this.settings.cloud?.config.models.find((m) => m.id === modelId)
      return model && cloudIdentityOf(model)
    }
    const model = this.settings.models.find((m) => m.id === modelId)
    return model && identityOf(model)
  }

  private inputsView(modelId: string, identity: ModelIdentity): { inputs: ModelInputs; inputsSetByUser?: true } {
    const override = readInputOverrides(this.settings.modelInputs)[modelId]
    return { inputs: effectiveInputs(identity, override), ...(override ? { inputsSetByUser: true as const } : {}) }
  }

  /**
   * The price an answer of this model is costed at now: the user's, else (in cloud mode) the stack's list price;
   * undefined when neither is known.
   */
  priceFor(modelId: string): ModelPrice | undefined {
    const own = this.prices[modelId]
    if (own) return own
    if (this.mode !== 'cloud') return undefined
    return this.settings.cloud?.config.models.find((m) => m.id === modelId)?.price
  }

  get generation(): GenerationSettings {
    const { defaults, models, systemPrompt } = this.settings.generation ?? {}
    return {
      defaults: withoutUnset(defaults ?? {}),
      models: Object.fromEntries(Object.entries(models ?? {}).map(([id, p]) => [id, withoutUnset(p)])),
      systemPrompt: systemPrompt ?? '',
    }
  }

  /**
   * Saves the app-wide defaults (`modelId` absent) or one model's overrides; an empty set removes the overrides.
   * Out-of-range values are refused with the reasons, nothing is saved then.
   */
  async setParameters(parameters: GenerationParameters, modelId?: string): Promise<PublicSettings> {
    const problems = parameterProblems(parameters as Record<string, unknown>)
    if (problems.length > 0) throw new Error(problems.join(' '))
    if (modelId !== undefined && !this.has(modelId)) throw new Error(`Unknown model: ${modelId}`)
    const clean = withoutUnset(parameters)
    const generation = { ...this.settings.generation }
    if (modelId === undefined) generation.defaults = clean
    else {
      const { [modelId]: _previous, ...others } = generation.models ?? {}
      generation.models = Object.keys(clean).length > 0 ? { ...others, [modelId]: clean } : others
    }
    await this.replace({ ...this.settings, generation })
    return this.publicView()
  }

  /** The system prompt quick ask and new conversations start with; '' for none. */
  async setDefaultSystemPrompt(text: string): Promise<PublicSettings> {
    if (text.length > MAX_SYSTEM_PROMPT_CHARS)
      throw new Error(`The system prompt is longer than ${MAX_SYSTEM_PROMPT_CHARS.toLocaleString('en-US')} characters.`)
    const { systemPrompt: _previous, ...rest } = this.settings.generation ?? {}
    await this.replace({ ...this.settings, generation: text.trim() === '' ? rest : { ...rest, systemPrompt: text } })
    return this.publicView()
  }

  /**
   * The parameters one model is asked with: its overrides over the defaults. A cloud model with no max output
   * tokens gets DEFAULT_CLOUD_MAX_OUTPUT_TOKENS, so an answer cannot silently run to the model's maximum.
   */
  parametersFor(modelId: string): GenerationParameters {
    const { defaults, models } = this.generation
    return effectiveParameters(defaults, models[modelId], {
      canReason: true, // the backend knows which models can reason and drops it for the others
      ...(this.mode === 'cloud' ? { defaultMaxOutputTokens: DEFAULT_CLOUD_MAX_OUTPUT_TOKENS } : {}),
    })
  }

  get preferences(): AppPreferences {
    return { ...DEFAULT_PREFERENCES, ...this.settings.preferences }
  }

  async setPreferences(changes: Partial<AppPreferences>): Promise<PublicSettings> {
    const next = { ...this.settings, preferences: { ...this.settings.preferences, ...changes } }
    const storing = changes.storeSecretsUnencrypted
    if (storing === undefined || this.secrets.encrypts) await this.replace(next)
    else await this.replace(...this.withSecretsMoved(next, storing))
    return this.publicView()
  }

  /**
   * The settings with every secret written to the file (the user chose to store them unencrypted), or taken out of
   * it into memory (they chose not to). The session's copies follow once the file is saved (see `replace`).
   */
  private withSecretsMoved(next: StoredSettings, toDisk: boolean): [StoredSettings, SessionChanges] {
    const moved: SessionChanges = new Map()
    const move = (slot: SecretSlot, stored: string | undefined): string | undefined => {
      const plain = this.sessionSecrets.get(slot) ?? this.readStored(stored)
      moved.set(slot, toDisk ? undefined : plain)
      return toDisk && plain !== undefined ? this.secrets.encrypt(plain) : undefined
    }
    const models = next.models.map((m) => {
      if (m.provider === 'gguf') return m
      const { encryptedApiKey: _previous, ...rest } = m
      const encryptedApiKey = move(`model:${m.id}`, m.encryptedApiKey)
      return encryptedApiKey ? { ...rest, encryptedApiKey } : rest
    })
    const { encryptedProxyUrl: _previous, ...rest } = next
    const proxy = this.readStored(next.encryptedProxyUrl)
    const encryptedProxyUrl =
      proxy !== undefined && !hasUrlCredentials(proxy) ? next.encryptedProxyUrl : move('proxy', next.encryptedProxyUrl)
    return [{ ...rest, models, ...(encryptedProxyUrl ? { encryptedProxyUrl } : {}) }, moved]
  }

  /** Whether a secret may be written to the file: really encrypted, or the user chose to store it unencrypted. */
  private get persistsSecrets(): boolean {
    return this.secrets.encrypts || this.preferences.storeSecretsUnencrypted
  }

  /**
   * A secret as it goes into the file (`stored`), or kept in memory for this session (`session`, applied once the
   * file is saved). `plain` undefined: the secret is removed from both.
   */
  private placeSecret(slot: SecretSlot, plain: string | undefined): { stored?: string; session: SessionChanges } {
    const inMemory = plain !== undefined && !this.persistsSecrets
    const session: SessionChanges = new Map([[slot, inMemory ? plain : undefined]])
    return plain === undefined || inMemory ? { session } : { stored: this.secrets.encrypt(plain), session }
  }

  /** A secret from the session, else from the file; one the codec can no longer read (a new keychain) is absent. */
  private secret(slot: SecretSlot, stored: string | undefined): string | undefined {
    return this.sessionSecrets.get(slot) ?? this.readStored(stored)
  }

  private readStored(stored: string | undefined): string | undefined {
    if (stored === undefined) return undefined
    try {
      return this.secrets.decrypt(stored)
    } catch {
      return undefined
    }
  }

  get mode(): AppMode {
    return this.settings.mode === 'cloud' && this.settings.cloud ? 'cloud' : 'local'
  }

  get cloudConfig(): CloudConfig | undefined {
    return this.settings.cloud?.config
  }

  get proxyUrl(): string | undefined {
    return this.secret('proxy', this.settings.encryptedProxyUrl)
  }

  /** Whether `modelId` names a model of the current mode. */
  has(modelId: string): boolean {
    return this.modelLabel(modelId) !== undefined
  }

  /** The label of a model of the current mode: a local entry, or one of the cloud backend's models. */
  modelLabel(modelId: string): string | undefined {
    const models = this.mode === 'cloud' ? this.settings.cloud!.config.models : this.settings.models
    return models.find((m) => m.id === modelId)?.label
  }

  async setMode(mode: AppMode): Promise<PublicSettings> {
    if (mode === 'cloud' && !this.settings.cloud)
      throw new Error("Load your cloud backend's settings first (Settings → Cloud).")
    await this.replace({ ...this.settings, mode })
    return this.publicView()
  }

  /** Stores a deployed backend's outputs; the picked cloud models default to the first two. */
  async setCloudConfig(config: CloudConfig): Promise<PublicSettings> {
    const ids = new Set(config.models.map((m) => m.id))
    const kept = (this.settings.cloud?.selectedModelIds ?? []).filter((id) => ids.has(id))
    const selectedModelIds = kept.length > 0 ? kept : config.models.slice(0, 2).map((m) => m.id)
    await this.replace({ ...this.settings, cloud: { config, selectedModelIds } })
    return this.publicView()
  }

  /** A proxy URL without a password is no secret: it is kept on disk even without encryption. */
  async setProxyUrl(url: string | null): Promise<PublicSettings> {
    const { encryptedProxyUrl: _previous, ...rest } = this.settings
    const secret = url && hasUrlCredentials(url) ? url : undefined
    const placed = this.placeSecret('proxy', secret)
    const stored = url && !secret ? this.secrets.encrypt(url) : placed.stored
    await this.replace(stored ? { ...rest, encryptedProxyUrl: stored } : rest, placed.session)
    return this.publicView()
  }

  /** The model with its key decrypted, for the main process's own use only. */
  resolve(modelId: string): ResolvedModel | ResolvedGgufModel | undefined {
    const stored = this.settings.models.find((m) => m.id === modelId)
    if (!stored) return undefined
    if (stored.provider === 'gguf') return { provider: 'gguf', id: stored.id, label: stored.label, file: stored.file }
    const { id, label, baseUrl, model, encryptedApiKey } = stored
    return {
      provider: 'openai-compatible',
      id,
      label,
      baseUrl,
      model,
      ...withKey(this.secret(`model:${id}`, encryptedApiKey)),
    }
  }

  /**
   * Adds a model column for a GGUF file in the models folder (or renames the one it has), selected with the others.
   * Its id is `installedModelId(file)` (e.g. `gguf:qwen2.5-0.5b-instruct-q4_k_m`) unless that id is taken.
   */
  async saveGgufModel(input: { file: string; label: string; id?: string }): Promise<PublicSettings> {
    const file = GgufFileNameSchema.parse(input.file)
    const existing = this.settings.models.find((m) => m.provider === 'gguf' && m.file === file)
    const taken = new Set(this.settings.models.map((m) => m.id))
    const preferred = input.id ?? installedModelId(file)
    const id = existing?.id ?? (taken.has(preferred) ? newModelId(input.label) : preferred)
    const model: StoredModel = { id, label: input.label, provider: 'gguf', file }
    const models = existing
      ? this.settings.models.map((m) => (m.id === id ? model : m))
      : [...this.settings.models, model]
    const selectedModelIds = existing ? this.settings.selectedModelIds : [...this.settings.selectedModelIds, id]
    await this.replace({ ...this.settings, models, selectedModelIds })
    return this.publicView()
  }

  /** Removes the columns of a GGUF file (e.g. when the file is deleted from the models folder). */
  async removeGgufModels(file: string): Promise<PublicSettings> {
    const ids = new Set(this.settings.models.filter((m) => m.provider === 'gguf' && m.file === file).map((m) => m.id))
    if (ids.size === 0) return this.publicView()
    await this.replace({
      ...this.settings,
      models: this.settings.models.filter((m) => !ids.has(m.id)),
      selectedModelIds: this.settings.selectedModelIds.filter((id) => !ids.has(id)),
    })
    return this.publicView()
  }

  async saveModel(input: ModelInput): Promise<PublicSettings> {
    const found = input.id === undefined ? undefined : this.settings.models.find((m) => m.id === input.id)
    if (input.id !== undefined && !found) throw new Error(`No model with the id "${input.id}"`)
    // An embedded model's file is not edited here: only its label follows.
    if (found?.provider === 'gguf') return this.saveGgufModel({ file: found.file, label: input.label })
    if (input.provider === 'gguf') throw new Error('Embedded models are added from the models folder.')
    const existing = found as StoredOpenAiModel | undefined
    if (hasUrlCredentials(input.baseUrl)) throw new Error(BASE_URL_CREDENTIALS_MESSAGE)
    const id = existing?.id ?? newModelId(input.label)
    const keptKey = existing && this.secret(`model:${id}`, existing.encryptedApiKey) !== undefined
    if (input.apiKey === undefined && keptKey && urlOrigin(existing.baseUrl) !== urlOrigin(input.baseUrl))
      throw new Error(
        `The server address now points to ${urlOrigin(input.baseUrl) ?? 'another server'}: enter the API key again. ` +
          'A key is only sent to the server it was saved for.',
      )
    const sendsKey = input.apiKey ? true : input.apiKey === undefined && keptKey
    if (sendsKey && sendsKeyInClearText(input.baseUrl) && !input.allowKeyOverHttp)
      throw new Error(
        `${urlOrigin(input.baseUrl)} is reached over plain http://, so the API key would cross the network ` +
          'unencrypted. Use https://, or confirm that you want to send it in clear text.',
      )
    const placed = input.apiKey === undefined ? undefined : this.placeSecret(`model:${id}`, input.apiKey || undefined)
    const encryptedApiKey = placed ? placed.stored : existing?.encryptedApiKey
    const model: StoredModel = {
      id,
      label: input.label,
      provider: 'openai-compatible',
      baseUrl: input.baseUrl,
      model: input.model,
      ...(encryptedApiKey ? { encryptedApiKey } : {}),
    }
    const models = existing
      ? this.settings.models.map((m) => (m.id === model.id ? model : m))
      : [...this.settings.models, model]
    const selectedModelIds = existing ? this.settings.selectedModelIds : [...this.settings.selectedModelIds, model.id]
    await this.replace({ ...this.settings, models, selectedModelIds }, placed?.session)
    return this.publicView()
  }

  async removeModel(modelId: string): Promise<PublicSettings> {
    await this.replace(
      {
        ...this.settings,
        models: this.settings.models.filter((m) => m.id !== modelId),
        selectedModelIds: this.settings.selectedModelIds.filter((id) => id !== modelId),
      },
      new Map([[`model:${modelId}` as const, undefined]]),
    )
    return this.publicView()
  }

  async selectModels(modelIds: string[]): Promise<PublicSettings> {
    const unknown = modelIds.filter((id) => !this.has(id))
    if (unknown.length > 0) throw new Error(`Unknown model: ${unknown.join(', ')}`)
    const selectedModelIds = [...new Set(modelIds)]
    const { cloud } = this.settings
    await this.replace(
      this.mode === 'cloud' && cloud
        ? { ...this.settings, cloud: { ...cloud, selectedModelIds } }
        : { ...this.settings, selectedModelIds },
    )
    return this.publicView()
  }

  /** Saves atomically (a crash never leaves half a file), then makes `next` the settings in use. */
  private async replace(next: StoredSettings, session?: SessionChanges): Promise<void> {
    await this.file.write(`${JSON.stringify(next, null, 2)}\n`)
    this.settings = next
    for (const [slot, plain] of session ?? []) {
      if (plain === undefined) this.sessionSecrets.delete(slot)
      else this.sessionSecrets.set(slot, plain)
    }
  }
}

/**
 * A saved API key the codec can no longer decrypt (the OS keychain was reset, or the file came from another
 * computer): said in words the user can act on, instead of the keychain's own error or a server's 401 later.
 */
function unreadableKeyNotices(settings: StoredSettings, secrets: SecretCodec): UserMessage[] {
  return settings.models.flatMap((model) => {
    if (model.provider === 'gguf' || model.encryptedApiKey === undefined) return []
    try {
      secrets.decrypt(model.encryptedApiKey)
      return []
    } catch {
      return [userMessage('settings:key-unreadable', { model: model.label })]
    }
  })
}

function toEntry(stored: StoredModel, hasApiKey: boolean): Omit<ModelEntry, 'inputs'> {
  if (stored.provider === 'gguf')
    return {
      id: stored.id,
      label: stored.label,
      provider: 'gguf',
      baseUrl: '',
      model: stored.file,
      file: stored.file,
      hasApiKey: false,
    }
  const { id, label, provider, baseUrl, model } = stored
  return { id, label, provider, baseUrl, model, hasApiKey }
}

function identityOf(stored: StoredModel): ModelIdentity {
  return stored.provider === 'gguf'
    ? { provider: 'gguf', model: stored.file, label: stored.label }
    : { provider: 'openai-compatible', model: stored.model, label: stored.label }
}

/** A cloud column is known by its id and label (the stack's outputs do not name its provider model). */
function cloudIdentityOf({ id, label }: CloudModel): ModelIdentity {
  return { provider: 'cloud', model: id, label }
}

/** What the renderer knows of a cloud model: whether it can reason and its list price, where the stack says. */
function publicCloudModel({ id, label, reasoning, price }: CloudModel): Omit<CloudModelEntry, 'inputs'> {
  return { id, label, ...(reasoning !== undefined ? { reasoning } : {}), ...(price ? { price } : {}) }
}

function withKey(apiKey: string | undefined): { apiKey?: string } {
  return apiKey === undefined ? {} : { apiKey }
}

function withoutUnset(parameters: GenerationParameters): GenerationParameters {
  return Object.fromEntries(Object.entries(parameters).filter(([, value]) => value !== undefined))
}

function newModelId(label: string): string {
  const slug = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40)
  return `${slug || 'model'}-${randomBytes(3).toString('hex')}`
}

/** `{ proxyHost: 'proxy.example.com:8080' }` for a readable proxy URL: `URL.host` holds no credentials. */
function proxyHostOf(proxyUrl: string | undefined): { proxyHost?: string } {
  if (proxyUrl === undefined || !URL.canParse(proxyUrl)) return {}
  return { proxyHost: new URL(proxyUrl).host }
}
