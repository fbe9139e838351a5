/**
 * The spend guard: each user's token budgets (per UTC day and per UTC month) and a cap on the prompts they have
 * streaming at once, kept in one DynamoDB table and enforced by the chat Lambda BEFORE it calls any model.
 *
 * Reserve, then settle. Before streaming, one conditional UpdateItem adds the request's worst case (its input,
 * estimated from its size, plus every model's max output tokens, reasoning budget included) to the day's and the
 * month's counters, on the condition that both stay within their limits. After streaming, one unconditional
 * UpdateItem adds the difference between what the models reported (input + output tokens; reasoning tokens are part
 * of the output) and what was reserved, usually a negative number. Check-then-add would let every prompt that starts
 * while some budget is left run to its end: with N prompts racing for the last tokens, N answers overshoot. Here
 * DynamoDB applies conditional updates on one item one at a time, so of the invocations racing for the last tokens
 * only those whose reservation still fits succeed; the others get ConditionalCheckFailedException and the user sees
 * the budget message. The counters can pass a limit only by an input estimate that was too low.
 *
 * Items (partition key: the caller's Cognito identity id, which only Lambda's context gives; sort key: `period`):
 * - `tokens#2026-12`: `monthTokens` and one `dayTokensDD` per day of that month, so one UpdateItem moves both
 *   counters atomically, and a new day or month starts from zero by itself (a new attribute, a new item). The item
 *   expires (TTL) a month after its month ends.
 * - `streams`: `concurrentStreams` slots, each a lease (`slotNUntil`, `slotNLease`) taken with a conditional
 *   update that succeeds only when the slot is free or its lease has expired. A lease ends when the invocation's
 *   own timeout would, so a crashed invocation cannot keep a slot; it is released (conditionally, only if still
 *   ours) when the stream ends, on error too. Each lease also says how many models its prompt streams
 *   (`slotNModels`), and a released slot keeps that number for one more second (`slotNTailModels` until
 *   `slotNTailUntil`: its last publishes are still in the one-second window), so that the user's prompts can share
 *   the connection's publish budget (`liveStreams`, read by publish-share.ts).
 */
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb'
import { systemClock, type Clock } from '../lib/clock'

export const SPEND_TABLE = { partitionKey: 'userId', sortKey: 'period', ttlAttribute: 'expiresAt' } as const

export interface SpendLimits {
  dailyTokens: number
  monthlyTokens: number
  concurrentStreams: number
}

/** Why a prompt was refused; `limit` and `resetsAt` (epoch ms, UTC midnight) let the app word it itself. */
export type SpendRefusal =
  | {
      kind: 'daily-tokens' | 'monthly-tokens'
      limit: number
      resetsAt: number
      message: string
      /** Set when the prompt's worst case alone is larger than the whole budget (it can never be admitted). */
      requested?: number
    }
  | { kind: 'concurrent-streams'; limit: number; message: string }

/** What the caller has used in the current day and month (reservations of prompts still streaming included). */
export interface SpendUsage {
  dayTokens: number
  monthTokens: number
  limits: SpendLimits
  dayResetsAt: number
  monthResetsAt: number
}

export type Admission = { ok: true; pass: SpendPass } | { ok: false; refusal: SpendRefusal }

/**
 * A prompt of the user that is streaming (a held lease) or ended less than a second ago (a tail). `lease` is the
 * lease's own id (a tail has none); `models` is 8 (the most a prompt has) for a lease that does not say.
 */
export interface LiveStream {
  lease?: string
  models: number
}

export interface SpendGuardOptions {
  client: DynamoDBClient
  tableName: string
  limits: SpendLimits
  clock?: Clock
}

const DAY_MS = 86_400_000
/** Counter items outlive their month by this much (DynamoDB deletes them after; nothing reads them then). */
const TOKENS_KEPT_MS = 31 * DAY_MS
const STREAMS_SORT_KEY = 'streams'
/** How long a released slot still counts its models for the publish budget: the one-second window. */
const TAIL_MS = 1000
/** The most models one prompt streams (the chat request's own cap). */
const MOST_MODELS_PER_PROMPT = 8

export class SpendGuard {
  private readonly clock: Clock

  constructor(private readonly options: SpendGuardOptions) {
    this.clock = options.clock ?? systemClock
  }

