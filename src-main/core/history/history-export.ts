/**
 * The export formats. JSON is a versioned document holding everything an import needs; Markdown is for people.
 * Imports are validated here in full before the store writes anything.
 */
import { z } from 'zod'
import { userMessage, type ImportFailure, type WriteFailure } from '../../shared/user-message'
import { UserFacingError } from '../user-facing-error'
import { IdSchema } from '../../protocol/stream-protocol'
import { STORED_STATUSES, type AnswerEndDetails, type AnswerError, type TokenUsage } from '../../shared/answer'
import { StoredEndDetailsSchema } from './answer-end-details'
import { MAX_SYSTEM_PROMPT_CHARS } from '../../shared/generation'
import { describeValue, truncateText } from '../../lib/truncate-text'
import type { AnswerRecord, ConversationRecord } from './history-types'
import { MAX_ATTACHMENT_INPUT_BYTES, MAX_ATTACHMENTS_PER_PROMPT, type TurnAttachment } from '../../shared/attachment'

export const EXPORT_FORMAT = 'streamdesk-history'
/**
 * The versions this app reads. Version 2 adds what version 1 cannot hold: several attempts per model (each with its
 * stream), turns that branch (each names the turn it follows), each answer's reasoning and end details (why it
 * stopped, its tools, redacted reasoning blocks, metrics), and each conversation's system prompt. An export is
 * written in version 1 whenever its data fits it (one attempt per model, a linear history, no reasoning, end details
 * or system prompt), so an app that reads only version 1 can still import it. A version 2 file written before the
 * system prompt was added simply has none, and imports as it did; likewise a conversation's `askedElsewhere` mark
 * (asked on another device of the user, history migration 8): a file without it imports unmarked.
 */
export const EXPORT_VERSIONS = [1, 2] as const
/** Larger files are refused before parsing (check the file size against it before reading one into memory). */
export const MAX_IMPORT_CHARS = 128 * 1024 * 1024
export const MAX_TITLE_CHARS = 200

const Timestamp = z.iso.datetime({ offset: true })
const TokenCount = z.number().int().min(0).max(1_000_000_000)
// Held to the answer vocabulary's types, so the file format cannot drift from them unnoticed.
const UsageSchema = z.strictObject({
  inputTokens: z.optional(TokenCount),
  outputTokens: z.optional(TokenCount),
}) satisfies z.ZodType<TokenUsage>
const ErrorSchema = z.strictObject({
  code: z.string().max(100),
  message: z.string().max(10_000),
}) satisfies z.ZodType<AnswerError>
// `satisfies` checks the value types; all-optional fields need the names checked too (a typo would pass it).
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false
const usageNamesMatch: SameKeys<z.infer<typeof UsageSchema>, TokenUsage> = true
void usageNamesMatch

/**
 * The longest answer text, and the longest reasoning, an import accepts: no shorter than what the file itself may
 * hold, since history stores answers of any length (Continue appends to them) and its own export must read back.
 */
const MAX_ANSWER_CHARS = MAX_IMPORT_CHARS

const ExportedAnswerV1Schema = z.strictObject({
  modelId: IdSchema,
  modelLabel: z.string().max(200),
  text: z.string().max(MAX_ANSWER_CHARS),
  status: z.enum(STORED_STATUSES),
  error: z.optional(ErrorSchema),
  usage: z.optional(UsageSchema),
  startedAt: Timestamp,
  updatedAt: Timestamp,
})

const ExportedAnswerV2Schema = z.strictObject({
  ...ExportedAnswerV1Schema.shape,
  streamId: IdSchema,
  attempt: z.number().int().min(1).max(1_000),
  /** Absent when the model gave none. */
  reasoning: z.optional(z.string().min(1).max(MAX_ANSWER_CHARS)),
  /** Why it stopped, tools, redacted blocks and metrics; absent when the backend said nothing of them. */
  end: z.optional(StoredEndDetailsSchema),
})

