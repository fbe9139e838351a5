/**
 * Export into a file the user chose, written by a worker thread (history-export-worker.ts) on its own read-only
 * connection: Export all of 100 M characters held the main thread 1–4.7 s (the text assembled as one string, then
 * copied to the window). The main thread only checks the path and reads the attachment files the worker asks for.
 * An in-memory history, or one opened read-only (its connection holds the file exclusively), is written on this
 * thread from the same pieces, yielding between them.
 */
import { randomBytes } from 'node:crypto'
import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs'
import { basename, dirname, isAbsolute } from 'node:path'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { startWorker, workerFile } from '../../lib/start-worker'
import { truncateText } from '../../lib/truncate-text'
import { userMessage } from '../../shared/user-message'
import { UserFacingError } from '../user-facing-error'
import { PRIVATE_FILE_MODE } from '../../lib/private-files'
import { exportEnd, exportPieces } from './export-pieces'
import type { HistoryStore } from './history-store'
import type { ExportFormat } from './history-types'
import type { LoggedPiece } from './progress-log'

/** A reading worker waits this long for a write to let it start; waiting blocks only the worker. */
const WORKER_BUSY_TIMEOUT_MS = 30_000
const MAX_PATH_CHARS = 4096

export interface ExportJob {
  filePath: string
  busyTimeoutMs: number
  live: LoggedPiece[]
  format: ExportFormat
  /** One conversation; all of them when absent. */
  conversationId?: string
  target: string
  exportedAt: number
}

export type ExportReply =
  | { type: 'files-wanted'; ids: string[] }
  | { type: 'exported'; bytes: number; conversations: number }
  | { type: 'not-found' }
  | { type: 'failed'; message: string }

export interface ExportFromMain {
  files: Array<{ id: string; bytes: Uint8Array }>
}

/** An export that could not be written; its message is for the user. */
/** An export that was not written; its English message for the log, its keyed words for the window. */
export class HistoryExportError extends UserFacingError {
  override readonly name = 'HistoryExportError'
}

const exportStopped = (why: string) =>
  new HistoryExportError(
    `The export stopped unexpectedly (${why}); nothing was saved.`,
    userMessage('history:export-failed', { failure: 'not-written' }, why),
  )

/** The conversation asked for is gone (deleted meanwhile): the same words wherever a conversation is looked up. */
export function conversationGoneError(): UserFacingError {
  return new UserFacingError('That conversation no longer exists.', userMessage('history:conversation-gone', {}))
}

export interface ExportedToFile {
  bytes: number
  conversations: number
}

/**
 * Writes the export to `target`, replacing a file there only once the new one is whole. `readAttachment` gives an
 * attachment's bytes (undefined when missing or damaged: left out of `files`, as before).
 */
export async function exportToFile(
  store: HistoryStore,
  request: { format: ExportFormat; conversationId?: string },
  target: string,
  readAttachment: (fileId: string) => Promise<Uint8Array | undefined> = async () => undefined,
  { now = () => new Date(), workerPath }: { now?: () => Date; workerPath?: string } = {},
): Promise<ExportedToFile> {
  checkExportTarget(target)
  if (store.filePath === ':memory:' || store.readOnly) return exportHere(store, request, target, readAttachment, now())
  const job: ExportJob = {
    filePath: store.filePath,
    busyTimeoutMs: WORKER_BUSY_TIMEOUT_MS,
    live: store.livePieces(),
    format: request.format,
    ...(request.conversationId !== undefined && { conversationId: request.conversationId }),
    target,
    exportedAt: now().getTime(),
  }
  const reply = await runWorker(job, workerPath ?? workerFile(import.meta.url, 'history-export-worker'), readAttachment)
  switch (reply.type) {
    case 'exported':
      return { bytes: reply.bytes, conversations: reply.conversations }
    case 'not-found':
      throw conversationGoneError()
    case 'failed':
      throw new HistoryExportError(
        `The export could not be written (${excerpt(reply.message)}).`,
        userMessage('history:export-failed', { failure: 'not-written' }, reply.message),
      )
  }
}

