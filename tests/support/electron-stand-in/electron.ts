/**
 * A stand-in for the `electron` module, for running the built main entry (out/main/index.js) in plain Node: the
 * Electron binary is not installed here. It follows Electron 45's documented behaviour for what the shell uses
 * (app's ready / before-quit / will-quit / window-all-closed / second-instance, a window's close / closed /
 * ready-to-show, "Object has been destroyed" after destroy, ipcMain.handle's one handler per channel) and records
 * every call. Anything it does not stub throws "not stubbed in the stand-in electron: X", so a new API in the shell
 * fails loudly here instead of passing silently.
 *
 * It cannot render a page, run the preload, draw a native dialog or talk to the OS: pages "load" by asking the
 * registered app:// protocol handler for the URL (so a missing renderer file fails the load), and the test plays
 * the renderer's part (invoke, send) through `control` (run-main.ts connects it to the test over Node IPC).
 */
import { EventEmitter } from 'node:events'
import { existsSync } from 'node:fs'
import type * as Electron from 'electron'

export interface StandInConfig {
  userDataDir: string
  isPackaged?: boolean
  /** Another instance holds the single-instance lock. */
  lockTaken?: boolean
  /** Accelerators the OS refuses (globalShortcut.register returns false). */
  refusedShortcuts?: string[]
  /** Answers of showMessageBox(Sync), in order; when none is left the dialog is dismissed (cancelId, else 0). */
  dialogResponses?: number[]
  /** safeStorage.isEncryptionAvailable(). */
  encryptionAvailable?: boolean
  locale?: string
  /** App events emitted on the turn after `ready`, while the ready handler is still starting (a second launch). */
  eventsAfterReady?: Array<{ event: string; args: unknown[] }>
}

export interface RecordEntry {
  seq: number
  kind: 'call' | 'event'
  target: string
  name: string
  args: unknown[]
}

const NOT_RECORDED = new Set<string | symbol>(['emit', 'listenerCount', 'listeners', 'rawListeners', 'eventNames'])
/** What a destroyed window, web contents or tray still answers (as in Electron: its JS event emitter and id). */
const ALIVE_AFTER_DESTROY = new Set<string | symbol>([
  'standInName',
  'isDestroyed',
  'id',
  'on',
  'once',
  'off',
  'addListener',
  'removeListener',
  'removeAllListeners',
  'prependListener',
  'emit',
  'listenerCount',
  'listeners',
])

let config: StandInConfig = { userDataDir: '' }
let seq = 0
const record: RecordEntry[] = []
let onRecord: (entry: RecordEntry) => void = () => {}
let onExit: (code: number) => void = (code) => process.exit(code)

function note(kind: RecordEntry['kind'], target: string, name: string, args: unknown[]): void {
  const entry = { seq: ++seq, kind, target, name, args: args.map((arg) => plain(arg, 0)) }
  record.push(entry)
  onRecord(entry)
}

/** A JSON-safe copy for the record: functions and Electron objects become their names. */
function plain(value: unknown, depth: number): unknown {
  if (value === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof value)) return value
  if (typeof value === 'function') return '[function]'
  if (typeof value !== 'object' || depth > 6) return `[${typeof value}]`
  const named = (value as { standInName?: unknown }).standInName
  if (value instanceof StandInMenu) return { menu: value.items.map((item) => plain(item, depth + 1)) }
  if (typeof named === 'string') return `[${named}]`
  if (Buffer.isBuffer(value)) return '[Buffer]'
  if (Array.isArray(value)) return value.map((item) => plain(item, depth + 1))
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plain(item, depth + 1)]))
}

/**
 * Wraps a stand-in object: records each method call, throws for anything not stubbed, and (once `isDestroyed()`)
 * throws Electron's "Object has been destroyed" for everything but the event emitter.
 */
