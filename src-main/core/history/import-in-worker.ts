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
import { readFileSync, statSync } from 'node:fs'
import {
  HistoryImportError,
  MAX_IMPORT_CHARS,
  parseHistoryJson,
  tooLargeToImport,
  type ImportRefusal,
} from './history-export'
import type { HistoryStore } from './history-store'
import type { ImportSummary } from './history-types'

export const IMPORT_WORKER_BUNDLE_NAME = 'history-import-worker.js'
/** The worker waits this long for the store's own short writes to end; waiting blocks only the worker. */
const WORKER_BUSY_TIMEOUT_MS = 30_000

export interface ImportJob {
  filePath: string
  /** The export's text, or the path of its file for the worker to read (the text never crosses this thread). */
  source: { json: string } | { path: string }
  busyTimeoutMs: number
}

export type ImportReply =
  | { type: 'imported'; summary: ImportSummary; files: Array<{ id: string; bytes: Uint8Array }> }
  /** A HistoryImportError's refusal: the file was refused, or the import stopped after `imported` conversations. */
  | { type: 'refused'; refusal: ImportRefusal; imported: number }
  | { type: 'failed'; message: string }

export interface ImportedFile {
  summary: ImportSummary
  /** The export's attachment files whose bytes hash to their names, by name. */
  files: Map<string, Uint8Array>
}

export function importInWorker(store: HistoryStore, json: string): Promise<ImportedFile> {
  return importSource(store, { json })
}

/** The same for an export file, read by the worker: the main thread never holds its text. */
export function importFileInWorker(store: HistoryStore, path: string): Promise<ImportedFile> {
  return importSource(store, { path })
}

async function importSource(store: HistoryStore, source: ImportJob['source']): Promise<ImportedFile> {
  if (store.filePath === ':memory:') {
    const document = parseHistoryJson('json' in source ? source.json : readExportFile(source.path))
    return { summary: store.importDocument(document), files: verifiedAttachmentFiles(document) }
  }
  const reply = await runWorker({ filePath: store.filePath, source, busyTimeoutMs: WORKER_BUSY_TIMEOUT_MS })
  switch (reply.type) {
    case 'imported':
      return { summary: reply.summary, files: new Map(reply.files.map(({ id, bytes }) => [id, bytes])) }
    case 'refused':
      throw new HistoryImportError(reply.refusal, reply.imported)
    case 'failed':
      throw new HistoryImportError({
        reason: `The import could not be saved (${reply.message}).`,
        failure: 'not-saved',
        detail: reply.message,
      })
  }
}

/**
 * An export file's text, refused in plain words when it cannot be read or is surely too large: a file of more than
 * three bytes per allowed character holds more characters than an import takes (UTF-8 needs at most three bytes
 * for each UTF-16 unit), so it is refused before it is read.
 */
export function readExportFile(path: string): string {
  let size: number
  try {
    size = statSync(path).size
  } catch (error) {
    throw unreadable(error)
  }
  if (size > 3 * MAX_IMPORT_CHARS) throw tooLargeToImport()
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    throw unreadable(error)
  }
}

const describeFsError = (error: unknown) =>
  (error as NodeJS.ErrnoException | undefined)?.code ?? (error instanceof Error ? error.message : String(error))

const unreadable = (error: unknown) =>
  new HistoryImportError({
    reason: `This file could not be read (${describeFsError(error)}).`,
    failure: 'unreadable',
    detail: describeFsError(error),
  })

const stopped = (why: string) =>
  new HistoryImportError({ reason: `The import stopped (${why}).`, failure: 'stopped', detail: why })

function runWorker(job: ImportJob): Promise<ImportReply> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(job)
    let reply: ImportReply | undefined
    worker.once('message', (message: ImportReply) => (reply = message))
    worker.once('error', (error) => reject(stopped(error.message)))
    // Settled once the worker has ended, its connection closed with it.
    worker.once('exit', (code) => (reply ? resolve(reply) : reject(stopped(`exit code ${code}`))))
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
