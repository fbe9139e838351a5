/**
 * Runs the built main entry (out/main/index.js) under the stand-in electron in a child Node process and drives it:
 * the test's side of run-main.ts. Each shell is stopped by `stopShells()` (call it in afterEach/afterAll): a child
 * still running is asked to quit, then killed.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'
import type { RecordEntry, StandInConfig, WindowSummary } from './electron'
import type { ChildMessage, ShellCommand } from './run-main'

const root = resolve(import.meta.dirname, '../../..')
export const BUILT_MAIN = resolve(root, 'out/main/index.js')
const RUN_MAIN = resolve(import.meta.dirname, 'run-main.ts')

export interface ShellExit {
  /** The process's exit code (null if killed by a signal). */
  code: number | null
  /** The exit the app asked for (app.quit, app.exit), with what still held the event loop; absent if it crashed. */
  appExit?: { code: number; resources: string[] }
}

export interface StartShellOptions extends Partial<Omit<StandInConfig, 'userDataDir'>> {
  userDataDir: string
  /** Extra environment for the child (ELECTRON_RENDERER_URL, …); undefined removes a variable. */
  env?: Record<string, string | undefined>
}

const running = new Set<ShellProcess>()

export class ShellProcess {
  readonly record: RecordEntry[] = []
  readonly output: string[] = []
  readonly exited: Promise<ShellExit>
  readonly started: Promise<void>
  private appExit: ShellExit['appExit']
  private nextId = 1
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>()
  private readonly child: ChildProcess
  private recordWaiters: Array<() => void> = []

  constructor(options: StartShellOptions) {
    const { env: extraEnv, ...config } = options
    const env: NodeJS.ProcessEnv = { ...process.env, STAND_IN_CONFIG: JSON.stringify(config) }
    delete env['ELECTRON_RENDERER_URL']
    for (const [name, value] of Object.entries(extraEnv ?? {})) {
      if (value === undefined) delete env[name]
      else env[name] = value
    }
    // `node --import tsx` keeps it one process (the tsx CLI would spawn a grandchild that a kill would miss).
    this.child = spawn(process.execPath, ['--import', 'tsx', RUN_MAIN, BUILT_MAIN], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    running.add(this)
    this.child.stdout!.on('data', (chunk: Buffer) => this.output.push(chunk.toString()))
    this.child.stderr!.on('data', (chunk: Buffer) => this.output.push(chunk.toString()))
    let started: () => void
    this.started = new Promise((resolve) => (started = resolve))
    this.child.on('message', (message: ChildMessage) => {
      if (message.type === 'record') {
        this.record.push(message.entry)
        for (const wake of this.recordWaiters.splice(0)) wake()
      } else if (message.type === 'reply') {
        const waiting = this.pending.get(message.id)
        this.pending.delete(message.id)
        if (message.ok) waiting?.resolve(message.value)
        else waiting?.reject(new Error(message.error))
      } else if (message.type === 'exit') {
        this.appExit = { code: message.code, resources: message.resources }
      } else if (message.type === 'started') {
        started()
      }
    })
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code) => {
        running.delete(this)
        for (const waiting of this.pending.values()) waiting.reject(new Error('the shell process exited'))
        this.pending.clear()
        for (const wake of this.recordWaiters.splice(0)) wake()
        resolve({ code, ...(this.appExit ? { appExit: this.appExit } : {}) })
      })
    })
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  command<T = unknown>(command: ShellCommand): Promise<T> {
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
      this.child.send({ id, command })
    })
  }

  windows(): Promise<WindowSummary[]> {
    return this.command({ op: 'windows' })
  }

  /** The window created with this title (the shell gives each its own). */
  async window(title: string): Promise<WindowSummary> {
    const found = (await this.windows()).filter((window) => window.title === title && !window.destroyed)
    if (found.length !== 1) throw new Error(`expected one live window "${title}", found ${found.length}`)
    return found[0]!
  }

  /** The window, once its page has loaded (so its IPC calls come from an app page). */
  async loadedWindow(title: string): Promise<WindowSummary> {
    const { webContents } = await this.window(title)
    await this.waitForRecord(
      (entry) => entry.target === `webContents#${webContents}` && entry.name === 'did-finish-load',
    )
    return this.window(title)
  }

  /** The window, once it has been shown (a user can only close or focus a window they see). */
  async shownWindow(title: string): Promise<WindowSummary> {
    const { id } = await this.window(title)
    await this.waitForRecord((entry) => entry.target === `BrowserWindow#${id}` && entry.name === 'show')
    return this.window(title)
  }

  invoke(id: number, channel: string, ...args: unknown[]): Promise<unknown> {
    return this.command({ op: 'invoke', id, channel, args })
  }

  /** The record entries so far that match. */
  calls(target: string | RegExp, name?: string): RecordEntry[] {
    return this.record.filter(
      (entry) =>
        (typeof target === 'string' ? entry.target === target : target.test(entry.target)) &&
        (name === undefined || entry.name === name),
    )
  }

  /** Waits until a record entry matches (or the process ends, or the time is up). */
  async waitForRecord(match: (entry: RecordEntry) => boolean, timeoutMs = 20_000): Promise<RecordEntry> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.record.find(match)
      if (found) return found
      if (!this.alive) throw new Error(`the shell exited before the record showed it\n${this.output.join('')}`)
      const remaining = deadline - Date.now()
      if (remaining <= 0) throw new Error(`not in the record within ${timeoutMs} ms\n${this.output.join('')}`)
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, remaining)
        this.recordWaiters.push(() => (clearTimeout(timer), wake()))
      })
    }
  }

  /** Start-up has finished: the tray has its menu (the last step of the ready handler). */
  async startedUp(): Promise<this> {
    await this.waitForRecord((entry) => entry.target.startsWith('Tray') && entry.name === 'setContextMenu')
    return this
  }

  /** Resolves with the exit, or rejects if the process is still running after `timeoutMs`. */
  async exitWithin(timeoutMs: number): Promise<ShellExit> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`still running after ${timeoutMs} ms`)), timeoutMs)
    })
    try {
      return await Promise.race([this.exited, timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  /** Quits the app if it still runs; kills it if it does not end within a few seconds. */
  async stop(): Promise<void> {
    if (!this.alive) return
    try {
      await Promise.race([this.command({ op: 'quit' }), this.exited])
      await this.exitWithin(8_000)
    } catch {
      this.child.kill('SIGKILL')
      await this.exited
    }
  }
}

/** Starts the main entry and waits until `ready` has been emitted. */
export async function startShell(options: StartShellOptions): Promise<ShellProcess> {
  const shell = new ShellProcess(options)
  await Promise.race([shell.started, shell.exited])
  return shell
}

/** Every shell started and still running, stopped. */
export async function stopShells(): Promise<void> {
  await Promise.all([...running].map((shell) => shell.stop()))
}
