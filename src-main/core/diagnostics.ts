import type { ConnectionState, Diagnostics, StreamCounts } from '../shared/ipc-contract'
import { withoutUrlCredentials } from '../lib/url-credentials'

const MAX_LAST_ERRORS = 20
const MAX_CONNECTION_EVENTS = 20
/** Model columns whose counts are kept (the oldest go first). */
const MAX_STREAM_COUNTS = 40

/** Which model column of which stream a count belongs to. */
export interface StreamKey {
  streamId: string
  modelId: string
}

/**
 * Counters a user can attach to a bug report: what arrived, what was dropped and why, what went wrong. What it
 * records (its last errors and the log file) holds error codes, hosts and counts: never a message body, prompt or
 * answer text, key, or the credentials of a URL.
 */
export class DiagnosticsRecorder {
  private messagesReceived = 0
  private chunksDelivered = 0
  private duplicatesDropped = 0
  private gapsReported = 0
  private answersRecovered = 0
  private readonly rejected = new Map<string, number>()
  private readonly lastErrors: string[] = []
  private readonly connectionEvents: string[] = []
  /** Insertion-ordered, so the oldest column is the first key. */
  private readonly streams = new Map<string, StreamCounts>()
  private reconnects = 0
  /** The mode that last connected, if it has; a reconnect is a return to 'connected' in that mode after a drop. */
  private connectedMode: ConnectionState['mode'] | undefined
  /** The last state reported (mode, status, detail), so one repeated by a second listener is taken once. */
  private lastState = ''

  /**
   * `log` receives each error and connection event as a line (the rotating log file in the app), stripped of URL
   * credentials; `hostOf` names the server a model column talks to, for the line of an answer that failed.
   */
  constructor(
    log: (line: string) => void = () => {},
    private readonly hostOf: (modelId: string) => string | undefined = () => undefined,
  ) {
    this.log = (line) => log(withoutUrlCredentials(line))
  }

  private readonly log: (line: string) => void

  received(): void {
    this.messagesReceived += 1
  }

  delivered(stream?: StreamKey): void {
    this.chunksDelivered += 1
    if (stream) this.countsOf(stream).chunksDelivered += 1
  }

  duplicate(stream?: StreamKey): void {
    this.duplicatesDropped += 1
    if (stream) this.countsOf(stream).duplicatesDropped += 1
  }

  gap(stream?: StreamKey): void {
    this.gapsReported += 1
    if (stream) this.countsOf(stream).gapsReported += 1
  }

  private countsOf({ streamId, modelId }: StreamKey): StreamCounts {
    const key = `${streamId}\u0000${modelId}`
    let counts = this.streams.get(key)
    if (!counts) {
      counts = { streamId, modelId, chunksDelivered: 0, duplicatesDropped: 0, gapsReported: 0 }
      this.streams.set(key, counts)
      if (this.streams.size > MAX_STREAM_COUNTS) this.streams.delete(this.streams.keys().next().value!)
    }
    return counts
  }

  /** An answer completed from the backend's stored copy; `detail` goes to the log. */
  recovered(detail: string): void {
    this.answersRecovered += 1
    this.note(detail)
  }

  reject(reason: string): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1)
  }

  /**
   * An answer that ended in error: its code and the server's host, not its message, which may quote the server's
   * response (a body that echoes the prompt, an answer sent whole instead of streamed). The column shows that.
   */
  answerFailed(modelId: string, code: string, now = Date.now()): void {
    const host = this.hostOf(modelId)
    this.error(`${modelId}${host ? ` (${host})` : ''}: ${code}`, now)
  }

  /** The app's own words about what went wrong: never text that may quote the conversation or a response body. */
  error(message: string, now = Date.now()): void {
    const line = withoutUrlCredentials(message)
    pushBounded(this.lastErrors, `${new Date(now).toISOString()} ${line}`, MAX_LAST_ERRORS)
    this.log(`error ${line}`)
  }

  /** A line for the log file that is neither an error nor a connection change (e.g. an answer recovered). */
  note(message: string): void {
    this.log(`note ${message}`)
  }

  /**
   * A connection status change. A return to 'connected' counts as a reconnect only after the same mode was connected
   * and then was not: at start-up both of the app's sessions report 'connected', and switching modes is no drop.
   */
  connection(state: ConnectionState): void {
    const line = withoutUrlCredentials(`${state.mode} ${state.status}${state.detail ? `: ${state.detail}` : ''}`)
    if (line === this.lastState) return
    const dropped = !this.lastState.startsWith(`${state.mode} connected`)
    this.lastState = line
    if (state.mode !== this.connectedMode && state.status === 'connected') this.connectedMode = state.mode
    else if (state.status === 'connected' && dropped) this.reconnects += 1
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
      streams: [...this.streams.values()].reverse().map((counts) => ({ ...counts })),
      connectionEvents: [...this.connectionEvents],
      lastErrors: [...this.lastErrors],
    }
  }
}

function pushBounded(list: string[], item: string, max: number): void {
  list.push(item)
  if (list.length > max) list.shift()
}
