import type { ConnectionState, Diagnostics } from '../shared/ipc-contract'

const MAX_LAST_ERRORS = 20
const MAX_CONNECTION_EVENTS = 20

/** Counters a user can attach to a bug report: what arrived, what was dropped and why, what went wrong. */
export class DiagnosticsRecorder {
  private messagesReceived = 0
  private chunksDelivered = 0
  private duplicatesDropped = 0
  private gapsReported = 0
  private answersRecovered = 0
  private readonly rejected = new Map<string, number>()
  private readonly lastErrors: string[] = []
  private readonly connectionEvents: string[] = []
  private reconnects = 0
  private wasConnected = false

  /** `log` receives each error and connection event as a line (the rotating log file in the app). */
  constructor(private readonly log: (line: string) => void = () => {}) {}

  received(): void {
    this.messagesReceived += 1
  }

  delivered(): void {
    this.chunksDelivered += 1
  }

  duplicate(): void {
    this.duplicatesDropped += 1
  }

  gap(): void {
    this.gapsReported += 1
  }

  /** An answer completed from the backend's stored copy; `detail` goes to the log. */
  recovered(detail: string): void {
    this.answersRecovered += 1
    this.note(detail)
  }

  reject(reason: string): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1)
  }

  error(message: string, now = Date.now()): void {
    pushBounded(this.lastErrors, `${new Date(now).toISOString()} ${message}`, MAX_LAST_ERRORS)
    this.log(`error ${message}`)
  }

  /** A line for the log file that is neither an error nor a connection change (e.g. an answer recovered). */
  note(message: string): void {
    this.log(`note ${message}`)
  }

  /** A connection status change; a return to 'connected' after having been connected counts as a reconnect. */
  connection(state: ConnectionState): void {
    if (state.status === 'connected') {
      if (this.wasConnected) this.reconnects += 1
      this.wasConnected = true
    }
    const line = `${state.mode} ${state.status}${state.detail ? `: ${state.detail}` : ''}`
    pushBounded(this.connectionEvents, `${new Date(state.since).toISOString()} ${line}`, MAX_CONNECTION_EVENTS)
    this.log(`connection ${line}`)
  }

  snapshot(activeStreams: number): Diagnostics {
    return {
      messagesReceived: this.messagesReceived,
      chunksDelivered: this.chunksDelivered,
      duplicatesDropped: this.duplicatesDropped,
      rejected: Object.fromEntries(this.rejected),
      gapsReported: this.gapsReported,
      answersRecovered: this.answersRecovered,
      activeStreams,
      reconnects: this.reconnects,
      connectionEvents: [...this.connectionEvents],
      lastErrors: [...this.lastErrors],
    }
  }
}

function pushBounded(list: string[], item: string, max: number): void {
  list.push(item)
  if (list.length > max) list.shift()
}
