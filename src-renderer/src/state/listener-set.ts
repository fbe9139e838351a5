/** The subscribe/notify half that every external store here shares (the shape `useSyncExternalStore` wants). */
export interface ListenerSet {
  subscribe(listener: () => void): () => void
  notify(): void
  readonly size: number
}

export function createListenerSet(): ListenerSet {
  const listeners = new Set<() => void>()
  return {
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    notify() {
      for (const listener of [...listeners]) listener()
    },
    get size() {
      return listeners.size
    },
  }
}
