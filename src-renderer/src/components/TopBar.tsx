import type { AppMode, ConnectionState } from '../../../src-main/shared/ipc-contract'
import { useStrings } from '../i18n'
import { SHORTCUTS, shortcutLabel } from '../keyboard/shortcuts'
import { SidebarIcon } from './icons'
import { SIDEBAR_ID } from './Sidebar'

/** How many of the selected local models answered their check (local mode; undefined until checked). */
export interface ModelsReady {
  reachable: number
  total: number
}

interface TopBarProps {
  mode: AppMode
  connection: ConnectionState | undefined
  modelsReady?: ModelsReady | undefined
  /** The signed-in cloud account; shown in cloud mode. */
  signedInEmail: string | undefined
  /** False while the sign-in screen replaces the chat: the chat's controls are hidden then. */
  chatShown: boolean
  sidebarCollapsed: boolean
  onToggleSidebar(): void
  onNewChat(): void
  onOpenSettings(): void
  onOpenDiagnostics(): void
  onSignOut(): void
}

export function TopBar(props: TopBarProps) {
  const { mode, connection, signedInEmail, chatShown, sidebarCollapsed } = props
  const t = useStrings()
  const toggleLabel = sidebarCollapsed ? t.topBar.showSidebar : t.topBar.hideSidebar
  return (
    <header className="top-bar">
      {chatShown && (
        <button
          type="button"
          className="icon-button sidebar-toggle"
          data-testid="sidebar-toggle"
          aria-controls={SIDEBAR_ID}
          aria-expanded={!sidebarCollapsed}
          aria-label={toggleLabel}
          title={toggleLabel}
          onClick={props.onToggleSidebar}
        >
          <SidebarIcon />
        </button>
      )}
      <div className="brand">
        <span className="brand-mark" aria-hidden="true" />
        <h1 className="brand-name">{t.appName}</h1>
        <span className="mode-badge" data-testid="mode-badge" data-mode={mode} title={t.modeAriaLabel}>
          {t.mode[mode]}
        </span>
      </div>
      <ConnectionIndicator connection={connection} modelsReady={props.modelsReady} />
      <nav className="top-actions">
        {mode === 'cloud' && signedInEmail !== undefined && (
          <span className="account">
            <span className="account-email" data-testid="signed-in-as">
              {t.topBar.signedInAs(signedInEmail)}
            </span>
            <button type="button" className="button small ghost" data-testid="sign-out" onClick={props.onSignOut}>
              {t.topBar.signOut}
            </button>
          </span>
        )}
        {chatShown && (
          <button
            type="button"
            className="button"
            data-testid="new-chat-button"
            title={t.withShortcut(t.topBar.newChat, shortcutLabel(SHORTCUTS.newChat))}
            onClick={props.onNewChat}
          >
            {t.topBar.newChat}
          </button>
        )}
        <button type="button" className="button ghost" data-testid="settings-button" onClick={props.onOpenSettings}>
          {t.topBar.settings}
        </button>
        <button
          type="button"
          className="button ghost"
          data-testid="diagnostics-button"
          onClick={props.onOpenDiagnostics}
        >
          {t.topBar.diagnostics}
        </button>
      </nav>
    </header>
  )
}

/**
 * What a user cares about: in local mode whether the selected models are ready (the embedded broker being up
 * says nothing to them), else the connection to the cloud backend. `data-status` stays the connection's state.
 */
function ConnectionIndicator({
  connection,
  modelsReady,
}: {
  connection: ConnectionState | undefined
  modelsReady: ModelsReady | undefined
}) {
  const t = useStrings()
  const status = connection?.status ?? 'starting'
  const showDetail = (status === 'failed' || status === 'offline') && connection?.detail
  const models = status === 'connected' && modelsReady && modelsReady.total > 0 ? modelsReady : undefined
  const modelsState = models && (models.reachable === models.total ? 'all' : models.reachable === 0 ? 'none' : 'some')
  return (
    <div
      className="connection"
      data-testid="connection-state"
      data-status={status}
      data-models={modelsState}
      role="status"
      aria-label={t.connectionAriaLabel}
      title={connection?.detail}
    >
      <span className="connection-dot" aria-hidden="true" />
      <span className="connection-text">
        {models
          ? modelsState === 'all'
            ? t.modelsReady.all
            : modelsState === 'none'
              ? t.modelsReady.none
              : t.modelsReady.some(models.reachable, models.total)
          : t.connection[status]}
        {showDetail && <span className="connection-detail"> · {connection.detail}</span>}
      </span>
    </div>
  )
}
