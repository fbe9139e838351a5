/**
 * The one IPC contract between the main process and every renderer (main window, quick-ask, browser harness).
 *
 * - `InvokeContract`: request/response calls (`ipcRenderer.invoke` ↔ `ipcMain.handle`), named `domain:verb`.
 * - `EventContract`: messages main pushes to renderers, one payload each, held until the page is ready.
 * - `SIGNAL_CHANNELS`: one-way signals from a page to main, e.g. that it is ready for events.
 *
 * This file holds types and channel lists only, no runtime dependencies, so the sandboxed preload bundle stays
 * tiny. Main validates every argument against `src-main/core/ipc/ipc-schemas.ts`, which the compiler holds to
 * these types. Nothing here carries a credential: API keys go in (write-only) and come back as `hasApiKey`.
 */

import type { AnswerEndDetails, AnswerError, AnswerStatus, TokenUsage } from './answer'
import type { GenerationParameters } from './generation'
import type { ModelPrice } from './price'
import type { UserMessage } from './user-message'
import type { AttachmentPreview, AttachmentRef, ModelInputs, TurnAttachment, UndeliveredAttachment } from './attachment'

export type AppMode = 'local' | 'cloud'

export type ConnectionStatus = 'starting' | 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'failed'

export interface ConnectionState {
  mode: AppMode
  status: ConnectionStatus
  /** Plain-language detail for the user, e.g. why the connection failed. */
  detail?: string
  /** Epoch milliseconds of the last status change. */
  since: number
}

export interface AppStatus {
  version: string
  connection: ConnectionState
  /** Who the streams belong to: "Local user" in local mode, the signed-in email in cloud mode. */
  userLabel: string
  /** Things the user should know from start-up, e.g. a damaged settings file that was set aside. */
  notices: UserMessage[]
}

/** 'gguf': a model file in the app's models folder, run in-process by node-llama-cpp. */
export type ProviderKind = 'openai-compatible' | 'gguf'

/** A model column the user can pick, as the renderer sees it (no key). */
export interface ModelEntry {
  id: string
  label: string
  provider: ProviderKind
  /** '' for a 'gguf' entry. */
  baseUrl: string
  /** The file name for a 'gguf' entry. */
  model: string
  hasApiKey: boolean
  /** A 'gguf' entry's file in the models folder. */
  file?: string
  /** What the model reads besides text: guessed from its name, or as the user set it (`inputsSetByUser`). */
  inputs: ModelInputs
  inputsSetByUser?: true
}

/**
 * Create (no id) or update (id) a model entry. `apiKey`: a string sets it, null clears it, absent keeps it.
 * An update of a 'gguf' entry changes only its label; GGUF entries are made from the models folder's files.
 */
export interface ModelInput {
  id?: string
  label: string
  provider: ProviderKind
  baseUrl: string
  model: string
  apiKey?: string | null
  /**
   * The user confirmed sending the key over plain `http:` to a host that is not this computer; without it such a
   * save is refused (the key would cross the network in clear text).
   */
  allowKeyOverHttp?: boolean
}

/** How the app behaves on the desktop; every field has a default. */
export interface AppPreferences {
  /** Electron accelerator that toggles the quick-ask window, e.g. `CommandOrControl+Shift+Space`. */
  quickAskShortcut: string
  /** Closing the main window keeps StreamDesk running in the tray. */
  closeToTray: boolean
  /** Opening quick ask fills its input with the clipboard's text. */
  prefillFromClipboard: boolean
  /** Which key sends a prompt: Enter (Shift+Enter for a new line), or Ctrl/Cmd+Enter. */
  sendKey: 'enter' | 'mod-enter'
  language: 'system' | 'en' | 'ja'
  /**
   * Without an OS keychain (see SecretStorageStatus), API keys and a proxy password are written to the settings
   * file unencrypted; otherwise they last until the app quits. Off by default; only a choice in Settings sets it.
   */
  storeSecretsUnencrypted: boolean
}

