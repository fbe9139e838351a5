/**
 * node-llama-cpp behind one small interface: answer a conversation with a GGUF file, streaming text. It runs
 * inside the worker thread (`llama-cpp-worker.ts`), never on the main process's event loop.
 *
 * - One `LlamaModel` per file, loaded on first use and shared by every request for that file; unloaded once no
 *   request has used it for `idleUnloadMs`.
 * - Each request gets its own context (KV cache) sized to the conversation's needs, capped by the model's
 *   training context, and disposed when the answer ends, so concurrent answers never share state.
 * - The chat template comes from the file's own metadata: node-llama-cpp's `resolveChatWrapper` reads
 *   `tokenizer.chat_template` (a Jinja template, or a built-in wrapper it recognises as equivalent) and falls back
 *   to the architecture's usual format when a file has none.
 * - The context guard (`context-guard.ts`) drops the oldest turns when the prompt would not leave room to answer.
 */
import { stat } from 'node:fs/promises'
import { resolve as resolvePath } from 'node:path'
import {
  getLlama,
  LlamaChat,
  LlamaLogLevel,
  LlamaLogLevelGreaterThan,
  resolveChatWrapper,
  type ChatHistoryItem,
  type ChatWrapper,
  type Llama,
  type LlamaModel,
} from 'node-llama-cpp'
import type { ChatMessage } from '../../model-provider'
import { ContextOverflowError, fitHistory } from './context-guard'
import { readGgufSummary } from '../../../lib/gguf-summary'
import type {
  GenerationOptions,
  RequestEvent,
  StopReason,
  WorkerErrorCode,
  WorkerEvent,
  WorkerSettings,
} from './worker-protocol'
import { errorMessage } from '../../../lib/error-message'

interface LoadedModel {
  model: LlamaModel
  chatWrapper: ChatWrapper
}

interface ModelSlot {
  loading: Promise<LoadedModel>
  users: number
  idleTimer?: ReturnType<typeof setTimeout>
}

export class EngineError extends Error {
  constructor(
    readonly code: WorkerErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'EngineError'
  }
}

export interface GenerateRequest {
  requestId: number
  modelPath: string
  messages: ChatMessage[]
  options: GenerationOptions
}

export class LlamaEngine {
  private llama?: Promise<Llama>
  private readonly models = new Map<string, ModelSlot>()
  private disposed = false

  constructor(
    private readonly settings: WorkerSettings,
    private readonly log: (event: Extract<WorkerEvent, { type: 'log' }>) => void = () => {},
  ) {}

  /** Paths of the models loaded now (or loading). */
  get loadedModels(): string[] {
    return [...this.models.keys()]
  }

