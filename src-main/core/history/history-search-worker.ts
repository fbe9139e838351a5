/**
 * The worker thread that answers history searches off the main process's event loop (search-in-worker.ts): the
 * full-text query over megabyte answers and the excerpt windows run here, on a read-only connection of its own
 * (WAL lets it read while the store writes). Bundled as its own entry, `out/main/history-search-worker.js`.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { HistorySearch } from './history-search'
import { openWorkerConnection } from './open-history-database'
import type { SearchJob, SearchReply, SearchRequest } from './search-in-worker'

const port = parentPort
if (!port) throw new Error('history-search-worker must run in a worker thread')

const { filePath, schemaVersion, busyTimeoutMs, recentScanRows } = workerData as SearchJob
const searcher = new HistorySearch(
  openWorkerConnection(filePath, schemaVersion, busyTimeoutMs, { queryOnly: true }),
  recentScanRows,
)

port.on('message', ({ id, query, limit }: SearchRequest) => {
  let reply: SearchReply
  try {
    reply = { id, ok: true, results: searcher.search(query, limit) }
  } catch (error) {
    reply = { id, ok: false, message: error instanceof Error ? error.message : String(error) }
  }
  port.postMessage(reply)
})
