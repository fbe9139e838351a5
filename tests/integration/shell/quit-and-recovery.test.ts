/**
 * The shell's defects found by running it under the stand-in electron (issue 21), each checked on the built main
 * entry: quitting when the main window closes, a quick-ask window the OS destroyed, a start that fails, a renderer
 * URL that is set but empty, a core that never stops, and a second launch while the app is still starting.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { makeTempDir } from '../../support/temp-dir'
import { startShell, stopShells, type ShellProcess } from '../../support/electron-stand-in/shell-process'
import type { StartShellOptions } from '../../support/electron-stand-in/shell-process'
import type { AppStatus, Notice, PublicSettings } from '../../../src-main/shared/ipc-contract'
import { en } from '../../../src-renderer/src/i18n/en'
import { messageText } from '../../../src-renderer/src/i18n/main-message'
import { noticeWords } from '../../support/notice-words'

const MAIN = 'StreamDesk'
const QUICK_ASK = 'StreamDesk quick ask'
const SHORTCUT = 'CommandOrControl+Shift+Space'

afterEach(stopShells)

async function started(options: Partial<StartShellOptions> = {}): Promise<ShellProcess> {
  const shell = await startShell({ userDataDir: await makeTempDir('shell'), ...options })
  return shell.startedUp()
}

const seqOf = (shell: ShellProcess, kind: string, target: string | RegExp, name: string) =>
  shell.record.filter(
    (entry) =>
      entry.kind === kind &&
      entry.name === name &&
      (typeof target === 'string' ? entry.target === target : target.test(entry.target)),
  )

describe('quitting', () => {
  it('with close to tray off, closing the main window quits, although the hidden quick-ask window exists', async () => {
    const shell = await started()
    const main = await shell.loadedWindow(MAIN)
    await shell.invoke(main.id, 'settings:set-preferences', { closeToTray: false })
    await shell.window(QUICK_ASK)
    await shell.shownWindow(MAIN)

    await shell.command({ op: 'window', id: main.id, action: 'close' })
    const exit = await shell.exitWithin(10_000)
    expect(exit.code).toBe(0)
    expect(exit.appExit?.resources.filter((resource) => resource.startsWith('TCP'))).toEqual([])
  })

  it('exits a few seconds after quitting even if stopping the core never finishes, saying what did not stop', async () => {
    const shell = await started()
    await shell.command({ op: 'hang-server-close' })
    await shell.command({ op: 'quit' })
    const exit = await shell.exitWithin(15_000)
    expect(exit.appExit?.code).toBe(0)
    expect(shell.output.join('')).toMatch(/did not stop within \d+ s/)
  })
})

describe('the quick-ask window', () => {
  for (const action of ['close', 'destroy'] as const) {
    it(`is made again after the OS ${action === 'close' ? 'closes' : 'destroys'} it (shortcut, then tray)`, async () => {
      const shell = await started()
      const first = await shell.window(QUICK_ASK)
      await shell.command({ op: 'window', id: first.id, action })
      await shell.waitForRecord((entry) => entry.target === `BrowserWindow#${first.id}` && entry.name === 'closed')

      await shell.command({ op: 'press-shortcut', accelerator: SHORTCUT })
      const second = await shell.window(QUICK_ASK)
      expect(second.id).not.toBe(first.id)
      expect(second.visible).toBe(true)
      await shell.command({ op: 'window', id: second.id, action })
      await shell.command({ op: 'click-tray-menu', label: 'Quick ask' })
      expect((await shell.window(QUICK_ASK)).visible).toBe(true)
      expect(shell.calls('process')).toEqual([])
      expect(shell.alive).toBe(true)
    })
  }
})

describe('the quick-ask shortcut', () => {
  it('is not saved when the OS refuses it: the change fails with the reason, and the old one stays', async () => {
    const shell = await started({ refusedShortcuts: ['Alt+Space'] })
    const main = await shell.loadedWindow(MAIN)
    const refused = shell.invoke(main.id, 'settings:set-preferences', { quickAskShortcut: 'Alt+Space' })
    await expect(refused).rejects.toThrow(/Alt\+Space could not be registered/)
    expect(await shell.invoke(main.id, 'settings:get')).toMatchObject({ preferences: { quickAskShortcut: SHORTCUT } })
    expect(await shell.command({ op: 'shortcuts' })).toEqual([SHORTCUT])

    await shell.invoke(main.id, 'settings:set-preferences', { quickAskShortcut: 'Alt+Shift+K' })
    expect(await shell.command({ op: 'shortcuts' })).toEqual(['Alt+Shift+K'])
    expect(await shell.invoke(main.id, 'settings:get')).toMatchObject({
      preferences: { quickAskShortcut: 'Alt+Shift+K' },
    })
  })

  it('saved but refused at the next start: the user is told once the page is ready to show it', async () => {
    const userDataDir = await makeTempDir('shell')
    const before = await (await startShell({ userDataDir })).startedUp()
    await before.invoke((await before.loadedWindow(MAIN)).id, 'settings:set-preferences', { quickAskShortcut: 'Alt+K' })
    await before.stop()

    const shell = await started({ userDataDir, refusedShortcuts: ['Alt+K'] })
    expect(await shell.command({ op: 'shortcuts' })).toEqual([])
    const main = await shell.loadedWindow(MAIN)
    const contents = `webContents#${main.webContents}`
    expect(shell.calls(contents, 'send')).toEqual([])
    await shell.command({ op: 'send', id: main.id, channel: 'app:renderer-ready' })
    const notice = await shell.waitForRecord(
      (entry) => entry.target === contents && entry.name === 'send' && entry.args[0] === 'app:notice',
    )
    expect(notice.args[1]).toMatchObject({ level: 'error', message: { key: 'shortcut:refused' } })
    expect(messageText(en, (notice.args[1] as Notice).message)).toMatch(/Alt\+K could not be/)
  })
})

describe('a start that fails', () => {
  async function failingStart(dialogResponses: number[]) {
    const userDataDir = await makeTempDir('shell')
    // A folder where the settings file should be: reading it fails (EISDIR), so the core cannot start.
    await mkdir(join(userDataDir, 'settings.json'))
    const shell = await startShell({ userDataDir, dialogResponses })
    const exit = await shell.exitWithin(10_000)
    return { shell, exit, userDataDir }
  }

  it('shows a native error dialog with the reason and quits, instead of staying alive with nothing', async () => {
    const { shell, exit } = await failingStart([])
    const [dialog] = shell.calls('dialog', 'showMessageBoxSync')
    expect(dialog, shell.output.join('')).toBeDefined()
    expect(dialog!.args.at(-1)).toMatchObject({
      type: 'error',
      message: expect.stringMatching(/StreamDesk could not start/),
      detail: expect.stringMatching(/EISDIR/),
    })
    expect(exit.appExit?.code).toBe(1)
    expect(shell.calls('BrowserWindow', 'created')).toEqual([])
    expect(shell.calls('process')).toEqual([])
  })

  it('offers to open the data folder', async () => {
    const { shell, userDataDir } = await failingStart([1])
    expect(shell.calls('shell', 'openPath').map((entry) => entry.args)).toEqual([[userDataDir]])
  })

  it('offers to set the settings aside (kept as a backup) and start again', async () => {
    const { shell, userDataDir } = await failingStart([2])
    const files = await readdir(userDataDir)
    expect(files).not.toContain('settings.json')
    expect(files.filter((file) => file.startsWith('settings.json.reset-'))).toHaveLength(1)
    expect(shell.calls('app', 'relaunch')).toHaveLength(1)
  })
})

describe('start-up', () => {
  it('an API key the keychain can no longer read is reported in words, not as the keychain error', async () => {
    const userDataDir = await makeTempDir('shell')
    const before = await (await startShell({ userDataDir })).startedUp()
    const model = { label: 'Remote', provider: 'openai-compatible', baseUrl: 'https://api.example.com/v1', model: 'm' }
    await before.invoke((await before.loadedWindow(MAIN)).id, 'settings:save-model', { ...model, apiKey: 'sk-4711' })
    await before.stop()
    // The OS keychain changed: what the old one sealed no longer decrypts (safeStorage throws).
    const settingsPath = join(userDataDir, 'settings.json')
    type Stored = { label: string; encryptedApiKey?: string }
    const settings = JSON.parse(await readFile(settingsPath, 'utf8')) as { models: Stored[] }
    const remote = settings.models.find((stored) => stored.label === 'Remote')!
    expect(remote.encryptedApiKey).toMatch(/^safe:/)
    remote.encryptedApiKey = `safe:${Buffer.from('sealed by another keychain').toString('base64')}`
    await writeFile(settingsPath, JSON.stringify(settings))

    const shell = await started({ userDataDir })
    const status = (await shell.invoke((await shell.loadedWindow(MAIN)).id, 'app:get-status')) as AppStatus
    const notices = noticeWords(status.notices)
    expect(notices).toContain('The saved API key for Remote can no longer be read: enter it again in Settings.')
    expect(JSON.stringify(status.notices)).not.toMatch(/safeStorage|decrypt/)
    const view = (await shell.invoke((await shell.window(MAIN)).id, 'settings:get')) as PublicSettings
    expect(view.models.find((entry) => entry.label === 'Remote')).toMatchObject({ hasApiKey: false })
  })

  it('treats an empty ELECTRON_RENDERER_URL as unset and loads the built pages', async () => {
    const shell = await started({ env: { ELECTRON_RENDERER_URL: '' } })
    expect((await shell.loadedWindow(MAIN)).url).toBe('app://streamdesk/index.html')
  })

  it('shows the main window only once it is ready to show (no blank flash)', async () => {
    const shell = await started()
    const main = await shell.window(MAIN)
    const target = `BrowserWindow#${main.id}`
    await shell.waitForRecord((entry) => entry.target === target && entry.name === 'show' && entry.kind === 'event')
    const [readyToShow] = seqOf(shell, 'event', target, 'ready-to-show')
    const [firstShow] = seqOf(shell, 'call', target, 'show')
    expect(readyToShow).toBeDefined()
    expect(firstShow!.seq).toBeGreaterThan(readyToShow!.seq)
  })

  it('a second launch during start-up opens no window before the IPC handlers exist', async () => {
    const shell = await started({ eventsAfterReady: [{ event: 'second-instance', args: [['streamdesk'], '/', {}] }] })
    const [secondInstance] = seqOf(shell, 'event', 'app', 'second-instance')
    const handlers = seqOf(shell, 'call', 'ipcMain', 'handle')
    const windows = seqOf(shell, 'event', 'BrowserWindow', 'created')
    expect(secondInstance!.seq).toBeLessThan(handlers[0]!.seq)
    expect(windows[0]!.seq).toBeGreaterThan(handlers.at(-1)!.seq)
    // One main window, shown, and its page's first call is answered.
    const main = await shell.loadedWindow(MAIN)
    await expect(shell.invoke(main.id, 'app:get-status')).resolves.toMatchObject({ version: '0.1.0' })
  })
})
