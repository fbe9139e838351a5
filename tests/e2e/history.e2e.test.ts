/**
 * Conversation history end to end in Debian's Chromium: the built renderer in the browser harness, whose core keeps
 * every conversation in its SQLite history in the user-data folder. Covers the sidebar (list, search, rename, pin,
 * delete, export, import, paging), opening and continuing stored conversations, and answers that were stopped or
 * cut off by the app closing.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Browser, Locator, Page } from 'playwright-core'
import { HistoryStore } from '../../src-main/core/history/history-store'
import { startHarness, type Harness } from '../harness/harness-server'
import type { Notice } from '../../src-main/shared/ipc-contract'
import { userMessage } from '../../src-main/shared/user-message'
import { startFakeOpenAiServer, splitIntoDeltas, type FakeOpenAiServer } from '../fixtures/fake-openai-server'
import { launchChromium, watchPageErrors } from '../support/browser'
import { writeSettings } from '../support/test-core'
import { makeTempDir } from '../support/temp-dir'
import { focusedTestId } from './harness-pages'

const ALPHA = 'The answer is **forty-two**.\n\n- first point\n- second point\n\nRemember the zephyr.'
const BETA = 'Beta replies plainly: the quokka smiles.'
const JAPANESE = '東京の天気は晴れです。明日も良い天気でしょう。'
const LONG = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ')
const MEDIUM = Array.from({ length: 60 }, (_, i) => `step${i}`).join(' ')

let browser: Browser
let openAi: FakeOpenAiServer

beforeAll(async () => {
  browser = await launchChromium()
  openAi = await startFakeOpenAiServer({
    alpha: { kind: 'answer', deltas: splitIntoDeltas(ALPHA), intervalMs: 3 },
    beta: { kind: 'answer', deltas: splitIntoDeltas(BETA), intervalMs: 3 },
    jp: { kind: 'answer', deltas: splitIntoDeltas(JAPANESE, 2), intervalMs: 3 },
    slow: { kind: 'answer', deltas: splitIntoDeltas(LONG), intervalMs: 40 },
    medium: { kind: 'answer', deltas: splitIntoDeltas(MEDIUM), intervalMs: 40 },
  })
})
afterAll(async () => {
  await browser?.close()
  await openAi?.close()
})

let harnesses: Harness[] = []
let page: Page
let pageErrors: string[]

async function newUserDataDir(modelIds: string[]): Promise<string> {
  const userDataDir = await makeTempDir('e2e-history')
  await writeSettings(userDataDir, modelIds, openAi.baseUrl)
  return userDataDir
}

/** A harness on `userDataDir` and a page on it, connected. */
async function open(userDataDir: string): Promise<Harness> {
  const harness = await startHarness({ userDataDir })
  harnesses.push(harness)
  await page?.close()
  page = await browser.newPage()
  pageErrors = watchPageErrors(page)
  await page.goto(harness.url)
  await connected()
  return harness
}

async function connected() {
  await expect
    .poll(() => page.getByTestId('connection-state').getAttribute('data-status'), { timeout: 15_000 })
    .toBe('connected')
}

async function reload() {
  await page.reload()
  await connected()
}

async function ask(prompt: string) {
  await page.getByTestId('prompt-input').fill(prompt)
  await page.getByTestId('send-button').click()
}

const column = (modelId: string) => page.getByTestId(`column-${modelId}`).last()
/**
 * A column's rendered text. Polled wherever a column was just drawn: its markdown sits in `content-visibility:
 * auto` groups, whose text the browser may leave out of innerText until the first frame has laid them out.
 */
const textOf = (modelId: string) => () => column(modelId).getByTestId('column-text').innerText()
const items = () => page.getByTestId('conversation-item')
const item = (title: string) =>
  items().filter({ has: page.getByTestId('conversation-title').getByText(title, { exact: true }) })
const titles = () => page.getByTestId('conversation-title').allTextContents()
/**
 * Runs in the page (self-contained, for page.evaluate): the texts marked as a search's matches. The cast: this
 * project's DOM typings lack the highlight registry's Map methods.
 */
function markedTexts(): string[] {
  const registry = CSS.highlights as unknown as Map<string, Iterable<Range>>
  return [...(registry.get('search-match') ?? [])].map((range) => range.toString())
}

/** One of a row's actions, from its "⋯" menu. */
async function rowAction(row: Locator, action: string) {
  await row.getByTestId('conversation-menu').click()
  await row.getByTestId(action).click()
}

async function finished(modelId: string, status = 'complete') {
  await expect.poll(() => column(modelId).getAttribute('data-status'), { timeout: 20_000 }).toBe(status)
}

