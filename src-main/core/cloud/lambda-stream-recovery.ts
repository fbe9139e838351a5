/**
 * Cloud mode's StreamRecovery: the answer store's fetch-stream Lambda, invoked synchronously with the user's own
 * identity-pool credentials (the Lambda reads the caller's identity from its context, so it can only ever return
 * this user's answers), and a journal of the streams this app is waiting on, kept in the token store (it survives
 * a restart, per identity) so that interrupted answers can be resumed at the next start.
 *
 * It asks for protocol v2's fields (reasoning, stop reason, tools, metrics) only from a stack whose config lists
 * v2: an older fetch-stream Lambda's strict schema refuses the request's `protocols` key. A v2 reply may leave out
 * answers too large to send together (`omittedModelIds`); each is then fetched on its own, and one too large to
 * send at all comes in pages (`textPart`), fetched one after another and reassembled by offset before the answer
 * goes on (its SHA-256 is checked on the whole by the answer recovery).
 */
import type { LambdaClient } from '@aws-sdk/client-lambda'
import { z } from 'zod'
import {
  ANSWER_TTL_SECONDS,
  assembleTextParts,
  FetchStreamResultSchema,
  RecentStreamsResultSchema,
  type RecentStream,
  type ArchivedAnswer,
  type FetchStreamRequest,
} from '../../protocol/answer-archive'
import { acceptsProtocolList } from '../../protocol/cloud-config'
import { IdSchema, PROTOCOL_VERSIONS } from '../../protocol/stream-protocol'
import { systemClock, type Clock } from '../../lib/clock'
import type { OpenStream, StreamRecovery } from '../chat/stream-recovery'
import { awsErrorName } from './aws-errors'
import { silentLog, type CloudLog } from './cloud-log'
import { describeInvokeError, invokeWithJson, type InvokeResult } from './lambda-errors'
import { tokenKeys, type TokenStore } from './token-store'
import { parseLambdaPayload } from './lambda-payload'

export interface LambdaStreamRecoveryOptions {
  lambda: LambdaClient
  functionName: string
  /** Where the journal of open streams is kept. */
  store: TokenStore
  identityId: string
  clock?: Clock
  log?: CloudLog
  /** Open streams older than this are dropped from the journal: the answer store no longer has them either. */
  maxAgeMs?: number
  /** The protocol versions the stack serves (its config's `protocols`; absent for a stack older than them). */
  servedProtocols?: readonly number[] | undefined
}

/** The most pages fetched for one answer (a 4 MB answer of 6-byte JSON escapes is 5 pages of 5 MB). */
const MAX_PAGES = 16

/** Journal entries kept at most (a user does not wait on more streams than this at once). */
const MAX_OPEN_STREAMS = 200

const JournalSchema = z
  .array(
    z.strictObject({
      streamId: IdSchema,
      modelIds: z.array(IdSchema).max(64),
      openedAt: z.number(),
      // A continued answer's part the app gave it itself (absent in journals written before it existed).
      given: z.strictObject({ text: z.int().min(0), reasoning: z.int().min(0) }).optional(),
    }),
  )
  .max(MAX_OPEN_STREAMS)
type JournalEntry = z.infer<typeof JournalSchema>[number]

export class LambdaStreamRecovery implements StreamRecovery {
  private journal: Map<string, JournalEntry> | undefined
  private loading: Promise<Map<string, JournalEntry>> | undefined
  private writes: Promise<void> = Promise.resolve()
  private readonly clock: Clock
  private readonly log: CloudLog

  constructor(private readonly options: LambdaStreamRecoveryOptions) {
    this.clock = options.clock ?? systemClock
    this.log = options.log ?? silentLog
  }

  async fetch(streamId: string): Promise<ArchivedAnswer[]> {
    // Pages came with the same stack change as tolerant requests, which a stack listing v2 has.
    const protocols = acceptsProtocolList(this.options.servedProtocols)
      ? { protocols: [...PROTOCOL_VERSIONS], parts: true }
      : {}
    const { answers, omittedModelIds } = await this.invoke({ streamId, ...protocols })
    const whole = [...answers]
    // A stream has at most the journal's 64 models: a longer list is not followed past that.
    for (const modelId of new Set(omittedModelIds?.slice(0, 64))) {
      whole.push(...(await this.invoke({ streamId, modelId, ...protocols })).answers)
    }
    const complete: ArchivedAnswer[] = []
    for (const answer of whole.filter((a) => a.streamId === streamId)) {
      const assembled = answer.textPart ? await this.remainingPages(answer, protocols) : answer
      if (assembled) complete.push(assembled)
    }
    return complete
  }

  /**
   * The user's streams of the last day that the answer store keeps with what was asked (catch-up). A stack without
   * the list (older than it, or from before tolerant requests) gives none; a failure rejects.
   */
  async recentStreams(): Promise<RecentStream[]> {
    if (!acceptsProtocolList(this.options.servedProtocols)) return []
    const { lambda, functionName } = this.options
    let result: InvokeResult
    try {
      result = await invokeWithJson(lambda, functionName, { recent: true })
    } catch (error) {
      this.log('recent-streams-failed', { error: awsErrorName(error) })
      throw new Error(describeInvokeError(error, functionName), { cause: error })
    }
    const parsed = RecentStreamsResultSchema.safeParse(parseLambdaPayload(result.Payload))
    // An older fetch Lambda answers `{ recent: true }` as a stream request it cannot read: no list, no catch-up.
    if (result.FunctionError !== undefined || !parsed.success || !parsed.data.ok) {
      this.log('recent-streams-unavailable', {})
      return []
    }
    this.log('recent-streams-served', { streams: parsed.data.streams.length })
    return parsed.data.streams
  }

