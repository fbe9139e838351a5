/**
 * Flood: 50 concurrent prompts × 4 models (200 model streams at 25–65 tokens/s each) in one app core, through
 * Mosquitto, with the history store on disk (as in the app) and on tmpfs (the relay and core alone). Reports peak
 * memory while streaming and what is left after a full GC, the run's duration and chunk rate, the main thread's
 * event-loop delay, and how long streams waited for their first text and how late they finished beyond their
 * model's own pace (p50 / p99 / max), which shows whether any stream starved.
 *
 * `measureFlood()` returns the rows for `npm run bench`; `npx tsx tests/bench/flood-bench.ts` prints them alone.
 */
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { pathToFileURL } from 'node:url'
import { startMosquitto, type Mosquitto } from '../support/mosquitto'
import { runFlood, type FloodResult } from '../support/flood-run'
import { percentile, printTable } from './stats'
import { removeTempDirsSync } from '../support/temp-dir'

const MB = 1024 * 1024
const TMPFS = '/dev/shm'

export interface FloodRow extends Record<string, string | number> {
  history: string
  streams: string
  'duration s': number
  'chunks/s': number
  'first text p50 ms': number
  'first text p99 ms': number
  'late p99 ms': number
  'late max ms': number
  'loop delay p99 ms': number
  'loop delay max ms': number
  'peak heapUsed MB': number
  'peak rss MB': number
  'heap after GC +MB': number
  exact: string
}

export function floodRow(result: FloodResult, history: string): FloodRow {
  const first = result.records.map((r) => r.firstTextMs)
  const late = result.records.map((r) => r.completedMs - r.scriptedMs)
  const exact = result.records.filter((r) => r.exact && r.status === 'complete').length
  return {
    history,
    streams: `${result.streams} × ${result.modelStreams / result.streams}`,
    'duration s': result.durationMs / 1000,
    'chunks/s': result.chunksDelivered / (result.durationMs / 1000),
    'first text p50 ms': percentile(first, 50),
    'first text p99 ms': percentile(first, 99),
    'late p99 ms': percentile(late, 99),
    'late max ms': Math.max(...late),
    'loop delay p99 ms': result.eventLoopDelayP99Ms,
    'loop delay max ms': result.eventLoopDelayMaxMs,
    'peak heapUsed MB': Math.max(...result.samples.map((s) => s.heapUsed)) / MB,
    'peak rss MB': Math.max(...result.samples.map((s) => s.rss)) / MB,
    'heap after GC +MB': (result.heapAfter - result.heapBefore) / MB,
    exact: `${exact}/${result.modelStreams}`,
  }
}

/**
 * One warm-up flood, then the measured ones: with the history store on the temp dir's disk (as the app keeps it
 * in the user-data folder), and on tmpfs (/dev/shm, where fsync is free), which leaves the relay and the core
 * alone. Starts its own Mosquitto unless given one.
 */
export async function measureFlood(broker?: Mosquitto): Promise<FloodRow[]> {
  const mosquitto = broker ?? (await startMosquitto())
  try {
    const tmpfs = existsSync(TMPFS) ? { dataParent: TMPFS } : {}
    await runFlood({ broker: mosquitto, streams: 10, ...tmpfs })
    const rows = [
      floodRow(
        await runFlood({ broker: mosquitto, streams: 50, modelsPerStream: 4, timeoutMs: 180_000 }),
        `disk (${tmpdir()})`,
      ),
    ]
    if (existsSync(TMPFS)) {
      rows.push(
        floodRow(
          await runFlood({ broker: mosquitto, streams: 50, modelsPerStream: 4, timeoutMs: 180_000, ...tmpfs }),
          `tmpfs (${TMPFS})`,
        ),
      )
    }
    return rows
  } finally {
    if (!broker) await mosquitto.stop()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.on('exit', removeTempDirsSync)
  console.log('StreamDesk flood benchmark (Node %s, %s)', process.version, new Date().toISOString())
  printTable('Flood: concurrent prompts × models in one app core, through Mosquitto', await measureFlood())
  console.log(
    '"late": completion time minus the model\'s own scripted duration; "first text": prompt sent → first text;',
  )
  console.log(
    '"loop delay": the main thread\'s event-loop delay while streaming (history commits are synchronous fsyncs on it).',
  )
}
