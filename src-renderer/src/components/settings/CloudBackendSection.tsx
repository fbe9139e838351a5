import { useState, type ChangeEvent, type FormEvent } from 'react'
import type { PublicSettings } from '../../../../src-main/shared/ipc-contract'
import { useStrings } from '../../i18n'
import { CloudUsageView } from './CloudUsageView'

interface CloudBackendSectionProps {
  cloud: PublicSettings['cloud']
  /** Resolves to undefined when loaded, else why not, in plain words. */
  onLoad(json: string): Promise<string | undefined>
}

/** The deployed stack's outputs, pasted or read from their file, and what they offer once loaded. */
export function CloudBackendSection({ cloud, onLoad }: CloudBackendSectionProps) {
  const t = useStrings()
  const [text, setText] = useState('')
  const [problem, setProblem] = useState<string>()
  const [loaded, setLoaded] = useState(false)
  const [busy, setBusy] = useState(false)

  const load = async (json: string) => {
    setBusy(true)
    const failure = await onLoad(json)
    setBusy(false)
    setProblem(failure)
    setLoaded(failure === undefined)
    if (failure === undefined) setText('')
  }
  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    void load(text)
  }
  const onFileChosen = async (event: ChangeEvent<HTMLInputElement>) => {
    const input = event.currentTarget
    const file = input.files?.[0]
    // The same file may be chosen again (e.g. after fixing it).
    input.value = ''
    if (!file) return
    let json: string
    try {
      json = await file.text()
    } catch {
      setLoaded(false)
      return setProblem(t.cloud.unreadableFile)
    }
    await load(json)
  }

  return (
    <section className="settings-section">
      <h3>{t.cloud.title}</h3>
      {cloud ? (
        <dl className="summary-list" data-testid="cloud-config-summary">
          <div>
            <dt>{t.cloud.region}</dt>
            <dd>
              <code>{cloud.region}</code>
            </dd>
          </div>
          <div>
            <dt>{t.cloud.models}</dt>
            <dd>{cloud.models.map((model) => model.label).join(', ')}</dd>
          </div>
        </dl>
      ) : (
        <p className="muted">{t.cloud.notLoaded}</p>
      )}
      {cloud && <CloudUsageView />}
      <form className="stacked-form" onSubmit={onSubmit}>
        <label className="field">
          <span>{t.cloud.configLabel}</span>
          <span className="field-help muted">{t.cloud.intro}</span>
          <textarea
            className="code-input"
            data-testid="cloud-config-input"
            rows={5}
            spellCheck={false}
            autoComplete="off"
            value={text}
            aria-invalid={problem !== undefined}
            onChange={(event) => setText(event.target.value)}
          />
        </label>
        {problem !== undefined && (
          <p className="field-error multiline" data-testid="cloud-config-error" role="alert">
            {problem}
          </p>
        )}
        <div className="form-actions">
          <button
            type="submit"
            className="button primary"
            data-testid="cloud-config-save"
            disabled={busy || text.trim() === ''}
          >
            {t.cloud.load}
          </button>
          <label className="button ghost file-button" aria-disabled={busy || undefined}>
            {t.cloud.chooseFile}
            <input
              type="file"
              className="visually-hidden"
              data-testid="cloud-config-file"
              accept=".json,application/json"
              aria-label={t.cloud.chooseFileLabel}
              disabled={busy}
              onChange={(event) => void onFileChosen(event)}
            />
          </label>
          <span className="saved-note" aria-live="polite">
            {loaded ? t.cloud.loaded : ''}
          </span>
        </div>
      </form>
    </section>
  )
}
