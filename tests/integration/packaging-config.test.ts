/**
 * The electron-builder configuration (package.json "build") against what the main bundles really load (index.js,
 * the embedded-model worker and their shared chunks): every package with a native addon that they reach must be
 * unpacked from the asar, and only V8-ABI addons (binding.gyp) are rebuilt for Electron; aws-crt and
 * node-llama-cpp are N-API with prebuilt binaries and must not be.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '../..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const build = pkg.build as { files: string[]; asarUnpack: string[]; npmRebuild: boolean }

/** Every JavaScript file of the main-process build (entries and chunks). */
function mainBundles(dir = join(root, 'out/main')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? mainBundles(join(dir, entry.name))
      : entry.name.endsWith('.js')
        ? [join(dir, entry.name)]
        : [],
  )
}

/** Bare package names the main bundles import (their externals), statically or with import(). */
function bundleExternals(): string[] {
  const main = mainBundles()
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n')
  const specifiers = [...main.matchAll(/(?:from|import)\s*\(?\s*"([^".][^"]*)"/g)].map((m) => m[1]!)
  const names = specifiers
    .filter((s) => !s.startsWith('node:') && s !== 'electron')
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!))
  return [...new Set(names)]
}

/** `<dir>/node_modules/<name>/package.json` in `from` or the nearest folder above it that has one. */
function packageFolderManifest(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name, 'package.json')
    if (existsSync(candidate)) return candidate
    if (dirname(dir) === dir) return undefined
  }
}

/** The production dependency closure of the given packages, as package directories. */
function closure(names: string[]): Map<string, string> {
  const found = new Map<string, string>()
  const visit = (name: string, from: string) => {
    let manifest: string | undefined
    try {
      manifest = createRequire(join(from, 'noop.js')).resolve(`${name}/package.json`)
    } catch {
      manifest = packageFolderManifest(name, from) // its exports do not list package.json
    }
    if (!manifest) return // an optional dependency for another platform, not installed
    const dir = dirname(manifest)
    if (found.has(dir)) return
    found.set(dir, name)
    // Optional dependencies too: node-llama-cpp's binaries come as optional per-platform packages.
    const { dependencies = {}, optionalDependencies = {} } = JSON.parse(readFileSync(manifest, 'utf8'))
    for (const dep of Object.keys({ ...dependencies, ...optionalDependencies })) visit(dep, dir)
  }
  for (const name of names) visit(name, root)
  return found
}

function hasNativeAddon(dir: string): boolean {
  const walk = (path: string, depth: number): boolean =>
    depth < 6 &&
    readdirSync(path, { withFileTypes: true }).some((entry) =>
      entry.isDirectory()
        ? entry.name !== 'node_modules' && walk(join(path, entry.name), depth + 1)
        : entry.name.endsWith('.node'),
    )
  return walk(dir, 0)
}

const unpacked = (name: string) => {
  const scope = name.startsWith('@') ? name.split('/')[0] : undefined
  const globs = [
    `node_modules/${name}/**`,
    `**/node_modules/${name}/**`,
    ...(scope ? [`node_modules/${scope}/**`] : []),
  ]
  return build.asarUnpack.some((glob) => globs.includes(glob))
}

describe('packaging configuration', () => {
  const externals = bundleExternals()
  const packages = closure(externals)
  const native = [...packages].filter(([dir]) => hasNativeAddon(dir)).map(([, name]) => name)

  it('finds the native addons the main bundles load', () => {
    expect(externals).toEqual(
      expect.arrayContaining(['aws-iot-device-sdk-v2', 'better-sqlite3', 'aedes', 'node-llama-cpp']),
    )
    // The embedded-model, history import and PDF text workers are bundles of their own beside index.js (pdf.js is
    // loaded by the last only, so its packages are found through it).
    expect(mainBundles().map((file) => file.slice(root.length + 1))).toEqual(
      expect.arrayContaining([
        'out/main/index.js',
        'out/main/llama-cpp-worker.js',
        'out/main/history-import-worker.js',
        'out/main/history-search-worker.js',
        'out/main/history-export-worker.js',
        'out/main/pdf-text-worker.js',
      ]),
    )
    expect(externals).toContain('pdfjs-dist')
    expect(native).toEqual(
      expect.arrayContaining(['aws-crt', 'better-sqlite3', `@node-llama-cpp/${process.platform}-${process.arch}`]),
    )
    // Every other one comes with a package StreamDesk uses: node-llama-cpp's per-platform binaries and the optional
    // copy-on-write helper of its downloader (ipull → @reflink/reflink), which StreamDesk does not use but ships;
    // sharp's per-platform binary and libvips (@img/*, attachments); pdf.js's optional canvas (@napi-rs/canvas),
    // which text extraction does not load but the package brings.
    const others = native.filter((name) => !['aws-crt', 'better-sqlite3'].includes(name))
    const comesWithAPackage = /^@(node-llama-cpp|reflink|img|napi-rs)\//
    expect(others.filter((name) => !comesWithAPackage.test(name))).toEqual([])
    expect(native).toEqual(expect.arrayContaining([`@img/sharp-${process.platform}-${process.arch}`]))
  })

  it('unpacks every one of them from the asar, and ships the built bundles', () => {
    for (const name of native) expect(unpacked(name), `${name} must be in build.asarUnpack`).toBe(true)
    expect(build.files).toContain('out/**/*')
  })

  it('rebuilds only the V8-ABI addon for Electron, never aws-crt', () => {
    expect(build.npmRebuild).toBe(true)
    expect(existsSync(join(root, 'node_modules/better-sqlite3/binding.gyp'))).toBe(true)
    expect(existsSync(join(root, 'node_modules/aws-crt/binding.gyp'))).toBe(false)
    expect(pkg.allowScripts['aws-crt']).toBe(false)
    expect(existsSync(join(root, 'node_modules/node-llama-cpp/binding.gyp'))).toBe(false)
    expect(pkg.allowScripts['node-llama-cpp']).toBe(false)
  })

  it('unpacks node-llama-cpp itself, whose loader looks for its binaries beside it outside the asar', () => {
    expect(unpacked('node-llama-cpp')).toBe(true)
    expect(unpacked('@node-llama-cpp/any-platform')).toBe(true)
  })
})
