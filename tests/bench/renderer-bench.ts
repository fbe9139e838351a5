/**
 * Renderer under load (issues 7 and 13): long answers streaming into several columns at once, measured in Debian's
 * Chromium (headless, --disable-gpu, 1400×900) through playwright-core, next to a baseline measured in the same run.
 *
 *   tsx tests/bench/renderer-bench.ts [--quick] [--naive] [--profile]      (npm run bench:renderer -- [--quick])
 *   tsx tests/bench/renderer-bench.ts --scenario reasoning [--only StreamDesk]   (named scenarios, comma-separated)
 *   tsx tests/bench/renderer-bench.ts --columns 4 --deltas 5000 [--reasoning 1000] --only StreamDesk --profile
 *   tsx tests/bench/renderer-bench.ts --paste      (only the paste table: renderer/paste-bench.ts, issue 18)
 *
 * Workload (tests/bench/renderer/workload.ts): per column one answer of 20,000 token-like deltas (~80 kB of prose,
 * lists and a 40-line fenced code block about every 400 deltas), seeded, a different seed per column, delivered at
 * 200 deltas/s per model by an OpenAI-compatible server paced by elapsed time (renderer/paced-sse-server.ts).
 *
 * - StreamDesk: the real pipeline. Settings point four models at that server; the browser harness runs the real
 *   core (OpenAI-compatible provider → chat handler → delta coalescer → embedded aedes broker → aws-crt session →
 *   reorder buffer → update batching) and serves the built renderer (out/renderer) to the page.
 * - baseline: a plain page under the same CSP that fetches the same streams from the same server (all in one
 *   response, as Chromium opens at most 6 connections to one host) and shows them as plain text, one <pre> per
 *   column (renderer/baseline-page/): the deltas that arrived are appended once per
 *   animation frame, into blocks of ~2,000 characters that skip paint out of view (content-visibility, as the app's
 *   groups do). The floor. `--naive` adds two variants: each delta appended as it arrives, blocks painted even out
 *   of view (`baseline?append=delta&cv=0`), and "naive baseline", each delta appended as it arrives to one growing
 *   text node per <pre>, which shows what laying out and painting 4 × 80 kB of plain text every frame costs.
 *
 * Scenarios (SCENARIOS, `--scenario <name>`): `quick`, 1 column × 2,000 deltas (`--quick` runs only this, so a
 * regression shows early); `answers`, 4 columns × 20,000 deltas; `table`, 1 column × 20,000 deltas of one huge
 * table (about 100 s of streaming each); `reasoning` (issue 13), 8 columns, each 5,000 reasoning deltas
 * (`reasoning_content`, renderer/workload.ts's generateReasoning) and then 20,000 answer deltas (125 s): the app
 * shows the reasoning in each column's Thinking section, which streams while the model thinks and folds when the
 * answer starts; the baseline appends it as plain text to a <details> that it folds then too. After the stream each
 * column's thinking is opened and compared with what was sent, like the answer. Each scenario is judged against its
 * issue's targets (TARGET_SETS). What is measured and how: see renderer/page-probes.js and the comments below. `--profile` adds a pass per page and scenario with the CDP sampling profiler on for the whole
 * stream and a Chrome trace of ~10 s near its end, and prints the functions and the trace events (style, layout,
 * paint…) with the most main-thread self time; that pass's figures are not in the tables (the profiler slows the
 * page). Each page runs in its own headless Chromium; the machine's load average is printed with each row, since
 * anything else running on these 2 cores shows up in every figure.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core'
import { startLocalMode } from '../../src-main/core/local-mode/start-local-mode'
import type { Publisher } from '../../src-main/backend/publisher'
import type { StreamUpdate } from '../../src-main/shared/ipc-contract'
import { BUILT_RENDERER_DIR, startHarness, type Harness } from '../harness/harness-server'
import { launchChromium, watchPageErrors } from '../support/browser'
import { removeTempDirsSync } from '../support/temp-dir'
import { writeSettings } from '../support/test-core'
import { generateAnswer, generateReasoning, generateTableAnswer, type Answer } from './renderer/workload'
import { achievedRate, startPacedServer, type PacedServer, type StreamTiming } from './renderer/paced-sse-server'
import { summarizeTrace, TRACE_CATEGORIES, type TraceSummary } from './renderer/trace-summary'
import { percentile, printTable, verdict } from './stats'
import { benchPaste } from './renderer/paste-bench'

/**
 * The floor, plain text appended once per frame in blocks (renderer/baseline-page/); the same page with options
 * (`baseline?append=delta&cv=0`, see baseline.js); "naive baseline", each delta appended at once to one growing
 * text node per <pre> (`baseline?append=delta&blocks=0&cv=0`); and the app.
 */
export type BenchPage = 'baseline' | 'naive baseline' | `baseline?${string}` | 'StreamDesk'

const NAIVE_QUERY = 'append=delta&blocks=0&cv=0'

export interface Scenario {
  /** Its name for `--scenario` (SCENARIOS), or 'custom'. */
  name: string
  columns: number
  /** Answer deltas per column. */
  deltasPerColumn: number
  /** Reasoning deltas per column, streamed before the answer (issue 13). */
  reasoningDeltasPerColumn?: number
  /** prose (default): prose, lists and code; table: one huge table (issue 5), see renderer/workload.ts. */
  workload?: 'prose' | 'table'
  /** Whose targets judge it (TARGET_SETS). */
  targets: TargetSetName
}

export interface RendererBenchOptions {
  /** Only the early-warning scenario (1 column × 2,000 deltas). */
  quick?: boolean
  /** Overrides the scenarios (default: every one in SCENARIOS, in order). */
  scenarios?: Scenario[]
  pages?: BenchPage[]
  deltasPerSecond?: number
  /** An extra profiled pass per StreamDesk scenario (see the file header). */
  profile?: boolean
  /** Progress lines; default console.log. */
  log?: (line: string) => void
}

/** One target: its column header (with the limit) and whether a run met it. */
interface TargetCheck {
  header: string
  value(r: ScenarioResult): number
  met(value: number): boolean
}

/** The final text's latency, worst column. */
const worstFinalTextMs = (r: ScenarioResult) => worst(r.columns.map((c) => c.finalTextMs))

/**
 * Each issue's targets, as it words them: issue 7's for long answers (quick, answers, table), issue 13's for eight
 * columns that think first (reasoning), stricter on frames and long tasks and without a typing target.
 */
