/**
 * An export written piece by piece, one conversation at a time, so that neither the worker that writes it nor the
 * main thread ever holds the whole text (a 100 M character export was one string on the main thread, then copied to
 * the window). The pieces join into exactly what `exportAll` (and `withAttachmentFiles`) write whole.
 */
import {
  MARKDOWN_END,
  MARKDOWN_SEPARATOR,
  conversationMarkdown,
  exportEnvelope,
  fitsVersion1,
  jsonConversation,
  jsonEnd,
  jsonHead,
  markdownHeader,
  toExportedConversation,
  toVersion1,
} from './history-export'
import type { ConversationRecord, ExportFormat } from './history-types'

export interface ExportSource {
  /** The conversations to export, oldest first. */
  ids: readonly string[]
  /** Undefined for one deleted since its id was read: it is left out. */
  read(id: string): ConversationRecord | undefined
}

/**
 * The export's text up to its end (see `exportEnd`); returns how many conversations it wrote. The attachment files
 * its turns refer to are added to `referenced`. A JSON export is version 1 when every conversation fits it, which
 * takes a first pass over them.
 */
export function* exportPieces(
  source: ExportSource,
  format: ExportFormat,
  exportedAt: Date,
  referenced: Set<string>,
): Generator<string, number> {
  let count = 0
  if (format === 'markdown') {
    yield markdownHeader(exportedAt)
    for (const id of source.ids) {
      const conversation = source.read(id)
      if (!conversation) continue
      yield `${count++ > 0 ? MARKDOWN_SEPARATOR : ''}${conversationMarkdown(conversation)}`
    }
    return count
  }
  const exported = (id: string) => {
    const conversation = source.read(id)
    return conversation && toExportedConversation(conversation)
  }
  const version1 = source.ids.every((id) => {
    const conversation = exported(id)
    return !conversation || fitsVersion1(conversation)
  })
  yield jsonHead(exportEnvelope(exportedAt, version1 ? 1 : 2))
  for (const id of source.ids) {
    const conversation = exported(id)
    if (!conversation) continue
    for (const turn of conversation.turns) {
      for (const attachment of turn.attachments ?? []) {
        referenced.add(attachment.id)
        if (attachment.textId !== undefined) referenced.add(attachment.textId)
      }
    }
    yield jsonConversation(version1 ? toVersion1(conversation) : conversation, count++)
  }
  return count
}

/** The export's last piece; a JSON export's `files` (base64 by id) when some turn refers to a file. */
export function exportEnd(format: ExportFormat, count: number, files?: Record<string, string>): string {
  return format === 'markdown' ? MARKDOWN_END : jsonEnd(count, files)
}
