/**
 * Runtime schemas for every invoke channel's arguments. Main validates each call against these before any
 * handler runs; the `satisfies` clause makes the compiler hold them to the contract's argument types.
 */
import { z } from 'zod'
import { IdSchema } from '../../protocol/stream-protocol'
import type { InvokeArgs, InvokeChannel } from '../../shared/ipc-contract'
import { acceleratorProblem } from '../settings/accelerator'
import { MAX_ATTACHMENT_INPUT_BYTES, MAX_ATTACHMENTS_PER_PROMPT } from '../../shared/attachment'
import { MAX_SYSTEM_PROMPT_CHARS, REASONING_EFFORTS } from '../../shared/generation'
import { BASE_URL_CREDENTIALS_MESSAGE, hasUrlCredentials } from '../../shared/server-address'

const MAX_PROMPT_CHARS = 100_000
const MAX_MODELS_PER_PROMPT = 8
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'an attachment id (SHA-256)')
/** Above the history store's own import limit, which refuses larger files with a clearer message. */
const MAX_IMPORT_CHARS = 256 * 1024 * 1024

const HttpUrl = z
  .string()
  .max(2000)
  .url()
  .refine((url) => /^https?:\/\//i.test(url), 'must be an http:// or https:// URL')

const ModelIds = z.array(IdSchema).max(50)
const Email = z.string().trim().max(254).email('enter a valid email address')
const Password = z.string().min(1).max(256)
const Code = z
  .string()
  .trim()
  .regex(/^\d{4,10}$/, 'the code is the digits from the email')

/** A file directly in the models folder: a plain name ending in .gguf, no folders, not hidden. */
const ModelFileName = z
  .string()
  .min(6)
  .max(255)
  .regex(/^[^/\\\0]+$/, 'must be a file name, not a path')
  .refine((name) => !name.startsWith('.'), 'must not start with a dot')
  .refine((name) => name.toLowerCase().endsWith('.gguf'), 'must be a .gguf file')

const ModelInputSchema = z.strictObject({
  id: z.optional(IdSchema),
  label: z.string().trim().min(1).max(80),
  provider: z.literal('openai-compatible'),
  // A model server never takes `user:password@`: fetch refuses such a URL, and it would sit in the file unencrypted.
  baseUrl: HttpUrl.refine((url) => !hasUrlCredentials(url), BASE_URL_CREDENTIALS_MESSAGE),
  model: z.string().trim().min(1).max(200),
  apiKey: z.optional(z.union([z.string().max(1000), z.null()])),
  allowKeyOverHttp: z.optional(z.boolean()),
})

export const invokeArgSchemas = {
  'app:get-status': z.tuple([]),
  'settings:get': z.tuple([]),
  'settings:save-model': z.tuple([ModelInputSchema]),
  'settings:remove-model': z.tuple([IdSchema]),
  'settings:select-models': z.tuple([ModelIds.min(1)]),
  'models:check': z.tuple([ModelIds]),
  'models:discover': z.tuple([
    z.strictObject({
      baseUrl: HttpUrl.refine((url) => !hasUrlCredentials(url), BASE_URL_CREDENTIALS_MESSAGE),
      apiKey: z.optional(z.string().min(1).max(1000)),
      modelId: z.optional(IdSchema),
      allowKeyOverHttp: z.optional(z.boolean()),
    }),
  ]),
  'chat:send': z.tuple([
    z.strictObject({
      conversationId: z.optional(IdSchema),
      prompt: z
        .string()
        .max(MAX_PROMPT_CHARS)
        .refine((p) => p.trim().length > 0, 'prompt is empty'),
      modelIds: ModelIds.min(1)
        .max(MAX_MODELS_PER_PROMPT)
        .refine((ids) => new Set(ids).size === ids.length, 'duplicate model ids'),
      after: z.optional(z.union([IdSchema, z.null()])),
      systemPrompt: z.optional(z.string().max(MAX_SYSTEM_PROMPT_CHARS)),
      attachmentIds: z.optional(
        z
          .array(Sha256)
          .max(MAX_ATTACHMENTS_PER_PROMPT)
          .refine((ids) => new Set(ids).size === ids.length, 'the same attachment twice'),
      ),
      keptFrom: z.optional(IdSchema),
    }),
  ]),
  // The name is checked again (and any path refused) where the file is prepared; here only its shape and size.
  'attachments:add': z.tuple([
    z.strictObject({
      name: z.string().min(1).max(1000),
      bytes: z
        .instanceof(Uint8Array)
        .refine((bytes) => bytes.length <= MAX_ATTACHMENT_INPUT_BYTES, 'the file is larger than 30 MB'),
    }),
  ]),
  'attachments:preview': z.tuple([Sha256, z.enum(['thumbnail', 'full'])]),
  'chat:stop': z.tuple([z.strictObject({ streamId: IdSchema, modelId: z.optional(IdSchema) })]),
  'chat:regenerate': z.tuple([z.strictObject({ conversationId: IdSchema, turnStreamId: IdSchema, modelId: IdSchema })]),
  'chat:continue': z.tuple([z.strictObject({ conversationId: IdSchema, streamId: IdSchema, modelId: IdSchema })]),
  'diagnostics:get': z.tuple([]),
  'history:list': z.tuple([
    z.strictObject({
      limit: z.optional(z.number().int().min(1).max(500)),
      offset: z.optional(z.number().int().min(0)),
    }),
  ]),
  'history:get': z.tuple([IdSchema]),
  'history:rename': z.tuple([IdSchema, z.string().trim().min(1).max(200)]),
  'history:pin': z.tuple([IdSchema, z.boolean()]),
  'history:delete': z.tuple([IdSchema]),
  'history:search': z.tuple([z.string().max(500)]),
  'history:export': z.tuple([
    z.strictObject({ conversationId: z.optional(IdSchema), format: z.enum(['markdown', 'json']) }),
  ]),
  'history:import': z.tuple([
    z.union([z.string().max(MAX_IMPORT_CHARS), z.strictObject({ path: z.string().min(1).max(4096) })]),
  ]),
  'history:backups': z.tuple([]),
  'history:restore-backup': z.tuple([z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a backup date (YYYY-MM-DD)')]),
  'settings:set-mode': z.tuple([z.enum(['local', 'cloud'])]),
  'settings:set-cloud-config': z.tuple([z.string().max(100_000)]),
  'settings:set-proxy': z.tuple([z.union([z.string().trim().min(1).max(2000), z.null()])]),
  'auth:get-state': z.tuple([]),
  'cloud:usage': z.tuple([]),
  'auth:sign-up': z.tuple([Email, Password]),
  'auth:confirm-sign-up': z.tuple([Email, Code]),
  'auth:resend-code': z.tuple([Email]),
  'auth:sign-in': z.tuple([Email, Password]),
  'auth:answer-challenge': z.tuple([
    z.union([
      z.strictObject({ newPassword: Password }),
      z.strictObject({
        mfaCode: z
          .string()
          .trim()
          .regex(/^\d{6}$/, 'the code has 6 digits'),
      }),
    ]),
  ]),
  'auth:forgot-password': z.tuple([Email]),
  'auth:reset-password': z.tuple([Email, Code, Password]),
  'auth:sign-out': z.tuple([]),
  'settings:set-preferences': z.tuple([
    z.strictObject({
      quickAskShortcut: z.optional(
        z
          .string()
          .max(100)
          .superRefine((value, ctx) => {
            const problem = acceleratorProblem(value)
            if (problem) ctx.addIssue({ code: 'custom', message: problem })
          }),
      ),
      closeToTray: z.optional(z.boolean()),
      prefillFromClipboard: z.optional(z.boolean()),
      sendKey: z.optional(z.enum(['enter', 'mod-enter'])),
      language: z.optional(z.enum(['system', 'en', 'ja'])),
      storeSecretsUnencrypted: z.optional(z.boolean()),
    }),
  ]),
  // Shapes only: the settings store checks the ranges and refuses with messages the form shows.
  'settings:set-parameters': z.tuple([
    z.strictObject({
      temperature: z.optional(z.number()),
      topP: z.optional(z.number()),
      maxOutputTokens: z.optional(z.number()),
      reasoning: z.optional(z.enum(REASONING_EFFORTS)),
    }),
    z.optional(IdSchema),
  ]),
  'settings:set-system-prompt': z.tuple([z.string()]),
  // Shapes only, as for parameters: the settings store checks the ranges and refuses with messages the form shows.
  'settings:set-price': z.tuple([
    IdSchema,
    z.nullable(z.strictObject({ inputPerMillion: z.number(), outputPerMillion: z.number() })),
  ]),
  'settings:set-model-inputs': z.tuple([
    IdSchema,
    z.nullable(z.strictObject({ images: z.optional(z.boolean()), documents: z.optional(z.boolean()) })),
  ]),
  'window:open-in-main': z.tuple([IdSchema]),
  'window:hide': z.tuple([]),
  'clipboard:read-text': z.tuple([]),
  'model-files:list': z.tuple([]),
  'model-files:add-from-disk': z.tuple([]),
  'model-files:delete': z.tuple([ModelFileName]),
  'model-files:download': z.tuple([IdSchema, z.strictObject({ select: z.boolean() })]),
  'model-files:cancel-download': z.tuple([IdSchema]),
  'model-files:discard-download': z.tuple([IdSchema]),
} satisfies { [C in InvokeChannel]: z.ZodType<InvokeArgs<C>> }
