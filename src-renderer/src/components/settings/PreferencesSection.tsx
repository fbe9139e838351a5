import { useRef, useState, type FormEvent, type KeyboardEvent } from 'react'
import type { AppPreferences } from '../../../../src-main/shared/ipc-contract'
import { useServices } from '../../app-services'
import { useStrings } from '../../i18n'
import type { LanguagePreference } from '../../i18n/language'
import { recordShortcut } from '../../keyboard/accelerator'
import { onMac } from '../../keyboard/platform'
import { sendKeyAccelerators, shortcutLabel, type SendKey } from '../../keyboard/shortcuts'

interface PreferencesSectionProps {
  preferences: AppPreferences
  /** Resolves to undefined when saved, else why not, in plain words. */
  onChange(changes: Partial<AppPreferences>): Promise<string | undefined>
}

/** Language names are written in their own language, so each can be found whatever the UI speaks now. */
const LANGUAGE_NAMES: Record<Exclude<LanguagePreference, 'system'>, string> = { en: 'English', ja: '日本語' }
const SEND_KEYS: readonly SendKey[] = ['enter', 'mod-enter']

export function PreferencesSection({ preferences, onChange }: PreferencesSectionProps) {
  const t = useStrings()
  const { toasts } = useServices()
  // Toggles and menus have no field to show a refusal next to (and main accepts any of their values).
  const change = async (changes: Partial<AppPreferences>) => {
    const problem = await onChange(changes)
    if (problem) toasts.show(problem, 'error')
  }
  return (
    <section className="settings-section">
      <h3>{t.preferences.title}</h3>
      <ShortcutField
        saved={preferences.quickAskShortcut}
        onSave={(quickAskShortcut) => onChange({ quickAskShortcut })}
      />
      <label className="check-field">
        <input
          type="checkbox"
          data-testid="pref-close-to-tray"
          checked={preferences.closeToTray}
          onChange={(event) => void change({ closeToTray: event.target.checked })}
        />
        <span>{t.preferences.closeToTray}</span>
      </label>
      <label className="check-field">
        <input
          type="checkbox"
          data-testid="pref-prefill-clipboard"
          checked={preferences.prefillFromClipboard}
          onChange={(event) => void change({ prefillFromClipboard: event.target.checked })}
        />
        <span>{t.preferences.prefillClipboard}</span>
      </label>
      <label className="field">
        <span>{t.preferences.sendKey}</span>
        <select
          data-testid="pref-send-key"
          value={preferences.sendKey}
          onChange={(event) => void change({ sendKey: event.target.value as SendKey })}
        >
          {SEND_KEYS.map((sendKey) => {
            const keys = sendKeyAccelerators(sendKey)
            return (
              <option key={sendKey} value={sendKey}>
                {t.preferences.sendKeyOption(shortcutLabel(keys.send), shortcutLabel(keys.newLine))}
              </option>
            )
          })}
        </select>
      </label>
      <label className="field">
        <span>{t.preferences.language}</span>
        <select
          data-testid="pref-language"
          value={preferences.language}
          onChange={(event) => void change({ language: event.target.value as LanguagePreference })}
        >
          <option value="system">{t.preferences.languageSystem}</option>
          {Object.entries(LANGUAGE_NAMES).map(([language, name]) => (
            <option key={language} value={language} lang={language}>
              {name}
            </option>
          ))}
        </select>
      </label>
    </section>
  )
}

/**
 * The global quick-ask shortcut as an accelerator. Main checks it (a typo comes back as a message shown here);
 * whether the OS lets the app have it is only known once registered, so a refusal arrives as a notice toast.
 */
function ShortcutField({ saved, onSave }: { saved: string; onSave(accelerator: string): Promise<string | undefined> }) {
  const t = useStrings()
  const [text, setText] = useState(saved)
  const [shownSaved, setShownSaved] = useState(saved)
  const [problem, setProblem] = useState<string>()
  const [savedNote, setSavedNote] = useState(false)
  const [busy, setBusy] = useState(false)
  // Recording: the next key combination pressed in the field becomes the shortcut ("press the keys").
  const [recording, setRecording] = useState<'listening' | 'needs-modifier'>()
  const field = useRef<HTMLInputElement>(null)
  // Saved from elsewhere (another window): show the new value.
  if (saved !== shownSaved) {
    setShownSaved(saved)
    setText(saved)
  }

  const onRecordKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (!recording) return
    event.preventDefault()
    const result = recordShortcut(event.nativeEvent, onMac())
    if (result.kind === 'incomplete') return
    if (result.kind === 'needs-modifier') return setRecording('needs-modifier')
    setRecording(undefined)
    if (result.kind === 'cancelled') return
    setText(result.accelerator)
    setProblem(undefined)
    setSavedNote(false)
  }

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    const failure = await onSave(text.trim())
    setBusy(false)
    setProblem(failure)
    setSavedNote(failure === undefined)
  }

  return (
    <form className="inline-form" onSubmit={(event) => void onSubmit(event)}>
      <label className="field">
        <span>{t.preferences.shortcut}</span>
        <span className="field-row">
          <input
            ref={field}
            data-testid="pref-shortcut"
            spellCheck={false}
            autoComplete="off"
            value={recording ? '' : text}
            placeholder={recording ? t.preferences.shortcutPressKeys : undefined}
            aria-invalid={problem !== undefined}
            readOnly={recording !== undefined}
            onKeyDown={onRecordKeyDown}
            onBlur={() => setRecording(undefined)}
            onChange={(event) => {
              setText(event.target.value)
              setSavedNote(false)
            }}
          />
          <button
            type="button"
            className="button small"
            data-testid="pref-shortcut-record"
            aria-pressed={recording !== undefined}
            onClick={() => {
              setRecording('listening')
              field.current?.focus()
            }}
          >
            {t.preferences.shortcutRecord}
          </button>
        </span>
        <span className="field-help muted" aria-live="polite">
          {recording === 'needs-modifier'
            ? t.preferences.shortcutNeedsModifier
            : recording
              ? t.preferences.shortcutRecording
              : t.preferences.shortcutHelp(shortcutLabel(saved))}
        </span>
      </label>
      <button type="submit" className="button" data-testid="pref-shortcut-save" disabled={busy || text.trim() === ''}>
        {t.preferences.shortcutSave}
      </button>
      {problem !== undefined && (
        <p className="field-error" data-testid="pref-shortcut-error" role="alert">
          {problem}
        </p>
      )}
      <span className="saved-note" aria-live="polite">
        {savedNote ? t.preferences.shortcutSaved : ''}
      </span>
    </form>
  )
}
