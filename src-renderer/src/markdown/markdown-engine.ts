/**
 * The one markdown-it configuration the app renders model output with. Model output is untrusted:
 * `html: false` shows raw HTML as text; only absolute `https:`/`http:`/`mailto:` links and `https:`/raster `data:`
 * images pass (url-policy.ts), other URLs stay text; links open outside the app without a referrer; bidi controls
 * show in code and link text (bidi-controls.ts); nesting too deep to render shows as plain text instead of vanishing.
 */
import MarkdownIt from 'markdown-it'
import type { Env, StateBlock, StateCore, Token } from 'markdown-it'
import { showBidiControls } from './bidi-controls'
import { highlightCode, isKnownLanguage } from './code-highlighter'
import { hasLiveDelimiter } from './inline-delimiters'
import { isImageUrl, isLinkUrl } from './url-policy'

export interface CodeBlockLabels {
  copy: string
  copyAriaLabel: string
}

export interface RenderedBlock {
  html: string
  /** True when a fence names a language we highlight, i.e. `renderHighlighted` would differ. */
  hasHighlightableCode: boolean
}

/** A top-level block as the block parser sees it, with what piecewise rendering needs. */
export type TopLevelBlock =
  | { start: number; kind: 'paragraph'; content: string }
  | { start: number; kind: 'fence'; content: string; info: string }
  /** `head`: the header and delimiter rows; `content`: the body rows. */
  | { start: number; kind: 'table'; content: string; head: string }
  | { start: number; kind: 'other' }

/** The blocks that grow long while they stream and render in pieces (see sealed-pieces.ts). */
export type PieceableBlock = TopLevelBlock & { kind: 'paragraph' | 'fence' | 'table' }

/** A block's HTML as `open + pieces.join('') + close`. */
export interface PiecesFrame {
  open: string
  close: string
}

export interface RenderedPiece {
  html: string
  /** False when text after the piece could still change how the piece renders (e.g. an unmatched `*`). */
  sealable: boolean
}

export interface MarkdownEngine {
  /** Renders with plain (escaped) code; registers the source's reference definitions in `env`. */
  render(source: string, env: Env): RenderedBlock
  /** Renders with highlighted fences: slower, so callers run it off the critical path. */
  renderHighlighted(source: string, env: Env): string
  /**
   * The top-level blocks of `source` (normalized newlines), with their offsets, by block rules only: inline
   * parsing is most of markdown-it's work and block boundaries do not depend on it. Reference definitions land
   * in `env`.
   */
  topLevelBlocks(source: string, env?: Env): TopLevelBlock[]
  /** The HTML around a block's content; its content renders in pieces with `renderPiece`. */
  frameOf(block: PieceableBlock): PiecesFrame
  /**
   * A slice of a paragraph's inline content, of a fence's code, or of a table's body rows (then the `<tr>`s of
   * its `<tbody>`: a table's pieces are row groups).
   */
  renderPiece(block: PieceableBlock, text: string, env: Env): RenderedPiece
  /** Whether a final fence with this language and code gets highlighted (huge code is not worth a long task). */
  highlights(info: string, code: string): boolean
  /** A slice of a block's content as plain (escaped) text, in the shape of `renderPiece`'s HTML; no markdown. */
  plainPiece(block: PieceableBlock, text: string): string
  /** Source that is not rendered as markdown (too large to render live) as plain (escaped) text. */
  plainBlock(source: string): string
}

export const defaultCodeBlockLabels: CodeBlockLabels = { copy: 'Copy', copyAriaLabel: 'Copy code' }

/** Beyond this much code, highlighting would be a long task of its own. */
const MAX_HIGHLIGHTED_CODE = 20_000

