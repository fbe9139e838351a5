/**
 * A row's "⋯" menu, the WAI-ARIA menu button pattern: the button opens a menu whose first item takes the focus;
 * arrow keys, Home and End move through the items; Escape closes it and gives the focus back to the button; Tab,
 * a click outside or choosing an item closes it.
 */
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react'
import { MoreIcon } from './icons'

export interface RowMenuItem {
  testId: string
  label: string
  /** The item's words when they need the row's name to make sense out of context (screen readers). */
  ariaLabel?: string
  danger?: boolean
  onSelect(): void
}

interface RowMenuProps {
  /** The button's accessible name, e.g. "Actions for “Trip plans”". */
  label: string
  items: readonly RowMenuItem[]
  buttonTestId: string
  /** The button, for a row that gives the focus back to it after an action. */
  buttonRef?: React.RefObject<HTMLButtonElement | null>
}

export function RowMenu({ label, items, buttonTestId, buttonRef }: RowMenuProps) {
  const [open, setOpen] = useState(false)
  const ownButton = useRef<HTMLButtonElement>(null)
  const button = buttonRef ?? ownButton
  const menu = useRef<HTMLDivElement>(null)
  const menuId = useId()

  useEffect(() => {
    if (!open) return
    menu.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus()
    const closeOnOutsideClick = (event: PointerEvent) => {
      const target = event.target as Node
      if (!menu.current?.contains(target) && !button.current?.contains(target)) setOpen(false)
    }
    document.addEventListener('pointerdown', closeOnOutsideClick)
    return () => document.removeEventListener('pointerdown', closeOnOutsideClick)
  }, [open, button])

  const close = (focusButton: boolean) => {
    setOpen(false)
    if (focusButton) button.current?.focus()
  }

  const onMenuKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const entries = Array.from(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])
    const current = entries.indexOf(document.activeElement as HTMLElement)
    const focus = (index: number) => entries[(index + entries.length) % entries.length]?.focus()
    if (event.key === 'ArrowDown') focus(current + 1)
    else if (event.key === 'ArrowUp') focus(current - 1)
    else if (event.key === 'Home') focus(0)
    else if (event.key === 'End') focus(entries.length - 1)
    else if (event.key === 'Escape') close(true)
    else if (event.key === 'Tab') close(false)
    else return
    if (event.key !== 'Tab') event.preventDefault()
  }

  return (
    <span className="row-menu">
      <button
        type="button"
        ref={button}
        className="row-action"
        data-testid={buttonTestId}
        aria-label={label}
        title={label}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        onClick={() => setOpen((wasOpen) => !wasOpen)}
        onKeyDown={(event) => {
          if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return
          event.preventDefault()
          setOpen(true)
        }}
      >
        <MoreIcon />
      </button>
      {open && (
        <div ref={menu} id={menuId} role="menu" aria-label={label} className="row-menu-list" onKeyDown={onMenuKeyDown}>
          {items.map((item) => (
            <button
              key={item.testId}
              type="button"
              role="menuitem"
              tabIndex={-1}
              className={item.danger ? 'row-menu-item danger' : 'row-menu-item'}
              data-testid={item.testId}
              aria-label={item.ariaLabel}
              onClick={() => {
                // Back to the button first: an item that opens something (rename, confirm) moves the focus on.
                close(true)
                item.onSelect()
              }}
            >
              {item.label}
            </button>
          ))}
        </div>
      )}
    </span>
  )
}
