import { BrowserWindow, screen } from 'electron'
import { secureWebPreferences } from './secure-web-preferences'
import type { AppOrigin } from './app-origin'
import type { IpcBridge } from './ipc-bridge'
import { quickAskBounds } from './window-geometry'

/**
 * The small always-on-top quick-ask window: created hidden once, shown near the cursor's screen by the global
 * shortcut or the tray, hidden again by Esc, by the shortcut, or when it loses focus.
 */
export class QuickAskWindow {
  private readonly window: BrowserWindow

  constructor(
    origin: AppOrigin,
    preloadPath: string,
    private readonly ipc: Pick<IpcBridge, 'sendTo'>,
  ) {
    this.window = new BrowserWindow({
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
      webPreferences: secureWebPreferences(preloadPath),
    })
    this.window.setAlwaysOnTop(true, 'floating')
    this.window.on('blur', () => this.hide())
    void this.window.loadURL(origin.quickAskUrl)
  }

  toggle(): void {
    if (this.window.isVisible()) this.hide()
    else this.show()
  }

  show(): void {
    const cursorScreen = screen.getDisplayNearestPoint(screen.getCursorScreenPoint())
    this.window.setBounds(quickAskBounds(cursorScreen.workArea))
    this.window.show()
    this.window.focus()
    this.ipc.sendTo(this.window.webContents, 'quick-ask:shown', undefined)
  }

  hide(): void {
    if (!this.window.isDestroyed()) this.window.hide()
  }

  destroy(): void {
    if (!this.window.isDestroyed()) this.window.destroy()
  }
}
