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

  it('sends a history file by the path the transport knows for it, or its text, and never a path from the page', async () => {
    const sent: unknown[][] = []
    const onDisk = new Blob(['{"ignored": true}'])
    const api = createStreamDeskApi({
      invoke: async (_channel, args) => (sent.push(args), { conversations: 1, alreadyPresent: 0 }),
      subscribe: () => () => {},
      signal: () => {},
      // Electron's webUtils: a path only for a file the user picked or dropped.
      pathOfFile: (file) => (file === onDisk ? '/home/u/streamdesk-export.json' : ''),
    })
    await api.importHistoryFile(onDisk)
    await api.importHistoryFile(new Blob(['{"format":"streamdesk-history"}']))
    expect(sent).toEqual([[{ path: '/home/u/streamdesk-export.json' }], ['{"format":"streamdesk-history"}']])

    await expect(
      api.invoke('history:import', { path: '/home/u/.ssh/id_ed25519' } as unknown as string),
    ).rejects.toThrow('history:import takes the file through importHistoryFile, never a path.')
    expect(sent).toHaveLength(2)
  })
})
