import fc from 'fast-check'
import MarkdownIt from 'markdown-it'
import { describe, expect, it } from 'vitest'
import {
  IncrementalMarkdown,
  viewHtml,
  type IncrementalMarkdownOptions,
  type MarkdownView,
} from '../../../src-renderer/src/markdown/incremental-markdown'
import { createMarkdownEngine, type MarkdownEngine } from '../../../src-renderer/src/markdown/markdown-engine'
import {
  cutIntoPieces,
  displayFormOf,
  exampleDocuments,
  markdownDocument,
  markdownishNoise,
} from './markdown-documents'

const engine = createMarkdownEngine()
const oneShot = (text: string) => engine.render(text, {}).html
/** What a frame shows of `text` while it streams: markdown-it's render of its display form. */
const shownWhileStreaming = (text: string) => oneShot(displayFormOf(text, engine))

/**
 * A view's HTML with a table's row groups merged: a table streamed in pieces has one `<tbody>` per piece, which
 * renders exactly as markdown-it's single one.
 */
const shownHtml = (view: MarkdownView) => viewHtml(view).replaceAll('</tbody>\n<tbody>\n', '')

/**
 * Streams `pieces` in, taking a view ("a frame") after the pieces `frames` marks, each of which must already
 * render exactly what markdown-it renders for the text so far (in its display form); then finishes.
 */
function renderIncrementally(
  pieces: readonly string[],
  frames: readonly boolean[] = [true],
  options: IncrementalMarkdownOptions = {},
): MarkdownView {
  const doc = new IncrementalMarkdown(engine, options)
  let sent = ''
  pieces.forEach((piece, i) => {
    doc.append(piece)
    sent += piece
    // A '\r' at the very end is held back until the next piece says whether '\n' follows.
    if (frames[i % frames.length]) expect(shownHtml(doc.current())).toBe(shownWhileStreaming(sent.replace(/\r$/, '')))
  })
  doc.finish()
  return doc.current()
}

