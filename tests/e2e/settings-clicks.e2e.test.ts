/**
 * Quick clicks on the model chips while main's answers are on their way, end to end in Debian's Chromium: the
 * page's IPC socket is held in the middle (playwright's routeWebSocket), so the answers arrive when the test says,
 * not when a busy machine happens to deliver them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, WebSocketRoute } from 'playwright-core'
import { startHarness, type Harness } from '../harness/harness-server'
import { HARNESS_IPC_PATH, type HarnessReply, type HarnessRequest } from '../harness/harness-protocol'
import { launchChromium, watchPageErrors } from '../support/browser'
import { writeSettings } from '../support/test-core'
import { makeTempDir } from '../support/temp-dir'
import { waitConnected } from './harness-pages'

let browser: Browser
let harness: Harness

beforeAll(async () => {
  browser = await launchChromium()
  const userDataDir = await makeTempDir('e2e-clicks')
  // The server is never asked anything: choosing models does not reach it.
  await writeSettings(userDataDir, ['alpha', 'beta', 'gamma'], 'http://127.0.0.1:9/v1')
  harness = await startHarness({ userDataDir })
})
afterAll(async () => {
  await browser?.close()
  await harness?.close()
})

describe('model chips clicked in quick succession', () => {
  it('follow every click, though main answers the first click only after the second', async () => {
    const page = await browser.newPage()
    const errors = watchPageErrors(page)
    const selectRequests: number[] = []
    const held: string[] = []
    let holding = false
    let toPage: WebSocketRoute | undefined
    await page.routeWebSocket(
      (url) => url.pathname === HARNESS_IPC_PATH,
      (socket) => {
        toPage = socket
        const server = socket.connectToServer()
        socket.onMessage((message) => {
          const request = JSON.parse(String(message)) as Partial<HarnessRequest>
          if (request.channel === 'settings:select-models') selectRequests.push(request.id!)
          server.send(message)
        })
        server.onMessage((message) => (holding ? held.push(String(message)) : socket.send(message)))
      },
    )
    await page.goto(harness.url)
    await waitConnected(page)
    const chip = (id: string) => page.getByTestId(`model-option-${id}`)
    await expect.poll(() => chip('alpha').isChecked()).toBe(true)
    expect(await chip('beta').isChecked()).toBe(true)

    holding = true
    await chip('beta').uncheck()
    await chip('alpha').uncheck()
    const isAnswer = (message: string, id: number) => (JSON.parse(message) as { id?: number }).id === id
    await expect.poll(() => selectRequests.length).toBe(2)
    await expect.poll(() => held.some((message) => isAnswer(message, selectRequests[1]!))).toBe(true)

    // Main's answer to the first click (alpha and gamma left), delivered alone: the second click still shows.
    const first = held.findIndex((message) => isAnswer(message, selectRequests[0]!))
    const firstAnswer = JSON.parse(held[first]!) as Extract<HarnessReply, { ok: true }>
    expect(firstAnswer.result).toMatchObject({ selectedModelIds: ['alpha', 'gamma'] })
    toPage!.send(held.splice(first, 1)[0]!)
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))))
    expect(await chip('alpha').isChecked()).toBe(false)
    expect(await chip('beta').isChecked()).toBe(false)

    holding = false
    for (const message of held.splice(0)) toPage!.send(message)
    await expect.poll(() => harness.core.settings.publicView().selectedModelIds).toEqual(['gamma'])
    expect(await chip('alpha').isChecked()).toBe(false)
    expect(await chip('beta').isChecked()).toBe(false)
    expect(await chip('gamma').isChecked()).toBe(true)
    expect(errors).toEqual([])
  })
})
