/**
 * The worker thread that extracts PDFs' text (pdf-text-host.ts sends them one at a time): pdf.js parses on the
 * thread that calls it, and a long or hostile PDF would hold the main process's event loop for seconds.
 */
import { parentPort } from 'node:worker_threads'
import { AttachmentRefusedError } from './attachment-refusal'
import { extractPdfText } from './pdf-text'
import { PDF_WORKER_READY, type PdfWorkerReply } from './pdf-worker-protocol'

const reply = (message: PdfWorkerReply | typeof PDF_WORKER_READY) => parentPort!.postMessage(message)

parentPort!.on('message', (bytes: Uint8Array) =>
  extractPdfText(bytes).then(
    ({ text, pages }) => reply({ ok: true, text, pages }),
    (error: unknown) =>
      reply(
        error instanceof AttachmentRefusedError
          ? { ok: false, code: error.code, message: error.message }
          : { ok: false, message: error instanceof Error ? error.message : String(error) },
      ),
  ),
)
reply(PDF_WORKER_READY)
