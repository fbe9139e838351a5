import { memo, useEffect, useLayoutEffect, useRef, useState, type MouseEvent, type ReactNode } from 'react'
import { useServices } from '../app-services'
import { currentStrings } from '../i18n'
import { runWhenIdle } from '../markdown/idle-queue'
import { IncrementalMarkdown, type ViewBlock } from '../markdown/incremental-markdown'
import type { PiecedHtml } from '../markdown/sealed-pieces'

/**
 * Blocks are rendered in groups of this many. A group is a memoized component and a `content-visibility: auto`
 * box: a frame reconciles one element per unchanged group, and the browser skips style, layout and paint of the
 * groups out of view, so the cost of a frame stays flat however long the answer grows.
 */
const BLOCKS_PER_GROUP = 16

/**
 * A streamed answer as markdown. Blocks are keyed by their offset in the text, final or not, so a tail block
 * keeps its DOM when it becomes final; highlighting swaps a block's HTML later, when the page is idle.
 */
export function MarkdownView({ text, done, testId = 'column-text' }: { text: string; done: boolean; testId?: string }) {
  const { markdown } = useServices()
  const [document] = useState(() => new IncrementalMarkdown(markdown))
  const { blocks, tail } = document.sync(text, done)
  const all = tail.length === 0 ? blocks : [...blocks, ...tail]
  const groups: ReactNode[] = []
  for (let start = 0; start < all.length; start += BLOCKS_PER_GROUP) {
    groups.push(<BlockGroup key={start} blocks={all.slice(start, start + BLOCKS_PER_GROUP)} />)
  }
  return (
    <div className="markdown" data-testid={testId} onClick={copyCodeOnClick}>
      {groups}
    </div>
  )
}

// Final blocks are the same objects from frame to frame, so an unchanged group has the same first and last block.
const BlockGroup = memo(
  function BlockGroup({ blocks }: { blocks: readonly ViewBlock[] }) {
    return (
      <div className="md-group">
        {blocks.map((block) => (
          <BlockView key={block.key} block={block} />
        ))}
      </div>
    )
  },
  (previous, next) =>
    previous.blocks.length === next.blocks.length &&
    previous.blocks[0] === next.blocks[0] &&
    previous.blocks.at(-1) === next.blocks.at(-1),
)

// A tail block is a new object every frame; the same rendering still means nothing to redraw.
const BlockView = memo(
  function BlockView({ block }: { block: ViewBlock }) {
    const highlighted = useHighlightedHtml(block)
    if (highlighted === undefined && block.pieced) return <PiecedBlockView pieced={block.pieced} />
    return <div className="md-block" dangerouslySetInnerHTML={{ __html: highlighted ?? block.html }} />
  },
  (previous, next) =>
    previous.block === next.block ||
    (previous.block.renderHighlighted === next.block.renderHighlighted && sameRendering(previous.block, next.block)),
)

/** Pieced blocks compare piece by piece (sealed pieces are the same strings, so that is cheap); others by HTML. */
function sameRendering(a: ViewBlock, b: ViewBlock): boolean {
  if (!a.pieced || !b.pieced) return a.pieced === b.pieced && a.html === b.html
  const [x, y] = [a.pieced, b.pieced]
  return (
    x.open === y.open &&
    x.close === y.close &&
    x.pieces.length === y.pieces.length &&
    x.pieces.every((piece, i) => piece === y.pieces[i])
  )
}

/**
 * A paragraph in more pieces than this shows them as blocks. Inline pieces flow seamlessly, but the browser lays
 * out the whole paragraph again whenever its last piece grows; block pieces keep that to the last piece, at the
 * price of a line break at each seam, which only such a wall of text (no blank line in many kilobytes) pays.
 */
const MAX_INLINE_PIECES = 6

/**
 * A block rendered in pieces: the frame (e.g. `<p></p>`) once, then one element per piece in its innermost
 * element. Sealed pieces never change, so a frame only rewrites the last one. Code pieces end at line ends, so they
 * are always blocks, seamlessly; a table's pieces are row groups, one `<tbody>` each.
 */
function PiecedBlockView({ pieced }: { pieced: PiecedHtml }) {
  const root = useRef<HTMLDivElement>(null)
  const shown = useRef<{ frame: string; container: Element; pieces: HTMLElement[]; html: string[] }>(undefined)

  useLayoutEffect(() => {
    const element = root.current!
    const frame = pieced.open + pieced.close
    const isTable = pieced.kind === 'table'
    if (shown.current?.frame !== frame) {
      element.innerHTML = frame
      const container = isTable ? element.querySelector('table')! : innermostLastElement(element)
      shown.current = { frame, container, pieces: [], html: [] }
    }
    const state = shown.current
    if (!isTable) {
      const asBlocks = pieced.kind === 'fence' || pieced.pieces.length > MAX_INLINE_PIECES
      state.container.classList.toggle('md-block-pieces', asBlocks)
      state.container.classList.toggle('md-text-pieces', asBlocks && pieced.kind === 'paragraph')
    }
    pieced.pieces.forEach((html, i) => {
      if (state.html[i] === html) return
      let piece = state.pieces[i]
      if (!piece) {
        piece = document.createElement(isTable ? 'tbody' : 'span')
        if (!isTable) piece.className = 'md-piece'
        state.container.append(piece)
        state.pieces[i] = piece
      }
      piece.innerHTML = html
      state.html[i] = html
    })
    for (const piece of state.pieces.splice(pieced.pieces.length)) piece.remove()
    state.html.length = pieced.pieces.length
  }, [pieced])

  return <div className="md-block" ref={root} />
}

/** Where a frame's pieces go: `<p>` for a paragraph, `<code>` inside a fence's wrapper. */
function innermostLastElement(element: Element): Element {
  let innermost = element
  while (innermost.lastElementChild) innermost = innermost.lastElementChild
  return innermost
}

/** The block's highlighted HTML once the idle queue has produced it. */
function useHighlightedHtml(block: ViewBlock): string | undefined {
  const [highlighted, setHighlighted] = useState<{ block: ViewBlock; html: string }>()
  useEffect(() => {
    const { renderHighlighted } = block
    if (!renderHighlighted) return
    return runWhenIdle(() => setHighlighted({ block, html: renderHighlighted() }))
  }, [block])
  return highlighted?.block === block ? highlighted.html : undefined
}

/** The Copy buttons are markup inside the rendered HTML, so their clicks are handled here, by delegation. */
function copyCodeOnClick(event: MouseEvent<HTMLElement>): void {
  const button = (event.target as Element).closest('button.code-copy')
  if (!(button instanceof HTMLButtonElement)) return
  const code = button.closest('.code-block')?.querySelector('pre code')?.textContent ?? ''
  // navigator.clipboard is missing outside secure contexts; copying is then simply unavailable.
  navigator.clipboard?.writeText(code).then(
    () => {
      button.textContent = currentStrings().code.copied
      setTimeout(() => (button.textContent = currentStrings().code.copy), 1500)
    },
    () => undefined,
  )
}
