/**
 * The child process of the shell tests (`node --import tsx run-main.ts <main entry>`, started by shell-process.ts):
 * maps the bare `electron` specifier to the stand-in, imports the built main entry, emits `ready`, and then does
 * what the test asks over Node IPC, streaming every recorded call back. Exits as the app does (app.quit / app.exit),
 * after telling the test what was still keeping Node's event loop alive (`process.getActiveResourcesInfo()`).
 */
import { register } from 'node:module'
import { pathToFileURL } from 'node:url'
import type { StandInConfig } from './electron'

const standInUrl = new URL('./electron.ts', import.meta.url).href
register('./resolve-electron.mjs', import.meta.url, { data: { url: standInUrl } })
// The same URL the hook gives `electron`, so the main entry and this file share one instance.
const { control } = (await import(standInUrl)) as typeof import('./electron')

export type ShellCommand =
  | { op: 'emit-app'; event: string; args?: unknown[] }
  | { op: 'quit' }
  | { op: 'windows' }
  | { op: 'window'; id: number; action: 'close' | 'destroy' | 'blur' }
  | { op: 'invoke'; id: number; channel: string; args?: unknown[]; frame?: { url: string; origin: string } | null }
  | { op: 'send'; id: number; channel: string; args?: unknown[] }
  | { op: 'navigate'; id: number; url: string }
  | { op: 'open-window'; id: number; url: string }
  | { op: 'handled-channels' }
  | { op: 'press-shortcut'; accelerator: string }
  | { op: 'shortcuts' }
  | { op: 'trays' }
  | { op: 'click-tray' }
  | { op: 'click-tray-menu'; label: string }
  | { op: 'application-menu' }
  | { op: 'permission'; id: number; permission: string; origin?: string }
  | { op: 'lock-held' }
  | { op: 'hang-server-close' }

export type ChildMessage =
  | { type: 'record'; entry: ReturnType<typeof control.record>[number] }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: string }
  | { type: 'exit'; code: number; resources: string[] }
  | { type: 'started' }
  | { type: 'load-error' }

const send = (message: ChildMessage, then?: () => void) => process.send?.(message, undefined, {}, () => then?.())

async function perform(command: ShellCommand): Promise<unknown> {
  switch (command.op) {
    case 'emit-app':
      return control.emitApp(command.event, command.args ?? [])
    case 'quit':
      return control.quit()
    case 'windows':
      return control.windows()
    case 'window':
      return control.windowAction(command.id, command.action)
    case 'invoke':
      return control.invoke(
        command.id,
        command.channel,
        command.args ?? [],
        command.frame && { ...command.frame, parent: null },
      )
    case 'send':
      return control.send(command.id, command.channel, command.args ?? [])
    case 'navigate':
      return control.navigate(command.id, command.url)
    case 'open-window':
      return control.openWindow(command.id, command.url)
    case 'handled-channels':
      return control.handledChannels()
    case 'press-shortcut':
      return control.pressShortcut(command.accelerator)
    case 'shortcuts':
      return control.shortcuts()
    case 'trays':
      return control.trays()
    case 'click-tray':
      return control.clickTray()
    case 'click-tray-menu':
      return control.clickTrayMenu(command.label)
    case 'application-menu':
      return control.applicationMenu()
    case 'permission':
      return control.permission(command.id, command.permission, command.origin)
    case 'lock-held':
      return control.lockHeld()
    case 'hang-server-close':
      return hangServerClose()
  }
}

/**
 * A fault of the world outside the app: the OS never finishes closing a listening socket, so the core's stop (the
 * embedded broker's server.close) never settles. For the bounded-shutdown test.
 */
async function hangServerClose(): Promise<void> {
  const { Server } = await import('node:net')
  Server.prototype.close = function (this: InstanceType<typeof Server>) {
    return this
  }
}

const config = JSON.parse(process.env['STAND_IN_CONFIG'] ?? '{}') as StandInConfig
control.configure(config)
// Electron sets it; a packaged build finds its unpacked resources under it (none here: the tray icon is empty).
if (config.isPackaged) Object.assign(process, { resourcesPath: config.userDataDir })
control.onRecord((entry) => send({ type: 'record', entry }))
control.onExit((code) => {
  // A turn later, handles whose close has completed have left the list.
  setTimeout(() => {
    const resources = process.getActiveResourcesInfo()
    send({ type: 'exit', code, resources }, () => process.exit(code))
  }, 20)
})
process.on('message', (message: { id: number; command: ShellCommand }) => {
  Promise.resolve()
    .then(() => perform(message.command))
    .then(
      (value) => send({ type: 'reply', id: message.id, ok: true, value }),
      (error: unknown) => send({ type: 'reply', id: message.id, ok: false, error: String(error) }),
    )
})

// Electron's main process survives an unhandled rejection (a warning) and, after its error dialog, an uncaught
// exception: recorded here so a test sees them, and the process carries on as Electron's would.
process.on('unhandledRejection', (reason) => control.note('process', 'unhandled-rejection', [String(reason)]))
process.on('uncaughtException', (error) => control.note('process', 'uncaught-exception', [String(error)]))

const mainEntry = process.argv[2]
if (!mainEntry) throw new Error('usage: run-main.ts <main entry>')
try {
  await import(pathToFileURL(mainEntry).href)
} catch (error) {
  // Electron: "App threw an error during load", and no app.
  control.note('process', 'load-error', [String(error)])
  send({ type: 'load-error' }, () => process.exit(1))
  await new Promise(() => {})
}
control.start()
send({ type: 'started' })
