/** Turns whatever an `invoke` rejected with into one sentence for a toast or a form. */
export function describeError(error: unknown): string {
  const raw = error instanceof Error ? error.message : typeof error === 'string' ? error : ''
  // Electron wraps main-process errors as "Error invoking remote method 'x': Error: <message>".
  const message = raw
    .replace(/^Error invoking remote method '[^']*':\s*/, '')
    .replace(/^(?:[A-Za-z]*Error):\s*/, '')
    .trim()
  return plainValidationMessage(message) || 'Something went wrong.'
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
