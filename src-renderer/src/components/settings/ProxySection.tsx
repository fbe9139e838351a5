import { useState, type FormEvent } from 'react'
import { useStrings } from '../../i18n'

interface ProxySectionProps {
  hasProxy: boolean
  /** Host and port only (main never sends the URL: it may hold credentials). */
  proxyHost: string | undefined
  /** Resolves to undefined when saved, else why not, in plain words. */
  onSetProxy(url: string | null): Promise<string | undefined>
}

/** The proxy URL is write-only, like an API key: it may hold credentials, so main never sends it back. */
export function ProxySection({ hasProxy, proxyHost, onSetProxy }: ProxySectionProps) {
  const t = useStrings()
  const [url, setUrl] = useState('')
  const [problem, setProblem] = useState<string>()
  const [busy, setBusy] = useState(false)

  const save = async (value: string | null) => {
    setBusy(true)
    const failure = await onSetProxy(value)
    setBusy(false)
    setProblem(failure)
    if (failure === undefined) setUrl('')
  }
  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    if (url.trim() !== '') void save(url.trim())
  }

  return (
    <section className="settings-section">
      <h3>{t.cloud.proxyTitle}</h3>
      <p className="muted">{t.cloud.proxyIntro}</p>
      {hasProxy ? (
        <div className="inline-status">
          <span className="badge ok" data-testid="proxy-status">
            {proxyHost !== undefined ? t.cloud.proxySetTo(proxyHost) : t.cloud.proxySet}
          </span>
          <button
            type="button"
            className="button small ghost"
            data-testid="proxy-clear"
            aria-label={t.cloud.proxyClearLabel}
            disabled={busy}
            onClick={() => void save(null)}
          >
            {t.cloud.proxyClear}
          </button>
        </div>
      ) : (
        <p className="muted">{t.cloud.proxyNotSet}</p>
      )}
      <form className="inline-form" onSubmit={onSubmit}>
        <label className="field">
          <span>{t.cloud.proxyLabel}</span>
          <input
            data-testid="proxy-input"
            inputMode="url"
            spellCheck={false}
            autoComplete="off"
            placeholder={t.cloud.proxyPlaceholder}
            value={url}
            aria-invalid={problem !== undefined}
            onChange={(event) => setUrl(event.target.value)}
          />
        </label>
        <button type="submit" className="button" data-testid="proxy-save" disabled={busy || url.trim() === ''}>
          {t.cloud.proxySave}
        </button>
      </form>
      {problem !== undefined && (
        <p className="field-error" data-testid="proxy-error" role="alert">
          {problem}
        </p>
      )}
    </section>
  )
}
