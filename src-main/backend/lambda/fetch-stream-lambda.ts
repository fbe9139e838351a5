/**
 * The fetch-stream Lambda: gives a signed-in user back the answers the chat Lambda stored for one of their streams,
 * so an app that missed chunks (offline longer than IoT Core keeps its session, or restarted mid-answer) completes
 * the answer instead of losing it. See src-main/protocol/answer-archive.ts.
 *
 * The app invokes it synchronously with its own identity-pool credentials and `{ streamId, modelId? }`. The owner
 * whose answers are read is ALWAYS the caller's identity as Lambda reports it (`context.identity`); the table's
 * partition key is that identity id, so a `userId` in the event (ignored, and logged) can never reach another
 * user's answers. The function's IAM role can read the whole table: this check is what confines each caller to
 * their own partition (see cdktf/answers).
 *
 * An app that lists protocol v2 gets each answer whole (reasoning, stop reason, tools, metrics); an older app only
 * the fields it knows. The response stays under Lambda's 6 MB limit: past RESPONSE_BUDGET_BYTES, reasoning is left
 * out first (`reasoningOmitted`), then whole answers, which a v2 app is told about (`omittedModelIds`) so it fetches
 * each one alone. One answer that does not fit alone (text that JSON escapes heavily: up to 6 bytes per character)
 * is sent in pages to an app that reassembles them (`parts` in the request): each page a slice of the text that
 * never ends inside a surrogate pair, with `textPart` saying where it starts; the app asks for the next one with
 * `textFrom` and checks the SHA-256 on the whole. An app without `parts` gets it left out, as before.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { z } from 'zod'
import {
  archivedAnswerV1,
  FetchStreamRequestSchema,
  RecentStreamsRequestSchema,
  type ArchivedAnswer,
  type FetchStreamResult,
  type RecentStream,
  type RecentStreamsResult,
} from '../../protocol/answer-archive'
import { negotiateProtocol } from '../../protocol/stream-protocol'
import { DynamoAnswerStore } from '../answer-store'
import { callerIdentity, type InvocationContext } from './caller-identity'
import { LAMBDA_ENV, requireEnv } from './lambda-env'
import { consoleLog, describeError, type LambdaLog } from './lambda-log'

export interface FetchStreamDeps {
  store: Pick<DynamoAnswerStore, 'read' | 'listRecent'>
  /** When set, only identities of this pool (the stack's own) are served. */
  identityPoolId?: string
  log?: LambdaLog
}

export type FetchStreamHandler = (event: unknown, context: InvocationContext) => Promise<FetchStreamResult>
/** The deployed function: a stream's answers, or (`{ recent: true }`) the caller's recent streams. */
export type FetchLambdaHandler = (
  event: unknown,
  context: InvocationContext,
) => Promise<FetchStreamResult | RecentStreamsResult>

/**
 * The caller, from the Lambda context only: refused without a Cognito identity; a user id the event names is
 * ignored (and logged when it is another's).
 */
function identifyCaller(
  event: unknown,
  context: InvocationContext,
  identityPoolId: string | undefined,
  log: NonNullable<FetchStreamDeps['log']>,
): { ok: true; identityId: string } | { ok: false; refusal: { ok: false; error: 'no-identity'; detail: string } } {
  const requestId = context.awsRequestId
  const caller = callerIdentity(context, identityPoolId)
  if (!caller.ok) {
    log('fetch-refused', { requestId, reason: caller.reason })
    return { ok: false, refusal: { ok: false, error: 'no-identity', detail: caller.reason } }
  }
  const forged = forgedUserId(event, caller.identityId)
  if (forged !== undefined) {
    log('forged-user-id-ignored', { requestId, identityId: caller.identityId, forgedUserId: forged })
  }
  return { ok: true, identityId: caller.identityId }
}

/** Routes `{ recent: true }` to the recent streams' list, anything else to a stream's answers. */
export function createFetchLambdaHandler(deps: FetchStreamDeps): FetchLambdaHandler {
  const fetchStream = createFetchStreamHandler(deps)
  const log = deps.log ?? consoleLog
  return async (event, context) => {
    if (!RecentStreamsRequestSchema.safeParse(withoutUserId(event)).success) return fetchStream(event, context)
    const requestId = context.awsRequestId
    const caller = identifyCaller(event, context, deps.identityPoolId, log)
    if (!caller.ok) return caller.refusal
    const { identityId } = caller
    return listRecent(deps, identityId, (name, fields) => log(name, { requestId, identityId, ...fields }))
  }
}