export function createMarkdownEngine(labels: CodeBlockLabels = defaultCodeBlockLabels): MarkdownEngine {
  const md = new MarkdownIt({ html: false, linkify: false })
  const { escapeHtml, unescapeAll } = md.utils
  // Refused URLs leave `[text](url)` as literal text. Images and links share this check; the image rule and
  // `applyOutputPolicy` then hold each to its own list.
  md.validateLink = (url) => isLinkUrl(url) || isImageUrl(url)
  md.core.ruler.push('output_policy', applyOutputPolicy)
  md.block.ruler.before('table', 'nesting_overflow', nestingOverflow, { alt: [] })
  const languageOf = (info: string) => (info ? (unescapeAll(info).trim().split(/\s+/)[0] ?? '') : '')
  // The whole info string, not just the language: words after it would otherwise be text nobody sees.
  const infoLabel = (info: string) => unescapeAll(info).trim()
  const highlights = (info: string, code: string) =>
    code.length <= MAX_HIGHLIGHTED_CODE && isKnownLanguage(languageOf(info))

  md.renderer.rules.link_open = (tokens, idx, options, _env, self) => {
    const token = tokens[idx]!
    token.attrSet('target', '_blank')
    token.attrSet('rel', 'noreferrer noopener')
    return self.renderToken(tokens, idx, options)
  }

  // An image the policy does not fetch (an `http:` one) becomes a link to it, its alt text the link's text.
  const fetchedImage = md.renderer.rules.image!
  md.renderer.rules.image = (tokens, idx, options, env, self) => {
    const token = tokens[idx]!
    const src = String(token.attrGet('src') ?? '')
    if (isImageUrl(src)) return fetchedImage(tokens, idx, options, env, self)
    const text = escapeHtml(showBidiControls(self.renderInlineAsText(token.children ?? [], options, env)))
    return `<a href="${escapeHtml(src)}" target="_blank" rel="noreferrer noopener">${text}</a>`
  }

  md.renderer.rules.nesting_overflow = (tokens, idx) => `<p class="md-plain">${escapeHtml(tokens[idx]!.content)}</p>\n`

  // markdown-it aligns table cells with a style attribute, which the CSP (style-src 'self') refuses, one report per
  // cell: a class carries the alignment instead (styles/markdown.css).
  md.renderer.rules.th_open = md.renderer.rules.td_open = (tokens, idx, options, _env, self) => {
    const token = tokens[idx]!
    const align = /text-align:(left|right|center)/.exec(String(token.attrGet('style') ?? ''))?.[1]
    if (align) {
      token.attrs = token.attrs?.filter(([name]) => name !== 'style') ?? null
      token.attrJoin('class', `md-align-${align}`)
    }
    return self.renderToken(tokens, idx, options)
  }

  // Wraps markdown-it's own fence output in a frame with the language and a Copy button. The button is plain
  // markup (no handler: the CSP forbids inline script); the column handles its clicks by delegation.
  const plainFence = md.renderer.rules.fence!
  md.renderer.rules.fence = (tokens, idx, options, env, self) => {
    showBidiControlsIn(tokens[idx]!)
    const bar =
      `<div class="code-block-bar"><span class="code-block-lang">${escapeHtml(infoLabel(tokens[idx]!.info))}</span>` +
      `<button type="button" class="code-copy" aria-label="${escapeHtml(labels.copyAriaLabel)}">` +
      `${escapeHtml(labels.copy)}</button></div>`
    return `<div class="code-block">${bar}${plainFence(tokens, idx, options, env, self)}</div>\n`
  }

  for (const rule of ['code_block', 'code_inline'] as const) {
    const plainCode = md.renderer.rules[rule]!
    md.renderer.rules[rule] = (tokens, idx, options, env, self) => {
      showBidiControlsIn(tokens[idx]!)
      return plainCode(tokens, idx, options, env, self)
    }
  }

  const highlightingOptions = { ...md.options, highlight: highlightCode }

  return {
    render(source, env) {
      const tokens = md.parse(source, env)
      return {
        html: md.renderer.render(tokens, md.options, env),
        hasHighlightableCode: tokens.some((token) => token.type === 'fence' && highlights(token.info, token.content)),
      }
    },
    renderHighlighted(source, env) {
      return md.renderer.render(md.parse(source, env), highlightingOptions, env)
    },
    topLevelBlocks(source, env = {}) {
      const tokens: Token[] = []
      md.block.parse(source, md, env, tokens)
      const lineStarts = lineStartOffsets(source)
      const blocks: TopLevelBlock[] = []
      tokens.forEach((token, i) => {
        if (token.level !== 0 || token.nesting === -1 || !token.map) return
        const start = lineStarts[token.map[0]]!
        if (token.type === 'paragraph_open') blocks.push({ start, kind: 'paragraph', content: tokens[i + 1]!.content })
        else if (token.type === 'fence') blocks.push({ start, kind: 'fence', content: token.content, info: token.info })
        else if (token.type === 'table_open') {
          // A table's first two lines are its header and delimiter rows; the body rows follow, up to its map's end.
          const [first, end] = token.map
          const bodyStart = lineStarts[first + 2] ?? source.length
          const bodyEnd = lineStarts[end] ?? source.length
          blocks.push({
            start,
            kind: 'table',
            head: source.slice(start, bodyStart),
            content: source.slice(bodyStart, bodyEnd),
          })
        } else blocks.push({ start, kind: 'other' })
      })
      return blocks
    },
    frameOf(block) {
      if (block.kind === 'paragraph') return { open: '<p>', close: '</p>\n' }
      if (block.kind === 'table') {
        // A table without body rows renders without a <tbody>: exactly the frame its row groups go into.
        const empty = md.render(block.head, {})
        const at = empty.lastIndexOf('</table>')
        return { open: empty.slice(0, at), close: empty.slice(at) }
      }
      // The fence rule's own output around empty code: its code is exactly where the escaped content goes.
      const token = new MarkdownIt.Token('fence', 'code', 0)
      token.info = block.info
      const empty = md.renderer.render([token], md.options, {})
      const at = empty.lastIndexOf('</code></pre>')
      return { open: empty.slice(0, at), close: empty.slice(at) }
    },
    renderPiece(block, text, env) {
      if (block.kind === 'fence') return { html: escapeHtml(showBidiControls(text)), sealable: true }
      if (block.kind === 'table') {
        // The rows rendered under the table's own header, so they get its column count and alignments.
        const html = md.render(block.head + text, env)
        const from = html.indexOf(TBODY_OPEN)
        const rows = from === -1 ? '' : html.slice(from + TBODY_OPEN.length, html.lastIndexOf(TBODY_CLOSE))
        return { html: rows, sealable: true }
      }
      const tokens = md.parseInline(text, env)
      const children = tokens[0]?.children ?? []
      return {
        html: md.renderer.render(tokens, md.options, env),
        sealable: children.every((token) => token.type !== 'text' || !hasLiveDelimiter(token.content)),
      }
    },
    highlights,
    plainPiece(block, text) {
      const html = escapeHtml(block.kind === 'fence' ? showBidiControls(text) : text)
      return block.kind === 'table' ? `<tr>\n<td class="md-plain">${html}</td>\n</tr>\n` : html
    },
    plainBlock(source) {
      return `<p class="md-plain">${escapeHtml(source)}</p>\n`
    },
  }
}

