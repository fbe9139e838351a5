import { describe, expect, it } from 'vitest'
import { createIpcRouter, IpcRequestError, type InvokeHandlers } from '../../../src-main/core/ipc/ipc-router'
import { INVOKE_CHANNELS } from '../../../src-main/shared/ipc-contract'

function recordingRouter() {
  const calls: Array<[string, unknown[]]> = []
  const handlers = Object.fromEntries(
    INVOKE_CHANNELS.map((channel) => [channel, (...args: unknown[]) => (calls.push([channel, args]), 'ok')]),
  ) as unknown as InvokeHandlers
  return { calls, router: createIpcRouter(handlers) }
}

describe('model-files IPC channels', () => {
  it('pass valid arguments through', async () => {
    const { router, calls } = recordingRouter()
    await router.invoke('model-files:list', [])
    await router.invoke('model-files:add-from-disk', [])
    await router.invoke('model-files:delete', ['Qwen2.5-0.5B-Instruct-Q4_K_M.gguf'])
    await router.invoke('model-files:download', ['qwen2.5-0.5b-instruct-q4_k_m', { select: true }])
    await router.invoke('model-files:cancel-download', ['qwen2.5-0.5b-instruct-q4_k_m'])
    await router.invoke('model-files:discard-download', ['qwen2.5-0.5b-instruct-q4_k_m'])
    expect(calls).toEqual([
      ['model-files:list', []],
      ['model-files:add-from-disk', []],
      ['model-files:delete', ['Qwen2.5-0.5B-Instruct-Q4_K_M.gguf']],
      ['model-files:download', ['qwen2.5-0.5b-instruct-q4_k_m', { select: true }]],
      ['model-files:cancel-download', ['qwen2.5-0.5b-instruct-q4_k_m']],
      ['model-files:discard-download', ['qwen2.5-0.5b-instruct-q4_k_m']],
    ])
  })

  it.each([
    ['model-files:list', ['extra'], 'Invalid arguments'],
    // The file dialog lives in the shell: the renderer cannot hand main a path to copy.
    ['model-files:add-from-disk', ['/etc/passwd'], 'Invalid arguments'],
    ['model-files:delete', [], 'Invalid arguments'],
    ['model-files:delete', ['../settings.json'], 'not a path'],
    ['model-files:delete', ['models/x.gguf'], 'not a path'],
    ['model-files:delete', ['..\\x.gguf'], 'not a path'],
    ['model-files:delete', ['history.sqlite'], '.gguf'],
    ['model-files:delete', ['.hidden.gguf'], 'dot'],
    ['model-files:delete', ['x'.repeat(300) + '.gguf'], 'Invalid arguments'],
    ['model-files:delete', [42], 'Invalid arguments'],
    ['model-files:download', ['qwen'], 'Invalid arguments'],
    ['model-files:download', ['https://example.com/model.gguf', { select: false }], 'ids are'],
    ['model-files:download', ['qwen', { select: 'yes' }], 'select'],
    ['model-files:download', ['qwen', { select: true, url: 'https://example.com/x.gguf' }], 'url'],
    ['model-files:cancel-download', [''], 'ids are'],
    ['model-files:discard-download', ['a/b'], 'ids are'],
  ])('%s rejects %j', async (channel, args, message) => {
    const { router, calls } = recordingRouter()
    const error = await router.invoke(channel, args).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(IpcRequestError)
    expect((error as IpcRequestError).code).toBe('invalid-arguments')
    expect((error as Error).message).toContain(message)
    expect(calls).toEqual([])
  })
})
