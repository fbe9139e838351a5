/**
 * Imports an export into an open history in a worker thread (history-import-worker.ts), so that parsing,
 * validating and inserting a large file (a 48 MB import held the event loop 2.7 s) never stalls live answers. The
 * worker writes on its own connection of the same core (the core holds the history lock; WAL lets the store go on
 * reading meanwhile). An in-memory history has no file a worker could open, and is imported on this thread.
 */
import { createRequire } from 'node:module'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { verifiedAttachmentFiles } from './export-files'
import { HistoryImportError, parseHistoryJson } from './history-export'
import type { HistoryStore } from './history-store'
import type { ImportSummary } from './history-types'

export const IMPORT_WORKER_BUNDLE_NAME = 'history-import-worker.js'
/** The worker waits this long for the store's own short writes to end; waiting blocks only the worker. */
const WORKER_BUSY_TIMEOUT_MS = 30_000

export interface ImportJob {
  filePath: string
  json: string
  busyTimeoutMs: number
}

export type ImportReply =
  | { type: 'imported'; summary: ImportSummary; files: Array<{ id: string; bytes: Uint8Array }> }
  /** A HistoryImportError's reason: the file was refused, nothing imported. */
  | { type: 'refused'; reason: string }
  | { type: 'failed'; message: string }

export interface ImportedFile {
  summary: ImportSummary
  /** The export's attachment files whose bytes hash to their names, by name. */
  files: Map<string, Uint8Array>
}

export async function importInWorker(store: HistoryStore, json: string): Promise<ImportedFile> {
  if (store.filePath === ':memory:') {
    const document = parseHistoryJson(json)
    return { summary: store.importDocument(document), files: verifiedAttachmentFiles(document) }
  }
  const reply = await runWorker({ filePath: store.filePath, json, busyTimeoutMs: WORKER_BUSY_TIMEOUT_MS })
  switch (reply.type) {
    case 'imported':
      return { summary: reply.summary, files: new Map(reply.files.map(({ id, bytes }) => [id, bytes])) }
    case 'refused':
      throw new HistoryImportError(reply.reason)
    case 'failed':
      throw new HistoryImportError(`The import could not be saved (${reply.message}).`)
  }
}

function runWorker(job: ImportJob): Promise<ImportReply> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(job)
    let reply: ImportReply | undefined
    worker.once('message', (message: ImportReply) => (reply = message))
    worker.once('error', (error) => reject(new HistoryImportError(`The import stopped (${error.message}).`)))
    // Settled once the worker has ended, its connection closed with it.
    worker.once('exit', (code) =>
      reply ? resolve(reply) : reject(new HistoryImportError(`The import stopped (exit code ${code}).`)),
    )
  })
}

/**
 * Bundled, the worker is `history-import-worker.js` beside the main entry (this code may sit in a shared chunk one
 * folder down). From source (vitest, tsx) the worker is TypeScript, started through tsx's `tsImport`.
 */
function startWorker(job: ImportJob): Worker {
  const here = fileURLToPath(import.meta.url)
  if (!here.endsWith('.ts')) {
    const folder = basename(dirname(here)) === 'chunks' ? dirname(dirname(here)) : dirname(here)
    return new Worker(join(folder, IMPORT_WORKER_BUNDLE_NAME), { workerData: job, name: 'history-import' })
  }
  const source = pathToFileURL(join(dirname(here), 'history-import-worker.ts')).href
  const tsxPackage = createRequire(import.meta.url).resolve('tsx/package.json')
  const tsxApi = pathToFileURL(join(dirname(tsxPackage), 'dist', 'esm', 'api', 'index.mjs')).href
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ tsImport }) => tsImport(${JSON.stringify(source)}, ${JSON.stringify(import.meta.url)}))`
  return new Worker(bootstrap, { eval: true, workerData: job, name: 'history-import' })
}