  /**
   * Takes a stream slot, then reserves `tokens` on the day's and the month's counters. `leaseUntil`: when the
   * invocation would time out (epoch ms), after which its slot is free for others even if it never released it.
   */
  async admit(
    userId: string,
    request: { streamId: string; tokens: number; leaseUntil: number; models?: number },
  ): Promise<Admission> {
    const models = Math.max(1, Math.min(MOST_MODELS_PER_PROMPT, Math.ceil(request.models ?? MOST_MODELS_PER_PROMPT)))
    const slot = await this.takeSlot(userId, request.streamId, request.leaseUntil, models)
    if (slot === undefined) return { ok: false, refusal: this.concurrencyRefusal() }
    const tokens = Math.max(0, Math.ceil(request.tokens))
    // One period for the reservation and its settlement, even when the stream ends on the next day.
    const period = periodOf(this.clock.now())
    try {
      const refusal = await this.reserve(userId, period, tokens)
      if (refusal) {
        await this.releaseSlot(userId, slot)
        return { ok: false, refusal }
      }
    } catch (error) {
      await this.releaseSlot(userId, slot).catch(() => undefined)
      throw error
    }
    return { ok: true, pass: new SpendPass(this, userId, slot, period, tokens) }
  }

  /**
   * The user's prompts streaming now or ended within the last second, read strongly consistent: every lease taken
   * or released before this read was sent is in it (publish-share.ts relies on that).
   */
  async liveStreams(userId: string): Promise<LiveStream[]> {
    const sentAt = this.clock.now()
    const { Item } = await this.options.client.send(
      new GetItemCommand({
        TableName: this.options.tableName,
        Key: this.key(userId, STREAMS_SORT_KEY),
        ConsistentRead: true,
      }),
    )
    return liveStreamsOf(Item, sentAt)
  }

  /** The most models the user can have counted at once: every slot streaming 8 models, and as many tails. */
  get mostLiveModels(): number {
    return 2 * this.options.limits.concurrentStreams * MOST_MODELS_PER_PROMPT
  }

  /** The caller's usage of the current day and month, read eventually consistent (a display, not a decision). */
  async usage(userId: string): Promise<SpendUsage> {
    const period = periodOf(this.clock.now())
    const { Item } = await this.options.client.send(
      new GetItemCommand({
        TableName: this.options.tableName,
        Key: this.key(userId, period.sortKey),
        ProjectionExpression: '#month, #day',
        ExpressionAttributeNames: { '#month': MONTH_ATTRIBUTE, '#day': period.dayAttribute },
      }),
    )
    return {
      dayTokens: Math.max(0, numberOf(Item?.[period.dayAttribute])),
      monthTokens: Math.max(0, numberOf(Item?.[MONTH_ATTRIBUTE])),
      limits: this.options.limits,
      dayResetsAt: period.dayResetsAt,
      monthResetsAt: period.monthResetsAt,
    }
  }

  /** @internal Adds `delta` (may be negative) to the counters of the period the reservation was made in. */
  async adjust(userId: string, period: Period, delta: number): Promise<void> {
    if (delta === 0) return
    await this.options.client.send(
      new UpdateItemCommand({
        TableName: this.options.tableName,
        Key: this.key(userId, period.sortKey),
        UpdateExpression: 'ADD #month :delta, #day :delta',
        ExpressionAttributeNames: { '#month': MONTH_ATTRIBUTE, '#day': period.dayAttribute },
        ExpressionAttributeValues: { ':delta': { N: String(delta) } },
      }),
    )
  }

