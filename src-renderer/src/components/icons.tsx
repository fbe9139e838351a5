/** Small line icons, drawn with currentColor. Decorative: the buttons that hold them carry the label. */
import type { ReactNode } from 'react'

function Icon({ children }: { children: ReactNode }) {
  return (
    <svg
      className="icon"
      width="14"
      height="14"
      viewBox="0 0 16 16"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.5"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {children}
    </svg>
  )
}

export const SidebarIcon = () => (
  <Icon>
    <rect x="1.75" y="2.75" width="12.5" height="10.5" rx="1.5" />
    <path d="M6 2.75v10.5" />
  </Icon>
)

export const PinIcon = ({ filled = false }: { filled?: boolean }) => (
  <Icon>
    <path d="M6 2h4l-.5 4 2.5 2.5H4L6.5 6z" fill={filled ? 'currentColor' : 'none'} />
    <path d="M8 8.5V14" />
  </Icon>
)

export const SearchIcon = () => (
  <Icon>
    <circle cx="7" cy="7" r="4.25" />
    <path d="M10.25 10.25L14 14" />
  </Icon>
)

/** "⋯": a row's menu of actions. Filled dots, which a 1.5 px stroke draws too thin. */
export const MoreIcon = () => (
  <Icon>
    <circle cx="3.5" cy="8" r="1.1" fill="currentColor" stroke="none" />
    <circle cx="8" cy="8" r="1.1" fill="currentColor" stroke="none" />
    <circle cx="12.5" cy="8" r="1.1" fill="currentColor" stroke="none" />
  </Icon>
)

/** A stopwatch: the fastest first token. */
export const StopwatchIcon = () => (
  <Icon>
    <circle cx="8" cy="9" r="5.25" />
    <path d="M8 9V6.5M6.5 1.75h3M12 4.5l1-1" />
  </Icon>
)

/** A lightning bolt: the fastest stream. */
export const BoltIcon = () => (
  <Icon>
    <path d="M9 1.75 3.75 9h4l-1 5.25L12.25 7h-4z" />
  </Icon>
)
