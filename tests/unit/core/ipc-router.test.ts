import { describe, expect, it } from 'vitest'
import { createIpcRouter, IpcRequestError, type InvokeHandlers } from '../../../src-main/core/ipc/ipc-router'
import { INVOKE_CHANNELS } from '../../../src-main/shared/ipc-contract'

function recordingHandlers() {
  const calls: Array<[string, unknown[]]> = []
  const record =
    (channel: string) =>
    (...args: unknown[]) => {
      calls.push([channel, args])
      return { channel }
    }
  const handlers = Object.fromEntries(INVOKE_CHANNELS.map((c) => [c, record(c)])) as unknown as InvokeHandlers
  return { calls, router: createIpcRouter(handlers) }
}

describe('IPC router', () => {
  it("serves exactly the contract's channels", () => {
    expect([...recordingHandlers().router.channels].sort()).toEqual([...INVOKE_CHANNELS].sort())
  })

  it('passes valid arguments through to the handler', async () => {
    const { router, calls } = recordingHandlers()
    await expect(router.invoke('chat:send', [{ prompt: 'Hi', modelIds: ['a', 'b'] }])).resolves.toEqual({
      channel: 'chat:send',
    })
    await router.invoke('settings:save-model', [
      { label: 'L', provider: 'openai-compatible', baseUrl: 'http://127.0.0.1:1234/v1', model: 'm', apiKey: null },
    ])
    await router.invoke('chat:regenerate', [{ conversationId: 'c1', turnStreamId: 's1', modelId: 'a' }])
    await router.invoke('chat:continue', [{ conversationId: 'c1', streamId: 's2', modelId: 'a' }])
    await router.invoke('settings:set-price', ['a', { inputPerMillion: 3, outputPerMillion: 15 }])
    await router.invoke('settings:set-price', ['a', null])
    expect(calls.map(([c]) => c)).toEqual([
      'chat:send',
      'settings:save-model',
      'chat:regenerate',
      'chat:continue',
      'settings:set-price',
      'settings:set-price',
    ])
    expect(calls[2]![1]).toEqual([{ conversationId: 'c1', turnStreamId: 's1', modelId: 'a' }])
    expect(calls[3]![1]).toEqual([{ conversationId: 'c1', streamId: 's2', modelId: 'a' }])
  })

  it.each([
    ['chat:send', [], 'chat:send'],
    ['chat:send', ['Hi'], 'expected object'],
    ['chat:send', [{ prompt: 42, modelIds: ['a'] }], 'prompt'],
    ['chat:send', [{ prompt: '   ', modelIds: ['a'] }], 'prompt is empty'],
    ['chat:send', [{ prompt: 'Hi', modelIds: [] }], 'modelIds'],
    ['chat:send', [{ prompt: 'Hi', modelIds: ['a', 'a'] }], 'duplicate'],
    ['chat:send', [{ prompt: 'Hi', modelIds: ['../etc'] }], 'modelIds'],
    ['chat:send', [{ prompt: 'x'.repeat(100_001), modelIds: ['a'] }], 'prompt'],
    ['chat:send', [{ prompt: 'Hi', modelIds: ['a'], admin: true }], 'admin'],
    ['chat:stop', [{ streamId: 'a/b' }], 'streamId'],
    ['chat:send', [{ prompt: 'Hi', modelIds: ['a'], conversationId: 'c', after: '../x' }], 'after'],
    ['chat:send', [{ prompt: 'Hi', modelIds: ['a'], conversationId: 'c', after: 3 }], 'after'],
    ['chat:regenerate', [], 'chat:regenerate'],
    ['chat:regenerate', [{ conversationId: 'c', turnStreamId: 's' }], 'modelId'],
    ['chat:regenerate', [{ conversationId: 'c', turnStreamId: '../s', modelId: 'a' }], 'turnStreamId'],
    ['chat:regenerate', [{ conversationId: 7, turnStreamId: 's', modelId: 'a' }], 'conversationId'],
    ['chat:regenerate', [{ conversationId: 'c', turnStreamId: 's', modelId: 'a', prompt: 'other' }], 'prompt'],
    ['chat:continue', [], 'chat:continue'],
    ['chat:continue', [{ conversationId: 'c', streamId: 's' }], 'modelId'],
    ['chat:continue', [{ conversationId: 'c', streamId: 's/../t', modelId: 'a' }], 'streamId'],
    ['chat:continue', [{ conversationId: 'c', streamId: 's', modelId: 'a', text: 'injected' }], 'text'],
    [
      'settings:save-model',
      [{ label: 'L', provider: 'openai-compatible', baseUrl: 'file:///etc/passwd', model: 'm' }],
      'http',
    ],
    ['settings:save-model', [{ label: 'L', provider: 'other', baseUrl: 'http://x', model: 'm' }], 'provider'],
    ['settings:remove-model', [null], 'Invalid arguments'],
    ['diagnostics:get', ['extra'], 'Invalid arguments'],
    // Usage is always the signed-in user's: a page cannot name another.
    ['cloud:usage', ['eu-west-1:99999999-aaaa-bbbb-cccc-dddddddddddd'], 'Invalid arguments'],
    ['settings:set-price', ['a', { inputPerMillion: '3', outputPerMillion: 15 }], 'inputPerMillion'],
    ['settings:set-price', ['a', { inputPerMillion: 3 }], 'outputPerMillion'],
    ['settings:set-price', ['a', { inputPerMillion: 3, outputPerMillion: 15, currency: 'EUR' }], 'currency'],
    ['settings:set-price', ['../a', { inputPerMillion: 3, outputPerMillion: 15 }], 'Invalid arguments'],
    ['settings:set-price', ['a'], 'Invalid arguments'],
    ['settings:set-model-inputs', ['a', { images: 'yes' }], 'images'],
    ['settings:set-model-inputs', ['a', { images: true, audio: true }], 'audio'],
    ['settings:set-model-inputs', ['a'], 'Invalid arguments'],
  ])('refuses %s with %j', async (channel, args, message) => {
    const { router, calls } = recordingHandlers()
    const call = router.invoke(channel, args as unknown[])
    await expect(call).rejects.toBeInstanceOf(IpcRequestError)
    await expect(call).rejects.toThrow(message)
    expect(calls).toEqual([])
  })

  it('refuses unknown channels, including Object prototype names', async () => {
    const { router } = recordingHandlers()
    for (const channel of ['shell:exec', '__proto__', 'constructor', 'toString']) {
      await expect(router.invoke(channel, [])).rejects.toMatchObject({ code: 'unknown-channel' })
    }
  })
})
