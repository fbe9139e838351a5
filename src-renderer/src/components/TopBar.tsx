import type { AppMode, ConnectionState } from '../../../src-main/shared/ipc-contract'
import { useStrings } from '../i18n'
import { SHORTCUTS, shortcutLabel } from '../keyboard/shortcuts'
import { SidebarIcon } from './icons'
import { SIDEBAR_ID } from './Sidebar'

interface TopBarProps {
  mode: AppMode
  connection: ConnectionState | undefined
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
      <ConnectionIndicator connection={connection} />
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

function ConnectionIndicator({ connection }: { connection: ConnectionState | undefined }) {
  const t = useStrings()
  const status = connection?.status ?? 'starting'
  const showDetail = (status === 'failed' || status === 'offline') && connection?.detail
  return (
    <div
      className="connection"
      data-testid="connection-state"
      data-status={status}
      role="status"
      aria-label={t.connectionAriaLabel}
      title={connection?.detail}
    >
      <span className="connection-dot" aria-hidden="true" />
      <span className="connection-text">
        {t.connection[status]}
        {showDetail && <span className="connection-detail"> · {connection.detail}</span>}
      </span>
    </div>
  )
}
