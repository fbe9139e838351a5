/**
 * Cloud mode's contract between the deployed backend (`cdktf/`) and the app:
 *
 * 1. CloudConfig: the stack's `streamdesk_cloud_config` output, which the user pastes into Settings → Cloud or
 *    loads from a file. `parseCloudConfig` accepts that object as printed by `terraform output -json
 *    streamdesk_cloud_config`, the whole `terraform output -json` map, or either one as a JSON string.
 * 2. Stop requests: the app asks the chat Lambda to stop models by publishing a RETAINED message to
 *    `<prefix>/<userId>/control/<streamId>`; the Lambda polls it while it streams and clears it when done. A new
 *    message replaces the retained one, so each lists every model stopped so far (or says "all").
 *    The control topic has four levels, so the user's stream filter `<prefix>/<userId>/+` never matches it.
 *
 * The config crosses a deploy boundary (last month's app reads this month's stack output, and the other way round),
 * so it TOLERATES unknown keys, at the top and in model entries: `z.object` drops them (prototype keys included).
 * `protocols` lists the wire protocol versions the deployed chat Lambda serves; a stack deployed before it existed
 * serves only v1 and must not be sent the request's `protocols` field, which its strict schema refuses.
 */
import { z } from 'zod'
import { IdSchema, LATEST_PROTOCOL_VERSION, ProtocolListSchema, UNSTATED_PROTOCOLS } from './stream-protocol'
import { PRICE_LIMITS, type ModelPrice } from '../shared/price'
import { describeValue } from '../lib/truncate-text'

export const CLOUD_CONFIG_VERSION = 1
/** The stack output holding the whole CloudConfig. */
export const CLOUD_CONFIG_OUTPUT_NAME = 'streamdesk_cloud_config'

const RegionSchema = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'an AWS region such as us-east-1')
const FunctionNameSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a Lambda function name')
/** One topic level, so that it can never widen a topic filter. */
export const TopicPrefixSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, '1-64 characters of A-Z a-z 0-9 _ -')

const PriceFigureSchema = z.number().min(PRICE_LIMITS.min).max(PRICE_LIMITS.max)
/** A model's list price in USD per million tokens (see src-main/shared/price.ts for the same checks in plain words). */
export const ModelPriceSchema = z.strictObject({
  inputPerMillion: PriceFigureSchema,
  outputPerMillion: PriceFigureSchema,
}) satisfies z.ZodType<ModelPrice>

/**
 * One model the stack offers. `reasoning` and `price` came later: absent in older outputs, and a value this app
 * cannot read (a newer stack's other shape) is dropped on its own rather than refusing the whole config.
 */
export const CloudModelSchema = z.object({
  id: IdSchema,
  label: z.string().min(1).max(100),
  /** The model can think on request, so the settings form offers a reasoning effort for it. */
  reasoning: z.boolean().optional().catch(undefined),
  /** Its list price, the default the user may override in Settings. */
  price: z.object(ModelPriceSchema.shape).optional().catch(undefined),
})
export type CloudModel = z.infer<typeof CloudModelSchema>

export const CloudConfigSchema = z.object({
  version: z.literal(CLOUD_CONFIG_VERSION),
  region: RegionSchema,
  userPoolId: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}_[A-Za-z0-9]+$/, 'a user pool id such as us-east-1_AbC123'),
  userPoolClientId: z.string().regex(/^[A-Za-z0-9]{1,128}$/, 'an app client id'),
  identityPoolId: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}:[0-9a-f-]{36}$/, 'an identity pool id such as us-east-1:1a2b…'),
  iotEndpoint: z
    .string()
    .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'a host name such as abc123-ats.iot.us-east-1.amazonaws.com (no https://)'),
  topicPrefix: TopicPrefixSchema,
  chatFunctionName: FunctionNameSchema,
  attachPolicyFunctionName: FunctionNameSchema,
  /**
   * The fetch-stream Lambda (the answer store's reader). Optional, so outputs of a stack deployed before it existed
   * still load: without it, an answer that arrives incomplete stays incomplete.
   */
  fetchStreamFunctionName: FunctionNameSchema.optional(),
  /**
   * The attachments bucket (cloud mode's uploads). Optional, so outputs of a stack deployed before it existed still
   * load: without it, the app refuses attachments in cloud mode with a message that says to redeploy.
   */
  uploadBucket: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name')
    .optional(),
  /**
   * The upload-presign Lambda, which signs a POST for each attachment whose policy S3 enforces (exact size, key,
   * type). Optional, so outputs of a stack deployed before it still load: without it, the app uploads with
   * PutObject on the user's own credentials, which such a stack still grants (and which bounds no size).
   */
  uploadPresignFunctionName: FunctionNameSchema.optional(),
  /** The wire protocol versions the stack's chat Lambda serves; absent for stacks from before negotiation ([1]). */
  protocols: ProtocolListSchema.optional(),
  models: z
    .array(CloudModelSchema)
    .min(1)
    .max(50)
    .refine((models) => new Set(models.map((m) => m.id)).size === models.length, 'model ids must be unique'),
})
export type CloudConfig = z.infer<typeof CloudConfigSchema>

export type CloudConfigParseResult =
  { ok: true; config: CloudConfig } | { ok: false; message: string; issues: string[] }

