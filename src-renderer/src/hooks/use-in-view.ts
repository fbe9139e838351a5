import { useEffect, useState } from 'react'

/**
 * Whether `element` shows any part of itself in the window (clipped by the scroll boxes around it, e.g. a column
 * scrolled out of the row of columns). True until the first observation says otherwise, and without an element.
 */
export function useInView(element: Element | null): boolean {
  const [inView, setInView] = useState(true)
  useEffect(() => {
    if (!element || typeof IntersectionObserver !== 'function') return
    const observer = new IntersectionObserver((entries) => setInView(entries.at(-1)!.isIntersecting))
    observer.observe(element)
    return () => {
      observer.disconnect()
      setInView(true)
    }
  }, [element])
  return inView
}
