/**
 * Where windows go, as pure functions of the screens (no `electron` import, so they are tested directly): the
 * main window back where the user left it, unless that place is no longer on any screen; quick ask centred near
 * the top of the screen the cursor is on.
 */
export interface Rect {
  x: number
  y: number
  width: number
  height: number
}

export const MAIN_WINDOW_DEFAULT = { width: 1280, height: 820 }
export const MAIN_WINDOW_MIN = { width: 720, height: 480 }
export const QUICK_ASK_SIZE = { width: 680, height: 420 }
/** At least this much of a restored window must be on a screen for the user to grab it. */
const MIN_VISIBLE = 80

/** The saved bounds if enough of them is on some screen, else the default size centred on the primary screen. */
export function restoredBounds(saved: Rect | undefined, workAreas: Rect[]): Rect {
  const primary = workAreas[0] ?? { x: 0, y: 0, ...MAIN_WINDOW_DEFAULT }
  if (saved && isValidRect(saved) && workAreas.some((area) => overlap(saved, area) >= MIN_VISIBLE * MIN_VISIBLE)) {
    return {
      ...saved,
      width: Math.max(saved.width, MAIN_WINDOW_MIN.width),
      height: Math.max(saved.height, MAIN_WINDOW_MIN.height),
    }
  }
  const width = Math.min(MAIN_WINDOW_DEFAULT.width, primary.width)
  const height = Math.min(MAIN_WINDOW_DEFAULT.height, primary.height)
  return {
    x: primary.x + Math.round((primary.width - width) / 2),
    y: primary.y + Math.round((primary.height - height) / 2),
    width,
    height,
  }
}

/** Quick ask: horizontally centred on the cursor's screen, a fifth of the way down, never larger than it. */
export function quickAskBounds(workArea: Rect, size = QUICK_ASK_SIZE): Rect {
  const width = Math.min(size.width, workArea.width - 40)
  const height = Math.min(size.height, workArea.height - 40)
  return {
    x: workArea.x + Math.round((workArea.width - width) / 2),
    y: workArea.y + Math.round(workArea.height / 5),
    width,
    height,
  }
}

function isValidRect(rect: Rect): boolean {
  return [rect.x, rect.y, rect.width, rect.height].every(Number.isFinite) && rect.width > 0 && rect.height > 0
}

function overlap(a: Rect, b: Rect): number {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)
  return width > 0 && height > 0 ? width * height : 0
}
