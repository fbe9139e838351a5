/** Dismissible messages: failures that should not interrupt the user (e.g. a rejected `invoke`) and notices. */
import { createListenerSet } from './listener-set'

/** 'error' toasts stay until dismissed; the others go away by themselves. */
export type ToastLevel = 'info' | 'warning' | 'error'

export interface Toast {
  readonly id: number
  readonly message: string
  readonly level: ToastLevel
}

const MAX_TOASTS = 4

export class ToastStore {
  private toasts: readonly Toast[] = []
  private nextId = 1
  private readonly listeners = createListenerSet()

  /** Shows `message`; the same message twice in a row is shown once. */
  show(message: string, level: ToastLevel = 'error'): void {
    const last = this.toasts.at(-1)
    if (last?.message === message && last.level === level) return
    const toasts = [...this.toasts, { id: this.nextId++, message, level }]
    if (toasts.length > MAX_TOASTS) {
      // An error makes room last: a full disk must not be pushed off screen by a few notes.
      const oldestNote = toasts.findIndex((toast) => toast.level !== 'error')
      toasts.splice(oldestNote === -1 || oldestNote === toasts.length - 1 ? 0 : oldestNote, 1)
    }
    this.toasts = toasts
    this.listeners.notify()
  }

  readonly dismiss = (id: number): void => {
    this.toasts = this.toasts.filter((toast) => toast.id !== id)
    this.listeners.notify()
  }

  readonly getToasts = (): readonly Toast[] => this.toasts
  readonly subscribe = (listener: () => void): (() => void) => this.listeners.subscribe(listener)
}