  /** The whole answer from its first page and the pages after it, or undefined when they do not add up. */
  private async remainingPages(first: ArchivedAnswer, protocols: object): Promise<ArchivedAnswer | undefined> {
    const { textPart, ...rest } = first
    const total = textPart!.total
    const pages = [{ offset: textPart!.offset, text: first.text }]
    let next = textPart!.offset + first.text.length
    for (let fetched = 1; next < total && fetched < MAX_PAGES; fetched++) {
      const reply = await this.invoke({
        streamId: first.streamId,
        modelId: first.modelId,
        textFrom: next,
        ...protocols,
      })
      const page = reply.answers.find((a) => a.modelId === first.modelId && a.textPart?.total === total)
      if (!page?.textPart || page.text === '') break
      pages.push({ offset: page.textPart.offset, text: page.text })
      next = page.textPart.offset + page.text.length
    }
    const text = assembleTextParts(pages, total)
    if (text === undefined) {
      this.log('fetch-stream-pages-incomplete', { pages: pages.length })
      return undefined
    }
    return { ...rest, text }
  }

  private async invoke(
    request: FetchStreamRequest,
  ): Promise<{ answers: ArchivedAnswer[]; omittedModelIds?: string[] }> {
    const { lambda, functionName } = this.options
    let result: InvokeResult
    try {
      result = await invokeWithJson(lambda, functionName, request)
    } catch (error) {
      this.log('fetch-stream-failed', { error: awsErrorName(error) })
      throw new Error(describeInvokeError(error, functionName), { cause: error })
    }
    if (result.FunctionError !== undefined) {
      this.log('fetch-stream-function-error', { functionError: result.FunctionError })
      throw new Error(`The cloud function ${functionName} failed (${result.FunctionError}).`)
    }
    const parsed = FetchStreamResultSchema.safeParse(parseLambdaPayload(result.Payload))
    if (!parsed.success)
      throw new Error(`The cloud function ${functionName} gave an answer this app does not understand.`)
    const answer = parsed.data
    if (!answer.ok) throw new Error(`The cloud function ${functionName} refused: ${answer.detail.slice(0, 200)}`)
    this.log('fetch-stream-served', { answers: answer.answers.length })
    return answer
  }

  opened(stream: OpenStream): void {
    const openedAt = this.clock.now()
    void this.change((journal) => {
      const { streamId, modelIds, given } = stream
      journal.set(streamId, { streamId, modelIds: [...modelIds], openedAt, ...(given && { given: { ...given } }) })
      while (journal.size > MAX_OPEN_STREAMS) journal.delete(journal.keys().next().value as string)
      return true
    })
  }

  closed(streamId: string, modelId: string): void {
    void this.change((journal) => {
      const entry = journal.get(streamId)
      if (!entry?.modelIds.includes(modelId)) return false
      entry.modelIds = entry.modelIds.filter((id) => id !== modelId)
      if (entry.modelIds.length === 0) journal.delete(streamId)
      return true
    })
  }

  async openStreams(): Promise<OpenStream[]> {
    await this.writes // changes made so far come first
    const journal = await this.load()
    const oldest = this.clock.now() - (this.options.maxAgeMs ?? ANSWER_TTL_SECONDS * 1000)
    return [...journal.values()]
      .filter((entry) => entry.openedAt >= oldest)
      .map(({ streamId, modelIds, given }) => ({ streamId, modelIds: [...modelIds], ...(given && { given }) }))
  }

  /** Resolves once every journal change so far is on disk (tests, and a clean shutdown). */
  async flushed(): Promise<void> {
    await this.writes
  }

  /** Applies `update` to the journal and saves it when it changed; in order, never throwing. */
  private change(update: (journal: Map<string, JournalEntry>) => boolean): Promise<void> {
    this.writes = this.writes.then(async () => {
      try {
        const journal = await this.load()
        if (!update(journal)) return
        const key = tokenKeys.openStreams(this.options.identityId)
        if (journal.size === 0) await this.options.store.delete(key)
        else await this.options.store.set(key, JSON.stringify([...journal.values()]))
      } catch (error) {
        this.log('open-streams-save-failed', { error: awsErrorName(error) })
      }
    })
    return this.writes
  }

  private load(): Promise<Map<string, JournalEntry>> {
    if (this.journal) return Promise.resolve(this.journal)
    this.loading ??= (async () => {
      let entries: JournalEntry[] = []
      try {
        const stored = await this.options.store.get(tokenKeys.openStreams(this.options.identityId))
        const parsed = stored === undefined ? undefined : JournalSchema.safeParse(JSON.parse(stored))
        if (parsed?.success) entries = parsed.data
      } catch {
        // An unreadable journal is an empty one: nothing to resume.
      }
      this.journal = new Map(entries.map((entry) => [entry.streamId, entry]))
      return this.journal
    })()
    return this.loading
  }
}