/** Whether secrets can be encrypted at rest, and what is done instead (never any secret itself). */
export interface SecretStorageStatus {
  /** The OS keychain encrypts API keys, the proxy URL and the cloud sign-in. */
  encrypted: boolean
  /** Why not: no keychain, or Linux's `basic_text` backend (a hard-coded password, not real encryption). */
  weakness?: 'unavailable' | 'basic-text'
  /** How many API keys or proxy URLs are held in memory only, lost when the app quits. */
  sessionOnly: number
  /** How many are in the settings file without encryption (by the user's choice, or by an earlier version). */
  unencryptedOnDisk: number
}

export interface PublicSettings {
  mode: AppMode
  preferences: AppPreferences
  /** The local mode's model entries (OpenAI-compatible servers), editable. */
  models: ModelEntry[]
  /** The picked models of the current mode. */
  selectedModelIds: string[]
  /** The deployed cloud backend, once its settings are loaded: its region and the models it offers. */
  cloud?: { region: string; models: CloudModelEntry[] }
  /** A proxy is set for cloud mode (its URL may hold credentials, so it is not sent). */
  hasProxy: boolean
  /** The proxy's host and port, so the user can tell which is set; never its user name or password. */
  proxyHost?: string
  generation: GenerationSettings
  /** The prices the user set, by model id; a model without one is costed at its list price (cloud) or not at all. */
  prices: Record<string, ModelPrice>
  secretStorage: SecretStorageStatus
}

/** A model the cloud backend offers, as its stack output describes it. */
export interface CloudModelEntry {
  id: string
  label: string
  /** The model can think on request; absent when the stack does not say (deployed before it did). */
  reasoning?: boolean
  /** Its list price, the default for an answer's estimated cost. */
  price?: ModelPrice
  /** As for a local model entry. */
  inputs: ModelInputs
  inputsSetByUser?: true
}

/** Generation parameters as Settings holds them (see src-main/shared/generation.ts). */
export interface GenerationSettings {
  /** App-wide defaults; a parameter not set here is the provider's default. */
  defaults: GenerationParameters
  /** Per-model overrides, by model id. */
  models: Record<string, GenerationParameters>
  /** The default system prompt (quick ask uses it); '' for none. */
  systemPrompt: string
}

/**
 * The signed-in user's token usage and limits, as the cloud backend's spend guard counts them (Settings → Cloud).
 * Days and months are UTC; the reset times are epoch milliseconds.
 */
export interface CloudUsage {
  dayTokens: number
  monthTokens: number
  limits: { dailyTokens: number; monthlyTokens: number; concurrentStreams: number }
  dayResetsAt: number
  monthResetsAt: number
}

/**
 * `not-cloud`: local mode, or not signed in; `no-budgets`: a backend deployed without them (redeploy);
 * `unavailable`: the backend could not be asked (the message says why).
 */
export type CloudUsageResult =
  { ok: true; usage: CloudUsage } | { ok: false; reason: 'not-cloud' | 'no-budgets' | 'unavailable'; message: string }

/** The cloud account as the renderer may see it: never a token. */
export interface AuthState {
  /** A cloud backend is configured, so signing in is possible. */
  configured: boolean
  signedIn: boolean
  email?: string
}

export type SignInStep =
  { kind: 'signed-in'; email: string } | { kind: 'new-password-required' } | { kind: 'mfa-code-required' }

export interface ModelCheck {
  modelId: string
  reachable: boolean
  /** What happened, worded by the renderer (see user-message.ts). */
  message: UserMessage
  /** What the user can do about it, e.g. the command that starts a local server. */
  hint?: UserMessage
}

/** Settings' "Discover models": which server to ask, and with which key. */
export interface DiscoverModelsRequest {
  baseUrl: string
  /** A key typed in the form; without one, the saved key of `modelId` goes along, and only to its own server. */
  apiKey?: string
  modelId?: string
  /** The user confirmed sending the typed key over plain http to another computer. */
  allowKeyOverHttp?: boolean
}

