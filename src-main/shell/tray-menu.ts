import type { MenuItemConstructorOptions } from 'electron'
import type { ConnectionState } from '../shared/ipc-contract'

export interface TrayActions {
  quickAsk(): void
  openMain(): void
  quit(): void
}

const STATUS_WORDS: Record<ConnectionState['status'], string> = {
  starting: 'starting',
  connecting: 'connecting…',
  connected: 'connected',
  reconnecting: 'reconnecting…',
  offline: 'offline',
  failed: 'not connected',
}

/** The tray menu for the current connection (a pure template, so it is tested without Electron). */
export function trayMenuTemplate(
  connection: ConnectionState,
  shortcut: string,
  actions: TrayActions,
): MenuItemConstructorOptions[] {
  const mode = connection.mode === 'cloud' ? 'Cloud mode' : 'Local mode'
  return [
    { label: 'Quick ask', accelerator: shortcut, registerAccelerator: false, click: actions.quickAsk },
    { label: 'Open StreamDesk', click: actions.openMain },
    { type: 'separator' },
    { label: `${mode}: ${STATUS_WORDS[connection.status]}`, enabled: false },
    ...(connection.detail && connection.status !== 'connected'
      ? [{ label: connection.detail.slice(0, 80), enabled: false }]
      : []),
    { type: 'separator' },
    { label: 'Quit StreamDesk', role: 'quit' as const, click: actions.quit },
  ]
}

/** The tray's tooltip, e.g. "StreamDesk — Local mode, connected". */
export function trayTooltip(connection: ConnectionState): string {
  return `StreamDesk — ${connection.mode === 'cloud' ? 'Cloud' : 'Local'} mode, ${STATUS_WORDS[connection.status]}`
}
