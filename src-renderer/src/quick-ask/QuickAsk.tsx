import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type FormEvent,
  type KeyboardEvent,
} from 'react'
import { useServices } from '../app-services'
import { AttachmentChips } from '../components/AttachmentChips'
import { Toasts } from '../components/Toasts'
import { withheldNote } from '../format/withheld-note'
import { chipOf, useComposerAttachments } from '../hooks/use-composer-attachments'
import { useAuthState } from '../hooks/use-auth-state'
import { useFollowLatest } from '../hooks/use-follow-latest'
import { useSettings } from '../hooks/use-settings'
import { useUiLanguage } from '../hooks/use-ui-language'
import { useStrings } from '../i18n'
import { matchesAccelerator } from '../keyboard/accelerator'
import { onMac } from '../keyboard/platform'
import { SHORTCUTS, sendsPrompt, shortcutLabel } from '../keyboard/shortcuts'
import { modeModels } from '../state/mode-models'
import { QuickAskAnswer } from './QuickAskAnswer'
import { useQuickAsk } from './use-quick-ask'

/**
 * The quick-ask window: one input, Enter asks the default model (the first one selected in StreamDesk), the
 * answer streams below. Esc stops a streaming answer, and otherwise hides the window. The window is created once
 * and hidden between uses, so `quick-ask:shown` (not a page load) is when it gets focus and the clipboard's text.
 */
