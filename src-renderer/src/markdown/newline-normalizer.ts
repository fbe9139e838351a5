/**
 * markdown-it normalizes `\r\n`, lone `\r` and NUL before parsing. The incremental renderer must see exactly the
 * text markdown-it would see, but a stream may split `\r\n` across two deltas, so a trailing `\r` is held back
 * until the next chunk says whether a `\n` follows it.
 */
export interface NewlineNormalizer {
  push(chunk: string): string
  /** Releases a held-back `\r` at the end of the stream. */
  flush(): string
}

const UNNORMALIZED = /\r\n?|\0/g

function normalize(text: string): string {
  return text.replace(UNNORMALIZED, (match) => (match === '\0' ? '\uFFFD' : '\n'))
}

export function createNewlineNormalizer(): NewlineNormalizer {
  let heldCarriageReturn = false
  return {
    push(chunk) {
      let text = heldCarriageReturn ? `\r${chunk}` : chunk
      heldCarriageReturn = text.endsWith('\r')
      if (heldCarriageReturn) text = text.slice(0, -1)
      return normalize(text)
    },
    flush() {
      const released = heldCarriageReturn ? '\n' : ''
      heldCarriageReturn = false
      return released
    },
  }
}
