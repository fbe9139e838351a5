/**
 * Electron fuses (Electron's security checklist, item 19) are flipped in the packaged binary by electron-builder
 * from package.json "build.electronFuses". Every key must be one electron-builder's own schema declares (it skips
 * a key it does not know, silently), and each fuse must be set the safe way.
 * That the fuses are really flipped can only be read from a packaged binary (`npx @electron/fuses read --app …`).
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '../../..')
const readJson = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8'))
const build = readJson('package.json').build as { electronFuses?: Record<string, unknown>; asar?: unknown }
const builderSchema = readJson('node_modules/app-builder-lib/scheme.json') as {
  definitions: { FuseOptionsV1: { properties: Record<string, { type: string }> } }
}

describe('Electron fuses', () => {
  const fuses = build.electronFuses ?? {}

  it('are all fuses electron-builder knows, each a boolean', () => {
    const known = builderSchema.definitions.FuseOptionsV1.properties
    expect(Object.keys(fuses).length).toBeGreaterThan(0)
    for (const [name, value] of Object.entries(fuses)) {
      expect(known, `electron-builder has no fuse named ${name}`).toHaveProperty(name)
      expect(typeof value).toBe('boolean')
    }
  })

  it('turn off the Node entry points and turn on asar integrity and cookie encryption', () => {
    expect(fuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      // The pages load from app://, so file: pages need none of their old extra privileges.
      grantFileProtocolExtraPrivileges: false,
    })
  })

  it('pack the app into an asar, which onlyLoadAppFromAsar needs', () => {
    expect(build.asar).not.toBe(false)
  })
})
