/**
 * The `turn_attachments` table (schema 7): which files each turn was sent with. The rows hold references only; the
 * files live in the attachments folder, named by SHA-256 (core/attachments/attachment-store.ts).
 */
import type { Database } from 'better-sqlite3'
import type { TurnAttachment, WithheldReason } from '../../shared/attachment'

interface AttachmentRow {
  turn_id: number
  attachment_id: string
  name: string
  kind: TurnAttachment['kind']
  media_type: TurnAttachment['mediaType']
  size_bytes: number
  width: number | null
  height: number | null
  text_id: string | null
  pages: number | null
  withheld: string
}

export class TurnAttachments {
  private readonly insert
  private readonly ofConversation
  private readonly filesOfConversation
  private readonly inUse
  private readonly allFiles

  constructor(db: Database) {
    this.insert = db.prepare<
      [
        number,
        number,
        string,
        string,
        string,
        string,
        number,
        number | null,
        number | null,
        string | null,
        number | null,
        string,
      ]
    >(
      `INSERT INTO turn_attachments (turn_id, position, attachment_id, name, kind, media_type, size_bytes, width, height,
        text_id, pages, withheld) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    this.ofConversation = db.prepare<[string], AttachmentRow>(
      `SELECT a.* FROM turn_attachments a JOIN turns t ON t.id = a.turn_id WHERE t.conversation_id = ?
        ORDER BY a.turn_id, a.position`,
    )
    this.filesOfConversation = db
      .prepare<{ conversation: string }, string>(
        `SELECT attachment_id FROM turn_attachments a JOIN turns t ON t.id = a.turn_id WHERE t.conversation_id = @conversation
        UNION SELECT text_id FROM turn_attachments a JOIN turns t ON t.id = a.turn_id
          WHERE t.conversation_id = @conversation AND text_id IS NOT NULL`,
      )
      .pluck()
    this.inUse = db
      .prepare<{ file: string }, number>(
        `SELECT EXISTS (SELECT 1 FROM turn_attachments WHERE attachment_id = @file)
          OR EXISTS (SELECT 1 FROM turn_attachments WHERE text_id = @file)`,
      )
      .pluck()
    this.allFiles = db
      .prepare<[], string>(
        'SELECT attachment_id FROM turn_attachments UNION SELECT text_id FROM turn_attachments WHERE text_id IS NOT NULL',
      )
      .pluck()
  }

  /** Every file any turn refers to. */
  referencedFiles(): Set<string> {
    return new Set(this.allFiles.all())
  }

  /** Adds a turn's attachments, in order (inside the caller's transaction). */
  add(turnId: number, attachments: readonly TurnAttachment[]): void {
    attachments.forEach((a, position) =>
      this.insert.run(
        turnId,
        position,
        a.id,
        a.name,
        a.kind,
        a.mediaType,
        a.sizeBytes,
        a.width ?? null,
        a.height ?? null,
        a.textId ?? null,
        a.pages ?? null,
        JSON.stringify(a.withheld ?? {}),
      ),
    )
  }

  /** Each turn's attachments, by turn id. */
  byTurn(conversationId: string): Map<number, TurnAttachment[]> {
    const turns = new Map<number, TurnAttachment[]>()
    for (const row of this.ofConversation.all(conversationId)) {
      const list = turns.get(row.turn_id) ?? []
      list.push(fromRow(row))
      turns.set(row.turn_id, list)
    }
    return turns
  }

  /** Every file (attachments and PDFs' extracted texts) a conversation refers to. */
  filesOf(conversationId: string): string[] {
    return this.filesOfConversation.all({ conversation: conversationId })
  }

  /** Whether any turn of any conversation still refers to the file. */
  isReferenced(fileId: string): boolean {
    return this.inUse.get({ file: fileId }) === 1
  }
}

function fromRow(row: AttachmentRow): TurnAttachment {
  const withheld = parseWithheld(row.withheld)
  return {
    id: row.attachment_id,
    name: row.name,
    kind: row.kind,
    mediaType: row.media_type,
    sizeBytes: row.size_bytes,
    ...(row.width !== null ? { width: row.width } : {}),
    ...(row.height !== null ? { height: row.height } : {}),
    ...(row.text_id !== null ? { textId: row.text_id } : {}),
    ...(row.pages !== null ? { pages: row.pages } : {}),
    ...(Object.keys(withheld).length > 0 ? { withheld } : {}),
  }
}

/** A damaged cell reads as "nothing withheld" rather than failing the whole conversation. */
function parseWithheld(json: string): Record<string, WithheldReason> {
  try {
    const value: unknown = JSON.parse(json)
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return {}
    return Object.fromEntries(
      Object.entries(value).filter(
        (entry): entry is [string, WithheldReason] =>
          entry[1] === 'model-cannot-read-images' ||
          entry[1] === 'model-cannot-read-documents' ||
          entry[1] === 'too-many-images',
      ),
    )
  } catch {
    return {}
  }
}