/** Code (fences, indented, inline) and its language label show their bidi controls (idempotent). */
function showBidiControlsIn(token: Token): void {
  token.content = showBidiControls(token.content)
  token.info = showBidiControls(token.info)
}

/**
 * After inline parsing: text inside links and images shows its bidi controls, and a link to a URL that is only
 * valid for images (`data:image/...`) stays its source text, since the shell opens only web and mail links.
 */
function applyOutputPolicy(state: StateCore): void {
  for (const block of state.tokens) {
    if (block.type !== 'inline' || !block.children) continue
    /** Per open link, its href when the link is refused. */
    const openLinks: (string | undefined)[] = []
    for (const token of block.children) {
      if (token.type === 'link_open') {
        const href = String(token.attrGet('href') ?? '')
        const refused = !isLinkUrl(href)
        openLinks.push(refused ? href : undefined)
        if (refused) toText(token, '[')
      } else if (token.type === 'link_close') {
        const refusedHref = openLinks.pop()
        if (refusedHref !== undefined) toText(token, `](${refusedHref})`)
      } else if (token.type === 'image') {
        for (const child of token.children ?? []) child.content = showBidiControls(child.content)
      } else if (openLinks.length > 0 && token.type === 'text') {
        token.content = showBidiControls(token.content)
      }
    }
  }
}

function toText(token: Token, content: string): void {
  Object.assign(token, { type: 'text', tag: '', nesting: 0, attrs: null, markup: '', content })
}

/**
 * Deeper than `maxNesting`, markdown-it stops parsing and drops every line left in the container, so the screen
 * would lack text that history holds. A little before that depth, the rest of the container is one plain-text
 * paragraph instead. (Lists open two levels at once, hence the margin.)
 */
function nestingOverflow(state: StateBlock, startLine: number, endLine: number): boolean {
  if (state.level < state.md.options.maxNesting - 10) return false
  // The container ends where markdown-it's own loop would stop: at a line indented less than the container's.
  let end = startLine + 1
  while (end < endLine && (state.isEmpty(end) || state.sCount[end]! >= state.blkIndent)) end++
  while (end > startLine + 1 && state.isEmpty(end - 1)) end--
  const token = state.push('nesting_overflow', '', 0)
  token.content = state.getLines(startLine, end, state.blkIndent, false)
  token.map = [startLine, end]
  state.line = end
  return true
}

const TBODY_OPEN = '<tbody>\n'
const TBODY_CLOSE = '</tbody>\n'

/** A table piece (its rows) as markdown-it writes a table body. */
export function tableBodyHtml(rows: string): string {
  return rows ? TBODY_OPEN + rows + TBODY_CLOSE : ''
}

function lineStartOffsets(source: string): number[] {
  const starts = [0]
  for (let at = source.indexOf('\n'); at !== -1; at = source.indexOf('\n', at + 1)) starts.push(at + 1)
  return starts
}
