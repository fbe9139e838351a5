/**
 * The production renderer (`npm run build`) as the app:// scheme serves it: every file the build emits is served
 * through the same mapping the Electron shell uses, byte for byte, and the pages' own script and style URLs,
 * resolved against `app://streamdesk/<page>`, name files that are served (nothing the build emits is refused).
 */
import { readFile, readdir } from 'node:fs/promises'
import { join, relative, resolve, sep } from 'node:path'
import { describe, expect, it } from 'vitest'
import { APP_BASE_URL, readAppFile } from '../../src-main/shell/app-scheme'

const rendererDir = resolve(import.meta.dirname, '../../out/renderer')

async function builtFiles(dir = rendererDir): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const nested = await Promise.all(
    entries.map((entry) => (entry.isDirectory() ? builtFiles(join(dir, entry.name)) : [join(dir, entry.name)])),
  )
  return nested.flat()
}

describe('the built renderer over app://', () => {
  it('serves every file of the build, unchanged', async () => {
    const files = await builtFiles()
    expect(files.map((file) => relative(rendererDir, file))).toEqual(
      expect.arrayContaining(['index.html', 'quick-ask.html']),
    )
    for (const file of files) {
      const url = APP_BASE_URL + relative(rendererDir, file).split(sep).map(encodeURIComponent).join('/')
      const served = await readAppFile('GET', url, rendererDir)
      expect(served.ok, url).toBe(true)
      expect(served.ok && served.body.equals(await readFile(file))).toBe(true)
    }
  })

  it("serves the scripts, styles and icon each page links to, with the page's relative URLs", async () => {
    for (const page of ['index.html', 'quick-ask.html']) {
      const html = await readFile(join(rendererDir, page), 'utf8')
      const links = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!)
      expect(links.length).toBeGreaterThan(1)
      for (const link of links) {
        const url = new URL(link, APP_BASE_URL + page).href
        expect(url.startsWith(APP_BASE_URL), url).toBe(true)
        expect((await readAppFile('GET', url, rendererDir)).ok, url).toBe(true)
      }
    }
  })
})
