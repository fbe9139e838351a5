/**
 * highlight.js core with a handful of common languages (the full bundle is ~1 MB). Unknown languages return '',
 * which tells markdown-it to fall back to escaped plain code.
 */
import hljs from 'highlight.js/lib/core'
import bash from 'highlight.js/lib/languages/bash'
import c from 'highlight.js/lib/languages/c'
import cpp from 'highlight.js/lib/languages/cpp'
import css from 'highlight.js/lib/languages/css'
import go from 'highlight.js/lib/languages/go'
import java from 'highlight.js/lib/languages/java'
import javascript from 'highlight.js/lib/languages/javascript'
import json from 'highlight.js/lib/languages/json'
import markdown from 'highlight.js/lib/languages/markdown'
import python from 'highlight.js/lib/languages/python'
import rust from 'highlight.js/lib/languages/rust'
import sql from 'highlight.js/lib/languages/sql'
import typescript from 'highlight.js/lib/languages/typescript'
import xml from 'highlight.js/lib/languages/xml'
import yaml from 'highlight.js/lib/languages/yaml'

const languages = { bash, c, cpp, css, go, java, javascript, json, markdown, python, rust, sql, typescript, xml, yaml }
for (const [name, definition] of Object.entries(languages)) hljs.registerLanguage(name, definition)
// Names models commonly put on fences that the bundled definitions do not alias themselves.
hljs.registerAliases(['shell', 'console', 'zsh'], { languageName: 'bash' })
hljs.registerAliases(['jsonc', 'json5'], { languageName: 'json' })

export function isKnownLanguage(language: string): boolean {
  return language !== '' && hljs.getLanguage(language.toLowerCase()) !== undefined
}

/** Highlighted HTML (hljs escapes the code itself), or '' for an unknown language. */
export function highlightCode(code: string, language: string): string {
  if (!isKnownLanguage(language)) return ''
  try {
    return hljs.highlight(code, { language: language.toLowerCase(), ignoreIllegals: true }).value
  } catch {
    return ''
  }
}
