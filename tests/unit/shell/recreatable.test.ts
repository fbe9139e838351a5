import { describe, expect, it } from 'vitest'
import { Recreatable } from '../../../src-main/shell/recreatable'

/** Stands in for a BrowserWindow whose methods throw once the OS destroyed it, as Electron's do. */
class FakeWindow {
  destroyed = false
  shown = 0
  constructor(readonly serial: number) {}
  isDestroyed(): boolean {
    return this.destroyed
  }
  show(): void {
    if (this.destroyed) throw new Error('Object has been destroyed')
    this.shown += 1
  }
}

describe('Recreatable (the quick-ask and main windows)', () => {
  it('creates the window once and reuses it while it lives', () => {
    let created = 0
    const window = new Recreatable(() => new FakeWindow(++created))
    expect(window.existing()).toBeUndefined()
    expect(created).toBe(0)
    window.get().show()
    window.get().show()
    expect(created).toBe(1)
    expect(window.existing()?.shown).toBe(2)
  })

  it('makes a new window on next use once the OS destroyed it, instead of throwing', () => {
    let created = 0
    const window = new Recreatable(() => new FakeWindow(++created))
    const first = window.get()
    first.destroyed = true
    expect(() => first.show()).toThrow('Object has been destroyed')
    // Hiding or destroying a destroyed window neither throws nor brings it back.
    expect(window.existing()).toBeUndefined()
    expect(created).toBe(1)

    expect(() => window.get().show()).not.toThrow()
    expect(window.get().serial).toBe(2)
    expect(window.existing()).toBe(window.get())
    expect(created).toBe(2)
  })
})