  /** @internal Frees a slot if it still holds this lease (an expired one may already be someone else's). */
  async releaseSlot(userId: string, slot: Slot): Promise<void> {
    try {
      await this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: this.key(userId, STREAMS_SORT_KEY),
          // The models stay counted for a second: the stream's last publishes are still in the window.
          UpdateExpression: 'REMOVE #until, #lease SET #tailModels = :models, #tailUntil = :tailUntil',
          ConditionExpression: '#lease = :lease',
          ExpressionAttributeNames: slotNames(slot.index, 'until', 'lease', 'tailModels', 'tailUntil'),
          ExpressionAttributeValues: {
            ':lease': { S: slot.lease },
            ':models': { N: String(slot.models) },
            ':tailUntil': { N: String(this.clock.now() + TAIL_MS) },
          },
        }),
      )
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error
    }
  }

  private async takeSlot(
    userId: string,
    streamId: string,
    leaseUntil: number,
    models: number,
  ): Promise<Slot | undefined> {
    const now = this.clock.now()
    const lease = `${streamId}@${now}`
    const slots = this.options.limits.concurrentStreams
    // Each stream starts at its own slot, so prompts starting together seldom try the same one first.
    const first = hashOf(streamId) % slots
    for (let attempt = 0; attempt < slots; attempt++) {
      const index = (first + attempt) % slots
      try {
        const { Attributes } = await this.options.client.send(
          new UpdateItemCommand({
            TableName: this.options.tableName,
            Key: this.key(userId, STREAMS_SORT_KEY),
            UpdateExpression: 'SET #until = :until, #lease = :lease, #models = :models, #ttl = :ttl',
            ConditionExpression: 'attribute_not_exists(#until) OR #until < :now',
            ExpressionAttributeNames: {
              ...slotNames(index, 'until', 'lease', 'models'),
              '#ttl': SPEND_TABLE.ttlAttribute,
            },
            ExpressionAttributeValues: {
              ':until': { N: String(leaseUntil) },
              ':lease': { S: lease },
              ':models': { N: String(models) },
              ':now': { N: String(now) },
              ':ttl': { N: String(Math.ceil((leaseUntil + DAY_MS) / 1000)) },
            },
            // The user's other streams as of this lease, for the publish budget's first share (no second read).
            ReturnValues: 'ALL_NEW',
          }),
        )
        return { index, lease, models, streams: liveStreamsOf(Attributes, now) }
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error
      }
    }
    return undefined
  }

  /** Undefined when the tokens are reserved; the refusal when a budget cannot hold them. */
  private async reserve(userId: string, period: Period, tokens: number): Promise<SpendRefusal | undefined> {
    const { dailyTokens, monthlyTokens } = this.options.limits
    // A request larger than a whole budget can never fit; DynamoDB's `attribute_not_exists` would let it through.
    if (tokens > dailyTokens) return this.tokenRefusal('daily-tokens', period, tokens)
    if (tokens > monthlyTokens) return this.tokenRefusal('monthly-tokens', period, tokens)
    try {
      await this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: this.key(userId, period.sortKey),
          UpdateExpression: 'ADD #month :tokens, #day :tokens SET #ttl = :ttl',
          // Condition expressions cannot add, so the room left for this request is computed here.
          ConditionExpression:
            '(attribute_not_exists(#month) OR #month <= :monthRoom) AND (attribute_not_exists(#day) OR #day <= :dayRoom)',
          ExpressionAttributeNames: {
            '#month': MONTH_ATTRIBUTE,
            '#day': period.dayAttribute,
            '#ttl': SPEND_TABLE.ttlAttribute,
          },
          ExpressionAttributeValues: {
            ':tokens': { N: String(tokens) },
            ':monthRoom': { N: String(monthlyTokens - tokens) },
            ':dayRoom': { N: String(dailyTokens - tokens) },
            ':ttl': { N: String(Math.ceil((period.monthResetsAt + TOKENS_KEPT_MS) / 1000)) },
          },
          // Says which budget stopped it, without a second read.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      )
      return undefined
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error
      const day = numberOf(error.Item?.[period.dayAttribute])
      const kind = day > dailyTokens - tokens ? 'daily-tokens' : 'monthly-tokens'
      return this.tokenRefusal(kind, period)
    }
  }

  private tokenRefusal(kind: 'daily-tokens' | 'monthly-tokens', period: Period, oversized?: number): SpendRefusal {
    const daily = kind === 'daily-tokens'
    const limit = daily ? this.options.limits.dailyTokens : this.options.limits.monthlyTokens
    const resetsAt = daily ? period.dayResetsAt : period.monthResetsAt
    const message = budgetMessage(kind, limit, resetsAt, oversized)
    return { kind, limit, resetsAt, message, ...(oversized !== undefined ? { requested: oversized } : {}) }
  }

  private concurrencyRefusal(): SpendRefusal {
    const limit = this.options.limits.concurrentStreams
    return { kind: 'concurrent-streams', limit, message: concurrencyMessage(limit) }
  }

  private key(userId: string, sortKey: string): Record<string, AttributeValue> {
    return { [SPEND_TABLE.partitionKey]: { S: userId }, [SPEND_TABLE.sortKey]: { S: sortKey } }
  }
}