function stubbed<T extends object>(name: string, target: T): T {
  return new Proxy(target, {
    get(obj, prop) {
      const destroyed = 'destroyed' in obj && obj.destroyed === true
      if (destroyed && !ALIVE_AFTER_DESTROY.has(prop)) throw new TypeError('Object has been destroyed')
      if (typeof prop === 'symbol') return Reflect.get(obj, prop)
      if (!(prop in obj)) {
        // Awaiting or serialising an object probes these; Electron's objects have none either.
        if (prop === 'then' || prop === 'toJSON' || prop === 'standInName') return undefined
        throw new Error(`not stubbed in the stand-in electron: ${name}.${prop}`)
      }
      const value = Reflect.get(obj, prop)
      if (typeof value !== 'function') return value
      if (NOT_RECORDED.has(prop)) return value.bind(obj)
      return (...args: unknown[]) => {
        note('call', name, prop, args)
        return value.apply(obj, args)
      }
    },
    set(obj, prop, value) {
      if (typeof prop === 'string') note('call', name, `set ${prop}`, [value])
      return Reflect.set(obj, prop, value)
    },
  })
}

/** An emitter whose emitted events go into the record. */
class RecordedEmitter extends EventEmitter {
  constructor(readonly standInName: string) {
    super()
  }

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (typeof event === 'string') note('event', this.standInName, event, args)
    return super.emit(event, ...args)
  }
}

/** The event object Electron passes first to app and window listeners. */
export function electronEvent(extra: object = {}): Electron.Event & { defaultPrevented: boolean } {
  const event = {
    defaultPrevented: false,
    preventDefault() {
      event.defaultPrevented = true
    },
    ...extra,
  }
  return event
}

function requireReady(what: string): void {
  if (!appImpl.ready) throw new Error(`${what} cannot be used before the app is ready (stand-in electron)`)
}

// ---- app ----------------------------------------------------------------------------------------------------------

type AppMethods =
  | 'isPackaged'
  | 'getPath'
  | 'getVersion'
  | 'getName'
  | 'getLocale'
  | 'getPreferredSystemLanguages'
  | 'isReady'
  | 'whenReady'
  | 'requestSingleInstanceLock'
  | 'hasSingleInstanceLock'
  | 'releaseSingleInstanceLock'
  | 'focus'
  | 'relaunch'
  | 'quit'
  | 'exit'

class StandInApp extends RecordedEmitter implements Pick<Electron.App, AppMethods> {
  ready = false
  /** Electron's Browser::is_quitting_: set by a quit that before-quit did not cancel, reset by a cancel. */
  quitting = false
  lockHeld = false
  exited = false
  private readyPromise: Promise<void>
  private resolveReady!: () => void

  constructor() {
    super('app')
    this.readyPromise = new Promise((resolve) => (this.resolveReady = resolve))
  }

  get isPackaged(): boolean {
    return config.isPackaged ?? false
  }

  getPath(name: string): string {
    if (name === 'userData') return config.userDataDir
    throw new Error(`not stubbed in the stand-in electron: app.getPath('${name}')`)
  }

  getVersion(): string {
    return '0.1.0'
  }

  getName(): string {
    return 'StreamDesk'
  }

  getLocale(): string {
    return config.locale ?? 'en-US'
  }

  getPreferredSystemLanguages(): string[] {
    return [config.locale ?? 'en-US']
  }

  isReady(): boolean {
    return this.ready
  }

  whenReady(): Promise<void> {
    return this.readyPromise
  }

  requestSingleInstanceLock(): boolean {
    this.lockHeld = !config.lockTaken
    return this.lockHeld
  }

  hasSingleInstanceLock(): boolean {
    return this.lockHeld
  }

  releaseSingleInstanceLock(): void {
    this.lockHeld = false
  }

  focus(): void {}

  relaunch(): void {}

  /** Electron's Browser::Quit: before-quit, then close every window (any may cancel), then will-quit, then exit. */
  quit(): void {
    if (this.exited) return
    if (!this.quitting) {
      const event = electronEvent()
      this.emit('before-quit', event)
      this.quitting = !event.defaultPrevented
    }
    if (!this.quitting) return
    const open = windows.filter((window) => !window.destroyed)
    if (open.length === 0) return this.notifyAndShutdown()
    for (const window of open) window.proxy.close()
  }