/** Types a query into the sidebar's search and waits for hits (the search is debounced). */
async function search(query: string) {
  await page.getByTestId('history-search').fill(query)
  await expect.poll(() => page.getByTestId('search-hit').count(), { timeout: 10_000 }).toBeGreaterThan(0)
}

beforeEach(() => {
  pageErrors = []
})
afterEach(async () => {
  await page?.close()
  for (const harness of harnesses) await harness.close()
  harnesses = []
})

describe('conversation history in the browser harness', () => {
  it('keeps a conversation across a page reload: listed with its title, opened with its answers', async () => {
    await open(await newUserDataDir(['alpha', 'beta']))
    await ask('Tell me about the number\nwith a second line')
    await finished('alpha')
    await finished('beta')
    // The new conversation shows up in the list at once, as the open one.
    await expect.poll(() => items().count()).toBe(1)
    expect(await items().first().getAttribute('data-active')).toBe('true')

    await reload()
    await expect.poll(titles).toEqual(['Tell me about the number'])
    expect(await items().first().getAttribute('data-active')).toBe('false')
    expect(await page.getByTestId('exchange').count()).toBe(0)

    await items().first().getByTestId('conversation-title').click()
    await expect.poll(() => page.getByTestId('exchange').count()).toBe(1)
    expect(await items().first().getAttribute('data-active')).toBe('true')
    expect(await page.getByTestId('exchange').first().locator('.prompt-bubble').innerText()).toContain(
      'with a second line',
    )
    expect(await column('alpha').getAttribute('data-status')).toBe('complete')
    expect(await column('alpha').getByTestId('column-status').innerText()).toBe('Done')
    const alphaText = column('alpha').getByTestId('column-text')
    expect(await alphaText.locator('strong').textContent()).toBe('forty-two')
    expect(await alphaText.locator('li').allTextContents()).toEqual(['first point', 'second point'])
    await expect.poll(textOf('beta')).toBe(BETA)

    // New chat clears the view; nothing is open any more.
    await page.getByTestId('new-chat-button').click()
    expect(await page.getByTestId('exchange').count()).toBe(0)
    expect(await items().first().getAttribute('data-active')).toBe('false')
    expect(pageErrors).toEqual([])
  })

  it('continues an opened conversation: each model gets its own earlier answer as context', async () => {
    const userDataDir = await newUserDataDir(['alpha', 'beta'])
    await open(userDataDir)
    await ask('Opening question')
    await finished('alpha')
    await finished('beta')
    await reload()
    await item('Opening question').getByTestId('conversation-title').click()
    await expect.poll(() => page.getByTestId('exchange').count()).toBe(1)

    await ask('A follow-up question')
    await expect.poll(() => page.getByTestId('exchange').count()).toBe(2)
    await finished('alpha')
    await finished('beta')
    const requestOf = (model: string) =>
      openAi.requests
        .filter((r) => r.model === model && JSON.stringify(r.messages).includes('A follow-up question'))
        .at(-1)!
    expect(requestOf('alpha').messages).toEqual([
      { role: 'user', content: 'Opening question' },
      { role: 'assistant', content: ALPHA },
      { role: 'user', content: 'A follow-up question' },
    ])
    expect(requestOf('beta').messages).toEqual([
      { role: 'user', content: 'Opening question' },
      { role: 'assistant', content: BETA },
      { role: 'user', content: 'A follow-up question' },
    ])
    // Still one conversation, now with two turns, also after a reload.
    await expect.poll(() => items().count()).toBe(1)
    await reload()
    await items().first().getByTestId('conversation-title').click()
    await expect.poll(() => page.getByTestId('exchange').count()).toBe(2)
    expect(pageErrors).toEqual([])
  })

  it('searches as you type, English and Japanese, highlighting the matches and opening the hit', async () => {
    await open(await newUserDataDir(['alpha', 'jp']))
    await page.getByTestId('model-option-jp').uncheck()
    await ask('First about numbers')
    await finished('alpha')
    await page.getByTestId('new-chat-button').click()
    await page.getByTestId('model-option-jp').check()
    await page.getByTestId('model-option-alpha').uncheck()
    await ask('天気を教えて')
    await finished('jp')
    await page.getByTestId('new-chat-button').click()
    await expect.poll(() => items().count()).toBe(2)

    await search('zephyr')
    const hits = page.getByTestId('search-hit')
    expect(await hits.count()).toBe(1)
    expect(await page.getByTestId('search-count').innerText()).toBe('1 match in 1 conversation')
    expect(await page.getByTestId('search-group-title').allInnerTexts()).toEqual(['First about numbers'])
    expect(await hits.first().innerText()).toContain('alpha')
    expect(await hits.first().locator('mark').allTextContents()).toEqual(['zephyr'])
    // The results replace the list while the query is there.
    expect(await items().count()).toBe(0)

    await search('天気')
    const hitWithSnippet = (text: string) =>
      page.getByTestId('search-hit').filter({ has: page.getByTestId('search-hit-snippet').getByText(text) })
    const jpHit = hitWithSnippet('晴れ')
    await expect.poll(() => jpHit.count()).toBeGreaterThan(0)
    expect(await jpHit.first().locator('mark').first().textContent()).toBe('天気')
    // The snippet is text: marks are the only elements in it.
    expect(await jpHit.first().getByTestId('search-hit-snippet').locator('*:not(mark):not(span)').count()).toBe(0)
    // The prompt matches too, as "You".
    const promptHit = hitWithSnippet('教えて')
    expect(await promptHit.first().getByTestId('search-hit-who').innerText()).toBe('You')
    // Prompt and answer of one conversation: one group, its title shown once, both hits under it.
    expect(await page.getByTestId('search-group-title').allInnerTexts()).toEqual(['天気'])
    expect(await page.getByTestId('search-group').first().getByTestId('search-hit').count()).toBe(2)
    expect(await page.getByTestId('search-count').innerText()).toBe('2 matches in 1 conversation')

    // Arrow keys: from the search box into the hits and between them, and back up.
    await page.getByTestId('history-search').press('ArrowDown')
    expect(await focusedTestId(page)).toBe('search-hit')
    await page.keyboard.press('ArrowDown')
    expect(await focusedTestId(page)).toBe('search-hit')
    await page.keyboard.press('ArrowUp')
    await page.keyboard.press('ArrowUp')
    expect(await focusedTestId(page)).toBe('history-search')

    await jpHit.first().click()
    await expect.poll(() => page.getByTestId('exchange').count()).toBe(1)
    await expect.poll(textOf('jp')).toBe(JAPANESE)
    // The search's word is marked in the opened conversation: in the prompt and in the answer.
    const marks = () => page.evaluate(markedTexts)
    await expect.poll(marks).toEqual(['天気', '天気', '天気'])

    // Clearing the query brings the list back, with the opened conversation highlighted.
    await page.getByTestId('history-search').fill('')
    await expect.poll(() => items().count()).toBe(2)
    expect(await item('天気').getAttribute('data-active')).toBe('true')
    // Opening another conversation takes the marks away with it.
    await item('First about numbers').getByTestId('conversation-title').click()
    await expect.poll(marks).toEqual([])
    expect(pageErrors).toEqual([])
  })

  it('scrolls to the turn of a search hit in a longer conversation', async () => {
    const userDataDir = await newUserDataDir(['beta'])
    const store = await HistoryStore.open(join(userDataDir, 'history.sqlite'))
    const { id } = store.createConversation('Turn 0')
    for (let turn = 0; turn < 12; turn++) {
      const streamId = `stream-${turn}`
      store.addTurn(id, `Turn ${turn}`, streamId, [{ id: 'beta', label: 'Beta' }])
      const lines = Array.from({ length: turn === 7 ? 60 : 12 }, (_, i) => `Line ${i} of turn ${turn}.`)
      const text =
        turn === 3
          ? 'The needle is here: xylophone.'
          : turn === 7
            ? `${lines.join('\n\n')}\n\nAt the very end: marimba.`
            : lines.join('\n\n')
      store.finishAnswer(streamId, 'beta', { status: 'complete', text })
    }
    store.close()
    await open(userDataDir)
    await search('xylophone')
    await page.getByTestId('search-hit').first().click()
    const target = page.locator('[data-testid="exchange"][data-turn-index="3"]')
    await expect.poll(() => target.count()).toBe(1)
    await expect
      .poll(() =>
        target.evaluate((element) => {
          const view = element.closest('.conversation-scroll')!.getBoundingClientRect()
          const box = element.getBoundingClientRect()
          return box.top >= view.top - 1 && box.top < view.bottom
        }),
      )
      .toBe(true)
    expect(await page.getByTestId('jump-to-latest').isVisible()).toBe(true)

    // A match far down a long answer is brought into view, marked.
    await page.getByTestId('history-search').fill('marimba')
    // The previous query's hit stays until this one's results come: wait for this one's.
    await page.getByTestId('search-hit').filter({ hasText: 'marimba' }).click()
    const markInView = () =>
      page.evaluate(() => {
        const registry = CSS.highlights as unknown as Map<string, Iterable<Range>>
        const [range] = [...(registry.get('search-match') ?? [])]
        if (!range) return 'no mark'
        const view = document.querySelector('.conversation-scroll')!.getBoundingClientRect()
        const box = range.getBoundingClientRect()
        return `${range.toString()} ${box.top >= view.top && box.bottom <= view.bottom ? 'in view' : 'out of view'}`
      })
    await expect.poll(markInView).toBe('marimba in view')
  })

  it('keeps only the exchanges near the view in the DOM of a long conversation, and renders others as they come near', async () => {
    const turns = 60
    const userDataDir = await newUserDataDir(['beta'])
    const store = await HistoryStore.open(join(userDataDir, 'history.sqlite'))
    const { id } = store.createConversation('Long one')
    for (let turn = 0; turn < turns; turn++) {
      store.addTurn(id, `Question ${turn}`, `long-${turn}`, [{ id: 'beta', label: 'Beta' }])
      const text = Array.from({ length: 8 }, (_, i) => `Paragraph ${i} of answer ${turn}, with **some** markup.`).join(
        '\n\n',
      )
      store.finishAnswer(`long-${turn}`, 'beta', { status: 'complete', text })
    }
    store.close()
    await open(userDataDir)
    await item('Long one').getByTestId('conversation-title').click()
    const exchange = (turn: number) => page.locator(`[data-testid="exchange"][data-turn-index="${turn}"]`)
    await expect.poll(() => exchange(turns - 1).count()).toBe(1)
    await expect.poll(() => exchange(turns - 1).innerText()).toContain(`answer ${turns - 1}`)
    // Counted in one go, once the window has settled (exchanges and placeholders swap as the view scrolls to the end).
    const windowed = () =>
      page.evaluate(() => ({
        rendered: document.querySelectorAll('[data-testid="exchange"]').length,
        placeholders: document.querySelectorAll('.exchange-placeholder').length,
        first: document.querySelectorAll('[data-testid="exchange"][data-turn-index="0"]').length,
      }))
    await expect.poll(windowed).toMatchObject({ first: 0 })
    const { rendered, placeholders } = await windowed()
    expect(rendered).toBeLessThan(turns / 3)
    expect(placeholders).toBe(turns - rendered)

    // Scrolling to the top brings the first exchanges back, text and all.
    await page.locator('.conversation-scroll').evaluate((scroller) => (scroller.scrollTop = 0))
    await expect.poll(() => exchange(0).count()).toBe(1)
    await expect.poll(() => exchange(0).innerText()).toContain('Paragraph 7 of answer 0')
    await expect.poll(() => page.getByTestId('exchange').count()).toBeLessThan(turns / 3)
    await expect.poll(() => exchange(turns - 1).count()).toBe(1)
    expect(pageErrors.filter((error) => error.includes('Content Security Policy'))).toEqual([])
  })

  it('renames and pins, and both survive a reload', async () => {
    await open(await newUserDataDir(['beta']))
    await ask('Older conversation')
    await finished('beta')
    await page.getByTestId('new-chat-button').click()
    await ask('Newer conversation')
    await finished('beta')
    await expect.poll(titles).toEqual(['Newer conversation', 'Older conversation'])

    // Rename: Escape cancels, Enter saves.
    const older = item('Older conversation')
    await rowAction(older, 'conversation-rename')
    await page.getByTestId('conversation-rename-input').fill('Not this')
    await page.getByTestId('conversation-rename-input').press('Escape')
    expect(await titles()).toEqual(['Newer conversation', 'Older conversation'])
    await rowAction(older, 'conversation-rename')
    await page.getByTestId('conversation-rename-input').fill('Renamed: 大事な話')
    await page.getByTestId('conversation-rename-input').press('Enter')
    await expect.poll(titles).toEqual(['Newer conversation', 'Renamed: 大事な話'])

    // Pinned conversations come first, with a marker.
    await rowAction(item('Renamed: 大事な話'), 'conversation-pin')
    await expect.poll(titles).toEqual(['Renamed: 大事な話', 'Newer conversation'])
    expect(await items().first().getAttribute('data-pinned')).toBe('true')
    expect(await items().first().getByTestId('conversation-pinned').count()).toBe(1)

    await reload()
    await expect.poll(titles).toEqual(['Renamed: 大事な話', 'Newer conversation'])
    expect(await items().first().getAttribute('data-pinned')).toBe('true')
    expect(await items().last().getAttribute('data-pinned')).toBe('false')

    // Pinned and today's conversations under their headings.
    expect(await page.getByTestId('conversation-group').locator('h3').allTextContents()).toEqual(['Pinned', 'Today'])

    // The row's menu by keyboard: the first item takes the focus, the arrows wrap, Escape goes back to the button.
    const menuButton = items().first().getByTestId('conversation-menu')
    await menuButton.focus()
    await page.keyboard.press('Enter')
    await expect.poll(() => focusedTestId(page)).toBe('conversation-rename')
    await page.keyboard.press('ArrowUp')
    expect(await focusedTestId(page)).toBe('conversation-delete')
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('ArrowDown')
    expect(await focusedTestId(page)).toBe('conversation-pin')
    await page.keyboard.press('Escape')
    expect(await focusedTestId(page)).toBe('conversation-menu')
    expect(await menuButton.getAttribute('aria-expanded')).toBe('false')
    // Enter on the focused item does what a click does.
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('Enter')
    await expect.poll(titles).toEqual(['Newer conversation', 'Renamed: 大事な話'])
    expect(await page.getByTestId('conversation-group').locator('h3').allTextContents()).toEqual(['Today'])
    expect(pageErrors).toEqual([])
  })

  it('deletes after a confirm step; deleting the open conversation returns to a new chat', async () => {
    await open(await newUserDataDir(['beta']))
    await ask('Keep me')
    await finished('beta')
    await page.getByTestId('new-chat-button').click()
    await ask('Delete me')
    await finished('beta')
    await expect.poll(() => items().count()).toBe(2)
    const doomed = item('Delete me')
    expect(await doomed.getAttribute('data-active')).toBe('true')

    // The first click only asks.
    await rowAction(doomed, 'conversation-delete')
    expect(await doomed.getByTestId('conversation-delete-confirm').isVisible()).toBe(true)
    await page.keyboard.press('Escape')
    await expect.poll(() => doomed.getByTestId('conversation-delete-confirm').count()).toBe(0)
    expect(await items().count()).toBe(2)

    await rowAction(doomed, 'conversation-delete')
    await doomed.getByTestId('conversation-delete-confirm').click()
    await expect.poll(titles).toEqual(['Keep me'])
    expect(await page.getByTestId('exchange').count()).toBe(0)
    await reload()
    await expect.poll(titles).toEqual(['Keep me'])
    expect(pageErrors).toEqual([])
  })

  it('exports one conversation as JSON and imports it into another history; a bad file changes nothing', async () => {
    const exportingDir = await newUserDataDir(['alpha'])
    await open(exportingDir)
    await ask('Exported question')
    await finished('alpha')
    await expect.poll(() => items().count()).toBe(1)

    // Main writes the file (the app asks where in a save dialog; the harness, which has none, into the user-data
    // folder's `exports`) and the toast says where: the text never comes through the window.
    const infoToasts = page.locator('[data-testid="toast"][data-level="info"]')
    const exportedBy = async (action: () => Promise<unknown>) => {
      const before = await infoToasts.count()
      await action()
      await expect.poll(() => infoToasts.count(), { timeout: 10_000 }).toBeGreaterThan(before)
      const toast = await infoToasts.last().innerText()
      const path = /Exported to (\S+\.(?:json|md))/.exec(toast)?.[1]
      expect(path && dirname(path), toast).toBe(join(exportingDir, 'exports'))
      return path!
    }
    const exportedPath = await exportedBy(() => rowAction(items().first(), 'conversation-export-json'))
    expect(basename(exportedPath)).toMatch(/^streamdesk-Exported-question-\d{4}-\d{2}-\d{2}\.json$/)
    const exported = await readFile(exportedPath, 'utf8')
    const document = JSON.parse(exported) as {
      format: string
      conversations: Array<{ title: string; turns: Array<{ prompt: string }> }>
    }
    expect(document.format).toBe('streamdesk-history')
    expect(document.conversations.map((c) => c.turns[0]!.prompt)).toEqual(['Exported question'])
    expect(exported).toContain(JSON.stringify(ALPHA))

    // Markdown too, and everything at once.
    const markdown = await exportedBy(() => rowAction(items().first(), 'conversation-export-markdown'))
    expect(markdown).toMatch(/\.md$/)
    expect(await readFile(markdown, 'utf8')).toContain('Exported question')
    const all = await exportedBy(() => page.getByTestId('export-all-json').click())
    expect(basename(all)).toMatch(/^streamdesk-history-.*\.json$/)
    expect(JSON.parse(await readFile(all, 'utf8'))).toEqual({ ...document, exportedAt: expect.any(String) })

    // A fresh user-data folder: empty history, then the import.
    await open(await newUserDataDir(['alpha']))
    await expect.poll(() => page.getByTestId('history-empty').count()).toBe(1)
    const broken = join(await makeTempDir('e2e-import'), 'broken.json')
    await writeFile(broken, '{"format": "streamdesk-history", "version": 1, "conversations": [{"id": 5}]}')
    await page.getByTestId('import-history').setInputFiles(broken)
    const errorToast = page.locator('[data-testid="toast"][data-level="error"]')
    await expect.poll(() => errorToast.count(), { timeout: 10_000 }).toBe(1)
    expect(await errorToast.innerText()).toMatch(/damaged or incomplete/)
    expect(await items().count()).toBe(0)
    const notJson = join(await makeTempDir('e2e-import'), 'notes.json')
    await writeFile(notJson, 'just some notes')
    await page.getByTestId('import-history').setInputFiles(notJson)
    await expect.poll(() => errorToast.count()).toBe(2)
    expect(await errorToast.last().innerText()).toMatch(/not valid JSON/)
    expect(await items().count()).toBe(0)

    await page.getByTestId('import-history').setInputFiles(exportedPath)
    await expect.poll(titles, { timeout: 10_000 }).toEqual(['Exported question'])
    await items().first().getByTestId('conversation-title').click()
    await expect.poll(() => column('alpha').getAttribute('data-status')).toBe('complete')
    await expect.poll(textOf('alpha')).toContain('Remember the zephyr.')

    // The same file again adds nothing, and says why.
    const infoToast = page.locator('[data-testid="toast"][data-level="info"]')
    const infoBefore = await infoToast.count()
    await page.getByTestId('import-history').setInputFiles(exportedPath)
    await expect.poll(() => infoToast.count(), { timeout: 10_000 }).toBeGreaterThan(infoBefore)
    expect(await infoToast.last().innerText()).toMatch(/Imported 0 conversations\. 1 was already in your history/)
    expect(await items().count()).toBe(1)
    expect(pageErrors).toEqual([])
  })

  it('lists the daily backups in Settings and restores a conversation deleted since', async () => {
    const userDataDir = await newUserDataDir(['beta'])
    const store = await HistoryStore.open(join(userDataDir, 'history.sqlite'))
    for (const title of ['Kept all along', 'Deleted since the backup']) {
      const { id } = store.createConversation(title)
      store.addTurn(id, title, `backup-${title.length}`, [{ id: 'beta', label: 'Beta' }])
      store.finishAnswer(`backup-${title.length}`, 'beta', { status: 'complete', text: `Answer to ${title}` })
    }
    await store.backupIfDue(new Date(2024, 4, 1, 12))
    store.deleteConversation(store.listConversations().find((c) => c.title.startsWith('Deleted'))!.id)
    store.close()
    await open(userDataDir)
    await expect.poll(titles).toEqual(['Kept all along'])

    await page.getByTestId('settings-button').click()
    const rows = page.getByTestId('backup-row')
    // Today's (taken at start, with one conversation) first, then the older one with both.
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2)
    expect(await rows.last().innerText()).toMatch(/2024-05-01 · 2 conversations/)
    expect(await rows.first().innerText()).toMatch(/1 conversation/)
    await rows.last().getByTestId('backup-restore').click()
    await expect.poll(() => page.getByTestId('backup-outcome').count()).toBe(1)
    expect(await page.getByTestId('backup-outcome').innerText()).toBe(
      'From the backup of 2024-05-01: 1 conversation added.',
    )
    await page.keyboard.press('Escape')
    await expect.poll(titles).toEqual(expect.arrayContaining(['Kept all along', 'Deleted since the backup']))
    expect(await items().count()).toBe(2)
    expect(pageErrors).toEqual([])
  })

  it('salvages a history lost at start-up from its backup, and keeps the notice in the sidebar until dismissed', async () => {
    const userDataDir = await newUserDataDir(['beta'])
    const historyPath = join(userDataDir, 'history.sqlite')
    const store = await HistoryStore.open(historyPath)
    const { id } = store.createConversation('Worth keeping')
    store.addTurn(id, 'Worth keeping', 'salvage-1', [{ id: 'beta', label: 'Beta' }])
    store.finishAnswer('salvage-1', 'beta', { status: 'complete', text: 'An answer to keep' })
    await store.backupIfDue(new Date(2024, 4, 1, 12))
    store.close()
    // The file emptied from outside (a sync tool, a crash of the disk): zero bytes.
    await writeFile(historyPath, '')
    await open(userDataDir)
    await expect.poll(titles).toEqual(['Worth keeping'])
    const notice = page.getByTestId('startup-notice')
    expect(await notice.count()).toBe(1)
    expect(await notice.innerText()).toMatch(/recovered 1 conversation from the backup of 2024-05-01/)
    await notice.getByTestId('startup-notice-dismiss').click()
    expect(await page.getByTestId('startup-notice').count()).toBe(0)
    expect(pageErrors).toEqual([])
  })

  it('keeps a stopped answer and its status across a reload', async () => {
    await open(await newUserDataDir(['slow']))
    await ask('Take your time')
    await expect.poll(() => column('slow').getByTestId('column-text').innerText(), { timeout: 10_000 }).toMatch(/word3/)
    await column('slow').getByTestId('column-stop').click()
    await finished('slow', 'stopped')
    const shown = (await column('slow').getByTestId('column-text').innerText()).trim()

    await reload()
    await items().first().getByTestId('conversation-title').click()
    await expect.poll(() => column('slow').getAttribute('data-status')).toBe('stopped')
    expect(await column('slow').getByTestId('column-status').innerText()).toBe('Stopped')
    await expect.poll(async () => (await textOf('slow')()).trim()).toBe(shown)
    const stored = (await textOf('slow')()).trim()
    expect(LONG.startsWith(stored)).toBe(true)
    expect(await column('slow').getByTestId('column-stop').count()).toBe(0)
    expect(pageErrors).toEqual([])
  })

  it('shows an answer cut off by the app closing as interrupted', async () => {
    const userDataDir = await newUserDataDir(['alpha'])
    // What a crash mid-answer leaves: the prompt, and the answer's text so far, never finished.
    const store = await HistoryStore.open(join(userDataDir, 'history.sqlite'))
    const { id } = store.createConversation('Cut short')
    store.addTurn(id, 'Cut short', 'crashed-stream', [{ id: 'alpha', label: 'Alpha' }])
    store.appendAnswerProgress('crashed-stream', 'alpha', 'The beginning of an answer that never')
    store.close()

    await open(userDataDir)
    // Start-up says so, and the answer is there, marked.
    await expect
      .poll(() => page.getByTestId('toast').allInnerTexts(), { timeout: 10_000 })
      .toContainEqual(expect.stringMatching(/cut off/))
    await item('Cut short').getByTestId('conversation-title').click()
    await expect.poll(() => column('alpha').getAttribute('data-status')).toBe('interrupted')
    expect(await column('alpha').getByTestId('column-status').innerText()).toBe('Interrupted')
    expect(await column('alpha').getByTestId('column-interrupted').locator('p').innerText()).toBe(
      'This answer was cut off when StreamDesk closed.',
    )
    await expect.poll(textOf('alpha')).toBe('The beginning of an answer that never')
    expect(await column('alpha').getByTestId('column-stop').count()).toBe(0)
    expect(await column('alpha').getAttribute('aria-label')).toBe('Alpha')

    // One click asks the model to go on, in place: a new version of the same answer, no visible turn.
    await column('alpha').getByTestId('column-continue').click()
    await expect.poll(() => column('alpha').getAttribute('data-status'), { timeout: 10_000 }).toBe('complete')
    expect(await page.getByTestId('exchange').count()).toBe(1)
    await expect.poll(textOf('alpha')).toMatch(/^The beginning of an answer that never/)
    expect(await column('alpha').getByTestId('column-continue').count()).toBe(0)
    const request = openAi.requests.at(-1)!
    expect(request.model).toBe('alpha')
    expect(request.messages).toEqual([
      { role: 'user', content: 'Cut short' },
      { role: 'assistant', content: 'The beginning of an answer that never' },
      { role: 'user', content: expect.stringMatching(/^Your previous answer was cut off before it ended\./) },
    ])
    // The interrupted version is kept as version 1.
    await column('alpha').getByTestId('version-previous').click()
    await expect.poll(() => column('alpha').getAttribute('data-status')).toBe('interrupted')
    await expect.poll(textOf('alpha')).toBe('The beginning of an answer that never')
    expect(pageErrors).toEqual([])
  })

  it('lets answers go on while another conversation is open, and shows them whole on return', async () => {
    await open(await newUserDataDir(['medium']))
    await ask('Streaming in the background')
    await expect
      .poll(() => column('medium').getByTestId('column-text').innerText(), { timeout: 10_000 })
      .toMatch(/step3/)
    await page.getByTestId('new-chat-button').click()
    expect(await page.getByTestId('exchange').count()).toBe(0)
    // Not this view's stream: no "Stop all" for it.
    expect(await page.getByTestId('stop-all-button').isVisible()).toBe(false)
    await item('Streaming in the background').getByTestId('conversation-title').click()
    await finished('medium')
    await expect.poll(textOf('medium')).toBe(MEDIUM)
    expect(pageErrors).toEqual([])
  })

  it('after a reload mid-answer, shows what was saved and the whole answer once it ends', async () => {
    await open(await newUserDataDir(['medium']))
    await ask('Reloaded while streaming')
    await expect
      .poll(() => column('medium').getByTestId('column-text').innerText(), { timeout: 10_000 })
      .toMatch(/step10/)
    await reload()
    await item('Reloaded while streaming').getByTestId('conversation-title').click()
    await expect.poll(() => page.getByTestId('exchange').count()).toBe(1)
    // Still streaming in main: what was saved so far, then the whole answer when it ends.
    expect(await column('medium').getAttribute('data-status')).toBe('streaming')
    expect(MEDIUM.startsWith(await textOf('medium')())).toBe(true)
    await finished('medium')
    await expect.poll(textOf('medium')).toBe(MEDIUM)
    expect(pageErrors).toEqual([])
  })

  it('queues a prompt while the broker is unreachable: waiting, cancellable, sent when the connection returns', async () => {
    const harness = await open(await newUserDataDir(['beta']))
    await harness.core.chat.setOnline(false)
    await ask('Asked while offline')
    await finished('beta', 'queued')
    expect(await column('beta').getByTestId('column-status').innerText()).toBe('Waiting for connection…')
    await column('beta').getByTestId('column-stop').click()
    await finished('beta', 'stopped')

    await ask('Asked while still offline')
    await finished('beta', 'queued')
    expect(await page.getByTestId('stop-all-button').isVisible()).toBe(true)
    const before = openAi.requests.length
    await harness.core.chat.setOnline(true)
    await finished('beta')
    await expect.poll(textOf('beta')).toBe(BETA)
    // The cancelled prompt was never sent; the second one was, once.
    expect(
      openAi.requests.slice(before).map((r) => JSON.stringify(r.messages).includes('Asked while still offline')),
    ).toEqual([true])
    expect(openAi.requests.some((r) => JSON.stringify(r.messages).includes('Asked while offline'))).toBe(false)
    expect(pageErrors).toEqual([])
  })

  it('shows notices from main as toasts, errors as errors, and keeps the answers on screen', async () => {
    const harness = await open(await newUserDataDir(['beta']))
    await ask('Something to keep')
    await finished('beta')
    harness.core.events.emit('app:notice', {
      level: 'error',
      message: userMessage('history:save-failed', { reason: 'disk-full' }),
    })
    harness.core.events.emit('app:notice', { level: 'info', message: userMessage('history:saving-again', {}) })
    const error = page.locator('[data-testid="toast"][data-level="error"]')
    await expect.poll(() => error.count()).toBe(1)
    expect(await error.innerText()).toContain('the disk is full')
    expect(await error.getAttribute('role')).toBe('alert')
    await expect.poll(() => page.locator('[data-testid="toast"][data-level="info"]').count()).toBe(1)
    expect(await textOf('beta')()).toBe(BETA)

    // However many and however long, toasts never cover the composer nor grow past the window.
    for (let i = 0; i < 6; i++) {
      // A key this page does not know (a newer main): the generic words, then the detail.
      harness.core.events.emit('app:notice', {
        level: 'warning',
        message: { key: 'history:from-the-future', params: {}, detail: `Warning ${i}: ${'long text '.repeat(400)}` },
      } as unknown as Notice)
    }
    // The last warning is in (the store keeps the newest few).
    await expect
      .poll(() => page.getByTestId('toast').last().innerText())
      .toMatch(/^Something went wrong\. Details: Warning 5/)
    const box = async (testId: string) => (await page.getByTestId(testId).boundingBox())!
    const [toasts, input, send, viewport] = [
      await box('toasts'),
      await box('prompt-input'),
      await box('send-button'),
      page.viewportSize()!,
    ]
    for (const covered of [input, send]) {
      const overlaps =
        toasts.x < covered.x + covered.width &&
        covered.x < toasts.x + toasts.width &&
        toasts.y < covered.y + covered.height &&
        covered.y < toasts.y + toasts.height
      expect(overlaps).toBe(false)
    }
    expect(toasts.y + toasts.height).toBeLessThanOrEqual(viewport.height)
    expect(pageErrors).toEqual([])
  })

  it('pages the list 50 at a time and collapses the sidebar', async () => {
    const userDataDir = await newUserDataDir(['beta'])
    const store = await HistoryStore.open(join(userDataDir, 'history.sqlite'))
    for (let n = 1; n <= 53; n++) {
      const { id } = store.createConversation(`Conversation ${n}`)
      store.addTurn(id, `Conversation ${n}`, `paging-${n}`, [{ id: 'beta', label: 'Beta' }])
      store.finishAnswer(`paging-${n}`, 'beta', { status: 'complete', text: `Answer ${n}` })
    }
    store.close()
    await open(userDataDir)
    await expect.poll(() => items().count()).toBe(50)
    await page.getByTestId('load-more').click()
    await expect.poll(() => items().count()).toBe(53)
    expect(await page.getByTestId('load-more').count()).toBe(0)
    expect(
      new Set(await items().evaluateAll((rows) => rows.map((row) => row.getAttribute('data-conversation-id')))).size,
    ).toBe(53)

    const toggle = page.getByTestId('sidebar-toggle')
    expect(await toggle.getAttribute('aria-expanded')).toBe('true')
    await toggle.click()
    expect(await page.getByTestId('sidebar').isVisible()).toBe(false)
    expect(await toggle.getAttribute('aria-expanded')).toBe('false')
    await toggle.click()
    expect(await page.getByTestId('sidebar').isVisible()).toBe(true)
    expect(pageErrors).toEqual([])
  })
})
