import {
  useEffect,
  useRef,
  useState,
  useSyncExternalStore,
  type FormEvent,
  type KeyboardEvent,
  type ReactNode,
} from 'react'
import type { AttachmentRef } from '../../../src-main/shared/attachment'
import { useServices } from '../app-services'
import { useComposerAttachments } from '../hooks/use-composer-attachments'
import { AttachmentChips } from './AttachmentChips'
import { useStrings } from '../i18n'
import { onMac } from '../keyboard/platform'
import { SHORTCUTS, sendKeyAccelerators, sendsPrompt, shortcutLabel, type SendKey } from '../keyboard/shortcuts'

interface PromptBoxProps {
  canSend: boolean
  /** Which key sends: Enter, or Ctrl/Cmd+Enter (then Enter makes a new line). Ctrl/Cmd+Enter always sends. */
  sendKey: SendKey
  /** The streams of the conversation on screen: "Stop all" shows while one of them is open. */
  streamIds: ReadonlySet<string>
  /** Resolves to false when the prompt was not accepted; the text (and its attachments) then stay in the box. */
  onSend(prompt: string, attachments: readonly AttachmentRef[]): Promise<boolean>
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
  const attachments = useComposerAttachments()
  const picker = useRef<HTMLInputElement>(null)
  const prompt = text.trim()
  const refs = attachments.ready()
  const sendable = canSend && prompt !== '' && refs !== undefined
  const keys = sendKeyAccelerators(sendKey)

  const submit = async () => {
    if (!sendable) return
    setText('')
    const accepted = await onSend(prompt, refs)
    if (accepted) attachments.clear()
    else setText((current) => current || prompt)
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
    <form className="prompt-box" onSubmit={onSubmit} {...attachments.fileEvents}>
      <AttachmentChips attachments={attachments.items} onRemove={attachments.remove} />
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
          <input
            ref={picker}
            type="file"
            multiple
            hidden
            data-testid="attachment-picker"
            onChange={(event) => {
              attachments.add([...(event.target.files ?? [])])
              event.target.value = ''
            }}
          />
          <button
            type="button"
            className="button"
            data-testid="attach-button"
            aria-label={t.attachments.attachLabel}
            title={t.attachments.attachLabel}
            onClick={() => picker.current?.click()}
          >
            {t.attachments.attach}
          </button>
          {/* Always laid out, hidden while nothing streams, so the composer does not reflow when it comes and goes. */}
          <button
            type="button"
            className="button danger-outline stop-all"
            data-testid="stop-all-button"
            data-idle={!anyStreaming}
            aria-hidden={!anyStreaming}
            disabled={!anyStreaming}
            title={t.withShortcut(t.prompt.stopAll, shortcutLabel(SHORTCUTS.stop))}
            onClick={onStopAll}
          >
            {t.prompt.stopAll}
          </button>
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
