/**
 * A chat through the whole desktop app under the stand-in electron: the main window's page (played by the test)
 * adds a model, asks, receives the streamed answer over IPC and finds it in the history, while the shell's core
 * relays it through its embedded broker from a local OpenAI-compatible server.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { splitIntoDeltas, startFakeOpenAiServer, type FakeOpenAiServer } from '../../fixtures/fake-openai-server'
import { makeTempDir } from '../../support/temp-dir'
import { startShell, stopShells } from '../../support/electron-stand-in/shell-process'
import type { ConversationDetail, PublicSettings, SendPromptResult } from '../../../src-main/shared/ipc-contract'

let server: FakeOpenAiServer | undefined

afterEach(async () => {
  await stopShells()
  await server?.close()
  server = undefined
})

describe('a chat in the desktop app', () => {
  it('streams the answer to the main window and keeps it in the history', async () => {
    const answer = 'Streamed through the shell, the broker and back.'
    server = await startFakeOpenAiServer({ llama: { kind: 'answer', deltas: splitIntoDeltas(answer) } })
    const shell = await (await startShell({ userDataDir: await makeTempDir('shell') })).startedUp()
    const main = await shell.loadedWindow('StreamDesk')
    await shell.command({ op: 'send', id: main.id, channel: 'app:renderer-ready' })

    const settings = (await shell.invoke(main.id, 'settings:save-model', {
      label: 'Llama',
      provider: 'openai-compatible',
      baseUrl: server.baseUrl,
      model: 'llama',
    })) as PublicSettings
    const modelId = settings.models.find((model) => model.label === 'Llama')!.id
    const sent = (await shell.invoke(main.id, 'chat:send', {
      prompt: 'Say hello',
      modelIds: [modelId],
    })) as SendPromptResult

    let stored: ConversationDetail | null = null
    for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
      stored = (await shell.invoke(main.id, 'history:get', sent.conversationId)) as ConversationDetail | null
      if (stored?.turns[0]?.answers[0]?.status === 'complete') break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(stored?.turns[0]).toMatchObject({ prompt: 'Say hello', answers: [{ text: answer, status: 'complete' }] })
    expect(server.requests.map((request) => request.model)).toEqual(['llama'])
    // The page got the stream as chat:updates, over the window's own web contents.
    const updates = shell
      .calls(`webContents#${main.webContents}`, 'send')
      .filter((call) => call.args[0] === 'chat:updates')
    expect(updates.length).toBeGreaterThan(0)
  })
})
