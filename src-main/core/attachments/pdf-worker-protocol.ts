/** What the PDF text worker and its host say to each other (its own module: the worker must not load the host). */
import type { AttachmentRefusalCode } from './attachment-refusal'
import type { PdfText } from './pdf-text'

export type PdfWorkerReply = ({ ok: true } & PdfText) | { ok: false; code?: AttachmentRefusalCode; message: string }

/** The worker's first message: its modules are loaded, so a PDF's time bound measures reading it, not that. */
export const PDF_WORKER_READY = 'ready'