/** The server's models, or why it could not be asked (with what the user can do). */
export type DiscoveredModels = { ok: true; models: string[] } | { ok: false; message: UserMessage; hint?: UserMessage }

export interface SendPromptRequest {
  /** Continue this conversation (its earlier turns go to each model as context); absent starts a new one. */
  conversationId?: string
  prompt: string
  modelIds: string[]
  /**
   * The turn this prompt follows, by its stream id: the last turn of the branch on screen. Null makes it a new
   * first turn (an edited first prompt); absent, it follows the conversation's latest turn. Editing a sent prompt
   * sends the new one after the edited turn's parent, so the conversation branches there.
   */
  after?: string | null
  /** The conversation's system prompt, sent first to every model; absent: the app-wide default (Settings). */
  systemPrompt?: string
  /** Files added with `attachments:add`, or kept from the `keptFrom` turn, by id, in the order shown. */
  attachmentIds?: string[]
  /**
   * An edited prompt: the sent turn it replaces, by its stream id, whose attachments `attachmentIds` may name again
   * (the edit keeps them unless the user removed them). Only with `conversationId`.
   */
  keptFrom?: string
}

export interface SendPromptResult {
  conversationId: string
  streamId: string
  /** Per model id, the attachments its column did not get and why (absent when every column got them all). */
  undelivered?: Record<string, UndeliveredAttachment[]>
}

/** A file for `attachments:add`: its own name (no path) and its bytes, at most MAX_ATTACHMENT_INPUT_BYTES. */
export interface AttachmentInput {
  name: string
  bytes: Uint8Array
}

/** Ask one model again for its answer to a turn, keeping the earlier answers as versions. */
export interface RegenerateRequest {
  conversationId: string
  /** The turn, named by its own stream id (unique, and known to every exchange on screen, live or stored). */
  turnStreamId: string
  modelId: string
}

export interface RegenerateResult {
  /** The new attempt's own stream (one model). */
  streamId: string
}

/**
 * Continue an answer cut off at the token limit: the model goes on from where it stopped, as a new version of its
 * answer whose text starts with the cut one (which stays as the version before).
 */
export interface ContinueRequest {
  conversationId: string
  /** The cut answer, named by the stream that carried it (the turn's own for a first answer) and its model. */
  streamId: string
  modelId: string
}

export interface StopStreamRequest {
  streamId: string
  /** Stop one model's column; absent stops every model of the stream. */
  modelId?: string
}

/** What changed in one model's column since the last update. Batched: at most one per column per frame. */
export interface StreamUpdate {
  streamId: string
  modelId: string
  /** Text to append, already in order and de-duplicated. */
  append: string
  status: AnswerStatus
  error?: AnswerError
  /** True while a missing chunk has held later ones back for longer than the gap timeout. */
  stalled?: boolean
  usage?: TokenUsage
  /** Reasoning to append (the model's thinking), in order; never part of `append`. */
  appendReasoning?: string
  /**
   * Present on the update that ends the answer, and only there: why it stopped, its tools, redacted reasoning
   * blocks, metrics and usage (see AnswerEnd); `{}` when the stream said nothing of them (protocol v1, or an answer
   * the app ended itself). An unknown stop reason is 'other' with the provider's word in `rawStopReason`.
   */
  end?: AnswerEndDetails
  /**
   * On the first update of an answer asked on another device of the user (adopted here): the window that gets it
   * holds that answer's whole text from here, so it may show it live (as a stream it began itself).
   */
  begins?: true
}

export interface Diagnostics {
  messagesReceived: number
  chunksDelivered: number
  duplicatesDropped: number
  /** Dropped messages by reason (malformed, oversized, foreign topic, unknown stream, …). */
  rejected: Record<string, number>
  gapsReported: number
  /** Answers completed from the backend's stored copy after chunks were lost (cloud mode). */
  answersRecovered: number
  activeStreams: number
  /** Times the connection came back after being lost. */
  reconnects: number
  /** Per model column of the most recent streams, newest first: what arrived and what went missing. */
  streams: StreamCounts[]
  /** The latest connection status changes, oldest first. */
  connectionEvents: string[]
  lastErrors: string[]
  /** Changes made while the disk was full, kept in memory until they can be written; absent when there are none. */
  unsavedHistoryChanges?: number
}

