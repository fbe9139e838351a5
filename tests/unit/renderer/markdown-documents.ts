/** Markdown documents and generators shared by the incremental-renderer tests. */
import fc from 'fast-check'
import type { MarkdownEngine } from '../../../src-renderer/src/markdown/markdown-engine'
import { createNewlineNormalizer } from '../../../src-renderer/src/markdown/newline-normalizer'
import { displayedWhileStreaming } from '../../../src-renderer/src/markdown/streaming-display'

export const exampleDocuments: Record<string, string> = {
  paragraphs: 'Hello **world**, this is `code`.\nSecond line of the same paragraph.\n\nAnother paragraph.\n',
  headings: '# Title\n\nIntro text.\n\n## Section\nText right after.\n\nSetext\n======\n\nSub\n---\nafter\n',
  tightList: '- one\n- two\n- three\n\nAfter the list.\n',
  looseList: '1. first\n\n2. second\n\n   continued paragraph\n3. third\n\nDone.\n',
  nestedList: '- a\n  - b\n    - c\n  - d\n- e\n\n  para in e\n\nend\n',
  fences:
    'Intro:\n\n```ts\nconst x: number = 1\n\nconsole.log(x)\n```\n\n' +
    '~~~python\ndef f():\n    return "<b>"\n~~~\n\n' +
    '```\nno language\n```\n\n```nosuchlang\n<script>alert(1)</script>\n```\ntext\n',
  blockquotes: '> quoted\n> more\nlazy continuation\n\n> - list in quote\n> - item\n\nplain\n',
  tables: '| a | b |\n| --- | :-: |\n| 1 | 2 |\n| 3 | 4 |\n\nText after table.\n\nx | y\n- | -\nz | w\n',
  mixed:
    'Para\n# Heading interrupts\n***\n- list\n```js\nlet a = 1\n```\n> quote\n1. ordered\n\n    indented code\n\nend',
  referencesBeforeUse:
    '[ref]: https://example.com "Title"\n\nSee [the ref][ref] and [ref].\n\n# More\n\n[ref] again.\n',
  unclosedFence: 'Start\n\n```bash\nollama serve\nollama pull llama3.2\n',
  crlf: 'line one\r\nline two\r\n\r\n# head\r\n\r\n- a\r\n- b\r\n',
  interruptions: 'Foo\n#\nBar\n***\nBaz\n1. item\nQux\n2. not a list\n',
  noTrailingNewline: 'One\n\nTwo *unfinished',
}

const word = fc.constantFrom(
  'alpha',
  'beta',
  '*em*',
  '**strong**',
  '`code`',
  '[link](https://example.com)',
  '[bad](javascript:alert(1))',
  'x_y_z',
  '&amp;',
  '<b>raw</b>',
  'a\\*b',
  '#tag',
  '1.',
  '|',
)
const line = fc.array(word, { minLength: 1, maxLength: 6 }).map((words) => words.join(' '))
const lines = (max: number) => fc.array(line, { minLength: 1, maxLength: max })

const paragraph = lines(3).map((ls) => ls.join('\n'))
const atxHeading = fc.tuple(fc.integer({ min: 1, max: 6 }), line).map(([level, text]) => `${'#'.repeat(level)} ${text}`)
const setextHeading = fc.tuple(line, fc.constantFrom('===', '---')).map(([text, rule]) => `${text}\n${rule}`)
const fence = fc
  .tuple(
    fc.constantFrom('```', '~~~', '````'),
    fc.constantFrom('', 'ts', 'python', 'bash', 'json', 'unknownlang', 'js title="x"'),
    fc.array(fc.constantFrom('const x = 1;', '', '  indented', '```', 'def f():', '<script>x</script>', '{"a": 1}'), {
      maxLength: 5,
    }),
  )
  .map(([marker, info, body]) => [marker + info, ...body, marker].join('\n'))
const bulletList = fc
  .tuple(fc.constantFrom('-', '*', '+'), lines(4), fc.boolean())
  .map(([marker, items, loose]) => items.map((item) => `${marker} ${item}`).join(loose ? '\n\n' : '\n'))
const orderedList = fc
  .tuple(fc.integer({ min: 1, max: 3 }), fc.constantFrom('.', ')'), lines(4), fc.boolean())
  .map(([start, delimiter, items, loose]) =>
    items.map((item, i) => `${start + i}${delimiter} ${item}`).join(loose ? '\n\n' : '\n'),
  )
const nestedList = fc
  .tuple(line, lines(3), line)
  .map(([top, children, next]) => [`- ${top}`, ...children.map((c) => `  - ${c}`), `- ${next}`].join('\n'))
