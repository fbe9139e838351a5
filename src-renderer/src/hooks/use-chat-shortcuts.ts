import { useEffect, useRef } from 'react'
import { matchesAccelerator } from '../keyboard/accelerator'
import { onMac } from '../keyboard/platform'
import { SHORTCUTS } from '../keyboard/shortcuts'

export interface ChatShortcutHandlers {
  newChat(): void
  focusSearch(): void
  /** Stops the answers streaming on screen; false when none was streaming (the key is then left alone). */
  stop(): boolean
}

/**
 * Ctrl/Cmd+N (new chat), Ctrl/Cmd+K (search) and Esc (stop) for the main window's chat.
 *
 * Esc belongs first to whatever has the focus or is on top: a search box it clears, a rename or a delete it
 * cancels, a panel it closes. Those handlers mark the event as used (preventDefault). This listener sits on the
 * window, the last stop of the bubbling path, so it sees every one of them first and acts only on an Esc nobody
 * used, and only while an answer on screen is streaming. The prompt box leaves Esc alone, so Esc while typing a
 * follow-up stops the answers (and keeps the draft). An Esc that cancels an IME conversion is never taken.
 */
export function useChatShortcuts(enabled: boolean, handlers: ChatShortcutHandlers): void {
  const latest = useRef(handlers)
  latest.current = handlers

  useEffect(() => {
    if (!enabled) return
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.isComposing || event.defaultPrevented) return
      const mac = onMac()
      if (matchesAccelerator(event, SHORTCUTS.newChat, mac)) {
        event.preventDefault()
        latest.current.newChat()
      } else if (matchesAccelerator(event, SHORTCUTS.focusSearch, mac)) {
        event.preventDefault()
        latest.current.focusSearch()
      } else if (matchesAccelerator(event, SHORTCUTS.stop, mac) && latest.current.stop()) {
        event.preventDefault()
      }
    }
    window.addEventListener('keydown', onKeyDown)
    return () => window.removeEventListener('keydown', onKeyDown)
  }, [enabled])
}
