/**
 * The built main entry (`npm run build` → out/main/index.js) run under the stand-in electron (tests/support/
 * electron-stand-in): start-up, the windows and their options, the files they load, the IPC handlers and their
 * sender checks, the tray, the shortcut, a second instance, close to tray, and the order of quitting.
 */
import { existsSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { INVOKE_CHANNELS } from '../../../src-main/shared/ipc-contract'
import { makeTempDir } from '../../support/temp-dir'
import { startShell, stopShells } from '../../support/electron-stand-in/shell-process'

const MAIN = 'StreamDesk'
const QUICK_ASK = 'StreamDesk quick ask'

afterEach(stopShells)

const started = async () => (await startShell({ userDataDir: await makeTempDir('shell') })).startedUp()

describe('the desktop shell under the stand-in electron', () => {
  it('opens the main window and a hidden quick-ask window, both isolated and sandboxed, loading built files', async () => {
    const shell = await started()
    const main = await shell.window(MAIN)
    const quickAsk = await shell.window(QUICK_ASK)
    for (const window of [main, quickAsk]) {
      expect(window.webPreferences).toMatchObject({
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        webviewTag: false,
        webSecurity: true,
      })
      expect(existsSync(window.webPreferences!.preload!), 'preload file').toBe(true)
    }
    // The pages came through the app:// handler the shell registered, from the build.
    expect((await shell.loadedWindow(MAIN)).url).toBe('app://streamdesk/index.html')
    expect((await shell.loadedWindow(QUICK_ASK)).url).toBe('app://streamdesk/quick-ask.html')
    expect(shell.calls(/^webContents/, 'did-fail-load')).toEqual([])
    expect(shell.calls('protocol', 'registerSchemesAsPrivileged')[0]!.args[0]).toEqual([
      expect.objectContaining({ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }),
    ])
    expect((await shell.window(QUICK_ASK)).visible).toBe(false)
  })

  it('as a second instance (the lock is taken) quits at once, creating nothing and starting no core', async () => {
    const shell = await startShell({ userDataDir: await makeTempDir('shell'), lockTaken: true })
    const exit = await shell.exitWithin(10_000)
    expect(exit.appExit?.code).toBe(0)
    expect(shell.calls('BrowserWindow', 'created')).toEqual([])
    expect(shell.calls('app', 'getPath')).toEqual([])
  })

  it('has a handler for every invoke channel of the IPC contract', async () => {
    const shell = await started()
    const handled = await shell.command<string[]>({ op: 'handled-channels' })
    expect([...handled].sort()).toEqual([...INVOKE_CHANNELS].sort())
  })

  it("answers the app's own pages and refuses a foreign origin, a frame that is gone and a channel the window may not use", async () => {
    const shell = await started()
    const main = await shell.loadedWindow(MAIN)
    const quickAsk = await shell.loadedWindow(QUICK_ASK)
    const status = (await shell.invoke(main.id, 'app:get-status')) as { version: string }
    expect(status.version).toBe('0.1.0')

    const foreign = { url: 'https://evil.example/index.html', origin: 'https://evil.example' }
    const asForeign = shell.command({ op: 'invoke', id: main.id, channel: 'app:get-status', frame: foreign })
    await expect(asForeign).rejects.toThrow(/unexpected sender was refused: app:get-status/)
    const asGone = shell.command({ op: 'invoke', id: main.id, channel: 'settings:get', frame: null })
    await expect(asGone).rejects.toThrow(/unexpected sender was refused/)
    // Quick ask has a few channels only: the settings it may read, not the ones it may not change.
    await expect(shell.invoke(quickAsk.id, 'settings:get')).resolves.toMatchObject({ mode: 'local' })
    await expect(shell.invoke(quickAsk.id, 'history:list')).rejects.toThrow(/history:list/)
  })

  it("keeps pages on the app's own two pages, and hands web and mail links (only) to the OS browser", async () => {
    const shell = await started()
    const main = await shell.loadedWindow(MAIN)
    const navigate = (url: string) => shell.command({ op: 'navigate', id: main.id, url })
    expect(await navigate('app://streamdesk/quick-ask.html')).toEqual({ allowed: true })
    expect(await navigate('https://example.com/page')).toEqual({ allowed: false })
    expect(await navigate('file:///etc/passwd')).toEqual({ allowed: false })
    const open = (url: string) => shell.command({ op: 'open-window', id: main.id, url })
    expect(await open('mailto:ann@example.com')).toEqual({ action: 'deny' })
    expect(await open('javascript:alert(1)')).toEqual({ action: 'deny' })
    expect(shell.calls('shell', 'openExternal').map((entry) => entry.args[0])).toEqual([
      'https://example.com/page',
      'mailto:ann@example.com',
    ])
  })

  it("grants clipboard writing (the Copy buttons) to the app's pages, and no other permission to anyone", async () => {
    const shell = await started()
    const main = await shell.loadedWindow(MAIN)
    const quickAsk = await shell.loadedWindow(QUICK_ASK)
    const ask = (id: number, permission: string, origin?: string) =>
      shell.command({ op: 'permission', id, permission, ...(origin ? { origin } : {}) })
    const granted = { request: true, check: true }
    const denied = { request: false, check: false }
    expect(await ask(main.id, 'clipboard-sanitized-write')).toEqual(granted)
    expect(await ask(quickAsk.id, 'clipboard-sanitized-write')).toEqual(granted)
    expect(await ask(main.id, 'clipboard-read')).toEqual(denied)
    expect(await ask(main.id, 'media')).toEqual(denied)
    expect(await ask(main.id, 'notifications')).toEqual(denied)
    expect(await ask(main.id, 'clipboard-sanitized-write', 'https://evil.example/')).toEqual(denied)
  })

  it("replaces Electron's default menu: no menu bar when packaged (Linux), only Development otherwise, in the pages' language", async () => {
    const packaged = await (await startShell({ userDataDir: await makeTempDir('shell'), isPackaged: true })).startedUp()
    expect(await packaged.command({ op: 'application-menu' })).toBeNull()

    const shell = await started()
    type MenuView = { menu: Array<{ label: string; submenu?: MenuView; role?: string }> }
    const menu = await shell.command<MenuView>({ op: 'application-menu' })
    expect(menu.menu.map((item) => item.label)).toEqual(['Development'])
    expect(menu.menu[0]!.submenu!.menu.map((item) => item.role)).toEqual(['reload', 'forceReload', 'toggleDevTools'])

    const main = await shell.loadedWindow(MAIN)
    await shell.invoke(main.id, 'settings:set-preferences', { language: 'ja' })
    const japanese = await shell.command<MenuView>({ op: 'application-menu' })
    expect(japanese.menu.map((item) => item.label)).toEqual(['開発'])
  })

  it("quick ask's Open in StreamDesk shows the main window, which gets the conversation once its page is ready", async () => {
    const shell = await started()
    const main = await shell.shownWindow(MAIN)
    const quickAsk = await shell.loadedWindow(QUICK_ASK)
    await shell.command({ op: 'window', id: main.id, action: 'close' })
    expect(await shell.window(MAIN)).toMatchObject({ visible: false })
    await shell.command({ op: 'press-shortcut', accelerator: 'CommandOrControl+Shift+Space' })
    await shell.invoke(quickAsk.id, 'window:open-in-main', 'c-42')
    expect(await shell.window(QUICK_ASK)).toMatchObject({ visible: false })
    expect(await shell.window(MAIN)).toMatchObject({ visible: true })
    const sent = (entry: { target: string; name: string; args: unknown[] }) =>
      entry.target === `webContents#${main.webContents}` &&
      entry.name === 'send' &&
      entry.args[0] === 'app:open-conversation'
    expect(shell.record.filter(sent)).toEqual([])
    await shell.command({ op: 'send', id: main.id, channel: 'app:renderer-ready' })
    expect((await shell.waitForRecord(sent)).args[1]).toBe('c-42')
  })

  it('puts an icon with a menu in the tray, whose items open the windows', async () => {
    const shell = await started()
    const [tray] = await shell.command<Array<{ imageFound: boolean; toolTip: string; menu: { menu: unknown[] } }>>({
      op: 'trays',
    })
    expect(tray!.imageFound).toBe(true)
    expect(tray!.toolTip).toMatch(/^StreamDesk — Local mode/)
    expect(tray!.menu.menu).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ label: 'Quick ask' }),
        expect.objectContaining({ label: 'Open StreamDesk' }),
        expect.objectContaining({ label: 'Quit StreamDesk', role: 'quit' }),
      ]),
    )
    await shell.command({ op: 'click-tray-menu', label: 'Quick ask' })
    expect((await shell.window(QUICK_ASK)).visible).toBe(true)
  })

  it('registers the quick-ask shortcut, which shows and hides quick ask', async () => {
    const shell = await started()
    const [accelerator] = await shell.command<string[]>({ op: 'shortcuts' })
    expect(accelerator).toBe('CommandOrControl+Shift+Space')
    await shell.command({ op: 'press-shortcut', accelerator: accelerator! })
    expect((await shell.window(QUICK_ASK)).visible).toBe(true)
    await shell.command({ op: 'press-shortcut', accelerator: accelerator! })
    expect((await shell.window(QUICK_ASK)).visible).toBe(false)
  })

  it('with close to tray on (the default), closing the main window hides it; a second launch shows it again', async () => {
    const shell = await started()
    const main = await shell.shownWindow(MAIN)
    await shell.command({ op: 'window', id: main.id, action: 'close' })
    expect(await shell.window(MAIN)).toMatchObject({ id: main.id, visible: false, destroyed: false })
    expect(shell.alive).toBe(true)

    await shell.command({ op: 'emit-app', event: 'second-instance', args: [['streamdesk'], '/', {}] })
    expect(await shell.window(MAIN)).toMatchObject({ id: main.id, visible: true })
  })

  it('quits from the tray: windows, tray and shortcut go, then the core stops, then the process exits 0', async () => {
    const shell = await started()

    await shell.command({ op: 'click-tray-menu', label: 'Quit StreamDesk' })
    const exit = await shell.exitWithin(10_000)
    expect(exit.code).toBe(0)
    expect(exit.appExit?.code).toBe(0)
    // The broker's server and every MQTT socket were closed before Node exited, not cut off by the exit.
    expect(exit.appExit?.resources.filter((resource) => resource.startsWith('TCP'))).toEqual([])
    // The core's stop settled (neither failed nor timed out: the shell says so on stderr).
    expect(shell.output.join('')).not.toMatch(/did not stop|stopping the core failed/)

    const order = shell.record.map((entry) => `${entry.kind} ${entry.target} ${entry.name}`)
    const at = (step: string) => {
      const index = order.indexOf(step)
      expect(index, step).toBeGreaterThanOrEqual(0)
      return index
    }
    expect(at('event app before-quit')).toBeLessThan(at('event app will-quit'))
    expect(at('event app will-quit')).toBeLessThan(at('call globalShortcut unregister'))
    expect(at('call globalShortcut unregister')).toBeLessThan(at('call Tray#1 destroy'))
    expect(at('call Tray#1 destroy')).toBeLessThan(at('event app quit'))
    expect(order.filter((step) => step === 'event app will-quit')).toHaveLength(2)
  })
})