export function QuickAsk() {
  const t = useStrings()
  const { client, streams } = useServices()
  const { settings } = useSettings(client)
  const { auth } = useAuthState(client)
  useUiLanguage(settings?.preferences.language)
  const quick = useQuickAsk(client, streams)
  const [text, setText] = useState('')
  // Pasted or dropped files: the main window's composer's attachments, same chips, same checks in main.
  const attachments = useComposerAttachments()
  const input = useRef<HTMLTextAreaElement>(null)
  const { scrollRef, contentRef, jumpToLatest } = useFollowLatest()

  // The model quick ask asks: the first one selected in the main window, unless picked here (for this window only).
  const [pickedModelId, setPickedModelId] = useState<string>()
  const models = useMemo(() => (settings ? modeModels(settings) : undefined), [settings])
  const defaultModel = useMemo(() => {
    if (!models) return undefined
    return (
      models.models.find((model) => model.id === pickedModelId) ??
      models.models.find((model) => model.id === models.selectedIds[0])
    )
  }, [models, pickedModelId])
  const needsSignIn = settings?.mode === 'cloud' && auth !== undefined && !auth.signedIn

  // Select the input's text once the clipboard's has been rendered into it, so typing replaces it.
  const [selectRequest, setSelectRequest] = useState(0)
  useLayoutEffect(() => {
    if (selectRequest > 0) input.current?.select()
  }, [selectRequest])

  const prefillAllowed = useRef(false)
  prefillAllowed.current = settings?.preferences.prefillFromClipboard === true
  const onShown = useCallback(async () => {
    input.current?.focus()
    if (!prefillAllowed.current) return
    // Quietly: no clipboard text is no reason to bother the user.
    const read = await client.attempt('clipboard:read-text')
    if (!read.ok || read.result === '') return
    setText(read.result)
    setSelectRequest((request) => request + 1)
  }, [client])
  useEffect(() => client.on('quick-ask:shown', () => void onShown()), [client, onShown])
  // The first load counts as shown, once the settings tell whether prefilling is on.
  const settingsLoaded = settings !== undefined
  useEffect(() => {
    if (settingsLoaded) void onShown()
  }, [onShown, settingsLoaded])

  const latest = useRef({ open: quick.open, stop: quick.stop })
  latest.current = { open: quick.open, stop: quick.stop }
  useEffect(() => {
    const onKeyDown = (event: globalThis.KeyboardEvent) => {
      if (event.isComposing || event.defaultPrevented || !matchesAccelerator(event, SHORTCUTS.stop, onMac())) return
      event.preventDefault()
      if (latest.current.open) latest.current.stop()
      else void client.call('window:hide')
    }
    window.addEventListener('keydown', onKeyDown)
    return () => window.removeEventListener('keydown', onKeyDown)
  }, [client])

  const { exchange } = quick
  // A new question brings the view back to follow its answer.
  const exchangeId = exchange?.id
  useEffect(() => {
    if (exchangeId !== undefined) jumpToLatest()
  }, [exchangeId, jumpToLatest])

  const submit = async () => {
    const prompt = text.trim()
    const refs = attachments.ready()
    if (prompt === '' || !defaultModel || needsSignIn || refs === undefined) return
    setText('')
    const accepted = await quick.ask(prompt, defaultModel, refs)
    if (accepted) attachments.clear()
    else setText((current) => current || prompt)
  }
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // Quick ask always sends with Enter (Shift+Enter: a new line), whatever the main window's preference.
    if (!sendsPrompt(event.nativeEvent, 'enter', onMac())) return
    event.preventDefault()
    void submit()
  }
  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    void submit()
  }

  const withheld = withheldNote(exchange?.undelivered ?? [], t)
  const blocker = needsSignIn ? t.quickAsk.signInFirst : settings && !defaultModel ? t.quickAsk.noModel : undefined
  return (
    <div className="quick-ask" data-testid="quick-ask">
      <header className="quick-ask-bar">
        <span className="brand-mark" aria-hidden="true" />
        <h1 className="quick-ask-title">{t.quickAsk.title}</h1>
        {defaultModel && models && (
          <select
            className="quick-ask-model"
            data-testid="quick-ask-model"
            aria-label={t.quickAsk.modelLabel}
            value={defaultModel.id}
            onChange={(event) => {
              setPickedModelId(event.target.value)
              input.current?.focus()
            }}
          >
            {models.models.map((model) => (
              <option key={model.id} value={model.id}>
                {model.label}
              </option>
            ))}
          </select>
        )}
        <div className="quick-ask-actions">
          {quick.open && (
            <button
              type="button"
              className="button small danger-outline"
              data-testid="quick-ask-stop"
              title={t.withShortcut(t.quickAsk.stop, shortcutLabel(SHORTCUTS.stop))}
              onClick={quick.stop}
            >
              {t.quickAsk.stop}
            </button>
          )}
          {exchange?.conversationId !== undefined && (
            <button
              type="button"
              className="button small"
              data-testid="quick-ask-open-main"
              onClick={() => void client.call('window:open-in-main', exchange.conversationId!)}
            >
              {t.quickAsk.openInMain}
            </button>
          )}
        </div>
      </header>
      <form className="quick-ask-form" onSubmit={onSubmit} {...attachments.fileEvents}>
        <AttachmentChips attachments={attachments.items} onRemove={attachments.remove} />
        <textarea
          ref={input}
          className="quick-ask-input"
          data-testid="quick-ask-input"
          aria-label={t.quickAsk.inputLabel}
          placeholder={defaultModel ? t.quickAsk.placeholder(defaultModel.label) : ''}
          rows={1}
          autoFocus
          value={text}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={onKeyDown}
        />
      </form>
      {/* The page's main landmark: the question and its answer. */}
      <main className="quick-ask-scroll" ref={scrollRef}>
        <div className="quick-ask-content" ref={contentRef}>
          {blocker !== undefined && <p className="quick-ask-blocker">{blocker}</p>}
          {exchange && (
            <>
              <p className="quick-ask-question">{exchange.prompt}</p>
              <AttachmentChips attachments={exchange.attachments.map((ref) => ({ ...chipOf(ref), key: ref.id }))} />
              {withheld !== undefined && (
                <p className="quick-ask-withheld muted" data-testid="quick-ask-withheld">
                  {withheld}
                </p>
              )}
              {exchange.streamId === undefined ? (
                <p className="quick-ask-status muted">
                  <span className="spinner" aria-hidden="true" /> {t.sending}
                </p>
              ) : (
                <QuickAskAnswer
                  key={exchange.id}
                  streamId={exchange.streamId}
                  modelId={exchange.model.id}
                  label={exchange.model.label}
                />
              )}
            </>
          )}
        </div>
      </main>
      <footer className="quick-ask-hints muted">
        {t.quickAsk.hints(shortcutLabel(SHORTCUTS.enter), shortcutLabel(SHORTCUTS.stop))}
      </footer>
      <Toasts placement="bottom" />
    </div>
  )
}
