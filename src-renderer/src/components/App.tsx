import { useCallback, useEffect, useMemo, useState } from 'react'
import { useServices } from '../app-services'
import { useAppStatus } from '../hooks/use-app-status'
import { useAuthState } from '../hooks/use-auth-state'
import { useChatShortcuts } from '../hooks/use-chat-shortcuts'
import { useConversation } from '../hooks/use-conversation'
import { useEndpointChecks } from '../hooks/use-endpoint-checks'
import { useHistoryActions } from '../hooks/use-history-actions'
import { useHistoryList } from '../hooks/use-history-list'
import { useSettings } from '../hooks/use-settings'
import { useSidebarCollapsed } from '../hooks/use-sidebar-collapsed'
import { useUiLanguage } from '../hooks/use-ui-language'
import { modeModels, type ModeModels } from '../state/mode-models'
import { SignInScreen } from './auth/SignInScreen'
import { ConversationView } from './ConversationView'
import { DiagnosticsPanel } from './DiagnosticsPanel'
import { EndpointBanner } from './EndpointBanner'
import { FirstRunModelOffer } from './FirstRunModelOffer'
import { EditModelContext, type EditModelLink } from './edit-model-context'
import { ModelPicker } from './ModelPicker'
import { PromptBox } from './PromptBox'
import type { AttachmentRef, TurnAttachment } from '../../../src-main/shared/attachment'
import { SystemPromptControl } from './SystemPromptControl'
import { SettingsPanel } from './SettingsPanel'
import { Sidebar } from './Sidebar'
import { Toasts } from './Toasts'
import { TopBar } from './TopBar'
import { currentStrings } from '../i18n'
import { messageLine } from '../i18n/main-message'

type Panel = 'settings' | 'diagnostics'

const NO_MODELS: ModeModels = { models: [], selectedIds: [], editable: true }

