/**
 * A conversation's automatic title, made on the device from its first prompt (no model call, so it is there the
 * moment the conversation is): the first line that says something in words (code and markdown marks skipped),
 * the question's lead-in dropped ("How do I", "Can you please", "〜を教えてください"), so that the titles of
 * similar questions differ where the questions do, and cut at a word boundary.
 */
import { truncateText } from '../../lib/truncate-text'

/** The longest automatic title; the sidebar shows what fits and the full title on hover. */
export const TITLE_FROM_PROMPT_CHARS = 80
export const UNTITLED = 'New conversation'

/** Lead-ins that say nothing about the topic, tried again after each match ("Hi, can you please help me …"). */
const LEAD_INS: readonly RegExp[] = [
  /^(?:hi|hello|hey)(?: there)?[,!.]\s*/i,
  /^(?:please|pls)\b,?\s*/i,
  /^(?:can|could|would|will) you\b(?:\s+please\b)?,?\s*/i,
  /^how (?:do|can|should|would) (?:i|we|you|one)\b\s*/i,
  /^i(?: would|'d)? (?:want|need|like) (?:you )?to\b\s*/i,
  /^help me(?: to)?\b\s*/i,
]
/** Japanese request endings ("… please tell me about"): the topic comes before them. */
const JAPANESE_ENDINGS =
  /(?:について)?(?:を)?(?:教えて|説明して|書いて)(?:ください|下さい|くれますか|もらえますか)?[。？?！!]*$/u

const CODE_FENCE = /^\s*(?:```|~~~)/
/** Block marks at the start of a line: headings, quotes, list items. */
const BLOCK_MARKS = /^(?:#{1,6}\s+|>\s*|[-*+]\s+|\d{1,3}[.)]\s+)+/
/** Inline emphasis and code marks, which a title shows as plain text. */
const INLINE_MARKS = /(\*\*|__|`+|~~)/g

export function titleFromPrompt(prompt: string): string {
  const line = firstLineInWords(prompt)
  const plain = line.replace(BLOCK_MARKS, '').replace(INLINE_MARKS, '').replace(/\s+/g, ' ').trim()
  const topic = withoutLeadIn(plain)
  return cutAtWord(topic) || UNTITLED
}

/** The first non-empty line outside code fences; the first code line when the prompt is only code. */
function firstLineInWords(prompt: string): string {
  const lines = prompt.split(/\r?\n/, 200)
  let inCode = false
  let firstCode: string | undefined
  for (const line of lines) {
    if (CODE_FENCE.test(line)) {
      inCode = !inCode
      continue
    }
    if (line.trim() === '') continue
    if (!inCode) return line
    firstCode ??= line
  }
  return firstCode ?? ''
}

function withoutLeadIn(text: string): string {
  let rest = text
  for (let changed = true; changed;) {
    changed = false
    for (const leadIn of LEAD_INS) {
      const shorter = rest.replace(leadIn, '')
      // A lead-in alone ("Can you?") is the whole question: keep it.
      if (shorter !== rest && /\p{L}/u.test(shorter)) {
        rest = shorter
        changed = true
      }
    }
  }
  const japanese = rest.replace(JAPANESE_ENDINGS, '')
  if (japanese !== rest && /\p{L}/u.test(japanese)) rest = japanese
  // A question turned into a topic ("How do I X?" → "X") loses its question mark and starts with a capital.
  return rest === text ? rest : capitalise(rest.replace(/\s*[?？]+$/u, ''))
}

function capitalise(text: string): string {
  return text.charAt(0).toLocaleUpperCase('en') + text.slice(1)
}

/** Cut by code points, back to the last space when there is one near the end (not inside a word). */
function cutAtWord(text: string): string {
  const cut = truncateText(text, TITLE_FROM_PROMPT_CHARS)
  if (cut === text) return text
  const kept = cut.slice(0, -1)
  const space = kept.lastIndexOf(' ')
  return space >= kept.length - 20 && space > 0 ? `${kept.slice(0, space).trimEnd()}…` : cut
}
