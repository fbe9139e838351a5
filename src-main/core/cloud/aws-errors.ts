/**
 * Classifies errors from the AWS SDK without ever reading their messages into anything shown or logged: an SDK
 * error's message can quote the request, and requests here carry passwords, codes and tokens.
 */

const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ERR_PROXY_CONNECTION',
])
const NETWORK_ERROR_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'NetworkingError'])
/** Statuses of an answer that did not come from AWS (the SDK names such errors "Unknown"): a proxy or gateway. */
const NOT_FROM_AWS_STATUSES = new Set([407, 502, 503, 504])

/** The error's name when it looks like an identifier (`NotAuthorizedException`), else a generic one. */
export function awsErrorName(error: unknown): string {
  const name = error instanceof Error ? error.name : undefined
  return name !== undefined && /^[A-Za-z][A-Za-z0-9_]{0,79}$/.test(name) ? name : 'Error'
}

/** True when AWS never answered: no network, DNS, a proxy that refused or failed, or a timeout. */
export function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  const code = (error as NodeJS.ErrnoException).code
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
  return (
    (code !== undefined && NETWORK_ERROR_CODES.has(code)) ||
    NETWORK_ERROR_NAMES.has(error.name) ||
    (error.name === 'Unknown' && status !== undefined && NOT_FROM_AWS_STATUSES.has(status))
  )
}

/** The AWS error message only when it is plain words (policy descriptions); never anything that could be a secret. */
export function plainWordsMessage(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : undefined
  return message !== undefined && /^[A-Za-z][A-Za-z :,.'()-]{0,199}$/.test(message) ? message : undefined
}
