/**
 * What the main process tells the user, as a key the renderer words in the user's language (en, ja), never as an
 * English sentence. The server's or the OS's own text, which no catalog can translate, travels verbatim (bounded) as
 * `detail`, shown as secondary text. Main keeps English only for its log file.
 *
 * A new message is one entry in `MessageParams`; each language's catalog is a `Record` over its keys, so a catalog
 * that forgets one does not compile. A renderer older than main may meet a key it does not know: it shows a generic
 * message with the detail (see `decodeUserMessage`), never nothing and never a crash.
 *
 * Plain types and small pure functions only: the renderer and the sandboxed preload import this file.
 */
import type { UiLanguage } from './ui-language'

/** Why a history file could not be written, as `describe-write-error.ts` classifies the OS's or SQLite's code. */
export type WriteFailure = 'disk-full' | 'read-only' | 'busy' | 'disk-error' | 'damaged'

/** A change made on a full disk and kept in memory (history pending-changes.ts), as the user's words name it. */
export type KeptChangeKind = 'new chat' | 'turn' | 'attempt' | 'rename' | 'pin' | 'system prompt' | 'delete'

/**
 * How each kept change is named, in both languages: by the catalogs (a change lost later) and by main itself (the
 * native message box at quit, which no page words, and the English log).
 */
export const KEPT_CHANGE_WORDS: Record<UiLanguage, Record<KeptChangeKind, string>> = {
  en: {
    'new chat': 'the new chat',
    turn: 'a prompt and its answers',
    attempt: 'a continued or regenerated answer',
    rename: 'a rename',
    pin: 'a pin or unpin',
    'system prompt': 'its system prompt',
    delete: 'its deletion',
  },
  ja: {
    'new chat': '新しいチャット',
    turn: 'プロンプトと回答',
    attempt: '続きまたは再生成した回答',
    rename: '名前の変更',
    pin: 'ピン留めの変更',
    'system prompt': 'システムプロンプト',
    delete: '削除',
  },
}

/** Why an import of a history file was refused or stopped (history-export.ts, import-in-worker.ts). */
export type ImportFailure =
  | 'too-large'
  | 'not-json'
  | 'not-an-export'
  | 'unknown-version'
  | 'too-deep'
  | 'damaged'
  | 'unreadable'
  | 'not-saved'
  | 'stopped'

/** Why a cloud sign-in step failed (cloud/auth-errors.ts), as the sign-in form words it. */
export type AuthReason =
  | 'network'
  | 'sign-up-domain-limited'
  | 'sign-up-refused'
  | 'incorrect-credentials'
  | 'no-account'
  | 'not-confirmed'
  | 'account-exists'
  | 'code-mismatch'
  | 'code-expired'
  | 'password-policy'
  | 'too-many-attempts'
  | 'code-not-sent'
  | 'input-not-accepted'
  | 'config-no-password-sign-in'
  | 'config-missing-pool'
  | 'config-client-secret'
  | 'invite-only'
  | 'account-disabled'
  | 'session-ended'
  | 'sign-in-too-long'
  | 'no-sign-in-waiting'
  | 'step-wants-new-password'
  | 'step-wants-mfa-code'
  | 'unsupported-step'
  | 'not-signed-in'
  | 'not-renewed'
  | 'no-tokens'
  | 'unreadable-token'
  | 'signed-out'
  | 'unexpected'

/**
 * The error codes a failed answer may carry: the stream protocol's (each version's, see WireErrorCode there, held to
 * this list by the compiler) and 'incomplete', which the app sets when chunks never arrived. The renderer words a
 * headline for each; the backend's own text stays the detail.
 */
export type AnswerErrorCode =
  | 'connection-refused'
  | 'unauthorized'
  | 'rate-limited'
  | 'model-not-found'
  | 'bad-response'
  | 'timeout'
  | 'internal'
  | 'quota-exceeded'
  | 'incomplete'

/** Why a model download failed (model-downloader.ts); the renderer words each, the downloader's text is the detail. */
export type DownloadErrorCode =
  'not-allowed' | 'network' | 'http' | 'disk-full' | 'checksum' | 'size' | 'cancelled' | 'io'

