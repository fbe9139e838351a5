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
  const own = (best?.events ?? []).sort((a, b) => a.ts - b.ts || b.dur! - a.dur!)
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
  const first = own[0]?.ts ?? 0
  const last = own.reduce((end, e) => Math.max(end, e.ts + e.dur!), first)
  return {
    windowMs: (last - first) / 1000,
    tasksWallMs: tasksWall / 1000,
    tasksCpuMs: tasksCpu / 1000,
    rows: [...self.values()].sort((a, b) => b.selfWallMs - a.selfWallMs).slice(0, top),
  }
}
