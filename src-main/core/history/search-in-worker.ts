/**
 * History search in a worker thread (history-search-worker.ts): the full-text query over megabyte answers held the
 * main process's event loop 0.4–1.3 s, and live answers stopped drawing meanwhile. The worker is started on the
 * first search and kept for the next ones; one that stops (a crash) fails the searches it held with a plain
 * message and is started again by the next search. Its results are those of `HistorySearch` on the store's thread.
 */
import type { Worker } from 'node:worker_threads'
import { startWorker, workerFile } from '../../lib/start-worker'
import type { HistorySearchResults } from './history-types'

export interface SearchJob {
  filePath: string
  schemaVersion: number
  busyTimeoutMs: number
  recentScanRows: number
}
export interface SearchRequest {
  id: number
  query: string
  limit: number
}
export type SearchReply =
  { id: number; ok: true; results: HistorySearchResults } | { id: number; ok: false; message: string }

/** A search that could not be answered; its message is for the user. */
export class HistorySearchError extends Error {
  override readonly name = 'HistorySearchError'
}

interface Pending {
  resolve(results: HistorySearchResults): void
  reject(error: Error): void
}

export class SearchWorker {
  private worker: Worker | undefined
  private readonly pending = new Map<number, Pending>()
  private nextId = 1

  constructor(
    private readonly job: SearchJob,
    private readonly workerPath = workerFile(import.meta.url, 'history-search-worker'),
  ) {}

  search(query: string, limit: number): Promise<HistorySearchResults> {
    const worker = this.worker ?? this.start()
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      worker.postMessage({ id, query, limit } satisfies SearchRequest)
    })
  }

  /** Stops the worker; searches it still held fail. */
  async close(): Promise<void> {
    const worker = this.worker
    this.worker = undefined
    this.failAll('the history was closed')
    await worker?.terminate()
  }

  private start(): Worker {
    const worker = startWorker(this.workerPath, { workerData: this.job, name: 'history-search' })
    // An idle search worker never keeps the process alive.
    worker.unref()
    worker.on('message', ({ id, ...reply }: SearchReply) => {
      const waiting = this.pending.get(id)
      this.pending.delete(id)
      if (!waiting) return
      if (reply.ok) waiting.resolve(reply.results)
      else waiting.reject(new HistorySearchError(`The search failed (${reply.message}).`))
    })
    worker.on('error', (error) => this.stopped(worker, error.message))
    worker.on('exit', (code) => this.stopped(worker, `exit code ${code}`))
    this.worker = worker
    return worker
  }

  private stopped(worker: Worker, why: string): void {
    if (this.worker !== worker) return
    this.worker = undefined
    this.failAll(why)
  }

  private failAll(why: string): void {
    for (const { reject } of this.pending.values()) {
      reject(new HistorySearchError(`The search stopped unexpectedly (${why}); try again.`))
    }
    this.pending.clear()
  }
}
