import { describe, expect, it } from 'vitest'
import { createMarkdownEngine } from '../../../src-renderer/src/markdown/markdown-engine'

const render = (text: string) => createMarkdownEngine().render(text, {}).html

describe('markdown safety', () => {
  it('shows raw HTML as text', () => {
    const html = render(
      'Look: <img src=x onerror=alert(1)> and <script>alert(2)</script>\n\n<div onclick="x()">hi</div>',
    )
    expect(html).not.toMatch(/<img|<script|<div onclick/)
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(html).toContain('&lt;script&gt;alert(2)&lt;/script&gt;')
  })

  it('does not turn javascript:, vbscript: or file: URLs into links', () => {
    for (const url of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'vbscript:msgbox(1)', 'file:///etc/passwd']) {
      const html = render(`[x](${url})`)
      expect(html).not.toContain('<a')
      expect(html).not.toMatch(/href=/)
    }
    expect(render('[x]: javascript:alert(1)\n\n[x]')).not.toContain('<a')
  })

  it('opens links in a new window without a referrer and does not linkify bare URLs', () => {
    expect(render('[docs](https://example.com/a?b=1&c=2)')).toBe(
      '<p><a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noreferrer noopener">docs</a></p>\n',
    )
    expect(render('see https://example.com')).toBe('<p>see https://example.com</p>\n')
  })

  it('escapes code, highlighted or not, and the fence language label', () => {
    const engine = createMarkdownEngine()
    const source =
      '```ts"><img src=x onerror=alert(1)>\n<script>alert(1)</script>\n```\n\n' +
      '```html\n<script>alert(1)</script>\n```\n'
    for (const html of [engine.render(source, {}).html, engine.renderHighlighted(source, {})]) {
      expect(html).not.toMatch(/<script|<img/)
    }
    expect(engine.renderHighlighted(source, {})).toContain('<span class="hljs-')
  })

  it('renders a Copy button per code block, as plain markup with no handler', () => {
    const html = render('```js\nlet a\n```\n\n    indented\n')
    expect(html.match(/class="code-copy"/g)).toHaveLength(1)
    expect(html).not.toMatch(/on\w+=/)
  })
})