export const TARGET_SETS = {
  'issue 7': [
    { header: 'max long task ms (≤100)', value: (r) => r.longTaskMaxMs, met: (v) => v <= 100 },
    { header: 'long tasks total ms (<2,000)', value: (r) => r.longTaskTotalMs, met: (v) => v < 2_000 },
    { header: 'median fps (≥30)', value: (r) => r.fpsMedian, met: (v) => v >= 30 },
    { header: 'typing p95 ms (<50)', value: (r) => r.typingP95, met: (v) => v < 50 },
    { header: 'final text ms, worst column (≤100)', value: worstFinalTextMs, met: (v) => v <= 100 },
    { header: 'heap after MB (<200)', value: (r) => r.cdp.heapAfterMb, met: (v) => v < 200 },
  ],
  'issue 13': [
    { header: 'max long task ms (≤50)', value: (r) => r.longTaskMaxMs, met: (v) => v <= 50 },
    { header: 'long tasks total ms (<500)', value: (r) => r.longTaskTotalMs, met: (v) => v < 500 },
    { header: 'median fps (≥55)', value: (r) => r.fpsMedian, met: (v) => v >= 55 },
    { header: 'final text ms, worst column (<100)', value: worstFinalTextMs, met: (v) => v < 100 },
    { header: 'heap after MB (<250)', value: (r) => r.cdp.heapAfterMb, met: (v) => v < 250 },
  ],
} satisfies Record<string, TargetCheck[]>
export type TargetSetName = keyof typeof TARGET_SETS

export interface ColumnMeasure {
  modelId: string
  firstTextMs?: number
  /** Page's Date.now() when the last words were in the DOM minus the server's Date.now() when it wrote the last delta. */
  finalTextMs?: number
  /** For StreamDesk, where that time went: server's last delta → final chunk published → final update sent to the page. */
  serverToPublishMs?: number
  publishToEmitMs?: number
  emitToDomMs?: number
  serverRate: number
  serverMaxLagMs: number
  /** The streamed text the page got equals the answer (StreamDesk: the core's updates; baseline: the <pre>'s text). */
  textExact?: boolean
  /** Column innerText vs the one-shot render's innerText, all whitespace removed / runs of whitespace collapsed. */
  renderEqual?: boolean
  renderEqualCollapsed?: boolean
  /** The same with textContent (no layout involved), whitespace removed. */
  textContentEqual?: boolean
  renderDiff?: string
  codeBlocks?: number
  highlightedBlocks?: number
  /** Reasoning scenarios: when the thinking first showed (page clock − send), ms. */
  thinkingFirstMs?: number
  /** When the thinking section folded (page clock) minus when the server wrote the first answer delta, ms. */
  thinkingFoldMs?: number
  /** Reasoning scenarios: the thinking's correctness, checked after the stream (see checkThinking). */
  thinking?: ThinkingCheck
}

export interface ThinkingCheck {
  /** Folded when the stream had ended, before the check opened it. */
  foldedAtEnd: boolean
  /** The reasoning the page got equals what was sent (StreamDesk: the core's updates; baseline: its <pre>). */
  textExact: boolean
  /** Opened: its DOM text equals a one-shot render of the reasoning (StreamDesk), whitespace removed. */
  renderEqual: boolean
  renderDiff?: string
}

export interface ProfileRow {
  fn: string
  selfMs: number
  share: number
}

export interface ScenarioResult {
  page: BenchPage
  scenario: Scenario
  finished: boolean
  failure?: string
  streamSeconds: number
  longTaskCount: number
  longTaskTotalMs: number
  longTaskMaxMs: number
  fpsMedian: number
  fpsMin: number
  fpsSamples: number
  typingP50: number
  typingP95: number
  typingMax: number
  typingSamples: number
  keysTyped: number
  /** Cross-check of the typing figure on Node's clock: from just before page.keyboard.type to the page's frame, p95. */
  typingFromNodeP95: number
  /** Deltas over the stream, s (TaskDuration is wall time; ThreadTime is the main thread's CPU time). */
  cdp: {
    scriptS: number
    taskS: number
    threadCpuS: number
    layoutS: number
    styleS: number
    heapBeforeMb: number
    heapAfterMb: number
    heapAfterGcMb: number
  }
  domNodes: number
  /** Distance of the scroll container from its bottom, px, two frames after the last column's final text. */
  scrollDistanceAtEnd?: number
  /** Share of the once-a-second samples during the stream with the view at the bottom. */
  atBottomShare: number
  columns: ColumnMeasure[]
  /** StreamDesk: the backend's MQTT messages per second of one model's stream (first to last), the busiest model. */
  mqttMessagesPerSecond?: number
  pageErrors: string[]
  /** The machine's 1-minute load average when the stream started and when it ended (other work on the 2 cores). */
  load: [number, number]
  profile?: { functions: ProfileRow[]; files: ProfileRow[] }
  trace?: TraceSummary
}

/**
 * The early warning (one column, 2,000 deltas); issue 7's load (four columns × 20,000 deltas); issue 5's huge
 * table (one column, ~2,400 rows); issue 13's eight columns that think (5,000 reasoning deltas) before answering.
 */
export const SCENARIOS = {
  quick: { name: 'quick', columns: 1, deltasPerColumn: 2_000, targets: 'issue 7' },
  answers: { name: 'answers', columns: 4, deltasPerColumn: 20_000, targets: 'issue 7' },
  table: { name: 'table', columns: 1, deltasPerColumn: 20_000, workload: 'table', targets: 'issue 7' },
  reasoning: {
    name: 'reasoning',
    columns: 8,
    deltasPerColumn: 20_000,
    reasoningDeltasPerColumn: 5_000,
    targets: 'issue 13',
  },
} satisfies Record<string, Scenario>
const SEEDS = [101, 202, 303, 404, 505, 606, 707, 808]
const VIEWPORT = { width: 1400, height: 900 }
const TYPE_EVERY_MS = 400
const SETTLE_MS = 1_000
const BOTTOM_SLACK_PX = 8
const PROBES_PATH = join(import.meta.dirname, 'renderer/page-probes.js')
const BASELINE_DIR = join(import.meta.dirname, 'renderer/baseline-page')

export async function measureRenderer(options: RendererBenchOptions = {}) {
  const log = options.log ?? ((line: string) => console.log(line))
  const rate = options.deltasPerSecond ?? 200
  const scenarios: Scenario[] = options.scenarios ?? (options.quick ? [SCENARIOS.quick] : Object.values(SCENARIOS))
  const pages = options.pages ?? ['baseline', 'StreamDesk']
  const probes = await readFile(PROBES_PATH, 'utf8')
  const engine = await oneShotRenderer()
  const server = await startPacedServer({ deltasPerSecond: rate, staticDir: BASELINE_DIR })
  const results: ScenarioResult[] = []
  const profiles: ScenarioResult[] = []
  try {
    for (const scenario of scenarios) {
      const generate = scenario.workload === 'table' ? generateTableAnswer : generateAnswer
      const thinks = scenario.reasoningDeltasPerColumn ?? 0
      const answers = Array.from({ length: scenario.columns }, (_, i) => ({
        ...generate(SEEDS[i]!, scenario.deltasPerColumn),
        ...(thinks > 0 ? { reasoning: generateReasoning(SEEDS[i]!, thinks) } : {}),
      }))
      for (const page of pages) {
        log(
          `… ${page}, ${label(scenario)} at ${rate} deltas/s per column (~${Math.round(streamDeltas(scenario) / rate)} s)`,
        )
        const result = await runScenario({ page, scenario, answers, server, probes, engine, rate, profile: false })
        results.push(result)
        log(
          `  ${result.finished ? 'finished' : `DID NOT FINISH: ${result.failure}`} in ${result.streamSeconds.toFixed(1)} s`,
        )
      }
      for (const page of options.profile ? pages : []) {
        log(`… ${page}, ${label(scenario)}, profiled pass (CPU profile of the whole stream, trace of its last ~12 s)`)
        profiles.push(await runScenario({ page, scenario, answers, server, probes, engine, rate, profile: true }))
      }
    }
  } finally {
    await server.close()
  }
  return {
    targetTables: targetTables(results),
    detailRows: detailRows(results),
    columnRows: columnRows(results),
    thinkingRows: thinkingRows(results),
    results,
    profiles,
    engine: engine.name,
  }
}

