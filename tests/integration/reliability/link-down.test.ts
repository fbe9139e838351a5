/**
 * The link between the app and the broker goes down for 10 s mid-stream, then comes back (`ip link set down` on a
 * veth pair; `tc netem` is not available on these machines). The broker (Mosquitto) and the backend run in a
 * network namespace this test creates, the backend as its own process publishing to the broker on the
 * namespace's loopback, as the cloud side would; the app core runs here, in the root namespace, and reaches the
 * broker over the veth pair. Both models' columns must end 'complete' with exactly the models' text.
 *
 * Needs root (namespaces, veth). Not root: the test fails and says so, it does not skip.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { ChatRequest, ModelStreamSummary } from '../../../src-main/backend/chat-handler'
import type { ChatBackend } from '../../../src-main/core/chat/chat-service'
import { answerDeltas } from '../../support/answer-text'
import { startMosquitto, type Mosquitto } from '../../support/mosquitto'
import { createLinkedNamespace, removeStale, type LinkedNamespace } from '../../support/netns'
import { startRuntimeCore } from '../../support/runtime-core'
import { watchSession } from '../../support/session-watch'
import { splitRuntime } from '../../support/split-runtime'

const NS_PREFIX = 'sd-rel'
const LINK_PREFIX = 'sdv'
const BROKER_PORT = 1883
const LINK_DOWN_MS = 10_000
const repoRoot = resolve(import.meta.dirname, '../../..')
const backendScript = resolve(import.meta.dirname, 'netns-backend.ts')

/** ~14 s of streaming each, so the answers are still coming when the link returns. */
const SCRIPTS = {
  alpha: { tag: 'alpha', count: 200, intervalMs: 70 },
  beta: { tag: 'beta', count: 150, intervalMs: 90 },
}
const MODEL_IDS = Object.keys(SCRIPTS)
const expected = Object.fromEntries(
  Object.entries(SCRIPTS).map(([id, s]) => [id, answerDeltas(s.tag, s.count).join('')]),
)

let ns: LinkedNamespace | undefined
let mosquitto: Mosquitto | undefined
const children = new Set<ChildProcess>()

beforeAll(async () => {
  const stale = await removeStale(NS_PREFIX, LINK_PREFIX)
  if (stale.length > 0) console.info(`removed leftovers of earlier runs: ${stale.join(', ')}`)
  ns = await createLinkedNamespace(NS_PREFIX, LINK_PREFIX)
  mosquitto = await startMosquitto({ netns: ns.name, listenAddress: '0.0.0.0', host: ns.nsAddress, port: BROKER_PORT })
})

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL')
  await ns?.setLink(true).catch(() => undefined)
  await mosquitto?.stop()
  await ns?.destroy()
})

/** The chat backend as a process inside the namespace, one per prompt, publishing to the broker on its loopback. */
class NamespaceBackend implements ChatBackend {
  readonly summaries: ModelStreamSummary[] = []
  readonly stderr: string[] = []

  constructor(
    private readonly namespace: LinkedNamespace,
    private readonly topicPrefix: string,
  ) {}

  start(request: ChatRequest): Promise<void> {
    const args = {
      broker: { host: '127.0.0.1', port: BROKER_PORT },
      topicPrefix: this.topicPrefix,
      request,
      scripts: SCRIPTS,
    }
    const [command, ...prefix] = this.namespace.execPrefix
    const child = spawn(
      command!,
      [...prefix, process.execPath, '--import', 'tsx', backendScript, JSON.stringify(args)],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    children.add(child)
    child.stderr!.on('data', (data: Buffer) => this.stderr.push(data.toString()))
    return new Promise((resolvePromise, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line === 'ready') resolvePromise()
        else if (line.startsWith('done ')) this.summaries.push(...(JSON.parse(line.slice(5)) as ModelStreamSummary[]))
        else if (line.startsWith('error ')) reject(new Error(`backend: ${line.slice(6)}`))
      })
      child.on('exit', (code) => {
        children.delete(child)
        reject(new Error(`backend exited (${code}) before it was ready: ${this.stderr.join('')}`))
      })
    })
  }

  async stop(): Promise<void> {
    for (const child of children) child.kill('SIGTERM')
  }
}

describe('link down for 10 s mid-stream (veth pair between network namespaces)', () => {
  it('completes every stream exactly once the link is back', async () => {
    const namespace = ns!
    let backend: NamespaceBackend | undefined
    const split = splitRuntime({
      app: { host: namespace.nsAddress, port: BROKER_PORT },
      backend: async (context) => {
        backend = new NamespaceBackend(namespace, context.topicPrefix)
        return { backend, close: async () => backend!.stop() }
      },
    })
    const t = await startRuntimeCore({ startRuntime: split.startRuntime, modelIds: MODEL_IDS })
    try {
      const session = watchSession(split.session())
      const { streamId } = await t.send('link down', MODEL_IDS)
      await t.received(streamId, 300)
      const charsBefore = Object.fromEntries(
        MODEL_IDS.map((id) => [id, t.columns.get(`${streamId}/${id}`)?.text.length ?? 0]),
      )

      const downAt = performance.now()
      await namespace.setLink(false)
      await new Promise((r) => setTimeout(r, LINK_DOWN_MS))
      const charsDuring = Object.fromEntries(
        MODEL_IDS.map((id) => [id, t.columns.get(`${streamId}/${id}`)?.text.length ?? 0]),
      )
      await namespace.setLink(true)
      const upAt = performance.now()

      const result = await t.finished(streamId, MODEL_IDS, 40_000)
      const doneAt = Math.max(...MODEL_IDS.map((id) => result[id]!.endedAt ?? 0))
      const interruptions = session.events.filter((e) => e.at >= downAt && e.status === 'interrupted')
      console.info(
        `link down ${Math.round(upAt - downAt)} ms; ` +
          `chars before/after the outage: ${JSON.stringify(charsBefore)} → ${JSON.stringify(charsDuring)}; ` +
          `complete ${Math.round(doneAt - upAt)} ms after the link came back; session interrupted ${interruptions.length}×`,
      )
      for (const id of MODEL_IDS) {
        expect(result[id]!.error, id).toBeUndefined()
        expect(result[id]!.status, id).toBe('complete')
        expect(result[id]!.text === expected[id], `${id}: text differs from the model's`).toBe(true)
        // Nothing got through while the link was down (beyond what was already on its way).
        expect(charsDuring[id]! - charsBefore[id]!, id).toBeLessThan(expected[id]!.length / 4)
      }
      const diagnostics = await t.diagnostics()
      expect(diagnostics.rejected).toEqual({})
      expect(diagnostics.activeStreams).toBe(0)
      await vi.waitFor(() => expect(backend!.summaries).toHaveLength(2), { timeout: 5_000 })
      expect(backend!.summaries.map((s) => [s.modelId, s.status, s.failedPublishes]).sort()).toEqual([
        ['alpha', 'complete', 0],
        ['beta', 'complete', 0],
      ])
    } finally {
      await t.stop()
    }
  }, 60_000)
})
