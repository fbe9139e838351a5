import { decodeUserMessage } from '../../../src-main/shared/user-message'
import type { Strings } from '../i18n/en'
import { messageLine } from '../i18n/main-message'

/** Turns whatever an `invoke` rejected with into one sentence for a toast or a form, in the UI's language. */
export function describeError(error: unknown, t: Strings): string {
  const raw = error instanceof Error ? error.message : typeof error === 'string' ? error : ''
  const { english, message: keyed } = decodeUserMessage(raw)
  if (keyed) return messageLine(t, keyed)
  // Electron wraps main-process errors as "Error invoking remote method 'x': Error: <message>".
  const message = english
    .replace(/^Error invoking remote method '[^']*':\s*/, '')
    .replace(/^(?:[A-Za-z]*Error):\s*/, '')
    .trim()
  return plainValidationMessage(message) || t.mainMessage.unknown
}

/**
 * Main's argument check says "Invalid arguments for auth:sign-in at 0: enter a valid email address": the channel
 * and position mean nothing to the user, the reason does. Other messages pass through unchanged.
 */
function plainValidationMessage(message: string): string {
  const reason = /^Invalid arguments for [\w:-]+(?: at [\w.]+)?: (.+)$/s.exec(message)?.[1]?.trim()
  if (!reason) return message
  const sentence = reason.charAt(0).toUpperCase() + reason.slice(1)
  return /[.!?。]$/.test(sentence) ? sentence : `${sentence}.`
}
