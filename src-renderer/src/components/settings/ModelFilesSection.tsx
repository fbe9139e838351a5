import { useState } from 'react'
import type { InstalledModelFile } from '../../../../src-main/shared/ipc-contract'
import { formatBytes } from '../../../../src-main/shared/format-bytes'
import { useServices } from '../../app-services'
import { useModelFiles } from '../../hooks/use-model-files'
import { useStrings } from '../../i18n'
import { ModelDownloadStatus } from '../ModelDownloadStatus'

/** "Local model files": the GGUF files StreamDesk runs itself, adding one from disk, and the recommended downloads. */
export function ModelFilesSection() {
  const t = useStrings()
  const { client } = useServices()
  const files = useModelFiles(client)
  const { view } = files
  const [adding, setAdding] = useState(false)
  const [addError, setAddError] = useState<string>()

  const addFromDisk = async () => {
    setAdding(true)
    setAddError(undefined)
    setAddError(await files.addFromDisk())
    setAdding(false)
  }

  return (
    <section className="settings-section model-files" data-testid="model-files">
      <div className="section-head">
        <h3>{t.modelFiles.title}</h3>
        <div className="section-actions">
          <button
            type="button"
            className="button small"
            data-testid="model-file-add"
            onClick={() => void addFromDisk()}
            disabled={adding}
          >
            {adding ? t.modelFiles.adding : t.modelFiles.addFromDisk}
          </button>
        </div>
      </div>
      {view && (
        <p className="muted model-files-intro">
          {t.modelFiles.intro} <code data-testid="model-files-directory">{view.directory}</code>
        </p>
      )}
      {addError && (
        <p className="field-error multiline" role="alert" data-testid="model-file-add-error">
          {addError}
        </p>
      )}
      {view && view.installed.length === 0 && <p className="muted">{t.modelFiles.none}</p>}
      <ul className="model-list" data-testid="model-file-list">
        {view?.installed.map((file) => (
          <InstalledFileRow key={file.fileName} file={file} onDelete={() => void files.remove(file.fileName)} />
        ))}
      </ul>

      {view && view.catalog.some((entry) => !entry.installed) && (
        <>
          <h4 className="model-files-subhead">{t.modelFiles.recommended}</h4>
          <ul className="model-list" data-testid="model-catalog">
            {view.catalog
              .filter((entry) => !entry.installed)
              .map((entry) => (
                <li key={entry.id} className="model-row catalog-row" data-testid={`catalog-row-${entry.id}`}>
                  <div className="model-row-main">
                    <div className="model-row-title">
                      <strong>{entry.label}</strong>
                      <span className="badge">{entry.quantization}</span>
                    </div>
                    <div className="model-row-meta muted">
                      <span>{formatBytes(entry.sizeBytes)}</span>
                      <span>{t.modelFiles.contextTokens(entry.contextLength)}</span>
                      <a href={entry.licenseUrl} target="_blank" rel="noreferrer">
                        {t.modelFiles.license(entry.license)}
                      </a>
                    </div>
                    {!entry.checksumVerified && <p className="muted">{t.modelFiles.sizeOnly}</p>}
                  </div>
                  <div className="catalog-download">
                    <ModelDownloadStatus
                      entry={entry}
                      onDownload={() => void files.download(entry.id)}
                      onCancel={() => void files.cancel(entry.id)}
                      onDiscard={() => void files.discard(entry.id)}
                    />
                  </div>
                </li>
              ))}
          </ul>
        </>
      )}
    </section>
  )
}

function InstalledFileRow({ file, onDelete }: { file: InstalledModelFile; onDelete(): void }) {
  const t = useStrings()
  const [confirming, setConfirming] = useState(false)
  return (
    <li className="model-row" data-testid={`model-file-${file.fileName}`}>
      <div className="model-row-main">
        <div className="model-row-title">
          <strong>{file.name ?? file.fileName}</strong>
          {file.quantization && (
            <span className="badge" data-testid="model-file-quantization">
              {file.quantization}
            </span>
          )}
        </div>
        <div className="model-row-meta muted">
          <code>{file.fileName}</code>
          <span data-testid="model-file-size">{formatBytes(file.sizeBytes)}</span>
          {file.contextLength !== undefined && <span>{t.modelFiles.contextTokens(file.contextLength)}</span>}
        </div>
      </div>
      <div className="row-actions">
        {!confirming && (
          <button
            type="button"
            className="button small danger-outline"
            data-testid={`model-file-delete-${file.fileName}`}
            aria-label={t.modelFiles.deleteFile(file.fileName)}
            onClick={() => setConfirming(true)}
          >
            {t.modelFiles.delete}
          </button>
        )}
      </div>
      {confirming && (
        <div className="confirm-delete" role="alertdialog" aria-label={t.modelFiles.confirmDelete(file.fileName)}>
          <span>{t.modelFiles.confirmDelete(file.fileName)}</span>
          <span className="row-actions">
            <button
              type="button"
              className="button small danger"
              data-testid={`model-file-confirm-delete-${file.fileName}`}
              onClick={onDelete}
            >
              {t.modelFiles.confirm}
            </button>
            <button type="button" className="button small ghost" onClick={() => setConfirming(false)}>
              {t.modelFiles.keep}
            </button>
          </span>
        </div>
      )}
    </li>
  )
}