describe('IncrementalMarkdown', () => {
  describe.each(Object.entries(exampleDocuments))('example %s', (_name, text) => {
    it('matches the one-shot render when streamed character by character', () => {
      expect(shownHtml(renderIncrementally([...text]))).toBe(oneShot(text))
    })

    it('matches the one-shot render when streamed line by line', () => {
      expect(shownHtml(renderIncrementally(text.split(/(?<=\n)/)))).toBe(oneShot(text))
    })

    it('matches the one-shot render at every frame when long paragraphs and fences render in pieces', () => {
      const view = renderIncrementally(cutIntoPieces(text, [3, 7, 1]), [true], { pieceSize: 6 })
      expect(shownHtml(view)).toBe(oneShot(text))
    })
  })

  it('keeps the configured renderer equal to plain markdown-it where no link or fence is involved', () => {
    const plain = new MarkdownIt({ html: false, linkify: false })
    for (const name of ['paragraphs', 'headings', 'looseList', 'nestedList', 'blockquotes', 'tables'] as const) {
      const text = exampleDocuments[name]!
      // Cell alignment is a class here (the CSP refuses style attributes), a style attribute in markdown-it.
      const plainHtml = plain.render(text).replace(/style="text-align:(\w+)"/g, 'class="md-align-$1"')
      expect(shownHtml(renderIncrementally([...text]))).toBe(plainHtml)
    }
  })

  it('does not split on an unfinished line that could still change its meaning', () => {
    const doc = new IncrementalMarkdown(engine)
    doc.append('Foo\n#')
    doc.current()
    doc.append('hashtag and ')
    doc.append('\n***')
    doc.current()
    doc.append('bold***\n')
    doc.finish()
    expect(shownHtml(doc.current())).toBe('<p>Foo\n#hashtag and\n<em><strong>bold</strong></em></p>\n')
  })

  it('holds a \\r split from its \\n across deltas', () => {
    const pieces = ['a\r', '\nb\r', '\r', '\n# h\r']
    expect(shownHtml(renderIncrementally(pieces))).toBe(oneShot(pieces.join('')))
  })

  it('keeps blocks final only once a following block has begun, and lists and fences open until closed', () => {
    const doc = new IncrementalMarkdown(engine)
    doc.append('First paragraph.\n\n- item one\n- item two\n\n')
    expect(doc.current().blocks.map((b) => b.html)).toEqual(['<p>First paragraph.</p>\n'])
    doc.append('```ts\nlet a = 1\n\n')
    expect(doc.current().blocks).toHaveLength(2)
    expect(shownHtml({ blocks: [], tail: doc.current().tail })).toContain('let a = 1')
    doc.append('```\nafter\n')
    expect(doc.current().blocks).toHaveLength(3)
    expect(doc.current().tail.map((b) => b.html)).toEqual(['<p>after</p>\n'])
  })

  it('keeps the identity of final blocks from frame to frame (so memoized components skip them)', () => {
    const doc = new IncrementalMarkdown(engine)
    doc.append('one\n\ntwo\n\n')
    const first = doc.current().blocks[0]
    doc.append('three\n\nfour\n')
    expect(doc.current().blocks[0]).toBe(first)
    expect(doc.current().blocks.map((b) => b.key)).toEqual([0, 5, 10])
  })

  it('parses and renders only the tail, not the whole message, per frame', () => {
    let parsed = 0
    let rendered = 0
    const counting: MarkdownEngine = {
      ...engine,
      topLevelBlocks(source, env) {
        parsed += source.length
        return engine.topLevelBlocks(source, env)
      },
      render(source, env) {
        rendered += source.length
        return engine.render(source, env)
      },
      renderPiece(kind, text, env) {
        rendered += text.length
        return engine.renderPiece(kind, text, env)
      },
    }
    /** Characters parsed and rendered per character streamed. */
    const stream = (text: string, size: number) => {
      parsed = rendered = 0
      const doc = new IncrementalMarkdown(counting)
      for (const piece of cutIntoPieces(text, [size])) {
        doc.append(piece)
        doc.current()
      }
      return { parsed: parsed / text.length, rendered: rendered / text.length }
    }
    // Bounded however long the message grows: many blocks, one paragraph without a break, one long fence.
    const paragraphs = 'Some streamed sentence with *emphasis* and `code`.\n\n'.repeat(400)
    for (const text of [paragraphs, paragraphs + paragraphs]) {
      const work = stream(text, 5)
      expect(work.parsed).toBeLessThan(30)
      expect(work.rendered).toBeLessThan(30)
    }
    const wallOfText = Array.from({ length: 3000 }, (_, i) => `tok${i} `).join('')
    expect(stream(wallOfText, 20).rendered).toBeLessThan(2048 / 10)
    const longCode = '```ts\n' + 'const line = 1\n'.repeat(1500)
    expect(stream(longCode, 20).rendered).toBeLessThan(2048 / 10)
    // (Block-parsing such a tail is still linear per frame, but that is line scanning, not rendering.)
  })

  it('renders a long growing paragraph in sealed pieces, so a frame renders only the newest text', () => {
    const doc = new IncrementalMarkdown(engine, { pieceSize: 64 })
    const sealedPieces = () => doc.current().tail[0]!.pieced!.pieces.slice(0, -1)
    let text = ''
    for (let i = 0; i < 100; i++) {
      doc.append(`tok${i} `)
      text += `tok${i} `
      doc.current()
    }
    const before = sealedPieces()
    expect(before.length).toBeGreaterThan(5)
    doc.append('*still* open')
    expect(sealedPieces().slice(0, before.length)).toEqual(before)
    expect(shownHtml(doc.current())).toBe(oneShot(`${text}*still* open`))
  })

  it('does not seal a paragraph piece that leaves a delimiter open, nor split a fence anywhere but lines', () => {
    const open = new IncrementalMarkdown(engine, { pieceSize: 8 })
    open.append('*an opener that may close much later ')
    for (let i = 0; i < 20; i++) open.append(`word${i} `)
    expect(open.current().tail[0]!.pieced!.pieces).toHaveLength(1)
    open.append('closed*')
    expect(shownHtml(open.current())).toContain('<em>an opener')

    const fence = new IncrementalMarkdown(engine, { pieceSize: 8 })
    fence.append('```ts\n')
    for (let i = 0; i < 20; i++) {
      fence.append(`const a${i} = "<${i}>"\n`)
      fence.current()
    }
    const { pieced } = fence.current().tail[0]!
    expect(pieced!.pieces.length).toBeGreaterThan(5)
    expect(pieced!.pieces.slice(0, -1).every((piece) => piece.endsWith('\n'))).toBe(true)
    expect(pieced!.open).toContain('<code class="language-ts">')
  })

  it('renders a growing table in row groups: sealed groups stay the same strings, with the header alignments', () => {
    const doc = new IncrementalMarkdown(engine, { pieceSize: 64 })
    doc.append('| n | name |\n|--:|:--|\n')
    const rows: string[] = []
    for (let i = 0; i < 40; i++) {
      rows.push(`| ${i} | *row* ${i} |\n`)
      doc.append(rows.at(-1)!)
      doc.current()
    }
    const { pieced } = doc.current().tail[0]!
    expect(pieced!.kind).toBe('table')
    expect(pieced!.pieces.length).toBeGreaterThan(5)
    // Every group is whole rows, aligned like the header, with no style attribute the CSP would refuse.
    for (const piece of pieced!.pieces.filter(Boolean))
      expect(piece).toMatch(/^(<tr>\n(<td class="md-align-(right|left)">.*<\/td>\n){2}<\/tr>\n)+$/)
    const sealed = pieced!.pieces.slice(0, -1)
    doc.append('| 40 | last')
    expect(doc.current().tail[0]!.pieced!.pieces.slice(0, sealed.length)).toEqual(sealed)
    expect(shownHtml(doc.current())).toBe(oneShot(`| n | name |\n|--:|:--|\n${rows.join('')}| 40 | last`))
    expect(shownHtml(doc.current())).not.toContain('style=')
  })

  it('sync() is idempotent and follows the store text', () => {
    const doc = new IncrementalMarkdown(engine)
    const a = doc.sync('Hello', false)
    expect(doc.sync('Hello', false)).toBe(a)
    expect(shownHtml(doc.sync('Hello\n\nworld', true))).toBe(oneShot('Hello\n\nworld'))
    // More text after the end (not expected from the stream) rebuilds rather than losing it.
    expect(shownHtml(doc.sync('Hello\n\nworld!', true))).toBe(oneShot('Hello\n\nworld!'))
  })

  it('lets earlier reference definitions reach later blocks; later definitions are the documented exception', () => {
    expect(shownHtml(renderIncrementally([...exampleDocuments.referencesBeforeUse!]))).toBe(
      oneShot(exampleDocuments.referencesBeforeUse!),
    )
    const useBeforeDefinition = 'See [ref].\n\n[ref]: https://example.com\n'
    // (No per-frame check here: the frames would show the very difference this documents.)
    expect(shownHtml(renderIncrementally(useBeforeDefinition.split(/(?<=\n)/), [false]))).toBe('<p>See [ref].</p>\n')
  })

  it('highlights only fences with a known language, leaving the same text behind the markup', () => {
    const view = renderIncrementally([exampleDocuments.fences!])
    const highlightable = view.blocks.filter((b) => b.renderHighlighted)
    expect(view.tail).toEqual([])
    expect(highlightable).toHaveLength(2)
    for (const block of highlightable) {
      const highlighted = block.renderHighlighted!()
      expect(highlighted).toContain('<span class="hljs-')
      expect(stripHighlighting(highlighted)).toBe(block.html)
    }
  })

  it('property: streaming a document in random pieces renders the same HTML as rendering it whole', () => {
    fc.assert(
      fc.property(
        markdownDocument,
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
        fc.constantFrom(2048, 16, 4),
        (text, sizes, frames, pieceSize) => {
          const view = renderIncrementally(cutIntoPieces(text, sizes), frames, { pieceSize })
          expect(shownHtml(view)).toBe(oneShot(text))
          for (const block of view.blocks) {
            if (block.renderHighlighted) expect(stripHighlighting(block.renderHighlighted())).toBe(block.html)
          }
        },
      ),
      { numRuns: 400 },
    )
  })

  it('property: the same holds for arbitrary text made of markdown punctuation', () => {
    fc.assert(
      fc.property(
        markdownishNoise,
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 6 }),
        fc.constantFrom(2048, 8, 3),
        (text, sizes, pieceSize) => {
          expect(shownHtml(renderIncrementally(cutIntoPieces(text, sizes), [true], { pieceSize }))).toBe(oneShot(text))
        },
      ),
      { numRuns: 1500 },
    )
  })
})

/** hljs wraps tokens in spans and escapes text exactly as markdown-it does; removing the spans undoes it. */
function stripHighlighting(html: string): string {
  return html.replace(/(<code[^>]*>)([\s\S]*?)(<\/code>)/g, (_match, open: string, code: string, close: string) => {
    return open + code.replace(/<span class="(?:hljs-|language-)[^"]*">|<\/span>/g, '') + close
  })
}