  /**
   * Answers `request.messages`, reporting `started`, then `delta`s, then `end` through `emit`. Throws
   * EngineError for what the user should be told (missing file, invalid file, prompt too long).
   */
  async generate(request: GenerateRequest, emit: (event: RequestEvent) => void, signal: AbortSignal): Promise<void> {
    const { requestId, options } = request
    const path = resolvePath(request.modelPath)
    const slot = this.acquire(path)
    try {
      const { model, chatWrapper } = await slot.loading
      const contextSize = Math.min(options.maxContextSize, model.trainContextSize)
      const countTokens = (messages: ChatMessage[]) =>
        chatWrapper.generateContextState({ chatHistory: toChatHistory(messages) }).contextText.tokenize(model.tokenizer)
          .length
      // Leave room for an answer: up to a quarter of the context (or maxTokens, if smaller).
      const reserve = Math.max(1, Math.min(options.maxTokens, Math.floor(contextSize / 4)))
      let fitted
      try {
        fitted = fitHistory(request.messages, countTokens, contextSize - reserve)
      } catch (error) {
        if (error instanceof ContextOverflowError) throw new EngineError('context-overflow', error.message)
        throw error
      }
      emit({
        type: 'started',
        requestId,
        promptTokens: fitted.promptTokens,
        droppedMessages: fitted.dropped,
        contextSize,
        chatWrapper: chatWrapper.wrapperName,
      })
      let outputTokens = 0
      const end = (reason: StopReason) =>
        emit({ type: 'end', requestId, reason, inputTokens: fitted.promptTokens, outputTokens })
      if (signal.aborted) return end('aborted')
      const context = await model.createContext({
        contextSize,
        sequences: 1,
        ...(options.threads ? { threads: options.threads } : {}),
      })
      const chat = new LlamaChat({ contextSequence: context.getSequence(), chatWrapper })
      try {
        const result = await chat.generateResponse(toChatHistory(fitted.messages), {
          signal,
          stopOnAbortSignal: true,
          maxTokens: Math.max(1, Math.min(options.maxTokens, contextSize - fitted.promptTokens)),
          temperature: options.temperature,
          ...(options.topP !== undefined ? { topP: options.topP } : {}),
          ...(options.seed !== undefined ? { seed: options.seed } : {}),
          onToken: (tokens) => {
            outputTokens += tokens.length
          },
          onTextChunk: (text) => {
            if (text.length > 0) emit({ type: 'delta', requestId, text })
          },
        })
        const stop = result.metadata.stopReason
        end(stop === 'abort' || signal.aborted ? 'aborted' : stop === 'maxTokens' ? 'max-tokens' : 'end-of-answer')
      } catch (error) {
        // Aborted before the first token: node-llama-cpp throws the signal's reason.
        if (signal.aborted) return end('aborted')
        throw error
      } finally {
        chat.dispose()
        await context.dispose()
      }
    } finally {
      this.release(path, slot)
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true
    const slots = [...this.models.values()]
    this.models.clear()
    for (const slot of slots) {
      if (slot.idleTimer) clearTimeout(slot.idleTimer)
      await slot.loading.then(({ model }) => model.dispose()).catch(() => undefined)
    }
    const llama = this.llama
    this.llama = undefined
    await llama?.then((l) => l.dispose()).catch(() => undefined)
  }

  private acquire(path: string): ModelSlot {
    if (this.disposed) throw new EngineError('internal', 'The embedded model engine is shutting down.')
    let slot = this.models.get(path)
    if (!slot) {
      const created: ModelSlot = { loading: this.load(path), users: 0 }
      // A failed load is forgotten, so the next request tries again (e.g. after the download finished).
      created.loading.catch(() => {
        if (this.models.get(path) === created) this.models.delete(path)
      })
      this.models.set(path, created)
      slot = created
    }
    if (slot.idleTimer) clearTimeout(slot.idleTimer)
    slot.idleTimer = undefined
    slot.users += 1
    return slot
  }

  private release(path: string, slot: ModelSlot): void {
    slot.users -= 1
    if (slot.users > 0 || this.models.get(path) !== slot) return
    slot.idleTimer = setTimeout(() => {
      if (slot.users > 0 || this.models.get(path) !== slot) return
      this.models.delete(path)
      this.log({ type: 'log', level: 'info', message: `unloaded an idle embedded model` })
      void slot.loading.then(({ model }) => model.dispose()).catch(() => undefined)
    }, this.settings.idleUnloadMs)
    slot.idleTimer.unref?.()
  }

  private async load(path: string): Promise<LoadedModel> {
    try {
      const info = await stat(path)
      if (!info.isFile()) throw new Error('not a file')
    } catch {
      throw new EngineError('model-not-found', `The model file ${path} was not found.`)
    }
    // node-llama-cpp's own header reader does not finish on some non-GGUF input: check the header first.
    try {
      await readGgufSummary(path)
    } catch (error) {
      throw new EngineError('model-invalid', `The model file could not be loaded: ${errorMessage(error)}.`)
    }
    const llama = await this.getLlama()
    let model: LlamaModel
    try {
      model = await llama.loadModel({ modelPath: path })
    } catch (error) {
      throw new EngineError('model-invalid', `The model file could not be loaded: ${errorMessage(error)}`)
    }
    const chatWrapper = resolveChatWrapper(model, { warningLogs: false })
    this.log({
      type: 'log',
      level: 'info',
      message: `loaded an embedded model (chat template: ${chatWrapper.wrapperName})`,
    })
    return { model, chatWrapper }
  }

  private getLlama(): Promise<Llama> {
    this.llama ??= getLlama({
      gpu: this.settings.gpu,
      build: 'never',
      progressLogs: false,
      logLevel: LlamaLogLevel.warn,
      logger: (level, message) => {
        const severity =
          level === LlamaLogLevel.warn ? 'warn' : LlamaLogLevelGreaterThan(level, LlamaLogLevel.warn) ? 'error' : 'info'
        this.log({ type: 'log', level: severity, message: message.trim().slice(0, 500) })
      },
    })
    this.llama.catch(() => {
      this.llama = undefined
    })
    return this.llama
  }
}

/** StreamDesk's messages as node-llama-cpp's chat history, ending with the model's (empty or partial) turn. */
export function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((m) =>
    m.role === 'system'
      ? { type: 'system', text: m.content }
      : m.role === 'user'
        ? { type: 'user', text: m.content }
        : { type: 'model', response: [m.content] },
  )
  if (history.at(-1)?.type !== 'model') history.push({ type: 'model', response: [] })
  return history
}