const turnFields = {
  prompt: z.string().max(1_000_000),
  streamId: IdSchema,
  createdAt: Timestamp,
}

const ExportedTurnV1Schema = z
  .strictObject({ ...turnFields, answers: z.array(ExportedAnswerV1Schema).max(50) })
  .refine((turn) => new Set(turn.answers.map((a) => a.modelId)).size === turn.answers.length, {
    message: 'a model answers a prompt at most once',
    path: ['answers'],
  })

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 digest')
const PixelCount = z.number().int().min(1).max(100_000)
const WithheldReasonSchema = z.enum(['model-cannot-read-images', 'model-cannot-read-documents', 'too-many-images'])

/** A turn's attachment, by reference; the file itself is in the document's `files` (when it could be read). */
const ExportedAttachmentSchema = z.strictObject({
  id: Sha256,
  name: z.string().min(1).max(255),
  kind: z.enum(['image', 'text', 'pdf']),
  mediaType: z.enum(['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'text/plain', 'application/pdf']),
  sizeBytes: z.number().int().min(1).max(MAX_ATTACHMENT_INPUT_BYTES),
  width: z.optional(PixelCount),
  height: z.optional(PixelCount),
  textId: z.optional(Sha256),
  pages: z.optional(z.number().int().min(1).max(100_000)),
  withheld: z.optional(z.record(IdSchema, WithheldReasonSchema)),
}) satisfies z.ZodType<Omit<TurnAttachment, 'status' | 'objectKey'>>

const ExportedTurnV2Schema = z
  .strictObject({
    ...turnFields,
    /** The index, in the conversation's `turns`, of the turn this one follows; null for a first turn. */
    parent: z.number().int().min(0).nullable(),
    answers: z.array(ExportedAnswerV2Schema).max(1_000),
    /** The files sent with the prompt, in order; absent when none (and in files written before attachments). */
    attachments: z.optional(z.array(ExportedAttachmentSchema).min(1).max(MAX_ATTACHMENTS_PER_PROMPT)),
  })
  .refine((turn) => new Set(turn.answers.map((a) => `${a.modelId}\n${a.attempt}`)).size === turn.answers.length, {
    message: 'a model has each attempt at a prompt at most once',
    path: ['answers'],
  })

const conversationFields = {
  id: IdSchema,
  title: z.string().max(MAX_TITLE_CHARS),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  pinned: z.boolean(),
}

const ExportedConversationV1Schema = z.strictObject({
  ...conversationFields,
  turns: z.array(ExportedTurnV1Schema).max(100_000),
})

const ExportedConversationV2Schema = z
  .strictObject({
    ...conversationFields,
    /** What every turn was sent with; absent when none was set. */
    systemPrompt: z.optional(z.string().min(1).max(MAX_SYSTEM_PROMPT_CHARS)),
    /** Asked on another device of the user (the sidebar's mark); absent when it was asked here. */
    askedElsewhere: z.optional(z.literal(true)),
    turns: z.array(ExportedTurnV2Schema).max(100_000),
  })
  .superRefine((conversation, context) => {
    conversation.turns.forEach((turn, index) => {
      // An earlier turn: the turns were added in this order, so a parent always comes first (and there is no cycle).
      if (turn.parent !== null && turn.parent >= index) {
        context.addIssue({
          code: 'custom',
          message: 'a turn follows an earlier turn',
          path: ['turns', index, 'parent'],
        })
      }
    })
  })

const documentFields = { format: z.literal(EXPORT_FORMAT), exportedAt: Timestamp }

export const HistoryDocumentV1Schema = z.strictObject({
  ...documentFields,
  version: z.literal(1),
  conversations: z.array(ExportedConversationV1Schema).max(1_000_000),
})

export const HistoryDocumentV2Schema = z.strictObject({
  ...documentFields,
  version: z.literal(2),
  conversations: z.array(ExportedConversationV2Schema).max(1_000_000),
  /**
   * The attachments' files, base64 by SHA-256 (each checked against its id on import); absent when there are none.
   * The whole document stays within MAX_IMPORT_CHARS, files included.
   */
  files: z.optional(z.record(Sha256, z.base64())),
})

export type HistoryDocumentV1 = z.infer<typeof HistoryDocumentV1Schema>
export type HistoryDocumentV2 = z.infer<typeof HistoryDocumentV2Schema>
export type HistoryDocument = HistoryDocumentV1 | HistoryDocumentV2
/** What the store imports: a conversation in the newest version's shape, whatever version the file had. */
export type ExportedConversation = z.infer<typeof ExportedConversationV2Schema>
type ExportedAnswer = z.infer<typeof ExportedAnswerV2Schema>
type ExportedAttachment = z.infer<typeof ExportedAttachmentSchema>

/** Why an import was refused, as it crosses from the import worker: the English reason and the keyed parts. */
export interface ImportRefusal {
  /** Why, in English, without the closing sentence (for the log). */
  reason: string
  failure: ImportFailure
  /** The file's or the OS's own words (bounded by userMessage). */
  detail?: string
  params?: { limitMb?: number; versions?: string; reason?: WriteFailure }
}

/** A refused import; its message says why and whether anything was imported, its keyed words the same. */
export class HistoryImportError extends UserFacingError {
  override readonly name = 'HistoryImportError'
  readonly refusal: ImportRefusal
  /** Conversations an import in batches had committed before it stopped (0: nothing was imported). */
  readonly imported: number
  constructor(refusal: ImportRefusal, imported = 0) {
    super(
      `${refusal.reason} ${
        imported === 0
          ? 'Nothing was imported.'
          : `${imported} conversation${imported === 1 ? ' was' : 's were'} imported before it stopped; importing the file again adds the rest.`
      }`,
      userMessage('history:import-refused', { failure: refusal.failure, imported, ...refusal.params }, refusal.detail),
    )
    this.refusal = refusal
    this.imported = imported
  }
}

export function toHistoryDocument(conversations: readonly ConversationRecord[], exportedAt: Date): HistoryDocument {
  const latest = conversations.map(toExportedConversation)
  return latest.every(fitsVersion1)
    ? { ...exportEnvelope(exportedAt, 1), conversations: latest.map(toVersion1) }
    : { ...exportEnvelope(exportedAt, 2), conversations: latest }
}

/** The document's fields before its conversations. */
export function exportEnvelope<V extends 1 | 2>(exportedAt: Date, version: V) {
  return { format: EXPORT_FORMAT as typeof EXPORT_FORMAT, version, exportedAt: exportedAt.toISOString() }
}

/** A stored conversation as the newest version exports it. */
export function toExportedConversation(c: ConversationRecord): ExportedConversation {
  const indexOfTurn = new Map(c.turns.map((t, i) => [t.id, i]))
  return {
    id: c.id,
    title: c.title,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
    pinned: c.pinned,
    ...(c.systemPrompt ? { systemPrompt: c.systemPrompt } : {}),
    ...(c.askedElsewhere ? { askedElsewhere: true as const } : {}),
    turns: c.turns.map((t) => ({
      prompt: t.prompt,
      streamId: t.streamId,
      createdAt: iso(t.createdAt),
      parent: t.parentTurnId === null ? null : (indexOfTurn.get(t.parentTurnId) ?? null),
      answers: t.answers.map(toExportedAnswer),
      ...(t.attachments ? { attachments: t.attachments.map(toExportedAttachment) } : {}),
    })),
  }
}

function toExportedAttachment({ status: _status, objectKey: _objectKey, ...rest }: TurnAttachment): ExportedAttachment {
  return rest
}

function toExportedAnswer(a: AnswerRecord): ExportedAnswer {
  return {
    modelId: a.modelId,
    modelLabel: a.modelLabel,
    text: a.text,
    status: a.status,
    ...(a.error ? { error: a.error } : {}),
    ...(a.usage ? { usage: a.usage } : {}),
    startedAt: iso(a.startedAt),
    updatedAt: iso(a.updatedAt),
    streamId: a.streamId,
    attempt: a.attempt,
    ...(a.reasoning ? { reasoning: a.reasoning } : {}),
    ...exportedEnd(a.end),
  }
}

/**
 * The end details as version 2 has always held them: without the estimated cost, which apps before prices would
 * refuse (their schema is strict) and which is this app's estimate at that day's prices rather than a fact of the
 * answer.
 */
function exportedEnd(end: AnswerEndDetails | undefined): { end?: Omit<AnswerEndDetails, 'costUsd'> } {
  const { costUsd: _costUsd, ...rest } = end ?? {}
  return Object.keys(rest).length > 0 ? { end: rest } : {}
}

/**
 * Version 1 holds one attempt per model, on the turn's stream, turns that each follow the one before, answers
 * without reasoning or end details, no system prompt and no mark of a conversation asked on another device. An
 * export is written in version 1 when every conversation in it fits.
 */
export function fitsVersion1(c: ExportedConversation): boolean {
  return (
    c.systemPrompt === undefined &&
    c.askedElsewhere === undefined &&
    c.turns.every(
      (turn, index) =>
        turn.parent === (index === 0 ? null : index - 1) &&
        turn.attachments === undefined &&
        turn.answers.every(
          (a) => a.attempt === 1 && a.streamId === turn.streamId && a.reasoning === undefined && a.end === undefined,
        ),
    )
  )
}

export function toVersion1({
  systemPrompt: _systemPrompt,
  askedElsewhere: _marked,
  ...c
}: ExportedConversation): HistoryDocumentV1['conversations'][number] {
  return {
    ...c,
    turns: c.turns.map(({ parent: _parent, answers, attachments: _attachments, ...turn }) => ({
      ...turn,
      answers: answers.map(
        ({ streamId: _streamId, attempt: _attempt, reasoning: _reasoning, end: _end, ...answer }) => answer,
      ),
    })),
  }
}

/** A version 1 conversation in the newest shape: each answer attempt 1 on its turn's stream, the turns a path. */
function fromVersion1(conversation: HistoryDocumentV1['conversations'][number]): ExportedConversation {
  return {
    ...conversation,
    turns: conversation.turns.map((turn, index) => ({
      ...turn,
      parent: index === 0 ? null : index - 1,
      answers: turn.answers.map((answer) => ({ ...answer, streamId: turn.streamId, attempt: 1 })),
    })),
  }
}

export const tooLargeToImport = () => {
  const limitMb = MAX_IMPORT_CHARS / 1024 / 1024
  return new HistoryImportError({
    reason: `This file is too large to import (over ${limitMb} MB).`,
    failure: 'too-large',
    params: { limitMb },
  })
}

/** The file's JSON, refused (in plain words) when too large or not JSON; `validateHistoryDocument` checks the rest. */
export function parseHistoryJson(text: string): unknown {
  if (text.length > MAX_IMPORT_CHARS) throw tooLargeToImport()
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new HistoryImportError({
      reason: 'This file is not a StreamDesk history export: it is not valid JSON.',
      failure: 'not-json',
    })
  }
  return value
}

/**
 * Refuses anything that is not a complete, valid document of a version this app reads, saying why in plain words.
 * Returns its conversations in the newest version's shape.
 */
export function validateHistoryDocument(value: unknown): ExportedConversation[] {
  refuseDeepNesting(value)
  const envelope = z.looseObject({ format: z.unknown(), version: z.unknown() }).safeParse(value)
  if (!envelope.success || envelope.data.format !== EXPORT_FORMAT) {
    throw new HistoryImportError({
      reason: 'This file is not a StreamDesk history export (it has no "format": "streamdesk-history").',
      failure: 'not-an-export',
    })
  }
  const { version } = envelope.data
  if (version === 1) return checked(HistoryDocumentV1Schema.safeParse(value)).conversations.map(fromVersion1)
  if (version === 2) return checked(HistoryDocumentV2Schema.safeParse(value)).conversations
  const found = describeValue(version, EXCERPT_CHARS + 1)
  const versions = EXPORT_VERSIONS.join(', ')
  throw new HistoryImportError({
    reason: `This history export has format version ${found}; this version of StreamDesk reads versions ${EXPORT_VERSIONS.join(' and ')}.`,
    failure: 'unknown-version',
    params: { versions },
    detail: `version ${found}`,
  })
}

/**
 * An export nests about ten levels deep. Anything far deeper is refused before validation, since code that walks
 * it recursively (JSON.stringify, a schema) would end in a raw stack overflow instead of a message.
 */
const MAX_NESTING = 64

function refuseDeepNesting(value: unknown): void {
  const pending: Array<[unknown, number]> = [[value, 1]]
  while (pending.length > 0) {
    const [next, depth] = pending.pop()!
    if (typeof next !== 'object' || next === null) continue
    if (depth > MAX_NESTING) {
      throw new HistoryImportError({
        reason: 'The file is nested too deeply to be a StreamDesk export.',
        failure: 'too-deep',
      })
    }
    for (const child of Object.values(next)) {
      if (typeof child === 'object' && child !== null) pending.push([child, depth + 1])
    }
  }
}

/**
 * Text from the file in a message is cut to a short excerpt, so a huge value cannot become a huge error (a 5 MB
 * `version` once did, as a toast taller than the window). A schema's message can quote a key from the file.
 */
const EXCERPT_CHARS = 40
const ISSUE_MESSAGE_CHARS = 120

/** Quoted from the file: at most EXCERPT_CHARS code points and the ellipsis that marks a cut. */
const excerpt = (text: string, max = EXCERPT_CHARS) => truncateText(text, max + 1)

function checked<T>(parsed: z.ZodSafeParseResult<T>): T {
  if (parsed.success) return parsed.data
  const problems = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${formatPath(issue.path)}: ${excerpt(issue.message.replace(/\s+/g, ' '), ISSUE_MESSAGE_CHARS)}`)
  const more = parsed.error.issues.length > 3 ? ` (and ${parsed.error.issues.length - 3} more)` : ''
  throw new HistoryImportError({
    reason: `This history export is damaged or incomplete: ${problems.join('; ')}${more}.`,
    failure: 'damaged',
    detail: `${problems.join('; ')}${more}`,
  })
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return (
    path.reduce<string>(
      (text, key) =>
        typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${excerpt(String(key))}` : excerpt(String(key)),
      '',
    ) || '(document)'
  )
}