export function App() {
  const { client, streams, toasts } = useServices()
  const { connection, notices } = useAppStatus(client)
  const settingsActions = useSettings(client)
  const { settings, selectModels, setMode } = settingsActions
  const { auth, refresh: refreshAuth } = useAuthState(client)
  useUiLanguage(settings?.preferences.language)
  const conversation = useConversation(client, streams, toasts)
  const history = useHistoryList(client)
  const historyActions = useHistoryActions(client, toasts, conversation.deleted)
  const [sidebarCollapsed, setSidebarCollapsed] = useSidebarCollapsed()
  const [focusSearchSignal, setFocusSearchSignal] = useState(0)
  const [panel, setPanel] = useState<Panel>()
  const closePanel = useCallback(() => setPanel(undefined), [])
  // The model whose form Settings opens at (a column's "Edit model"); undefined opens Settings at its top.
  const [settingsModelId, setSettingsModelId] = useState<string>()
  const openSettings = useCallback(() => {
    setSettingsModelId(undefined)
    setPanel('settings')
  }, [])

  useEffect(
    () => client.on('app:notice', (notice) => toasts.show(messageLine(currentStrings(), notice.message), notice.level)),
    [client, toasts],
  )
  // Quick ask's "Open in StreamDesk".
  const { open } = conversation
  useEffect(() => client.on('app:open-conversation', (conversationId) => void open(conversationId)), [client, open])
  // The macOS app menu's Settings….
  useEffect(() => client.on('app:open-settings', openSettings), [client, openSettings])
  useEffect(
    () => notices?.forEach((notice) => toasts.show(messageLine(currentStrings(), notice), 'warning')),
    [notices, toasts],
  )

  const mode = settings?.mode ?? connection?.mode ?? 'local'
  // In cloud mode the chat waits for the account; while its state is not known yet, neither is shown.
  const access = mode === 'local' ? 'chat' : auth === undefined ? 'pending' : auth.signedIn ? 'chat' : 'sign-in'

  const { exchanges } = conversation
  const viewStreamIds = useMemo(
    () =>
      new Set(
        exchanges.flatMap((exchange) =>
          exchange.streamId === undefined
            ? []
            : [exchange.streamId, ...[...(exchange.retries?.values() ?? [])].flat().map((version) => version.streamId)],
        ),
      ),
    [exchanges],
  )

  const { models, selectedIds, editable } = useMemo(() => (settings ? modeModels(settings) : NO_MODELS), [settings])
  const labelOf = useCallback((id: string) => models.find((model) => model.id === id)?.label ?? id, [models])

  const editableModels = settings && editable ? settings.models : undefined
  const editModelLink = useMemo<EditModelLink | undefined>(
    () =>
      editableModels && {
        canEdit: (modelId) => editableModels.some((model) => model.id === modelId && model.provider !== 'gguf'),
        edit: (modelId) => {
          setSettingsModelId(modelId)
          setPanel('settings')
        },
      },
    [editableModels],
  )

  // Only local servers can be probed; the cloud backend reports a model's problem in its column.
  const endpoints = useEndpointChecks(client, settings && editable ? selectedIds : undefined)
  const [dismissedChecks, setDismissedChecks] = useState<unknown>()
  const noneReachable =
    endpoints.checks !== undefined &&
    endpoints.checks.length > 0 &&
    endpoints.checks.every((check) => !check.reachable) &&
    dismissedChecks !== endpoints.checks

  const { send, stopAll } = conversation
  // A new chat starts where the user types: the focus goes to the prompt box.
  const [promptFocusSignal, setPromptFocusSignal] = useState(0)
  const startNewChat = conversation.newChat
  const newChat = useCallback(() => {
    startNewChat()
    setPromptFocusSignal((signal) => signal + 1)
  }, [startNewChat])
  const regenerateAnswer = conversation.regenerate
  const editPrompt = conversation.edit
  const edit = useCallback(
    (exchangeId: number, prompt: string, attachments: readonly TurnAttachment[]) =>
      void editPrompt(exchangeId, prompt, attachments),
    [editPrompt],
  )
  const regenerate = useCallback(
    (exchangeId: number, modelId: string) => void regenerateAnswer(exchangeId, modelId),
    [regenerateAnswer],
  )
  const continueCutAnswer = conversation.continueCut
  const continueCut = useCallback(
    (exchangeId: number, modelId: string, streamId: string) => void continueCutAnswer(exchangeId, modelId, streamId),
    [continueCutAnswer],
  )
  const sendPrompt = useCallback(
    (prompt: string, attachments: readonly AttachmentRef[]) =>
      send(
        prompt,
        selectedIds.map((id) => ({ id, label: labelOf(id) })),
        attachments,
      ),
    [labelOf, selectedIds, send],
  )

  useChatShortcuts(access === 'chat' && panel === undefined, {
    newChat,
    focusSearch: () => {
      setSidebarCollapsed(false)
      setFocusSearchSignal((signal) => signal + 1)
    },
    stop: () => {
      if (!streams.isAnyOpenIn(viewStreamIds)) return false
      stopAll()
      return true
    },
  })

  const signOut = async () => {
    await client.call('auth:sign-out')
    refreshAuth()
  }

  return (
    <div className="app">
      <TopBar
        mode={mode}
        connection={connection}
        modelsReady={
          endpoints.checks && {
            reachable: endpoints.checks.filter((check) => check.reachable).length,
            total: endpoints.checks.length,
          }
        }
        signedInEmail={auth?.signedIn ? auth.email : undefined}
        chatShown={access === 'chat'}
        sidebarCollapsed={sidebarCollapsed}
        onToggleSidebar={() => setSidebarCollapsed(!sidebarCollapsed)}
        onNewChat={newChat}
        onOpenSettings={openSettings}
        onOpenDiagnostics={() => setPanel('diagnostics')}
        onSignOut={() => void signOut()}
      />
      {access === 'sign-in' && auth && (
        <SignInScreen
          auth={auth}
          onSignedIn={refreshAuth}
          onOpenSettings={openSettings}
          onUseLocal={() => void setMode('local')}
        />
      )}
      {access === 'chat' && (
        <div className="app-body">
          <Sidebar
            collapsed={sidebarCollapsed}
            list={history}
            actions={historyActions}
            activeConversationId={conversation.view.conversationId}
            onOpen={conversation.open}
            focusSearchSignal={focusSearchSignal}
            startupNotices={notices}
          />
          <div className="chat">
            <EditModelContext.Provider value={editModelLink}>
              <ConversationView
                key={conversation.view.key}
                exchanges={exchanges}
                onStop={conversation.stop}
                onRegenerate={regenerate}
                onShowVersion={conversation.showVersion}
                onContinueCut={continueCut}
                onEdit={edit}
                onShowBranch={conversation.showBranch}
                scrollTo={conversation.view.scrollTo}
                onStarterPrompt={
                  selectedIds.length > 0 && !conversation.sending ? (prompt) => void sendPrompt(prompt, []) : undefined
                }
              />
            </EditModelContext.Provider>
            <footer className="composer">
              {noneReachable && (
                <EndpointBanner
                  checks={endpoints.checks!}
                  labelOf={labelOf}
                  checking={endpoints.checking}
                  onRecheck={endpoints.recheck}
                  onOpenSettings={openSettings}
                  onDismiss={() => setDismissedChecks(endpoints.checks)}
                />
              )}
              {mode === 'local' && editable && <FirstRunModelOffer noneReachable={noneReachable} />}
              <SystemPromptControl value={conversation.systemPrompt} onChange={conversation.setSystemPrompt} />
              <PromptBox
                canSend={selectedIds.length > 0 && !conversation.sending}
                sendKey={settings?.preferences.sendKey ?? 'enter'}
                streamIds={viewStreamIds}
                onSend={sendPrompt}
                onStopAll={stopAll}
                focusSignal={promptFocusSignal}
              >
                <ModelPicker
                  models={settings && models}
                  selectedIds={selectedIds}
                  onChange={(ids) => void selectModels(ids)}
                  checks={endpoints.checks}
                  {...(editable && { onAddModel: openSettings })}
                />
              </PromptBox>
            </footer>
          </div>
        </div>
      )}
      {panel === 'settings' && (
        <SettingsPanel actions={settingsActions} editModelId={settingsModelId} onClose={closePanel} />
      )}
      {panel === 'diagnostics' && (
        <DiagnosticsPanel
          onClose={closePanel}
          conversations={history.conversations}
          onOpenConversation={(conversationId) => {
            closePanel()
            conversation.open(conversationId)
          }}
        />
      )}
      <Toasts placement="top" />
    </div>
  )
}