  /** Exits at once: no before-quit, no will-quit, windows destroyed without their close event. */
  exit(code = 0): void {
    this.shutdown(code)
  }

  start(): void {
    // Quit during the main script (a second instance): Electron never becomes ready.
    if (this.exited) return
    this.emit('will-finish-launching')
    this.ready = true
    this.resolveReady()
    this.emit('ready', electronEvent(), {})
  }

  /** The last window went away (Electron's Browser::OnWindowAllClosed). */
  allWindowsClosed(): void {
    if (this.quitting) return this.notifyAndShutdown()
    if (this.listenerCount('window-all-closed') > 0) this.emit('window-all-closed')
    else this.quit()
  }

  windowCloseCancelled(): void {
    this.quitting = false
  }

  private notifyAndShutdown(): void {
    const event = electronEvent()
    this.emit('will-quit', event)
    if (event.defaultPrevented) {
      this.quitting = false
      return
    }
    this.emit('quit', electronEvent(), 0)
    this.shutdown(0)
  }

  private shutdown(code: number): void {
    if (this.exited) return
    this.exited = true
    for (const window of windows) if (!window.destroyed) window.destroy()
    this.lockHeld = false
    onExit(code)
  }
}

const appImpl = new StandInApp()
export const app = stubbed('app', appImpl) as unknown as Electron.App

// ---- windows and their web contents -------------------------------------------------------------------------------

let nextId = 1
const windows: StandInBrowserWindow[] = []
type ProtocolHandler = (request: Request) => Response | Promise<Response>
const protocolHandlers = new Map<string, ProtocolHandler>()

/** What a frame looks like to an IPC handler (`event.senderFrame`). */
export interface StandInFrame {
  url: string
  origin: string
  parent: null
}

class StandInWebContents
  extends RecordedEmitter
  implements Pick<Electron.WebContents, 'id' | 'isDestroyed' | 'getType' | 'getURL' | 'send' | 'loadURL'>
{
  readonly id: number
  destroyed = false
  url = ''
  readonly proxy: StandInWebContents
  windowOpenHandler: unknown

  constructor(readonly window: StandInBrowserWindow) {
    const id = nextId++
    super(`webContents#${id}`)
    this.id = id
    this.proxy = stubbed(this.standInName, this)
  }

  isDestroyed(): boolean {
    return this.destroyed
  }

  getType(): 'window' {
    return 'window'
  }

  getURL(): string {
    return this.url
  }

  send(_channel: string, ..._args: unknown[]): void {}

  setWindowOpenHandler(handler: unknown): void {
    this.windowOpenHandler = handler
  }

  /**
   * "Loads" the page: asks the app:// handler (the shell registered it) for the URL; an http URL (the dev server)
   * counts as loaded. Then did-navigate, dom-ready, did-finish-load, and the window's ready-to-show if it was not
   * shown meanwhile, each on a later turn as in Electron.
   */
  async loadURL(url: string): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve))
    if (this.destroyed) return
    let status = 200
    const scheme = new URL(url).protocol.slice(0, -1)
    const handler = protocolHandlers.get(scheme)
    if (handler) status = (await handler(new Request(url))).status
    else if (scheme !== 'http' && scheme !== 'https') status = 404
    if (this.destroyed) return
    if (status !== 200) {
      this.emit('did-fail-load', electronEvent(), -6, `status ${status}`, url, true)
      throw new Error(`ERR_FILE_NOT_FOUND (-6) loading '${url}'`)
    }
    this.url = url
    this.emit('did-navigate', electronEvent(), url, 200, 'OK')
    this.emit('dom-ready', electronEvent())
    this.emit('did-finish-load', electronEvent())
    setImmediate(() => {
      if (!this.window.destroyed && !this.window.visible) this.window.emit('ready-to-show', electronEvent())
    })
  }

  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    this.emit('destroyed', electronEvent())
  }
}

