import { describe, expect, it } from 'vitest'
import { splitCommandHint } from '../../../src-renderer/src/format/command-hint'
import { describeError } from '../../../src-renderer/src/format/describe-error'
import { en } from '../../../src-renderer/src/i18n/en'

describe('splitCommandHint', () => {
  it('takes backticked text as commands', () => {
    expect(splitCommandHint('Start Ollama: `ollama serve`, then `ollama pull llama3.2`.')).toEqual([
      { text: 'Start Ollama: ', isCommand: false },
      { text: 'ollama serve', isCommand: true },
      { text: ', then ', isCommand: false },
      { text: 'ollama pull llama3.2', isCommand: true },
      { text: '.', isCommand: false },
    ])
  })

  it('recognizes well-known CLIs in plain text, without the sentence punctuation', () => {
    expect(splitCommandHint('Is Ollama running? Start it with ollama serve, then ollama pull llama3.2.')).toEqual([
      { text: 'Is Ollama running? Start it with ', isCommand: false },
      { text: 'ollama serve', isCommand: true },
      { text: ', then ', isCommand: false },
      { text: 'ollama pull llama3.2', isCommand: true },
      { text: '.', isCommand: false },
    ])
    expect(splitCommandHint('Check the API key.')).toEqual([{ text: 'Check the API key.', isCommand: false }])
  })
})

describe('describeError', () => {
  it('strips the Electron invoke wrapper', () => {
    const error = new Error("Error invoking remote method 'settings:save-model': Error: baseUrl must be an http(s) URL")
    expect(describeError(error, en)).toBe('baseUrl must be an http(s) URL')
    expect(describeError('plain', en)).toBe('plain')
    expect(describeError(undefined, en)).toBe('Something went wrong.')
  })

  it('keeps only the reason of a refused argument, as a sentence', () => {
    const refused = (message: string) => new Error(`Error invoking remote method 'x': IpcRequestError: ${message}`)
    expect(describeError(refused('Invalid arguments for auth:sign-in at 0: enter a valid email address'), en)).toBe(
      'Enter a valid email address.',
    )
    expect(
      describeError(
        refused(
          'Invalid arguments for settings:set-preferences at 0.quickAskShortcut: "Hyper" is not a modifier key (use Ctrl).',
        ),
        en,
      ),
    ).toBe('"Hyper" is not a modifier key (use Ctrl).')
    expect(describeError('Invalid arguments for auth:sign-out: rejected', en)).toBe('Rejected.')
  })
})
