/**
 * Per-window IPC allowlists. Quick ask is a small always-on-top window that shows model output: it gets only the
 * channels its page uses (src-renderer/src/quick-ask/ and the hooks it mounts), so script running in it could not
 * change settings, read history or sign out. The window a call comes from is decided by the shell from the sending
 * window itself (Electron's `event.sender`), never from anything the page says.
 */
import type { EventChannel, InvokeChannel } from '../../shared/ipc-contract'

export type WindowRole = 'main' | 'quick-ask'

/**
 * What quick ask calls: its settings and account view, one question (with files pasted or dropped: prepared in main,
 * thumbnails of images by their SHA-256, which a page knows only for a file it has) and Stop, the clipboard, hide,
 * open in main.
 */
const QUICK_ASK_INVOKES: ReadonlySet<InvokeChannel> = new Set<InvokeChannel>([
  'settings:get',
  'auth:get-state',
  'attachments:add',
  'attachments:preview',
  'chat:send',
  'chat:stop',
  'clipboard:read-text',
  'window:hide',
  'window:open-in-main',
])

/** What quick ask listens to. */
const QUICK_ASK_EVENTS: ReadonlySet<EventChannel> = new Set<EventChannel>([
  'chat:updates',
  'settings:changed',
  'auth:changed',
  'quick-ask:shown',
])

/** Channels only quick ask needs: the main window never reads the clipboard nor hides quick ask. */
const QUICK_ASK_ONLY: ReadonlySet<InvokeChannel> = new Set<InvokeChannel>(['clipboard:read-text', 'window:hide'])

export function mayInvoke(role: WindowRole, channel: InvokeChannel): boolean {
  return role === 'quick-ask' ? QUICK_ASK_INVOKES.has(channel) : !QUICK_ASK_ONLY.has(channel)
}

/** `event` as the transports' queues carry it (a string); quick ask gets none it does not list. */
export function mayReceive(role: WindowRole, event: string): boolean {
  return role === 'main' || (QUICK_ASK_EVENTS as ReadonlySet<string>).has(event)
}