/** Refuses a target the export cannot be written to, before any work: plain words, the path cut short. */
export function checkExportTarget(target: string): void {
  const refuse = (why: string) => {
    throw new HistoryExportError(
      `The export cannot be saved to ${excerpt(target)}: ${why}.`,
      userMessage('history:export-failed', { failure: 'bad-target' }, `${excerpt(target)}: ${why}`),
    )
  }
  if (target.length === 0 || target.length > MAX_PATH_CHARS || target.includes('\0')) refuse('not a valid file path')
  if (!isAbsolute(target)) refuse('the path is not absolute')
  if (basename(target) === '') refuse('no file name')
  const folder = statOrUndefined(dirname(target))
  if (!folder) refuse('the folder does not exist')
  if (!folder!.isDirectory()) refuse('the folder is not a folder')
  if (statOrUndefined(target)?.isDirectory()) refuse('it is a folder')
}

function statOrUndefined(path: string) {
  try {
    return statSync(path)
  } catch {
    return undefined
  }
}

const excerpt = (text: string) => truncateText(text, 200)

/** The export file being written: a temporary file beside the target, renamed over it when whole. */
export function openExportFile(target: string) {
  const temporary = `${target}.${randomBytes(4).toString('hex')}.partial`
  const fd = openSync(temporary, 'wx', PRIVATE_FILE_MODE)
  let bytes = 0
  let open = true
  const close = () => {
    if (open) closeSync(fd)
    open = false
  }
  return {
    write(text: string): void {
      bytes += writeSync(fd, text)
    },
    /** Flushes, closes and renames the file into place; returns its size in bytes. */
    finish(): number {
      fsyncSync(fd)
      close()
      renameSync(temporary, target)
      return bytes
    },
    discard(): void {
      close()
      rmSync(temporary, { force: true })
    },
  }
}

async function filesFor(ids: string[], read: (fileId: string) => Promise<Uint8Array | undefined>) {
  const files: Array<{ id: string; bytes: Uint8Array }> = []
  for (const id of ids) {
    const bytes = await read(id)
    if (bytes) files.push({ id, bytes })
  }
  return files
}

function runWorker(
  job: ExportJob,
  path: string,
  readAttachment: (fileId: string) => Promise<Uint8Array | undefined>,
): Promise<Exclude<ExportReply, { type: 'files-wanted' }>> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(path, { workerData: job, name: 'history-export' })
    let reply: Exclude<ExportReply, { type: 'files-wanted' }> | undefined
    worker.on('message', (message: ExportReply) => {
      if (message.type !== 'files-wanted') return void (reply = message)
      filesFor(message.ids, readAttachment).then(
        (files) => worker.postMessage({ files } satisfies ExportFromMain),
        () => worker.postMessage({ files: [] } satisfies ExportFromMain),
      )
    })
    worker.once('error', (error) => reject(exportStopped(excerpt(error.message))))
    worker.once('exit', (code) => (reply ? resolve(reply) : reject(exportStopped(`exit code ${code}`))))
  })
}

/** The same export on this thread, giving the event loop back between pieces. */
async function exportHere(
  store: HistoryStore,
  request: { format: ExportFormat; conversationId?: string },
  target: string,
  readAttachment: (fileId: string) => Promise<Uint8Array | undefined>,
  exportedAt: Date,
): Promise<ExportedToFile> {
  const file = openExportFile(target)
  try {
    const ids = request.conversationId === undefined ? store.conversationIds() : [request.conversationId]
    const referenced = new Set<string>()
    const pieces = exportPieces(
      { ids, read: (id) => store.getConversation(id) },
      request.format,
      exportedAt,
      referenced,
    )
    let next = pieces.next()
    for (; !next.done; next = pieces.next()) {
      file.write(next.value)
      await nextTurn()
    }
    const count = next.value
    if (request.conversationId !== undefined && count === 0) throw conversationGoneError()
    const wanted = request.format === 'json' && referenced.size > 0 ? [...referenced].sort() : undefined
    const files = wanted
      ? Object.fromEntries(
          (await filesFor(wanted, readAttachment)).map(({ id, bytes }) => [id, Buffer.from(bytes).toString('base64')]),
        )
      : undefined
    file.write(exportEnd(request.format, count, files))
    return { bytes: file.finish(), conversations: count }
  } catch (error) {
    file.discard()
    throw error
  }
}
