/** Every English UI string. `ja.ts` must satisfy `Strings`, so a key missing there does not compile. */
import type { AnswerStatus } from '../../../src-main/shared/answer'
import type { ConnectionStatus } from '../../../src-main/shared/ipc-contract'
import type {
  AnswerErrorCode,
  AuthReason,
  ImportFailure,
  DownloadErrorCode,
  MessageKey,
  MessageParams,
  WriteFailure,
} from '../../../src-main/shared/user-message'
import { KEPT_CHANGE_WORDS } from '../../../src-main/shared/user-message'
import { formatBytes } from '../../../src-main/shared/format-bytes'

/** The words for each message main sends by key (src-main/shared/user-message.ts). */
export type MessageCatalog = { [K in MessageKey]: (params: MessageParams[K]) => string }

const authReason = {
  network: 'Cannot reach Amazon Cognito. Check the internet connection and the proxy settings.',
  'sign-up-domain-limited':
    'Sign-up is limited to the email domains this StreamDesk backend allows. Ask its administrator.',
  'sign-up-refused': 'The backend refused the sign-up. Wait a few minutes, then try again.',
  'incorrect-credentials': 'Incorrect email or password.',
  'no-account': 'No account uses this email address.',
  'not-confirmed': 'This account is not confirmed yet. Enter the code from the email, or ask for a new code.',
  'account-exists': 'An account with this email address already exists. Sign in, or reset the password.',
  'code-mismatch': 'That code is not right. Check it and try again.',
  'code-expired': 'That code has expired. Ask for a new one.',
  'password-policy': 'The password does not meet the requirements.',
  'too-many-attempts': 'Too many attempts. Wait a few minutes, then try again.',
  'code-not-sent': 'The code could not be sent to this email address. Check the address.',
  'input-not-accepted': 'Amazon Cognito did not accept what was entered. Check the email address and try again.',
  'config-no-password-sign-in':
    'The cloud configuration does not match the deployed backend: its app client does not allow password sign-in. Load the stack outputs again.',
  'config-missing-pool':
    'The cloud configuration does not match the deployed backend: its user pool or app client does not exist. Load the stack outputs again.',
  'config-client-secret':
    'The cloud configuration does not match the deployed backend: its app client has a client secret, which a desktop app cannot keep. Load the stack outputs again.',
  'invite-only': 'This StreamDesk backend is invite-only: ask its administrator to create your account.',
  'account-disabled': 'This account is disabled. Ask the administrator of this StreamDesk backend.',
  'session-ended': 'Your session has ended. Please sign in again.',
  'sign-in-too-long': 'The sign-in took too long. Please start again.',
  'no-sign-in-waiting': 'There is no sign-in waiting for an answer. Please sign in again.',
  'step-wants-new-password': 'This sign-in step asks for a new password.',
  'step-wants-mfa-code': 'This sign-in step asks for the code from the authenticator app.',
  'unsupported-step':
    'This account needs a sign-in step StreamDesk does not support yet. Ask the administrator of the backend.',
  'not-signed-in': 'You are not signed in.',
  'not-renewed': 'Amazon Cognito did not renew the session. Please sign in again.',
  'no-tokens': 'Amazon Cognito returned no tokens. Please try again.',
  'unreadable-token': 'Amazon Cognito returned a sign-in token StreamDesk cannot read. Please try again.',
  'signed-out': 'You signed out.',
  unexpected: 'Amazon Cognito answered with an unexpected error. Wait a few minutes, then try again.',
} satisfies Record<AuthReason, string>

const writeFailure = {
  'disk-full': 'the disk is full',
  'read-only': 'the history file cannot be written to (read-only)',
  busy: 'the history file is in use by another program',
  'disk-error': 'the disk reported an error',
  damaged: 'the history file is damaged',
} satisfies Record<WriteFailure, string>

const conversations = (count: number) =>
  count === 1 ? '1 conversation' : `${count.toLocaleString('en')} conversations`
const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)

function importFailure(
  failure: ImportFailure,
  {
    limitMb,
    versions,
    reason,
  }: { limitMb?: number | undefined; versions?: string | undefined; reason?: WriteFailure | undefined },
): string {
  switch (failure) {
    case 'too-large':
      return `This file is too large to import${limitMb ? ` (over ${limitMb} MB)` : ''}.`
    case 'not-json':
      return 'This file is not a StreamDesk history export: it is not valid JSON.'
    case 'not-an-export':
      return 'This file is not a StreamDesk history export.'
    case 'unknown-version':
      return `This history export is of a format version this StreamDesk does not read${versions ? ` (it reads ${versions})` : ''}.`
    case 'too-deep':
      return 'The file is nested too deeply to be a StreamDesk export.'
    case 'damaged':
      return 'This history export is damaged or incomplete.'
    case 'unreadable':
      return 'This file could not be read.'
    case 'not-saved':
      return `The import could not be saved${reason ? `: ${writeFailure[reason]}` : ''}.`
    case 'stopped':
      return 'The import stopped.'
  }
}

