import type { ChatRequest } from '../../backend/chat-handler'

/** How the app asks a backend for work: in-process in local mode, a Lambda invocation in cloud mode. */
export interface ChatBackend {
  /** Resolves once the backend has accepted the request, not when the answers are done. */
  start(request: ChatRequest): Promise<void>
  stop(streamId: string, modelId?: string): Promise<void>
}
