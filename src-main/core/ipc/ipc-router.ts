import type { InvokeArgs, InvokeChannel, InvokeResult } from '../../shared/ipc-contract'
import { invokeArgSchemas } from './ipc-schemas'
import { mayInvoke, type WindowRole } from './window-channels'

export type InvokeHandlers = {
  [C in InvokeChannel]: (...args: InvokeArgs<C>) => Promise<InvokeResult<C>> | InvokeResult<C>
}

/** Thrown for calls that never reach a handler; its message is safe and useful to show the renderer. */
export class IpcRequestError extends Error {
  constructor(
    readonly code: 'unknown-channel' | 'not-allowed' | 'invalid-arguments',
    message: string,
  ) {
    super(message)
    this.name = 'IpcRequestError'
  }
}

export interface IpcRouter {
  readonly channels: readonly InvokeChannel[]
  /**
   * Validates the raw arguments of one call and runs its handler. Rejects with IpcRequestError on bad input, and
   * when the window the call came from may not use the channel (`window-channels.ts`). Transports from a page
   * (Electron's ipcMain, the harness's WebSocket) always say which window; in-process callers (tests) may not.
   */
  invoke(channel: string, args: unknown[], from?: WindowRole): Promise<unknown>
}

/** The one place every transport (Electron's ipcMain, the browser harness's WebSocket) sends invoke calls. */
export function createIpcRouter(handlers: InvokeHandlers): IpcRouter {
  const channels = Object.keys(invokeArgSchemas) as InvokeChannel[]
  return {
    channels,
    async invoke(channel, args, from) {
      if (!Object.hasOwn(invokeArgSchemas, channel)) {
        throw new IpcRequestError('unknown-channel', `Unknown IPC channel: ${channel.slice(0, 64)}`)
      }
      const name = channel as InvokeChannel
      if (from !== undefined && !mayInvoke(from, name)) {
        throw new IpcRequestError('not-allowed', `${name} is not available to the ${from} window`)
      }
      const parsed = invokeArgSchemas[name].safeParse(args)
      if (!parsed.success) {
        const issue = parsed.error.issues[0]
        const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : ''
        throw new IpcRequestError(
          'invalid-arguments',
          `Invalid arguments for ${name}${where}: ${issue?.message ?? 'rejected'}`,
        )
      }
      const handler = handlers[name] as (...args: unknown[]) => unknown
      return handler(...(parsed.data as unknown[]))
    },
  }
}
