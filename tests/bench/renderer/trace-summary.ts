/**
 * Where the page's main thread spends its time, from a Chrome trace (playwright's browser.startTracing): self time
 * per trace event name on the renderer's main thread (CrRendererMain), wall clock and thread CPU time. A task's
 * wall time well above its CPU time means the thread was waiting for a core (other processes on a busy machine),
 * not working.
 */

interface TraceEvent {
  ph: string
  name: string
  pid: number
  tid: number
  ts: number
  dur?: number
  tdur?: number
  args?: { name?: string }
}

export interface TraceRow {
  event: string
  selfWallMs: number
  selfCpuMs: number
  count: number
}

export interface TraceSummary {
  windowMs: number
  /** Top-level tasks on the main thread: wall and CPU ms. */
  tasksWallMs: number
  tasksCpuMs: number
  rows: TraceRow[]
}

export const TRACE_CATEGORIES = [
  'toplevel',
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8',
  'blink.user_timing',
]

export function summarizeTrace(json: Buffer | string, top = 15): TraceSummary {
  const own = pageMainThreadEvents(json)
  const { rows, tasksWall, tasksCpu } = selfTimes(own)
  const first = own[0]?.ts ?? 0
  const last = own.reduce((end, e) => Math.max(end, e.ts + e.dur!), first)
  return {
    windowMs: (last - first) / 1000,
    tasksWallMs: tasksWall / 1000,
    tasksCpuMs: tasksCpu / 1000,
    rows: rows.slice(0, top),
  }
}

export interface LongestTask {
  wallMs: number
  cpuMs: number
  /** Self time per trace event name inside it, most first. */
  rows: TraceRow[]
}

/** The longest top-level task on the page's main thread in a trace, and what it was made of. */
export function longestTask(json: Buffer | string, top = 8): LongestTask {
  const own = pageMainThreadEvents(json)
  let longest: TraceEvent | undefined
  let end = -Infinity
  for (const e of own) {
    if (e.ts < end) continue // nested in the previous top-level event
    end = e.ts + e.dur!
    if (!longest || e.dur! > longest.dur!) longest = e
  }
  if (!longest) return { wallMs: 0, cpuMs: 0, rows: [] }
  const inside = own.filter((e) => e.ts >= longest.ts && e.ts + e.dur! <= longest.ts + longest.dur!)
  return { wallMs: longest.dur! / 1000, cpuMs: (longest.tdur ?? 0) / 1000, rows: selfTimes(inside).rows.slice(0, top) }
}

/** The complete events of the page renderer's main thread (the CrRendererMain that did the most), in order. */
function pageMainThreadEvents(json: Buffer | string): TraceEvent[] {
  const parsed = JSON.parse(json.toString()) as { traceEvents?: TraceEvent[] } | TraceEvent[]
  const events = Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? [])
  const mains = events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
  const complete = events.filter((e) => e.ph === 'X' && typeof e.dur === 'number')
  // The page's renderer is the one whose main thread did the most.
  let best: { pid: number; tid: number; events: TraceEvent[] } | undefined
  for (const main of mains) {
    const own = complete.filter((e) => e.pid === main.pid && e.tid === main.tid)
    if (!best || own.length > best.events.length) best = { pid: main.pid, tid: main.tid, events: own }
  }
  return (best?.events ?? []).sort((a, b) => a.ts - b.ts || b.dur! - a.dur!)
}

/** Self time per event name (nesting by time), and the top-level events' wall and CPU time, in µs. */
function selfTimes(own: TraceEvent[]): { rows: TraceRow[]; tasksWall: number; tasksCpu: number } {
  const self = new Map<string, TraceRow>()
  const stack: Array<{ e: TraceEvent; childWall: number; childCpu: number }> = []
  let tasksWall = 0
  let tasksCpu = 0
  const close = (frame: { e: TraceEvent; childWall: number; childCpu: number }) => {
    const row = self.get(frame.e.name) ?? { event: frame.e.name, selfWallMs: 0, selfCpuMs: 0, count: 0 }
    row.selfWallMs += Math.max(0, frame.e.dur! - frame.childWall) / 1000
    row.selfCpuMs += Math.max(0, (frame.e.tdur ?? 0) - frame.childCpu) / 1000
    row.count += 1
    self.set(frame.e.name, row)
  }
  for (const e of own) {
    while (stack.length && stack.at(-1)!.e.ts + stack.at(-1)!.e.dur! <= e.ts) close(stack.pop()!)
    const parent = stack.at(-1)
    if (parent) {
      parent.childWall += e.dur!
      parent.childCpu += e.tdur ?? 0
    } else {
      tasksWall += e.dur!
      tasksCpu += e.tdur ?? 0
    }
    stack.push({ e, childWall: 0, childCpu: 0 })
  }
  while (stack.length) close(stack.pop()!)
  return { rows: [...self.values()].sort((a, b) => b.selfWallMs - a.selfWallMs), tasksWall, tasksCpu }
}

export interface TimerGap {
  gapMs: number
  /** The page's main thread in that gap: its top-level tasks' wall and thread CPU time. */
  tasksWallMs: number
  tasksCpuMs: number
}

/**
 * The longest gap between two turns of the page's timers (TimerFire) on its main thread, and how much of it the
 * thread worked: a gap mostly without CPU time is the thread waiting for a core, not the page blocking itself.
 */
export function longestTimerGap(json: Buffer | string): TimerGap {
  const own = pageMainThreadEvents(json)
  const fires = own.filter((e) => e.name === 'TimerFire').map((e) => e.ts)
  let from = 0
  let to = 0
  for (let i = 1; i < fires.length; i++)
    if (fires[i]! - fires[i - 1]! > to - from) [from, to] = [fires[i - 1]!, fires[i]!]
  let end = -Infinity
  let wall = 0
  let cpu = 0
  for (const e of own) {
    if (e.ts < end) continue // nested in the previous top-level event
    end = e.ts + e.dur!
    // The part of each top-level task inside the gap (CPU time in proportion).
    const overlap = Math.min(end, to) - Math.max(e.ts, from)
    if (overlap <= 0 || e.dur! === 0) continue
    wall += overlap
    cpu += ((e.tdur ?? 0) * overlap) / e.dur!
  }
  return { gapMs: (to - from) / 1000, tasksWallMs: wall / 1000, tasksCpuMs: cpu / 1000 }
}
