/**
 * The export formats. JSON is a versioned document holding everything an import needs; Markdown is for people.
 * Imports are validated here in full before the store writes anything.
 */
import { z } from 'zod'
import { IdSchema } from '../../protocol/stream-protocol'
import { ANSWER_STATUSES, type ConversationDetail, type StoredAnswer } from './history-types'

export const EXPORT_FORMAT = 'streamdesk-history'
export const EXPORT_VERSION = 1
/** Larger files are refused before parsing (check the file size against it before reading one into memory). */
export const MAX_IMPORT_CHARS = 128 * 1024 * 1024
export const MAX_TITLE_CHARS = 200

const Timestamp = z.iso.datetime({ offset: true })
const TokenCount = z.number().int().min(0).max(1_000_000_000)

const ExportedAnswerSchema = z.strictObject({
  modelId: IdSchema,
  modelLabel: z.string().max(200),
  text: z.string().max(4_000_000),
  status: z.enum(ANSWER_STATUSES),
  error: z.optional(z.strictObject({ code: z.string().max(100), message: z.string().max(10_000) })),
  usage: z.optional(z.strictObject({ inputTokens: z.optional(TokenCount), outputTokens: z.optional(TokenCount) })),
  startedAt: Timestamp,
  updatedAt: Timestamp,
})

const ExportedTurnSchema = z
  .strictObject({
    prompt: z.string().max(1_000_000),
    streamId: IdSchema,
    createdAt: Timestamp,
    answers: z.array(ExportedAnswerSchema).max(50),
  })
  .refine((turn) => new Set(turn.answers.map((a) => a.modelId)).size === turn.answers.length, {
    message: 'a model answers a prompt at most once',
    path: ['answers'],
  })

const ExportedConversationSchema = z.strictObject({
  id: IdSchema,
  title: z.string().max(MAX_TITLE_CHARS),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  pinned: z.boolean(),
  turns: z.array(ExportedTurnSchema).max(100_000),
})

export const HistoryDocumentSchema = z.strictObject({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(EXPORT_VERSION),
  exportedAt: Timestamp,
  conversations: z.array(ExportedConversationSchema).max(1_000_000),
})

export type HistoryDocument = z.infer<typeof HistoryDocumentSchema>
export type ExportedConversation = z.infer<typeof ExportedConversationSchema>
type ExportedAnswer = z.infer<typeof ExportedAnswerSchema>

/** A refused import; its message, for the user, says why and that nothing was changed. */
export class HistoryImportError extends Error {
  override readonly name = 'HistoryImportError'
  constructor(reason: string) {
    super(`${reason} Nothing was imported.`)
  }
}

export function toHistoryDocument(conversations: readonly ConversationDetail[], exportedAt: Date): HistoryDocument {
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: exportedAt.toISOString(),
    conversations: conversations.map((c) => ({
      id: c.id,
      title: c.title,
      createdAt: iso(c.createdAt),
      updatedAt: iso(c.updatedAt),
      pinned: c.pinned,
      turns: c.turns.map((t) => ({
        prompt: t.prompt,
        streamId: t.streamId,
        createdAt: iso(t.createdAt),
        answers: t.answers.map(toExportedAnswer),
      })),
    })),
  }
}

function toExportedAnswer(a: StoredAnswer): ExportedAnswer {
  return {
    modelId: a.modelId,
    modelLabel: a.modelLabel,
    text: a.text,
    status: a.status,
    ...(a.error ? { error: a.error } : {}),
    ...(a.usage ? { usage: a.usage } : {}),
    startedAt: iso(a.startedAt),
    updatedAt: iso(a.updatedAt),
  }
}

/** Refuses anything that is not a complete, valid version-1 document, saying why in plain words. */
export function parseHistoryJson(text: string): HistoryDocument {
  if (text.length > MAX_IMPORT_CHARS) {
    throw new HistoryImportError(`This file is too large to import (over ${MAX_IMPORT_CHARS / 1024 / 1024} MB).`)
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new HistoryImportError('This file is not a StreamDesk history export: it is not valid JSON.')
  }
  return validateHistoryDocument(value)
}

export function validateHistoryDocument(value: unknown): HistoryDocument {
  const envelope = z.looseObject({ format: z.unknown(), version: z.unknown() }).safeParse(value)
  if (!envelope.success || envelope.data.format !== EXPORT_FORMAT) {
    throw new HistoryImportError(
      'This file is not a StreamDesk history export (it has no "format": "streamdesk-history").',
    )
  }
  if (envelope.data.version !== EXPORT_VERSION) {
    throw new HistoryImportError(
      `This history export has format version ${JSON.stringify(envelope.data.version)}; this version of StreamDesk reads version ${EXPORT_VERSION}.`,
    )
  }
  const parsed = HistoryDocumentSchema.safeParse(value)
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 3).map((issue) => `${formatPath(issue.path)}: ${issue.message}`)
    const more = parsed.error.issues.length > 3 ? ` (and ${parsed.error.issues.length - 3} more)` : ''
    throw new HistoryImportError(`This history export is damaged or incomplete: ${problems.join('; ')}${more}.`)
  }
  return parsed.data
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return (
    path.reduce<string>(
      (text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)),
      '',
    ) || '(document)'
  )
}

export function toMarkdown(conversations: readonly ConversationDetail[], exportedAt: Date): string {
  const header = `<!-- Exported from StreamDesk on ${exportedAt.toISOString()} -->\n\n`
  return header + conversations.map(conversationMarkdown).join('\n\n---\n\n') + '\n'
}

function conversationMarkdown(c: ConversationDetail): string {
  const parts = [`# ${oneLine(c.title)}`, `_Started ${iso(c.createdAt)}_`]
  c.turns.forEach((turn, i) => {
    parts.push(`## Prompt ${i + 1}`, quote(turn.prompt))
    for (const answer of turn.answers) {
      const note = answerNote(answer)
      parts.push(`### ${oneLine(answer.modelLabel)}${note ? ` _(${note})_` : ''}`, answer.text.trim() || '_(no text)_')
    }
  })
  return parts.join('\n\n')
}

function answerNote(answer: StoredAnswer): string {
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