export const en = {
  /** For dates and numbers (Intl). */
  locale: 'en',
  appName: 'StreamDesk',
  mode: { local: 'Local', cloud: 'Cloud' },
  // Lower-case on purpose: the status word itself is the label, in the text and in `data-status`.
  connection: {
    starting: 'starting…',
    connecting: 'connecting…',
    connected: 'connected',
    reconnecting: 'reconnecting…',
    offline: 'offline',
    failed: 'failed',
  } satisfies Record<ConnectionStatus, string>,
  modelsReady: {
    all: 'ready',
    none: 'no model reachable',
    some: (reachable: number, total: number) => `${reachable} of ${total} models ready`,
  },
  connectionAriaLabel: 'Connection',
  modeAriaLabel: 'Mode',
  topBar: {
    newChat: 'New chat',
    settings: 'Settings',
    diagnostics: 'Diagnostics',
    showSidebar: 'Show conversations',
    hideSidebar: 'Hide conversations',
    signedInAs: (email: string) => `Signed in as ${email}`,
    signOut: 'Sign out',
  },
  /** A control's name with its keyboard shortcut, for tooltips. */
  withShortcut: (label: string, keys: string) => `${label} (${keys})`,

  emptyConversation: {
    title: 'Ask once, compare answers',
    body: 'Pick the models below and send a prompt: their answers stream side by side.',
    startersLabel: 'Try one of these',
    starters: [
      'Explain the difference between TCP and UDP, with an example of each',
      'Write a Python function that removes duplicates from a list and keeps the order',
      'Give me five questions to ask in a job interview for a product manager',
      'Suggest three names for a small coffee shop by the sea',
    ],
  },
  you: 'You',
  sending: 'Sending…',
  columnStatus: {
    queued: 'Waiting for connection…',
    streaming: 'Streaming…',
    complete: 'Done',
    stopped: 'Stopped',
    error: 'Error',
    interrupted: 'Interrupted',
  } satisfies Record<AnswerStatus, string>,
  stop: 'Stop',
  stopModel: (label: string) => `Stop ${label}`,
  /** What a screen reader hears when a column's status changes: which model, its status, and why where known. */
  columnAnnouncement: (label: string, status: string, detail?: string) =>
    detail ? `${label}: ${status}, ${detail}` : `${label}: ${status}`,
  stalled: 'Waiting for missing data…',
  waitingNote: (seconds: number) =>
    `No response yet (${seconds} s). The model may still be loading; Stop ends the wait.`,
  errorTitle: 'The answer could not be completed.',
  emptyAnswer: 'No text.',
  /** Why an answer stopped, under its text (see format/answer-facts.ts). */
  stopReason: {
    user: 'Stopped by you',
    'max-tokens': 'Cut off at the token limit',
    'content-filter': "Blocked by the provider's content filter",
    guardrail: 'Stopped by a guardrail',
    'stop-sequence': 'Stopped at a stop sequence',
    /** `tools`: the tool names joined with commas, '' when the provider named none. */
    toolCall: (tools: string) =>
      tools === ''
        ? 'The model asked to call a tool that StreamDesk does not run yet'
        : `The model asked to call a tool (${tools}) that StreamDesk does not run yet`,
    other: (raw: string) => `Stopped for a reason StreamDesk does not know: ${raw || '(none given)'}`,
  },
  thinking: {
    title: 'Thinking',
    thinkingNow: 'Thinking…',
    thoughtFor: (duration: string) => `Thought for ${duration}`,
    thought: 'Thought',
    show: 'Show thinking',
    hide: 'Hide thinking',
    redacted: (count: number) =>
      count === 1 ? '1 block of redacted reasoning' : `${count.toLocaleString('en')} blocks of redacted reasoning`,
  },
  metrics: {
    ariaLabel: 'Speed and cost',
    unknown: '—',
    ms: (n: string) => `${n} ms`,
    seconds: (n: string) => `${n} s`,
    minutes: (m: string, s: string) => `${m} min ${s} s`,
    perSecond: (n: string) => `${n} tok/s`,
    firstToken: 'First token',
    firstAnswerToken: 'First answer token',
    speed: 'Speed',
    duration: 'Duration',
    input: 'Input tokens',
    output: 'Output tokens',
    reasoning: 'Reasoning tokens',
    cost: 'Cost',
    usd: (amount: string) => `$${amount}`,
    underUsd: (amount: string) => `< $${amount}`,
  },
  /** The sticky strip above an exchange's columns: one tab per answer. */
  strip: {
    ariaLabel: (count: number) => (count === 1 ? '1 answer' : `${count} answers`),
    show: (label: string) => `Show ${label}'s answer`,
    widen: (label: string) => `Widen ${label}'s column`,
    unwiden: 'Show all columns at the same width',
    fastestFirstToken: 'Fastest first token',
    fastestSpeed: 'Most tokens per second',
    cheapest: 'Cheapest answer',
  },
  interruptedNote: 'This answer was cut off when StreamDesk closed.',
  continueAnswer: 'Continue',
  /** Sent to the model when the user continues a cut-off answer. */
  queuedNote: 'It will be sent when the connection returns.',
  jumpToLatest: 'Jump to latest',
  code: { copy: 'Copy', copied: 'Copied', copyAriaLabel: 'Copy code' },
  answerActions: {
    copy: 'Copy as Markdown',
    copied: 'Copied',
    copyLabel: (label: string) => `Copy as Markdown: ${label}'s answer`,
    copiedAnnouncement: (label: string) => `${label}'s answer copied`,
    regenerate: 'Regenerate',
    regenerateLabel: (label: string) => `Regenerate ${label}'s answer (this one stays as a version)`,
    retry: 'Retry',
    retryLabel: (label: string) => `Retry ${label} (the failed answer stays as a version)`,
    editModel: 'Edit model',
    editModelLabel: (label: string) => `Edit model ${label}`,
    continueCut: 'Continue',
    continueCutLabel: (label: string) => `Continue ${label}'s answer from where it was cut off`,
  },
  /** Editing a sent prompt: the edit is sent as a new branch; ‹ 1/2 › moves between the prompts sent in its place. */
  promptEdit: {
    edit: 'Edit',
    editLabel: 'Edit this prompt and send it again (the conversation branches here; the old branch is kept)',
    inputLabel: 'Edited prompt',
    send: 'Send',
    cancel: 'Cancel',
    branches: 'Branches of the conversation from this prompt',
    previous: 'Previous branch',
    next: 'Next branch',
    position: (shown: number, count: number) => `Branch ${shown} of ${count}`,
  },
  /** A regenerated answer's versions (‹ 1/2 ›). */
  versions: {
    group: (label: string) => `Versions of ${label}'s answer`,
    previous: 'Previous version',
    next: 'Next version',
    position: (shown: number, count: number) => `Version ${shown} of ${count}`,
  },

  /** Files in a prompt: chips in the composer and in the conversation, and what a column did not get. */
  attachments: {
    attach: 'Attach',
    attachLabel: 'Attach images, PDFs or text files (you can also paste or drop them)',
    listLabel: 'Attachments',
    remove: (name: string) => `Remove ${name}`,
    view: (name: string) => `View ${name} larger`,
    viewerLabel: (name: string) => `Image ${name}`,
    close: 'Close',
    preparing: 'Preparing…',
    pages: (count: number) => (count === 1 ? '1 page' : `${count} pages`),
    status: { missing: 'File missing', damaged: 'File damaged' },
    kind: { image: 'Image', text: 'Text file', pdf: 'PDF' },
    withheld: (list: string) => `Not given to this model: ${list}`,
    tooLarge: (name: string, limit: string) => `${name}: files can be at most ${limit}.`,
    tooMany: (count: number) => `At most ${count} files per prompt.`,
    reasons: {
      'model-cannot-read-images': 'it cannot read images',
      'model-cannot-read-documents': 'it cannot read documents',
      'too-many-images': 'too many images for it',
    },
  },

  prompt: {
    placeholder: (send: string, newLine: string) => `Ask anything… (${send} to send, ${newLine} for a new line)`,
    ariaLabel: 'Prompt',
    send: 'Send',
    stopAll: 'Stop all',
  },
  systemPrompt: {
    button: 'System prompt',
    buttonSet: 'System prompt (set)',
    ariaLabel: 'System prompt for this conversation',
    placeholder: 'Instructions sent first to every model of this conversation (empty: the default from Settings)',
  },
  picker: {
    ariaLabel: 'Models to ask',
    noModels: 'No models configured yet.',
    addModels: 'Add a model',
    keepOne: 'At least one model must stay selected.',
    noCloudModels: 'Your cloud backend offers no models.',
    unreachable: '(cannot be reached)',
  },
  banner: {
    title: 'None of the selected models can be reached.',
    checkAgain: 'Check again',
    openSettings: 'Open settings',
    dismiss: 'Dismiss',
  },

  settings: {
    sectionsLabel: 'Settings sections',
    provider: 'Provider',
    customProvider: 'Other (enter the address)',
    presetNeedsKey: (where: string) => `Needs an API key (from ${where}).`,
    presetNoKey: 'Runs on this computer; no key needed.',
    discoverModels: 'Discover models',
    discovering: 'Asking the server…',
    discoveredModels: (count: number) =>
      count === 0
        ? 'The server lists no models'
        : count === 1
          ? '1 model on this server'
          : `${count.toLocaleString()} models on this server`,
    pickModel: 'Pick one…',
    modelInputs: {
      legend: (label: string) => `What ${label} reads besides text`,
      images: 'Reads images',
      documents: 'Reads documents (PDFs, text files)',
      guessed: 'Guessed from the model name',
      reset: 'Back to the guess',
      embeddedNote: 'The embedded engine reads text only',
    },
    title: 'Settings',
    close: 'Close',
    models: 'Models',
    add: 'Add model',
    edit: 'Edit',
    remove: 'Remove',
    removeModel: (label: string) => `Remove ${label}`,
    editModel: (label: string) => `Edit ${label}`,
    keySet: 'key set',
    noKey: 'no key',
    embeddedModel: 'embedded model',
    runsInside: 'runs inside StreamDesk',
    clearKey: 'Clear key',
    clearKeyFor: (label: string) => `Clear the API key of ${label}`,
    newModelTitle: 'New model',
    editTitle: (label: string) => `Edit ${label}`,
    label: 'Label',
    baseUrl: 'Base URL',
    model: 'Model',
    apiKey: 'API key',
    apiKeyPlaceholderNew: 'Optional; stored securely, never shown again',
    apiKeyPlaceholderSet: 'A key is set; type a new one to replace it',
    apiKeyPlaceholderSession: 'Optional; kept until StreamDesk quits, never shown again',
    keyForNewServer: (origin: string) =>
      `The address now points to another server (${origin}): enter the API key again. A key is only sent to the server it was saved for.`,
    keyOverHttp: (host: string) =>
      `Send the API key to ${host} over plain http://, unencrypted (anyone on the network path can read it)`,
    keyOverHttpRequired: 'Confirm sending the key unencrypted, or use an https:// address.',
    save: 'Save',
    cancel: 'Cancel',
    saved: 'Saved.',
    invalidBaseUrl: 'Enter an http:// or https:// URL.',
    checkConnection: 'Check connection',
    checking: 'Checking…',
    reachable: 'Reachable',
    unreachable: 'Not reachable',
    noModels: 'No models yet. Add one below: a local Ollama server works out of the box.',
    localModelsNote: 'Local mode uses these. Cloud mode offers the models of your cloud backend.',
  },
  modeSettings: {
    title: 'Mode',
    local: 'Local',
    localDetail: 'Models on this computer or on servers you set up. No account, nothing sent to the cloud.',
    cloud: 'Cloud',
    cloudDetail: 'Your own StreamDesk backend on AWS. You sign in with your account.',
    needsBackend: 'To use cloud mode, load your cloud backend’s settings first (Cloud backend, above).',
  },
  /** The backend's spend guard refused the prompt (the counts come formatted). */
  quota: {
    dailyTokens: (limit: string) => `Your daily budget of ${limit} tokens is used; it resets at 00:00 UTC`,
    monthlyTokens: (limit: string, resetDate: string) =>
      `Your monthly budget of ${limit} tokens is used; it resets on ${resetDate} at 00:00 UTC`,
    tooLarge: (requested: string, which: 'daily' | 'monthly', limit: string) =>
      `This prompt may use up to ${requested} tokens, more than your ${which} budget of ${limit} tokens: shorten the conversation or ask fewer models`,
    concurrentStreams: (count: string) =>
      `At most ${count} of your prompts may stream at once; ask again when one has finished`,
  },
  cloud: {
    title: 'Cloud backend',
    intro:
      'Paste the “streamdesk_cloud_config” output of your deployed stack, or choose its file, streamdesk-cloud-config.json.',
    configLabel: 'Cloud backend settings (JSON)',
    load: 'Load',
    chooseFile: 'Choose file…',
    chooseFileLabel: 'Load the cloud backend settings from a file',
    loaded: 'Cloud backend loaded.',
    notLoaded: 'No cloud backend loaded yet.',
    region: 'Region',
    models: 'Models',
    unreadableFile: 'The file could not be read.',
    proxyTitle: 'Proxy',
    proxyIntro: 'Only if your network reaches the internet through an HTTP(S) proxy. Cloud mode only.',
    proxyLabel: 'Proxy URL',
    proxyPlaceholder: 'http://user:password@proxy.example.com:8080',
    proxySave: 'Save proxy',
    proxySet: 'Proxy set',
    proxySetTo: (host: string) => `Proxy: ${host}`,
    proxyNotSet: 'No proxy set: a direct connection, or HTTPS_PROXY from the environment.',
    proxyClear: 'Clear',
    proxyClearLabel: 'Remove the proxy',
    usageTitle: 'Your usage',
    usageDay: (used: string, limit: string) => `Today: ${used} of ${limit} tokens (resets at 00:00 UTC)`,
    usageMonth: (used: string, limit: string, resetDate: string) =>
      `This month: ${used} of ${limit} tokens (resets on ${resetDate} at 00:00 UTC)`,
    usageStreams: (count: string) => `Up to ${count} prompts streaming at once.`,
    usageNote:
      'Input, output and reasoning tokens count. A prompt still streaming counts at its most until its answers end.',
    usageRefresh: 'Refresh',
    usageLoading: 'Asking the backend…',
  },
  generation: {
    title: 'Generation',
    appliesTo: 'Applies to',
    allModels: 'All models (defaults)',
    temperature: 'Temperature',
    topP: 'Top-p',
    maxOutputTokens: 'Max output tokens',
    range: (label: string, min: string, max: string) => `${label} (${min}–${max})`,
    notSet: 'Not set',
    reasoning: 'Reasoning',
    reasoningOff: 'Off',
    effort: { low: 'Low', medium: 'Medium', high: 'High' },
    outOfRange: (label: string, min: number, max: number) =>
      `${label} must be a number from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}.`,
    notWhole: (label: string, min: number, max: number) =>
      `${label} must be a whole number from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}.`,
    badReasoning: 'Reasoning must be off, low, medium or high.',
    save: 'Save',
    saved: 'Saved.',
    defaultSystemPrompt: 'Default system prompt',
    defaultSystemPromptHint: 'Sent first to every model when a conversation sets none (quick ask too)',
    price: 'Price, US$ per million tokens (for the estimated cost)',
    inputPrice: 'Input',
    outputPrice: 'Output (reasoning included)',
    listPrice: (amount: string) => `Default ${amount}`,
    badPrice: (label: string, max: number) =>
      `${label} price must be a number from 0 to ${max.toLocaleString('en-US')}.`,
    priceDefaultHint: 'Empty fields use the default.',
  },
  secretStorage: {
    title: 'API keys and passwords',
    unavailable:
      'This computer has no system keychain StreamDesk can use, so API keys and passwords cannot be encrypted.',
    basicText:
      'No system keychain is available (on Linux, install and unlock GNOME Keyring or KWallet). The fallback only hides secrets behind a fixed password, which is not encryption.',
    sessionOnly:
      'So API keys and a proxy password are kept in memory until StreamDesk quits: you enter them again after a restart. Cloud mode asks you to sign in at each start.',
    storeUnencrypted: 'Store API keys and the proxy password unencrypted in the settings file',
    storeUnencryptedHelp: 'Anyone who can read your files could then read them.',
    inMemory: (count: number) => `${count} kept for this session only.`,
    onDisk: (count: number) => `${count} stored unencrypted in the settings file.`,
  },
  preferences: {
    title: 'Preferences',
    shortcut: 'Quick ask shortcut',
    shortcutHelp: (shown: string) => `Opens quick ask from any app. Currently ${shown}.`,
    shortcutRecord: 'Record',
    shortcutPressKeys: 'Press the keys…',
    shortcutRecording: 'Press the key combination you want; Esc cancels.',
    shortcutNeedsModifier: 'Use Ctrl, Alt or ⌘ with the key, so it does not take that key from other apps.',
    shortcutSave: 'Save',
    shortcutSaved: 'Shortcut saved.',
    closeToTray: 'Keep StreamDesk running in the tray when its window is closed',
    prefillClipboard: 'Fill quick ask with the text on the clipboard',
    sendKey: 'Send with',
    sendKeyOption: (send: string, newLine: string) => `${send} (${newLine} for a new line)`,
    language: 'Language',
    languageSystem: 'System',
  },
  modelDefaults: { baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.2', label: 'Llama 3.2 (local)' },

  backups: {
    title: 'History backups',
    intro:
      'StreamDesk copies your history once a day and keeps the last seven copies (and always the newest good one). ' +
      'Restoring adds back the conversations a backup holds and your history lacks; it changes nothing you have.',
    none: 'No backup yet: the first is made today.',
    row: (date: string, conversations: number | undefined) =>
      conversations === undefined
        ? `${date} · cannot be read`
        : `${date} · ${conversations === 1 ? '1 conversation' : `${conversations.toLocaleString()} conversations`}`,
    restore: 'Restore',
    restoreLabel: (date: string) => `Restore the conversations missing from your history from the backup of ${date}`,
    restoring: 'Restoring…',
    restored: (date: string, added: number, completed: number, copies: number) => {
      if (added + completed + copies === 0) return `Nothing to restore: your history holds everything from ${date}.`
      const parts = [
        added > 0 && (added === 1 ? '1 conversation added' : `${added.toLocaleString()} conversations added`),
        completed > 0 && (completed === 1 ? '1 completed' : `${completed.toLocaleString()} completed`),
        copies > 0 &&
          (copies === 1 ? '1 kept as a copy beside yours' : `${copies.toLocaleString()} kept as copies beside yours`),
      ].filter(Boolean)
      return `From the backup of ${date}: ${parts.join(', ')}.`
    },
    failed: (message: string) => `Nothing was restored. ${message}`,
  },
  diagnostics: {
    title: 'Diagnostics',
    refresh: 'Refresh',
    copy: 'Copy report',
    copied: 'Report copied',
    close: 'Close',
    loading: 'Loading…',
    counters: 'Counters',
    messagesReceived: 'Messages received',
    chunksDelivered: 'Chunks delivered',
    duplicatesDropped: 'Duplicates dropped',
    gapsReported: 'Gaps reported',
    answersRecovered: 'Answers recovered',
    unsavedHistoryChanges: 'Changes waiting for disk space',
    streams: 'Recent streams (per model)',
    noStreams: 'No streams yet.',
    openConversation: 'Open its conversation',
    stream: 'Stream · model',
    activeStreams: 'Active streams',
    reconnects: 'Reconnects',
    connectionEvents: 'Connection events',
    noConnectionEvents: 'No connection events yet.',
    rejected: 'Rejected messages',
    noneRejected: 'None rejected.',
    lastErrors: 'Last errors',
    noErrors: 'No errors.',
  },

  history: {
    startupNoticesLabel: 'Notices from start-up',
    dismissNotice: 'Dismiss this notice',
    sidebarLabel: 'Conversations',
    searchLabel: 'Search conversations',
    searchPlaceholder: 'Search conversations…',
    searchResultsLabel: 'Search results',
    searching: 'Searching…',
    noMatches: 'No matches.',
    resultCount: (hits: number, conversations: number) =>
      `${hits === 1 ? '1 match' : `${hits.toLocaleString()} matches`} in ${conversations === 1 ? '1 conversation' : `${conversations.toLocaleString()} conversations`}`,
    incompleteSearch: 'Only recent messages were searched. Type three or more characters to search everything.',
    listLabel: 'Conversation list',
    loading: 'Loading…',
    empty: 'No conversations yet. Everything you ask is kept here, on this device.',
    loadMore: 'Load more',
    pinned: 'Pinned',
    askedElsewhere: 'Asked on another device',
    actionsFor: (title: string) => `Actions for “${title}”`,
    exportAsMarkdown: 'Export as Markdown',
    exportAsJson: 'Export as JSON',
    rename: 'Rename',
    renameInput: 'Conversation title',
    pin: 'Pin',
    unpin: 'Unpin',
    delete: 'Delete',
    confirmDelete: 'Delete this conversation?',
    confirmDeleteLabel: (title: string) => `Delete “${title}” for good`,
    cancel: 'Cancel',
    exportAll: 'Export all',
    exportAllJson: 'Export all conversations as JSON',
    exportAllMarkdown: 'Export all conversations as Markdown',
    json: 'JSON',
    markdown: 'Markdown',
    import: 'Import…',
    importLabel: 'Import conversations from a StreamDesk JSON export',
    imported: (count: number, alreadyPresent: number) =>
      (count === 1 ? 'Imported 1 conversation.' : `Imported ${count.toLocaleString()} conversations.`) +
      (alreadyPresent === 0
        ? ''
        : alreadyPresent === 1
          ? ' 1 was already in your history and was skipped.'
          : ` ${alreadyPresent.toLocaleString()} were already in your history and were skipped.`),
    exportFailed: (message: string) => `The export failed: ${message}`,
    exported: (path: string) => `Exported to ${path}`,
    gone: 'That conversation no longer exists.',
  },
  dateGroups: {
    pinned: 'Pinned',
    today: 'Today',
    yesterday: 'Yesterday',
    previous7Days: 'Previous 7 days',
    previous30Days: 'Previous 30 days',
  },
  date: {
    justNow: 'just now',
    minutesAgo: (minutes: number) => `${minutes} min ago`,
    hoursAgo: (hours: number) => `${hours} h ago`,
    yesterday: 'yesterday',
  },

  auth: {
    signInTitle: 'Sign in to StreamDesk Cloud',
    signInIntro: 'Cloud mode streams the models of your own StreamDesk backend on AWS.',
    signUpTitle: 'Create your account',
    confirmTitle: 'Confirm your email',
    forgotTitle: 'Reset your password',
    forgotIntro: 'We will send a code to your email address.',
    resetTitle: 'Choose a new password',
    newPasswordTitle: 'Choose a new password',
    newPasswordIntro: 'Your account needs a new password before you can continue.',
    mfaTitle: 'Enter your sign-in code',
    mfaIntro: 'Enter the 6-digit code from your authenticator app.',
    email: 'Email',
    password: 'Password',
    newPassword: 'New password',
    code: 'Code',
    signIn: 'Sign in',
    signUp: 'Create account',
    confirm: 'Confirm',
    sendCode: 'Send code',
    setPassword: 'Set password',
    verify: 'Verify',
    working: 'One moment…',
    toSignUp: 'Create an account',
    toForgot: 'Forgot password?',
    toSignIn: 'Back to sign in',
    toConfirm: 'Have a code? Confirm your email',
    resend: 'Send a new code',
    sentTo: (destination: string) => `We sent a code to ${destination}.`,
    confirmed: 'Your email is confirmed. Sign in to continue.',
    created: 'Your account is ready. Sign in to continue.',
    passwordChanged: 'Your password is changed. Sign in with the new one.',
    notConfigured: 'Cloud mode needs your cloud backend’s settings first.',
    openSettings: 'Open settings',
    useLocal: 'Use local mode',
  },

  quickAsk: {
    modelLabel: 'Model to ask',
    title: 'Quick ask',
    inputLabel: 'Question',
    placeholder: (model: string) => `Ask ${model}…`,
    noModel: 'No model is selected. Pick one in StreamDesk.',
    signInFirst: 'Sign in to StreamDesk Cloud in the main window first.',
    openInMain: 'Open in StreamDesk',
    stop: 'Stop',
    hints: (send: string, stop: string) => `${send} to send · ${stop} to stop or close`,
  },

  modelFiles: {
    title: 'Local model files',
    intro: 'GGUF models that StreamDesk runs itself, with no server and no network. They are kept in',
    addFromDisk: 'Add from disk…',
    adding: 'Adding…',
    none: 'No model files yet. Download a recommended model below, or add a GGUF file you already have.',
    contextTokens: (tokens: number) => `${tokens.toLocaleString('en')} tokens of context`,
    delete: 'Delete',
    deleteFile: (name: string) => `Delete ${name}`,
    confirmDelete: (name: string) => `Delete ${name}? The file is removed from the models folder.`,
    confirm: 'Delete file',
    keep: 'Keep',
    recommended: 'Recommended downloads',
    download: (size: string) => `Download (${size})`,
    downloadModel: (label: string) => `Download ${label}`,
    installed: 'Installed',
    cancel: 'Cancel',
    resume: 'Resume',
    retry: 'Try again',
    discard: 'Discard',
    progress: (received: string, total: string, rate: string | undefined) =>
      `${received} of ${total}${rate ? ` · ${rate}/s` : ''}`,
    verifying: 'Checking the file’s checksum…',
    paused: (received: string, total: string) => `Paused at ${received} of ${total}.`,
    failed: 'The download failed.',
    sizeOnly: 'No published checksum is known for this file: only its size is checked.',
    license: (license: string) => `License: ${license}`,
    progressLabel: (label: string) => `Downloading ${label}`,
  },
  firstRun: {
    title: 'No server? Run a model inside StreamDesk.',
    body: (label: string, size: string) => `Download ${label} (${size}) once; after that, chat works offline with it.`,
    download: (label: string) => `Download ${label}`,
    ready: (label: string) => `${label} is installed and selected.`,
  },

  /** Messages from the main process, by key; the server's or the OS's own words follow as `detail`. */
  mainMessage: {
    /** Before the server's own words (a model server's answer), or other text main passed on as it was. */
    serverSaid: (text: string) => `Server said: ${text}`,
    detail: (text: string) => `Details: ${text}`,
    /** Before a failed answer's own text (the server's words, or the app's when it ended the answer itself). */
    streamDetail: 'Details:',
    /** A key this window does not know (a newer main process). */
    unknown: 'Something went wrong.',
    /** A stream's error headline by its code; the backend's own text is shown below it. */
    streamError: {
      'connection-refused': 'The model server could not be reached.',
      unauthorized: 'The server refused the request: check the API key for this model.',
      'rate-limited': 'The server is rate limiting requests: wait a moment, then try again.',
      'model-not-found': 'The server does not have this model.',
      'bad-response': 'The server answered with an error.',
      timeout: 'The model did not answer in time.',
      internal: 'Something went wrong in StreamDesk.',
      'quota-exceeded': 'Your usage limit is reached.',
      incomplete: 'The answer could not be completed.',
    } satisfies Record<AnswerErrorCode, string>,
    writeFailure,
    /** A failed model download's reason by its code; the downloader's own text is shown below it. */
    downloadError: {
      'not-allowed': 'This download address is not allowed.',
      network: 'The connection to the download server failed.',
      http: 'The download server refused the file.',
      'disk-full': 'The disk is full.',
      checksum: 'The file does not match its published checksum.',
      size: 'The file does not have the size it should.',
      cancelled: 'The download was cancelled.',
      io: 'The file could not be written to the models folder.',
    } satisfies Record<DownloadErrorCode, string>,
    messages: {
      'model:ready': ({ model, server }) => `Ready: ${model} at ${server}`,
      'model:file-ready': ({ file, quantization }) =>
        `${file} is installed${quantization ? ` (${quantization})` : ''}.`,
      'model:file-unusable': ({ file }) => `The model file ${file} cannot be used.`,
      'model:not-configured': ({ modelId }) => `No model is configured with the id "${modelId}".`,
      'server:bad-address': ({ address }) =>
        `The server address "${address}" is not a valid http:// or https:// URL (expected something like http://127.0.0.1:11434/v1).`,
      'server:not-answering': ({ server }) => `No model server answered at ${server}.`,
      'server:refused': ({ server, status }) => `The server at ${server} refused the request (HTTP ${status}).`,
      'server:bad-model-list': ({ server, status }) =>
        `The server at ${server} answered ${status ? `HTTP ${status}` : 'an unexpected answer'} when asked for its models.`,
      'server:missing-model': ({ server, model, available }) =>
        `The server at ${server} does not have the model "${model}".` +
        (available.length ? ` It has: ${available.join(', ')}.` : ''),
      'server:key-over-http': () => 'The key would travel unencrypted (http://) to another computer.',
      'hint:enter-api-root': () => 'Enter the API root, for example http://127.0.0.1:11434/v1',
      'hint:start-ollama': () => 'Start one, for example: `ollama serve`',
      'hint:start-lm-studio': () => 'Start the local server in LM Studio (Developer tab, Start Server).',
      'hint:start-any-server': () =>
        'Start one, for example: `ollama serve` (with LM Studio or another server, start its local server).',
      'hint:check-key': () => 'Check the API key configured for this server.',
      'hint:add-key': () => 'This server needs an API key: add one in the model settings.',
      'hint:check-api-root': () => 'Check that the address is the OpenAI-compatible API root, usually ending in /v1.',
      'hint:ollama-pull': ({ model }) => `Run \`ollama pull ${model}\``,
      'hint:load-model': ({ model }) => `Download or load "${model}" in your model server, or choose a model it has.`,
      'hint:confirm-key-over-http': () => 'Confirm sending it over plain http below the key, or use https://.',
      'attachment:empty': () => 'This file is empty.',
      'attachment:too-large': ({ sizeBytes, limitBytes }) =>
        limitBytes !== undefined && sizeBytes !== undefined
          ? `This file is ${formatBytes(sizeBytes)}; files can be at most ${formatBytes(limitBytes)}.`
          : 'This file is too large to attach.',
      'attachment:image-too-large': () => 'This image cannot be made small enough to send.',
      'attachment:unsupported-type': ({ type }) =>
        `${type ? `This file is ${type}, which` : 'This file'} cannot be attached: attach images (PNG, JPEG, WebP, GIF), PDFs or text files.`,
      'attachment:not-a-file': () => 'Only files can be attached, not folders.',
      'attachment:not-utf8': () =>
        'This file is neither an image, a PDF nor text in UTF-8 or UTF-16: save it as UTF-8 text to attach it.',
      'attachment:damaged-image': () => 'This image cannot be read.',
      'attachment:damaged-pdf': () => 'This PDF cannot be read.',
      'attachment:pdf-too-long': ({ pages, maxPages }) =>
        pages !== undefined && maxPages !== undefined
          ? `This PDF has ${pages} pages; at most ${maxPages} can be attached.`
          : 'This PDF is too long to attach.',
      'attachment:pdf-too-much-text': ({ limitBytes }) =>
        `This PDF holds more text than a prompt can carry (${formatBytes(limitBytes)}).`,
      'attachment:pdf-too-slow': () => 'Reading this PDF took too long, so it was not attached.',
      'attachment:pdf-too-large': () => 'This PDF needs too much memory to read, so it was not attached.',
      'attachment:bad-name': ({ name }) => `The file name "${name}" cannot be used.`,
      'attachment:gone': () => 'An attachment is no longer available: remove it and attach the file again.',
      'history:change-failed': ({ reason }) =>
        reason === 'disk-full'
          ? 'The disk is full: free some space; nothing was lost.'
          : `The history could not be changed${reason ? `: ${writeFailure[reason]}` : ''}; nothing was lost.`,
      'history:save-failed': ({ reason }) =>
        `History could not be saved${reason ? `: ${writeFailure[reason]}` : ''}. The text stays on screen and is saved as soon as writing works again.`,
      'history:saving-again': () => 'History is being saved again.',
      'history:change-kept': () =>
        'The disk is full: free some space; your change is kept and will be saved when space returns.',
      'history:too-many-kept': () =>
        'The disk is full and too many changes are waiting to be saved: free some space; this change was not made.',
      'history:kept-change-lost': ({ change, title }) =>
        `A change made while the disk was full could not be saved (${KEPT_CHANGE_WORDS.en[change]} in “${title}”).`,
      'history:import-refused': ({ failure, imported, limitMb, versions, reason }) =>
        `${importFailure(failure, { limitMb, versions, reason })} ${
          imported === 0
            ? 'Nothing was imported.'
            : `${conversations(imported)} ${imported === 1 ? 'was' : 'were'} imported before it stopped; importing the file again adds the rest.`
        }`,
      'history:conversation-gone': () => 'That conversation no longer exists.',
      'history:export-failed': ({ failure }): string =>
        failure === 'bad-target' ? 'The export cannot be saved there.' : 'The export could not be written.',
      'history:no-backup': ({ date }) => `There is no backup of ${date}.`,
      'history:backup-damaged': ({ date }) => `The backup of ${date} is damaged; nothing was restored.`,
      'history:backup-failed': () => 'The daily history backup failed.',
      'history:damaged': ({ backupDir }) =>
        'Your conversation history file is damaged. When StreamDesk restarts it will set the damaged file aside ' +
        '(nothing is deleted), recover what still reads from it and add what is missing from the newest daily ' +
        `backup. Daily backups are in ${backupDir}.`,
      'settings:set-aside': ({ path }) =>
        `The settings file could not be read, so default settings are in use. The old file was kept as ${path}.`,
      'settings:key-unreadable': ({ model }) =>
        `The saved API key for ${model} can no longer be read: enter it again in Settings.`,
      'history:opened-read-only': ({ reason }) =>
        `${reason ? capitalized(writeFailure[reason]) : 'Your history could not be opened for writing'}, so your history ` +
        'is open read-only: you can read, search and export it, but nothing new is saved until you free some space ' +
        '(or fix the folder) and restart StreamDesk.',
      'history:not-opened': ({ reason }) =>
        `History could not be opened${reason ? ` (${writeFailure[reason]})` : ''}; conversations of this session will not be kept.`,
      'history:interrupted': ({ count }) =>
        `${count === 1 ? 'One answer was' : `${count.toLocaleString('en')} answers were`} cut off when StreamDesk ` +
        'last closed; what arrived is kept and marked as interrupted.',
      'history:salvaged': ({ fromFile, fromBackup, completed, backupDate, path }) => {
        const parts = [
          ...(fromFile > 0 ? [`${conversations(fromFile)} from the damaged file`] : []),
          ...(fromBackup > 0 ? [`${conversations(fromBackup)} from the backup of ${backupDate}`] : []),
        ]
        const filled =
          completed > 0
            ? ` (${conversations(completed)} the damage had cut short came back whole from the backup of ${backupDate})`
            : ''
        return (
          `Your conversation history file was damaged. StreamDesk recovered ${parts.join(' and ')}${filled}; ` +
          `anything on the damaged parts of the file that no backup holds is lost. The damaged file was kept, not deleted: ${path}`
        )
      },
      'history:salvaged-nothing': ({ hadBackup, path }) =>
        'Your conversation history could not be read because the file is damaged, and nothing in it could be ' +
        `recovered${hadBackup ? ' (the newest backup held nothing more)' : ' (there is no backup yet)'}, so a new, ` +
        `empty history was started. The damaged file was kept, not deleted: ${path}`,
      'shortcut:refused': ({ accelerator }) =>
        `The shortcut ${accelerator} could not be registered: another application may be using it. Choose another in Settings.`,
      'auth:error': ({ reason }) => authReason[reason],
      'cloud:config-invalid': ({ output }) =>
        `This is not a StreamDesk cloud configuration (the "${output}" output of the deployed stack).`,
      'cloud:credentials-failed': () => 'The cloud sign-in could not be renewed.',
      'cloud:backend-older': () =>
        'Your cloud backend is older than this app: redeploy it (npm run cdktf:deploy) to get reasoning.',
      'cloud:app-older': () => 'This app is older than your cloud backend: update the app.',
    } satisfies MessageCatalog,
  },

  toast: { dismiss: 'Dismiss' },
  crash: { message: 'Something went wrong while drawing the window.', reload: 'Reload' },
  missingBridge: 'StreamDesk could not reach its back end (window.streamdesk is missing).',
}

export type Strings = typeof en
