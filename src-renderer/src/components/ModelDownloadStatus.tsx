import type { CatalogModelView } from '../../../src-main/shared/ipc-contract'
import { formatBytes } from '../../../src-main/shared/format-bytes'
import { useStrings } from '../i18n'
import { downloadErrorText } from '../i18n/main-message'

interface ModelDownloadStatusProps {
  entry: CatalogModelView
  /** Start or resume; `select` is decided by the caller. */
  onDownload(): void
  onCancel(): void
  onDiscard(): void
}

/**
 * One catalog model's download, whatever its state: the download button; a progress bar with bytes, rate and
 * Cancel; the checksum check; paused with Resume/Discard; or the failure in plain words with what can be done.
 */
export function ModelDownloadStatus({ entry, onDownload, onCancel, onDiscard }: ModelDownloadStatusProps) {
  const t = useStrings()
  const state = entry.download
  const testId = `model-download-${entry.id}`
  if (entry.installed) {
    return (
      <span className="badge ok" data-testid={testId} data-status="installed">
        {t.modelFiles.installed}
      </span>
    )
  }
  if (!state || state.status === 'complete') {
    return (
      <div className="download-status" data-testid={testId} data-status="none">
        <button
          type="button"
          className="button small primary"
          data-testid={`${testId}-start`}
          onClick={onDownload}
          aria-label={t.modelFiles.downloadModel(entry.label)}
        >
          {t.modelFiles.download(formatBytes(entry.sizeBytes))}
        </button>
      </div>
    )
  }
  const received = formatBytes(state.receivedBytes)
  const total = formatBytes(state.totalBytes)
  const percent = state.totalBytes > 0 ? Math.min(100, (state.receivedBytes / state.totalBytes) * 100) : 0
  const running = state.status === 'downloading' || state.status === 'verifying'
  return (
    <div className="download-status" data-testid={testId} data-status={state.status}>
      {(running || state.status === 'paused') && (
        <div
          className="download-bar"
          role="progressbar"
          aria-label={t.modelFiles.progressLabel(entry.label)}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(percent)}
          data-paused={state.status === 'paused'}
        >
          <div className="download-bar-fill" style={{ width: `${percent}%` }} />
        </div>
      )}
      <div className="download-line">
        <span className="download-text" aria-live="polite" data-testid={`${testId}-text`}>
          {state.status === 'downloading' &&
            t.modelFiles.progress(
              received,
              total,
              state.bytesPerSecond > 0 ? formatBytes(state.bytesPerSecond) : undefined,
            )}
          {state.status === 'verifying' && t.modelFiles.verifying}
          {state.status === 'paused' && t.modelFiles.paused(received, total)}
        </span>
        <span className="row-actions">
          {running && (
            <button
              type="button"
              className="button small ghost"
              data-testid={`${testId}-cancel`}
              onClick={onCancel}
              disabled={state.status === 'verifying'}
            >
              {t.modelFiles.cancel}
            </button>
          )}
          {!running && (
            <button type="button" className="button small" data-testid={`${testId}-resume`} onClick={onDownload}>
              {state.resumable ? t.modelFiles.resume : t.modelFiles.retry}
            </button>
          )}
          {!running && state.resumable && (
            <button type="button" className="button small ghost" data-testid={`${testId}-discard`} onClick={onDiscard}>
              {t.modelFiles.discard}
            </button>
          )}
        </span>
      </div>
      {state.status === 'failed' && state.error && (
        <div className="download-error" role="alert" data-testid={`${testId}-error`} data-code={state.error.code}>
          <strong>{t.modelFiles.failed}</strong> {downloadErrorText(t, state.error.code)}{' '}
          <span className="muted message-detail" data-testid="message-detail">
            {t.mainMessage.detail(state.error.message)}
          </span>
        </div>
      )}
    </div>
  )
}
