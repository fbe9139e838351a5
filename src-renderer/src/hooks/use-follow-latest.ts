import { useCallback, useEffect, useRef, useState } from 'react'

/** How close to the bottom still counts as "at the bottom" (sub-pixel layout, a last line half in view). */
const BOTTOM_SLACK_PX = 8

/**
 * Keeps a scroll container pinned to its bottom while content grows, until the user scrolls up; scrolling back
 * down (or `jumpToLatest`) resumes following. Growth is observed with a ResizeObserver, which runs after layout
 * and before paint, so the view never shows a frame scrolled off the latest text. `showJump` says whether a
 * "Jump to latest" is worth showing: not following, and something below the view.
 */
export function useFollowLatest() {
  const scrollRef = useRef<HTMLDivElement>(null)
  const contentRef = useRef<HTMLDivElement>(null)
  const following = useRef(true)
  const lastScrollTop = useRef(0)
  const [showJump, setShowJump] = useState(false)

  const updateJump = useCallback(() => {
    const scroller = scrollRef.current
    setShowJump(!following.current && !!scroller && distanceToBottom(scroller) > BOTTOM_SLACK_PX)
  }, [])

  const setFollowing = useCallback(
    (value: boolean) => {
      following.current = value
      updateJump()
    },
    [updateJump],
  )

  const scrollToBottom = useCallback(() => {
    const scroller = scrollRef.current
    if (!scroller) return
    scroller.scrollTop = scroller.scrollHeight
    lastScrollTop.current = scroller.scrollTop
  }, [])

  useEffect(() => {
    const scroller = scrollRef.current
    const content = contentRef.current
    if (!scroller || !content) return
    const onScroll = () => {
      if (distanceToBottom(scroller) <= BOTTOM_SLACK_PX) setFollowing(true)
      // Only a move up is the user's: growing content leaves scrollTop where it was.
      else if (scroller.scrollTop < lastScrollTop.current - 1) setFollowing(false)
      else updateJump()
      lastScrollTop.current = scroller.scrollTop
    }
    const onWheel = (event: WheelEvent) => {
      if (event.deltaY < 0 && scroller.scrollHeight > scroller.clientHeight) setFollowing(false)
    }
    const observer = new ResizeObserver(() => {
      if (following.current) scrollToBottom()
      else updateJump()
    })
    observer.observe(content)
    observer.observe(scroller)
    scroller.addEventListener('scroll', onScroll, { passive: true })
    scroller.addEventListener('wheel', onWheel, { passive: true })
    return () => {
      observer.disconnect()
      scroller.removeEventListener('scroll', onScroll)
      scroller.removeEventListener('wheel', onWheel)
    }
  }, [scrollToBottom, setFollowing, updateJump])

  const jumpToLatest = useCallback(() => {
    setFollowing(true)
    scrollToBottom()
  }, [scrollToBottom, setFollowing])

  /** Stops following and brings `element` (inside the content) to the top of the view. */
  const holdAt = useCallback(
    (element: HTMLElement) => {
      element.scrollIntoView({ block: 'start' })
      lastScrollTop.current = scrollRef.current?.scrollTop ?? 0
      setFollowing(false)
    },
    [setFollowing],
  )

  return { scrollRef, contentRef, showJump, jumpToLatest, holdAt }
}

const distanceToBottom = (scroller: HTMLElement) => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight
