import { describe, expect, it } from 'vitest'
import { en } from '../../../src-renderer/src/i18n/en'
import { ja } from '../../../src-renderer/src/i18n/ja'
import {
  downloadErrorText,
  messageLine,
  messageText,
  streamErrorText,
} from '../../../src-renderer/src/i18n/main-message'
import { describeError } from '../../../src-renderer/src/format/describe-error'
import {
  MAX_DETAIL_CHARS,
  decodeUserMessage,
  encodeUserMessage,
  userMessage,
  type AnswerErrorCode,
  type MessageKey,
  type MessageParams,
  type UserMessage,
} from '../../../src-main/shared/user-message'

// One sample per key: a key added to the contract without a sample here does not compile.
const SAMPLES: { [K in MessageKey]: MessageParams[K] } = {
  'model:ready': { model: 'llama3.2', server: 'http://127.0.0.1:11434/v1' },
  'model:file-ready': { file: 'qwen.gguf', quantization: 'Q4_K_M' },
  'model:file-unusable': { file: 'broken.gguf' },
  'model:not-configured': { modelId: 'ghost-model' },
  'server:bad-address': { address: 'ftp://nowhere' },
  'server:not-answering': { server: 'http://127.0.0.1:11434/v1' },
  'server:refused': { server: 'https://api.example.com/v1', status: 401 },
  'server:bad-model-list': { server: 'http://127.0.0.1:8080', status: 404 },
  'server:missing-model': { server: 'http://127.0.0.1:11434/v1', model: 'mistral', available: ['llama3.2', 'qwen3'] },
  'server:key-over-http': {},
  'hint:enter-api-root': {},
  'hint:start-ollama': {},
  'hint:start-lm-studio': {},
  'hint:start-any-server': {},
  'hint:check-key': {},
  'hint:add-key': {},
  'hint:check-api-root': {},
  'hint:ollama-pull': { model: 'mistral' },
  'hint:load-model': { model: 'mistral' },
  'hint:confirm-key-over-http': {},
  'attachment:empty': {},
  'attachment:too-large': { sizeBytes: 31_000_000, limitBytes: 30_000_000 },
  'attachment:image-too-large': {},
  'attachment:unsupported-type': { type: 'ZIP' },
  'attachment:not-a-file': {},
  'attachment:not-utf8': {},
  'attachment:damaged-image': {},
  'attachment:damaged-pdf': {},
  'attachment:pdf-too-long': { pages: 700, maxPages: 500 },
  'attachment:pdf-too-much-text': { limitBytes: 2_000_000 },
  'attachment:pdf-too-slow': {},
  'attachment:pdf-too-large': {},
  'attachment:bad-name': { name: 'con.txt' },
  'attachment:gone': {},
  'history:change-failed': { reason: 'read-only' },
  'history:save-failed': { reason: 'disk-full' },
  'history:saving-again': {},
  'history:change-kept': {},
  'history:too-many-kept': {},
  'history:kept-change-lost': { change: 'rename', title: 'Trip to Kyoto' },
  'history:import-refused': { failure: 'too-large', imported: 12, limitMb: 400 },
  'history:conversation-gone': {},
  'history:export-failed': { failure: 'bad-target' },
  'history:no-backup': { date: '2026-12-06' },
  'history:backup-damaged': { date: '2026-12-05' },
  'history:backup-failed': {},
  'history:damaged': { backupDir: '/home/u/.config/StreamDesk/backups' },
  'settings:set-aside': { path: '/home/u/.config/StreamDesk/settings.json.damaged-2026-12-07T10-00-00-000Z' },
  'settings:key-unreadable': { model: 'Remote' },
  'history:opened-read-only': { reason: 'disk-full' },
  'history:not-opened': { reason: 'read-only' },
  'history:interrupted': { count: 3 },
  'history:salvaged': {
    fromFile: 58,
    fromBackup: 2,
    completed: 1,
    backupDate: '2026-12-06',
    path: '/home/u/.config/StreamDesk/history.sqlite.corrupt-2026-12-07',
  },
  'history:salvaged-nothing': {
    hadBackup: false,
    path: '/home/u/.config/StreamDesk/history.sqlite.corrupt-2026-12-07',
  },
  'shortcut:refused': { accelerator: 'Alt+K' },
  'auth:error': { reason: 'incorrect-credentials' },
  'cloud:config-invalid': { output: 'streamdesk_cloud_config' },
  'cloud:credentials-failed': {},
  'cloud:backend-older': {},
  'cloud:app-older': {},
}
const keys = Object.keys(SAMPLES) as MessageKey[]
const sample = (key: MessageKey): UserMessage => userMessage(key, SAMPLES[key] as never)
/** The words a message must carry in every language: its names, numbers and formatted sizes. */
/** Enumerated params (a write failure, a kind of change, a sign-in failure) are worded, not shown as they are. */
const ENUMERATED = new Set(['reason', 'change', 'failure'])
const visibleParams = (key: MessageKey): string[] =>
  Object.entries(SAMPLES[key] as Record<string, unknown>).flatMap(([name, value]) =>
    ENUMERATED.has(name)
      ? []
      : typeof value === 'string'
        ? [value]
        : Array.isArray(value)
          ? value.map(String)
          : typeof value === 'number' && value < 10_000
            ? [String(value)]
            : [],
  )

