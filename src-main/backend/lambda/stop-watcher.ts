/**
 * The stop button in cloud mode. The Lambda cannot subscribe to MQTT, so the app publishes a RETAINED stop request
 * to the stream's control topic and the Lambda reads it with GetRetainedMessage about once a second while it
 * streams, aborting each listed model's signal. The first read happens at once, for a stop sent during a cold start.
 */
import { GetRetainedMessageCommand, type IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane'
import { decodeStopRequest } from '../../protocol/cloud-config'
import { systemClock, type Clock, type TimerHandle } from '../../lib/clock'
import { describeError, type LambdaLog } from './lambda-log'

export interface StopWatcherOptions {
  client: IoTDataPlaneClient
  controlTopic: string
  modelIds: string[]
  intervalMs?: number
  clock?: Clock
  log: LambdaLog
}

const DEFAULT_INTERVAL_MS = 1000

export class StopWatcher {
  private readonly controllers: Map<string, AbortController>
  private readonly intervalMs: number
  private readonly clock: Clock
  private readonly loggedProblems = new Set<string>()
  private timer: TimerHandle | undefined
  private polling: Promise<void> | undefined
  private closed = false

  constructor(private readonly options: StopWatcherOptions) {
    this.controllers = new Map(options.modelIds.map((id) => [id, new AbortController()]))
    this.intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS
    this.clock = options.clock ?? systemClock
    // At once, not on a timer: a short answer may end before a zero-delay timer fires, and would never read.
    this.pollNow()
  }

  /** Aborted when the user stops this model (or all of them). */
  signalFor(modelId: string): AbortSignal | undefined {
    return this.controllers.get(modelId)?.signal
  }

  /** Stops polling; resolves once no read is in flight. */
  async close(): Promise<void> {
    this.closed = true
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer)
    this.timer = undefined
    await this.polling
  }

  private get everyModelStopped(): boolean {
    return [...this.controllers.values()].every((controller) => controller.signal.aborted)
  }

  private pollNow(): void {
    this.polling = this.poll().finally(() => {
      this.polling = undefined
      if (!this.closed && !this.everyModelStopped) this.schedule(this.intervalMs)
    })
  }

  private schedule(delayMs: number): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined
      this.pollNow()
    }, delayMs)
  }

  /** The same problem, read every second, is logged once per invocation. */
  private logOnce(kind: string, event: string, fields: Record<string, unknown>): void {
    if (this.loggedProblems.has(kind)) return
    this.loggedProblems.add(kind)
    this.options.log(event, fields)
  }

  private async poll(): Promise<void> {
    const { client, controlTopic, log } = this.options
    let payload: Uint8Array | undefined
    try {
      payload = (await client.send(new GetRetainedMessageCommand({ topic: controlTopic }))).payload
    } catch (error) {
      if (error instanceof Error && error.name === 'ResourceNotFoundException') return // no stop requested
      const failure = describeError(error)
      this.logOnce(failure.errorName, 'stop-poll-failed', failure)
      return
    }
    if (this.closed) return
    const request = decodeStopRequest(payload)
    if (!request) {
      if (payload && payload.byteLength > 0)
        this.logOnce('ignored', 'stop-request-ignored', { bytes: payload.byteLength })
      return
    }
    const ids = request.stop === 'all' ? [...this.controllers.keys()] : request.stop
    const newlyStopped = ids.filter((id) => {
      const controller = this.controllers.get(id)
      if (!controller || controller.signal.aborted) return false
      controller.abort(new Error('stopped by the user'))
      return true
    })
    if (newlyStopped.length > 0) log('models-stopped', { modelIds: newlyStopped })
  }
}
