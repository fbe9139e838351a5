/**
 * The chat Lambda's models: a catalog in the STREAMDESK_MODELS environment variable (JSON, written by the CDKTF
 * stack from its configuration), and a ModelResolver over it. Bedrock models stream through ConverseStream; models
 * behind an OpenAI-compatible API get their key from Secrets Manager when first used, cached for the Lambda's
 * lifetime, so no key is ever in the bundle, the environment or the Terraform configuration.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime'
import { z } from 'zod'
import { IdSchema } from '../protocol/stream-protocol'
import { ModelPriceSchema } from '../protocol/cloud-config'
import { ModelError, type ModelProvider, type ModelResolver } from './model-provider'
import { createBedrockConverseProvider, THINKING_BUDGETS } from './providers/bedrock-converse'
import { createOpenAiCompatibleProvider } from './providers/openai-compatible'
import { LAMBDA_ENV } from './lambda/lambda-env'
import { errorMessage } from '../lib/error-message'
import { DEFAULT_CLOUD_MAX_OUTPUT_TOKENS, type GenerationParameters } from '../shared/generation'

const MODEL_CATALOG_ENV = LAMBDA_ENV.models

const LabelSchema = z.string().trim().min(1).max(100)
/** Secrets Manager ARNs end in the secret's name and six random characters. */
export const SecretArnSchema = z
  .string()
  .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/, 'a Secrets Manager secret ARN')

export const BedrockModelEntrySchema = z.strictObject({
  id: IdSchema,
  label: LabelSchema,
  provider: z.literal('bedrock'),
  /** A foundation model id, an inference profile id (`us.anthropic.…`) or a model/profile ARN. */
  modelId: z.string().regex(/^[A-Za-z0-9._:/-]{1,2048}$/, 'a Bedrock model id, inference profile id or ARN'),
  /** The answer's max tokens when the user sets none; DEFAULT_CLOUD_MAX_OUTPUT_TOKENS when absent. */
  maxTokens: z.int().min(1).max(1_000_000).optional(),
  /** The model can think on request (Claude 3.7 and later); a reasoning setting is dropped for any other. */
  reasoning: z.boolean().optional(),
  /** List price in USD per million tokens: the app's default for the answer's estimated cost (the Lambda never reads it). */
  price: ModelPriceSchema.optional(),
})

export const OpenAiCompatibleModelEntrySchema = z.strictObject({
  id: IdSchema,
  label: LabelSchema,
  provider: z.literal('openai-compatible'),
  baseUrl: z.url({ protocol: /^https?$/ }),
  model: z.string().min(1).max(256),
  apiKeySecretArn: SecretArnSchema.optional(),
  /** As for Bedrock. */
  maxTokens: z.int().min(1).max(1_000_000).optional(),
  /** The model reads `reasoning_effort`; a reasoning setting is dropped for any other. */
  reasoning: z.boolean().optional(),
  /** List price in USD per million tokens: the app's default for the answer's estimated cost (the Lambda never reads it). */
  price: ModelPriceSchema.optional(),
})

export const ModelCatalogSchema = z
  .array(z.discriminatedUnion('provider', [BedrockModelEntrySchema, OpenAiCompatibleModelEntrySchema]))
  .min(1)
  .max(50)
  .refine((models) => new Set(models.map((m) => m.id)).size === models.length, 'model ids must be unique')
export type ModelCatalog = z.infer<typeof ModelCatalogSchema>
export type ModelCatalogEntry = ModelCatalog[number]

/** The catalog as the chat Lambda gets it: prices are for the app only, and the Lambda's environment is small (4 KB). */
export function lambdaCatalog(catalog: ModelCatalog): ModelCatalog {
  return catalog.map(({ price: _price, ...entry }) => entry)
}

/** Parses the catalog's JSON text; throws an Error listing every problem (the Lambda then refuses to start). */
export function parseModelCatalog(json: string | undefined): ModelCatalog {
  if (json === undefined || json.trim() === '') throw new Error(`${MODEL_CATALOG_ENV} is not set.`)
  let raw: unknown
  try {
    raw = JSON.parse(json)
  } catch (error) {
    throw new Error(`${MODEL_CATALOG_ENV} is not JSON: ${errorMessage(error)}`, { cause: error })
  }
  const parsed = ModelCatalogSchema.safeParse(raw)
  if (!parsed.success)
    throw new Error(`${MODEL_CATALOG_ENV} is not a valid model catalog:\n${z.prettifyError(parsed.error)}`)
  return parsed.data
}

export interface CloudModelResolverDeps {
  catalog: ModelCatalog
  bedrock: BedrockRuntimeClient
  secrets: SecretsManagerClient
  /** For OpenAI-compatible models; the global fetch by default. */
  fetch?: typeof fetch
}

export function createCloudModelResolver(deps: CloudModelResolverDeps): ModelResolver {
  const readApiKey = cachedSecretReader(deps.secrets)
  const providers = new Map(deps.catalog.map((entry) => [entry.id, providerFor(entry, deps, readApiKey)]))
  return { resolve: (modelId) => providers.get(modelId) }
}

