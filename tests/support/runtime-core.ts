/**
 * The real app core on a runtime the test builds (e.g. `splitRuntime`, whose app session goes through a fault
 * proxy), with the renderer-bound updates collected per column, as `startTestCore` does for the plain cases, and
 * the core's connection states recorded with their times.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { startAppCore, type AppCore } from '../../src-main/core/app-core'
import type { ModelResolver } from '../../src-main/backend/model-provider'
import type { StartRuntime } from '../../src-main/core/mode-runtime'
import { plainTextCodec } from '../../src-main/core/settings/settings-store'
import type { ConnectionState, Diagnostics, SendPromptResult, StreamUpdate } from '../../src-main/shared/ipc-contract'
import { writeSettings, type ColumnResult } from './test-core'
import { makeTempDir } from './temp-dir'

export interface RuntimeCoreOptions {
  startRuntime: StartRuntime
  modelIds: string[]
  /** Replaces the settings-based resolver in the runtime's context. */
  models?: ModelResolver
  /** Where the user-data folder (settings, history.sqlite) is made: the OS temp dir by default. */
  dataParent?: string
}

export interface ColumnTiming {
  /** performance.now() of the first update with text, and of the final one. */
  firstTextAt?: number
  endedAt?: number
}

export async function startRuntimeCore(options: RuntimeCoreOptions) {
  const userDataDir = options.dataParent
    ? await mkdtemp(join(options.dataParent, 'streamdesk-reliability-'))
    : await makeTempDir('reliability')
  await writeSettings(userDataDir, options.modelIds)
  const core: AppCore = await startAppCore({
    userDataDir,
    appVersion: 'test',
    secrets: plainTextCodec,
    startRuntime: (context) => options.startRuntime(options.models ? { ...context, models: options.models } : context),
  })
  const columns = new Map<string, ColumnResult & ColumnTiming>()
  const connection: Array<ConnectionState & { at: number }> = []
  const waiters = new Set<() => void>()
  core.events.on('connection:changed', (state) => connection.push({ ...state, at: performance.now() }))
  core.events.on('chat:updates', (updates: StreamUpdate[]) => {
    const now = performance.now()
    for (const update of updates) {
      const key = `${update.streamId}/${update.modelId}`
      const column = columns.get(key) ?? { text: '', status: 'streaming', updates: 0, stalled: false }
      column.text += update.append
      if (update.append.length > 0) column.firstTextAt ??= now
      column.status = update.status
      column.updates += 1
      if (update.stalled !== undefined) column.stalled = update.stalled
      if (update.error) column.error = update.error
      if (update.status !== 'streaming' && update.status !== 'queued') column.endedAt ??= now
      columns.set(key, column)
    }
    for (const wake of [...waiters]) wake()
  })

  /** Resolves with each model's column once every one has ended (complete, stopped or error). */
  function finished(
    streamId: string,
    modelIds: string[],
    timeoutMs = 30_000,
  ): Promise<Record<string, ColumnResult & ColumnTiming>> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const results = modelIds.map((id) => columns.get(`${streamId}/${id}`))
        if (results.every((r) => r && r.status !== 'streaming' && r.status !== 'queued')) {
          waiters.delete(check)
          clearTimeout(timer)
          resolve(Object.fromEntries(modelIds.map((id, i) => [id, results[i]!])))
        }
      }
      const timer = setTimeout(() => {
        waiters.delete(check)
        const summary = modelIds.map((id) => {
          const c = columns.get(`${streamId}/${id}`)
          return `${id}: ${c ? `${c.status}, ${c.text.length} chars, stalled ${c.stalled}` : 'nothing'}`
        })
        reject(new Error(`streams did not finish within ${timeoutMs} ms: ${summary.join('; ')}`))
      }, timeoutMs)
      waiters.add(check)
      check()
    })
  }

  /** Resolves once some column of the stream has received at least `chars` characters. */
  function received(streamId: string, chars: number, timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        for (const [key, column] of columns) {
          if (key.startsWith(`${streamId}/`) && column.text.length >= chars) {
            waiters.delete(check)
            clearTimeout(timer)
            return resolve()
          }
        }
      }
      const timer = setTimeout(
        () => (waiters.delete(check), reject(new Error(`no column of ${streamId} reached ${chars} characters`))),
        timeoutMs,
      )
      waiters.add(check)
      check()
    })
  }

  const send = async (prompt: string, modelIds: string[]) =>
    (await core.router.invoke('chat:send', [{ prompt, modelIds }])) as SendPromptResult
  const diagnostics = async () => (await core.router.invoke('diagnostics:get', [])) as Diagnostics

  return {
    core,
    userDataDir,
    columns,
    connection,
    finished,
    received,
    send,
    diagnostics,
    async stop() {
      await core.stop()
      await rm(userDataDir, { recursive: true, force: true })
    },
  }
}
