/**
 * Short text for messages and titles: cut by code points (never half a surrogate pair), the cut marked with an
 * ellipsis, at most `maxChars` in all. Only the start of a long text is looked at, so a megabyte value costs what
 * its excerpt does.
 */
export function truncateText(text: string, maxChars: number): string {
  const chars = Array.from(text.slice(0, maxChars * 2))
  if (chars.length <= maxChars && text.length <= maxChars * 2) return text
  return `${chars
    .slice(0, maxChars - 1)
    .join('')
    .trimEnd()}…`
}

/** A value from outside (a file, a pasted config) in a few words: short ones as JSON, long text cut, else its kind. */
export function describeValue(value: unknown, maxChars = 41): string {
  if (typeof value === 'string') return JSON.stringify(truncateText(value, maxChars))
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) {
    return truncateText(String(value), maxChars)
  }
  if (value === undefined) return 'missing'
  return Array.isArray(value) ? 'a list' : 'an object'
}