type WindowMethods =
  | 'show'
  | 'hide'
  | 'focus'
  | 'isVisible'
  | 'isFocused'
  | 'isMinimized'
  | 'isMaximized'
  | 'restore'
  | 'maximize'
  | 'close'
  | 'destroy'
  | 'isDestroyed'
  | 'setBounds'
  | 'getBounds'
  | 'getNormalBounds'
  | 'setAlwaysOnTop'
  | 'loadURL'
  | 'removeMenu'
  | 'setMenuBarVisibility'

class StandInBrowserWindow extends RecordedEmitter implements Pick<Electron.BrowserWindow, WindowMethods> {
  readonly id: number
  destroyed = false
  visible: boolean
  focused = false
  minimized = false
  maximized = false
  bounds: Electron.Rectangle
  readonly proxy: StandInBrowserWindow
  private readonly contents: StandInWebContents

  constructor(readonly options: Electron.BrowserWindowConstructorOptions = {}) {
    requireReady('BrowserWindow')
    const id = nextId++
    super(`BrowserWindow#${id}`)
    this.id = id
    this.visible = options.show !== false
    this.bounds = { x: options.x ?? 0, y: options.y ?? 0, width: options.width ?? 800, height: options.height ?? 600 }
    this.proxy = stubbed(this.standInName, this)
    this.contents = new StandInWebContents(this)
    note('event', 'BrowserWindow', 'created', [{ id, webContents: this.contents.id, options }])
    windows.push(this)
    appImpl.emit('browser-window-created', electronEvent(), this.proxy)
    appImpl.emit('web-contents-created', electronEvent(), this.contents.proxy)
    // The constructor's result is the recording proxy, so the shell only ever holds that.
    return this.proxy
  }

  static getAllWindows(): Electron.BrowserWindow[] {
    return windows
      .filter((window) => !window.destroyed)
      .map((window) => window.proxy as unknown as Electron.BrowserWindow)
  }

  get webContents(): StandInWebContents {
    return this.contents.proxy
  }

  isDestroyed(): boolean {
    return this.destroyed
  }

  show(): void {
    this.visible = true
    this.minimized = false
    this.emit('show')
  }

  hide(): void {
    if (!this.visible) return
    this.visible = false
    this.emit('hide')
  }

  focus(): void {
    this.focused = true
    this.emit('focus')
  }

  blur(): void {
    this.focused = false
    this.emit('blur')
  }

  isVisible(): boolean {
    return this.visible
  }

  isFocused(): boolean {
    return this.focused
  }

  isMinimized(): boolean {
    return this.minimized
  }

  isMaximized(): boolean {
    return this.maximized
  }

  restore(): void {
    this.minimized = false
  }

  maximize(): void {
    this.maximized = true
  }

  setBounds(bounds: Partial<Electron.Rectangle>): void {
    this.bounds = { ...this.bounds, ...bounds }
  }

  getBounds(): Electron.Rectangle {
    return { ...this.bounds }
  }

  getNormalBounds(): Electron.Rectangle {
    return { ...this.bounds }
  }

  setAlwaysOnTop(): void {}

  removeMenu(): void {}

  setMenuBarVisibility(): void {}

  loadURL(url: string): Promise<void> {
    return this.contents.proxy.loadURL(url)
  }

  /** As the close button: 'close' (cancellable), then the window is destroyed on a later turn. */
  close(): void {
    const event = electronEvent()
    this.emit('close', event)
    if (event.defaultPrevented) {
      appImpl.windowCloseCancelled()
      return
    }
    setImmediate(() => this.destroy())
  }

  /** Force-closes: no 'close' event, but 'closed' is guaranteed. */
  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    this.visible = false
    this.contents.destroy()
    this.emit('closed')
    if (windows.every((window) => window.destroyed)) appImpl.allWindowsClosed()
  }
}

/** The class, behind a proxy too: a static method the stand-in lacks throws like any other. */
export const BrowserWindow = stubbed('BrowserWindow', StandInBrowserWindow) as unknown as typeof Electron.BrowserWindow

// ---- IPC ----------------------------------------------------------------------------------------------------------

type InvokeHandler = (event: Electron.IpcMainInvokeEvent, ...args: unknown[]) => unknown

