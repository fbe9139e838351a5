/**
 * Renders one growing block (a paragraph, a fence or a table: the shapes a long answer streams into) in pieces, so each
 * frame renders only the text after the last sealed piece instead of the whole block.
 *
 * A piece is sealed once it is large enough and nothing after it can change how it renders: a fence's code is
 * escaped character by character, so any line boundary will do; a table's rows render independently of each
 * other, so it is cut after a complete row; a paragraph is cut after whitespace, and only when the piece leaves no
 * delimiter open (see `hasLiveDelimiter`). The pieces then concatenate to exactly the HTML of the whole block (a
 * table's as one `<tbody>` per piece, which renders the same as markdown-it's one).
 *
 * Hostile text can keep a delimiter open forever (megabytes of unclosed `*` and `[`), and markdown-it takes seconds
 * over such text, which would re-render every frame. So markdown-it never gets more than `maxLiveMarkdown`
 * characters at once: when the unsealed text outgrows it, its oldest part is sealed as plain (escaped) text, for
 * good. Then what a frame renders is bounded, and all of the text stays on screen.
 */
import type { Env } from 'markdown-it'
import {
  tableBodyHtml,
  type MarkdownEngine,
  type PieceableBlock,
  type PiecesFrame,
  type TopLevelBlock,
} from './markdown-engine'

export type { PieceableBlock }

export interface PiecedHtml extends PiecesFrame {
  readonly kind: PieceableBlock['kind']
  /** Sealed pieces (unchanged from frame to frame) and, last, the piece still growing. */
  readonly pieces: readonly string[]
}

export function isPieceable(block: TopLevelBlock | undefined): block is PieceableBlock {
  return block?.kind === 'paragraph' || block?.kind === 'fence' || block?.kind === 'table'
}

export function piecedHtml({ kind, open, pieces, close }: PiecedHtml): string {
  return open + (kind === 'table' ? pieces.map(tableBodyHtml) : pieces).join('') + close
}

export class SealedPieces {
  private frame: PiecesFrame
  private sealedText = ''
  private sealed: string[] = []
  /** Unsealable text is not retried on every frame, only once it has grown by another piece. */
  private retryAt: number

  constructor(
    private readonly engine: MarkdownEngine,
    /** The block's offset in the document: what identifies it from frame to frame. */
    readonly key: number,
    private readonly block: PieceableBlock,
    private readonly pieceSize: number,
    private readonly maxLiveMarkdown: number,
  ) {
    this.frame = engine.frameOf(block)
    this.retryAt = pieceSize
  }

  /** A table's header rows and the body rows sealed so far (nothing for other blocks or before the first seal). */
  sealedTableRows(): { head: string; rows: string } | undefined {
    if (this.block.kind !== 'table' || !this.sealedText) return undefined
    return { head: this.block.head, rows: this.sealedText }
  }

  /** Whether `block` (at `key`) is still the block these pieces were sealed from. */
  continues(key: number, block: PieceableBlock): boolean {
    if (key !== this.key || block.kind !== this.block.kind) return false
    if (block.kind === 'fence' && block.info !== (this.block as { info: string }).info) return false
    if (block.kind === 'table' && block.head !== (this.block as { head: string }).head) return false
    return block.content.startsWith(this.sealedText)
  }

  render(block: PieceableBlock, env: Env): PiecedHtml {
    let rest = block.content.slice(this.sealedText.length)
    let failed = false
    const seal = (html: string, length: number) => {
      this.sealed.push(html)
      this.sealedText += rest.slice(0, length)
      rest = rest.slice(length)
      this.retryAt = this.pieceSize
    }
    while (rest.length >= this.retryAt || rest.length > this.maxLiveMarkdown) {
      const window = rest.slice(0, this.maxLiveMarkdown)
      const cut = this.lastCut(window)
      // After one failed attempt in this call, text beyond the limit goes plain without another (a long answer
      // opened from history arrives at once: its hostile text must not cost markdown-it a render per window).
      const piece = cut > 0 && !failed ? this.engine.renderPiece(block, window.slice(0, cut), env) : undefined
      if (piece?.sealable) {
        seal(piece.html, cut)
        continue
      }
      failed = true
      if (rest.length <= this.maxLiveMarkdown) {
        this.retryAt = rest.length + this.pieceSize
        break
      }
      const plainCut = cut > 0 ? cut : wholeCharacters(window)
      seal(this.engine.plainPiece(block, rest.slice(0, plainCut)), plainCut)
    }
    const pieces = [...this.sealed, this.engine.renderPiece(block, rest, env).html]
    return { ...this.frame, kind: block.kind, pieces }
  }

  /**
   * The last place in `text` where a piece may end: after a newline (a fence's line, a table's row), or in a
   * paragraph without one in its second
   * half, after whitespace before a word. (Any such place renders exactly; newlines just make nicer seams.)
   */
  private lastCut(text: string): number {
    const afterNewline = text.lastIndexOf('\n', text.length - 2) + 1
    if (this.block.kind !== 'paragraph') return text.endsWith('\n') ? text.length : afterNewline
    const isCut = (at: number) => isSpace(text[at - 1]!) && !isSpace(text[at]!)
    for (let at = afterNewline; at > text.length / 2; at = text.lastIndexOf('\n', at - 2) + 1) {
      if (isCut(at)) return at
    }
    for (let at = text.length - 1; at > 0; at--) if (isCut(at)) return at
    return 0
  }
}

const isSpace = (char: string) => char === ' ' || char === '\t' || char === '\n'

/** The length of `text` without a trailing high surrogate, so a cut never splits a character in two. */
function wholeCharacters(text: string): number {
  const last = text.charCodeAt(text.length - 1)
  return last >= 0xd800 && last <= 0xdbff ? text.length - 1 : text.length
}