function label(scenario: Scenario): string {
  const count = (n: number) => n.toLocaleString('en-US')
  const perColumn = scenario.reasoningDeltasPerColumn
    ? `(${count(scenario.reasoningDeltasPerColumn)} reasoning + ${count(scenario.deltasPerColumn)})`
    : count(scenario.deltasPerColumn)
  return `${scenario.columns} × ${perColumn}${scenario.workload === 'table' ? ' (table)' : ''}`
}

/** Deltas each column streams, reasoning and answer. */
function streamDeltas(scenario: Scenario): number {
  return (scenario.reasoningDeltasPerColumn ?? 0) + scenario.deltasPerColumn
}

// ---------------------------------------------------------------------------------------------------------------

interface RunInput {
  page: BenchPage
  scenario: Scenario
  answers: Answer[]
  server: PacedServer
  probes: string
  engine: OneShotRenderer
  rate: number
  profile: boolean
}

interface PageBench {
  longTasks: Array<[number, number]>
  longTaskSupported: boolean
  fps: Array<{ t: number; at: number; frames: number; spanMs: number }>
  typing: Array<{ t: number; latency: number; queued: number; changed: boolean; frameAt: number }>
  columns: Record<
    string,
    { firstAt?: number; finalAt?: number; statusAt?: number; thinkingFirstAt?: number; thinkingFoldedAt?: number }
  >
  scroll: Array<{ at: number; distance: number }>
  scrollAtEnd?: number
  allFinalAt?: number
}

