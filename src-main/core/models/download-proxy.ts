/**
 * Model downloads go through the same corporate proxy as cloud mode (the one set in Settings, else HTTPS_PROXY),
 * never for addresses on this machine. One agent per proxy address, kept for reuse.
 */
import type { Agent } from 'node:http'
import { HttpsProxyAgent } from 'https-proxy-agent'
import { proxyUrl, resolveProxy } from '../../lib/http-proxy'

export function downloadAgentFor(
  settingsProxyUrl: () => string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): (url: URL) => Agent | undefined {
  const agents = new Map<string, Agent>()
  return (url) => {
    if (url.protocol !== 'https:' || isLocal(url.hostname)) return undefined
    let proxy
    try {
      proxy = resolveProxy({ settingsUrl: settingsProxyUrl(), env })
    } catch {
      return undefined // an unusable proxy setting is reported where it is set; downloads go direct
    }
    if (!proxy) return undefined
    const address = proxyUrl(proxy).href
    let agent = agents.get(address)
    if (!agent) agents.set(address, (agent = new HttpsProxyAgent(address)))
    return agent
  }
}

function isLocal(hostname: string): boolean {
  return hostname === 'localhost' || hostname.startsWith('127.') || hostname === '[::1]' || hostname === '::1'
}