class StandInIpcMain extends RecordedEmitter implements Pick<Electron.IpcMain, 'handle' | 'removeHandler'> {
  readonly handlers = new Map<string, InvokeHandler>()

  constructor() {
    super('ipcMain')
  }

  handle(channel: string, handler: InvokeHandler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`)
    this.handlers.set(channel, handler)
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel)
  }
}

const ipcMainImpl = new StandInIpcMain()
export const ipcMain = stubbed('ipcMain', ipcMainImpl) as unknown as Electron.IpcMain

function senderEvent(window: StandInBrowserWindow, frame: StandInFrame | null) {
  return electronEvent({
    sender: window.webContents,
    senderFrame: frame,
    frameId: 1,
    processId: window.webContents.id,
  }) as unknown as Electron.IpcMainInvokeEvent & Electron.IpcMainEvent
}

// ---- tray, menus, shortcuts ---------------------------------------------------------------------------------------

export interface StandInMenuItem {
  label?: string
  role?: string
  type?: string
  accelerator?: string
  enabled?: boolean
  visible?: boolean
  click?: (...args: unknown[]) => void
  submenu?: StandInMenu
}

class StandInMenu {
  constructor(readonly items: StandInMenuItem[]) {}

  static buildFromTemplate(template: Electron.MenuItemConstructorOptions[]): StandInMenu {
    return new StandInMenu(
      template.map((item) => {
        const { submenu, ...rest } = item
        const built = { ...rest } as StandInMenuItem
        if (Array.isArray(submenu)) built.submenu = StandInMenu.buildFromTemplate(submenu)
        return built
      }),
    )
  }

  static applicationMenu: StandInMenu | null | undefined

  static setApplicationMenu(menu: StandInMenu | null): void {
    StandInMenu.applicationMenu = menu
  }

  static getApplicationMenu(): StandInMenu | null {
    return StandInMenu.applicationMenu ?? null
  }
}

export const Menu = stubbed('Menu', StandInMenu) as unknown as typeof Electron.Menu

class StandInNativeImage {
  readonly standInName: string

  constructor(readonly path: string) {
    this.standInName = `nativeImage ${path}`
  }

  isEmpty(): boolean {
    return !existsSync(this.path)
  }

  setTemplateImage(): void {}
}

export const nativeImage = stubbed('nativeImage', {
  createFromPath: (path: string) => stubbed('NativeImage', new StandInNativeImage(path)),
}) as unknown as typeof Electron.nativeImage

const trays: StandInTray[] = []

class StandInTray extends RecordedEmitter implements Pick<Electron.Tray, 'setToolTip' | 'isDestroyed' | 'destroy'> {
  destroyed = false
  toolTip = ''
  contextMenu: StandInMenu | null = null
  readonly proxy: StandInTray

  constructor(readonly image: StandInNativeImage) {
    requireReady('Tray')
    super(`Tray#${trays.length + 1}`)
    this.proxy = stubbed(this.standInName, this)
    trays.push(this)
    return this.proxy
  }

  setToolTip(toolTip: string): void {
    this.toolTip = toolTip
  }

  setContextMenu(menu: StandInMenu | null): void {
    this.contextMenu = menu
  }

  isDestroyed(): boolean {
    return this.destroyed
  }

  destroy(): void {
    this.destroyed = true
  }
}

export const Tray = stubbed('Tray', StandInTray) as unknown as typeof Electron.Tray

const shortcuts = new Map<string, () => void>()
export const globalShortcut = stubbed('globalShortcut', {
  register(accelerator: string, callback: () => void): boolean {
    requireReady('globalShortcut')
    if (config.refusedShortcuts?.includes(accelerator) || shortcuts.has(accelerator)) return false
    shortcuts.set(accelerator, callback)
    return true
  },
  unregister(accelerator: string): void {
    shortcuts.delete(accelerator)
  },
  unregisterAll(): void {
    shortcuts.clear()
  },
  isRegistered(accelerator: string): boolean {
    return shortcuts.has(accelerator)
  },
} satisfies Pick<
  Electron.GlobalShortcut,
  'register' | 'unregister' | 'unregisterAll' | 'isRegistered'
>) as unknown as Electron.GlobalShortcut