/** Races a promise (e.g. a page.evaluate on a hung tab) against a timeout. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise,
    new Promise<never>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)),
    ),
  ]).finally(() => clearTimeout(timer))
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms))

async function metrics(cdp: CDPSession): Promise<Record<string, number>> {
  const { metrics: list } = await within(cdp.send('Performance.getMetrics'), 30_000, 'Performance.getMetrics')
  return Object.fromEntries(list.map((m) => [m.name, m.value]))
}

async function runScenario(input: RunInput): Promise<ScenarioResult> {
  const { page: kind, scenario, answers, server, probes, engine, rate } = input
  const modelIds = answers.map((_, i) => `m${i + 1}`)
  server.setScripts(
    Object.fromEntries(
      answers.map(({ deltas, reasoning }, i) => [
        modelIds[i]!,
        reasoning ? { reasoning: reasoning.deltas, answer: deltas } : deltas,
      ]),
    ),
  )
  const timingsFrom = server.timings.length
  const expectedMs = (streamDeltas(scenario) / rate) * 1000

  let browser: Browser | undefined
  let context: BrowserContext | undefined
  let harness: Harness | undefined
  let userDataDir: string | undefined
  // StreamDesk only: when the backend published each model's final chunk, and when the core sent its final update.
  const publishedFinalAt = new Map<string, number>()
  const emittedFinalAt = new Map<string, number>()
  const delivered = new Map<string, string>()
  const deliveredReasoning = new Map<string, string>()
  // StreamDesk only: the backend's MQTT publishes per model, and when its first and last were.
  const published = new Map<string, { count: number; firstAt: number; lastAt: number }>()
  const result: ScenarioResult = {
    page: kind,
    scenario,
    finished: false,
    streamSeconds: NaN,
    longTaskCount: NaN,
    longTaskTotalMs: NaN,
    longTaskMaxMs: NaN,
    fpsMedian: NaN,
    fpsMin: NaN,
    fpsSamples: 0,
    typingP50: NaN,
    typingP95: NaN,
    typingMax: NaN,
    typingSamples: 0,
    keysTyped: 0,
    typingFromNodeP95: NaN,
    cdp: {
      scriptS: NaN,
      taskS: NaN,
      threadCpuS: NaN,
      layoutS: NaN,
      styleS: NaN,
      heapBeforeMb: NaN,
      heapAfterMb: NaN,
      heapAfterGcMb: NaN,
    },
    domNodes: NaN,
    atBottomShare: NaN,
    columns: [],
    pageErrors: [],
    load: [NaN, NaN],
  }
  let typing: Promise<void> | undefined
  let stopTyping = false
  const typedAt: number[] = []
  try {
    browser = await launchChromium()
    context = await browser.newContext({ viewport: VIEWPORT })
    const page = await context.newPage()
    result.pageErrors = watchPageErrors(page)
    await page.addInitScript({ content: probes })

    let columnSelector: (id: string) => string
    let statusSelector: ((id: string) => string) | undefined
    // The column's thinking section (its `data-open` says whether it is open) and its text.
    let thinkingSelectors: (id: string) => { selector: string; textSelector: string }
    let scroller: string
    let scrollContent: string
    let inputSelector: string
    if (kind === 'StreamDesk') {
      userDataDir = await mkdtemp(join(tmpdir(), 'streamdesk-renderer-bench-'))
      await writeSettings(userDataDir, modelIds, server.baseUrl)
      const decoratePublisher = (inner: Publisher): Publisher => ({
        publish: (topic, payload) => {
          const message = JSON.parse(payload) as { modelId: string; final?: unknown }
          const now = Date.now()
          if (message.final) publishedFinalAt.set(message.modelId, now)
          const counted = published.get(message.modelId)
          if (counted) {
            counted.count += 1
            counted.lastAt = now
          } else published.set(message.modelId, { count: 1, firstAt: now, lastAt: now })
          return inner.publish(topic, payload)
        },
      })
      // The same runtime the core starts in local mode, with a tap on the backend's publishes for the breakdown.
      harness = await startHarness({
        userDataDir,
        startRuntime: (runtimeContext) => startLocalMode(runtimeContext, { decoratePublisher }),
      })
      harness.core.events.on('chat:updates', (updates: StreamUpdate[]) => {
        for (const update of updates) {
          delivered.set(update.modelId, (delivered.get(update.modelId) ?? '') + update.append)
          if (update.appendReasoning)
            deliveredReasoning.set(
              update.modelId,
              (deliveredReasoning.get(update.modelId) ?? '') + update.appendReasoning,
            )
          if (update.status !== 'streaming' && update.status !== 'queued' && !emittedFinalAt.has(update.modelId))
            emittedFinalAt.set(update.modelId, Date.now())
        }
      })
      await page.goto(harness.url)
      await page.waitForFunction(
        () => document.querySelector('[data-testid="connection-state"]')?.getAttribute('data-status') === 'connected',
        undefined,
        { timeout: 30_000 },
      )
      for (const id of modelIds) {
        if (!(await page.getByTestId(`model-option-${id}`).isChecked())) throw new Error(`model ${id} is not selected`)
      }
      columnSelector = (id) => `[data-testid="column-${id}"] [data-testid="column-text"]`
      statusSelector = (id) => `[data-testid="column-${id}"]`
      thinkingSelectors = (id) => ({
        selector: `[data-testid="column-${id}"] [data-testid="column-thinking"]`,
        textSelector: `[data-testid="column-${id}"] [data-testid="thinking-text"]`,
      })
      scroller = '.conversation-scroll'
      scrollContent = '.conversation-content'
      inputSelector = '[data-testid="prompt-input"]'
      await page.fill(inputSelector, 'Write a long answer with lists and code.')
    } else {
      const query = kind === 'naive baseline' ? `?${NAIVE_QUERY}` : kind.slice('baseline'.length)
      await page.goto(`${server.origin}/baseline/${query}`)
      await page.waitForFunction(
        () => typeof (window as unknown as { startBaseline?: unknown }).startBaseline === 'function',
      )
      columnSelector = (id) => `#col-${id}`
      thinkingSelectors = (id) => ({ selector: `#thinking-${id}`, textSelector: `#think-${id}` })
      scroller = '#scroll'
      scrollContent = '#columns'
      inputSelector = '#prompt-input'
    }
    await sleep(1_000) // let the page's start-up work settle before the measured window

    const cdp = await context.newCDPSession(page)
    await cdp.send('Performance.enable')
    const before = await metrics(cdp)
    result.load[0] = loadavg()[0]!
    await page.evaluate(
      (spec) => (window as unknown as { __bench: { watch(spec: unknown): void } }).__bench.watch(spec),
      {
        scroller,
        content: scrollContent,
        columns: modelIds.map((id, i) => ({
          id,
          selector: columnSelector(id),
          statusSelector: statusSelector?.(id),
          lastWords: answers[i]!.lastWords,
          ...(answers[i]!.reasoning ? { thinking: thinkingSelectors(id) } : {}),
        })),
      },
    )
    if (input.profile) {
      await cdp.send('Profiler.enable')
      await cdp.send('Profiler.setSamplingInterval', { interval: 500 })
      await cdp.send('Profiler.start')
    }
    // Send: the click (or the baseline's start) and its time, both taken in the page.
    const sent = await page.evaluate((models) => {
      const at = Date.now()
      const t = performance.now()
      const w = window as unknown as { startBaseline?: (models: string[]) => Promise<boolean> }
      if (w.startBaseline) void w.startBaseline(models)
      else (document.querySelector('[data-testid="send-button"]') as HTMLButtonElement).click()
      return { at, t }
    }, modelIds)

    // Profiled pass: a Chrome trace of ~10 s ending about 2 s before the stream does (a whole one would be huge).
    let tracing: Promise<TraceSummary | undefined> | undefined
    if (input.profile) {
      const startIn = Math.max(0, expectedMs - 12_000)
      tracing = sleep(startIn)
        .then(async () => {
          await browser!.startTracing(page, { categories: TRACE_CATEGORIES })
          await sleep(Math.min(10_000, expectedMs))
          return summarizeTrace(await browser!.stopTracing())
        })
        .catch(() => undefined)
    }

    // Typing while streaming: one key every TYPE_EVERY_MS into the prompt box (letters and spaces only).
    await page.focus(inputSelector)
    typing = (async () => {
      const keys = 'streaming text while typing '
      while (!stopTyping) {
        await sleep(TYPE_EVERY_MS)
        if (stopTyping) break
        typedAt.push(Date.now())
        await page.keyboard.type(keys[result.keysTyped % keys.length]!).catch(() => undefined)
        result.keysTyped += 1
      }
    })()

    // Wait for every column's last words to be in the DOM, polling from Node with a bounded evaluate.
    const deadline = Date.now() + expectedMs * 2 + 60_000
    let allFinalAt: number | undefined
    while (Date.now() < deadline) {
      await sleep(250)
      allFinalAt = await within(
        page.evaluate(() => (window as unknown as { __bench: PageBench }).__bench.allFinalAt),
        Math.max(5_000, deadline - Date.now()),
        'waiting for the final text',
      ).catch(() => undefined)
      if (allFinalAt !== undefined) break
    }
    result.finished = allFinalAt !== undefined
    if (!result.finished)
      result.failure = `the last words were not all on screen within ${Math.round((deadline - sent.at) / 1000)} s`

    // Settle: code highlighting runs when idle after a block completes; wait until the count stops changing.
    const highlightState = () =>
      within(
        page.evaluate(() => [
          document.querySelectorAll('.code-block').length,
          document.querySelectorAll('.code-block pre code:has(span[class^="hljs"])').length,
        ]),
        10_000,
        'highlight count',
      )
    let last = ''
    for (let stableSince = Date.now(), end = Date.now() + 20_000; Date.now() < end;) {
      await sleep(250)
      const now = JSON.stringify(await highlightState().catch(() => 'hung'))
      if (now !== last) {
        last = now
        stableSince = Date.now()
      } else if (Date.now() - stableSince >= SETTLE_MS) break
    }
    stopTyping = true
    await within(typing, 30_000, 'typing to stop')
    result.load[1] = loadavg()[0]!
    const endT = await within(
      page.evaluate(() => performance.now()),
      10_000,
      'end time',
    )
    const after = await metrics(cdp)
    if (input.profile) {
      const { profile } = await within(cdp.send('Profiler.stop'), 60_000, 'Profiler.stop')
      result.profile = topFunctions(profile, 15)
      result.trace = await within(tracing!, 60_000, 'trace')
    }
    await within(cdp.send('HeapProfiler.collectGarbage'), 30_000, 'collectGarbage').catch(() => undefined)
    const afterGc = await metrics(cdp)
    const bench = await within(
      page.evaluate(() => (window as unknown as { __bench: PageBench }).__bench),
      30_000,
      'reading __bench',
    )
    result.domNodes = await within(
      page.evaluate(() => document.getElementsByTagName('*').length),
      10_000,
      'DOM count',
    )

    // Times: the page's performance.now() for long tasks, frames and typing; wall clock for columns vs server.
    const toT = (at: number) => sent.t + (at - sent.at)
    const streamEndT = allFinalAt !== undefined ? toT(allFinalAt) : endT
    result.streamSeconds = ((allFinalAt ?? Date.now()) - sent.at) / 1000
    const tasks = bench.longTasks.filter(([start]) => start >= sent.t && start <= endT)
    result.longTaskCount = bench.longTaskSupported ? tasks.length : NaN
    result.longTaskTotalMs = tasks.reduce((sum, [, d]) => sum + d, 0)
    result.longTaskMaxMs = tasks.reduce((max, [, d]) => Math.max(max, d), 0)
    const fps = bench.fps
      .filter((s) => s.t - s.spanMs >= sent.t && s.t <= streamEndT)
      .map((s) => (s.frames * 1000) / s.spanMs)
    result.fpsSamples = fps.length
    result.fpsMedian = percentile(fps, 50)
    result.fpsMin = fps.length ? Math.min(...fps) : NaN
    const keys = bench.typing.filter((k) => k.t >= sent.t && k.t <= streamEndT && k.changed).map((k) => k.latency)
    result.typingSamples = keys.length
    result.typingP50 = percentile(keys, 50)
    result.typingP95 = percentile(keys, 95)
    result.typingMax = keys.length ? Math.max(...keys) : NaN
    if (bench.typing.length === typedAt.length) {
      const fromNode = bench.typing
        .map((k, i) => ({ k, at: typedAt[i]! }))
        .filter(({ at }) => at >= sent.at && at <= (allFinalAt ?? Infinity))
      result.typingFromNodeP95 = percentile(
        fromNode.map(({ k, at }) => k.frameAt - at),
        95,
      )
    }
    result.cdp = {
      scriptS: (after.ScriptDuration ?? NaN) - (before.ScriptDuration ?? NaN),
      taskS: (after.TaskDuration ?? NaN) - (before.TaskDuration ?? NaN),
      threadCpuS: (after.ThreadTime ?? NaN) - (before.ThreadTime ?? NaN),
      layoutS: (after.LayoutDuration ?? NaN) - (before.LayoutDuration ?? NaN),
      styleS: (after.RecalcStyleDuration ?? NaN) - (before.RecalcStyleDuration ?? NaN),
      heapBeforeMb: (before.JSHeapUsedSize ?? NaN) / 1e6,
      heapAfterMb: (after.JSHeapUsedSize ?? NaN) / 1e6,
      heapAfterGcMb: (afterGc.JSHeapUsedSize ?? NaN) / 1e6,
    }
    result.scrollDistanceAtEnd = bench.scrollAtEnd
    const during = bench.scroll.filter((s) => s.at > sent.at + 1_000 && s.at <= (allFinalAt ?? Infinity))
    result.atBottomShare = during.length
      ? during.filter((s) => s.distance <= BOTTOM_SLACK_PX).length / during.length
      : NaN

    // Per column: latencies, the server's pacing, and whether the text is right.
    const timings = server.timings.slice(timingsFrom)
    for (const [i, modelId] of modelIds.entries()) {
      const timing: StreamTiming | undefined = timings.find((t) => t.model === modelId)
      const state = bench.columns[modelId] ?? {}
      const column: ColumnMeasure = {
        modelId,
        serverRate: timing ? achievedRate(timing) : NaN,
        serverMaxLagMs: timing?.maxLagMs ?? NaN,
        ...(state.firstAt !== undefined ? { firstTextMs: state.firstAt - sent.at } : {}),
        ...(state.finalAt !== undefined && timing?.lastDeltaAt !== undefined
          ? { finalTextMs: state.finalAt - timing.lastDeltaAt }
          : {}),
      }
      const published = publishedFinalAt.get(modelId)
      const emitted = emittedFinalAt.get(modelId)
      if (timing?.lastDeltaAt !== undefined && published !== undefined)
        column.serverToPublishMs = published - timing.lastDeltaAt
      if (published !== undefined && emitted !== undefined) column.publishToEmitMs = emitted - published
      if (emitted !== undefined && state.finalAt !== undefined) column.emitToDomMs = state.finalAt - emitted
      await checkText(page, kind, column, answers[i]!, columnSelector(modelId), delivered.get(modelId), engine)
      const reasoning = answers[i]!.reasoning
      if (reasoning) {
        if (state.thinkingFirstAt !== undefined) column.thinkingFirstMs = state.thinkingFirstAt - sent.at
        if (state.thinkingFoldedAt !== undefined && timing?.firstAnswerDeltaAt !== undefined)
          column.thinkingFoldMs = state.thinkingFoldedAt - timing.firstAnswerDeltaAt
        column.thinking = await checkThinking(page, kind, reasoning.text, thinkingSelectors(modelId), engine, {
          delivered: deliveredReasoning.get(modelId),
        })
      }
      result.columns.push(column)
    }
    const rates = [...published.values()].map((p) => (p.count * 1000) / Math.max(1, p.lastAt - p.firstAt))
    if (rates.length) result.mqttMessagesPerSecond = Math.max(...rates)
  } catch (error) {
    result.failure = (error as Error).message.split('\n')[0]
  } finally {
    stopTyping = true
    if (typing) await within(typing, 30_000, 'typing to stop').catch(() => undefined)
    await context?.close().catch(() => undefined)
    await browser?.close().catch(() => undefined)
    await harness?.close().catch(() => undefined)
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true }).catch(() => undefined)
    await within(server.waitForIdle(), 10_000, 'server idle').catch(() => undefined)
  }
  return result
}

/** Correctness of one column: exact streamed text, and the DOM's text against a one-shot render of the whole answer. */
async function checkText(
  page: Page,
  kind: BenchPage,
  column: ColumnMeasure,
  answer: Answer,
  selector: string,
  delivered: string | undefined,
  engine: OneShotRenderer,
) {
  if (kind !== 'StreamDesk') {
    const shown = await within(
      page.evaluate((s) => document.querySelector(s)?.textContent ?? '', selector),
      30_000,
      'column text',
    )
    column.textExact = shown === answer.text
    column.renderEqual = column.textExact
    column.renderEqualCollapsed = column.textExact
    column.textContentEqual = column.textExact
    return
  }
  column.textExact = delivered === answer.text
  const compared = await compareWithOneShot(page, selector, engine.render(answer.text))
  if (!compared) return
  column.codeBlocks = compared.codeBlocks
  column.highlightedBlocks = compared.highlighted
  column.renderEqual = compared.equal
  column.renderEqualCollapsed = compared.collapsedEqual
  column.textContentEqual = compared.textContentEqual
  if (compared.diff) column.renderDiff = compared.diff
}