/** A prompt's admission: settle it once it has streamed (whatever the outcome), which also frees its slot. */
export class SpendPass {
  private settled = false

  constructor(
    private readonly guard: SpendGuard,
    private readonly userId: string,
    private readonly slot: Slot,
    private readonly period: Period,
    readonly reservedTokens: number,
  ) {}

  /** This prompt's lease id and models, and the user's live streams when it was taken (its own included). */
  get lease(): { id: string; models: number; streams: LiveStream[] } {
    return { id: this.slot.lease, models: this.slot.models, streams: this.slot.streams }
  }

  /** The user's live streams now (strongly consistent). */
  liveStreams(): Promise<LiveStream[]> {
    return this.guard.liveStreams(this.userId)
  }

  /** The most models the user can have counted at once (the share to assume when the table cannot be read). */
  get mostLiveModels(): number {
    return this.guard.mostLiveModels
  }

  /** Replaces the reservation with the tokens used, then frees the slot (even when the first write failed). */
  async settle(usedTokens: number): Promise<void> {
    if (this.settled) return
    this.settled = true
    try {
      await this.guard.adjust(this.userId, this.period, Math.max(0, Math.ceil(usedTokens)) - this.reservedTokens)
    } finally {
      await this.guard.releaseSlot(this.userId, this.slot)
    }
  }
}

interface Slot {
  index: number
  lease: string
  models: number
  streams: LiveStream[]
}

interface Period {
  sortKey: string
  dayAttribute: string
  dayResetsAt: number
  monthResetsAt: number
}

const MONTH_ATTRIBUTE = 'monthTokens'

/** The UTC day and month `now` falls in. */
function periodOf(now: number): Period {
  const date = new Date(now)
  const year = date.getUTCFullYear()
  const month = date.getUTCMonth()
  const day = date.getUTCDate()
  const two = (n: number) => String(n).padStart(2, '0')
  return {
    sortKey: `tokens#${year}-${two(month + 1)}`,
    dayAttribute: `dayTokens${two(day)}`,
    dayResetsAt: Date.UTC(year, month, day + 1),
    monthResetsAt: Date.UTC(year, month + 1, 1),
  }
}

const SLOT_ATTRIBUTES = {
  until: 'Until',
  lease: 'Lease',
  models: 'Models',
  tailModels: 'TailModels',
  tailUntil: 'TailUntil',
} as const

/** The `#names` of one slot's attributes: only those an expression uses (DynamoDB refuses unused names). */
function slotNames(index: number, ...used: Array<keyof typeof SLOT_ATTRIBUTES>): Record<string, string> {
  return Object.fromEntries(used.map((name) => [`#${name}`, `slot${index}${SLOT_ATTRIBUTES[name]}`]))
}

/**
 * The leases held at `now` and the tails not yet over, whatever the number of slots (a deployer may have lowered
 * it while leases were held). A released slot's tail lasts after a new lease on the same slot too.
 */
function liveStreamsOf(item: Record<string, AttributeValue> | undefined, now: number): LiveStream[] {
  const streams: LiveStream[] = []
  for (const name of Object.keys(item ?? {})) {
    const index = /^slot(\d+)Until$/.exec(name)?.[1]
    if (index !== undefined && numberOf(item![name]) > now) {
      const models = numberOf(item![`slot${index}Models`])
      const lease = item![`slot${index}Lease`]?.S
      streams.push({ ...(lease !== undefined ? { lease } : {}), models: models > 0 ? models : MOST_MODELS_PER_PROMPT })
    }
    const tail = /^slot(\d+)TailUntil$/.exec(name)?.[1]
    if (tail !== undefined && numberOf(item![name]) > now)
      streams.push({ models: Math.max(1, numberOf(item![`slot${tail}TailModels`])) })
  }
  return streams
}

function hashOf(text: string): number {
  let hash = 0
  for (let i = 0; i < text.length; i++) hash = (hash * 31 + text.charCodeAt(i)) >>> 0
  return hash
}

function numberOf(value: AttributeValue | undefined): number {
  const n = value?.N === undefined ? 0 : Number(value.N)
  return Number.isFinite(n) ? n : 0
}

const count = (n: number) => n.toLocaleString('en-US')