export interface StreamCounts {
  streamId: string
  modelId: string
  /** The conversation the stream's answer is stored in, when history has it (an id, never its title). */
  conversationId?: string
  chunksDelivered: number
  duplicatesDropped: number
  gapsReported: number
}

export interface ConversationSummary {
  id: string
  title: string
  createdAt: number
  /** Last activity (a new turn); the list is sorted by it, pinned conversations first. */
  updatedAt: number
  pinned: boolean
  /** Asked on another device of the user (cloud mode), shown with a mark; absent otherwise. */
  askedElsewhere?: boolean
}

/*
 * A stored conversation as the renderer sees it. The history store keeps its own records
 * (`core/history/history-types.ts`); `core/history/history-views.ts` maps them to these types, in one place.
 */

/** One attempt of one model's answer to a turn's prompt. */
export interface StoredAnswer {
  id: number
  modelId: string
  modelLabel: string
  /** The stream that carried this attempt (the turn's own for attempt 1). */
  streamId: string
  /** 1 for the answer given with the turn; a regenerated answer counts on. */
  attempt: number
  text: string
  /** The model's reasoning ('' when it gave none). */
  reasoning?: string
  /**
   * How it ended beyond its status (stop reason, tools, metrics, usage), as the live stream's ending update says it;
   * absent when nothing is known (answers from before schema 4 without usage, v1 streams without usage).
   */
  end?: AnswerEndDetails
  /** In practice a `StoredStatus` (the store never holds 'queued'); the views treat every status alike. */
  status: AnswerStatus
  error?: AnswerError
  usage?: TokenUsage
}

export interface StoredTurn {
  id: number
  /** 0-based, in the order the turns were added. */
  index: number
  /** The turn this one follows; null for the first. */
  parentTurnId: number | null
  prompt: string
  streamId: string
  createdAt: number
  /** Per model in column order, each model's attempts in order. */
  answers: StoredAnswer[]
  /** The files sent with the prompt, in order, each with the columns that did not get it; absent when none. */
  attachments?: TurnAttachment[]
}

export interface ConversationDetail extends ConversationSummary {
  turns: StoredTurn[]
  /** The system prompt the conversation was last sent with; absent for none. */
  systemPrompt?: string
}

/** Plain text plus the ranges to mark; the UI wraps them in <mark> as text nodes, never as HTML. */
export interface HighlightedText {
  text: string
  matches: Array<{ start: number; end: number }>
}

export interface SearchHit {
  kind: 'prompt' | 'answer'
  conversationId: string
  conversationTitle: string
  turnId: number
  turnIndex: number
  /** Present when an answer matched. */
  answerId?: number
  modelLabel?: string
  at: number
  snippet: HighlightedText
}

export interface SearchResults {
  hits: SearchHit[]
  /** False when only recent messages were searched (queries of 1-2 characters). */
  complete: boolean
}

export interface ExportRequest {
  /** One conversation, or all of them when absent. */
  conversationId?: string
  format: 'markdown' | 'json'
}

/**
 * An export is written by main into a file (chosen in a save dialog; without one, into the user-data folder's
 * `exports`), never sent to the window: a whole history is 100 M characters and more.
 */
export type ExportResult =
  /** The user closed the save dialog. */
  { saved: false } | { saved: true; fileName: string; path: string; bytes: number }

export interface ImportResult {
  conversations: number
  /** Conversations left out because the history already holds them exactly. */
  alreadyPresent: number
}

/** One daily backup of the history, as Settings lists them. */
export interface HistoryBackup {
  /** Its calendar date, e.g. 2024-05-01: it names the backup in `history:restore-backup`. */
  date: string
  /** Undefined when the backup cannot be read. */
  conversations?: number
}

/** What restoring a backup added (see src-main/core/history/restore-backup.ts). */
export interface RestoreResult {
  added: number
  completed: number
  copies: number
}

