import { withoutUrlCredentials } from './url-credentials'

/**
 * The message of anything thrown: an Error's own message, a thrown string as it is, anything else as text. For
 * user-facing text and logs, where `(error as Error).message` would print "undefined" for a thrown string. Any URL
 * in it loses its credentials: a client's error may quote the `user:password@` it was given.
 */
export function errorMessage(error: unknown): string {
  return withoutUrlCredentials(rawMessage(error))
}

function rawMessage(error: unknown): string {
  if (error instanceof Error) return error.message
  if (typeof error === 'string') return error
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string')
    return (error as { message: string }).message
  try {
    return String(error)
  } catch {
    return Object.prototype.toString.call(error)
  }
}
