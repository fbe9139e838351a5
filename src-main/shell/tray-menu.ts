import type { MenuItemConstructorOptions } from 'electron'
import type { ConnectionState } from '../shared/ipc-contract'
import type { UiLanguage } from '../shared/ui-language'

export interface TrayActions {
  quickAsk(): void
  openMain(): void
  quit(): void
}

/** The tray's words in the UI's language (the app menu's). */
const WORDS = {
  en: {
    quickAsk: 'Quick ask',
    open: 'Open StreamDesk',
    quit: 'Quit StreamDesk',
    mode: { local: 'Local mode', cloud: 'Cloud mode' },
    status: {
      starting: 'starting',
      connecting: 'connecting…',
      connected: 'connected',
      reconnecting: 'reconnecting…',
      offline: 'offline',
      failed: 'not connected',
    },
    tooltip: (mode: string, status: string) => `StreamDesk — ${mode}, ${status}`,
  },
  ja: {
    quickAsk: 'クイック質問',
    open: 'StreamDesk を開く',
    quit: 'StreamDesk を終了',
    mode: { local: 'ローカルモード', cloud: 'クラウドモード' },
    status: {
      starting: '起動中',
      connecting: '接続中…',
      connected: '接続済み',
      reconnecting: '再接続中…',
      offline: 'オフライン',
      failed: '未接続',
    },
    tooltip: (mode: string, status: string) => `StreamDesk — ${mode}、${status}`,
  },
} satisfies Record<UiLanguage, { status: Record<ConnectionState['status'], string> } & Record<string, unknown>>

/** The tray menu for the current connection (a pure template, so it is tested without Electron). */
export function trayMenuTemplate(
  connection: ConnectionState,
  shortcut: string,
  actions: TrayActions,
  language: UiLanguage = 'en',
): MenuItemConstructorOptions[] {
  const words = WORDS[language]
  return [
    { label: words.quickAsk, accelerator: shortcut, registerAccelerator: false, click: actions.quickAsk },
    { label: words.open, click: actions.openMain },
    { type: 'separator' },
    { label: `${words.mode[connection.mode]}: ${words.status[connection.status]}`, enabled: false },
    ...(connection.detail && connection.status !== 'connected'
      ? [{ label: connection.detail.slice(0, 80), enabled: false }]
      : []),
    { type: 'separator' },
    { label: words.quit, role: 'quit' as const, click: actions.quit },
  ]
}

/** The tray's tooltip, e.g. "StreamDesk — Local mode, connected". */
export function trayTooltip(connection: ConnectionState, language: UiLanguage = 'en'): string {
  const words = WORDS[language]
  return words.tooltip(words.mode[connection.mode], words.status[connection.status])
}