export function toMarkdown(conversations: readonly ConversationRecord[], exportedAt: Date): string {
  return markdownHeader(exportedAt) + conversations.map(conversationMarkdown).join(MARKDOWN_SEPARATOR) + '\n'
}

/**
 * The Markdown export in pieces, as `toMarkdown` writes it whole: the header, then each conversation (`separator`
 * before all but the first), then `MARKDOWN_END`. An export written piece by piece never holds the whole text.
 */
export const MARKDOWN_SEPARATOR = '\n\n---\n\n'
export const MARKDOWN_END = '\n'
export const markdownHeader = (exportedAt: Date) =>
  `<!-- Exported from StreamDesk on ${exportedAt.toISOString()} -->\n\n`

/**
 * The same texts as `toMarkdown` and `JSON.stringify(document, null, 2)`, written one conversation at a time with
 * `between()` awaited after each, so that a long export can give the event loop back (see HistoryStore).
 */
export async function markdownInSlices(
  conversations: readonly ConversationRecord[],
  exportedAt: Date,
  between: () => Promise<void>,
): Promise<string> {
  const pieces: string[] = []
  for (const conversation of conversations) {
    pieces.push(conversationMarkdown(conversation))
    await between()
  }
  return markdownHeader(exportedAt) + pieces.join(MARKDOWN_SEPARATOR) + MARKDOWN_END
}

