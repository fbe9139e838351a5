/**
 * A minimal typed event emitter (in the spirit of mitt/nanoevents): `on` returns the unsubscribe function, and a
 * listener that throws is reported to `onListenerError` instead of breaking the emitter's other listeners.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Listener = (...args: any[]) => void

export class TypedEmitter<Events extends { [K in keyof Events]: unknown[] }> {
  private readonly listeners = new Map<keyof Events, Set<Listener>>()

  constructor(private readonly onListenerError: (error: unknown) => void = (error) => console.error(error)) {}

  on<E extends keyof Events>(event: E, listener: (...args: Events[E]) => void): () => void {
    let set = this.listeners.get(event)
    if (!set) this.listeners.set(event, (set = new Set()))
    set.add(listener)
    return () => {
      set.delete(listener)
    }
  }

  emit<E extends keyof Events>(event: E, ...args: Events[E]): void {
    const set = this.listeners.get(event)
    if (!set) return
    for (const listener of [...set]) {
      try {
        listener(...args)
      } catch (error) {
        this.onListenerError(error)
      }
    }
  }

  removeAllListeners(): void {
    this.listeners.clear()
  }
}
