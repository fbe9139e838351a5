import { useCallback, useEffect, useRef, useState, type RefObject } from 'react'

/** Conversations up to this many exchanges render whole; longer ones only near the view. */
const WINDOW_FROM = 8
/** The newest exchanges always render: they are where the stream and the user are. */
const ALWAYS_RENDERED_LAST = 2
/** "Near the view": within one and a half views above or below it, so scrolling meets rendered text. */
const NEAR_MARGIN = '150% 0px'
/** An exchange never rendered yet stands in at this height until it comes near and is measured. */
const ESTIMATED_HEIGHT_PX = 480

export interface ExchangeWindow {
  /** Whether exchange `index` renders its content, or a placeholder of its height. */
  isRendered(index: number): boolean
  /** The placeholder's height for exchange `index`: as last measured, else an estimate. */
  placeholderHeight(index: number): number
  /** The ref for exchange `index`'s element (the exchange or its placeholder), stable per index. */
  slotRef(index: number): (element: HTMLElement | null) => void
}

/**
 * Virtualizes a long conversation by exchange: an IntersectionObserver on the scroll container tells which
 * exchanges are near the view; the others are empty boxes of their measured height, so the DOM holds what is on
 * screen (and a margin around it), not the whole history, and the scroll height stays true. `pinned` (a search
 * hit being shown) always renders.
 */
export function useExchangeWindow(
  scrollRef: RefObject<HTMLElement | null>,
  count: number,
  pinned?: number,
): ExchangeWindow {
  const [near, setNear] = useState<ReadonlySet<number>>(() => new Set())
  const heights = useRef(new Map<number, number>())
  const indexOf = useRef(new Map<Element, number>())
  const refs = useRef(new Map<number, (element: HTMLElement | null) => void>())
  const observer = useRef<IntersectionObserver>(undefined)

  useEffect(() => {
    const io = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          const index = indexOf.current.get(entry.target)
          // A rendered exchange leaving the view: its height is what its placeholder keeps.
          if (index !== undefined && !entry.isIntersecting && !entry.target.hasAttribute('data-placeholder')) {
            heights.current.set(index, entry.boundingClientRect.height)
          }
        }
        setNear((previous) => {
          let next: Set<number> | undefined
          for (const entry of entries) {
            const index = indexOf.current.get(entry.target)
            if (index === undefined || entry.isIntersecting === previous.has(index)) continue
            next ??= new Set(previous)
            if (entry.isIntersecting) next.add(index)
            else next.delete(index)
          }
          return next ?? previous
        })
      },
      { root: scrollRef.current, rootMargin: NEAR_MARGIN },
    )
    observer.current = io
    for (const element of indexOf.current.keys()) io.observe(element)
    return () => {
      io.disconnect()
      observer.current = undefined
    }
  }, [scrollRef])

  const slotRef = useCallback((index: number) => {
    let ref = refs.current.get(index)
    if (!ref) {
      let current: HTMLElement | null = null
      ref = (element) => {
        if (current) {
          observer.current?.unobserve(current)
          indexOf.current.delete(current)
        }
        current = element
        if (element) {
          indexOf.current.set(element, index)
          observer.current?.observe(element)
        }
      }
      refs.current.set(index, ref)
    }
    return ref
  }, [])

  const windowed = count > WINDOW_FROM
  const isRendered = useCallback(
    (index: number) => !windowed || index >= count - ALWAYS_RENDERED_LAST || index === pinned || near.has(index),
    [count, near, pinned, windowed],
  )
  const placeholderHeight = useCallback((index: number) => heights.current.get(index) ?? ESTIMATED_HEIGHT_PX, [])
  return { isRendered, placeholderHeight, slotRef }
}