/**
 * Correctness of one column's thinking once the stream ended: folded then; opened (as a user would, by its
 * toggle), its text equals the reasoning that was sent: for StreamDesk, the core's updates carried it exactly and
 * the opened section's DOM equals a one-shot render of it; for the baseline, its <pre> holds it exactly.
 */
async function checkThinking(
  page: Page,
  kind: BenchPage,
  reasoning: string,
  selectors: { selector: string; textSelector: string },
  engine: OneShotRenderer,
  { delivered }: { delivered: string | undefined },
): Promise<ThinkingCheck> {
  const foldedAtEnd = await within(
    page.evaluate((s) => document.querySelector(s)?.getAttribute('data-open') === 'false', selectors.selector),
    10_000,
    'thinking folded',
  )
  if (kind !== 'StreamDesk') {
    const shown = await within(
      page.evaluate(({ selector, textSelector }) => {
        const details = document.querySelector<HTMLDetailsElement>(selector)
        if (details) details.open = true
        return document.querySelector(textSelector)?.textContent ?? ''
      }, selectors),
      30_000,
      'thinking text',
    )
    return { foldedAtEnd, textExact: shown === reasoning, renderEqual: shown === reasoning }
  }
  // The toggle is clicked in the page (no scrolling to it: a column may be off to the side), then the opened
  // section renders the whole reasoning at once.
  await within(
    page.evaluate(
      (s) => (document.querySelector(`${s} [data-testid="thinking-toggle"]`) as HTMLButtonElement | null)?.click(),
      selectors.selector,
    ),
    10_000,
    'opening the thinking',
  )
  await page.waitForSelector(selectors.textSelector, { timeout: 30_000 }).catch(() => undefined)
  const compared = await compareWithOneShot(page, selectors.textSelector, engine.render(reasoning))
  return {
    foldedAtEnd,
    textExact: delivered === reasoning,
    renderEqual: compared?.equal === true,
    ...(compared?.diff ? { renderDiff: compared.diff } : {}),
  }
}

