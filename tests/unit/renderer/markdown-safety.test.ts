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

describe('markdown URLs from model output', () => {
  const imgSources = (html: string) => [...html.matchAll(/<img src="([^"]*)"/g)].map((match) => match[1])
  const hrefs = (html: string) => [...html.matchAll(/href="([^"]*)"/g)].map((match) => match[1])

  it('fetches images only from https: and raster data:image URLs', () => {
    expect(imgSources(render('![a](https://example.com/a.png)'))).toEqual(['https://example.com/a.png'])
    for (const type of ['png', 'jpeg', 'gif', 'webp']) {
      expect(imgSources(render(`![a](data:image/${type};base64,AAAA)`))).toEqual([`data:image/${type};base64,AAAA`])
    }
  })

  it('shows every other image as its source text, never as an <img> (relative, protocol-relative, file, svg)', () => {
    for (const url of [
      '//attacker.example/share/x.png',
      '\\\\attacker.example\\share\\x.png',
      '../../../../etc/hostname',
      'x.png',
      '/etc/hostname',
      'file:///etc/hostname',
      'data:image/svg+xml;base64,AAAA',
      'data:text/html;base64,AAAA',
      'https:x.png',
      'https:/x.png',
      'ftp://host/x.png',
    ]) {
      const html = render(`![alt text](${url})`)
      expect(html, url).not.toMatch(/<img|href=|src=/)
      expect(html, url).toContain('alt text')
    }
  })

  it('turns an http: image into a link to it, with its alt text, instead of fetching it', () => {
    expect(render('![the chart](http://example.com/chart.png)')).toBe(
      '<p><a href="http://example.com/chart.png" target="_blank" rel="noreferrer noopener">the chart</a></p>\n',
    )
  })

  it('keeps absolute http(s) and mailto links, and shows relative, protocol-relative and data: links as text', () => {
    expect(hrefs(render('[a](https://a.example/x) [b](http://b.example) [c](mailto:me@example.com)'))).toEqual([
      'https://a.example/x',
      'http://b.example',
      'mailto:me@example.com',
    ])
    for (const url of [
      '//attacker.example/x',
      'relative/page',
      '../up',
      '/root',
      '#top',
      '?q=1',
      'http:x',
      'data:image/png;base64,AA',
    ]) {
      const html = render(`[label](${url})`)
      expect(html, url).not.toMatch(/<a|href=/)
      expect(html, url).toContain(`[label](${url.replace('&', '&amp;')})`)
    }
    // Reference definitions and autolinks go through the same check.
    expect(render('[r]: //attacker.example/x\n\n[r]')).not.toContain('<a')
    expect(render('<//attacker.example/x>')).not.toContain('<a')
  })
})

describe('bidi controls in model output', () => {
  const controls = [
    '\u202A',
    '\u202B',
    '\u202C',
    '\u202D',
    '\u202E',
    '\u2066',
    '\u2067',
    '\u2068',
    '\u2069',
    '\u200E',
    '\u200F',
    '\u061C',
  ]
  const marker = (char: string) => `⟦U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}⟧`

  it('shows each control as a visible marker in link text, so a link cannot pose as another domain', () => {
    for (const char of controls) {
      const html = render(`[example.com/${char}moc.live](https://evil.example) <https://evil.example/${char}x>`)
      expect(html).not.toContain(char)
      expect(html).toContain(`>example.com/${marker(char)}moc.live</a>`)
      expect(html).toContain(`>https://evil.example/${marker(char)}x</a>`)
    }
    expect(render('![x\u202Ey](http://example.com/a.png)')).toContain(`>x${marker('\u202E')}y</a>`)
  })

  it('shows them in code: fences (highlighted or not), indented code and inline code', () => {
    const engine = createMarkdownEngine()
    const source = '```js\nlet ok = 1 /*\u202E } \u2066*/\n```\n\n    indented\u200F\n\nsee `a\u202Eb`\n'
    for (const html of [engine.render(source, {}).html, engine.renderHighlighted(source, {})]) {
      for (const char of ['\u202E', '\u2066', '\u200F']) expect(html).not.toContain(char)
      expect(html).toContain(marker('\u2066'))
      expect(html).toContain(`<code>a${marker('\u202E')}b</code>`)
      expect(html).toContain(`indented${marker('\u200F')}`)
    }
  })

  it('leaves them alone in prose, where right-to-left text needs marks like U+200F', () => {
    expect(render('שלום\u200F world')).toBe('<p>שלום\u200F world</p>\n')
  })
})

describe('nesting deeper than markdown-it renders', () => {
  it('shows the rest of a too-deep blockquote as plain text instead of dropping it', () => {
    const html = render(`${'>'.repeat(150)} deep text\nmore text\n\nafter`)
    for (const text of ['deep text', 'more text', '<p>after</p>']) expect(html).toContain(text)
    expect(html).toContain('<p class="md-plain">&gt;&gt;')
  })

  it('shows the rest of a too-deep list as plain text, every item included', () => {
    const items = Array.from({ length: 120 }, (_, i) => `${'  '.repeat(i)}- item${i}`)
    const html = render(`${items.join('\n')}\n\nafter the list`)
    for (let i = 0; i < 120; i++) expect(html).toMatch(new RegExp(`item${i}\\b`))
    expect(html).toContain('<p>after the list</p>')
    expect(html).toContain('<p class="md-plain">')
  })
})