/** "Your daily budget of 200,000 tokens is used; it resets at 00:00 UTC" (the app words it in its own language). */
export function budgetMessage(
  kind: 'daily-tokens' | 'monthly-tokens',
  limit: number,
  resetsAt: number,
  oversized?: number,
): string {
  const which = kind === 'daily-tokens' ? 'daily' : 'monthly'
  const reset =
    kind === 'daily-tokens' ? 'at 00:00 UTC' : `on ${new Date(resetsAt).toISOString().slice(0, 10)} at 00:00 UTC`
  if (oversized !== undefined)
    return `This prompt may use up to ${count(oversized)} tokens, more than your ${which} budget of ${count(limit)} tokens: shorten the conversation or ask fewer models`
  return `Your ${which} budget of ${count(limit)} tokens is used; it resets ${reset}`
}

export function concurrencyMessage(limit: number): string {
  const prompts = limit === 1 ? 'a prompt' : `${limit} prompts`
  return `You already have ${prompts} streaming, the most at once; ask again when one has finished`
}

/**
 * A prompt's input tokens, estimated from its UTF-8 size: about 4 bytes per token in English and 3 per token in
 * Japanese (3 bytes a character), so a third of the bytes is at or above the count for both; plus its attachments
 * (`estimateAttachmentTokens`). The estimate only sizes the reservation; the counters are settled with the
 * provider's own counts.
 */
export function estimateInputTokens(
  messages: ReadonlyArray<{ content: string; attachments?: readonly AttachmentSize[] | undefined }>,
): number {
  return messages.reduce(
    (sum, m) =>
      sum +
      Math.ceil(Buffer.byteLength(m.content, 'utf8') / 3) +
      4 +
      (m.attachments ?? []).reduce((files, attachment) => files + estimateAttachmentTokens(attachment), 0),
    0,
  )
}

/** What the estimate reads of an attachment reference (the chat request's `WireAttachment`). */
export interface AttachmentSize {
  kind: 'image' | 'text' | 'pdf'
  sizeBytes?: number | undefined
  pages?: number | undefined
}

/**
 * An image costs at most this many input tokens, per the providers' vision guides: Claude scales images to about
 * 1.15 megapixels (≈ 1,600 tokens at width × height / 750); OpenAI's tiled high detail stays under 1,500 and its
 * patch-based models (gpt-4.1-mini) stop at 1,536 patches × 1.62 ≈ 2,490.
 */
export const IMAGE_TOKEN_BOUND = 2_500
/**
 * A PDF page: Anthropic's PDF guide gives 1,500 to 3,000 tokens a page of text; the upper figure (Bedrock's
 * Converse document block gives the model the text; other targets get the extracted text).
 */
export const PDF_PAGE_TOKEN_BOUND = 3_000

/**
 * One attachment's input tokens: images at their bound, text files like text (a third of their bytes), PDFs by
 * page. A reference without its size (an older app) counts as one page. The sizes are the app's word: a client that
 * understates them can overshoot a budget by one prompt at most, within the chat Lambda's read limits (4.5 MB a
 * file, 20 MB a prompt), and the settlement then charges what the provider counted.
 */
export function estimateAttachmentTokens(attachment: AttachmentSize): number {
  switch (attachment.kind) {
    case 'image':
      return IMAGE_TOKEN_BOUND
    case 'text':
      return attachment.sizeBytes !== undefined ? Math.ceil(attachment.sizeBytes / 3) : PDF_PAGE_TOKEN_BOUND
    case 'pdf':
      return (attachment.pages ?? 1) * PDF_PAGE_TOKEN_BOUND
  }
}

/**
 * What one model's answer costs the budgets: input + output tokens as the provider reported them (reasoning tokens
 * are part of the output; a provider that counts only reasoning is taken at that). Without counts (a stream cut
 * short, a server that sends no usage) it is estimated: the input's estimate plus a token per 3 characters sent,
 * and nothing for a model that sent nothing (a refused or failed call).
 */
export function chargedTokens(
  answer: {
    metrics?: { inputTokens?: number; outputTokens?: number; reasoningTokens?: number } | undefined
    characters: number
    reasoningCharacters: number
  },
  inputEstimate: number,
): number {
  const { inputTokens, outputTokens, reasoningTokens } = answer.metrics ?? {}
  const output = outputTokens ?? reasoningTokens
  if (inputTokens !== undefined || output !== undefined) return (inputTokens ?? inputEstimate) + (output ?? 0)
  const characters = answer.characters + answer.reasoningCharacters
  return characters === 0 ? 0 : inputEstimate + Math.ceil(characters / 3)
}