describe('messages from the main process', () => {
  it('every key of the contract has its words in both catalogs (and no other key)', () => {
    expect(Object.keys(en.mainMessage.messages).sort()).toEqual([...keys].sort())
    expect(Object.keys(ja.mainMessage.messages).sort()).toEqual([...keys].sort())
  })

  it.each(keys)('%s renders in English and Japanese with its params', (key) => {
    const english = messageText(en, sample(key))
    const japanese = messageText(ja, sample(key))
    for (const text of [english, japanese]) {
      expect(text.trim()).not.toBe('')
      expect(text).not.toBe(en.mainMessage.unknown)
      expect(text).not.toBe(ja.mainMessage.unknown)
      expect(text).not.toContain('undefined')
      for (const value of visibleParams(key)) expect(text).toContain(value)
    }
    // Translated, not English left behind: Japanese text has kana or kanji.
    expect(japanese).not.toBe(english)
    expect(japanese).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/)
  })

  it("words each sign-in failure in both languages, with Cognito's own text (its password policy) as detail", () => {
    for (const reason of ['network', 'invite-only', 'password-policy', 'unexpected'] as const) {
      const message = userMessage('auth:error', { reason })
      expect(messageText(en, message)).not.toBe(messageText(ja, message))
      expect(messageText(ja, message)).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/)
    }
    const policy = userMessage('auth:error', { reason: 'password-policy' }, 'Password must have uppercase characters')
    expect(messageLine(ja, policy)).toBe(
      'パスワードが要件を満たしていません。 詳細: Password must have uppercase characters',
    )
  })

  it('names the kind of a change lost after a full disk in each language', () => {
    expect(messageText(en, sample('history:kept-change-lost'))).toContain('(a rename in “Trip to Kyoto”)')
    expect(messageText(ja, sample('history:kept-change-lost'))).toContain('「Trip to Kyoto」の名前の変更')
  })

  it('sizes are formatted, in both languages', () => {
    expect(messageText(en, sample('attachment:too-large'))).toContain('31.0 MB')
    expect(messageText(ja, sample('attachment:too-large'))).toContain('30.0 MB')
  })

  it('keeps commands as commands (backticked) in both languages', () => {
    expect(messageText(en, sample('hint:ollama-pull'))).toContain('`ollama pull mistral`')
    expect(messageText(ja, sample('hint:ollama-pull'))).toContain('`ollama pull mistral`')
  })

  it('shows the server’s own words after the message, labelled in the UI language', () => {
    const refused = userMessage('server:refused', { server: 'https://api.example.com/v1', status: 401 }, 'Bad key')
    expect(messageLine(en, refused)).toBe(
      'The server at https://api.example.com/v1 refused the request (HTTP 401). Server said: Bad key',
    )
    expect(messageLine(ja, refused)).toBe(
      'https://api.example.com/v1 のサーバーが要求を拒否しました（HTTP 401）。 サーバーの応答: Bad key',
    )
  })

  it('a key this window does not know (a newer main) gives the generic message with the detail, no crash', () => {
    const newer = { key: 'model:from-the-future', params: { x: 1 }, detail: 'quota of the future' }
    expect(messageLine(ja, newer)).toBe('問題が発生しました。 詳細: quota of the future')
    expect(messageText(en, newer)).toBe('Something went wrong.')
    // Params a known key cannot use (a newer main changed them) fall back too.
    expect(messageText(en, { key: 'server:missing-model', params: { available: 'not a list' } })).toBe(
      'Something went wrong.',
    )
    // Keys of Object.prototype are not messages.
    expect(messageText(en, { key: 'toString', params: {} })).toBe('Something went wrong.')
  })

  it('every answer error code has a headline in both languages; unknown codes get the generic one', () => {
    const codes = Object.keys(en.mainMessage.streamError) as AnswerErrorCode[]
    expect(codes).toContain('unauthorized')
    for (const code of codes) {
      expect(streamErrorText(ja, code)).not.toBe(streamErrorText(en, code))
      expect(streamErrorText(ja, code)).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/)
    }
    expect(streamErrorText(ja, 'some-new-code')).toBe(ja.mainMessage.unknown)
  })

  it('every download error code has its reason in both languages; unknown codes get the generic one', () => {
    const codes = Object.keys(en.mainMessage.downloadError)
    expect(codes).toContain('checksum')
    for (const code of codes) {
      expect(downloadErrorText(ja, code)).not.toBe(downloadErrorText(en, code))
      expect(downloadErrorText(ja, code)).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/)
    }
    expect(downloadErrorText(en, 'constructor')).toBe(en.mainMessage.unknown)
  })
})

