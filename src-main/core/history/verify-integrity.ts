/**
 * SQLite's page-by-page check (`PRAGMA quick_check`) takes about a second per 100 MB, far too long to block
 * startup on a large history, so it runs on its own read-only connection in a worker thread while the app is
 * already usable (WAL lets it read a consistent snapshot while the main connection writes).
 */
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

export type QuickCheckResult =
  | { status: 'ok' }
  | { status: 'damaged'; problems: string[] }
  /** The check itself could not run (e.g. no worker threads): says nothing about the file. */
  | { status: 'unverified'; reason: string }

/** SQLite error codes that mean the file itself is damaged, as opposed to locked, missing or unreadable. */
export function isDamageCode(code: string): boolean {
  return code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')
}
const MAX_PROBLEMS = 10

// CommonJS source for the worker, so it needs no file of its own in the bundle; the driver path is resolved here.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
let db
try {
  const Database = require(workerData.driver)
  db = new Database(workerData.filePath, { readonly: true, fileMustExist: true })
  const rows = db.pragma('quick_check(' + workerData.maxProblems + ')')
  parentPort.postMessage({ rows: rows.map((row) => String(Object.values(row)[0])) })
} catch (error) {
  parentPort.postMessage({ error: { code: String(error && error.code), message: String(error && error.message) } })
} finally {
  if (db) db.close()
}
`

interface WorkerReply {
  rows?: string[]
  error?: { code: string; message: string }
}

export function quickCheckInWorker(filePath: string): Promise<QuickCheckResult> {
  return new Promise((resolve) => {
    let worker: Worker
    try {
      const driver = createRequire(import.meta.url).resolve('better-sqlite3')
      worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { filePath, driver, maxProblems: MAX_PROBLEMS } })
    } catch (error) {
      resolve({ status: 'unverified', reason: String(error) })
      return
    }
    // The answer counts once the worker has ended, its read-only connection closed with it: a store closed right
    // after the check is then the file's last connection, and SQLite folds the WAL back into the file.
    let reply: WorkerReply | undefined
    worker.once('message', (message: WorkerReply) => (reply = message))
    worker.once('error', (error) => resolve({ status: 'unverified', reason: error.message }))
    worker.once('exit', (code) =>
      resolve(reply ? toResult(reply) : { status: 'unverified', reason: `the check stopped (exit code ${code})` }),
    )
  })
}

function toResult(reply: WorkerReply): QuickCheckResult {
  if (reply.error) {
    return isDamageCode(reply.error.code)
      ? { status: 'damaged', problems: [reply.error.message] }
      : { status: 'unverified', reason: reply.error.message }
  }
  const rows = reply.rows ?? []
  return rows.length === 1 && rows[0] === 'ok' ? { status: 'ok' } : { status: 'damaged', problems: rows }
}
