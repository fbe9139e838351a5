/**
 * A PDF's text, extracted off the main process's thread: pdf.js parses synchronously on whichever thread calls it,
 * so a long or hostile PDF would stall the event loop (IPC, MQTT, every window) for as long as it takes. One worker
 * thread reads PDFs one at a time, with a heap bound, and each PDF with a time bound: a PDF that outlasts it, or
 * outgrows the heap, is refused with the reason and the worker is stopped (the next PDF starts a fresh one). An
 * idle worker stops after a minute, so pdf.js holds no memory between attachments.
 */
import type { Worker } from 'node:worker_threads'
import { startWorker, workerFile } from '../../lib/start-worker'
import { AttachmentRefusedError, type AttachmentRefusalCode } from './attachment-refusal'
import { PDF_TEXT_LIMITS, type PdfTextLimits } from './attachment-limits'
import type { PdfText } from './pdf-text'
import { PDF_WORKER_READY, type PdfWorkerReply } from './pdf-worker-protocol'

const IDLE_STOP_MS = 60_000

let current: { worker: Worker; ready: Promise<void>; maxHeapMb: number; idle?: NodeJS.Timeout } | undefined
/** PDFs wait for the one before: a time bound then measures one PDF's reading, not the queue. */
let queue: Promise<unknown> = Promise.resolve()

export function extractPdfTextInWorker(bytes: Uint8Array, limits: PdfTextLimits = PDF_TEXT_LIMITS): Promise<PdfText> {
  const extraction = queue.then(() => extractOne(bytes, limits))
  queue = extraction.catch(() => undefined)
  return extraction
}

function workerFor(limits: PdfTextLimits): { worker: Worker; ready: Promise<void> } {
  if (current && current.maxHeapMb !== limits.maxHeapMb) stop(current.worker)
  if (current) {
    clearTimeout(current.idle)
    return current
  }
  const worker = startWorker(workerFile(import.meta.url, 'pdf-text-worker'), {
    name: 'pdf-text',
    resourceLimits: { maxOldGenerationSizeMb: limits.maxHeapMb },
  })
  // Never what keeps the process running (tests, a quitting app).
  worker.unref()
  worker.once('exit', () => {
    if (current?.worker === worker) current = undefined
  })
  // Until then, a failure to start is the first PDF's failure (its listeners are on by the time it comes).
  const ready = new Promise<void>((resolve) => worker.once('message', () => resolve()))
  current = { worker, ready, maxHeapMb: limits.maxHeapMb }
  return current
}

function stop(worker: Worker): void {
  if (current?.worker === worker) {
    clearTimeout(current.idle)
    current = undefined
  }
  void worker.terminate()
}

function extractOne(bytes: Uint8Array, limits: PdfTextLimits): Promise<PdfText> {
  return new Promise((resolve, reject) => {
    const { worker, ready } = workerFor(limits)
    let timer: NodeJS.Timeout | undefined
    let settled = false
    const settle = (outcome: () => void, stopWorker: boolean) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      worker.off('message', onMessage).off('error', onError).off('exit', onExit)
      if (stopWorker) stop(worker)
      else if (current?.worker === worker) current.idle = setTimeout(() => stop(worker), IDLE_STOP_MS).unref()
      outcome()
    }
    const refuse = (code: AttachmentRefusalCode, message: string, stopWorker: boolean) =>
      settle(() => reject(new AttachmentRefusedError(code, message)), stopWorker)
    const onMessage = (reply: PdfWorkerReply | typeof PDF_WORKER_READY) => {
      if (reply === PDF_WORKER_READY) return
      if (reply.ok) settle(() => resolve({ text: reply.text, pages: reply.pages }), false)
      else if (reply.code) refuse(reply.code, reply.message, false)
      else refuse('damaged-pdf', `This PDF cannot be read (${reply.message}).`, false)
    }
    const onError = (error: NodeJS.ErrnoException) =>
      error.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? refuse(
            'pdf-too-large',
            `This PDF needs more than ${limits.maxHeapMb} MB of memory to read, so it was not attached.`,
            true,
          )
        : refuse('damaged-pdf', `This PDF cannot be read (${error.message}).`, true)
    const onExit = (code: number) =>
      refuse('damaged-pdf', `This PDF cannot be read (its reader stopped with code ${code}).`, true)
    worker.on('message', onMessage).on('error', onError).on('exit', onExit)
    void ready.then(() => {
      if (settled) return
      timer = setTimeout(
        () =>
          refuse(
            'pdf-too-slow',
            `This PDF took longer than ${Math.round(limits.timeoutMs / 1000)} s to read, so it was not attached.`,
            true,
          ),
        limits.timeoutMs,
      )
      worker.postMessage(bytes)
    })
  })
}
