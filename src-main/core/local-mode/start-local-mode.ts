import type { ModeRuntime, RuntimeContext } from '../mode-runtime'
import { connectBrokerRuntime, type BrokerRuntimeOptions } from './broker-runtime'
import { startLocalBroker } from './local-broker'

export const LOCAL_USER_ID = 'local'

/**
 * Local mode without any cloud account: the embedded broker, the chat handler in-process publishing through it
 * on its own connection, and the app's session, which is the same aws-crt client cloud mode points at IoT Core.
 */
export async function startLocalMode(
  context: RuntimeContext,
  extras: Pick<BrokerRuntimeOptions, 'decoratePublisher'> = {},
): Promise<ModeRuntime> {
  const broker = await startLocalBroker({ topicPrefix: context.topicPrefix, userId: LOCAL_USER_ID })
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
