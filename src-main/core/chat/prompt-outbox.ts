/**
 * Prompts on their way to the backend: sent at once while the broker is reachable, kept in the order they were sent
 * while it is not, and sent when it returns. Stop cancels a kept prompt's models here, and asks the backend to stop
 * a sent one.
 */
import type { ChatRequest } from '../../backend/chat-handler'
import type { AnswerError, FinalStatus } from '../../shared/answer'
import type { StopStreamRequest } from '../../shared/ipc-contract'
import type { Clock } from '../../lib/clock'
import type { DiagnosticsRecorder } from '../diagnostics'
import type { ActiveStreams } from './active-streams'
import type { AnswerOutput } from './answer-output'
import type { ChatBackend } from './chat-backend'
import { ModelAnswer } from './model-answer'
import type { GivenChars, StreamRecovery } from './stream-recovery'
import { errorMessage } from '../../lib/error-message'

export interface PromptOutboxOptions {
  backend: ChatBackend
  /** Whether the broker is reachable at first. */
  online: boolean
  streams: ActiveStreams
  output: AnswerOutput
  clock: Clock
  diagnostics: DiagnosticsRecorder
  /** Cloud mode's journal of the streams sent. */
  journal: StreamRecovery | undefined
  /** A prompt is going to the backend: its answers are streaming. */
  sending(): void
  end(answer: ModelAnswer, status: FinalStatus, error?: AnswerError): void
}

export class PromptOutbox {
  private online: boolean

  constructor(private readonly options: PromptOutboxOptions) {
    this.online = options.online
  }

  /**
   * Follows the request's answers, and sends it now or once the broker is reachable. `given`: a continued answer's
   * part the app gave it itself, journaled with the stream.
   */
  async send(request: ChatRequest, given?: GivenChars): Promise<void> {
    const { streamId } = request
    const now = this.options.clock.now()
    const status = this.online ? 'streaming' : 'queued'
    const answers = request.models.map(({ modelId }) => new ModelAnswer(streamId, modelId, status, now))
    this.options.streams.add(streamId, answers, this.online ? undefined : request, given)
    if (this.online) await this.start(request)
    else for (const answer of answers) this.options.output.show(answer, '', { status: 'queued' })
  }

  /** The broker became reachable (or not): queued prompts go out, in the order they were sent. */
  async setOnline(online: boolean): Promise<void> {
    this.online = online
    if (!online) return
    for (const [, stream] of this.options.streams.entries()) {
      const request = stream.queued
      if (!request) continue
      stream.queued = undefined
      const now = this.options.clock.now()
      for (const answer of stream.answers.values()) {
        if (answer.status !== 'queued') continue
        answer.sent(now)
        this.options.output.show(answer, '', { status: 'streaming' })
      }
      await this.start(request)
    }
  }

  async stop(request: StopStreamRequest): Promise<void> {
    const stream = this.options.streams.get(request.streamId)
    if (!stream) return
    const chosen = [...stream.answers.values()].filter(
      (a) => request.modelId === undefined || request.modelId === a.modelId,
    )
    if (stream.queued) {
      // Never sent: cancelled here, and the backend is not asked for the cancelled models.
      stream.queued.models = stream.queued.models.filter((m) => !chosen.some((a) => a.modelId === m.modelId))
      for (const answer of chosen) this.options.end(answer, 'stopped')
      return
    }
    const now = this.options.clock.now()
    for (const answer of chosen) answer.requestStop(now)
    await this.options.backend.stop(request.streamId, request.modelId)
  }

  private async start(request: ChatRequest): Promise<void> {
    const { streamId } = request
    this.options.sending()
    const given = this.options.streams.get(streamId)?.given
    this.options.journal?.opened({ streamId, modelIds: request.models.map((m) => m.modelId), ...(given && { given }) })
    // The user's models streaming now, this request's included: the backend's share of the connection's publish
    // budget (src-main/backend/publish-budget.ts).
    const concurrentModels = this.options.streams.answers().filter((answer) => answer.status === 'streaming').length
    try {
      await this.options.backend.start({
        ...request,
        concurrentModels: Math.max(concurrentModels, request.models.length),
      })
    } catch (error) {
      const message = `The backend did not accept the prompt: ${errorMessage(error)}`
      this.options.diagnostics.error(message)
      const asked = new Set(request.models.map((m) => m.modelId))
      for (const answer of this.options.streams.answers(streamId)) {
        if (asked.has(answer.modelId)) this.options.end(answer, 'error', { code: 'internal', message })
      }
    }
  }
}
