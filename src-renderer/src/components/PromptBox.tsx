import {
  useEffect,
  useRef,
  useState,
  useSyncExternalStore,
  type FormEvent,
  type KeyboardEvent,
  type ReactNode,
} from 'react'
import { useServices } from '../app-services'
import { useStrings } from '../i18n'
import { onMac } from '../keyboard/platform'
import { SHORTCUTS, sendKeyAccelerators, sendsPrompt, shortcutLabel, type SendKey } from '../keyboard/shortcuts'

interface PromptBoxProps {
  canSend: boolean
  /** Which key sends: Enter, or Ctrl/Cmd+Enter (then Enter makes a new line). Ctrl/Cmd+Enter always sends. */
  sendKey: SendKey
  /** The streams of the conversation on screen: "Stop all" shows while one of them is open. */
  streamIds: ReadonlySet<string>
  /** Resolves to false when the prompt was not accepted; the text then comes back into the box. */
  onSend(prompt: string): Promise<boolean>
  onStopAll(): void
  /** The model picker, shown under the text box. */
  children: ReactNode
  /** Each new value puts the focus in the text box (New chat); 0 never does. */
  focusSignal?: number
}

export function PromptBox({
  canSend,
  sendKey,
  streamIds,
  onSend,
  onStopAll,
  children,
  focusSignal = 0,
}: PromptBoxProps) {
  const t = useStrings()
  const input = useRef<HTMLTextAreaElement>(null)
  useEffect(() => {
    if (focusSignal !== 0) input.current?.focus()
  }, [focusSignal])
  const { streams } = useServices()
  const anyStreaming = useSyncExternalStore(streams.subscribe, () => streams.isAnyOpenIn(streamIds))
  const [text, setText] = useState('')
  const prompt = text.trim()
  const sendable = canSend && prompt !== ''
  const keys = sendKeyAccelerators(sendKey)

  const submit = async () => {
    if (!sendable) return
    setText('')
    const accepted = await onSend(prompt)
    if (!accepted) setText((current) => current || prompt)
  }
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (!sendsPrompt(event.nativeEvent, sendKey, onMac())) return
    event.preventDefault()
    void submit()
  }
  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    void submit()
  }

  return (
    <form className="prompt-box" onSubmit={onSubmit}>
      <textarea
        ref={input}
        className="prompt-input"
        data-testid="prompt-input"
        aria-label={t.prompt.ariaLabel}
        placeholder={t.prompt.placeholder(shortcutLabel(keys.send), shortcutLabel(keys.newLine))}
        rows={2}
        autoFocus
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
      />
      <div className="prompt-actions">
        {children}
        <div className="prompt-buttons">
          {anyStreaming && (
            <button
              type="button"
              className="button danger-outline"
              data-testid="stop-all-button"
              title={t.withShortcut(t.prompt.stopAll, shortcutLabel(SHORTCUTS.stop))}
              onClick={onStopAll}
            >
              {t.prompt.stopAll}
            </button>
          )}
          <button
            type="submit"
            className="button primary"
            data-testid="send-button"
            title={t.withShortcut(t.prompt.send, shortcutLabel(keys.send))}
            disabled={!sendable}
          >
            {t.prompt.send}
          </button>
        </div>
      </div>
    </form>
  )
}
