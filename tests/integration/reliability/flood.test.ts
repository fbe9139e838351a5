/**
 * Flood: 50 concurrent prompts in one app core, 4 models each (200 model streams, 25–65 tokens/s each, 1–4.5 s
 * of model time), through Mosquitto, with the real history store writing every answer as it streams. Every
 * column must end 'complete' with exactly its own text; no stream may starve (each one's time to first text and
 * its lateness beyond its model's own pace stay within a bound, absolute and relative to the others); and memory
 * stays bounded: after the run the core holds no per-stream state and, after a full GC, the heap is back near
 * where it started. Peak heapUsed / rss are printed.
 *
 * The history database lives on tmpfs here: the store commits each answer's progress with synchronous=FULL, one
 * fsync per answer every 300 ms on the main thread, so on a shared CI disk the timings would measure the disk's
 * fsync latency of the moment (this flood then ran 5 s to 37 s on one machine). `npm run bench`'s flood table
 * shows both.
 */
import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMosquitto, type Mosquitto } from '../../support/mosquitto'
import { runFlood } from '../../support/flood-run'
import { percentile } from '../../bench/stats'

const MB = 1024 * 1024
/**
 * Time from the click to the first text, for any of the 200 columns (50 prompts are saved one after another): a
 * deadline for the outcome, generous enough for a loaded machine (typically about 1 s: the 200 columns' first
 * chunks share the connection's publish budget of 80 per second; `npm run bench`'s flood table reports the real
 * figures). Starvation is caught relative to the others, below.
 */
const MAX_FIRST_TEXT_MS = 15_000
/** Per-stream memory the core may keep after every stream ended (recently finished ids, statement caches…). */
const MAX_HEAP_GROWTH_MB = 10

let mosquitto: Mosquitto
beforeAll(async () => {
  mosquitto = await startMosquitto()
})
afterAll(async () => {
  await mosquitto?.stop()
})

describe('flood: 50 concurrent prompts × 4 models in one client', () => {
  it('completes all 200 streams exactly, starves none, and keeps memory bounded', async () => {
    const tmpfs = existsSync('/dev/shm') ? { dataParent: '/dev/shm' } : {}
    const result = await runFlood({ broker: mosquitto, streams: 50, modelsPerStream: 4, timeoutMs: 50_000, ...tmpfs })
    const first = result.records.map((r) => r.firstTextMs)
    const late = result.records.map((r) => r.completedMs - r.scriptedMs)
    const peakHeap = Math.max(...result.samples.map((s) => s.heapUsed))
    const peakRss = Math.max(...result.samples.map((s) => s.rss))
    console.info(
      `flood: ${result.modelStreams} model streams in ${(result.durationMs / 1000).toFixed(1)} s, ${result.chunksDelivered} chunks; ` +
        `first text p50 ${Math.round(percentile(first, 50))} / max ${Math.round(Math.max(...first))} ms; ` +
        `late p50 ${Math.round(percentile(late, 50))} / max ${Math.round(Math.max(...late))} ms; ` +
        `event-loop delay p99 ${Math.round(result.eventLoopDelayP99Ms)} / max ${Math.round(result.eventLoopDelayMaxMs)} ms; ` +
        `peak heapUsed ${(peakHeap / MB).toFixed(1)} MB, peak rss ${(peakRss / MB).toFixed(1)} MB; ` +
        `heap after GC ${((result.heapAfter - result.heapBefore) / MB).toFixed(2)} MB over the start`,
    )

    // Exact, complete, every one.
    const wrong = result.records.filter((r) => r.status !== 'complete' || !r.exact)
    expect(wrong.map((r) => `${r.stream}/${r.modelId}: ${r.status}${r.exact ? '' : ', text differs'}`)).toEqual([])
    expect(result.diagnostics.rejected).toEqual({})
    expect(result.diagnostics.gapsReported).toBe(0)

    // Memory: no stream state left in the core, heap back near the start after a full GC.
    expect(result.diagnostics.activeStreams).toBe(0)
    expect((result.heapAfter - result.heapBefore) / MB).toBeLessThan(MAX_HEAP_GROWTH_MB)

    // Nobody starves: a first text soon for every column, and nobody much later than the rest.
    expect(Math.max(...first), 'slowest first text (ms)').toBeLessThanOrEqual(MAX_FIRST_TEXT_MS)
    expect(Math.max(...first), 'the slowest first text vs the others (ms)').toBeLessThanOrEqual(
      2 * percentile(first, 50) + 2_000,
    )
    expect(Math.max(...late), 'the latest stream vs the others (ms)').toBeLessThanOrEqual(
      2 * percentile(late, 50) + 2_000,
    )
    // No absolute bound on how late: the bench's flood table reports it. Under load the whole run is late (a loaded
    // 2-core machine once finished streams 14.8 s after their model, p50 11 s), so only a stream much later than the
    // others counts as starved, above.
  }, 60_000)
})
