/** Every English UI string. A Japanese module only has to satisfy `Strings`. */
import type { ConnectionStatus, StreamStatus } from '../../../src-main/shared/ipc-contract'

export const en = {
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
  connectionAriaLabel: 'Connection',
  topBar: { newChat: 'New chat', settings: 'Settings', diagnostics: 'Diagnostics' },

  emptyConversation: {
    title: 'Ask once, compare answers',
    body: 'Pick the models below and send a prompt: their answers stream side by side.',
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
  } satisfies Record<StreamStatus, string>,
  stop: 'Stop',
  stopModel: (label: string) => `Stop ${label}`,
  stalled: 'Waiting for missing data…',
  errorTitle: 'The answer could not be completed.',
  usage: (input: number | undefined, output: number | undefined) =>
    [input !== undefined && `${input.toLocaleString()} in`, output !== undefined && `${output.toLocaleString()} out`]
      .filter(Boolean)
      .join(' · ') + ' tokens',
  emptyAnswer: 'No text.',
  jumpToLatest: 'Jump to latest',
  code: { copy: 'Copy', copied: 'Copied', copyAriaLabel: 'Copy code' },

  prompt: {
    placeholder: 'Ask anything… (Enter to send, Shift+Enter for a new line)',
    ariaLabel: 'Prompt',
    send: 'Send',
    stopAll: 'Stop all',
  },
  picker: {
    ariaLabel: 'Models to ask',
    noModels: 'No models configured yet.',
    addModels: 'Add a model',
    keepOne: 'At least one model must stay selected.',
  },
  banner: {
    title: 'None of the selected models can be reached.',
    checkAgain: 'Check again',
    openSettings: 'Open settings',
    dismiss: 'Dismiss',
  },

  settings: {
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
    save: 'Save',
    cancel: 'Cancel',
    saved: 'Saved.',
    invalidBaseUrl: 'Enter an http:// or https:// URL.',
    checkConnection: 'Check connection',
    checking: 'Checking…',
    reachable: 'Reachable',
    unreachable: 'Not reachable',
    noModels: 'No models yet. Add one below: a local Ollama server works out of the box.',
  },
  modelDefaults: { baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.2', label: 'Llama 3.2 (local)' },

  diagnostics: {
    title: 'Diagnostics',
    refresh: 'Refresh',
    close: 'Close',
    loading: 'Loading…',
    counters: 'Counters',
    messagesReceived: 'Messages received',
    chunksDelivered: 'Chunks delivered',
    duplicatesDropped: 'Duplicates dropped',
    gapsReported: 'Gaps reported',
    activeStreams: 'Active streams',
    rejected: 'Rejected messages',
    noneRejected: 'None rejected.',
    lastErrors: 'Last errors',
    noErrors: 'No errors.',
  },

  toast: { dismiss: 'Dismiss' },
  crash: { message: 'Something went wrong while drawing the window.', reload: 'Reload' },
  missingBridge: 'StreamDesk could not reach its back end (window.streamdesk is missing).',
}

export type Strings = typeof en