export interface Notice {
  level: 'info' | 'warning' | 'error'
  message: UserMessage
}

/** A GGUF file in the app's models folder, described from its header. */
export interface InstalledModelFile {
  fileName: string
  sizeBytes: number
  /** e.g. `Q4_K_M`, from the header's file type. */
  quantization?: string
  /** The header's `general.name`. */
  name?: string
  contextLength?: number
  /** The catalog entry this file came from, when it did. */
  catalogId?: string
}

/** Where one catalog model's download stands. 'paused': cancelled or interrupted, with a part kept to resume. */
export interface ModelDownloadState {
  catalogId: string
  status: 'downloading' | 'verifying' | 'paused' | 'failed' | 'complete'
  receivedBytes: number
  totalBytes: number
  bytesPerSecond: number
  /** Plain words for the user, when it failed. */
  error?: { code: string; message: string }
  /** A part file is kept, so downloading again resumes it. */
  resumable: boolean
}

/** A model StreamDesk offers to download (the curated catalog). */
export interface CatalogModelView {
  id: string
  label: string
  sizeBytes: number
  quantization: string
  parameters: string
  license: string
  licenseUrl: string
  contextLength: number
  /** False when no published checksum is known, so only the size is checked. */
  checksumVerified: boolean
  installed: boolean
  download?: ModelDownloadState
}

export interface ModelFilesView {
  /** The folder the files live in (shown so the user can find them). */
  directory: string
  installed: InstalledModelFile[]
  catalog: CatalogModelView[]
  /** The catalog entry offered in one click on a first run with nothing to answer. */
  recommendedId: string
}

