import { describe, expect, it } from 'vitest'
import { createStreamDeskApi } from '../../../src-main/shared/create-api'
import type { SignalChannel } from '../../../src-main/shared/ipc-contract'

describe('window.streamdesk over a transport', () => {
  it("passes the contract's signals to the transport and refuses any other channel", () => {
    const signalled: string[] = []
    const api = createStreamDeskApi({
      invoke: async () => undefined,
      subscribe: () => () => {},
      signal: (channel) => signalled.push(channel),
    })
    api.signal('app:renderer-ready')
    expect(signalled).toEqual(['app:renderer-ready'])
    expect(() => api.signal('chat:send' as SignalChannel)).toThrow('Unknown IPC signal: chat:send')
    expect(signalled).toEqual(['app:renderer-ready'])
  })
})
