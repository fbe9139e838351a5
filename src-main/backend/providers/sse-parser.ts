/**
 * A Server-Sent Events parser over a byte stream, following
 * https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation.
 * Chunk boundaries may fall anywhere, even inside a UTF-8 character or between the `\r` and `\n` of a CRLF.
 * `id:` and `retry:` are ignored: model APIs do not use reconnection.
 */
import { ModelError } from '../model-provider'

export interface SseEvent {
  /** The `event:` field, when the server named the event (absent means the default "message"). */
  event?: string
  data: string
}

export interface SseParserOptions {
  /** Largest event (its data plus the line being read), in UTF-16 code units; a server beyond it is refused. */
  maxEventLength?: number
}

export const DEFAULT_MAX_EVENT_LENGTH = 1024 * 1024

export async function* parseSse(
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  options: SseParserOptions = {},
): AsyncGenerator<SseEvent, void, undefined> {
  const maxLength = options.maxEventLength ?? DEFAULT_MAX_EVENT_LENGTH
  // Non-fatal decoding replaces invalid bytes with U+FFFD, as the spec asks; `stream: true` keeps a character
  // split across chunks for the next call. The decoder also drops a leading byte order mark.
  const decoder = new TextDecoder('utf-8')
  let line = '' // the incomplete last line of what has arrived so far
  let data: string[] = []
  let dataLength = 0
  let eventName: string | undefined
  let skipLineFeed = false // the previous chunk ended in `\r`, which may be half of a `\r\n`
  const lineEnd = /\r\n|\r|\n/g // per call: its lastIndex must survive our own yields

  const tooLarge = () =>
    new ModelError(
      'bad-response',
      `The server sent an event larger than ${Math.round(maxLength / 1024)} KB; the answer was stopped.`,
    )

  /** Applies one complete line; returns the event it completes, if any. */
  const processLine = (text: string): SseEvent | undefined => {
    if (text === '') {
      const event = data.length > 0 ? { ...(eventName ? { event: eventName } : {}), data: data.join('\n') } : undefined
      data = []
      dataLength = 0
      eventName = undefined
      return event
    }
    if (text.startsWith(':')) return undefined // a comment, often a keep-alive
    const colon = text.indexOf(':')
    const field = colon === -1 ? text : text.slice(0, colon)
    let value = colon === -1 ? '' : text.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') {
      dataLength += value.length + 1
      if (dataLength > maxLength) throw tooLarge()
      data.push(value)
    } else if (field === 'event') {
      eventName = value
    }
    return undefined
  }

  for await (const chunk of readChunks(source)) {
    let text = decoder.decode(chunk, { stream: true })
    if (text === '') continue // only part of a multi-byte character so far
    if (skipLineFeed && text.startsWith('\n')) text = text.slice(1)
    skipLineFeed = false
    let start = 0
    lineEnd.lastIndex = 0
    for (let match = lineEnd.exec(text); match; match = lineEnd.exec(text)) {
      const event = processLine(line + text.slice(start, match.index))
      line = ''
      start = lineEnd.lastIndex
      if (match[0] === '\r' && start === text.length) skipLineFeed = true
      if (event) yield event
    }
    line += text.slice(start)
    if (line.length + dataLength > maxLength) throw tooLarge()
  }
  // Whatever is left (a last line or event without its blank line) is discarded, as the spec says.
}

/** Reads a web stream or any async iterable of bytes; stopping early cancels the stream (closing the connection). */
async function* readChunks(source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (!('getReader' in source)) {
    yield* source
    return
  }
  const reader = source.getReader()
  let finished = false
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) {
        finished = true
        return
      }
      yield value
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined)
    reader.releaseLock()
  }
}
