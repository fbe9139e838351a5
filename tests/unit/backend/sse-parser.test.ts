import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ModelError } from '../../../src-main/backend/model-provider'
import { parseSse, type SseEvent } from '../../../src-main/backend/providers/sse-parser'
import { unicodeText } from '../../support/unicode-text'

const encoder = new TextEncoder()

async function* bytes(chunks: Array<string | Uint8Array>): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield typeof chunk === 'string' ? encoder.encode(chunk) : chunk
}

async function parse(chunks: Array<string | Uint8Array>, maxEventLength?: number): Promise<SseEvent[]> {
  const events: SseEvent[] = []
  for await (const event of parseSse(bytes(chunks), { maxEventLength })) events.push(event)
  return events
}

/** The byte stream cut at the given offsets. */
function splitAt(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts)].sort((a, b) => a - b)
  const pieces: Uint8Array[] = []
  let start = 0
  for (const point of points) {
    pieces.push(data.subarray(start, point))
    start = point
  }
  pieces.push(data.subarray(start))
  return pieces
}

describe('parseSse', () => {
  it('yields one event per blank-line-terminated block, with its event name', async () => {
    expect(await parse(['data: one\n\nevent: update\ndata: two\n\n'])).toEqual([
      { data: 'one' },
      { event: 'update', data: 'two' },
    ])
  })

  it('accepts \\n, \\r\\n and \\r line endings, mixed in one stream', async () => {
    expect(await parse(['data: a\r\n\r\ndata: b\r\rdata: c\n\ndata: d\r\n\n'])).toEqual([
      { data: 'a' },
      { data: 'b' },
      { data: 'c' },
      { data: 'd' },
    ])
  })

  it('treats a \\r\\n split across chunks as one line ending, not two', async () => {
    // Two endings would be a blank line and dispatch "a" on its own.
    expect(await parse(['data: a\r', '\ndata: b\r', '\n\r', '\n'])).toEqual([{ data: 'a\nb' }])
  })

  it('keeps a \\r at the end of one chunk paired with a \\n after an empty chunk', async () => {
    expect(await parse(['data: a\r', new Uint8Array(0), '\ndata: b\r\n\r\n'])).toEqual([{ data: 'a\nb' }])
  })

  it('joins multi-line data with \\n', async () => {
    expect(await parse(['data: first\ndata: second\ndata:\ndata: fourth\n\n'])).toEqual([
      { data: 'first\nsecond\n\nfourth' },
    ])
  })

  it('ignores comment lines and unknown fields, id and retry', async () => {
    expect(await parse([': keep-alive\n\n:another\ndata: x\nid: 7\nretry: 100\nfoo: bar\n: mid-event\n\n'])).toEqual([
      { data: 'x' },
    ])
  })

  it('removes only one space after the colon', async () => {
    expect(await parse(['data:tight\n\ndata: one\n\ndata:  two\n\ndata: \n\n'])).toEqual([
      { data: 'tight' },
      { data: 'one' },
      { data: ' two' },
      { data: '' },
    ])
  })

  it('reads a line without a colon as a field with an empty value', async () => {
    expect(await parse(['data\ndata\n\n'])).toEqual([{ data: '\n' }])
  })

  it('keeps colons inside the value', async () => {
    expect(await parse(['data: {"a":"b: c"}\n\n'])).toEqual([{ data: '{"a":"b: c"}' }])
  })

  it('dispatches nothing for a block without data, and the event name does not leak into the next event', async () => {
    expect(await parse(['event: ping\n\ndata: x\n\n'])).toEqual([{ data: 'x' }])
  })

  it('does not emit a final event that lacks its blank line', async () => {
    expect(await parse(['data: complete\n\ndata: incomplete\n'])).toEqual([{ data: 'complete' }])
    expect(await parse(['data: complete\n\ndata: no line end'])).toEqual([{ data: 'complete' }])
  })

  it('decodes a multi-byte character split between chunks', async () => {
    const all = encoder.encode('data: é🌍€\n\n')
    for (let cut = 1; cut < all.length; cut++) {
      expect(await parse([all.subarray(0, cut), all.subarray(cut)])).toEqual([{ data: 'é🌍€' }])
    }
    // Byte by byte, too.
    expect(await parse([...all].map((byte) => Uint8Array.of(byte)))).toEqual([{ data: 'é🌍€' }])
  })

  it('drops a leading byte order mark', async () => {
    expect(await parse([Uint8Array.of(0xef, 0xbb, 0xbf), 'data: x\n\n'])).toEqual([{ data: 'x' }])
  })

  it('replaces invalid UTF-8 instead of failing', async () => {
    expect(await parse([Uint8Array.of(0x64, 0x61, 0x74, 0x61, 0x3a, 0xff, 0x0a, 0x0a)])).toEqual([{ data: '\uFFFD' }])
  })

  it('refuses an event larger than the limit, whether it arrives as data lines or as one endless line', async () => {
    const line = `data: ${'x'.repeat(99)}\n` // 100 characters of data each (99 + the joining \n)
    await expect(parse([line.repeat(9), '\n'], 1000)).resolves.toHaveLength(1)
    const many = parse([line.repeat(11), '\n'], 1000)
    await expect(many).rejects.toBeInstanceOf(ModelError)
    await expect(many).rejects.toMatchObject({ code: 'bad-response' })
    const endless = parse(
      Array.from({ length: 20 }, () => 'x'.repeat(100)),
      1000,
    )
    await expect(endless).rejects.toMatchObject({ code: 'bad-response' })
  })

  it('accepts an event of exactly the limit and refuses one character more', async () => {
    const line = `data: ${'x'.repeat(99)}\n` // 100 characters each, the joining \n counted
    await expect(parse([line.repeat(10), '\n'], 1000)).resolves.toEqual([
      { data: Array(10).fill('x'.repeat(99)).join('\n') },
    ])
    const oneMore = `data: ${'x'.repeat(100)}\n`
    await expect(parse([line.repeat(9), oneMore, '\n'], 1000)).rejects.toMatchObject({ code: 'bad-response' })
    // A line still being read counts up to the limit as well: 1000 characters held is fine, 1001 is not.
    await expect(parse(['x'.repeat(1000), '\n'], 1000)).resolves.toEqual([])
    await expect(parse(['x'.repeat(1001)], 1000)).rejects.toMatchObject({ code: 'bad-response' })
  })

  it('counts the data already held with the line being read, so an event never holds more than the limit', async () => {
    // 900 characters of data held, then a line that never ends: refused once the two together pass the limit,
    // not when the line alone has grown to the limit (which would hold almost twice as much).
    let pulled = 0
    async function* slowLine(): AsyncGenerator<Uint8Array> {
      yield encoder.encode(`data: ${'x'.repeat(899)}\n`)
      for (let i = 0; i < 20; i++) {
        pulled += 1
        yield encoder.encode('y'.repeat(60))
      }
    }
    const events: SseEvent[] = []
    await expect(
      (async () => {
        for await (const event of parseSse(slowLine(), { maxEventLength: 1000 })) events.push(event)
      })(),
    ).rejects.toMatchObject({ code: 'bad-response' })
    expect(events).toEqual([])
    expect(pulled).toBe(2) // 900 + 60 fits; 900 + 120 does not
  })

  it('refuses an oversized event that arrives whole in one chunk, before yielding it', async () => {
    const whole = parse([`data: ${'x'.repeat(1100)}\n\n`], 1000)
    await expect(whole).rejects.toMatchObject({ code: 'bad-response' })
    await expect(whole).rejects.toThrow('The server sent an event larger than 1 KB; the answer was stopped.')
  })

  it('applies the limit per event, not to the whole stream', async () => {
    const event = `data: ${'x'.repeat(500)}\n\n`
    await expect(
      parse(
        Array.from({ length: 50 }, () => event),
        1000,
      ),
    ).resolves.toHaveLength(50)
  })

  it('reads a web ReadableStream and cancels it when the consumer stops early', async () => {
    let cancelled = false
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('data: 1\n\ndata: 2\n\n'))
      },
      cancel() {
        cancelled = true
      },
    })
    for await (const event of parseSse(stream)) {
      expect(event).toEqual({ data: '1' })
      break
    }
    expect(cancelled).toBe(true)
  })

  it('reads a web ReadableStream to its end without cancelling it', async () => {
    let cancelled = false
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('data: 1\n\n'))
        controller.enqueue(encoder.encode('data: 2\n\n'))
        controller.close()
      },
      cancel() {
        cancelled = true
      },
    })
    const events: SseEvent[] = []
    for await (const event of parseSse(stream)) events.push(event)
    expect(events).toEqual([{ data: '1' }, { data: '2' }])
    expect(cancelled).toBe(false)
    // Released, not locked to the finished parser.
    expect(stream.locked).toBe(false)
  })

  it('passes on an error of the byte stream', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield encoder.encode('data: 1\n\n')
      throw new Error('socket closed')
    }
    const seen: SseEvent[] = []
    await expect(
      (async () => {
        for await (const event of parseSse(failing())) seen.push(event)
      })(),
    ).rejects.toThrow('socket closed')
    expect(seen).toEqual([{ data: '1' }])
  })

  it('yields the same events however the bytes are split (property)', async () => {
    const lineText = unicodeText({ maxLength: 20 }).map((text) => text.replace(/[\r\n]/g, ''))
    const eventArb = fc.record({
      event: fc.option(
        lineText.filter((name) => name !== ''),
        { nil: undefined },
      ),
      dataLines: fc.array(lineText, { minLength: 1, maxLength: 4 }),
      comment: fc.boolean(),
    })
    const lineEnd = fc.constantFrom('\n', '\r\n', '\r')
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(eventArb, fc.array(lineEnd, { minLength: 8, maxLength: 8 })), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (events, rawCuts) => {
          let text = ''
          for (const [{ event, dataLines, comment }, ends] of events) {
            const lines = [
              ...(comment ? [': comment'] : []),
              ...(event !== undefined ? [`event: ${event}`] : []),
              ...dataLines.map((line) => `data: ${line}`),
              '',
            ]
            for (const [i, line] of lines.entries()) {
              let end = ends[i % ends.length] ?? '\n'
              // "\r" then an empty line ending in "\n" would read as one CRLF: that is the serializer's ambiguity.
              if (line === '' && end === '\n' && text.endsWith('\r')) end = '\r\n'
              text += line + end
            }
          }
          const data = encoder.encode(text)
          const cuts = rawCuts.map((cut) => cut % (data.length + 1))
          const expected = events.map(([{ event, dataLines }]) => ({
            ...(event !== undefined ? { event } : {}),
            data: dataLines.join('\n'),
          }))
          expect(await parse(splitAt(data, cuts))).toEqual(expected)
        },
      ),
      { numRuns: 200 },
    )
  }, 30_000) // generous: a loaded CI machine runs the 200 cases slowly
})
