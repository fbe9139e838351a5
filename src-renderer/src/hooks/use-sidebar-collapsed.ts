import { useCallback, useState } from 'react'

const STORAGE_KEY = 'streamdesk.sidebarCollapsed'

/** Whether the sidebar is collapsed, remembered in this window's local storage (when there is one). */
export function useSidebarCollapsed(): [boolean, (collapsed: boolean) => void] {
  const [collapsed, setCollapsed] = useState(() => read() === 'true')
  const set = useCallback((value: boolean) => {
    setCollapsed(value)
    try {
      localStorage.setItem(STORAGE_KEY, String(value))
    } catch {
      // Storage may be unavailable (private mode, a sandboxed page): the choice then lasts for this session.
    }
  }, [])
  return [collapsed, set]
}

function read(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY)
  } catch {
    return null
  }
}