const blockquote = lines(3).map((ls) => ls.map((l) => `> ${l}`).join('\n'))
const table = fc
  .tuple(fc.integer({ min: 1, max: 3 }), fc.array(fc.constantFrom('1', 'two', '`c`', '**b**'), { maxLength: 6 }))
  .map(([columns, cells]) => {
    const row = (values: string[]) => `| ${values.join(' | ')} |`
    const header = row(Array.from({ length: columns }, (_, i) => `h${i}`))
    const delimiter = row(Array.from({ length: columns }, () => '---'))
    const body: string[] = []
    for (let i = 0; i + columns <= cells.length; i += columns) body.push(row(cells.slice(i, i + columns)))
    return [header, delimiter, ...body].join('\n')
  })
const thematicBreak = fc.constantFrom('---', '***', '___', '- - -')
const indentedCode = lines(3).map((ls) => ls.map((l) => `    ${l}`).join('\n'))

export const markdownBlock = fc.oneof(
  paragraph,
  atxHeading,
  setextHeading,
  fence,
  bulletList,
  orderedList,
  nestedList,
  blockquote,
  table,
  thematicBreak,
  indentedCode,
)

/** Blocks joined by one or more newlines (a single newline lets blocks interact: lazy lines, setext, …). */
export const markdownDocument = fc
  .tuple(
    fc.array(fc.tuple(markdownBlock, fc.constantFrom('\n', '\n\n', '\n\n\n', '\r\n', '\r\n\r\n')), { maxLength: 10 }),
    fc.boolean(),
  )
  .map(([parts, trailingNewline]) => {
    const text = parts.map(([block, separator]) => block + separator).join('')
    return trailingNewline ? text : text.trimEnd()
  })

/**
 * Arbitrary text from markdown's significant characters, without ':' so no reference definitions appear (a
 * reference used before its definition is the renderer's documented exception).
 */
export const markdownishNoise = fc
  .array(
    fc.constantFrom(
      'a',
      'b c',
      ' ',
      '  ',
      '\n',
      '\n\n',
      '\r',
      '#',
      '-',
      '*',
      '_',
      '`',
      '```',
      '~~~',
      '>',
      '|',
      '1.',
      '2)',
      '[',
      ']',
      '(',
      ')',
      '=',
      '+',
      '\t',
      '    ',
      '<',
      '&',
      '\\',
      '!',
      '---',
      '***',
    ),
    { maxLength: 80 },
  )
  .map((tokens) => tokens.join(''))

/** Cuts `text` into consecutive pieces whose sizes cycle through `sizes`. */
export function cutIntoPieces(text: string, sizes: readonly number[]): string[] {
  const pieces: string[] = []
  for (let at = 0, i = 0; at < text.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length] ?? 1)
    pieces.push(text.slice(at, at + size))
    at += size
  }
  return pieces
}

/** Numbered words, so text that goes missing cannot hide behind a repeat of itself. */
const words = (count: number, shape: (i: number) => string) => Array.from({ length: count }, (_, i) => shape(i))

/**
 * Model output built to hide text or stall the renderer (issue 15, findings 1 and 7): unclosed `*` and `[` that
 * never let a piece seal, in a paragraph and in a list, and nesting deeper than markdown-it's `maxNesting`
 * (markdown-it dropped everything after it), each followed by text that must still show. `size` scales the first
 * two (issue 15 measured ~0.9 MB).
 */
export function hostileAnswers(size: number): Record<string, string> {
  const unclosed = words(Math.ceil(size / 10), (i) => `*[w${i} `).join('')
  return {
    unclosedParagraph: `${unclosed}\n\nafter the paragraph`,
    unclosedList: `- ${unclosed}\n\nafter the list`,
    deepQuote: `${'>'.repeat(150)} deep quote ${words(50, (i) => `q${i}`).join(' ')}\n\nafter the quote`,
    deepList: `${words(120, (i) => `${'  '.repeat(i)}- item${i}`).join('\n')}\n\nafter the deep list`,
  }
}

/**
 * What a reader can see of a text, for comparing source with screen: its letters and digits. Markup (`*`, `[`,
 * `>`), spacing and punctuation may change between source and screen; words may not. (Link destinations and
 * reference definitions are markup too, so documents compared this way have words only where a reader sees them.)
 */
export function visibleCharacters(text: string): string {
  return text.replace(/[^\p{L}\p{N}]/gu, '')
}

/** Whether every visible character of `source` shows in `shown`, in order (the screen may add labels, markers). */
export function showsAllOf(shown: string, source: string): boolean {
  const [have, need] = [visibleCharacters(shown), visibleCharacters(source)]
  let at = 0
  for (const char of need) {
    at = have.indexOf(char, at) + 1
    if (at === 0) return false
  }
  return true
}

/** What a streaming view shows of `text` (newlines normalized, open delimiters closed, a pending table head held). */
export function displayFormOf(text: string, engine: MarkdownEngine): string {
  const normalizer = createNewlineNormalizer()
  const normalized = normalizer.push(text) + normalizer.flush()
  return displayedWhileStreaming(normalized, engine.topLevelBlocks(normalized).at(-1))
}
