import { encodeUserMessage, type UserMessage } from '../shared/user-message'

/**
 * An error whose user-facing words are a keyed message (src-main/shared/user-message.ts); its own `message` stays
 * English, for the log file and for tests that read it.
 */
export class UserFacingError extends Error {
  constructor(
    message: string,
    readonly userMessage: UserMessage,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'UserFacingError'
  }
}

/**
 * What a rejected invoke hands the transport (Electron's ipcMain, the harness's WebSocket), which carries only an
 * error's message: a UserFacingError's keyed message rides behind its English; any other error goes as it is.
 */
export function errorForRenderer(error: unknown): unknown {
  if (!(error instanceof UserFacingError)) return error
  return new Error(encodeUserMessage(error.message, error.userMessage))
}
