/**
 * Checks the production build (`npm run build`, which `npm test` runs first): what Electron will load must keep
 * native addons external, ship a single sandbox-compatible preload, and carry the strict CSP.
 */
import { readFile, readdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { makePdf } from '../fixtures/attachment-files'

const out = resolve(import.meta.dirname, '../../out')
const read = (path: string) => readFile(join(out, path), 'utf8')

describe('production build', () => {
  it('keeps the native MQTT client and the broker external to the main bundle', async () => {
    const main = await read('main/index.js')
    expect(main).toMatch(/from "aws-iot-device-sdk-v2"/)
    expect(main).toMatch(/from "aedes"/)
    expect(main).not.toMatch(/aws-crt-nodejs\.node/)
    expect(main).toContain('contextIsolation: true')
    expect(main).toContain('sandbox: true')
    expect(main).toContain('nodeIntegration: false')
  })

  it('builds the embedded-model worker as its own entry beside index.js, with node-llama-cpp external', async () => {
    const worker = await read('main/llama-cpp-worker.js')
    expect(worker).toMatch(/from "node-llama-cpp"/)
    expect(worker).toMatch(/from "node:worker_threads"/)
    expect(worker).not.toMatch(/llama-addon\.node/)
    // The main process never loads node-llama-cpp (it reads GGUF headers itself): only the worker does.
    const main = await read('main/index.js')
    expect(main).not.toMatch(/from "node-llama-cpp"|import\("node-llama-cpp"\)/)
    expect(main).toContain('llama-cpp-worker.js')
  })

  it('builds the history import worker as its own entry beside index.js, better-sqlite3 external', async () => {
    const worker = await read('main/history-import-worker.js')
    expect(worker).toMatch(/from "node:worker_threads"/)
    expect(worker).not.toMatch(/better_sqlite3\.node/)
    // The main side starts it by its file name, next to index.js (or one folder up from a shared chunk).
    const mainFiles = [await read('main/index.js')]
    for (const chunk of await readdir(join(out, 'main', 'chunks')).catch(() => [] as string[]))
      mainFiles.push(await read(join('main', 'chunks', chunk)))
    expect(mainFiles.some((text) => text.includes('history-import-worker.js'))).toBe(true)
  })

  it('builds the history search and export workers as entries beside index.js, better-sqlite3 external', async () => {
    const mainFiles = [await read('main/index.js')]
    for (const chunk of await readdir(join(out, 'main', 'chunks')).catch(() => [] as string[]))
      mainFiles.push(await read(join('main', 'chunks', chunk)))
    for (const name of ['history-search-worker', 'history-export-worker']) {
      const worker = await read(`main/${name}.js`)
      expect(worker).toMatch(/from "node:worker_threads"/)
      expect(worker).not.toMatch(/better_sqlite3\.node/)
      // Started by name (lib/start-worker.ts: `<name>.js` beside index.js, also from a shared chunk).
      expect(mainFiles.some((text) => text.includes(`"${name}"`))).toBe(true)
    }
  })

  it('builds the PDF text worker as its own entry beside index.js, the only bundle that loads pdf.js, and it runs', async () => {
    const worker = await read('main/pdf-text-worker.js')
    expect(worker).toMatch(/import\("pdfjs-dist\/legacy\/build\/pdf\.mjs"\)/)
    expect(worker).toMatch(/from "node:worker_threads"/)
    const main = await read('main/index.js')
    expect(main).not.toMatch(/pdfjs-dist/)
    expect(main).toContain('"pdf-text-worker"')
    // The built file itself, as main starts it: a PDF in, its text out.
    const thread = new Worker(join(out, 'main/pdf-text-worker.js'))
    try {
      const next = () => new Promise((resolve, reject) => thread.once('message', resolve).once('error', reject))
      expect(await next()).toBe('ready')
      const reply = next()
      thread.postMessage(await makePdf(['Built worker', 'second page']))
      expect(await reply).toEqual({ ok: true, text: 'Built worker\n\nsecond page', pages: 2 })
    } finally {
      await thread.terminate()
    }
  })

  it('ships the preload as one CommonJS file that requires nothing but electron', async () => {
    expect(await readdir(join(out, 'preload'))).toEqual(['index.cjs'])
    const preload = await read('preload/index.cjs')
    const required = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1])
    expect(new Set(required)).toEqual(new Set(['electron']))
    expect(preload).not.toMatch(/^\s*import\s/m)
    expect(preload).toContain('exposeInMainWorld("streamdesk"')
  })

  it('serves the renderer under a strict Content-Security-Policy with no inline script', async () => {
    const html = await read('renderer/index.html')
    const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? ''
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/)
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
    const assets = await readdir(join(out, 'renderer/assets'))
    expect(assets.some((file) => file.endsWith('.map'))).toBe(false)
  })
})
