/**
 * A search excerpt as the user reads the answer, not as the model wrote its markdown: emphasis and code marks,
 * heading and quote marks are taken out ("## Setup … **DuckDB**" reads "Setup … DuckDB"), and the match ranges
 * move with the text. Underscores stay (snake_case names are common in answers), and so does anything inside a
 * match, so the marked words are always the ones searched for.
 */
import type { HighlightedText } from './history-types'

/** Runs of `*` or backticks anywhere; `#` runs and `>` that start a (flattened) line, with the space after them. */
const MARKS = /[*`]+|(?<=^|\s)(?:#{1,6}|>)(?= )/g

export function plainSnippet(snippet: HighlightedText): HighlightedText {
  const inMatch = (index: number) => snippet.matches.some((m) => index >= m.start && index < m.end)
  // Which characters of the excerpt stay.
  const keep = Array.from({ length: snippet.text.length }, () => true)
  for (const mark of snippet.text.matchAll(MARKS)) {
    for (let i = mark.index; i < mark.index + mark[0].length; i++) if (!inMatch(i)) keep[i] = false
  }
  let text = ''
  const newIndex: number[] = []
  for (let i = 0; i < snippet.text.length; i++) {
    newIndex.push(text.length)
    // A removed mark between two spaces would leave two (or one at the start): keep one (none).
    const extraSpace = snippet.text[i] === ' ' && (text === '' || text.endsWith(' ')) && !inMatch(i)
    if (keep[i] && !extraSpace) text += snippet.text[i]
  }
  newIndex.push(text.length)
  const matches = snippet.matches
    .map((m) => ({ start: newIndex[m.start]!, end: newIndex[m.end]! }))
    .filter((m) => m.end > m.start)
  return { text, matches }
}