/** Validates pasted or loaded stack outputs. Never throws; `message` is ready to show to the user. */
export function parseCloudConfig(input: unknown): CloudConfigParseResult {
  const unwrapped = unwrap(input)
  if (!unwrapped.ok) return failure([unwrapped.issue])
  const parsed = CloudConfigSchema.safeParse(unwrapped.value, { reportInput: true })
  if (parsed.success) return { ok: true, config: parsed.data }
  const { issues } = parsed.error
  const missing = issues.filter((issue) => issue.path.length === 1 && isMissing(issue))
  // Nothing of a configuration in it: one line that says what to paste, not a list of every field.
  if (missing.length >= 5) {
    return failure([
      `it has none of the fields a configuration holds (${missing.map((issue) => String(issue.path[0])).join(', ')})`,
    ])
  }
  return failure(issues.map(describeIssue))
}

/** Absent: reported as the wrong type, or for `version` (a literal) as the wrong value, of nothing. */
const isMissing = (issue: z.core.$ZodIssue) =>
  (issue.code === 'invalid_type' || issue.code === 'invalid_value') && issue.input === undefined

/** One problem in plain words, naming the field as the stack output names it; values quoted only when short. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length > 0 ? issue.path.join('.') : 'the configuration'
  if (isMissing(issue)) return `${field} is missing`
  if (issue.code === 'invalid_value' && field === 'version') {
    return `it is version ${describeValue(issue.input)}; this app reads version ${CLOUD_CONFIG_VERSION} (update the app, or use the output of a stack of the same release)`
  }
  if (issue.code === 'invalid_format' || issue.code === 'custom') return `${field} should be ${issue.message}`
  if (issue.code === 'invalid_type')
    return `${field} should be ${article(issue.expected)}, not ${describeValue(issue.input)}`
  if (issue.code === 'too_small' || issue.code === 'too_big')
    return `${field}: ${issue.message.replace(/^Too (small|big): /, '')}`
  return `${field}: ${issue.message.replace(/^Invalid input: /, '')}`
}

function article(kind: string): string {
  return /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`
}

/** The protocol versions a stack serves, from its config's `protocols` (absent for stacks before negotiation). */
export function servedProtocols(protocols: readonly number[] | undefined): readonly number[] {
  return protocols ?? UNSTATED_PROTOCOLS
}

/**
 * Whether the stack's chat Lambda knows the request's `protocols` field: stacks that serve anything beyond v1 do;
 * older ones refuse the field, and since the Lambda is invoked asynchronously the app would only see a timeout.
 */
export function acceptsProtocolList(protocols: readonly number[] | undefined): boolean {
  return servedProtocols(protocols).some((version) => version > 1)
}

/** What to tell the user when the deployed backend and this app differ in protocol; undefined when they do not. */
export function protocolNotice(protocols: readonly number[] | undefined): string | undefined {
  const served = servedProtocols(protocols)
  // A stack serving v2 or later (up to this app's) has what users notice; v3 adds only the budget refusal's words.
  if (served.some((version) => version >= 2 && version <= LATEST_PROTOCOL_VERSION)) return undefined
  return Math.max(...served) < LATEST_PROTOCOL_VERSION
    ? 'Your cloud backend is older than this app: redeploy it (npm run cdktf:deploy) to get reasoning.'
    : 'This app is older than your cloud backend: update the app.'
}

function failure(issues: string[]): CloudConfigParseResult {
  const shown = issues.slice(0, 8)
  const more = issues.length > shown.length ? [`…and ${issues.length - shown.length} more`] : []
  const message = [
    `This is not a StreamDesk cloud configuration (the "${CLOUD_CONFIG_OUTPUT_NAME}" output of the deployed stack):`,
    ...[...shown, ...more].map((line) => `- ${line}`),
  ].join('\n')
  return { ok: false, message, issues }
}

/** Peels off what Terraform and copy-paste wrap around the config: JSON text, the output map, `{ value }`. */
function unwrap(input: unknown, depth = 0): { ok: true; value: unknown } | { ok: false; issue: string } {
  if (depth > 3) return { ok: true, value: input }
  if (typeof input === 'string') {
    const text = input.trim()
    if (text === '') return { ok: false, issue: 'the text is empty' }
    try {
      return unwrap(JSON.parse(text), depth + 1)
    } catch (error) {
      return { ok: false, issue: `the text is not JSON (${(error as Error).message})` }
    }
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, issue: 'expected a JSON object' }
  }
  if (CLOUD_CONFIG_OUTPUT_NAME in input) return unwrap(input[CLOUD_CONFIG_OUTPUT_NAME], depth + 1)
  if ('value' in input && !('version' in input)) return unwrap(input.value, depth + 1)
  return { ok: true, value: input }
}

// ---- Stop requests -------------------------------------------------------------------------------------------------

/** Largest stop request anyone needs (8 model ids of 128 characters fit easily). */
export const MAX_STOP_REQUEST_BYTES = 4096

/**
 * The app publishes it and the chat Lambda reads it, across a deploy boundary: unknown keys are TOLERATED (dropped,
 * prototype keys included), so a newer app's extra field cannot make an older Lambda ignore the user's stop.
 */
export const StopRequestSchema = z.object({
  stop: z.union([z.literal('all'), z.array(IdSchema).min(1).max(64)]),
})
export type StopRequest = z.infer<typeof StopRequestSchema>

/** `<prefix>/<userId>/control/<streamId>`: where the app publishes, retained, the models to stop. */
export function stopControlTopic(prefix: string, userId: string, streamId: string): string {
  return `${prefix}/${userId}/control/${streamId}`
}

export function encodeStopRequest(request: StopRequest): string {
  return JSON.stringify(request)
}

/** Validates a control message; undefined for an empty (cleared) or invalid one. Never throws. */
export function decodeStopRequest(payload: Uint8Array | undefined): StopRequest | undefined {
  if (!payload || payload.byteLength === 0 || payload.byteLength > MAX_STOP_REQUEST_BYTES) return undefined
  try {
    const parsed = StopRequestSchema.safeParse(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload)))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}
