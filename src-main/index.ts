/**
 * The Electron main entry: a thin shell. It starts the core (which knows nothing of Electron), applies the
 * security rules, bridges IPC, opens the main and quick-ask windows, the tray and the global shortcut, and stops
 * the core's MQTT client, broker and history on quit.
 */
import { join } from 'node:path'
import { app, clipboard, dialog, Menu, shell as desktop, type BrowserWindow } from 'electron'
import { startAppCore, type AppCore } from './core/app-core'
import { errorMessage } from './lib/error-message'
import { resolveLanguage, type LanguagePreference, type UiLanguage } from './shared/ui-language'
import { appMenuTemplate } from './shell/app-menu'
import { applySecurityRules } from './shell/apply-security'
import { appOrigin, devServerUrl } from './shell/app-origin'
import { stopWithin, STOP_TIMEOUT_MS } from './shell/bounded-stop'
import { registerAppScheme, serveAppScheme } from './shell/app-protocol'
import { APP_BASE_URL } from './shell/app-scheme'
import { mainWindowCloseAction } from './shell/close-policy'
import { bridgeIpc, type IpcBridge } from './shell/ipc-bridge'
import { createMainWindow, showWindow } from './shell/main-window'
import { pickModelFile } from './shell/model-file-dialog'
import { chooseExportPath } from './shell/export-file-dialog'
import { QuickAskShortcut } from './shell/quick-ask-shortcut'
import { QuickAskWindow } from './shell/quick-ask-window'
import { Recreatable } from './shell/recreatable'
import { safeStorageCodec } from './shell/safe-storage-codec'
import { setSettingsAside, startFailureChoice, startFailureDialog } from './shell/start-failure'
import { AppTray } from './shell/tray'
import { confirmClipboardPrefill } from './shell/clipboard-consent'
import { WindowRoles } from './shell/window-roles'
import { UserFacingError } from './core/user-facing-error'
import { userMessage } from './shared/user-message'

