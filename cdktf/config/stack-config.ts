/**
 * What a deployment may choose, with defaults that work as they are: us-east-1, Claude on Bedrock, the topic
 * prefix `streamdesk`. Read from `cdktf/streamdesk.config.json` (or the file STREAMDESK_CONFIG names), then a few
 * environment variables for one-off changes (STREAMDESK_REGION, STREAMDESK_NAME_PREFIX, STREAMDESK_TOPIC_PREFIX,
 * STREAMDESK_OPENAI_SECRET_ARN). See streamdesk.config.example.json.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { z } from 'zod'
import {
  lambdaCatalog,
  ModelCatalogSchema,
  SecretArnSchema,
  type ModelCatalog,
} from '../../src-main/backend/cloud-models'
import { TopicPrefixSchema } from '../../src-main/protocol/cloud-config'
import { DEFAULT_TOPIC_PREFIX } from '../../src-main/protocol/stream-protocol'

/** CloudWatch Logs accepts only these retention periods. */
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
]
/** Lambda allows 4 KB of environment in all; the catalog (without its prices) shares it with a few short variables. */
const MAX_CATALOG_JSON = 3000

/** A DNS domain name, lower case (what follows the @ of an email address). */
const EmailDomainSchema = z
  .string()
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'a lower-case domain name such as example.com',
  )

/**
 * Who may create an account. Anyone who can read the app's configuration (which is not secret) can reach the user
 * pool, so the default is not open:
 * - invite-only: only an administrator creates users (`aws cognito-idp admin-create-user`);
 * - allowed-domains: self sign-up for email addresses of the listed domains (a pre-sign-up Lambda checks them);
 * - open: anyone may sign up (spend is then bounded only by the per-user budgets and the account's alarm).
 */
export const SignUpSchema = z.discriminatedUnion('policy', [
  z.strictObject({ policy: z.literal('invite-only') }),
  z.strictObject({
    policy: z.literal('allowed-domains'),
    domains: z
      .array(EmailDomainSchema)
      .min(1)
      .max(50)
      .refine((d) => new Set(d).size === d.length, 'domains must be unique'),
  }),
  z.strictObject({ policy: z.literal('open') }),
])
export type SignUpPolicy = z.infer<typeof SignUpSchema>

/** Each user's token budgets and concurrent streams, enforced by the chat Lambda (src-main/backend/spend-guard.ts). */
export const BudgetsSchema = z
  .strictObject({
    /** Input + output (reasoning included) tokens per user per UTC day. */
    dailyTokens: z.int().min(1_000).max(1_000_000_000).default(200_000),
    /** The same per UTC calendar month. */
    monthlyTokens: z.int().min(1_000).max(10_000_000_000).default(3_000_000),
    /** Prompts one user may have streaming at once (each prompt streams all its models in one invocation). */
    concurrentStreams: z.int().min(1).max(20).default(2),
  })
  .refine((b) => b.monthlyTokens >= b.dailyTokens, {
    message: 'monthlyTokens must be at least dailyTokens',
    path: ['monthlyTokens'],
  })

/** An AWS Budgets alarm on the account's monthly cost, emailed at 80 % (actual) and 100 % (forecast). */
export const CostAlarmSchema = z.strictObject({
  monthlyUsd: z.number().min(1).max(1_000_000),
  email: z.email('an email address'),
})

export const StackConfigSchema = z.strictObject({
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'an AWS region such as us-east-1')
    .default('us-east-1'),
  /** Prefixes every resource name, so several deployments can share an account. */
  namePrefix: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,23}$/, 'lower-case letters, digits and -, at most 24')
    .default('streamdesk'),
  topicPrefix: TopicPrefixSchema.default(DEFAULT_TOPIC_PREFIX),
  logRetentionDays: z
    .number()
    .refine((d) => RETENTION_DAYS.includes(d), `one of ${RETENTION_DAYS.join(', ')}`)
    .default(30),
  mfa: z.enum(['off', 'optional']).default('optional'),
  chatTimeoutSeconds: z.int().min(30).max(900).default(900),
  signUp: SignUpSchema.default({ policy: 'invite-only' }),
  budgets: BudgetsSchema.default({ dailyTokens: 200_000, monthlyTokens: 3_000_000, concurrentStreams: 2 }),
  /**
   * Concurrent executions kept for the chat Lambda, which is also its ceiling: runaway use cannot take the account's
   * whole Lambda concurrency (nor Bedrock quota) from everything else. `false` reserves none (an account whose
   * concurrency limit is below 100 + this number cannot reserve: Lambda keeps 100 unreserved).
   */
  chatReservedConcurrency: z.union([z.int().min(1).max(900), z.literal(false)]).default(20),
  /** Optional: an email when the account's monthly cost passes a threshold. */
  costAlarm: CostAlarmSchema.optional(),
  /** The model catalog; by default Claude on Bedrock (plus GPT-4o mini when openAiApiKeySecretArn is set). */
  models: ModelCatalogSchema.refine(
    (m) => JSON.stringify(lambdaCatalog(m)).length <= MAX_CATALOG_JSON,
    'too large for the Lambda environment (4 KB)',
  ).optional(),
  /** A Secrets Manager secret holding an OpenAI API key, for the default GPT model. */
  openAiApiKeySecretArn: SecretArnSchema.optional(),
})
export type StackConfigInput = z.input<typeof StackConfigSchema>
export type StackConfig = Omit<z.output<typeof StackConfigSchema>, 'models'> & { models: ModelCatalog }

