/**
 * Renders a growing markdown document without re-rendering what cannot change any more.
 *
 * The text splits into top-level blocks. Once a following block has begun, every block before it is final: its
 * HTML is rendered once and kept. Only the open tail (the last block plus the unfinished line) re-renders per
 * frame, and only the tail is block-parsed again, so the cost of a frame follows the tail's size, not the
 * message's. A tail paragraph or fence that keeps growing (a long answer without blank lines, a long code
 * listing) renders in sealed pieces (see `SealedPieces`), so even then a frame only renders the newest text.
 *
 * Why splitting is sound: CommonMark decides block structure line by line going forward, and we split only on
 * complete lines (an unfinished `#` could still become `#hashtag`, an unfinished `***` could become
 * `***bold***`). What may still change (a setext underline, a table's delimiter row, a list's looseness, an
 * unclosed fence) only concerns the last block, which stays in the tail.
 *
 * Known exception: a reference-style link used before its definition stays literal text when the use is already in
 * a final block; the definitions of earlier blocks do reach later ones through the shared `env`.
 */
import type { Env } from 'markdown-it'
import type { MarkdownEngine, TopLevelBlock } from './markdown-engine'
import { createNewlineNormalizer } from './newline-normalizer'
import { SealedPieces, isPieceable, piecedHtml, type PiecedHtml } from './sealed-pieces'
import { displayedWhileStreaming } from './streaming-display'

export interface ViewBlock {
  /** The block's offset in the document: stable, so it serves as the React key. */
  readonly key: number
  /** Exactly markdown-it's HTML for the block. */
  readonly html: string
  /** The same HTML in pieces, when it was rendered piecewise: only the last piece changes from frame to frame. */
  readonly pieced?: PiecedHtml
  /** Present on final blocks that highlighting would change: renders the block again with highlighted code. */
  readonly renderHighlighted?: () => string
}

export interface MarkdownView {
  /** Final blocks: the same objects from frame to frame. */
  readonly blocks: readonly ViewBlock[]
  /** The open tail's blocks, rendered anew for this frame. */
  readonly tail: readonly ViewBlock[]
}

export interface IncrementalMarkdownOptions {
  /** Size of the pieces a growing paragraph or fence is sealed in. */
  pieceSize?: number
  /**
   * The most text of the open tail markdown-it renders at once (see `SealedPieces`); a tail block that cannot
   * render in pieces (a list, a quote) and is longer shows as plain text until it is final.
   */
  maxLiveMarkdown?: number
  /** The most text a final block that cannot render in pieces is rendered as markdown at once; beyond, plain text. */
  maxBlockMarkdown?: number
}

export class IncrementalMarkdown {
  private normalizer = createNewlineNormalizer()
  /** Normalized text received so far. */
  private source = ''
  /** Raw characters received so far (what `sync` compares the store's text against). */
  private consumed = 0
  /** Where the final prefix ends and the tail begins. */
  private finalEnd = 0
  /** How far complete lines have been split into blocks already. */
  private splitEnd = 0
  private finished = false
  private blocks: ViewBlock[] = []
  /** Shared by the final blocks in order, so a reference definition reaches the blocks after it. */
  private env: Env = {}
  /** Piecewise state of the tail's paragraphs and fences, by block offset. */
  private pieces = new Map<number, SealedPieces>()
  private view: MarkdownView | undefined
  private readonly pieceSize: number
  private readonly maxLiveMarkdown: number
  private readonly maxBlockMarkdown: number

  constructor(
    private readonly engine: MarkdownEngine,
    options: IncrementalMarkdownOptions = {},
  ) {
    this.pieceSize = options.pieceSize ?? 2048
    // markdown-it renders hostile text (unclosed `*[`) at roughly 100-150 kB/s on a busy 2-core machine: 16 kB is
    // a frame's budget at worst, and a long real list or quote rarely outgrows it while it streams.
    this.maxLiveMarkdown = Math.max(options.maxLiveMarkdown ?? 16_384, this.pieceSize)
    this.maxBlockMarkdown = Math.max(options.maxBlockMarkdown ?? 65_536, this.maxLiveMarkdown)
  }

  /**
   * Brings the document up to `text`, the whole (append-only) message so far. Idempotent for the same
   * arguments, so a React component may call it while rendering.
   */
  sync(text: string, done: boolean): MarkdownView {
    if (text.length < this.consumed || (this.finished && text.length > this.consumed)) this.reset()
    if (text.length > this.consumed) this.append(text.slice(this.consumed))
    if (done) this.finish()
    return this.current()
  }

  append(chunk: string): void {
    if (this.finished) throw new Error('IncrementalMarkdown: append after finish')
    this.consumed += chunk.length
    this.source += this.normalizer.push(chunk)
    this.view = undefined
  }

  /** The stream ended: the tail becomes final too (and its fences get highlighted). */
  finish(): void {
    if (this.finished) return
    this.source += this.normalizer.flush()
    this.split(this.source.length, true)
    this.finished = true
    this.pieces.clear()
    this.view = undefined
  }

  current(): MarkdownView {
    if (this.view) return this.view
    if (!this.finished) {
      const completeLinesEnd = this.source.lastIndexOf('\n') + 1
      if (completeLinesEnd > this.splitEnd) this.split(completeLinesEnd, false)
    }
    this.view = { blocks: this.blocks.slice(), tail: this.finished ? [] : this.renderTail() }
    return this.view
  }