/** Every message key, with the parameters its wording needs. */
export interface MessageParams {
  // models:check and models:discover
  'model:ready': { model: string; server: string }
  'model:file-ready': { file: string; quantization?: string }
  'model:file-unusable': { file: string }
  'model:not-configured': { modelId: string }
  'server:bad-address': { address: string }
  'server:not-answering': { server: string }
  'server:refused': { server: string; status: number }
  'server:bad-model-list': { server: string; status?: number }
  'server:missing-model': { server: string; model: string; available: string[] }
  'server:key-over-http': Record<string, never>
  // What to do next, beside a check's result (commands stay commands in every language).
  'hint:enter-api-root': Record<string, never>
  'hint:start-ollama': Record<string, never>
  'hint:start-lm-studio': Record<string, never>
  'hint:start-any-server': Record<string, never>
  'hint:check-key': Record<string, never>
  'hint:add-key': Record<string, never>
  'hint:check-api-root': Record<string, never>
  'hint:ollama-pull': { model: string }
  'hint:load-model': { model: string }
  'hint:confirm-key-over-http': Record<string, never>
  // attachments:add refusals
  'attachment:empty': Record<string, never>
  'attachment:too-large': { sizeBytes?: number; limitBytes?: number }
  'attachment:image-too-large': Record<string, never>
  'attachment:unsupported-type': { type?: string }
  'attachment:not-a-file': Record<string, never>
  'attachment:not-utf8': Record<string, never>
  'attachment:damaged-image': Record<string, never>
  'attachment:damaged-pdf': Record<string, never>
  'attachment:pdf-too-long': { pages?: number; maxPages?: number }
  'attachment:pdf-too-much-text': { limitBytes: number }
  'attachment:pdf-too-slow': Record<string, never>
  'attachment:pdf-too-large': Record<string, never>
  'attachment:bad-name': { name: string }
  'attachment:gone': Record<string, never>
  // History writes and notices
  'history:change-failed': { reason?: WriteFailure }
  'history:save-failed': { reason?: WriteFailure }
  'history:saving-again': Record<string, never>
  'history:change-kept': Record<string, never>
  'history:too-many-kept': Record<string, never>
  'history:kept-change-lost': { change: KeptChangeKind; title: string }
  'history:backup-failed': Record<string, never>
  'history:damaged': { backupDir: string }
  'shortcut:refused': { accelerator: string }
  // Start-up notices (AppStatus.notices)
  'settings:set-aside': { path: string }
  'settings:key-unreadable': { model: string }
  'history:opened-read-only': { reason?: WriteFailure }
  'history:not-opened': { reason?: WriteFailure }
  'history:interrupted': { count: number }
  'history:conversation-gone': Record<string, never>
  'history:no-backup': { date: string }
  'history:backup-damaged': { date: string }
  /** Why an export was not written: `bad-target` with the path's problem as the detail, `not-written` with the OS's. */
  'history:export-failed': { failure: 'bad-target' | 'not-written' }
  /** `imported`: conversations an import in batches committed before it stopped (0: nothing was imported). */
  'history:import-refused': {
    failure: ImportFailure
    imported: number
    limitMb?: number
    versions?: string
    reason?: WriteFailure
  }
  'history:salvaged': { fromFile: number; fromBackup: number; completed: number; backupDate?: string; path: string }
  'history:salvaged-nothing': { hadBackup: boolean; path: string }
  // Cloud mode
  'auth:error': { reason: AuthReason }
  'cloud:config-invalid': { output: string }
  'cloud:credentials-failed': Record<string, never>
  'cloud:backend-older': Record<string, never>
  'cloud:app-older': Record<string, never>
}

export type MessageKey = keyof MessageParams

/** One message: its key, its parameters, and the server's or OS's own words when there are any. */
export type UserMessage = {
  [K in MessageKey]: { key: K; params: MessageParams[K]; detail?: string }
}[MessageKey]

/** The longest detail kept: enough for a server's explanation, not for a whole HTML error page. */
export const MAX_DETAIL_CHARS = 500

/** Builds a message, with its detail cut to one line of at most MAX_DETAIL_CHARS (empty detail is left out). */
export function userMessage<K extends MessageKey>(key: K, params: MessageParams[K], detail?: string): UserMessage {
  const shown = detail === undefined ? '' : boundedDetail(detail)
  return { key, params, ...(shown ? { detail: shown } : {}) } as UserMessage
}

export function boundedDetail(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim()
  return oneLine.length > MAX_DETAIL_CHARS ? `${oneLine.slice(0, MAX_DETAIL_CHARS)}…` : oneLine
}

/**
 * A rejected invoke carries only its error's message through every transport (Electron's ipcMain, the harness's
 * WebSocket), so a keyed message rides at the end of it after this marker, behind the English text for logs.
 */
const MARKER = ' ⟦streamdesk-message⟧'

export function encodeUserMessage(english: string, message: UserMessage): string {
  return `${english}${MARKER}${JSON.stringify(message)}`
}

/** A received message as far as it can be trusted: a key this renderer may not know, params, detail. */
export interface ReceivedMessage {
  key: string
  params: Record<string, unknown>
  detail?: string
}

/**
 * The keyed message at the end of an error's text, with the English before it; undefined `message` when there is
 * none or it is malformed (the text is then shown as it is).
 */
export function decodeUserMessage(text: string): { english: string; message?: ReceivedMessage } {
  const at = text.indexOf(MARKER)
  if (at < 0) return { english: text }
  const english = text.slice(0, at)
  try {
    const value: unknown = JSON.parse(text.slice(at + MARKER.length))
    const message = asReceivedMessage(value)
    return message ? { english, message } : { english }
  } catch {
    return { english }
  }
}

/** Checks a message from another process (a newer or broken main): the renderer never trusts its shape. */
export function asReceivedMessage(value: unknown): ReceivedMessage | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const { key, params, detail } = value as Record<string, unknown>
  if (typeof key !== 'string' || key.length > 100) return undefined
  const safeParams = typeof params === 'object' && params !== null && !Array.isArray(params) ? params : {}
  return {
    key,
    params: safeParams as Record<string, unknown>,
    ...(typeof detail === 'string' && detail ? { detail: boundedDetail(detail) } : {}),
  }
}
