/**
 * Hostile model output (issue 15, finding 7): the work of a frame stays bounded however long a tail stays unsealable,
 * and nothing the answer holds is missing from the screen.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  IncrementalMarkdown,
  viewHtml,
  type IncrementalMarkdownOptions,
} from '../../../src-renderer/src/markdown/incremental-markdown'
import { createMarkdownEngine, type MarkdownEngine } from '../../../src-renderer/src/markdown/markdown-engine'
import { cutIntoPieces, displayFormOf, hostileAnswers, markdownishNoise, showsAllOf } from './markdown-documents'

const engine = createMarkdownEngine()

/** The text a browser shows for markdown-it's HTML: tags dropped (an image's alt text kept), entities decoded. */
function textOf(html: string): string {
  return html
    .replace(/<img [^>]*alt="([^"]*)"[^>]*>/g, ' $1 ')
    .replace(/<[^>]*>/g, '')
    .replace(/&(lt|gt|amp|quot|#39);/g, (_match, name: string) => ENTITIES[name]!)
}
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', '#39': "'" }

/** Characters passed to markdown-it (whole renders and pieces) per update, and the view after each update. */
function streamCounting(text: string, deltaSize: number, options: IncrementalMarkdownOptions) {
  let rendered = 0
  const counting: MarkdownEngine = {
    ...engine,
    render(source, env) {
      rendered += source.length
      return engine.render(source, env)
    },
    renderHighlighted(source, env) {
      rendered += source.length
      return engine.renderHighlighted(source, env)
    },
    renderPiece(block, piece, env) {
      rendered += piece.length
      return engine.renderPiece(block, piece, env)
    },
  }
  const doc = new IncrementalMarkdown(counting, options)
  const perUpdate: number[] = []
  let sent = ''
  for (const delta of cutIntoPieces(text, [deltaSize])) {
    sent += delta
    rendered = 0
    const html = viewHtml(doc.sync(sent, false))
    perUpdate.push(rendered)
    expect(showsAllOf(textOf(html), sent), `text hidden after ${sent.length} characters`).toBe(true)
  }
  rendered = 0
  const finalHtml = viewHtml(doc.sync(text, true))
  return { perUpdate, atFinish: rendered, finalHtml }
}

describe('hostile markdown', () => {
  const options = { pieceSize: 256, maxLiveMarkdown: 2_048, maxBlockMarkdown: 8_192 }

  it.each(Object.entries(hostileAnswers(40_000)))(
    '%s: markdown-it never gets more than twice the live limit per update, and all text shows',
    (_name, text) => {
      const { perUpdate, atFinish, finalHtml } = streamCounting(text, 500, options)
      // Before the limit, an unsealable tail went to markdown-it whole at every update (here up to 40,000).
      expect(Math.max(...perUpdate)).toBeLessThanOrEqual(2 * options.maxLiveMarkdown)
      expect(atFinish).toBeLessThanOrEqual(options.maxBlockMarkdown + 2 * options.maxLiveMarkdown)
      expect(showsAllOf(textOf(finalHtml), text)).toBe(true)
    },
  )

  it('renders an oversized unsealable run as plain text for good, and the markdown around it as markdown', () => {
    const hostile = hostileAnswers(20_000).unclosedParagraph
    const text = `Intro with **bold**.\n\n${hostile}\n\nOutro with *em*.`
    const { finalHtml } = streamCounting(text, 700, options)
    expect(finalHtml).toMatch(/^<p>Intro with <strong>bold<\/strong>.<\/p>/)
    expect(finalHtml).toContain('<p>Outro with <em>em</em>.</p>')
    expect(finalHtml).toContain('*[w0 *[w1 ')
    // Opened from history (all at once) the answer shows the same words, with markdown-it again bounded.
    const reopened = new IncrementalMarkdown(engine, options)
    expect(showsAllOf(textOf(viewHtml(reopened.sync(text, true))), text)).toBe(true)
  })

  it('keeps a long list as markdown once it is final, while it was plain text only beyond the live limit', () => {
    const list = Array.from({ length: 200 }, (_, i) => `- item *${i}*`).join('\n')
    const doc = new IncrementalMarkdown(engine, options)
    expect(viewHtml(doc.sync(list, false))).toContain('<p class="md-plain">- item *0*')
    expect(viewHtml(doc.sync(`${list}\n\nafter`, true))).toContain('<li>item <em>0</em></li>')
  })

  it('property: no markdown, however deeply nested, hides a letter of the source from the rendered text', () => {
    // Letters only: the noise's digits are ordered-list numbers, which the browser shows as markers, not as text.
    const letters = (text: string) => text.replace(/[0-9]/g, '')
    const nestedItem = (i: number) => `${'  '.repeat(i)}- ${String.fromCharCode(97 + (i % 26))}`
    const deepPrefix = fc.oneof(
      fc.integer({ min: 0, max: 140 }).map((depth) => `${'>'.repeat(depth)} `),
      fc
        .integer({ min: 0, max: 70 })
        .map((depth) => `${Array.from({ length: depth }, (_, i) => nestedItem(i)).join('\n')}\n`),
    )
    const small = { pieceSize: 8, maxLiveMarkdown: 16, maxBlockMarkdown: 64 }
    fc.assert(
      fc.property(deepPrefix, markdownishNoise, fc.constantFrom(13, 97), (prefix, noise, deltaSize) => {
        const text = letters(prefix + noise)
        const doc = new IncrementalMarkdown(engine, small)
        for (const sent of cutIntoPieces(text, [deltaSize]).map((_, i, all) => all.slice(0, i + 1).join(''))) {
          // While streaming: all of the display form (only a table head waiting for its delimiter row is held back).
          const shown = letters(textOf(viewHtml(doc.sync(sent, false))))
          expect(showsAllOf(shown, letters(displayFormOf(sent, engine)))).toBe(true)
        }
        expect(showsAllOf(letters(textOf(viewHtml(doc.sync(text, true)))), text)).toBe(true)
        expect(showsAllOf(letters(textOf(engine.render(text, {}).html)), text)).toBe(true)
      }),
      { numRuns: 150 },
    )
    // A hang guard, not a speed limit: 150 runs of up to 140-deep nesting, streamed delta by delta, take 10-20 s of
    // one core, longer on a loaded machine.
  }, 120_000)
})