describe('keyed messages through a rejected invoke', () => {
  const keyed = userMessage('attachment:unsupported-type', { type: 'ZIP' }, 'application/zip')
  const wrapped = (english: string) =>
    new Error(`Error invoking remote method 'attachments:add': Error: ${encodeUserMessage(english, keyed)}`)

  it('the renderer words it in its language, whatever wraps it', () => {
    const error = wrapped('This file is ZIP (application/zip), which cannot be attached.')
    expect(describeError(error, ja)).toBe(
      'このファイル（ZIP）は添付できません。画像（PNG、JPEG、WebP、GIF）、PDF、テキストファイルを添付してください。 詳細: application/zip',
    )
    expect(describeError(error, en)).toContain('This file is ZIP, which cannot be attached')
  })

  it('the English text before the marker stays for logs, and a broken tail is ignored', () => {
    expect(decodeUserMessage(encodeUserMessage('For the log.', keyed))).toEqual({
      english: 'For the log.',
      message: keyed,
    })
    const broken = `${encodeUserMessage('Plain words.', keyed).slice(0, -3)}`
    expect(decodeUserMessage(broken)).toEqual({ english: 'Plain words.' })
    expect(describeError(new Error(broken), en)).toBe('Plain words.')
  })

  it('a detail is bounded and kept on one line', () => {
    const long = userMessage('history:backup-failed', {}, `line one\n${'x'.repeat(5000)}`)
    expect(long.detail!.length).toBe(MAX_DETAIL_CHARS + 1)
    expect(long.detail).toMatch(/^line one x+…$/)
    expect(userMessage('history:backup-failed', {}, '  ').detail).toBeUndefined()
    const hostile = JSON.stringify({ key: 'history:backup-failed', params: {}, detail: 'y'.repeat(10_000) })
    expect(decodeUserMessage(`x ⟦streamdesk-message⟧${hostile}`).message!.detail!.length).toBe(MAX_DETAIL_CHARS + 1)
  })
})
