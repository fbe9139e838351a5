/**
 * The main process's side of the embedded models: owns the worker thread that runs node-llama-cpp, sends it
 * requests and turns its messages back into one ordered event stream per answer. The worker starts on the first
 * request and is shut down after `idleUnloadMs` without requests (which also frees every model), or on dispose.
 *
 * Stopping: when a request's signal aborts, the stream ends at once (the caller is never kept waiting) and the
 * worker is told to abort; its generation stops at the next token. `whenIdle()` resolves once the worker has
 * confirmed the end of every request, which the tests use to measure that generation itself really stopped.
 */
import type { Worker } from 'node:worker_threads'
import { startWorker, workerFile } from '../../../lib/start-worker'
import { ModelError } from '../../model-provider'
import type { ChatMessage } from '../../model-provider'
import type { StreamErrorCode } from '../../../protocol/stream-protocol'
import {
  WorkerEventSchema,
  type GenerationOptions,
  type RequestEvent,
  type WorkerErrorCode,
  type WorkerRequest,
  type WorkerSettings,
} from './worker-protocol'

export interface LlamaCppHostOptions {
  /**
   * The bundled worker (`out/main/llama-cpp-worker.js`); the Electron entry passes it. When absent: the
   * TypeScript source through tsx if this module runs from source (tests, harness), else the file next to this one.
   */
  workerPath?: string
  /** A model (and, with no model left, the worker) unused for this long is unloaded. Default 10 minutes. */
  idleUnloadMs?: number
  /** GPU offloading; default: Metal on macOS (its prebuilt binary ships in node-llama-cpp), CPU elsewhere. */
  gpu?: WorkerSettings['gpu']
  /** llama.cpp's warnings and the worker's own notes, for the diagnostics log (never conversation text). */
  onLog?: (level: 'info' | 'warn' | 'error', message: string) => void
}

export interface GenerateInput {
  modelPath: string
  messages: ChatMessage[]
  options: GenerationOptions
}

const DEFAULT_IDLE_UNLOAD_MS = 10 * 60_000
const SHUTDOWN_GRACE_MS = 3_000

const ERROR_CODES: Record<WorkerErrorCode, StreamErrorCode> = {
  'model-not-found': 'model-not-found',
  'model-invalid': 'bad-response',
  'context-overflow': 'bad-response',
  internal: 'internal',
}

/** One request's events, buffered until its reader takes them. */
class EventQueue {
  private readonly items: RequestEvent[] = []
  private wake?: () => void
  private closed = false
  failure?: unknown

  push(event: RequestEvent): void {
    if (this.closed) return
    this.items.push(event)
    this.wake?.()
  }

  close(failure?: unknown): void {
    if (this.closed) return
    this.closed = true
    this.failure = failure
    this.wake?.()
  }

  async *drain(): AsyncGenerator<RequestEvent> {
    while (true) {
      const next = this.items.shift()
      if (next) {
        yield next
        continue
      }
      if (this.closed) {
        if (this.failure !== undefined) throw this.failure
        return
      }
      await new Promise<void>((resolve) => (this.wake = resolve))
      this.wake = undefined
    }
  }
}

export class LlamaCppHost {
  private worker?: Worker
  /** Resolves when that worker has exited. */
  private readonly exits = new WeakMap<Worker, Promise<void>>()
  private nextRequestId = 1
  /** Requests a worker has not ended yet (a stopped request stays here until its worker confirms). */
  private readonly pending = new Map<number, { queue: EventQueue; worker: Worker }>()
  private idleTimer?: ReturnType<typeof setTimeout>
  private idleWaiters: Array<() => void> = []
  private disposed = false

  constructor(private readonly options: LlamaCppHostOptions = {}) {}

  /** Requests the worker is still working on. */
  get activeRequests(): number {
    return this.pending.size
  }

  get running(): boolean {
    return this.worker !== undefined
  }

