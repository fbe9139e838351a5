/**
 * An OpenAI-compatible chat-completions server for the renderer benchmark, speaking the same SSE format as
 * tests/fixtures/fake-openai-server.ts but paced by elapsed time: delta i is due at `start + (i + 1) / rate`, and
 * each tick sends every delta that is due (each as its own SSE event), so timer drift and a busy event loop delay
 * deltas by at most a tick instead of slowing the whole stream down (a 5 ms setTimeout per delta, as the fixture
 * does, runs late on every delta and the lag adds up). It records, per request, when the first and the last delta
 * were written, in wall-clock ms (Date.now(), comparable with the page's Date.now()).
 *
 * A script may start with reasoning deltas, sent as DeepSeek does (`reasoning_content`, with `content: null`), then
 * its answer deltas (`content`, with `reasoning_content: null`), all at the one pace: a reasoning model's thinking
 * arrives as fast as its answer.
 *
 * It also serves the baseline page's static files under /baseline/, so that page can fetch the streams from its
 * own origin under a `connect-src 'self'` policy; and, for that page, several models' streams in one response
 * (`POST /v1/chat/completions?multiplex` with `{ models: [...] }`: each its own paced stream, their events
 * interleaved, told apart by their `model` field), since Chromium opens at most 6 connections to one host and
 * an 8-column page would otherwise start its last 2 streams only when others end.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { startLoopbackServer } from '../../support/loopback-server'
import { readFile } from 'node:fs/promises'
import { extname, join, normalize, sep } from 'node:path'

/** One model's stream: its answer deltas, or its reasoning deltas and then its answer deltas. */
export type StreamScript = string[] | { reasoning: string[]; answer: string[] }

export interface StreamTiming {
  model: string
  requestAt: number
  firstDeltaAt?: number
  /** When the write carrying the first answer delta (after the reasoning, if any) was made. */
  firstAnswerDeltaAt?: number
  lastDeltaAt?: number
  /** Reasoning and answer deltas written so far. */
  deltasSent: number
  /** How late the latest-due delta of each write was, worst case, ms. */
  maxLagMs: number
  /** Writes (ticks that had deltas to send). */
  writes: number
  outcome?: 'completed' | 'client-disconnected'
}

export interface PacedServer {
  /** `http://127.0.0.1:<port>/v1` */
  baseUrl: string
  origin: string
  timings: StreamTiming[]
  setScripts(scripts: Record<string, StreamScript>): void
  /** Resolves once every request started so far has ended. */
  waitForIdle(): Promise<void>
  close(): Promise<void>
}

export interface PacedServerOptions {
  deltasPerSecond: number
  /** The timer period; each tick sends whatever is due. Default 5 ms. */
  tickMs?: number
  /** Directory served under /baseline/. */
  staticDir?: string
}

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' }
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
}

