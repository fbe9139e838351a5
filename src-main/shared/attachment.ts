/**
 * An attachment as everything outside the main process's attachment store sees it: a reference, never bytes or a
 * file-system path. Main prepares the file once (type checked by its bytes, image downscaled, text decoded, PDF text
 * extracted) and keeps it content-addressed; the id is the SHA-256 of the stored bytes.
 *
 * Local mode resolves the id in the app's own store. Cloud mode uploads the same bytes (core/cloud/attachment-uploader)
 * and adds the S3 `objectKey`, so the chat request carries keys, not bytes, and the chat Lambda resolves them under
 * the caller's prefix (backend/s3-attachment-source); nothing else in the reference changes.
 */

/** 'text': any text-like file (plain, markdown, code, CSV, JSON, logs), stored as UTF-8. */
export type AttachmentKind = 'image' | 'text' | 'pdf'

/** The image types every target model family accepts (Bedrock, OpenAI-compatible servers). */
export type ImageMediaType = 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif'
export type AttachmentMediaType = ImageMediaType | 'text/plain' | 'application/pdf'

export interface AttachmentRef {
  /** Lower-case hex SHA-256 of the stored bytes. */
  id: string
  /** The file's own name, cleaned of anything path-like; shown to the user and given to models as the file name. */
  name: string
  kind: AttachmentKind
  mediaType: AttachmentMediaType
  /** Size of the stored (prepared) bytes. */
  sizeBytes: number
  /** Images: the stored pixel size (after any downscaling). */
  width?: number
  height?: number
  /** PDFs: the stored extracted text's id (a second blob in the same store), for models that read text only. */
  textId?: string
  /** PDFs: how many pages. */
  pages?: number
  /** Cloud mode: the S3 object key under the user's own `uploads/<identityId>/` prefix (set only on the wire). */
  objectKey?: string
}

/** What a model column can read; a model that cannot read an attachment still answers the text. */
export interface ModelInputs {
  images: boolean
  /** PDFs (as a document block or as their text) and text files. */
  documents: boolean
}

export type WithheldReason = 'model-cannot-read-images' | 'model-cannot-read-documents' | 'too-many-images'

/** An attachment a column did not get, and why, for its header. */
export interface UndeliveredAttachment {
  attachmentId: string
  name: string
  reason: WithheldReason
}

/** An attachment as a stored turn keeps it. */
export interface TurnAttachment extends AttachmentRef {
  /** The columns that did not get it: model id → why. Absent when every column got it. */
  withheld?: Record<string, WithheldReason>
  /** Set when the turn is read back and the file is gone from the attachments folder, or no longer matches its id. */
  status?: 'missing' | 'damaged'
}

/** The most bytes one file may have when it is added (before any downscaling). */
export const MAX_ATTACHMENT_INPUT_BYTES = 30_000_000
/** The most attachments one prompt may carry. */
export const MAX_ATTACHMENTS_PER_PROMPT = 20

/** An image as the window may show it (`attachments:preview`). */
export type AttachmentPreview = { status: 'ok'; dataUrl: string } | { status: 'missing' | 'damaged' | 'not-an-image' }
