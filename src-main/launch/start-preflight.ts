/**
 * `npm start`'s first step: checks what starting the app needs before electron-vite and electron-builder run, so a
 * user reads what to do instead of a stack trace. Electron 45 and its tooling need Node 22.12 or newer (the test suite
 * runs on 20.19+); Electron's binary may be missing when its download was skipped or blocked at install
 * (ELECTRON_SKIP_BINARY_DOWNLOAD, no access to GitHub), and is then fetched here once.
 *
 * Run by tsx from package.json; plain Node APIs only, no import of the app.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** What `npm start` needs (package.json's `engines` says the same). */
export const START_NODE_VERSION = { major: 22, minor: 12 }

/** The plain message for a Node.js too old to start the app, or undefined when it is new enough. */
export function nodeVersionProblem(version: string): string | undefined {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number)
  const { major: needMajor, minor: needMinor } = START_NODE_VERSION
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return undefined
  return [
    `StreamDesk needs Node.js ${needMajor}.${needMinor} or newer to start (this is ${version.replace(/^v/, '')}).`,
    `Install Node.js ${needMajor} LTS from https://nodejs.org (or \`nvm install ${needMajor}\`), then run \`npm start\` again.`,
    'The test suite (`npm test`) runs on Node.js 20.19 and newer.',
  ].join('\n')
}

/** Where Electron's binary should be, from the electron package's path.txt; undefined when it was never fetched. */
export function electronBinaryPath(electronDir: string): string | undefined {
  const pathFile = join(electronDir, 'path.txt')
  if (!existsSync(pathFile)) return undefined
  const binary = join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim())
  return existsSync(binary) ? binary : undefined
}

export const ELECTRON_MISSING = [
  "Electron's binary could not be downloaded (it is fetched from GitHub the first time; the download was skipped or",
  'blocked). With network access, and ELECTRON_SKIP_BINARY_DOWNLOAD unset, run:',
  '  npx install-electron --no',
  'Behind a proxy or a mirror, set ELECTRON_MIRROR (see https://www.electronjs.org/docs/latest/tutorial/installation).',
].join('\n')

export interface StartCheck {
  nodeVersion: string
  /** The installed electron package's folder. */
  electronDir: string
  /** Runs Electron's own installer (its install.js); true when it succeeded. */
  fetchBinary(): boolean
  log(line: string): void
  error(line: string): void
}

/** The exit code of the check: 0 when the app can start. Fetches a missing Electron binary once. */
export function checkStart({ nodeVersion, electronDir, fetchBinary, log, error }: StartCheck): number {
  const tooOld = nodeVersionProblem(nodeVersion)
  if (tooOld) {
    error(tooOld)
    return 1
  }
  if (electronBinaryPath(electronDir)) return 0
  log("Fetching Electron's binary (its download was skipped at install)…")
  if (fetchBinary() && electronBinaryPath(electronDir)) return 0
  error(ELECTRON_MISSING)
  return 1
}

/** This machine's check, as `npm start` runs it (src-main/launch/check-start.ts). */
export function checkThisMachine(): number {
  const electronDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'))
  return checkStart({
    nodeVersion: process.version,
    electronDir,
    fetchBinary: () =>
      spawnSync(process.execPath, [join(electronDir, 'install.js')], { stdio: 'inherit' }).status === 0,
    log: (line) => console.log(line),
    error: (line) => console.error(line),
  })
}