// The built pages load from app://streamdesk/, served from this folder only (never file://).
const rendererDir = join(import.meta.dirname, '../renderer')
const origin = appOrigin(
  devServerUrl(app.isPackaged, process.env['ELECTRON_RENDERER_URL']) ?? new URL('index.html', APP_BASE_URL).href,
)
const preloadPath = join(import.meta.dirname, '../preload/index.cjs')
const roles = new WindowRoles()

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  registerAppScheme()
  let core: AppCore | undefined
  let ipc: IpcBridge | undefined
  let quickAsk: QuickAskWindow | undefined
  let tray: AppTray | undefined
  const shortcut = new QuickAskShortcut(() => quickAsk?.toggle())
  let quitting = false

  const closeAction = () =>
    mainWindowCloseAction({
      platform: process.platform,
      closeToTray: core?.settings.preferences.closeToTray ?? false,
      quitting,
    })
  const mainWindow = new Recreatable<BrowserWindow>(() =>
    createMainWindow({ origin, preloadPath, roles, closeAction, quit: () => app.quit() }),
  )
  // A window made now shows itself on ready-to-show (createMainWindow): showing it at once would flash a blank page.
  const openMain = () => {
    const existing = mainWindow.existing()
    if (!existing) return mainWindow.get()
    showWindow(existing)
    return existing
  }

  // Our own menu, in the pages' language (rebuilt when it changes): never Electron's default with Reload and DevTools.
  let menuLanguage: UiLanguage | undefined
  const setAppMenu = (preference: LanguagePreference) => {
    const language = resolveLanguage(preference, app.getPreferredSystemLanguages())
    if (language === menuLanguage) return
    menuLanguage = language
    const template = appMenuTemplate({
      platform: process.platform,
      isPackaged: app.isPackaged,
      language,
      openSettings: () => ipc?.sendTo(openMain().webContents, 'app:open-settings', undefined),
    })
    Menu.setApplicationMenu(template && Menu.buildFromTemplate(template))
  }

  // Until start-up has bridged IPC no window may exist (its page's first call would find no handler); start-up
  // opens the main window itself, so a second launch meanwhile has nothing left to do.
  app.on('second-instance', () => {
    if (ipc) openMain()
  })

  const start = async () => {
    serveAppScheme(rendererDir)
    applySecurityRules(origin)
    core = await startAppCore({
      userDataDir: app.getPath('userData'),
      appVersion: app.getVersion(),
      secrets: safeStorageCodec(),
      llamaCppWorkerPath: join(import.meta.dirname, 'llama-cpp-worker.js'),
      shell: {
        openInMain: (conversationId) => {
          quickAsk?.hide()
          // Held until the page listens: the main window may have just been created, or be reloading.
          ipc?.sendTo(openMain().webContents, 'app:open-conversation', conversationId)
        },
        hideQuickAsk: () => quickAsk?.hide(),
        readClipboardText: () => clipboard.readText(),
        confirmClipboardPrefill: () => confirmClipboardPrefill(mainWindow.existing(), menuLanguage ?? 'en'),
        pickModelFile: () => pickModelFile(mainWindow.existing(), menuLanguage ?? 'en'),
        chooseExportPath: (fileName) => chooseExportPath(mainWindow.existing(), fileName, menuLanguage ?? 'en'),
        registerQuickAskShortcut: (accelerator) => {
          const refused = shortcut.apply(accelerator)
          if (refused) throw new UserFacingError(refused, userMessage('shortcut:refused', { accelerator }))
        },
      },
    })
    setAppMenu(core.settings.preferences.language)
    // Before any window, so the bridge tracks each from its creation.
    ipc = bridgeIpc(core, origin, roles)
    openMain()
    quickAsk = new QuickAskWindow(origin, preloadPath, ipc, roles)
    const appCore = core
    // The saved shortcut may be refused now (another app took it since): the notice waits for a page to show it.
    const accelerator = appCore.settings.preferences.quickAskShortcut
    const refused = shortcut.apply(accelerator)
    if (refused) {
      appCore.diagnostics.error(refused)
      appCore.notify({ level: 'error', message: userMessage('shortcut:refused', { accelerator }) })
    }
    tray = new AppTray({ quickAsk: () => quickAsk?.show(), openMain, quit: () => app.quit() })
    const refreshTray = () =>
      tray?.update(appCore.status().connection, shortcut.accelerator ?? '', menuLanguage ?? 'en')
    refreshTray()
    appCore.events.on('connection:changed', refreshTray)
    appCore.events.on('settings:changed', (settings) => {
      setAppMenu(settings.preferences.language)
      refreshTray()
    })
    app.on('activate', () => openMain())
  }

  /** Stops the core, but not for ever: what does not stop within the time is logged, and the app goes anyway. */
  const stopCore = async (stopping: AppCore) => {
    const result = await stopWithin(() => stopping.stop(menuLanguage))
    const problem =
      result.outcome === 'timed-out'
        ? `the core (broker, MQTT clients, history) did not stop within ${STOP_TIMEOUT_MS / 1000} s: exiting anyway`
        : result.outcome === 'failed'
          ? `stopping the core failed: ${errorMessage(result.error)}`
          : undefined
    if (problem) {
      console.error(`StreamDesk: ${problem}`)
      stopping.diagnostics.error(problem)
    }
    // What the history could not save (a full disk): the core words it; the user reads it before the app goes.
    const unsaved = result.outcome === 'stopped' ? result.value : undefined
    if (unsaved) dialog.showMessageBoxSync({ type: 'warning', title: 'StreamDesk', message: unsaved, buttons: ['OK'] })
  }

  // A failed start says why in a native dialog (no page may be able to), offers a way out, and ends the process,
  // releasing the single-instance lock, instead of staying alive with no window, no tray and no message.
  const failedToStart = async (error: unknown) => {
    console.error('StreamDesk could not start:', error)
    shortcut.dispose()
    tray?.destroy()
    const started = core
    core = undefined
    if (started) await stopCore(started)
    const userDataDir = app.getPath('userData')
    // The menu's language when the settings were read, else the OS's.
    const language = menuLanguage ?? resolveLanguage('system', app.getPreferredSystemLanguages())
    const choice = startFailureChoice(dialog.showMessageBoxSync(startFailureDialog(error, userDataDir, language)))
    try {
      if (choice === 'open-data-folder') await desktop.openPath(userDataDir)
      if (choice === 'reset-settings' && (await setSettingsAside(userDataDir))) app.relaunch()
    } catch (problem) {
      console.error('StreamDesk:', problem)
    }
    app.exit(1)
  }

  app
    .whenReady()
    .then(start)
    .catch(failedToStart)
    .catch(() => app.exit(1))

  // Closing the main window decides (close-policy.ts); this only fires if the OS also destroyed quick ask. With
  // the tray, closing every window does not end the app; Quit in the tray (or Cmd+Q) does.
  app.on('window-all-closed', () => {
    if (closeAction() === 'close-and-quit') app.quit()
  })

  app.on('before-quit', () => {
    quitting = true
  })

  // Disconnect the MQTT client, close the broker and the history before the process exits.
  app.on('will-quit', (event) => {
    shortcut.dispose()
    if (!core) return
    const stopping = core
    core = undefined
    event.preventDefault()
    tray?.destroy()
    quickAsk?.destroy()
    void stopCore(stopping).finally(() => app.quit())
  })
}