export function createFetchStreamHandler(deps: FetchStreamDeps): FetchStreamHandler {
  const log = deps.log ?? consoleLog
  return async (event, context) => {
    const requestId = context.awsRequestId
    const caller = identifyCaller(event, context, deps.identityPoolId, log)
    if (!caller.ok) return caller.refusal
    const { identityId } = caller
    const parsed = FetchStreamRequestSchema.safeParse(withoutUserId(event))
    if (!parsed.success) {
      const detail = z.prettifyError(parsed.error).slice(0, 1000)
      log('fetch-invalid-event', { requestId, identityId, detail })
      return { ok: false, error: 'invalid-request', detail }
    }
    const { streamId, modelId, protocols, parts, textFrom } = parsed.data
    const v2 = (negotiateProtocol(protocols) ?? 1) >= 2
    try {
      const stored = await deps.store.read(identityId, streamId, modelId)
      const shaped = v2 ? stored : stored.map(archivedAnswerV1)
      const { answers, omittedModelIds } =
        parts && modelId !== undefined ? pageOf(shaped, textFrom ?? 0) : withinBudget(shaped, v2)
      // Sizes only: the log never holds an answer.
      log('fetch-served', {
        requestId,
        identityId,
        streamId,
        answers: answers.map((a) => ({
          modelId: a.modelId,
          characters: a.text.length,
          ...(a.textPart ? { textPart: a.textPart } : {}),
          reasoningCharacters: a.reasoning?.length ?? 0,
        })),
        omittedModelIds,
      })
      return { ok: true, streamId, answers, ...(v2 && omittedModelIds.length > 0 ? { omittedModelIds } : {}) }
    } catch (error) {
      log('fetch-failed', { requestId, identityId, streamId, ...describeError(error) })
      return { ok: false, error: 'store-unavailable', detail: 'The answer store could not be read; try again.' }
    }
  }
}

/**
 * The caller's streams of the last day with what was asked (catch-up on another device), newest first, as many as
 * fit the response budget (a prompt is at most 16 K characters, so about 200 fit even at their longest).
 */
async function listRecent(deps: FetchStreamDeps, identityId: string, log: LambdaLog): Promise<RecentStreamsResult> {
  try {
    const found = await deps.store.listRecent(identityId)
    const streams: RecentStream[] = []
    let bytes = 0
    for (const stream of found) {
      bytes += jsonBytes(stream)
      if (bytes > RESPONSE_BUDGET_BYTES) break
      streams.push(stream)
    }
    log('recent-served', { streams: streams.length, left: found.length - streams.length })
    return { ok: true, streams }
  } catch (error) {
    log('recent-failed', describeError(error))
    return { ok: false, error: 'store-unavailable', detail: 'The answer store could not be read; try again.' }
  }
}

/** Lambda's synchronous response limit is 6 MB; this leaves room for the envelope and JSON escapes' slack. */
export const RESPONSE_BUDGET_BYTES = 5_000_000

/**
 * The answers that fit the response budget: reasoning goes first (the answer matters more), then whole answers,
 * largest first. Sizes are measured as the JSON that will be sent.
 */
function withinBudget(
  answers: ArchivedAnswer[],
  v2: boolean,
): { answers: ArchivedAnswer[]; omittedModelIds: string[] } {
  const size = jsonBytes
  let kept = answers
  let total = kept.reduce((sum, answer) => sum + size(answer), 0)
  if (total <= RESPONSE_BUDGET_BYTES) return { answers: kept, omittedModelIds: [] }
  if (v2) {
    kept = kept.map(({ reasoning, ...rest }) => (reasoning === undefined ? rest : { ...rest, reasoningOmitted: true }))
    total = kept.reduce((sum, answer) => sum + size(answer), 0)
  }
  const omittedModelIds: string[] = []
  for (const answer of [...kept].sort((a, b) => size(b) - size(a))) {
    if (total <= RESPONSE_BUDGET_BYTES) break
    total -= size(answer)
    omittedModelIds.push(answer.modelId)
  }
  return { answers: kept.filter((answer) => !omittedModelIds.includes(answer.modelId)), omittedModelIds }
}

