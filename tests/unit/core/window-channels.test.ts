/**
 * Per-window IPC allowlists: quick ask may use only the channels its page uses; the router refuses anything else
 * from it before validating or running a handler. And clipboard prefill, which lets quick ask read the clipboard,
 * cannot be switched on by an IPC call alone (see app-core's 'settings:set-preferences').
 */
import { describe, expect, it } from 'vitest'
import { createIpcRouter, IpcRequestError, type InvokeHandlers } from '../../../src-main/core/ipc/ipc-router'
import { mayInvoke, mayReceive } from '../../../src-main/core/ipc/window-channels'
import { EVENT_CHANNELS, INVOKE_CHANNELS } from '../../../src-main/shared/ipc-contract'

function recordingRouter() {
  const calls: string[] = []
  const handlers = Object.fromEntries(
    INVOKE_CHANNELS.map((channel) => [channel, () => (calls.push(channel), 'ok')]),
  ) as unknown as InvokeHandlers
  return { calls, router: createIpcRouter(handlers) }
}

describe('window channel allowlists', () => {
  it('give quick ask exactly the channels its page uses', () => {
    expect(INVOKE_CHANNELS.filter((channel) => mayInvoke('quick-ask', channel)).sort()).toEqual([
      'attachments:add',
      'attachments:preview',
      'auth:get-state',
      'chat:send',
      'chat:stop',
      'clipboard:read-text',
      'settings:get',
      'window:hide',
      'window:open-in-main',
    ])
    expect(EVENT_CHANNELS.filter((event) => mayReceive('quick-ask', event)).sort()).toEqual([
      'auth:changed',
      'chat:updates',
      'quick-ask:shown',
      'settings:changed',
    ])
    expect(mayReceive('quick-ask', 'not-a-channel')).toBe(false)
  })

  it('give the main window everything but reading the clipboard and hiding quick ask', () => {
    expect(INVOKE_CHANNELS.filter((channel) => !mayInvoke('main', channel)).sort()).toEqual([
      'clipboard:read-text',
      'window:hide',
    ])
    expect(EVENT_CHANNELS.every((event) => mayReceive('main', event))).toBe(true)
  })
})

describe('IPC router with the sending window', () => {
  it.each([
    ['settings:set-preferences', [{ prefillFromClipboard: true }]],
    ['settings:set-proxy', ['http://attacker.example:8080']],
    ['history:export', [{ format: 'json' }]],
    ['auth:sign-out', []],
    ['model-files:delete', ['model.gguf']],
  ])('refuses %s from quick ask without running its handler', async (channel, args) => {
    const { router, calls } = recordingRouter()
    const error = await router.invoke(channel, args, 'quick-ask').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(IpcRequestError)
    expect((error as IpcRequestError).code).toBe('not-allowed')
    expect((error as Error).message).toBe(`${channel} is not available to the quick-ask window`)
    expect(calls).toEqual([])
    // The same call from the main window runs.
    await expect(router.invoke(channel, args, 'main')).resolves.toBe('ok')
    expect(calls).toEqual([channel])
  })

  it("runs quick ask's own channels from quick ask, and refuses the clipboard to the main window", async () => {
    const { router, calls } = recordingRouter()
    await router.invoke('chat:send', [{ prompt: 'Hi', modelIds: ['a'] }], 'quick-ask')
    await router.invoke('clipboard:read-text', [], 'quick-ask')
    const error = await router.invoke('clipboard:read-text', [], 'main').catch((e: unknown) => e)
    expect((error as IpcRequestError).code).toBe('not-allowed')
    expect(calls).toEqual(['chat:send', 'clipboard:read-text'])
  })

  it('still names an unknown channel as unknown, from any window', async () => {
    const { router } = recordingRouter()
    const error = await router.invoke('admin:root', [], 'quick-ask').catch((e: unknown) => e)
    expect((error as IpcRequestError).code).toBe('unknown-channel')
  })
})