export interface InvokeContract {
  'app:get-status': { args: []; result: AppStatus }
  'settings:get': { args: []; result: PublicSettings }
  'settings:save-model': { args: [ModelInput]; result: PublicSettings }
  'settings:remove-model': { args: [modelId: string]; result: PublicSettings }
  'settings:select-models': { args: [modelIds: string[]]; result: PublicSettings }
  'models:check': { args: [modelIds: string[]]; result: ModelCheck[] }
  'models:discover': { args: [DiscoverModelsRequest]; result: DiscoveredModels }
  'chat:send': { args: [SendPromptRequest]; result: SendPromptResult }
  'chat:stop': { args: [StopStreamRequest]; result: void }
  /**
   * Prepares a pasted, dropped or picked file in main (type by its bytes, images downscaled, text decoded, a PDF's
   * text extracted) and keeps it by SHA-256; refused with a plain message (too big, not a supported type…).
   */
  'attachments:add': { args: [AttachmentInput]; result: AttachmentRef }
  /** A stored image as a data URL: a chip's thumbnail, or the whole image to view it larger. */
  'attachments:preview': { args: [id: string, size: 'thumbnail' | 'full']; result: AttachmentPreview }
  'chat:regenerate': { args: [RegenerateRequest]; result: RegenerateResult }
  'chat:continue': { args: [ContinueRequest]; result: RegenerateResult }
  'diagnostics:get': { args: []; result: Diagnostics }
  'history:list': { args: [query: { limit?: number; offset?: number }]; result: ConversationSummary[] }
  'history:get': { args: [conversationId: string]; result: ConversationDetail | null }
  'history:rename': { args: [conversationId: string, title: string]; result: void }
  'history:pin': { args: [conversationId: string, pinned: boolean]; result: void }
  'history:delete': { args: [conversationId: string]; result: void }
  'history:search': { args: [query: string]; result: SearchResults }
  'history:export': { args: [ExportRequest]; result: ExportResult }
  /**
   * An export's text, or the path of its file (the desktop app: main's worker reads it, so a large file's text
   * never crosses the window or main's event loop).
   */
  'history:import': { args: [source: string | { path: string }]; result: ImportResult }
  /** The daily backups, newest first. */
  'history:backups': { args: []; result: HistoryBackup[] }
  /** Adds what the backup of that date holds and the history lacks; replaces nothing the user has. */
  'history:restore-backup': { args: [date: string]; result: RestoreResult }
  'settings:set-mode': { args: [mode: AppMode]; result: PublicSettings }
  /** The `streamdesk_cloud_config` output of the deployed stack, as pasted or read from its file. */
  'settings:set-cloud-config': { args: [json: string]; result: PublicSettings }
  'settings:set-proxy': { args: [url: string | null]; result: PublicSettings }
  'auth:get-state': { args: []; result: AuthState }
  'auth:sign-up': { args: [email: string, password: string]; result: { confirmed: boolean; sentTo?: string } }
  'auth:confirm-sign-up': { args: [email: string, code: string]; result: void }
  'auth:resend-code': { args: [email: string]; result: { sentTo?: string } }
  'auth:sign-in': { args: [email: string, password: string]; result: SignInStep }
  'auth:answer-challenge': { args: [answer: { newPassword: string } | { mfaCode: string }]; result: SignInStep }
  'auth:forgot-password': { args: [email: string]; result: { sentTo?: string } }
  'auth:reset-password': { args: [email: string, code: string, newPassword: string]; result: void }
  'auth:sign-out': { args: []; result: void }
  /** The signed-in user's token usage and limits (cloud mode). */
  'cloud:usage': { args: []; result: CloudUsageResult }
  'settings:set-preferences': { args: [Partial<AppPreferences>]; result: PublicSettings }
  /** The app-wide generation defaults, or one model's overrides when a model id is given. */
  'settings:set-parameters': { args: [parameters: GenerationParameters, modelId?: string]; result: PublicSettings }
  'settings:set-system-prompt': { args: [text: string]; result: PublicSettings }
  /** One model's price (USD per million tokens), or null to go back to its list price. */
  'settings:set-price': { args: [modelId: string, price: ModelPrice | null]; result: PublicSettings }
  /** What a model reads besides text (a field left out keeps its default), or null to go back to the defaults. */
  'settings:set-model-inputs': { args: [modelId: string, inputs: Partial<ModelInputs> | null]; result: PublicSettings }
  /** Quick ask: show this conversation in the main window (and hide quick ask). */
  'window:open-in-main': { args: [conversationId: string]; result: void }
  /** Hide the calling window (quick ask's Esc). */
  'window:hide': { args: []; result: void }
  /** The clipboard's text, only when the user turned on prefilling quick ask from it; '' otherwise. */
  'clipboard:read-text': { args: []; result: string }
  /** The models folder's GGUF files and the downloadable catalog with each download's state. */
  'model-files:list': { args: []; result: ModelFilesView }
  /** Asks for a GGUF file (the shell's file dialog) and copies it into the models folder; it becomes a model column. */
  'model-files:add-from-disk': { args: []; result: ModelFilesView }
  'model-files:delete': { args: [fileName: string]; result: ModelFilesView }
  /** Starts (or resumes) a catalog download; `select` makes it the selected model once installed (first run). */
  'model-files:download': { args: [catalogId: string, options: { select: boolean }]; result: ModelFilesView }
  /** Stops a download and keeps its part to resume later. */
  'model-files:cancel-download': { args: [catalogId: string]; result: ModelFilesView }
  /** Deletes a kept part. */
  'model-files:discard-download': { args: [catalogId: string]; result: ModelFilesView }
}

export interface EventContract {
  'chat:updates': StreamUpdate[]
  'connection:changed': ConnectionState
  /** The conversation list changed (a new conversation or turn, a rename, an import…). */
  'history:changed': void
  /** Something the user should see now, e.g. history could not be saved because the disk is full. */
  'app:notice': Notice
  'auth:changed': AuthState
  'settings:changed': PublicSettings
  /** The main window should show this conversation (sent by quick ask's "Open in StreamDesk"). */
  'app:open-conversation': string
  /** The main window should show Settings (the macOS app menu's Settings…). */
  'app:open-settings': void
  /** Quick ask was just shown: focus the input (and prefill it, when allowed). */
  'quick-ask:shown': void
  /** A download's progress (at most ~5 a second) and every change of its status. */
  'model-files:download': ModelDownloadState
  /** The installed files or the catalog's states changed (a download finished, a file was added or deleted). */
  'model-files:changed': ModelFilesView
}

