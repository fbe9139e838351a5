/**
 * A worker thread on one of the app's own modules. Bundled (electron-vite), the module is its own entry beside the
 * bundle that starts it, `<name>.js` (electron.vite.config.ts lists each). From source (vitest, the tsx-run harness
 * and bench) it is TypeScript, which Node's worker threads cannot load by themselves, so a two-line bootstrap
 * imports it through tsx's `tsImport`.
 */
import { createRequire } from 'node:module'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker, type WorkerOptions } from 'node:worker_threads'

/** The worker module `name` beside the caller's module (`import.meta.url`): `.ts` from source, `.js` bundled. */
export function workerFile(callerUrl: string, name: string): string {
  const caller = fileURLToPath(callerUrl)
  if (caller.endsWith('.ts')) return join(dirname(caller), `${name}.ts`)
  // Bundled, code shared by several entries sits in a chunk one folder down; the entries are beside the main one.
  const folder = basename(dirname(caller)) === 'chunks' ? dirname(dirname(caller)) : dirname(caller)
  return join(folder, `${name}.js`)
}

export function startWorker(file: string, options: WorkerOptions): Worker {
  if (!file.endsWith('.ts')) return new Worker(file, options)
  const tsxPackage = createRequire(import.meta.url).resolve('tsx/package.json')
  const tsxApi = pathToFileURL(join(dirname(tsxPackage), 'dist', 'esm', 'api', 'index.mjs')).href
  const source = pathToFileURL(file).href
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ tsImport }) => tsImport(${JSON.stringify(source)}, ${JSON.stringify(import.meta.url)}))`
  return new Worker(bootstrap, { ...options, eval: true })
}
