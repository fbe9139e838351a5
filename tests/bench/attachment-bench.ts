/**
 * Attaching a 12-megapixel photo (issue 18): the main process's preparation of it (read, type by its bytes, decode
 * to check it is whole, downscale within Bedrock's limits, SHA-256, atomic write into the store) against a baseline
 * of only reading and hashing the same file. Also the longest event-loop stall on the main thread meanwhile: sharp
 * works on libuv's threads, so the stall should stay far below the 50 ms (the renderer only reads the file's
 * bytes and sends them; the work is here). `tsx tests/bench/attachment-bench.ts` prints the table on its own.
 * On a busy 2-core machine the stall includes time the OS gives sharp's threads instead of the main one.
 */
import { createHash } from 'node:crypto'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { AttachmentStore } from '../../src-main/core/attachments/attachment-store'
import { prepareAttachmentFile } from '../../src-main/core/attachments/prepare-attachment'
import { extractPdfText } from '../../src-main/core/attachments/pdf-text'
import { extractPdfTextInWorker } from '../../src-main/core/attachments/pdf-text-host'
import { makePdf, makePhoto12Mp } from '../fixtures/attachment-files'
import { makeTempDir, removeTempDirsSync } from '../support/temp-dir'
import { percentile, printTable, verdict } from './stats'
import { longestStall } from './event-loop-stall'

const RUNS = 5
const STALL_TARGET_MS = 50

/** How long `work` took and the longest stall of the event loop meanwhile, in ms. */
async function timed(work: () => Promise<unknown>): Promise<{ ms: number; stallMs: number }> {
  const { stallMs, totalMs } = await longestStall(work)
  return { ms: totalMs, stallMs }
}

export async function measureAttachmentPreparation(): Promise<Array<Record<string, string | number>>> {
  const dir = await makeTempDir('bench-attachments')
  const photo = join(dir, 'photo.jpg')
  const bytes = await makePhoto12Mp()
  await writeFile(photo, bytes)
  const baseline: Array<{ ms: number; stallMs: number }> = []
  const prepared: Array<{ ms: number; stallMs: number }> = []
  let storedBytes = 0
  // Alternating, after one warm-up of each; a fresh store each run, so every run writes the file.
  for (let run = 0; run <= RUNS; run++) {
    const readAndHash = await timed(async () =>
      createHash('sha256')
        .update(await readFile(photo))
        .digest('hex'),
    )
    const store = new AttachmentStore(join(dir, `store-${run}`))
    const prepare = await timed(async () => {
      storedBytes = (await prepareAttachmentFile(store, 'photo.jpg', photo)).sizeBytes
    })
    if (run === 0) continue
    baseline.push(readAndHash)
    prepared.push(prepare)
  }
  // Only this bench's folder: the run's others (Mosquitto's) are still in use.
  await rm(dir, { recursive: true, force: true })
  const row = (name: string, samples: Array<{ ms: number; stallMs: number }>, output: string) => {
    const stall = Math.max(...samples.map((s) => s.stallMs))
    return {
      work: name,
      runs: samples.length,
      'p50 ms': percentile(
        samples.map((s) => s.ms),
        50,
      ),
      'max ms': Math.max(...samples.map((s) => s.ms)),
      'longest main-loop stall ms': stall,
      'stall target (< 50)': verdict(stall < STALL_TARGET_MS),
      stored: output,
    }
  }
  const mb = (n: number) => `${(n / 1_000_000).toFixed(2)} MB`
  return [
    row('baseline: read + SHA-256', baseline, `— (input ${mb(bytes.length)})`),
    row('prepare: check + downscale + SHA-256 + store', prepared, mb(storedBytes)),
  ]
}

const PDF_PAGES = 300

/**
 * A long PDF's text (300 pages, the most the app takes): pdf.js on the main thread, as before, against its worker
 * thread. The stall on the main loop is the figure that matters; the worker's total includes its messages (and,
 * in the warm-up only, its start).
 */
export async function measurePdfExtraction(): Promise<Array<Record<string, string | number>>> {
  const pages = Array.from({ length: PDF_PAGES }, (_, i) => `Page ${i + 1}: ${'lorem ipsum dolor sit amet '.repeat(8)}`)
  const pdf = await makePdf(pages)
  const onThread: Array<{ ms: number; stallMs: number }> = []
  const inWorker: Array<{ ms: number; stallMs: number }> = []
  for (let run = 0; run <= RUNS; run++) {
    const direct = await timed(() => extractPdfText(pdf))
    const worker = await timed(() => extractPdfTextInWorker(pdf))
    if (run === 0) continue
    onThread.push(direct)
    inWorker.push(worker)
  }
  const row = (name: string, samples: Array<{ ms: number; stallMs: number }>) => {
    const stall = Math.max(...samples.map((s) => s.stallMs))
    return {
      work: name,
      runs: samples.length,
      'p50 ms': percentile(
        samples.map((s) => s.ms),
        50,
      ),
      'longest main-loop stall ms': stall,
      'stall target (< 50)': verdict(stall < STALL_TARGET_MS),
    }
  }
  return [row('pdf.js on the main thread (before)', onThread), row('pdf.js in its worker thread (now)', inWorker)]
}

export const PDF_BENCH_TITLE = `A ${PDF_PAGES}-page PDF's text: on the main thread vs in the worker thread`

export const ATTACHMENT_BENCH_TITLE =
  'Attaching a 12-megapixel photo (4000 × 3000 JPEG) in the main process: preparation vs only reading and hashing it'

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.on('exit', removeTempDirsSync)
  printTable(ATTACHMENT_BENCH_TITLE, await measureAttachmentPreparation())
  printTable(PDF_BENCH_TITLE, await measurePdfExtraction())
}
