import { useEffect, useSyncExternalStore } from 'react'
import { useServices } from '../app-services'
import { useStrings } from '../i18n'
import type { Toast } from '../state/toast-store'

const AUTO_DISMISS_MS = 12_000

/**
 * `placement`: the corner away from where the page is typed into, so a toast never covers it: the main window's
 * composer is at the bottom (toasts at the top, under the top bar), quick ask's question box at the top.
 */
export function Toasts({ placement }: { placement: 'top' | 'bottom' }) {
  const { toasts } = useServices()
  const list = useSyncExternalStore(toasts.subscribe, toasts.getToasts)
  return (
    <div className="toasts" data-placement={placement} data-testid="toasts" aria-live="polite">
      {list.map((toast) => (
        <ToastItem key={toast.id} toast={toast} onDismiss={toasts.dismiss} />
      ))}
    </div>
  )
}

/** Errors (a failed call, history that cannot be saved) stay until dismissed and are announced at once. */
function ToastItem({ toast, onDismiss }: { toast: Toast; onDismiss(id: number): void }) {
  const t = useStrings()
  const sticky = toast.level === 'error'
  useEffect(() => {
    if (sticky) return
    const timer = setTimeout(() => onDismiss(toast.id), AUTO_DISMISS_MS)
    return () => clearTimeout(timer)
  }, [onDismiss, sticky, toast.id])
  return (
    <div className="toast" data-testid="toast" data-level={toast.level} role={sticky ? 'alert' : 'status'}>
      <p>{toast.message}</p>
      <button type="button" className="icon-button" aria-label={t.toast.dismiss} onClick={() => onDismiss(toast.id)}>
        ×
      </button>
    </div>
  )
}
