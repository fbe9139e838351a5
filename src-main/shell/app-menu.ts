/**
 * The application menu, ours instead of Electron's default (whose View menu offers Reload and Toggle Developer
 * Tools to every user). macOS: the app menu (About, Settings…, Services, Hide, Quit), Edit with the standard roles
 * (without them Cmd+C and Cmd+V do nothing in the pages), and Window. Windows and Linux: no menu bar at all in a
 * packaged build (copy and paste work without one). Reload and the developer tools only in development.
 * A pure template (no `electron` import), so its content is tested directly.
 */
import type { MenuItemConstructorOptions } from 'electron'
import type { UiLanguage } from '../shared/ui-language'

export interface AppMenuOptions {
  platform: NodeJS.Platform
  /** A packaged build: no Reload, no developer tools. */
  isPackaged: boolean
  language: UiLanguage
  openSettings(): void
}

const LABELS = {
  en: {
    about: 'About StreamDesk',
    settings: 'Settings…',
    services: 'Services',
    hide: 'Hide StreamDesk',
    hideOthers: 'Hide Others',
    unhide: 'Show All',
    quit: 'Quit StreamDesk',
    edit: 'Edit',
    undo: 'Undo',
    redo: 'Redo',
    cut: 'Cut',
    copy: 'Copy',
    paste: 'Paste',
    pasteAndMatchStyle: 'Paste and Match Style',
    delete: 'Delete',
    selectAll: 'Select All',
    window: 'Window',
    minimize: 'Minimize',
    zoom: 'Zoom',
    front: 'Bring All to Front',
    close: 'Close Window',
    development: 'Development',
    reload: 'Reload',
    forceReload: 'Force Reload',
    toggleDevTools: 'Toggle Developer Tools',
  },
  ja: {
    about: 'StreamDesk について',
    settings: '設定…',
    services: 'サービス',
    hide: 'StreamDesk を隠す',
    hideOthers: 'ほかを隠す',
    unhide: 'すべてを表示',
    quit: 'StreamDesk を終了',
    edit: '編集',
    undo: '取り消す',
    redo: 'やり直す',
    cut: 'カット',
    copy: 'コピー',
    paste: 'ペースト',
    pasteAndMatchStyle: 'ペーストしてスタイルを合わせる',
    delete: '削除',
    selectAll: 'すべてを選択',
    window: 'ウインドウ',
    minimize: 'しまう',
    zoom: '拡大/縮小',
    front: 'すべてを手前に移動',
    close: 'ウインドウを閉じる',
    development: '開発',
    reload: '再読み込み',
    forceReload: '強制再読み込み',
    toggleDevTools: '開発者ツールを表示/非表示',
  },
} as const satisfies Record<UiLanguage, Record<string, string>>

const SEPARATOR: MenuItemConstructorOptions = { type: 'separator' }

/** The menu's template, or null for no menu bar at all. */
export function appMenuTemplate(options: AppMenuOptions): MenuItemConstructorOptions[] | null {
  const text = LABELS[options.language]
  const development: MenuItemConstructorOptions[] = options.isPackaged
    ? []
    : [
        {
          label: text.development,
          submenu: [
            { role: 'reload', label: text.reload },
            { role: 'forceReload', label: text.forceReload },
            { role: 'toggleDevTools', label: text.toggleDevTools },
          ],
        },
      ]
  if (options.platform !== 'darwin') return development.length > 0 ? development : null

  return [
    {
      label: 'StreamDesk',
      submenu: [
        { role: 'about', label: text.about },
        SEPARATOR,
        { label: text.settings, accelerator: 'Command+,', click: () => options.openSettings() },
        SEPARATOR,
        { role: 'services', label: text.services },
        SEPARATOR,
        { role: 'hide', label: text.hide },
        { role: 'hideOthers', label: text.hideOthers },
        { role: 'unhide', label: text.unhide },
        SEPARATOR,
        { role: 'quit', label: text.quit },
      ],
    },
    {
      label: text.edit,
      submenu: [
        { role: 'undo', label: text.undo },
        { role: 'redo', label: text.redo },
        SEPARATOR,
        { role: 'cut', label: text.cut },
        { role: 'copy', label: text.copy },
        { role: 'paste', label: text.paste },
        { role: 'pasteAndMatchStyle', label: text.pasteAndMatchStyle },
        { role: 'delete', label: text.delete },
        { role: 'selectAll', label: text.selectAll },
      ],
    },
    ...development,
    {
      label: text.window,
      role: 'windowMenu',
      submenu: [
        { role: 'minimize', label: text.minimize },
        { role: 'zoom', label: text.zoom },
        SEPARATOR,
        { role: 'front', label: text.front },
        SEPARATOR,
        { role: 'close', label: text.close },
      ],
    },
  ]
}
