import type { Diagnostics } from '../shared/ipc-contract'

const MAX_LAST_ERRORS = 20

/** Counters a user can attach to a bug report: what arrived, what was dropped and why, what went wrong. */
export class DiagnosticsRecorder {
  private messagesReceived = 0
  private chunksDelivered = 0
  private duplicatesDropped = 0
  private gapsReported = 0
  private readonly rejected = new Map<string, number>()
  private readonly lastErrors: string[] = []

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

  reject(reason: string): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1)
  }

  error(message: string, now = Date.now()): void {
    this.lastErrors.push(`${new Date(now).toISOString()} ${message}`)
    if (this.lastErrors.length > MAX_LAST_ERRORS) this.lastErrors.shift()
  }

  snapshot(activeStreams: number): Diagnostics {
    return {
      messagesReceived: this.messagesReceived,
      chunksDelivered: this.chunksDelivered,
      duplicatesDropped: this.duplicatesDropped,
      rejected: Object.fromEntries(this.rejected),
      gapsReported: this.gapsReported,
      activeStreams,
      lastErrors: [...this.lastErrors],
    }
  }
}