/** The element's text against a one-shot render (`html`) laid out in a column of the same width. */
async function compareWithOneShot(page: Page, selector: string, html: string) {
  const texts = await within(
    page.evaluate(
      ({ selector, html }) => {
        const shown = document.querySelector(selector) as HTMLElement | null
        if (!shown) return undefined
        // The one-shot render, laid out like a column (innerText depends on layout), out of view but rendered.
        const host = document.createElement('section')
        host.className = 'column'
        host.style.position = 'fixed'
        host.style.left = '-30000px'
        host.style.top = '0'
        host.style.width = `${shown.getBoundingClientRect().width}px`
        const oneShot = document.createElement('div')
        oneShot.className = 'markdown'
        oneShot.innerHTML = html
        host.append(oneShot)
        document.body.append(host)
        // innerText leaves out what `content-visibility: auto` skips (the groups out of view): show them for the
        // comparison, as scrolling to each would, then restore.
        const skipped: HTMLElement[] = []
        for (const element of Array.from(shown.querySelectorAll<HTMLElement>('*'))) {
          if (getComputedStyle(element).contentVisibility !== 'visible') skipped.push(element)
        }
        for (const element of skipped) element.style.contentVisibility = 'visible'
        const result = {
          shown: shown.innerText,
          oneShot: oneShot.innerText,
          shownContent: shown.textContent ?? '',
          oneShotContent: oneShot.textContent ?? '',
          forcedVisible: skipped.length,
          codeBlocks: shown.querySelectorAll('.code-block').length,
          highlighted: shown.querySelectorAll('.code-block pre code:has(span[class^="hljs"])').length,
        }
        for (const element of skipped) element.style.contentVisibility = ''
        host.remove()
        return result
      },
      { selector, html },
    ),
    60_000,
    'column innerText',
  )
  if (!texts) return undefined
  const stripped = (s: string) => s.replace(/\s+/g, '')
  const collapsed = (s: string) => s.replace(/\s+/g, ' ').trim()
  const equal = stripped(texts.shown) === stripped(texts.oneShot)
  let diff: string | undefined
  if (!equal) {
    const a = stripped(texts.shown)
    const b = stripped(texts.oneShot)
    let at = 0
    while (at < a.length && a[at] === b[at]) at += 1
    diff = `first difference at ${at} (whitespace removed): shown …${JSON.stringify(a.slice(Math.max(0, at - 30), at + 40))} vs one-shot …${JSON.stringify(b.slice(Math.max(0, at - 30), at + 40))}`
  }
  return {
    equal,
    collapsedEqual: collapsed(texts.shown) === collapsed(texts.oneShot),
    textContentEqual: stripped(texts.shownContent) === stripped(texts.oneShotContent),
    codeBlocks: texts.codeBlocks,
    highlighted: texts.highlighted,
    diff,
  }
}

// ---------------------------------------------------------------------------------------------------------------

interface OneShotRenderer {
  name: string
  render(text: string): string
}

/**
 * The one-shot render the columns are compared with: the renderer's own markdown configuration
 * (src-renderer/src/markdown/markdown-engine.ts, loaded read-only in Node), the whole text at once, no
 * highlighting (innerText is the same with or without it). Plain markdown-it (`html: false`) if that cannot load.
 */
async function oneShotRenderer(): Promise<OneShotRenderer> {
  try {
    const { createMarkdownEngine } = await import('../../src-renderer/src/markdown/markdown-engine')
    const engine = createMarkdownEngine()
    return {
      name: "the renderer's markdown engine (markdown-it config + code frames)",
      render: (text) => engine.render(text, {}).html,
    }
  } catch (error) {
    const { default: MarkdownIt } = await import('markdown-it')
    const md = new MarkdownIt({ html: false, linkify: false })
    return {
      name: `plain markdown-it (engine did not load: ${(error as Error).message.split('\n')[0]})`,
      render: (text) => md.render(text),
    }
  }
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }>
  samples?: number[]
  timeDeltas?: number[]
}