export async function jsonInSlices(document: HistoryDocument, between: () => Promise<void>): Promise<string> {
  const { conversations, ...envelope } = document
  const pieces = [jsonHead(envelope)]
  for (const [index, conversation] of conversations.entries()) {
    pieces.push(jsonConversation(conversation, index))
    await between()
  }
  pieces.push(jsonEnd(conversations.length))
  return pieces.join('')
}

/**
 * The JSON export in pieces, as `JSON.stringify(document, null, 2)` and a line break write it whole: the head (the
 * envelope up to the conversations' `[`), each conversation indented two levels (JSON strings hold no raw line
 * breaks, so every line break is indentation), then the end, with the attachment files when there are any.
 */
export function jsonHead(envelope: Omit<HistoryDocument, 'conversations'>): string {
  return JSON.stringify({ ...envelope, conversations: [] }, null, 2).replace(/\[\]\n\}$/, '[')
}

export function jsonConversation(conversation: HistoryDocument['conversations'][number], index: number): string {
  return `${index === 0 ? '\n' : ',\n'}    ${JSON.stringify(conversation, null, 2).replaceAll('\n', '\n    ')}`
}

/** `files`, base64 by id in id order, as `withAttachmentFiles` adds them: absent when no turn refers to a file. */
export function jsonEnd(conversationCount: number, files?: Record<string, string>): string {
  const filesPart = files ? `,\n${JSON.stringify({ files }, null, 2).slice(2, -2)}` : ''
  return `${conversationCount > 0 ? '\n  ]' : ']'}${filesPart}\n}\n`
}

