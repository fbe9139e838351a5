/**
 * The worker thread that runs embedded models (node-llama-cpp) off the main process's event loop. Bundled by
 * electron-vite as its own main-process entry (`out/main/llama-cpp-worker.js`); in tests and the harness the host
 * starts this TypeScript file through tsx. See `worker-protocol.ts` for the messages.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { DeltaBatcher } from './delta-batcher'
import { EngineError, LlamaEngine } from './llama-engine'
import { WorkerRequestSchema, WorkerSettingsSchema, type WorkerEvent } from './worker-protocol'

const port = parentPort
if (!port) throw new Error('llama-cpp-worker must run in a worker thread')

const post = (event: WorkerEvent) => port.postMessage(event)
const engine = new LlamaEngine(WorkerSettingsSchema.parse(workerData), post)
/** Answers in progress: their stop switch and their settling. */
const running = new Map<number, { controller: AbortController; done: Promise<void> }>()

port.on('message', (raw: unknown) => {
  const parsed = WorkerRequestSchema.safeParse(raw)
  if (!parsed.success) {
    post({
      type: 'log',
      level: 'error',
      message: `dropped an invalid request: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    })
    return
  }
  const request = parsed.data
  switch (request.type) {
    case 'generate': {
      if (running.has(request.requestId)) {
        post({ type: 'log', level: 'error', message: `request ${request.requestId} is already running` })
        return
      }
      const controller = new AbortController()
      const batcher = new DeltaBatcher(post)
      const done = engine
        .generate(request, batcher.emit, controller.signal)
        .catch((error: unknown) => {
          const code = error instanceof EngineError ? error.code : 'internal'
          const message = error instanceof Error ? error.message : String(error)
          batcher.emit({ type: 'error', requestId: request.requestId, code, message: message.slice(0, 2000) })
        })
        .finally(() => running.delete(request.requestId))
      running.set(request.requestId, { controller, done })
      return
    }
    case 'abort':
      running.get(request.requestId)?.controller.abort()
      return
    case 'shutdown': {
      // Stop every answer, let each release its context, then free the models and end the thread.
      const answers = [...running.values()]
      for (const { controller } of answers) controller.abort()
      void Promise.allSettled(answers.map(({ done }) => done))
        .then(() => engine.dispose())
        .finally(() => port.close())
      return
    }
  }
})
