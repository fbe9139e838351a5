/**
 * The electron-builder configuration (package.json "build") against what the main bundle really loads: every
 * package with a native addon that the bundle reaches must be unpacked from the asar, and only V8-ABI addons
 * (binding.gyp) are rebuilt for Electron; aws-crt is N-API with a prebuilt binary and must not be.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '../..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const build = pkg.build as { files: string[]; asarUnpack: string[]; npmRebuild: boolean }

/** Bare package names the main bundle imports (its externals). */
function bundleExternals(): string[] {
  const main = readFileSync(join(root, 'out/main/index.js'), 'utf8')
  const specifiers = [...main.matchAll(/(?:from|import)\s*\(?\s*"([^".][^"]*)"/g)].map((m) => m[1]!)
  const names = specifiers.filter((s) => !s.startsWith('node:') && s !== 'electron').map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!))
  return [...new Set(names)]
}

/** The production dependency closure of the given packages, as package directories. */
function closure(names: string[]): Map<string, string> {
  const found = new Map<string, string>()
  const visit = (name: string, from: string) => {
    let manifest: string
    try {
      manifest = createRequire(join(from, 'noop.js')).resolve(`${name}/package.json`)
    } catch {
      return // exports without package.json: resolve through the package folder instead
    }
    const dir = dirname(manifest)
    if (found.has(dir)) return
    found.set(dir, name)
    const deps = JSON.parse(readFileSync(manifest, 'utf8')).dependencies ?? {}
    for (const dep of Object.keys(deps)) visit(dep, dir)
  }
  for (const name of names) visit(name, root)
  return found
}

function hasNativeAddon(dir: string): boolean {
  const walk = (path: string, depth: number): boolean =>
    depth < 6 &&
    readdirSync(path, { withFileTypes: true }).some((entry) =>
      entry.isDirectory() ? entry.name !== 'node_modules' && walk(join(path, entry.name), depth + 1) : entry.name.endsWith('.node'),
    )
  return walk(dir, 0)
}

const unpacked = (name: string) => build.asarUnpack.some((glob) => glob === `node_modules/${name}/**` || glob === `**/node_modules/${name}/**`)

describe('packaging configuration', () => {
  const externals = bundleExternals()
  const packages = closure(externals)
  const native = [...packages].filter(([dir]) => hasNativeAddon(dir)).map(([, name]) => name)

  it('finds the native addons the main bundle loads', () => {
    expect(externals).toEqual(expect.arrayContaining(['aws-iot-device-sdk-v2', 'better-sqlite3', 'aedes']))
    expect(native.sort()).toEqual(['aws-crt', 'better-sqlite3'])
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
  })
})
