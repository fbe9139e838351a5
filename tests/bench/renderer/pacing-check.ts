/**
 * Does the stream really arrive at the rate asked for? Streams `models` answers of `deltas` deltas at 5 ms per
 * delta (200/s) from the shared fixture (one setTimeout per delta) and from the benchmark's paced server, reads
 * them with fetch as the provider does, and reports the rate each client saw.
 *
 *   tsx tests/bench/renderer/pacing-check.ts
 */
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { startFakeOpenAiServer } from '../../fixtures/fake-openai-server'
import { startPacedServer } from './paced-sse-server'

export interface PacingResult {
  server: string
  streams: number
  deltasPerStream: number
  /** Deltas per second per stream as the client received them (first to last delta), min over streams. */
  minRate: number
  maxRate: number
  /** How much longer than deltas × 5 ms the slowest stream took, ms. */
  maxOverrunMs: number
}

async function receive(baseUrl: string, model: string): Promise<{ count: number; first: number; last: number }> {
  const response = await fetch(`${baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'go' }], stream: true }),
  })
  const decoder = new TextDecoder()
  let buffer = ''
  let count = 0
  let first = NaN
  let last = NaN
  for await (const part of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(part, { stream: true })
    const events = buffer.split('\n\n')
    buffer = events.pop() ?? ''
    const now = performance.now()
    for (const event of events) {
      if (!event.startsWith('data: {')) continue
      const content = (JSON.parse(event.slice(6)) as { choices?: Array<{ delta?: { content?: string } }> }).choices?.[0]
        ?.delta?.content
      if (!content) continue
      count += 1
      if (Number.isNaN(first)) first = now
      last = now
    }
  }
  return { count, first, last }
}

export async function checkPacing(streams = 4, deltas = 2_000): Promise<PacingResult[]> {
  const script = Array.from({ length: deltas }, (_, i) => ` t${i}`)
  const models = Array.from({ length: streams }, (_, i) => `m${i + 1}`)
  const results: PacingResult[] = []
  const summarize = (server: string, runs: Array<{ count: number; first: number; last: number }>): PacingResult => {
    const rates = runs.map((r) => ((r.count - 1) * 1000) / (r.last - r.first))
    return {
      server,
      streams,
      deltasPerStream: deltas,
      minRate: Math.min(...rates),
      maxRate: Math.max(...rates),
      maxOverrunMs: Math.max(...runs.map((r) => r.last - r.first - (deltas - 1) * 5)),
    }
  }
  const fixture = await startFakeOpenAiServer(
    Object.fromEntries(models.map((m) => [m, { kind: 'answer' as const, deltas: script, intervalMs: 5 }])),
  )
  try {
    results.push(
      summarize(
        'fake-openai-server fixture (setTimeout 5 ms per delta)',
        await Promise.all(models.map((m) => receive(fixture.baseUrl, m))),
      ),
    )
  } finally {
    await fixture.close()
  }
  const paced = await startPacedServer({ deltasPerSecond: 200 })
  try {
    paced.setScripts(Object.fromEntries(models.map((m) => [m, script])))
    results.push(
      summarize('paced server (elapsed-time pacing)', await Promise.all(models.map((m) => receive(paced.baseUrl, m)))),
    )
  } finally {
    await paced.close()
  }
  return results
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await checkPacing())
}
