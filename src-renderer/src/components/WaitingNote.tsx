import { useEffect, useState, type MouseEvent } from 'react'
import { useStrings } from '../i18n'

/** Silence shorter than this is a model starting up; past it the user is told, and offered Stop beside it. */
export const WAITING_NOTE_AFTER_MS = 5_000

/**
 * "No response yet (12 s)" under a column that has received nothing since it started: without it a server that
 * never answers leaves an empty "Streaming…" column for the whole idle timeout. Mounted only while the column is
 * empty and open, so its timer runs only then.
 */
export function WaitingNote({ label, onStop }: { label: string; onStop(event: MouseEvent<HTMLElement>): void }) {
  const t = useStrings()
  const [since] = useState(() => Date.now())
  const [now, setNow] = useState(since)
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000)
    return () => clearInterval(timer)
  }, [])
  const waitedMs = now - since
  if (waitedMs < WAITING_NOTE_AFTER_MS) return null
  return (
    <div className="column-waiting" data-testid="column-waiting">
      <p className="muted">{t.waitingNote(Math.floor(waitedMs / 1_000))}</p>
      <button type="button" className="button small" aria-label={t.stopModel(label)} onClick={onStop}>
        {t.stop}
      </button>
    </div>
  )
}