/**
 * A cloud model's provider, behind the catalog's limits: an answer's max tokens is the user's, else the entry's,
 * else DEFAULT_CLOUD_MAX_OUTPUT_TOKENS, so no answer silently runs to the model's maximum (and its cost); a model
 * the catalog does not declare as reasoning never gets a reasoning request, which it would refuse.
 */
function providerFor(
  entry: ModelCatalogEntry,
  deps: CloudModelResolverDeps,
  readApiKey: (secretArn: string) => Promise<string>,
): ModelProvider {
  const inner = innerProviderFor(entry, deps, readApiKey)
  return {
    stream: (request) => inner.stream({ ...request, parameters: catalogParameters(entry, request.parameters) }),
    // What the handler prepares attachments as: Bedrock blocks, or OpenAI-compatible content parts (data URLs).
    attachmentTarget: entry.provider === 'bedrock' ? 'bedrock' : 'openai-compatible',
  }
}

export function catalogParameters(
  entry: Pick<ModelCatalogEntry, 'maxTokens' | 'reasoning'>,
  parameters: GenerationParameters = {},
): GenerationParameters {
  const { reasoning, ...rest } = parameters
  return {
    ...rest,
    maxOutputTokens: parameters.maxOutputTokens ?? entry.maxTokens ?? DEFAULT_CLOUD_MAX_OUTPUT_TOKENS,
    ...(reasoning !== undefined && entry.reasoning === true ? { reasoning } : {}),
  }
}

/**
 * The most output tokens one answer of this model may produce with these parameters: its max output tokens (the
 * user's, the entry's or the default), plus Claude's thinking budget, which Bedrock adds on top when it reasons.
 * The spend guard reserves this much before the model is called.
 */
export function outputTokenBound(
  entry: Pick<ModelCatalogEntry, 'provider' | 'maxTokens' | 'reasoning'>,
  parameters?: GenerationParameters,
): number {
  const { maxOutputTokens = DEFAULT_CLOUD_MAX_OUTPUT_TOKENS, reasoning } = catalogParameters(entry, parameters)
  return maxOutputTokens + (reasoning !== undefined && entry.provider === 'bedrock' ? THINKING_BUDGETS[reasoning] : 0)
}

/** outputTokenBound for a catalog's model by id; 0 for a model it does not have (which is never called). */
export function catalogOutputBound(
  catalog: ModelCatalog,
): (modelId: string, parameters?: GenerationParameters) => number {
  const entries = new Map(catalog.map((entry) => [entry.id, entry]))
  return (modelId, parameters) => {
    const entry = entries.get(modelId)
    return entry ? outputTokenBound(entry, parameters) : 0
  }
}

function innerProviderFor(
  entry: ModelCatalogEntry,
  deps: CloudModelResolverDeps,
  readApiKey: (secretArn: string) => Promise<string>,
): ModelProvider {
  if (entry.provider === 'bedrock')
    return createBedrockConverseProvider({ client: deps.bedrock, modelId: entry.modelId })
  const { baseUrl, model, apiKeySecretArn } = entry
  return {
    async *stream(request) {
      const apiKey = apiKeySecretArn ? await apiKeyFor(entry.label, apiKeySecretArn, readApiKey) : undefined
      const provider = createOpenAiCompatibleProvider({
        baseUrl,
        model,
        ...(apiKey ? { apiKey } : {}),
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      })
      yield* provider.stream(request)
    },
  }
}

async function apiKeyFor(
  label: string,
  secretArn: string,
  readApiKey: (arn: string) => Promise<string>,
): Promise<string> {
  try {
    return await readApiKey(secretArn)
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    const message = `Could not read the API key for ${label} from Secrets Manager (${reason.slice(0, 300)}).`
    throw new ModelError('unauthorized', message, { cause: error })
  }
}

/**
 * Reads each secret once per Lambda instance (concurrent first reads share one request); a failed read is
 * forgotten, so the next request tries again.
 */
function cachedSecretReader(client: SecretsManagerClient): (secretArn: string) => Promise<string> {
  const cache = new Map<string, Promise<string>>()
  return (secretArn) => {
    let key = cache.get(secretArn)
    if (!key) {
      key = readSecretApiKey(client, secretArn)
      cache.set(secretArn, key)
      key.catch(() => cache.delete(secretArn))
    }
    return key
  }
}

/** The secret holds the key as plain text, or as JSON `{ "apiKey": "…" }`. */
async function readSecretApiKey(client: SecretsManagerClient, secretArn: string): Promise<string> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }))
  const text = SecretString?.trim() ?? ''
  let key = text
  if (text.startsWith('{')) {
    const parsed = z.object({ apiKey: z.string() }).safeParse(tryJson(text))
    key = parsed.success ? parsed.data.apiKey.trim() : ''
  }
  if (key === '') throw new Error('the secret holds no API key (expected the key as text, or {"apiKey": "…"})')
  return key
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
