/**
 * The chat backend as a separate process (run by link-down.test.ts inside the broker's network namespace with
 * `ip netns exec … node --import tsx`): connects its own MQTT session to the broker on the namespace's loopback,
 * streams one chat request through the real chat handler (`streamChat`) with scripted models, and exits.
 *
 * argv[2]: JSON { broker: { host, port }, topicPrefix, request: ChatRequest, scripts: { [modelId]: { tag, count, intervalMs } } }
 * stdout: `ready` once connected, then `done <summaries as JSON>`; `error <message>` and exit code 1 on failure.
 */
import { ChatRequestSchema, streamChat } from '../../../src-main/backend/chat-handler'
import { plainBrokerConnectionConfig } from '../../../src-main/core/mqtt/connection-config'
import { MqttSession } from '../../../src-main/core/mqtt/mqtt-session'
import { answerDeltas } from '../../support/answer-text'
import { scriptedModels, type Script } from '../../support/scripted-provider'

interface Args {
  broker: { host: string; port: number }
  topicPrefix: string
  request: unknown
  scripts: Record<string, { tag: string; count: number; intervalMs: number }>
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args
const request = ChatRequestSchema.parse(args.request)
const scripts: Record<string, Script> = Object.fromEntries(
  Object.entries(args.scripts).map(([id, s]) => [
    id,
    { deltas: answerDeltas(s.tag, s.count), intervalMs: s.intervalMs },
  ]),
)
const session = new MqttSession({
  buildConfig: () => plainBrokerConnectionConfig({ ...args.broker, clientId: `netns-backend-${process.pid}` }),
})
try {
  await session.connect()
  console.log('ready')
  const summaries = await streamChat(request, {
    publisher: { publish: (topic, payload) => session.publish(topic, payload) },
    models: scriptedModels(scripts),
    topicPrefix: args.topicPrefix,
  })
  console.log(`done ${JSON.stringify(summaries)}`)
  await session.close()
  process.exit(0)
} catch (error) {
  console.log(`error ${(error as Error).message}`)
  process.exit(1)
}
