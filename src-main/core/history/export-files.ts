/**
 * An export's attachment files: the history document names them by SHA-256 (each turn's `attachments`), and its
 * `files` carries their bytes in base64, so a file exported on one computer opens on another. On import each file is
 * checked against its name: one that does not match is left out, and its exchange shows it as missing.
 */
import { createHash } from 'node:crypto'

interface DocumentShape {
  conversations?: Array<{ turns?: Array<{ attachments?: Array<{ id: string; textId?: string }> }> }>
  files?: unknown
}

/** The export's JSON with the files its turns refer to (those the folder still has intact). */
export async function withAttachmentFiles(
  json: string,
  read: (fileId: string) => Promise<Uint8Array | undefined>,
): Promise<string> {
  const document = JSON.parse(json) as DocumentShape
  const ids = new Set<string>()
  for (const conversation of document.conversations ?? [])
    for (const turn of conversation.turns ?? [])
      for (const attachment of turn.attachments ?? []) {
        ids.add(attachment.id)
        if (attachment.textId !== undefined) ids.add(attachment.textId)
      }
  if (ids.size === 0) return json
  const files: Record<string, string> = {}
  for (const id of [...ids].sort()) {
    const bytes = await read(id)
    if (bytes) files[id] = Buffer.from(bytes).toString('base64')
  }
  return `${JSON.stringify({ ...document, files }, null, 2)}\n`
}

/** The files of an (already validated) export whose bytes hash to their names. */
export function verifiedAttachmentFiles(document: unknown): Map<string, Uint8Array> {
  const files = (document as DocumentShape | null)?.files
  const verified = new Map<string, Uint8Array>()
  if (typeof files !== 'object' || files === null) return verified
  for (const [id, base64] of Object.entries(files)) {
    if (typeof base64 !== 'string') continue
    const bytes = Buffer.from(base64, 'base64')
    if (bytes.length > 0 && createHash('sha256').update(bytes).digest('hex') === id) verified.set(id, bytes)
  }
  return verified
}
