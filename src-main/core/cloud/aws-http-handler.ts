/**
 * The one place AWS SDK clients get their network settings: region and, behind a corporate proxy, a request
 * handler that tunnels through it (CONNECT, with Basic credentials when the proxy needs them).
 */
import type { Agent } from 'node:http'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { HttpsProxyAgent } from 'https-proxy-agent'
import { proxyUrl, type ProxyConfig } from '../../lib/http-proxy'

export interface AwsNetwork {
  region: string
  proxy?: ProxyConfig | undefined
}

const CONNECTION_TIMEOUT_MS = 10_000

/** Config for any AWS SDK v3 client constructor: `new LambdaClient({ ...awsClientConfig(network), credentials })`. */
export function awsClientConfig(network: AwsNetwork): { region: string; requestHandler?: NodeHttpHandler } {
  if (!network.proxy) return { region: network.region }
  return { region: network.region, requestHandler: proxiedRequestHandler(network.proxy) }
}

export function proxiedRequestHandler(proxy: ProxyConfig): NodeHttpHandler {
  return new NodeHttpHandler({
    httpsAgent: proxyAgent(proxy),
    connectionTimeout: CONNECTION_TIMEOUT_MS,
  })
}

/** An agent that tunnels HTTPS through the proxy, for requests made without the SDK (a presigned POST to S3). */
export function proxyAgent(proxy: ProxyConfig): Agent {
  return new HttpsProxyAgent(proxyUrl(proxy), { keepAlive: true })
}
