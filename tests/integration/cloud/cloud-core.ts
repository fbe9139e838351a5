/**
 * The real app core running cloud mode against the fake cloud: signs in through CognitoAuth, starts the core with
 * `startCloudMode` as its runtime (IoT WebSocket to the local TLS broker), and collects what the renderer would
 * get, per model column.
 */
import { startAppCore } from '../../../src-main/core/app-core'
import type { ModeRuntime } from '../../../src-main/core/mode-runtime'
import { CognitoAuth } from '../../../src-main/core/cloud/cognito-auth'
import { startCloudMode } from '../../../src-main/core/cloud/start-cloud-mode'
import { plainTextCodec } from '../../../src-main/core/settings/settings-store'
import type { SessionStatus } from '../../../src-main/core/mqtt/mqtt-session'
import type { Clock } from '../../../src-main/lib/clock'
import type { TokenStore } from '../../../src-main/core/cloud/token-store'
import type { AnswerStatus } from '../../../src-main/shared/answer'
import type { Mosquitto } from '../../support/mosquitto'
import type { TestCertificates } from '../../support/tls-certificates'
import { writeSettings } from '../../support/test-core'
import { USER, type FakeCloud } from './fake-cloud'
import { makeTempDir } from '../../support/temp-dir'

export interface Column {
  text: string
  status: AnswerStatus
}

export async function startCloudCore(options: {
  cloud: FakeCloud
  broker: Mosquitto
  certificates: TestCertificates
  clock: Clock
  modelIds: string[]
  /** Start on this user-data folder (a restart) instead of a new one. */
  userDataDir?: string
  /** This installation's token store (another device of the same user has its own); the cloud's by default. */
  store?: TokenStore
}) {
  const { cloud, broker, certificates, clock } = options
  const store = options.store ?? cloud.store
  const auth = new CognitoAuth({ config: cloud.config, store, clock })
  await auth.signIn(USER.email, 'a password')
  const userDataDir = options.userDataDir ?? (await makeTempDir('cloud-core'))
  if (!options.userDataDir) await writeSettings(userDataDir, options.modelIds)

  let runtime: ModeRuntime | undefined
  const sessionStatuses: SessionStatus[] = []
  const core = await startAppCore({
    userDataDir,
    appVersion: 'test',
    secrets: plainTextCodec,
    topicPrefix: cloud.config.topicPrefix,
    startRuntime: async (context) => {
      runtime = await startCloudMode(context, {
        config: cloud.config,
        auth,
        store,
        clock,
        iot: { endpoint: 'localhost', port: broker.websocketPort!, caFile: certificates.caFile },
      })
      runtime.session.on('status', (status) => sessionStatuses.push(status))
      return runtime
    },
  })
  if (!runtime) throw new Error('cloud mode did not start')

  const columns = new Map<string, Column>()
  const waiters = new Set<() => void>()
  core.events.on('chat:updates', (updates) => {
    for (const update of updates) {
      const key = `${update.streamId}/${update.modelId}`
      const column = columns.get(key) ?? { text: '', status: 'streaming' }
      column.text += update.append
      column.status = update.status
      columns.set(key, column)
    }
    for (const wake of [...waiters]) wake()
  })

  /** Resolves once `test` holds: checked after every batch of updates, and every 20 ms for other state. */
  function until<T>(test: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const started = Date.now()
      const check = () => {
        const result = test()
        if (result === undefined && Date.now() - started < timeoutMs) return
        waiters.delete(check)
        clearInterval(poll)
        if (result !== undefined) resolve(result)
        else reject(new Error(`timed out waiting for ${what}: ${JSON.stringify(Object.fromEntries(columns))}`))
      }
      const poll = setInterval(check, 20)
      waiters.add(check)
      check()
    })
  }

  const column = (streamId: string, modelId: string) => columns.get(`${streamId}/${modelId}`)
  const finished = (streamId: string, modelIds: string[]) =>
    until(() => {
      const results = modelIds.map((id) => column(streamId, id))
      return results.every((r) => r && r.status !== 'streaming')
        ? Object.fromEntries(modelIds.map((id, i) => [id, results[i]!]))
        : undefined
    }, `stream ${streamId} to finish`)

  return {
    core,
    runtime,
    userDataDir,
    auth,
    sessionStatuses,
    column,
    until,
    finished,
    send: async (prompt: string, modelIds: string[]) =>
      (await core.router.invoke('chat:send', [{ prompt, modelIds }])) as { streamId: string; conversationId: string },
    stop: () => core.stop(),
  }
}
