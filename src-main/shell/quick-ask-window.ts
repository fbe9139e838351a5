import { BrowserWindow, screen } from 'electron'
import { secureWebPreferences } from './secure-web-preferences'
import type { AppOrigin } from './app-origin'
import type { IpcBridge } from './ipc-bridge'
import { Recreatable } from './recreatable'
import { quickAskBounds } from './window-geometry'
import type { WindowRoles } from './window-roles'

/**
 * The small always-on-top quick-ask window: created hidden at start (so it opens at once), shown near the cursor's
 * screen by the global shortcut or the tray, hidden again by Esc, by the shortcut, or when it loses focus. If the
 * OS destroys it (Alt+F4 on Windows), the next shortcut or tray click makes a new one.
 */
export class QuickAskWindow {
  private readonly window: Recreatable<BrowserWindow>

  constructor(
    private readonly origin: AppOrigin,
    private readonly preloadPath: string,
    private readonly ipc: Pick<IpcBridge, 'sendTo'>,
    private readonly roles: WindowRoles,
  ) {
    this.window = new Recreatable(() => this.create())
    this.window.get()
  }

  toggle(): void {
    if (this.window.existing()?.isVisible()) this.hide()
    else this.show()
  }

  show(): void {
    const window = this.window.get()
    const cursorScreen = screen.getDisplayNearestPoint(screen.getCursorScreenPoint())
    window.setBounds(quickAskBounds(cursorScreen.workArea))
    window.show()
    window.focus()
    this.ipc.sendTo(window.webContents, 'quick-ask:shown', undefined)
  }

  hide(): void {
    this.window.existing()?.hide()
  }

  destroy(): void {
    this.window.existing()?.destroy()
  }

  private create(): BrowserWindow {
    const window = new BrowserWindow({
      ...quickAskBounds(screen.getPrimaryDisplay().workArea),
      show: false,
      frame: false,
      resizable: false,
      movable: true,
      alwaysOnTop: true,
      skipTaskbar: true,
      fullscreenable: false,
      minimizable: false,
      maximizable: false,
      title: 'StreamDesk quick ask',
      webPreferences: secureWebPreferences(this.preloadPath, {
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        disableBlinkFeatures: 'Auxclick',
      }),
    })
    // Its IPC is quick ask's few channels (core/ipc/window-channels.ts), whatever page it shows.
    this.roles.assign(window.webContents, 'quick-ask')
    window.setAlwaysOnTop(true, 'floating')
    window.on('blur', () => {
      if (!window.isDestroyed()) window.hide()
    })
    void window.loadURL(this.origin.quickAskUrl)
    return window
  }
}