// ---- dialogs, clipboard, shell, screen, storage, protocol, session -------------------------------------------------

function dialogAnswer(options: Electron.MessageBoxOptions): number {
  return config.dialogResponses?.shift() ?? options.cancelId ?? 0
}

/** The options argument, with or without a parent window before it. */
const optionsOf = <T>(args: unknown[]): T => args[args.length - 1] as T

export const dialog = stubbed('dialog', {
  showErrorBox(_title: string, _content: string): void {},
  showMessageBoxSync(...args: unknown[]): number {
    return dialogAnswer(optionsOf(args))
  },
  async showMessageBox(...args: unknown[]): Promise<Electron.MessageBoxReturnValue> {
    return { response: dialogAnswer(optionsOf(args)), checkboxChecked: false }
  },
  async showOpenDialog(): Promise<Electron.OpenDialogReturnValue> {
    return { canceled: true, filePaths: [] }
  },
} satisfies Pick<
  Electron.Dialog,
  'showErrorBox' | 'showMessageBoxSync' | 'showMessageBox' | 'showOpenDialog'
>) as unknown as Electron.Dialog

// Electron 45's typings make the main process's clipboard promise-based (modelled on navigator.clipboard).
let clipboardText = ''
export const clipboard = stubbed('clipboard', {
  readText: async () => clipboardText,
  writeText: async (text: string) => void (clipboardText = text),
} satisfies Pick<Electron.Clipboard, 'readText' | 'writeText'>) as unknown as Electron.Clipboard

export const shell = stubbed('shell', {
  openExternal: async (_url: string) => {},
  openPath: async (_path: string) => '',
  showItemInFolder: (_path: string) => {},
} satisfies Pick<Electron.Shell, 'openExternal' | 'openPath' | 'showItemInFolder'>) as unknown as Electron.Shell

const DISPLAY = {
  id: 1,
  bounds: { x: 0, y: 0, width: 1920, height: 1080 },
  workArea: { x: 0, y: 0, width: 1920, height: 1040 },
  scaleFactor: 1,
} as Pick<Electron.Display, 'id' | 'bounds' | 'workArea' | 'scaleFactor'> as Electron.Display // the fields the shell reads
export const screen = stubbed('screen', {
  getPrimaryDisplay: () => (requireReady('screen'), DISPLAY),
  getAllDisplays: () => (requireReady('screen'), [DISPLAY]),
  getCursorScreenPoint: () => ({ x: 100, y: 100 }),
  getDisplayNearestPoint: () => DISPLAY,
} satisfies Pick<
  Electron.Screen,
  'getPrimaryDisplay' | 'getAllDisplays' | 'getCursorScreenPoint' | 'getDisplayNearestPoint'
>) as unknown as Electron.Screen

/** Reversible and recognisable, not encryption: what the codec wrote must come back, anything else must not. */
const SEALED = 'stand-in-sealed:'
export const safeStorage = stubbed('safeStorage', {
  isEncryptionAvailable: () => config.encryptionAvailable ?? true,
  getSelectedStorageBackend: () => 'gnome_libsecret',
  encryptString: (plainText: string) => Buffer.from(SEALED + plainText),
  decryptString(encrypted: Buffer): string {
    const text = encrypted.toString()
    if (!text.startsWith(SEALED))
      throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.')
    return text.slice(SEALED.length)
  },
} satisfies Pick<
  Electron.SafeStorage,
  'isEncryptionAvailable' | 'getSelectedStorageBackend' | 'encryptString' | 'decryptString'
>) as unknown as Electron.SafeStorage

export const protocol = stubbed('protocol', {
  registerSchemesAsPrivileged(_schemes: Electron.CustomScheme[]): void {
    if (appImpl.ready) throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready')
  },
  handle(scheme: string, handler: ProtocolHandler): void {
    requireReady('protocol.handle')
    if (protocolHandlers.has(scheme)) throw new Error(`The scheme "${scheme}" is already handled`)
    protocolHandlers.set(scheme, handler)
  },
  isProtocolHandled: (scheme: string) => protocolHandlers.has(scheme),
} satisfies Pick<
  Electron.Protocol,
  'registerSchemesAsPrivileged' | 'handle' | 'isProtocolHandled'
>) as unknown as Electron.Protocol

