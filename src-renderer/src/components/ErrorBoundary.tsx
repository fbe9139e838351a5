import { Component, type ErrorInfo, type ReactNode } from 'react'
import { currentStrings } from '../i18n'

/** A rendering bug shows a way out instead of a blank window. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error?: Error }> {
  override state: { error?: Error } = {}

  static getDerivedStateFromError(error: Error) {
    return { error }
  }

  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error('render failed', error, info.componentStack)
  }

  override render() {
    if (!this.state.error) return this.props.children
    const t = currentStrings()
    return (
      <div className="fatal" role="alert">
        <p>{t.crash.message}</p>
        <pre>{this.state.error.message}</pre>
        <button type="button" className="button primary" onClick={() => location.reload()}>
          {t.crash.reload}
        </button>
      </div>
    )
  }
}
