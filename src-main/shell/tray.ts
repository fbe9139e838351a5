import { Menu, Tray, nativeImage } from 'electron'
import type { ConnectionState } from '../shared/ipc-contract'
import type { UiLanguage } from '../shared/ui-language'
import { resourcePath } from './resources-path'
import { trayMenuTemplate, trayTooltip, type TrayActions } from './tray-menu'

/** The tray icon (a template image on macOS, so it follows the menu bar's light or dark look) and its menu. */
export class AppTray {
  private readonly tray: Tray

  constructor(private readonly actions: TrayActions) {
    const image =
      process.platform === 'darwin'
        ? nativeImage.createFromPath(resourcePath('trayTemplate.png'))
        : nativeImage.createFromPath(resourcePath('tray.png'))
    if (process.platform === 'darwin') image.setTemplateImage(true)
    this.tray = new Tray(image)
    // On Windows and Linux a click on the icon means "open"; the menu is on the right click.
    this.tray.on('click', () => actions.openMain())
  }

  update(connection: ConnectionState, shortcut: string, language: UiLanguage): void {
    this.tray.setToolTip(trayTooltip(connection, language))
    this.tray.setContextMenu(Menu.buildFromTemplate(trayMenuTemplate(connection, shortcut, this.actions, language)))
  }

  destroy(): void {
    this.tray.destroy()
  }
}
