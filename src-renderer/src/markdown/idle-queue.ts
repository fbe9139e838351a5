/**
 * Runs tasks when the page is idle, a few per idle period, so syntax highlighting never competes with painting
 * the streamed text. The timeout makes a busy stream still get its code highlighted eventually.
 */
type Task = () => void

const queue = new Set<Task>()
let scheduled = false

interface Deadline {
  timeRemaining(): number
}

const requestIdle: (run: (deadline: Deadline) => void) => void =
  typeof requestIdleCallback === 'function'
    ? (run) => requestIdleCallback(run, { timeout: 1000 })
    : (run) => {
        setTimeout(() => {
          const start = performance.now()
          run({ timeRemaining: () => Math.max(0, 8 - (performance.now() - start)) })
        }, 16)
      }

/** Queues `task`; the returned function cancels it if it has not run yet. */
export function runWhenIdle(task: Task): () => void {
  queue.add(task)
  if (!scheduled) {
    scheduled = true
    requestIdle(drain)
  }
  return () => queue.delete(task)
}

function drain(deadline: Deadline): void {
  scheduled = false
  // At least one task per idle period, so a long queue always moves.
  for (const task of queue) {
    queue.delete(task)
    try {
      task()
    } catch (error) {
      console.error('idle task failed', error)
    }
    if (deadline.timeRemaining() < 2) break
  }
  if (queue.size > 0 && !scheduled) {
    scheduled = true
    requestIdle(drain)
  }
}
