/**
 * The stand-in electron (tests/support/electron-stand-in) behaves as Electron 45 documents it, in what the shell
 * tests rely on: the quit sequence and who may cancel it, window-all-closed, destroyed objects, ready-to-show,
 * one handler per IPC channel, and a loud error for anything it does not stub. Each test gets a fresh module.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest'

type StandIn = typeof import('../../support/electron-stand-in/electron')
let electron: StandIn
let exits: number[]

beforeEach(async () => {
  vi.resetModules()
  electron = await import('../../support/electron-stand-in/electron')
  exits = []
  electron.control.configure({ userDataDir: '/nowhere' })
  electron.control.onExit((code) => exits.push(code))
})

const ready = () => electron.control.start()
const events = () => electron.control.record().filter((entry) => entry.kind === 'event' && entry.target === 'app')
const appEvents = () => events().map((entry) => entry.name)
/**
 * Lets every event the stand-in schedules happen: it defers them with setImmediate only (as Electron emits them on
 * later turns), so a fixed number of turns is enough whatever the machine's load, where a timer is not.
 */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve))
}

describe('the stand-in electron', () => {
  it('throws a clear error for anything it does not stub', () => {
    expect(() => electron.app.setAboutPanelOptions({})).toThrow(
      'not stubbed in the stand-in electron: app.setAboutPanelOptions',
    )
    expect(() => electron.BrowserWindow.fromId(1)).toThrow('not stubbed in the stand-in electron: BrowserWindow.fromId')
    expect(() => electron.app.getPath('temp')).toThrow(/app\.getPath\('temp'\)/)
  })

  it('refuses windows before ready, and privileged schemes after it', () => {
    expect(() => new electron.BrowserWindow()).toThrow(/before the app is ready/)
    ready()
    expect(() => electron.protocol.registerSchemesAsPrivileged([])).toThrow(/before app is ready/)
    expect(() => new electron.BrowserWindow()).not.toThrow()
  })

  it('quits in order: before-quit, every window closed, will-quit, quit, exit 0; no window-all-closed', async () => {
    ready()
    electron.app.on('window-all-closed', () => {})
    new electron.BrowserWindow()
    new electron.BrowserWindow({ show: false })
    electron.app.quit()
    await settle()
    expect(appEvents().filter((name) => name !== 'browser-window-created' && name !== 'web-contents-created')).toEqual([
      'will-finish-launching',
      'ready',
      'before-quit',
      'will-quit',
      'quit',
    ])
    expect(electron.control.windows().every((window) => window.destroyed)).toBe(true)
    expect(exits).toEqual([0])
  })

  it('a window that cancels its close cancels the quit; a will-quit that is prevented stops it until quit again', async () => {
    ready()
    const window = new electron.BrowserWindow()
    let keepOpen = true
    window.on('close', (event) => keepOpen && event.preventDefault())
    electron.app.quit()
    await settle()
    expect(appEvents()).not.toContain('will-quit')
    expect(window.isDestroyed()).toBe(false)

    keepOpen = false
    let holdQuit = true
    electron.app.on('will-quit', (event) => holdQuit && event.preventDefault())
    electron.app.quit()
    await settle()
    expect(appEvents().filter((name) => name === 'before-quit')).toHaveLength(2)
    expect(exits).toEqual([])
    holdQuit = false
    electron.app.quit()
    expect(appEvents().filter((name) => name === 'before-quit')).toHaveLength(3)
    expect(exits).toEqual([0])
  })

  it('emits window-all-closed when the user closes the last window, and quits when nobody listens', async () => {
    ready()
    electron.app.once('window-all-closed', () => {})
    new electron.BrowserWindow().close()
    await settle()
    expect(appEvents()).toContain('window-all-closed')
    expect(exits).toEqual([])
    new electron.BrowserWindow().close()
    await settle()
    expect(exits).toEqual([0])
  })

  it('after destroy: "Object has been destroyed" from everything but isDestroyed and the event emitter', () => {
    ready()
    const window = new electron.BrowserWindow()
    const closed = vi.fn()
    window.on('closed', closed)
    window.destroy()
    expect(window.isDestroyed()).toBe(true)
    expect(closed).toHaveBeenCalledOnce()
    expect(() => window.show()).toThrow(new TypeError('Object has been destroyed'))
    expect(() => window.webContents).toThrow(new TypeError('Object has been destroyed'))
    expect(() => window.destroy()).toThrow(new TypeError('Object has been destroyed'))
  })

  it('emits ready-to-show after the page loads, only if the window was not shown meanwhile', async () => {
    ready()
    const hidden = new electron.BrowserWindow({ show: false })
    const shown = new electron.BrowserWindow({ show: false })
    const readyToShow = vi.fn()
    hidden.once('ready-to-show', () => readyToShow('hidden'))
    shown.once('ready-to-show', () => readyToShow('shown'))
    void hidden.loadURL('http://localhost:5173/')
    void shown.loadURL('http://localhost:5173/')
    shown.show()
    await settle()
    expect(readyToShow.mock.calls).toEqual([['hidden']])
  })

  it('fails a page load the app:// handler does not serve', async () => {
    ready()
    electron.protocol.handle('app', () => new Response(null, { status: 404 }))
    const window = new electron.BrowserWindow({ show: false })
    await expect(window.loadURL('app://streamdesk/missing.html')).rejects.toThrow(/ERR_FILE_NOT_FOUND/)
  })

  it('takes one handler per channel, and rejects an invoke nobody handles as Electron words it', async () => {
    ready()
    const window = new electron.BrowserWindow()
    electron.ipcMain.handle('ping', (event) => (event.senderFrame?.url === '' ? 'pong' : 'other'))
    expect(() => electron.ipcMain.handle('ping', () => 'again')).toThrow(
      "Attempted to register a second handler for 'ping'",
    )
    await expect(electron.control.invoke(window.id, 'ping', [])).resolves.toBe('pong')
    await expect(electron.control.invoke(window.id, 'nobody', [])).rejects.toThrow(
      "Error invoking remote method 'nobody': Error: No handler registered for 'nobody'",
    )
  })
})