type PermissionRequestHandler = Parameters<Electron.Session['setPermissionRequestHandler']>[0]
type PermissionCheckHandler = Parameters<Electron.Session['setPermissionCheckHandler']>[0]
type PermissionName = Parameters<NonNullable<PermissionRequestHandler>>[1]
const permissions: { request?: PermissionRequestHandler | null; check?: PermissionCheckHandler | null } = {}

const defaultSession = stubbed('session.defaultSession', {
  setSpellCheckerEnabled(_enabled: boolean): void {},
  setPermissionRequestHandler(handler: PermissionRequestHandler | null): void {
    permissions.request = handler
  },
  setPermissionCheckHandler(handler: PermissionCheckHandler | null): void {
    permissions.check = handler
  },
} satisfies Pick<
  Electron.Session,
  'setSpellCheckerEnabled' | 'setPermissionRequestHandler' | 'setPermissionCheckHandler'
>)
export const session = stubbed('session', {
  get defaultSession() {
    requireReady('session.defaultSession')
    return defaultSession
  },
}) as unknown as typeof Electron.session

// ---- the test's side ----------------------------------------------------------------------------------------------

function windowById(id: number): StandInBrowserWindow {
  const window = windows.find((candidate) => candidate.id === id)
  if (!window) throw new Error(`no window #${id}`)
  return window
}

export interface WindowSummary {
  id: number
  webContents: number
  title: string | undefined
  visible: boolean
  destroyed: boolean
  url: string
  webPreferences: Electron.WebPreferences | undefined
}

function menuItemByLabel(menu: StandInMenu | null, label: string): StandInMenuItem {
  const item = menu?.items.find((candidate) => candidate.label === label)
  if (!item) throw new Error(`no menu item "${label}"`)
  return item
}

/** Clicks as Electron does: a role item does its role (here: quit), else its click handler runs. */
function clickItem(item: StandInMenuItem): void {
  if (item.enabled === false) throw new Error(`menu item "${item.label}" is disabled`)
  if (item.role === 'quit') return appImpl.quit()
  if (item.role) return void note('event', 'Menu', `role ${item.role}`, [])
  item.click?.(item, undefined, electronEvent())
}

