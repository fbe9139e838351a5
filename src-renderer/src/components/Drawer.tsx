import { useEffect, useId, useRef, useState, type ReactNode } from 'react'
import { useStrings } from '../i18n'

interface DrawerProps {
  title: string
  testId: string
  onClose(): void
  /** Buttons next to the close button. */
  actions?: ReactNode
  children: ReactNode
}

const TABBABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), ' +
  'textarea:not([disabled]), [tabindex]:not([tabindex="-1"])'

/**
 * A modal panel's focus trap: Tab from its last control goes to its first and Shift+Tab from its first to its last,
 * so the keyboard never walks into the dimmed page behind it (WAI-ARIA's dialog pattern).
 */
function keepTabInside(panel: HTMLElement, event: globalThis.KeyboardEvent): void {
  const tabbable = [...panel.querySelectorAll<HTMLElement>(TABBABLE)].filter(
    (element) => element.getClientRects().length > 0 && !element.closest('[inert]'),
  )
  const first = tabbable[0]
  const last = tabbable.at(-1)
  if (!first || !last) return
  const active = document.activeElement
  const outside = !panel.contains(active)
  if (event.shiftKey && (active === first || active === panel || outside)) {
    event.preventDefault()
    last.focus()
  } else if (!event.shiftKey && (active === last || outside)) {
    event.preventDefault()
    first.focus()
  }
}

/**
 * A side panel over the app. Not a native modal <dialog>: that would put toasts behind its backdrop, and a
 * failed save has to show its toast right here.
 */
export function Drawer({ title, testId, onClose, actions, children }: DrawerProps) {
  const t = useStrings()
  const titleId = useId()
  const panel = useRef<HTMLDivElement>(null)
  const close = useRef(onClose)
  close.current = onClose

  // Where the focus was before the drawer opened, read while rendering: a section's own effect (Edit model's form)
  // may take the focus before this component's effect runs.
  const [returnFocusTo] = useState(() =>
    document.activeElement instanceof HTMLElement ? document.activeElement : null,
  )

  useEffect(() => {
    if (!panel.current?.contains(document.activeElement)) panel.current?.focus()
    const onKeyDown = (event: globalThis.KeyboardEvent) => {
      if (event.key === 'Tab' && panel.current) return keepTabInside(panel.current, event)
      if (event.key !== 'Escape' || event.defaultPrevented) return
      // Marked as used, so the window-level Esc (stop streaming) leaves it alone.
      event.preventDefault()
      close.current()
    }
    document.addEventListener('keydown', onKeyDown)
    return () => {
      document.removeEventListener('keydown', onKeyDown)
      returnFocusTo?.focus()
    }
  }, [returnFocusTo])

  return (
    <div
      className="overlay"
      onMouseDown={(event) => {
        if (event.target === event.currentTarget) onClose()
      }}
    >
      <div
        className="drawer"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid={testId}
        tabIndex={-1}
        ref={panel}
      >
        {/* Not a <header>: that would be a second banner landmark beside the top bar's. */}
        <div className="drawer-header">
          <h2 id={titleId}>{title}</h2>
          <div className="drawer-actions">
            {actions}
            <button type="button" className="icon-button" aria-label={t.settings.close} onClick={onClose}>
              ×
            </button>
          </div>
        </div>
        {/* Focusable, so a panel of text only (Diagnostics) can still be scrolled with the keyboard. */}
        <div className="drawer-body" tabIndex={0}>
          {children}
        </div>
      </div>
    </div>
  )
}
