import { useEffect, useState } from 'react'

/** The current time, refreshed every `intervalMs` (for "5 min ago" labels that should not go stale). */
export function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs)
    return () => clearInterval(timer)
  }, [intervalMs])
  return now
}