export function conversationMarkdown(c: ConversationRecord): string {
  const parts = [`# ${oneLine(c.title)}`, `_Started ${iso(c.createdAt)}_`]
  if (c.systemPrompt) parts.push('**System prompt**', quote(c.systemPrompt))
  c.turns.forEach((turn, i) => {
    parts.push(`## Prompt ${i + 1}`, quote(turn.prompt))
    for (const answer of turn.answers) {
      const note = answerNote(answer)
      parts.push(`### ${oneLine(answer.modelLabel)}${note ? ` _(${note})_` : ''}`)
      if (answer.reasoning) parts.push(thinking(answer.reasoning))
      parts.push(answer.text.trim() || '_(no text)_')
    }
  })
  return parts.join('\n\n')
}

/**
 * The reasoning, collapsed as GitHub and most markdown viewers show `<details>`; the blank lines around it let the
 * reasoning's own markdown render inside. Quoted, so a `</details>` in the reasoning cannot close the block early.
 */
function thinking(reasoning: string): string {
  return `<details>\n<summary>Thinking</summary>\n\n${quote(reasoning.trim())}\n\n</details>`
}

function answerNote(answer: AnswerRecord): string {
  const attempt = answer.attempt > 1 ? [`attempt ${answer.attempt}`] : []
  const redacted = answer.end?.redactedReasoning ?? 0
  const redactedNote = redacted > 0 ? `${redacted} redacted reasoning block${redacted === 1 ? '' : 's'}` : ''
  return [...attempt, statusNote(answer), stopNote(answer), redactedNote].filter(Boolean).join(', ')
}

/** Why a finished answer stopped, when that is news: the end of the answer, or a stop by the user, is not. */
function stopNote(answer: AnswerRecord): string {
  const reason = answer.end?.stopReason
  if (reason === undefined || reason === 'end' || reason === 'user' || reason === 'error') return ''
  if (reason === 'other') return `stopped: ${oneLine(answer.end?.rawStopReason ?? 'other')}`
  const tools = answer.end?.toolNames?.length ? ` (${answer.end.toolNames.map(oneLine).join(', ')})` : ''
  return `stopped: ${reason}${reason === 'tool-call' ? tools : ''}`
}

function statusNote(answer: AnswerRecord): string {
  switch (answer.status) {
    case 'complete':
      return ''
    case 'error':
      return `error: ${oneLine(answer.error?.message ?? 'unknown')}`
    default:
      return answer.status
  }
}

function quote(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => (line ? `> ${line}` : '>'))
    .join('\n')
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString()
}
