import type { Clock } from '../../lib/clock'
import type { ModeRuntime, RuntimeContext } from '../mode-runtime'
import { connectBrokerRuntime, type BrokerRuntimeOptions } from './broker-runtime'
import { startLocalBroker, type LocalBroker } from './local-broker'

export const LOCAL_USER_ID = 'local'

/** What tests add to local mode as shipped. */
export interface LocalModeExtras extends Pick<BrokerRuntimeOptions, 'decoratePublisher'> {
  /** Drives the broker guard's connect deadline. */
  brokerClock?: Clock
  /** Sees the embedded broker once it listens (its port and identities). */
  onBrokerStarted?: (broker: LocalBroker) => void
}

/**
 * Local mode without any cloud account: the embedded broker, the chat handler in-process publishing through it
 * on its own connection, and the app's session, which is the same aws-crt client cloud mode points at IoT Core.
 */
export async function startLocalMode(
  context: RuntimeContext,
  { brokerClock, onBrokerStarted, ...extras }: LocalModeExtras = {},
): Promise<ModeRuntime> {
  const { onBrokerRefusal } = context
  const broker = await startLocalBroker({
    topicPrefix: context.topicPrefix,
    userId: LOCAL_USER_ID,
    ...(brokerClock ? { clock: brokerClock } : {}),
    ...(onBrokerRefusal ? { onGuardRefusal: onBrokerRefusal } : {}),
  })
  onBrokerStarted?.(broker)
  try {
    return await connectBrokerRuntime(context, {
      host: broker.host,
      port: broker.port,
      userId: LOCAL_USER_ID,
      userLabel: 'Local user',
      app: broker.app,
      backend: broker.backend,
      onClose: () => broker.close(),
      ...extras,
    })
  } catch (error) {
    await broker.close()
    throw error
  }
}
