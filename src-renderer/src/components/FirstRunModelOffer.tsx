import { useState } from 'react'
import { useServices } from '../app-services'
import { formatBytes } from '../../../src-main/shared/format-bytes'
import { useModelFiles } from '../hooks/use-model-files'
import { useStrings } from '../i18n'
import { ModelDownloadStatus } from './ModelDownloadStatus'

interface FirstRunModelOfferProps {
  /** None of the selected models answered their endpoint check. */
  noneReachable: boolean
}

/**
 * The first-run offer in local mode: when no model server answers and no GGUF file is installed, one click
 * downloads the recommended small model, which then becomes the selected model, so chat works offline.
 * It stays while its download runs (even if the endpoint banner is dismissed) and says when the model is ready.
 */
export function FirstRunModelOffer({ noneReachable }: FirstRunModelOfferProps) {
  const t = useStrings()
  const { client } = useServices()
  const files = useModelFiles(client)
  const [started, setStarted] = useState(false)
  const [dismissed, setDismissed] = useState(false)
  const { view } = files
  const entry = view?.catalog.find((candidate) => candidate.id === view.recommendedId)
  if (!view || !entry || dismissed) return null
  const running = entry.download !== undefined && entry.download.status !== 'complete'
  if (started && entry.installed) {
    return (
      <div className="first-run-offer" data-testid="first-run-offer" data-state="ready" role="status">
        <div className="download-line">
          <span>{t.firstRun.ready(entry.label)}</span>
          <button
            type="button"
            className="icon-button"
            aria-label={t.banner.dismiss}
            onClick={() => setDismissed(true)}
          >
            ×
          </button>
        </div>
      </div>
    )
  }
  if (view.installed.length > 0 || !(noneReachable || (started && running))) return null
  const download = () => {
    setStarted(true)
    void files.download(entry.id, true)
  }
  return (
    <div className="first-run-offer" data-testid="first-run-offer" data-state={running ? 'downloading' : 'offer'}>
      <p>
        <strong>{t.firstRun.title}</strong> {t.firstRun.body(entry.label, formatBytes(entry.sizeBytes))}
      </p>
      {entry.download ? (
        <ModelDownloadStatus
          entry={entry}
          onDownload={download}
          onCancel={() => void files.cancel(entry.id)}
          onDiscard={() => void files.discard(entry.id)}
        />
      ) : (
        <div>
          <button type="button" className="button small primary" data-testid="first-run-download" onClick={download}>
            {t.firstRun.download(entry.label)}
          </button>
        </div>
      )}
    </div>
  )
}
