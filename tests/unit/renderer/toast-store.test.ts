import { describe, expect, it, vi } from 'vitest'
import { ToastStore } from '../../../src-renderer/src/state/toast-store'

describe('ToastStore', () => {
  it('shows, collapses an immediate repeat, keeps the last four and dismisses by id', () => {
    const toasts = new ToastStore()
    const listener = vi.fn()
    toasts.subscribe(listener)
    toasts.show('Invalid base URL')
    toasts.show('Invalid base URL')
    expect(toasts.getToasts().map((toast) => toast.message)).toEqual(['Invalid base URL'])
    for (const n of [1, 2, 3, 4]) toasts.show(`error ${n}`)
    expect(toasts.getToasts().map((toast) => toast.message)).toEqual(['error 1', 'error 2', 'error 3', 'error 4'])
    const snapshot = toasts.getToasts()
    toasts.dismiss(snapshot[0]!.id)
    expect(toasts.getToasts().map((toast) => toast.message)).toEqual(['error 2', 'error 3', 'error 4'])
    expect(snapshot).toHaveLength(4)
    expect(listener).toHaveBeenCalledTimes(6)
  })

  it('keeps the level; errors by default, and a repeat only collapses at the same level', () => {
    const toasts = new ToastStore()
    toasts.show('Invalid base URL')
    toasts.show('History is being saved again.', 'info')
    toasts.show('History is being saved again.', 'warning')
    expect(toasts.getToasts().map((toast) => toast.level)).toEqual(['error', 'info', 'warning'])
  })

  it('makes room by dropping the oldest note before any error', () => {
    const toasts = new ToastStore()
    toasts.show('History could not be saved: the disk is full.', 'error')
    for (const n of [1, 2, 3, 4]) toasts.show(`note ${n}`, 'info')
    expect(toasts.getToasts().map((toast) => toast.message)).toEqual([
      'History could not be saved: the disk is full.',
      'note 2',
      'note 3',
      'note 4',
    ])
    for (const n of [1, 2, 3, 4]) toasts.show(`error ${n}`)
    expect(toasts.getToasts().map((toast) => toast.message)).toEqual(['error 1', 'error 2', 'error 3', 'error 4'])
  })
})
