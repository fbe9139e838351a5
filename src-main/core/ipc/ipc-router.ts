import type { InvokeArgs, InvokeChannel, InvokeResult } from '../../shared/ipc-contract'
import { invokeArgSchemas } from './ipc-schemas'

export type InvokeHandlers = {
  [C in InvokeChannel]: (...args: InvokeArgs<C>) => Promise<InvokeResult<C>> | InvokeResult<C>
}

/** Thrown for calls that never reach a handler; its message is safe and useful to show the renderer. */
export class IpcRequestError extends Error {
  constructor(
    readonly code: 'unknown-channel' | 'invalid-arguments',
    message: string,
  ) {
    super(message)
    this.name = 'IpcRequestError'
  }
}

export interface IpcRouter {
  readonly channels: readonly InvokeChannel[]
  /** Validates the raw arguments of one call and runs its handler. Rejects with IpcRequestError on bad input. */
  invoke(channel: string, args: unknown[]): Promise<unknown>
}

/** The one place every transport (Electron's ipcMain, the browser harness's WebSocket) sends invoke calls. */
export function createIpcRouter(handlers: InvokeHandlers): IpcRouter {
  const channels = Object.keys(invokeArgSchemas) as InvokeChannel[]
  return {
    channels,
    async invoke(channel, args) {
      if (!Object.hasOwn(invokeArgSchemas, channel)) {
        throw new IpcRequestError('unknown-channel', `Unknown IPC channel: ${channel.slice(0, 64)}`)
      }
      const name = channel as InvokeChannel
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
