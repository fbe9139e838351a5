/**
 * Rules about a model server's address that both the settings form and the settings store apply: a key belongs to
 * the origin it was saved for, and goes in clear text only to this computer unless the user confirms.
 */

/** `scheme://host:port` of a URL, or undefined when it is not one. */
export function urlOrigin(url: string): string | undefined {
  try {
    return new URL(url.trim()).origin
  } catch {
    return undefined
  }
}

/** This computer: `localhost` (and `*.localhost`), 127.0.0.0/8, `::1`. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '')
  return host === 'localhost' || host.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(host) || host === '::1'
}

/** A key sent to this address would cross the network unencrypted: plain `http:` to another computer. */
export function sendsKeyInClearText(baseUrl: string): boolean {
  try {
    const url = new URL(baseUrl.trim())
    return url.protocol === 'http:' && !isLoopbackHost(url.hostname)
  } catch {
    return false
  }
}

/** A user name or password written into the URL (`https://user:pass@host`), which a model server never takes. */
export function hasUrlCredentials(url: string): boolean {
  try {
    const { username, password } = new URL(url.trim())
    return username !== '' || password !== ''
  } catch {
    return false
  }
}

export const BASE_URL_CREDENTIALS_MESSAGE =
  'The server address must not contain a user name or password: put the key in the API key field.'