export async function startPacedServer(options: PacedServerOptions): Promise<PacedServer> {
  const scripts = new Map<string, { reasoning: string[]; answer: string[] }>()
  const timings: StreamTiming[] = []
  const timers = new Set<NodeJS.Timeout>()
  const intervalMs = 1000 / options.deltasPerSecond
  const tickMs = options.tickMs ?? 5
  let inFlight = 0
  const idleWaiters: Array<() => void> = []

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (req.method === 'GET' && url.pathname.startsWith('/baseline/') && options.staticDir) {
      const file = normalize(join(options.staticDir, url.pathname.slice('/baseline/'.length) || 'index.html'))
      if (!file.startsWith(options.staticDir + sep)) return void res.writeHead(403).end()
      const body = await readFile(file).catch(() => undefined)
      if (!body) return void res.writeHead(404).end()
      res.writeHead(200, {
        'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
      })
      return void res.end(body)
    }
    if (req.method === 'GET' && url.pathname === '/v1/models') {
      const data = [...scripts.keys()].map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'bench' }))
      return void res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ object: 'list', data }))
    }
    if (req.method !== 'POST' || url.pathname !== '/v1/chat/completions')
      return void res.writeHead(404).end('404 page not found')
    const parts: Buffer[] = []
    for await (const part of req as AsyncIterable<Buffer>) parts.push(part)
    const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as {
      model?: string
      models?: string[]
      stream_options?: { include_usage?: boolean }
    }
    const multiplexed = url.searchParams.has('multiplex')
    const models = multiplexed && Array.isArray(body.models) ? body.models.map(String) : [String(body.model ?? '')]
    const missing = models.find((model) => !scripts.has(model))
    if (missing !== undefined) {
      res.writeHead(404, { 'content-type': 'application/json' })
      return void res.end(JSON.stringify({ error: { message: `model "${missing}" not found`, type: 'api_error' } }))
    }
    const streamTimings = models.map((model): StreamTiming => ({
      model,
      requestAt: Date.now(),
      deltasSent: 0,
      maxLagMs: 0,
      writes: 0,
    }))
    timings.push(...streamTimings)
    inFlight += 1
    res.on('close', () => {
      for (const timing of streamTimings) timing.outcome ??= res.writableFinished ? 'completed' : 'client-disconnected'
      inFlight -= 1
      if (inFlight === 0) for (const wake of idleWaiters.splice(0)) wake()
    })
    res.writeHead(200, SSE_HEADERS)
    let open = models.length
    for (const [i, model] of models.entries()) {
      pace(res, model, scripts.get(model)!, streamTimings[i]!, body.stream_options?.include_usage === true, () => {
        open -= 1
        if (open === 0) res.end('data: [DONE]\n\n')
      })
    }
  }

  /** Writes one model's stream to `res` at the pace asked for, then its finish (and usage); calls `ended` then. */
  function pace(
    res: ServerResponse,
    model: string,
    script: { reasoning: string[]; answer: string[] },
    timing: StreamTiming,
    includeUsage: boolean,
    ended: () => void,
  ): void {
    const id = `chatcmpl-bench${Math.random().toString(36).slice(2, 10)}`
    const created = Math.floor(Date.now() / 1000)
    const event = (fields: object) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, ...fields })}\n\n`
    const choice = (delta: object, finish: string | null = null) =>
      event({ choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })

    const thinks = script.reasoning.length > 0
    const deltas = [...script.reasoning, ...script.answer]
    const deltaEvent = (i: number) =>
      !thinks
        ? choice({ content: deltas[i]! })
        : i < script.reasoning.length
          ? choice({ content: null, reasoning_content: deltas[i]! })
          : choice({ content: deltas[i]!, reasoning_content: null })

    res.write(
      choice(thinks ? { role: 'assistant', content: null, reasoning_content: '' } : { role: 'assistant', content: '' }),
    )
    const start = performance.now()
    let next = 0
    const tick = () => {
      if (res.destroyed || res.writableEnded) return
      const now = performance.now()
      const due = Math.min(deltas.length, Math.floor((now - start) / intervalMs))
      if (due > next) {
        let out = ''
        for (; next < due; next++) out += deltaEvent(next)
        const wall = Date.now()
        timing.firstDeltaAt ??= wall
        if (next > script.reasoning.length) timing.firstAnswerDeltaAt ??= wall
        timing.deltasSent = next
        timing.writes += 1
        timing.maxLagMs = Math.max(timing.maxLagMs, now - (start + due * intervalMs))
        if (next === deltas.length) {
          // The write carrying the last delta is timestamped just before it; the finish and [DONE] follow at once.
          timing.lastDeltaAt = wall
          res.write(out)
          res.write(choice({}, 'stop'))
          if (includeUsage) {
            res.write(
              event({
                choices: [],
                usage: {
                  prompt_tokens: 12,
                  completion_tokens: deltas.length,
                  total_tokens: 12 + deltas.length,
                  ...(thinks ? { completion_tokens_details: { reasoning_tokens: script.reasoning.length } } : {}),
                },
              }),
            )
          }
          return ended()
        }
        res.write(out)
      }
      const untilNext = start + (next + 1) * intervalMs - performance.now()
      const timer = setTimeout(
        () => {
          timers.delete(timer)
          tick()
        },
        Math.max(0, Math.min(tickMs, untilNext)),
      )
      timers.add(timer)
    }
    tick()
  }

  const server = await startLoopbackServer(handle)
  const { origin } = server
  return {
    baseUrl: `${origin}/v1`,
    origin,
    timings,
    setScripts(next) {
      scripts.clear()
      for (const [model, script] of Object.entries(next))
        scripts.set(model, Array.isArray(script) ? { reasoning: [], answer: script } : script)
    },
    waitForIdle: () => (inFlight === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve))),
    async close() {
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      await server.close()
    },
  }
}

/** Achieved rate of one stream, deltas per second, from its first to its last delta. */
export function achievedRate(timing: StreamTiming): number {
  if (timing.firstDeltaAt === undefined || timing.lastDeltaAt === undefined || timing.deltasSent < 2) return NaN
  return ((timing.deltasSent - 1) * 1000) / Math.max(1, timing.lastDeltaAt - timing.firstDeltaAt)
}
