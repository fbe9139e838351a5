/**
 * `npm start`'s preflight (src-main/launch/start-preflight.ts): a plain message for a Node.js too old to start the
 * app, and a missing Electron binary fetched once or explained, checked against a real electron-like folder.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  checkStart,
  ELECTRON_MISSING,
  electronBinaryPath,
  nodeVersionProblem,
} from '../../../src-main/launch/start-preflight'
import { makeTempDir } from '../../support/temp-dir'
import packageJson from '../../../package.json'

async function electronDir(installed: 'none' | 'path only' | 'binary'): Promise<string> {
  const dir = await makeTempDir('electron-pkg')
  if (installed !== 'none') await writeFile(join(dir, 'path.txt'), 'electron')
  if (installed === 'binary') {
    await mkdir(join(dir, 'dist'))
    await writeFile(join(dir, 'dist', 'electron'), '')
  }
  return dir
}

function run(nodeVersion: string, dir: string, fetchBinary: () => boolean = () => false) {
  const out: string[] = []
  const err: string[] = []
  let fetched = 0
  const code = checkStart({
    nodeVersion,
    electronDir: dir,
    fetchBinary: () => (fetched++, fetchBinary()),
    log: (line) => out.push(line),
    error: (line) => err.push(line),
  })
  return { code, out, err, fetched }
}

describe('npm start preflight', () => {
  it('accepts Node 22.12 and newer, refuses older ones with what to install', () => {
    for (const version of ['v22.12.0', 'v22.20.1', 'v23.0.0', 'v24.3.0'])
      expect(nodeVersionProblem(version)).toBeUndefined()
    for (const version of ['v20.19.0', 'v22.11.9', 'v18.20.4']) {
      const problem = nodeVersionProblem(version)!
      expect(problem).toContain(`needs Node.js 22.12 or newer to start (this is ${version.slice(1)})`)
      expect(problem).toContain('nvm install 22')
    }
  })

  it('says the same as package.json engines', () => {
    expect(packageJson.engines.node).toBe('>=22.12')
  })

  it('stops on an old Node before looking at Electron', async () => {
    const result = run('v20.19.0', await electronDir('binary'))
    expect(result).toMatchObject({ code: 1, fetched: 0 })
    expect(result.err.join('\n')).toContain('22.12')
  })

  it('starts when the binary is there, without fetching', async () => {
    expect(run('v22.12.0', await electronDir('binary'))).toMatchObject({ code: 0, fetched: 0, err: [] })
  })

  it('fetches a missing binary once and starts when that worked', async () => {
    const dir = await electronDir('none')
    const result = run('v22.12.0', dir, () => {
      writeFileSync(join(dir, 'path.txt'), 'electron')
      mkdirSync(join(dir, 'dist'))
      writeFileSync(join(dir, 'dist', 'electron'), '')
      return true
    })
    expect(result).toMatchObject({ code: 0, fetched: 1, err: [] })
    expect(result.out).toEqual(["Fetching Electron's binary (its download was skipped at install)…"])
  })

  it('does not trust an installer that reports success without leaving a binary', async () => {
    const result = run('v22.12.0', await electronDir('none'), () => true)
    expect(result).toMatchObject({ code: 1, fetched: 1 })
    expect(result.err).toEqual([ELECTRON_MISSING])
  })

  it('explains how to fetch the binary when the download fails', async () => {
    const result = run('v24.1.0', await electronDir('path only'))
    expect(result).toMatchObject({ code: 1, fetched: 1 })
    expect(result.err[0]).toContain('npx install-electron --no')
  })

  it('finds the binary only where path.txt says and the file exists', async () => {
    expect(electronBinaryPath(await electronDir('none'))).toBeUndefined()
    expect(electronBinaryPath(await electronDir('path only'))).toBeUndefined()
    const dir = await electronDir('binary')
    expect(electronBinaryPath(dir)).toBe(join(dir, 'dist', 'electron'))
  })
})
