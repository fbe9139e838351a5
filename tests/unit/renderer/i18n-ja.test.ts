import { describe, expect, it } from 'vitest'
import { en } from '../../../src-renderer/src/i18n/en'
import { ja } from '../../../src-renderer/src/i18n/ja'

type Tree = { [key: string]: unknown }

/** Every leaf as a dotted path with its kind: the compiler checks `ja satisfies Strings`, this checks at run time. */
function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const found = new Map<string, string>()
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix + key
    if (value !== null && typeof value === 'object')
      for (const [p, kind] of leaves(value as Tree, `${path}.`)) found.set(p, kind)
    else found.set(path, typeof value)
  }
  return found
}

const at = (tree: object, path: string): unknown =>
  path.split('.').reduce<unknown>((node, key) => (node as Tree)[key], tree)

/** Calls a string function with sample arguments of the types its English twin takes. */
function sample(fn: (...args: unknown[]) => unknown, length: number): unknown {
  return fn(...Array.from({ length }, (_, i) => (i % 2 === 0 ? 3 : 5)))
}

describe('Japanese UI strings', () => {
  const english = leaves(en)
  const japanese = leaves(ja)

  it('have every key of the English ones, with the same kind (text or function), and no other', () => {
    expect([...japanese.keys()].sort()).toEqual([...english.keys()].sort())
    for (const [path, kind] of english) expect(japanese.get(path), path).toBe(kind)
  })

  it('are never empty, and functions take the same arguments', () => {
    for (const path of english.keys()) {
      const value = at(ja, path)
      const twin = at(en, path)
      if (typeof value === 'string') expect(value.trim(), path).not.toBe('')
      // Main's messages take one params object: main-messages.test.ts calls each with real params.
      else if (path.startsWith('mainMessage.messages.')) expect(typeof value, path).toBe('function')
      else {
        const fn = value as (...args: unknown[]) => unknown
        expect(fn.length, path).toBe((twin as (...args: unknown[]) => unknown).length)
        expect(String(sample(fn, fn.length)).trim(), path).not.toBe('')
      }
    }
  })

  it('are translated: the visible labels are Japanese, not English left behind', () => {
    expect(ja.prompt.send).toBe('送信')
    expect(ja.locale).toBe('ja')
    // Names, URLs and file formats stay as they are; everything else differs from English.
    const same = [...english.keys()].filter((path) => typeof at(ja, path) === 'string' && at(ja, path) === at(en, path))
    expect(same.sort()).toEqual(
      [
        'appName',
        'attachments.kind.pdf',
        'cloud.proxyPlaceholder',
        'history.json',
        'history.markdown',
        'modelDefaults.baseUrl',
        'modelDefaults.model',
        // A dash for an unknown figure reads the same in both languages.
        'metrics.unknown',
      ].sort(),
    )
  })
})
