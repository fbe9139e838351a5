import { useEffect, useSyncExternalStore } from 'react'
import { useServices } from '../app-services'
import { t } from '../i18n'
import type { Toast } from '../state/toast-store'

const AUTO_DISMISS_MS = 12_000

export function Toasts() {
  const { toasts } = useServices()
  const list = useSyncExternalStore(toasts.subscribe, toasts.getToasts)
  return (
    <div className="toasts" role="status" aria-live="polite">
      {list.map((toast) => (
        <ToastItem key={toast.id} toast={toast} onDismiss={toasts.dismiss} />
      ))}
    </div>
  )
}

function ToastItem({ toast, onDismiss }: { toast: Toast; onDismiss(id: number): void }) {
  useEffect(() => {
    const timer = setTimeout(() => onDismiss(toast.id), AUTO_DISMISS_MS)
    return () => clearTimeout(timer)
  }, [onDismiss, toast.id])
  return (
    <div className="toast" data-testid="toast">
      <p>{toast.message}</p>
      <button type="button" className="icon-button" aria-label={t.toast.dismiss} onClick={() => onDismiss(toast.id)}>
        ×
      </button>
    </div>
  )
}
