/**
 * A search snippet as plain pieces, each marked or not, for the UI to render as text nodes (matches inside
 * `<mark>`). Nothing here is ever HTML. Ranges are UTF-16 offsets from main; they are trusted for nothing:
 * out-of-range, empty, reversed, overlapping or unsorted ranges are clamped, dropped, merged and sorted, and a
 * range never splits a surrogate pair.
 */
import type { HighlightedText } from '../../../src-main/shared/ipc-contract'

export interface Segment {
  text: string
  marked: boolean
}

export function highlightSegments({ text, matches }: HighlightedText): Segment[] {
  const ranges = normalizeRanges(text, matches)
  const segments: Segment[] = []
  let at = 0
  for (const { start, end } of ranges) {
    if (start > at) segments.push({ text: text.slice(at, start), marked: false })
    segments.push({ text: text.slice(start, end), marked: true })
    at = end
  }
  if (at < text.length || segments.length === 0) segments.push({ text: text.slice(at), marked: false })
  return segments
}

function normalizeRanges(text: string, matches: readonly { start: number; end: number }[]) {
  const clamp = (offset: number) => Math.max(0, Math.min(text.length, Math.trunc(Number.isFinite(offset) ? offset : 0)))
  const ranges = matches
    .map(({ start, end }) => ({ start: outsidePair(text, clamp(start), -1), end: outsidePair(text, clamp(end), 1) }))
    .filter(({ start, end }) => end > start)
    .sort((a, b) => a.start - b.start || a.end - b.end)
  const merged: Array<{ start: number; end: number }> = []
  for (const range of ranges) {
    const last = merged.at(-1)
    if (last && range.start <= last.end) last.end = Math.max(last.end, range.end)
    else merged.push({ ...range })
  }
  return merged
}

/** Moves an offset that falls inside a surrogate pair to the pair's start (-1) or end (+1). */
function outsidePair(text: string, offset: number, direction: -1 | 1): number {
  const code = text.charCodeAt(offset)
  const insidePair = code >= 0xdc00 && code <= 0xdfff && offset > 0 && isHighSurrogate(text.charCodeAt(offset - 1))
  if (!insidePair) return offset
  return direction < 0 ? offset - 1 : offset + 1
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff
}