  /** Streams one answer's events: `started`, `delta`s, `end`. Throws ModelError for a failure. */
  async *generate(input: GenerateInput, signal: AbortSignal): AsyncGenerator<RequestEvent> {
    if (signal.aborted) return
    if (this.disposed) throw new ModelError('internal', 'The embedded model engine has been shut down.')
    const worker = this.ensureWorker()
    const requestId = this.nextRequestId++
    const queue = new EventQueue()
    this.pending.set(requestId, { queue, worker })
    worker.ref()
    this.cancelIdleTimer()
    this.post(worker, {
      type: 'generate',
      requestId,
      modelPath: input.modelPath,
      messages: input.messages,
      options: input.options,
    })
    let ended = false
    const stop = () => {
      if (!ended) this.post(worker, { type: 'abort', requestId })
      queue.close()
    }
    signal.addEventListener('abort', stop, { once: true })
    try {
      for await (const event of queue.drain()) {
        if (event.type === 'error') {
          ended = true
          throw new ModelError(ERROR_CODES[event.code], event.message)
        }
        if (event.type === 'end') ended = true
        yield event
        if (ended) return
      }
    } finally {
      signal.removeEventListener('abort', stop)
      // The reader left early (stopped, or broke out of its loop): make the worker stop too.
      if (!ended && !signal.aborted) this.post(worker, { type: 'abort', requestId })
      queue.close()
    }
  }

  /** Resolves once the worker has ended every request (including stopped ones). */
  whenIdle(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  async dispose(): Promise<void> {
    this.disposed = true
    this.cancelIdleTimer()
    await this.stopWorker()
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker
    const settings: WorkerSettings = {
      idleUnloadMs: this.options.idleUnloadMs ?? DEFAULT_IDLE_UNLOAD_MS,
      gpu: this.options.gpu ?? (process.platform === 'darwin' ? 'auto' : false),
    }
    const worker = startWorker(this.options.workerPath ?? workerFile(import.meta.url, 'llama-cpp-worker'), {
      workerData: settings,
      name: 'llama-cpp',
    })
    worker.on('message', (raw: unknown) => this.onMessage(raw))
    worker.on('error', (error) => this.onWorkerGone(worker, error))
    this.exits.set(
      worker,
      new Promise((resolve) =>
        worker.once('exit', (code) => {
          this.onWorkerGone(worker, new Error(`the embedded model worker exited (code ${code})`))
          resolve()
        }),
      ),
    )
    this.worker = worker
    return worker
  }

  private onMessage(raw: unknown): void {
    const parsed = WorkerEventSchema.safeParse(raw)
    if (!parsed.success) {
      this.options.onLog?.(
        'error',
        `dropped an invalid message from the embedded model worker: ${parsed.error.issues[0]?.message ?? ''}`,
      )
      return
    }
    const event = parsed.data
    if (event.type === 'log') {
      this.options.onLog?.(event.level, event.message)
      return
    }
    const request = this.pending.get(event.requestId)
    if (!request) return
    request.queue.push(event)
    if (event.type === 'end' || event.type === 'error') {
      this.pending.delete(event.requestId)
      request.queue.close()
      this.afterRequest()
    }
  }

  /** A worker crashed or exited: its open requests fail, and the next request starts a new worker. */
  private onWorkerGone(worker: Worker, error: unknown): void {
    if (this.worker === worker) this.worker = undefined
    const failure = new ModelError(
      'internal',
      `The embedded model stopped unexpectedly: ${error instanceof Error ? error.message : String(error)}`,
    )
    for (const [requestId, request] of this.pending) {
      if (request.worker !== worker) continue
      request.queue.close(failure)
      this.pending.delete(requestId)
    }
    this.afterRequest()
  }

  private afterRequest(): void {
    if (this.pending.size > 0) return
    for (const wake of this.idleWaiters.splice(0)) wake()
    if (!this.worker || this.disposed) return
    // Working, the worker keeps the process alive; idle, it must not (the app's own handles decide).
    this.worker.unref()
    this.cancelIdleTimer()
    this.idleTimer = setTimeout(() => void this.stopWorker(), this.options.idleUnloadMs ?? DEFAULT_IDLE_UNLOAD_MS)
    this.idleTimer.unref?.()
  }

  private cancelIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.idleTimer = undefined
  }

  /**
   * Asks the worker to free its models and end; terminates it if it has not within a grace period. It is let go
   * at once, so a request arriving meanwhile starts a new worker instead of meeting one that is shutting down.
   */
  private async stopWorker(): Promise<void> {
    const worker = this.worker
    const exited = worker && this.exits.get(worker)
    if (!worker || !exited) return
    this.worker = undefined
    // Held until it has exited, so a caller awaiting dispose() is not cut short by an empty event loop.
    worker.ref()
    this.post(worker, { type: 'shutdown' })
    let timer: ReturnType<typeof setTimeout> | undefined
    const grace = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), SHUTDOWN_GRACE_MS)))
    if ((await Promise.race([exited, grace])) === 'timeout') await worker.terminate()
    clearTimeout(timer)
    await exited
  }

  private post(worker: Worker, request: WorkerRequest): void {
    worker.postMessage(request)
  }
}