/**
 * One model's answer for a request that takes parts: whole when it fits (and `from` is 0), else the page of its text
 * from `from` that fits the budget, without its reasoning (which is left out as for any answer too large).
 */
function pageOf(answers: ArchivedAnswer[], from: number): { answers: ArchivedAnswer[]; omittedModelIds: string[] } {
  const [answer] = answers
  if (!answer) return { answers: [], omittedModelIds: [] }
  if (from === 0 && jsonBytes(answer) <= RESPONSE_BUDGET_BYTES) return { answers: [answer], omittedModelIds: [] }
  const { reasoning, text, ...rest } = answer
  const total = text.length
  if (from >= total) return { answers: [], omittedModelIds: [] }
  const shell: ArchivedAnswer = {
    ...rest,
    ...(reasoning !== undefined ? { reasoningOmitted: true } : {}),
    text: '',
    textPart: { offset: from, total },
  }
  // The envelope around the answers array, with room for the largest offset a page could carry.
  const room = RESPONSE_BUDGET_BYTES - jsonBytes(shell) - 200
  const end = pageEnd(text, from, room)
  if (end === from) return { answers: [], omittedModelIds: [answer.modelId] }
  return { answers: [{ ...shell, text: text.slice(from, end) }], omittedModelIds: [] }
}

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8')

/**
 * Where the page of `text` starting at `from` ends so that its JSON string takes at most `maxBytes` of UTF-8: the
 * size of each code unit as JSON.stringify writes it. Never inside a surrogate pair (a pair is taken whole).
 */
export function pageEnd(text: string, from: number, maxBytes: number): number {
  let bytes = 0
  let i = from
  while (i < text.length) {
    const code = text.charCodeAt(i)
    const pair = code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))
    const cost = pair ? 4 : jsonUnitBytes(code)
    if (bytes + cost > maxBytes) break
    bytes += cost
    i += pair ? 2 : 1
  }
  return i
}

const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff
const SHORT_ESCAPES = new Set([0x08, 0x09, 0x0a, 0x0c, 0x0d, 0x22, 0x5c])

/** One code unit (not part of a pair) as JSON.stringify writes it, in UTF-8 bytes. */
function jsonUnitBytes(code: number): number {
  if (SHORT_ESCAPES.has(code)) return 2
  if (code < 0x20) return 6 // \u00XX
  if (code < 0x80) return 1
  if (code < 0x800) return 2
  if (code >= 0xd800 && code <= 0xdfff) return 6 // a lone surrogate: \uDXXX
  return 3
}

/** The event without a `userId` (a caller may not choose whose answers to read; the schema drops it anyway). */
function withoutUserId(event: unknown): unknown {
  if (typeof event !== 'object' || event === null || Array.isArray(event) || !('userId' in event)) return event
  const { userId: _ignored, ...rest } = event as Record<string, unknown>
  return rest
}

function forgedUserId(event: unknown, identityId: string): string | undefined {
  if (typeof event !== 'object' || event === null || !('userId' in event)) return undefined
  return event.userId === identityId ? undefined : String(event.userId).slice(0, 128)
}

export function fetchStreamDepsFromEnv(env: NodeJS.ProcessEnv): FetchStreamDeps {
  const identityPoolId = env[LAMBDA_ENV.identityPoolId]?.trim()
  return {
    store: new DynamoAnswerStore({
      client: new DynamoDBClient({}),
      tableName: requireEnv(env, LAMBDA_ENV.answerTable),
    }),
    ...(identityPoolId ? { identityPoolId } : {}),
  }
}

let deployedHandler: FetchLambdaHandler | undefined

/** The Lambda entry point (`index.handler` in the bundle). */
export const handler: FetchLambdaHandler = async (event, context) => {
  deployedHandler ??= createFetchLambdaHandler(fetchStreamDepsFromEnv(process.env))
  return deployedHandler(event, context)
}
