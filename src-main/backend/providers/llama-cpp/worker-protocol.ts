/**
 * The messages between the embedded-model host (main process) and its worker thread. Both sides validate what
 * they receive with these schemas and drop what fails, so a bug on one side shows as a clear error, not as a
 * half-understood message.
 *
 *   host → worker   generate (one answer, identified by `requestId`) · abort (that answer) · shutdown
 *   worker → host   started (prompt fitted: tokens, dropped messages, context size, chat template)
 *                   delta (generated text, in order) · end (why it stopped, token counts) · error (code + message)
 *                   log (for the diagnostics log; never conversation text)
 *
 * Each request gets exactly one `end` or one `error`, after which its id is never used again.
 */
import { z } from 'zod'

const RequestId = z.number().int().min(1)

export const GenerationOptionsSchema = z.strictObject({
  /** Most tokens one answer may have; also capped by what is left of the context. */
  maxTokens: z.number().int().min(1).max(1_000_000),
  /** Context window to allocate, capped by the model's training context. */
  maxContextSize: z.number().int().min(64).max(1_048_576),
  /** 0 = greedy (deterministic). */
  temperature: z.number().min(0).max(5),
  /** Nucleus sampling; absent: node-llama-cpp's default. */
  topP: z.optional(z.number().min(0).max(1)),
  seed: z.optional(
    z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1),
  ),
  /** CPU threads for evaluation; absent: node-llama-cpp's default for this machine. */
  threads: z.optional(z.number().int().min(1).max(256)),
})
export type GenerationOptions = z.infer<typeof GenerationOptionsSchema>

export const WorkerRequestSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('generate'),
    requestId: RequestId,
    modelPath: z.string().min(1).max(4096),
    messages: z.array(z.strictObject({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })).min(1),
    options: GenerationOptionsSchema,
  }),
  z.strictObject({ type: z.literal('abort'), requestId: RequestId }),
  z.strictObject({ type: z.literal('shutdown') }),
])
export type WorkerRequest = z.infer<typeof WorkerRequestSchema>

export const WorkerErrorCodeSchema = z.enum(['model-not-found', 'model-invalid', 'context-overflow', 'internal'])
export type WorkerErrorCode = z.infer<typeof WorkerErrorCodeSchema>

export const StopReasonSchema = z.enum(['end-of-answer', 'max-tokens', 'aborted'])
export type StopReason = z.infer<typeof StopReasonSchema>

export const WorkerEventSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('started'),
    requestId: RequestId,
    promptTokens: z.number().int().min(0),
    droppedMessages: z.number().int().min(0),
    contextSize: z.number().int().min(1),
    /** The chat wrapper node-llama-cpp resolved from the file's metadata, e.g. "ChatML" or "JinjaTemplate". */
    chatWrapper: z.string(),
  }),
  z.strictObject({ type: z.literal('delta'), requestId: RequestId, text: z.string() }),
  z.strictObject({
    type: z.literal('end'),
    requestId: RequestId,
    reason: StopReasonSchema,
    inputTokens: z.number().int().min(0),
    outputTokens: z.number().int().min(0),
  }),
  z.strictObject({ type: z.literal('error'), requestId: RequestId, code: WorkerErrorCodeSchema, message: z.string() }),
  z.strictObject({ type: z.literal('log'), level: z.enum(['info', 'warn', 'error']), message: z.string() }),
])
export type WorkerEvent = z.infer<typeof WorkerEventSchema>
export type RequestEvent = Exclude<WorkerEvent, { type: 'log' }>

/** What the worker is started with (`workerData`). */
export const WorkerSettingsSchema = z.strictObject({
  /** A model nobody used for this long is unloaded. */
  idleUnloadMs: z.number().int().min(0),
  /** `'auto'` lets node-llama-cpp pick Metal/CUDA/Vulkan when its prebuilt binary is there; false: CPU only. */
  gpu: z.union([z.literal('auto'), z.literal(false)]),
})
export type WorkerSettings = z.infer<typeof WorkerSettingsSchema>
