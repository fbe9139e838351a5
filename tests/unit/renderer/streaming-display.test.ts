import { describe, expect, it } from 'vitest'
import { IncrementalMarkdown, viewHtml } from '../../../src-renderer/src/markdown/incremental-markdown'
import { createMarkdownEngine } from '../../../src-renderer/src/markdown/markdown-engine'
import { closeOpenLine, displayedWhileStreaming } from '../../../src-renderer/src/markdown/streaming-display'

const engine = createMarkdownEngine()
const displayed = (text: string) => displayedWhileStreaming(text, engine.topLevelBlocks(text).at(-1))

describe('closeOpenLine', () => {
  it.each([
    ['For a **d', 'For a **d**'],
    ['For a **bold ', 'For a **bold** '],
    ['**done** and *it', '**done** and *it*'],
    ['_it', '_it_'],
    ['__strong', '__strong__'],
    ['~~gone', '~~gone~~'],
    ['**Use `npm i', '**Use `npm i`**'],
    ['***both', '***both***'],
    ['***both* still', '***both* still**'],
  ])('closes what is open: %j', (line, shown) => {
    expect(closeOpenLine(line)).toBe(shown)
  })

  it.each([
    ['For a **', 'For a '],
    ['**bold*', '**bold**'],
    ['Run `', 'Run '],
    ['x ~~', 'x '],
  ])('drops a delimiter run at the very end (nothing to format yet): %j', (line, shown) => {
    expect(closeOpenLine(line)).toBe(shown)
  })

  it.each([
    'plain words',
    'a*b and 2 * 3',
    'snake_case_name',
    '\\*not emphasis',
    '~x',
    'code `a**b` done',
    '``a ` b`` c',
    '**closed** and __closed__',
  ])('leaves a line with nothing open as it is: %j', (line) => {
    expect(closeOpenLine(line)).toBe(line)
  })
})

describe('displayedWhileStreaming', () => {
  it('touches only the unfinished last line', () => {
    expect(displayed('A **b\nc')).toBe('A **b\nc')
    expect(displayed('Intro\n\nFor a **d')).toBe('Intro\n\nFor a **d**')
    expect(displayed('- **Speed**: fast\n- **Sa')).toBe('- **Speed**: fast\n- **Sa**')
    expect(displayed('## The **m')).toBe('## The **m**')
  })

  it('holds back a table header until its delimiter row is complete', () => {
    expect(displayed('| Name | Kind |')).toBe('')
    expect(displayed('Intro\n\n| Name | Kind |\n')).toBe('Intro\n\n')
    expect(displayed('Intro\n\n| Name | Kind |\n| --- |')).toBe('Intro\n\n')
    expect(displayed('Intro\n\n| Name | Kind |\n| --- | :')).toBe('Intro\n\n')
    const table = 'Intro\n\n| Name | Kind |\n| --- | --- |\n| SQ'
    expect(displayed(table)).toBe(table)
    expect(displayed('| a | b |\nnot a delimiter row')).toBe('| a | b |\nnot a delimiter row')
  })

  it('never changes code', () => {
    for (const code of ['```js\nconst a = `x', '- a\n  ```js\n  x = `y', '    a **b', '> ```\n> **x']) {
      expect(displayed(code)).toBe(code)
    }
  })
})

describe('IncrementalMarkdown while streaming', () => {
  it('shows an open ** as bold at once, and markdown-it`s literal text if the stream ends without a closer', () => {
    const doc = new IncrementalMarkdown(engine)
    expect(viewHtml(doc.sync('For a **d', false))).toBe('<p>For a <strong>d</strong></p>\n')
    expect(viewHtml(doc.sync('For a **durable** pick', false))).toBe('<p>For a <strong>durable</strong> pick</p>\n')
    const cut = new IncrementalMarkdown(engine)
    cut.sync('For a **d', false)
    expect(viewHtml(cut.sync('For a **d', true))).toBe('<p>For a **d</p>\n')
  })

  it('shows no paragraph of pipes before a table`s delimiter row', () => {
    const doc = new IncrementalMarkdown(engine)
    expect(viewHtml(doc.sync('Compare:\n\n| Name | Kind |\n| --', false))).toBe('<p>Compare:</p>\n')
    expect(viewHtml(doc.sync('Compare:\n\n| Name | Kind |\n| --- | --- |\n', false))).toContain('<th>Name</th>')
  })
})
