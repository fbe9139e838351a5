/**
 * The worker thread that imports a history export off the main process's event loop: it parses and validates the
 * file and inserts it on its own connection to the core's history, in one transaction (a refused or failed import
 * changes nothing), then checks the attachment files against their names. Bundled by electron-vite as its own
 * main-process entry (`out/main/history-import-worker.js`); from source it is started through tsx (import-in-worker.ts).
 */
import { parentPort, workerData } from 'node:worker_threads'
import { verifiedAttachmentFiles } from './export-files'
import { HistoryImportError, parseHistoryJson } from './history-export'
import { HistoryStore } from './history-store'
import { readExportFile, type ImportJob, type ImportReply } from './import-in-worker'

/**
 * The import commits a batch of conversations about every IMPORT_BATCH_MS and then leaves the write lock free as
 * long, so that the store's own writes (an answer's end) get in within their busy timeout instead of waiting for
 * the whole import. Everything is validated before the first batch, so a refused file still changes nothing.
 */
const IMPORT_BATCH_MS = 25

const port = parentPort
if (!port) throw new Error('history-import-worker must run in a worker thread')

const { filePath, source, busyTimeoutMs } = workerData as ImportJob
let reply: ImportReply
const transfer: ArrayBuffer[] = []
try {
  const document = parseHistoryJson('json' in source ? source.json : readExportFile(source.path))
  const store = HistoryStore.onWorkerConnection(filePath, busyTimeoutMs)
  try {
    const summary = store.importDocument(document, { batchMs: IMPORT_BATCH_MS })
    const files = [...verifiedAttachmentFiles(document)].map(([id, bytes]) => {
      // A copy of its own, so that handing it over moves no other file's bytes.
      const copy = new Uint8Array(bytes)
      transfer.push(copy.buffer)
      return { id, bytes: copy }
    })
    reply = { type: 'imported', summary, files }
  } finally {
    store.close()
  }
} catch (error) {
  reply =
    error instanceof HistoryImportError
      ? { type: 'refused', refusal: error.refusal, imported: error.imported }
      : { type: 'failed', message: error instanceof Error ? error.message : String(error) }
}
port.postMessage(reply, transfer)
