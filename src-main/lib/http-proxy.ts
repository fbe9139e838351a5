/**
 * The HTTP(S) proxy of a corporate network, from the app's settings or else from `HTTPS_PROXY` / `https_proxy`.
 * One ProxyConfig feeds the MQTT connection (aws-crt proxy options), the AWS SDK clients and model downloads (an
 * agent), so they can never disagree; it lives in lib because cloud mode and the model downloader both need it.
 * Proxy credentials are secrets: `describeProxy` and every error leave them out.
 */

export interface ProxyConfig {
  /** How the app talks to the proxy itself; the tunnel to AWS inside is TLS either way. */
  protocol: 'http' | 'https'
  host: string
  port: number
  username?: string
  password?: string
}

const DEFAULT_PORTS = { http: 80, https: 443 } as const

/** Parses `http://[user[:password]@]host[:port]`; a bare `host:port` (common in HTTPS_PROXY) means http. */
export function parseProxyUrl(text: string): ProxyConfig {
  const trimmed = text.trim()
  let url: URL
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`)
  } catch {
    throw new Error('The proxy address is not valid. Use the form http://host:port or http://user:password@host:port.')
  }
  const protocol = url.protocol.slice(0, -1)
  if (protocol !== 'http' && protocol !== 'https') {
    throw new Error(`The proxy must be an HTTP or HTTPS proxy, not ${protocol}.`)
  }
  if (url.hostname === '') throw new Error('The proxy address has no host name.')
  return {
    protocol,
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? DEFAULT_PORTS[protocol] : Number(url.port),
    ...(url.username !== '' ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password !== '' ? { password: decodeURIComponent(url.password) } : {}),
  }
}

/** The proxy to use: the one in settings, else the environment's, else none. */
export function resolveProxy(
  options: { settingsUrl?: string | undefined; env?: NodeJS.ProcessEnv } = {},
): ProxyConfig | undefined {
  const env = options.env ?? process.env
  const text = [options.settingsUrl, env['HTTPS_PROXY'], env['https_proxy']].find(
    (value) => value !== undefined && value.trim() !== '',
  )
  return text === undefined ? undefined : parseProxyUrl(text)
}

/** The proxy as a URL with its credentials, for agents that take one. */
export function proxyUrl(proxy: ProxyConfig): URL {
  const url = new URL(`${proxy.protocol}://${proxy.host.includes(':') ? `[${proxy.host}]` : proxy.host}:${proxy.port}`)
  if (proxy.username !== undefined) url.username = encodeURIComponent(proxy.username)
  if (proxy.password !== undefined) url.password = encodeURIComponent(proxy.password)
  return url
}

/** For logs and the settings screen: where the proxy is, never its credentials. */
export function describeProxy(proxy: ProxyConfig): string {
  return `${proxy.protocol}://${proxy.host}:${proxy.port}${proxy.username !== undefined ? ' (with credentials)' : ''}`
}