/** Self time per function from a CDP CPU profile, the top `count`. */
function topFunctions(profile: CpuProfile, count: number) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map<string, number>()
  let total = 0
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  for (let i = 0; i < samples.length; i++) {
    const node = byId.get(samples[i]!)
    const dt = (deltas[i + 1] ?? deltas[i] ?? 0) / 1000
    if (!node) continue
    const { functionName, url, lineNumber } = node.callFrame
    const file = url.split('/').pop() ?? ''
    const key = `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim()
    self.set(key, (self.get(key) ?? 0) + dt)
    total += dt
  }
  const byFile = new Map<string, number>()
  for (const [key, ms] of self) {
    const file = key.includes(' ') ? key.slice(key.lastIndexOf(' ') + 1).replace(/:\d+$/, '') : key
    byFile.set(file, (byFile.get(file) ?? 0) + ms)
  }
  const rows = (map: Map<string, number>, n: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([fn, selfMs]) => ({ fn, selfMs, share: selfMs / total }))
  return { functions: rows(self, count), files: rows(byFile, 8) }
}

// ---------------------------------------------------------------------------------------------------------------

const mark = (value: number, ok: boolean) => (Number.isFinite(value) ? `${fmt(value)} ${verdict(ok)}` : 'n/a FAIL')
function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value)
  if (Number.isInteger(value) || Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US')
  return value.toFixed(Math.abs(value) < 10 ? 2 : 1)
}
const worst = (values: Array<number | undefined>) => {
  const defined = values.filter((v): v is number => v !== undefined && Number.isFinite(v))
  return defined.length === values.length && defined.length > 0 ? Math.max(...defined) : NaN
}

/** Whether everything the run checked of its text was right: the answers, and the thinking where there was one. */
function textCorrect(r: ScenarioResult): boolean {
  return (
    r.columns.length === r.scenario.columns &&
    r.columns.every(
      (c) =>
        c.textExact &&
        c.renderEqual &&
        c.textContentEqual &&
        (!r.scenario.reasoningDeltasPerColumn ||
          (c.thinking?.textExact && c.thinking.renderEqual && c.thinking.foldedAtEnd)),
    )
  )
}

/** One table per target set: a row per scenario and page judged by it, each target marked PASS/FAIL. */
function targetTables(results: ScenarioResult[]) {
  return (Object.keys(TARGET_SETS) as TargetSetName[]).flatMap((set) => {
    const judged = results.filter((r) => r.scenario.targets === set)
    if (judged.length === 0) return []
    const checks: TargetCheck[] = TARGET_SETS[set]
    const rows = judged.map((r) => {
      const values = checks.map((check) => check.value(r))
      const met = values.map((value, i) => Number.isFinite(value) && checks[i]!.met(value))
      return {
        scenario: label(r.scenario),
        page: r.page,
        finished: r.finished ? 'yes' : `NO`,
        'long tasks': r.longTaskCount,
        ...Object.fromEntries(checks.map((check, i) => [check.header, mark(values[i]!, met[i]!)])),
        'text correct': textCorrect(r) ? 'yes' : 'NO',
        targets: `${met.filter(Boolean).length}/${checks.length}`,
      }
    })
    return [{ set, rows }]
  })
}

/** The other figures: frames, typing, first text, CDP durations, heap after GC, DOM size, following, pacing. */
function detailRows(results: ScenarioResult[]) {
  return results.map((r) => ({
    scenario: label(r.scenario),
    page: r.page,
    'stream s': r.streamSeconds,
    'fps min': r.fpsMin,
    'typing p50 / p95 / max ms': `${fmt(r.typingP50)} / ${fmt(r.typingP95)} / ${fmt(r.typingMax)} (${r.typingSamples} keys)`,
    'typing p95 on Node clock': r.typingFromNodeP95,
    'first text ms (worst)': worst(r.columns.map((c) => c.firstTextMs)),
    'Script s': r.cdp.scriptS,
    'Task s': r.cdp.taskS,
    'main thread CPU s': r.cdp.threadCpuS,
    'Layout s': r.cdp.layoutS,
    'Style s': r.cdp.styleS,
    'heap before / after GC MB': `${fmt(r.cdp.heapBeforeMb)} / ${fmt(r.cdp.heapAfterGcMb)}`,
    'DOM nodes': r.domNodes,
    'followed to end':
      r.scrollDistanceAtEnd === undefined
        ? 'n/a'
        : `${r.scrollDistanceAtEnd <= BOTTOM_SLACK_PX ? 'yes' : 'NO'} (${fmt(r.scrollDistanceAtEnd)} px)`,
    'at bottom while streaming': Number.isFinite(r.atBottomShare) ? `${Math.round(r.atBottomShare * 100)}%` : 'n/a',
    'server deltas/s (min)': Math.min(...r.columns.map((c) => c.serverRate)),
    // Issue 13: about 20 or fewer per model stream, reasoning and answer together (the coalescer's one budget).
    'MQTT msgs/s per model (max; ≤~20)':
      r.mqttMessagesPerSecond === undefined
        ? '—'
        : `${fmt(r.mqttMessagesPerSecond)} ${verdict(r.mqttMessagesPerSecond <= 20.5)}`,
    'page errors': r.pageErrors.length,
    'load avg start→end': `${r.load[0].toFixed(1)}→${r.load[1].toFixed(1)}`,
  }))
}

/** Per column: latencies (with the StreamDesk breakdown of the final text's path) and correctness. */
function columnRows(results: ScenarioResult[]) {
  return results.flatMap((r) =>
    r.columns.map((c) => ({
      scenario: label(r.scenario),
      page: r.page,
      column: c.modelId,
      'first text ms': c.firstTextMs ?? NaN,
      'final text ms': c.finalTextMs ?? NaN,
      'server→publish': r.page === 'StreamDesk' ? (c.serverToPublishMs ?? NaN) : '—',
      'publish→to page': r.page === 'StreamDesk' ? (c.publishToEmitMs ?? NaN) : '—',
      'to page→DOM': r.page === 'StreamDesk' ? (c.emitToDomMs ?? NaN) : '—',
      'streamed text exact': c.textExact ? 'yes' : 'NO',
      'DOM = one-shot render (ws-insensitive)':
        c.renderEqual === undefined ? 'n/a' : c.renderEqual ? 'equal' : 'NOT EQUAL',
      '(ws collapsed)': c.renderEqualCollapsed === undefined ? 'n/a' : c.renderEqualCollapsed ? 'equal' : 'not equal',
      'textContent = one-shot': c.textContentEqual === undefined ? 'n/a' : c.textContentEqual ? 'equal' : 'NOT EQUAL',
      'code highlighted': c.codeBlocks === undefined ? '—' : `${c.highlightedBlocks}/${c.codeBlocks}`,
    })),
  )
}

/** Per column of a reasoning scenario: the thinking section, while streaming and checked after the stream. */
function thinkingRows(results: ScenarioResult[]) {
  return results
    .filter((r) => r.scenario.reasoningDeltasPerColumn)
    .flatMap((r) =>
      r.columns.map((c) => ({
        scenario: label(r.scenario),
        page: r.page,
        column: c.modelId,
        'thinking shown ms (after send)': c.thinkingFirstMs ?? NaN,
        'folded ms after first answer delta': c.thinkingFoldMs ?? NaN,
        'folded at end': c.thinking ? (c.thinking.foldedAtEnd ? 'yes' : 'NO') : 'n/a',
        'reasoning received exact': c.thinking ? (c.thinking.textExact ? 'yes' : 'NO') : 'n/a',
        'opened: DOM = one-shot render': c.thinking ? (c.thinking.renderEqual ? 'equal' : 'NOT EQUAL') : 'n/a',
      })),
    )
}

export function printRendererReport(report: Awaited<ReturnType<typeof measureRenderer>>): void {
  for (const { set, rows } of report.targetTables) {
    printTable(
      `Renderer under load: ${set}'s targets (Debian Chromium headless, --disable-gpu, 1400×900; 200 deltas/s per column)`,
      rows,
    )
  }
  printTable(
    'Renderer under load: other figures (CDP Performance.getMetrics deltas over the stream)',
    report.detailRows,
  )
  printTable(
    'Per column: latency (ms; StreamDesk final text split by where the time went) and correctness',
    report.columnRows,
  )
  if (report.thinkingRows.length) {
    printTable(
      'Per column: the thinking section (shown while thinking; folded when the answer starts; opened after the stream and compared)',
      report.thinkingRows,
    )
  }
  for (const r of report.results) {
    if (r.failure) console.log(`${r.page} ${label(r.scenario)}: ${r.failure}`)
    for (const c of r.columns) {
      if (c.renderDiff) console.log(`${r.page} ${label(r.scenario)} ${c.modelId}: ${c.renderDiff}`)
      if (c.thinking?.renderDiff)
        console.log(`${r.page} ${label(r.scenario)} ${c.modelId} thinking: ${c.thinking.renderDiff}`)
    }
    if (r.pageErrors.length)
      console.log(`${r.page} ${label(r.scenario)} page errors: ${r.pageErrors.slice(0, 5).join(' | ')}`)
  }
  for (const p of report.profiles) {
    printTable(
      `Profiled pass, ${p.page} ${label(p.scenario)}: JS self time on the page's main thread, whole stream (CDP Profiler, 0.5 ms sampling; "(program)" is native work: style, layout, paint)`,
      (p.profile?.functions ?? []).map((f) => ({
        function: f.fn,
        'self ms': f.selfMs,
        share: `${(f.share * 100).toFixed(1)}%`,
      })),
    )
    printTable(
      `Profiled pass, ${p.page} ${label(p.scenario)}: the same by script (index-*.js: the app; highlight-*.js: highlight.js; bridge.js: the harness's IPC bridge; page probes have no file)`,
      (p.profile?.files ?? []).map((f) => ({
        script: f.fn,
        'self ms': f.selfMs,
        share: `${(f.share * 100).toFixed(1)}%`,
      })),
    )
    if (p.trace) {
      printTable(
        `Profiled pass, ${p.page} ${label(p.scenario)}: main-thread self time by trace event over ${fmt(p.trace.windowMs / 1000)} s near the end ` +
          `(tasks: ${fmt(p.trace.tasksWallMs)} ms wall, ${fmt(p.trace.tasksCpuMs)} ms CPU)`,
        p.trace.rows.map((r) => ({
          event: r.event,
          'self wall ms': r.selfWallMs,
          'self CPU ms': r.selfCpuMs,
          count: r.count,
        })),
      )
    }
  }
  console.log(`\nOne-shot render for the comparison: ${report.engine}.`)
  console.log(
    'Long tasks: PerformanceObserver "longtask" from send until the page settled (code highlighting done, then 1 s).',
  )
  console.log(
    'fps: requestAnimationFrame count per ~1 s sample while streaming, median. Typing: keydown event time → first',
  )
  console.log(
    "animation frame after the input's value changed, one key every 400 ms; verdict on p95. Final text: page clock when the",
  )
  console.log(
    "column's DOM contained the answer's last words minus the server's clock when it wrote the last delta. Heap: CDP",
  )
  console.log('JSHeapUsedSize after the stream (no forced GC); "after GC" after HeapProfiler.collectGarbage.')
}

