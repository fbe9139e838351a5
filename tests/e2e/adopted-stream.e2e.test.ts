/**
 * A prompt asked on another device of the user, as this device's window shows it (issue 17, item 2), end to end:
 * the real core in the browser harness, its session on a Mosquitto broker with a device id (as cloud mode has),
 * and the chat handler in-process on its own connection, serving every device of the user as the chat Lambda does.
 * "The other device" asks through that handler with its own device id: the handler announces the prompt and
 * streams it on the user's topics. This page lists the conversation marked as asked on another device, shows its
 * answer growing live, and stops it: the handler ends the stream (a stopped final), as it would for the laptop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import type { Browser } from 'playwright-core'
import type { ChatRequest } from '../../src-main/backend/chat-handler'
import { PROTOCOL_VERSIONS } from '../../src-main/protocol/stream-protocol'
import { startHarness, type Harness } from '../harness/harness-server'
import { startFakeOpenAiServer, type FakeOpenAiServer } from '../fixtures/fake-openai-server'
import { launchChromium } from '../support/browser'
import { startMosquitto, type Mosquitto } from '../support/mosquitto'
import { inProcessBackend, splitRuntime, type SplitRuntime } from '../support/split-runtime'
import { makeTempDir } from '../support/temp-dir'
import { writeSettings } from '../support/test-core'
import { answerColumn, openMainPage, type OpenedPage } from './harness-pages'

const THIS_DEVICE = '00000000000000aa'
const LAPTOP = '00000000000000bb'
/** A long answer, one word every 40 ms: about 30 s, so it is still streaming when the page stops it. */
const WORDS = Array.from({ length: 750 }, (_, i) => `word${i} `)

let browser: Browser
let mosquitto: Mosquitto
let openAi: FakeOpenAiServer
let harness: Harness
let runtime: SplitRuntime
let opened: OpenedPage

beforeAll(async () => {
  browser = await launchChromium()
  mosquitto = await startMosquitto()
  openAi = await startFakeOpenAiServer({ slow: { kind: 'answer', deltas: WORDS, intervalMs: 40 } })
  const broker = { host: mosquitto.host, port: mosquitto.port }
  runtime = splitRuntime({ app: broker, backend: inProcessBackend(broker), deviceId: THIS_DEVICE })
  const userDataDir = await makeTempDir('e2e-adopted')
  await writeSettings(userDataDir, ['slow'], openAi.baseUrl)
  harness = await startHarness({ userDataDir, startRuntime: runtime.startRuntime })
}, 60_000)
afterAll(async () => {
  await opened?.page.close()
  await harness?.close()
  await browser?.close()
  await openAi?.close()
  await mosquitto?.stop()
})

describe('a prompt asked on another device', () => {
  it('appears as a conversation marked asked on another device, its answer grows live, and Stop here stops it', async () => {
    opened = await openMainPage(browser, harness.url, { viewport: { width: 1280, height: 800 } })
    const { page, errors } = opened
    const streamId = randomUUID()
    const request: ChatRequest = {
      userId: 'tester',
      streamId,
      protocols: [...PROTOCOL_VERSIONS],
      origin: { deviceId: LAPTOP, conversationId: 'laptop-conversation' },
      models: [{ modelId: 'slow', messages: [{ role: 'user', content: 'Asked on the laptop' }] }],
    }
    await runtime.runtimes[0]!.backend.start(request)

    // Listed at once, marked, without anything asked here.
    const row = page
      .getByTestId('conversation-item')
      .filter({ has: page.getByTestId('conversation-title').getByText('Asked on the laptop', { exact: true }) })
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1)
    await expect.poll(() => row.getByTestId('conversation-asked-elsewhere').count()).toBe(1)

    // Opened, its answer streams: the column's text grows while it says streaming.
    await row.getByTestId('conversation-title').click()
    const column = answerColumn(page, 'slow')
    const text = () => column.getByTestId('column-text').innerText()
    await expect.poll(async () => (await text()).split(' ').length, { timeout: 10_000 }).toBeGreaterThan(5)
    const earlier = await text()
    expect(await column.getAttribute('data-status')).toBe('streaming')
    await expect.poll(async () => (await text()).length, { timeout: 10_000 }).toBeGreaterThan(earlier.length + 20)
    expect(await text()).toMatch(/^word0 word1 word2 /)

    // Stop from this page: the backend ends the stream for every device (its final says stopped).
    await column.getByTestId('column-stop').click()
    await expect.poll(() => column.getAttribute('data-status'), { timeout: 10_000 }).toBe('stopped')
    const stoppedAt = await text()
    expect(stoppedAt.trim().split(' ').length).toBeLessThan(WORDS.length)
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(await text()).toBe(stoppedAt)
    expect(errors).toEqual([])
  }, 60_000)
})
