/**
 * Whether literal text left over from inline parsing could still pair with text that arrives later: an unmatched
 * `[` or backtick, or an emphasis/strikethrough run able to open. Such text makes a paragraph piece unsafe to
 * seal. Conservative by design: when in doubt (a run at the edge of the text token), it says live.
 */
export function hasLiveDelimiter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!
    if (char === '[' || char === '`') return true
    if (char !== '*' && char !== '_' && char !== '~') continue
    let end = i + 1
    while (text[end] === char) end++
    if (!isInertRun(char, end - i, text[i - 1], text[end])) return true
    i = end - 1
  }
  return false
}

function isInertRun(char: string, length: number, before: string | undefined, after: string | undefined): boolean {
  if (char === '~' && length < 2) return true // strikethrough needs `~~`
  if (before === undefined || after === undefined) return false
  if (isWhitespace(before) && isWhitespace(after)) return true // neither left- nor right-flanking
  return char === '_' && isAlphanumeric(before) && isAlphanumeric(after) // intraword `_` never opens or closes
}

const isWhitespace = (char: string) => char === ' ' || char === '\t' || char === '\n'
const isAlphanumeric = (char: string) => /[\p{L}\p{N}]/u.test(char)