/** Builds the app (`electron-vite build`) when out/renderer is missing: the benchmark measures the built renderer. */
export function ensureBuiltRenderer(): void {
  if (existsSync(join(BUILT_RENDERER_DIR, 'index.html'))) return
  console.log('No built renderer in out/renderer: running `npx electron-vite build` first.')
  const built = spawnSync('npx', ['electron-vite', 'build'], {
    cwd: resolve(import.meta.dirname, '../..'),
    stdio: 'inherit',
  })
  if (built.status !== 0) throw new Error(`electron-vite build failed (exit ${built.status})`)
}

/** Which build of the renderer is measured: its entry script and when it was built. */
export async function describeBuild(): Promise<string> {
  const { readdir, stat } = await import('node:fs/promises')
  const assets = join(BUILT_RENDERER_DIR, 'assets')
  const scripts = (await readdir(assets).catch(() => [] as string[])).filter((f) => f.endsWith('.js'))
  const built = await stat(join(BUILT_RENDERER_DIR, 'index.html')).then(
    (s) => s.mtime.toISOString(),
    () => 'unknown',
  )
  return `out/renderer built ${built} (${scripts.join(', ')})`
}

// ---------------------------------------------------------------------------------------------------------------

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2)
  // Ctrl+C or a kill: exit, which makes playwright close the browsers it launched.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130))
  process.on('exit', removeTempDirsSync) // the harnesses' user-data folders
  ensureBuiltRenderer()
  console.log('StreamDesk renderer benchmark (Node %s, %s)', process.version, new Date().toISOString())
  console.log(`Renderer under test: ${await describeBuild()}`)
  const value = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined)
  const columns = Number(value('--columns') ?? NaN)
  const deltas = Number(value('--deltas') ?? NaN)
  const thinks = Number(value('--reasoning') ?? NaN)
  const only = value('--only')?.split(',') as BenchPage[] | undefined
  const named = value('--scenario')?.split(',')
  const unknown = named?.filter((name) => !(name in SCENARIOS))
  if (unknown?.length) {
    console.error(`Unknown scenario ${unknown.join(', ')}: choose from ${Object.keys(SCENARIOS).join(', ')}.`)
    process.exit(2)
  }
  // Pasting an image (issue 18): its own short table, after the streams' (or alone with --paste).
  if (args.includes('--paste')) {
    await benchPaste()
    process.exit(0)
  }
  const custom = [columns, deltas, thinks].some(Number.isFinite)
  const report = await measureRenderer({
    quick: args.includes('--quick'),
    profile: args.includes('--profile'),
    ...(named ? { scenarios: named.map((name) => SCENARIOS[name as keyof typeof SCENARIOS]) } : {}),
    ...(custom
      ? {
          scenarios: [
            {
              name: 'custom',
              columns: Number.isFinite(columns) ? columns : 4,
              deltasPerColumn: Number.isFinite(deltas) ? deltas : 20_000,
              ...(value('--workload') === 'table' ? { workload: 'table' as const } : {}),
              ...(Number.isFinite(thinks) && thinks > 0 ? { reasoningDeltasPerColumn: thinks } : {}),
              targets: Number.isFinite(thinks) && thinks > 0 ? ('issue 13' as const) : ('issue 7' as const),
            },
          ],
        }
      : {}),
    ...(only
      ? { pages: only }
      : args.includes('--naive')
        ? { pages: ['baseline', 'baseline?append=delta&cv=0', 'naive baseline', 'StreamDesk'] as BenchPage[] }
        : {}),
  })
  printRendererReport(report)
  await benchPaste()
  console.log(`Renderer at the end of the run: ${await describeBuild()}`)
  // aws-crt and the browser may leave handles behind; the report is out.
  process.exit(0)
}