/** Validates a configuration and fills in the defaults; throws listing every problem. */
export function resolveStackConfig(input: unknown): StackConfig {
  const parsed = StackConfigSchema.safeParse(input)
  if (!parsed.success)
    throw new Error(`The StreamDesk stack configuration is invalid:\n${z.prettifyError(parsed.error)}`)
  const config = parsed.data
  return { ...config, models: config.models ?? defaultModels(config.region, config.openAiApiKeySecretArn) }
}

/**
 * Claude on Bedrock through the region's cross-region inference profile (the newer Claude models accept no other
 * id): a small model and Claude Sonnet 4 (which can think on request); Claude 3.5 Haiku is offered in US regions
 * only, so elsewhere the small one is Claude 3 Haiku. GPT-4o mini joins when an OpenAI key secret is given.
 *
 * Each carries its list price in USD per million input / output tokens, the app's default for an answer's estimated
 * cost (the user can override it in Settings, or here per model under "models"). Bedrock on-demand prices are those
 * of https://aws.amazon.com/bedrock/pricing/ (Anthropic, on-demand; cross-region inference costs the source region's
 * price, and thinking tokens are billed as output), as listed in 2026; they may differ slightly outside us-east-1.
 */
export function defaultModels(region: string, openAiApiKeySecretArn?: string): ModelCatalog {
  const geography = region.startsWith('us-')
    ? 'us'
    : region.startsWith('eu-')
      ? 'eu'
      : region.startsWith('ap-')
        ? 'apac'
        : undefined
  if (!geography) {
    throw new Error(`There are no default models for ${region}: list the models for this region under "models".`)
  }
  const small =
    geography === 'us'
      ? {
          id: 'claude-haiku',
          label: 'Claude 3.5 Haiku',
          model: 'anthropic.claude-3-5-haiku-20241022-v1:0',
          // aws.amazon.com/bedrock/pricing, Anthropic on-demand: Claude 3.5 Haiku $0.0008 / $0.004 per 1,000 tokens.
          price: { inputPerMillion: 0.8, outputPerMillion: 4 },
        }
      : {
          id: 'claude-haiku',
          label: 'Claude 3 Haiku',
          model: 'anthropic.claude-3-haiku-20240307-v1:0',
          // aws.amazon.com/bedrock/pricing, Anthropic on-demand: Claude 3 Haiku $0.00025 / $0.00125 per 1,000 tokens.
          price: { inputPerMillion: 0.25, outputPerMillion: 1.25 },
        }
  return [
    {
      id: small.id,
      label: small.label,
      provider: 'bedrock',
      modelId: `${geography}.${small.model}`,
      reasoning: false,
      price: small.price,
    },
    {
      id: 'claude-sonnet',
      label: 'Claude Sonnet 4',
      provider: 'bedrock',
      modelId: `${geography}.anthropic.claude-sonnet-4-20250514-v1:0`,
      // Extended thinking: Claude 3.7 Sonnet and later.
      reasoning: true,
      // aws.amazon.com/bedrock/pricing, Anthropic on-demand: Claude Sonnet 4 $0.003 / $0.015 per 1,000 tokens.
      price: { inputPerMillion: 3, outputPerMillion: 15 },
    },
    ...(openAiApiKeySecretArn
      ? [
          {
            id: 'gpt-4o-mini',
            label: 'GPT-4o mini',
            provider: 'openai-compatible' as const,
            baseUrl: 'https://api.openai.com/v1',
            model: 'gpt-4o-mini',
            apiKeySecretArn: openAiApiKeySecretArn,
            reasoning: false,
            // openai.com/api/pricing: GPT-4o mini $0.15 input / $0.60 output per million tokens.
            price: { inputPerMillion: 0.15, outputPerMillion: 0.6 },
          },
        ]
      : []),
  ]
}

export const DEFAULT_CONFIG_FILE = path.join(import.meta.dirname, '..', 'streamdesk.config.json')

/** The configuration file (if any) with the environment's overrides on top. */
export function loadStackConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  const file = env.STREAMDESK_CONFIG ? path.resolve(env.STREAMDESK_CONFIG) : DEFAULT_CONFIG_FILE
  let fromFile: Record<string, unknown> = {}
  if (existsSync(file)) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
    } catch (error) {
      throw new Error(`${file} is not JSON: ${(error as Error).message}`, { cause: error })
    }
  } else if (env.STREAMDESK_CONFIG) {
    throw new Error(`STREAMDESK_CONFIG names ${file}, which does not exist.`)
  }
  const overrides = {
    region: env.STREAMDESK_REGION,
    namePrefix: env.STREAMDESK_NAME_PREFIX,
    topicPrefix: env.STREAMDESK_TOPIC_PREFIX,
    openAiApiKeySecretArn: env.STREAMDESK_OPENAI_SECRET_ARN,
  }
  const defined = Object.fromEntries(
    Object.entries(overrides).filter(([, value]) => value !== undefined && value !== ''),
  )
  return resolveStackConfig({ ...fromFile, ...defined })
}