export type InvokeChannel = keyof InvokeContract
export type EventChannel = keyof EventContract
export type InvokeArgs<C extends InvokeChannel> = InvokeContract[C]['args']
export type InvokeResult<C extends InvokeChannel> = InvokeContract[C]['result']

export const INVOKE_CHANNELS = [
  'app:get-status',
  'settings:get',
  'settings:save-model',
  'settings:remove-model',
  'settings:select-models',
  'models:check',
  'models:discover',
  'chat:send',
  'chat:stop',
  'attachments:add',
  'attachments:preview',
  'chat:regenerate',
  'chat:continue',
  'diagnostics:get',
  'history:list',
  'history:get',
  'history:rename',
  'history:pin',
  'history:delete',
  'history:search',
  'history:export',
  'history:import',
  'history:backups',
  'history:restore-backup',
  'settings:set-mode',
  'settings:set-cloud-config',
  'settings:set-proxy',
  'auth:get-state',
  'auth:sign-up',
  'auth:confirm-sign-up',
  'auth:resend-code',
  'auth:sign-in',
  'auth:answer-challenge',
  'auth:forgot-password',
  'auth:reset-password',
  'auth:sign-out',
  'cloud:usage',
  'settings:set-preferences',
  'settings:set-parameters',
  'settings:set-system-prompt',
  'settings:set-price',
  'settings:set-model-inputs',
  'window:open-in-main',
  'window:hide',
  'clipboard:read-text',
  'model-files:list',
  'model-files:add-from-disk',
  'model-files:delete',
  'model-files:download',
  'model-files:cancel-download',
  'model-files:discard-download',
] as const satisfies readonly InvokeChannel[]

export const EVENT_CHANNELS = [
  'chat:updates',
  'connection:changed',
  'history:changed',
  'app:notice',
  'auth:changed',
  'settings:changed',
  'app:open-conversation',
  'app:open-settings',
  'quick-ask:shown',
  'model-files:download',
  'model-files:changed',
] as const satisfies readonly EventChannel[]

// The compiler rejects a channel that the contract declares but the runtime lists above forget.
type Missing<L extends readonly string[], U extends string> = [Exclude<U, L[number]>] extends [never] ? true : false
const invokeListComplete: Missing<typeof INVOKE_CHANNELS, InvokeChannel> = true
const eventListComplete: Missing<typeof EVENT_CHANNELS, EventChannel> = true
void invokeListComplete
void eventListComplete

/**
 * One-way signals a page sends main, without payload or answer (`ipcRenderer.send` ↔ `ipcMain.on`). The shell
 * handles them, not the core's router, because they are about the sending window itself.
 * - `app:renderer-ready`: the page has subscribed its event listeners; until then main holds the events it sends
 *   that window (`src-main/shell/window-ready-queue.ts`), and again after each reload.
 */
export const SIGNAL_CHANNELS = ['app:renderer-ready'] as const
export type SignalChannel = (typeof SIGNAL_CHANNELS)[number]

/** What `window.streamdesk` offers a renderer, whichever transport sits beneath it. */
export interface StreamDeskApi {
  invoke<C extends InvokeChannel>(channel: C, ...args: InvokeArgs<C>): Promise<InvokeResult<C>>
  /**
   * Imports a history file the user picked or dropped: the desktop app hands main the file's path, which the
   * preload takes from Electron's webUtils (only a real file the user chose has one); a browser hands over its text.
   * A path is never taken from the page: `invoke('history:import', …)` takes text only.
   */
  importHistoryFile(file: Blob): Promise<ImportResult>
  /** Returns the unsubscribe function. */
  on<E extends EventChannel>(event: E, listener: (payload: EventContract[E]) => void): () => void
  signal(channel: SignalChannel): void
}