  /**
   * The tail's blocks, unfinished line included, as shown while streaming (see streaming-display.ts); its
   * definitions go to a copy of the env, as they may change.
   */
  private renderTail(): ViewBlock[] {
    const received = this.source.slice(this.finalEnd)
    let env = this.copyOfEnv()
    let segments = received ? this.tailSegments(received, env) : []
    const source = displayedWhileStreaming(received, segments.at(-1)?.parsed)
    if (source !== received) {
      env = this.copyOfEnv()
      segments = source ? this.tailSegments(source, env) : []
    }
    const keys = new Set(segments.map(({ from }) => this.finalEnd + from))
    for (const key of this.pieces.keys()) if (!keys.has(key)) this.pieces.delete(key)
    return segments.map(
      ({ from, to, block }) =>
        this.renderSegment(source.slice(from, to), this.finalEnd + from, block, env, this.maxLiveMarkdown).view,
    )
  }

  /**
   * The tail's segments. A growing table is block-parsed without its sealed rows: rows are independent of each
   * other, so the structure is the same, and a frame parses only the newest rows, not the whole table. (markdown-it
   * also ends a table after 65,536 cells were padded in short rows; a table streaming that many is not modelled.)
   */
  private tailSegments(source: string, env: Env) {
    const sealed = this.pieces.get(this.finalEnd)?.sealedTableRows()
    if (sealed && source.startsWith(sealed.head) && source.startsWith(sealed.rows, sealed.head.length)) {
      const skipped = sealed.rows.length
      const blocks = this.engine.topLevelBlocks(sealed.head + source.slice(sealed.head.length + skipped), env)
      const [table] = blocks
      if (table?.kind === 'table' && table.start === 0 && table.head === sealed.head) {
        const restored = blocks.map((block, i) =>
          i === 0 ? { ...table, content: sealed.rows + table.content } : { ...block, start: block.start + skipped },
        )
        return segmentsOf(source, restored)
      }
    }
    return segmentsOf(source, this.engine.topLevelBlocks(source, env))
  }

  private split(end: number, includeLastBlock: boolean): void {
    this.splitEnd = end
    const region = this.source.slice(this.finalEnd, end)
    const segments = segmentsOf(region, this.engine.topLevelBlocks(region))
    if (!includeLastBlock) segments.pop()
    for (const { from, to } of segments) this.finalize(region.slice(from, to), this.finalEnd + from)
    this.finalEnd += segments.at(-1)?.to ?? 0
  }

  private finalize(source: string, key: number): void {
    // Parsed on its own with the shared env, which registers the segment's reference definitions.
    const [first] = segmentsOf(source, this.engine.topLevelBlocks(source, this.env))
    const { view, highlightable } = this.renderSegment(source, key, first?.block, this.env, this.maxBlockMarkdown)
    this.pieces.delete(key)
    if (!view.html) return
    if (!highlightable) {
      this.blocks.push(view)
      return
    }
    const env = this.copyOfEnv()
    this.blocks.push({ ...view, renderHighlighted: () => this.engine.renderHighlighted(source, env) })
  }

  /** One segment: in pieces when it starts with a paragraph or fence, else whole (as plain text beyond `limit`). */
  private renderSegment(source: string, key: number, block: TopLevelBlock | undefined, env: Env, limit: number) {
    if (!isPieceable(block) && source.length > limit) {
      return { view: { key, html: this.engine.plainBlock(source) } satisfies ViewBlock, highlightable: false }
    }
    if (!isPieceable(block)) {
      const { html, hasHighlightableCode } = this.engine.render(source, env)
      return { view: { key, html } satisfies ViewBlock, highlightable: hasHighlightableCode }
    }
    let pieces = this.pieces.get(key)
    if (!pieces?.continues(key, block)) {
      pieces = new SealedPieces(this.engine, key, block, this.pieceSize, this.maxLiveMarkdown)
      this.pieces.set(key, pieces)
    }
    const pieced = pieces.render(block, env)
    return {
      view: piecedView(key, pieced),
      highlightable: block.kind === 'fence' && this.engine.highlights(block.info, block.content),
    }
  }

  private copyOfEnv(): Env {
    return this.env.references ? { references: { ...this.env.references } } : {}
  }

  private reset(): void {
    this.normalizer = createNewlineNormalizer()
    this.source = ''
    this.consumed = this.finalEnd = this.splitEnd = 0
    this.finished = false
    this.blocks = []
    this.env = {}
    this.pieces.clear()
    this.view = undefined
  }
}

/**
 * Cuts `source` where its top-level blocks begin. Text before the first block (blank lines, reference
 * definitions) travels with the first segment, which then does not start with its block (`block` is undefined,
 * `parsed` is the block all the same); text without any block is one segment of its own.
 */
function segmentsOf(source: string, blocks: readonly TopLevelBlock[]) {
  if (blocks.length === 0) return [{ from: 0, to: source.length, block: undefined, parsed: undefined }]
  return blocks.map((block, i) => ({
    from: i === 0 ? 0 : block.start,
    to: blocks[i + 1]?.start ?? source.length,
    block: i === 0 && block.start > 0 ? undefined : block,
    parsed: block,
  }))
}

/**
 * A block rendered in pieces. Its whole HTML is joined only when asked for: a tail block is a new object every
 * frame, and joining a huge table's or listing's pieces each frame would cost as much as the pieces save.
 */
function piecedView(key: number, pieced: PiecedHtml): ViewBlock {
  let html: string | undefined
  return {
    key,
    pieced,
    get html() {
      return (html ??= piecedHtml(pieced))
    },
  }
}

/** The HTML of a view as one string (what the column shows, minus the per-block wrappers). */
export function viewHtml(view: MarkdownView): string {
  return [...view.blocks, ...view.tail].map((block) => block.html).join('')
}
