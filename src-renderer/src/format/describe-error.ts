/** Turns whatever an `invoke` rejected with into one sentence for a toast. */
export function describeError(error: unknown): string {
  const raw = error instanceof Error ? error.message : typeof error === 'string' ? error : ''
  // Electron wraps main-process errors as "Error invoking remote method 'x': Error: <message>".
  const message = raw
    .replace(/^Error invoking remote method '[^']*':\s*/, '')
    .replace(/^(?:[A-Za-z]*Error):\s*/, '')
    .trim()
  return message || 'Something went wrong.'
}
