import { Fragment } from 'react'
import { splitCommandHint } from '../format/command-hint'

/** A hint from `models:check`, its shell commands set in <code>. */
export function CommandHint({ hint }: { hint: string }) {
  return (
    <span className="hint">
      {splitCommandHint(hint).map((segment, i) =>
        segment.isCommand ? <code key={i}>{segment.text}</code> : <Fragment key={i}>{segment.text}</Fragment>,
      )}
    </span>
  )
}
