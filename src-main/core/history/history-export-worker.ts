/**
 * The worker thread that writes an export file off the main process's event loop (export-to-file.ts): it reads the
 * history on a read-only connection of its own, in one read transaction (a consistent export while the store goes
 * on writing), and writes the text one conversation at a time into a temporary file beside the target, renamed
 * over it once whole. The attachment files are asked of the main thread, which holds the attachments folder.
 * Bundled as its own entry, `out/main/history-export-worker.js`.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { exportEnd, exportPieces } from './export-pieces'
import { HistoryStore } from './history-store'
import { openExportFile, type ExportFromMain, type ExportJob, type ExportReply } from './export-to-file'

const port = parentPort
if (!port) throw new Error('history-export-worker must run in a worker thread')
const job = workerData as ExportJob

/** The files, base64 by id, from the main thread. */
function askForFiles(ids: string[]): Promise<Record<string, string>> {
  return new Promise((resolve) => {
    port!.once('message', ({ files }: ExportFromMain) =>
      resolve(Object.fromEntries(files.map(({ id, bytes }) => [id, Buffer.from(bytes).toString('base64')]))),
    )
    port!.postMessage({ type: 'files-wanted', ids } satisfies ExportReply)
  })
}

async function run(): Promise<ExportReply> {
  const store = HistoryStore.onWorkerConnection(job.filePath, job.busyTimeoutMs, { queryOnly: true, live: job.live })
  const file = openExportFile(job.target)
  try {
    const referenced = new Set<string>()
    const count = store.readConsistently(() => {
      const ids = job.conversationId === undefined ? store.conversationIds() : [job.conversationId]
      const pieces = exportPieces(
        { ids, read: (id) => store.getConversation(id) },
        job.format,
        new Date(job.exportedAt),
        referenced,
      )
      for (let next = pieces.next(); ; next = pieces.next()) {
        if (next.done) return next.value
        file.write(next.value)
      }
    })
    if (job.conversationId !== undefined && count === 0) {
      file.discard()
      return { type: 'not-found' }
    }
    const files = job.format === 'json' && referenced.size > 0 ? await askForFiles([...referenced].sort()) : undefined
    file.write(exportEnd(job.format, count, files))
    return { type: 'exported', bytes: file.finish(), conversations: count }
  } catch (error) {
    file.discard()
    throw error
  } finally {
    store.close()
  }
}

run().then(
  (reply) => port.postMessage(reply),
  (error: unknown) =>
    port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) }),
)
