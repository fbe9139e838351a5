/** Dismissible messages for failures that should not interrupt the user (e.g. a rejected `invoke`). */
import { createListenerSet } from './listener-set'

export interface Toast {
  readonly id: number
  readonly message: string
}

export class ToastStore {
  private toasts: readonly Toast[] = []
  private nextId = 1
  private readonly listeners = createListenerSet()

  /** Shows `message`; the same message twice in a row is shown once. */
  show(message: string): void {
    if (this.toasts.at(-1)?.message === message) return
    this.toasts = [...this.toasts, { id: this.nextId++, message }].slice(-4)
    this.listeners.notify()
  }

  readonly dismiss = (id: number): void => {
    this.toasts = this.toasts.filter((toast) => toast.id !== id)
    this.listeners.notify()
  }

  readonly getToasts = (): readonly Toast[] => this.toasts
  readonly subscribe = (listener: () => void): (() => void) => this.listeners.subscribe(listener)
}
