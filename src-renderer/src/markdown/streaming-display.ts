/**
 * What the open end of a streaming answer shows, so raw markdown does not flash before the text that completes it
 * arrives (issue 16): "For a **d" shows "For a **d**" (bold "d"), and a table's header row waits, unshown, until
 * its delimiter row has arrived (until then markdown-it would render it as a paragraph of pipes).
 *
 * Only the display changes, and only at the very end of the text: the stored answer is the text as received, and
 * once the stream ends (or the line ends) the view is exactly markdown-it's. A delimiter still open at a line's end
 * is left as is: emphasis rarely spans lines, and guessing there would flash formatting instead.
 */
import type { TopLevelBlock } from './markdown-engine'

/**
 * `source` as the view shows it while it streams. `lastBlock` is the last top-level block of `source` (its
 * `start` an offset into `source`), or undefined when `source` has none.
 */
export function displayedWhileStreaming(source: string, lastBlock: TopLevelBlock | undefined): string {
  if (!lastBlock || lastBlock.kind === 'fence') return source
  const blockSource = source.slice(lastBlock.start)
  if (INDENTED_CODE.test(blockSource) || insideNestedFence(blockSource)) return source
  if (lastBlock.kind === 'paragraph' && isPendingTableHead(lastBlock.content)) return source.slice(0, lastBlock.start)
  const lineStart = source.lastIndexOf('\n') + 1
  return source.slice(0, lineStart) + closeOpenLine(source.slice(lineStart))
}

const INDENTED_CODE = /^(?: {4}|\t)/
const FENCE_LINE = /^[ \t>]*(?:[-*+]|\d+[.)])?[ \t]*(?:```|~~~)/gm
/** An odd number of fence lines in a list or quote: the open end is code. */
const insideNestedFence = (blockSource: string) => (blockSource.match(FENCE_LINE)?.length ?? 0) % 2 === 1

/** A delimiter row still arriving: pipes, dashes, colons and spaces only. */
const PARTIAL_DELIMITER_ROW = /^[ \t]*\|?[ \t:|-]*$/

/** A paragraph that is a table's header row, and perhaps part of its delimiter row, with nothing else yet. */
function isPendingTableHead(paragraph: string): boolean {
  const [head, delimiter, ...rest] = paragraph.split('\n')
  if (rest.length > 0 || !head?.trimStart().startsWith('|')) return false
  return delimiter === undefined || PARTIAL_DELIMITER_ROW.test(delimiter)
}

interface OpenRun {
  char: string
  length: number
}

/**
 * The unfinished last line with its open inline delimiters closed: emphasis (`*`, `_`), strikethrough (`~~`) and a
 * code span. A delimiter run at the very end is dropped instead (nothing to format yet, and it may be the first half
 * of a closing `**`). Closers go before trailing whitespace, where they still close.
 */
export function closeOpenLine(line: string): string {
  const open: OpenRun[] = []
  let codeCloser = ''
  let end = line.trimEnd().length
  for (let i = 0; i < end; i++) {
    const char = line[i]!
    if (char === '\\') {
      i++
      continue
    }
    if (char !== '`' && char !== '*' && char !== '_' && char !== '~') continue
    let runEnd = i + 1
    while (line[runEnd] === char) runEnd++
    const length = runEnd - i
    if (runEnd >= end) {
      end = i // a run at the end: dropped
      break
    }
    if (char === '`') {
      const close = codeSpanEnd(line, runEnd, length)
      if (close < 0) {
        codeCloser = char.repeat(length)
        break // the rest of the line is code
      }
      i = close - 1
      continue
    }
    const before = line[i - 1]
    const after = line[runEnd]!
    if (char === '~' && length !== 2) {
      i = runEnd - 1
      continue
    }
    if (isRightFlanking(before, after)) closeNearest(open, char, length)
    else if (isLeftFlanking(before, after) && !(char === '_' && before !== undefined && isAlphanumeric(before))) {
      open.push({ char, length })
    }
    i = runEnd - 1
  }
  const closers =
    codeCloser +
    open
      .reverse()
      .map(({ char, length }) => char.repeat(length))
      .join('')
  const kept = line.slice(0, end)
  const body = kept.trimEnd()
  return body + closers + kept.slice(body.length) + line.slice(line.trimEnd().length)
}

/** Where the code span opened by `length` backticks ends (after its closing run of exactly as many), or -1. */
function codeSpanEnd(line: string, from: number, length: number): number {
  for (let at = line.indexOf('`', from); at >= 0; at = line.indexOf('`', at)) {
    const runStart = at
    while (line[at] === '`') at++
    if (at - runStart === length) return at
  }
  return -1
}

/** A closer ends the nearest opener of its character; what it does not use of a longer opener stays open. */
function closeNearest(open: OpenRun[], char: string, length: number): void {
  const at = open.findLastIndex((run) => run.char === char)
  if (at < 0) return
  const run = open[at]!
  open.splice(at)
  if (run.length > length) open.push({ char, length: run.length - length })
}

// CommonMark's flanking rules, with the strict reading for an opener (left- and not right-flanking), so that `a*b`
// in arithmetic is never taken for the start of emphasis.
const isWhitespace = (char: string | undefined) => char === undefined || /\s/u.test(char)
const isPunctuation = (char: string | undefined) => char !== undefined && /[\p{P}\p{S}]/u.test(char)
const isAlphanumeric = (char: string) => /[\p{L}\p{N}]/u.test(char)

function isLeftFlanking(before: string | undefined, after: string): boolean {
  if (isWhitespace(after)) return false
  return !isPunctuation(after) || isWhitespace(before) || isPunctuation(before)
}

function isRightFlanking(before: string | undefined, after: string): boolean {
  if (before === undefined || isWhitespace(before)) return false
  return !isPunctuation(before) || isWhitespace(after) || isPunctuation(after)
}