/** Drives the stand-in from the test: plays the user, the OS and the renderer. */
export const control = {
  configure(next: StandInConfig): void {
    config = next
  },
  onRecord(listener: (entry: RecordEntry) => void): void {
    onRecord = listener
  },
  onExit(listener: (code: number) => void): void {
    onExit = listener
  },
  /** An entry in the record from outside the stand-in (the process's own events). */
  note(target: string, name: string, args: unknown[]): void {
    note('event', target, name, args)
  },
  /** Emits will-finish-launching and ready: call once the main entry has been imported. */
  start(): void {
    appImpl.start()
    const events = config.eventsAfterReady ?? []
    if (events.length > 0) setImmediate(() => events.forEach(({ event, args }) => control.emitApp(event, args)))
  },
  emitApp(event: string, args: unknown[]): void {
    appImpl.emit(event, electronEvent(), ...args)
  },
  quit(): void {
    appImpl.quit()
  },
  windows(): WindowSummary[] {
    return windows.map((window) => ({
      id: window.id,
      webContents: window.webContents.id,
      title: window.options.title,
      visible: window.visible,
      destroyed: window.destroyed,
      url: window.destroyed ? '' : window.webContents.getURL(),
      webPreferences: window.options.webPreferences,
    }))
  },
  /** The user clicks the close button ('close'), the OS destroys it ('destroy'), or focus moves away ('blur'). */
  windowAction(id: number, action: 'close' | 'destroy' | 'blur'): void {
    const window = windowById(id)
    if (action === 'close') window.close()
    else if (action === 'destroy') window.destroy()
    else window.blur()
  },
  /** ipcRenderer.invoke from a window's page; `frame: null` is a frame already gone. */
  async invoke(id: number, channel: string, args: unknown[], frame?: StandInFrame | null): Promise<unknown> {
    const window = windowById(id)
    const handler = ipcMainImpl.handlers.get(channel)
    if (!handler)
      throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`)
    const sender = frame === undefined ? pageFrame(window) : frame
    try {
      return await handler(senderEvent(window, sender), ...args)
    } catch (error) {
      throw new Error(`Error invoking remote method '${channel}': ${String(error)}`, { cause: error })
    }
  },
  /** ipcRenderer.send from a window's page. */
  send(id: number, channel: string, args: unknown[], frame?: StandInFrame | null): void {
    const window = windowById(id)
    ipcMainImpl.emit(channel, senderEvent(window, frame === undefined ? pageFrame(window) : frame), ...args)
  },
  /** The page tries to navigate (a link, a script): whether the app let it ('will-navigate' not prevented). */
  navigate(id: number, url: string): { allowed: boolean } {
    const event = electronEvent()
    windowById(id).webContents.emit('will-navigate', event, url)
    return { allowed: !event.defaultPrevented }
  },
  /** The page calls window.open (or a target=_blank link): what the window-open handler answers. */
  openWindow(id: number, url: string): unknown {
    const handler = windowById(id).webContents.windowOpenHandler as
      ((details: { url: string; frameName: string; disposition: string }) => unknown) | undefined
    return handler ? handler({ url, frameName: '', disposition: 'new-window' }) : { action: 'allow' }
  },
  handledChannels(): string[] {
    return [...ipcMainImpl.handlers.keys()]
  },
  pressShortcut(accelerator: string): void {
    const callback = shortcuts.get(accelerator)
    if (!callback) throw new Error(`no shortcut ${accelerator} is registered`)
    callback()
  },
  shortcuts(): string[] {
    return [...shortcuts.keys()]
  },
  trays(): Array<{ destroyed: boolean; toolTip: string; image: string; imageFound: boolean; menu: unknown }> {
    return trays.map((tray) => ({
      destroyed: tray.destroyed,
      toolTip: tray.toolTip,
      image: tray.image.path,
      imageFound: !tray.image.isEmpty(),
      menu: plain(tray.contextMenu, 0),
    }))
  },
  clickTray(): void {
    const tray = trays.at(-1)
    if (!tray || tray.destroyed) throw new Error('no tray')
    tray.emit('click', electronEvent(), DISPLAY.bounds, { x: 0, y: 0 })
  },
  clickTrayMenu(label: string): void {
    clickItem(menuItemByLabel(trays.at(-1)?.contextMenu ?? null, label))
  },
  applicationMenu(): unknown {
    const menu = StandInMenu.applicationMenu
    return menu === undefined ? 'never set' : plain(menu, 0)
  },
  /** What the session's permission handlers answer for a request from this window's page. */
  async permission(id: number, permission: string, origin?: string): Promise<{ request: boolean; check: boolean }> {
    const contents = windowById(id).webContents as unknown as Electron.WebContents
    const name = permission as PermissionName
    const requestingUrl = origin ?? contents.getURL()
    const request = await new Promise<boolean>((resolve) => {
      if (!permissions.request) return resolve(true)
      permissions.request(contents, name, resolve, { requestingUrl, isMainFrame: true })
    })
    const details = { requestingUrl, isMainFrame: true, embeddingOrigin: '', securityOrigin: '' }
    const check = permissions.check ? permissions.check(contents, name, new URL(requestingUrl).origin, details) : true
    return { request, check }
  },
  lockHeld(): boolean {
    return appImpl.lockHeld
  },
  record(): RecordEntry[] {
    return record
  },
}

function pageFrame(window: StandInBrowserWindow): StandInFrame {
  const url = window.webContents.getURL()
  return { url, origin: url ? new URL(url).origin : '', parent: null }
}

export type StandInControl = typeof control
