/**
 * `npm run audit:electron`: Doyensec Electronegativity (pinned in devDependencies) over the app's sources, the
 * scanner auditors of Electron apps run. Fails on any HIGH finding and lists every finding of any level.
 *
 * One global check is left out, AVAILABLE_SECURITY_FIXES_GLOBAL_CHECK: it downloads Electron's release list from
 * GitHub (the test machine has no network; the Electron version is pinned in package.json and bumped by hand).
 * The checks that judge the windows' settings all run: each BrowserWindow writes its isolation settings literally.
 */
import { cpSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { makeTempDir, removeTempDirs } from './temp-dir'

interface Level {
  name: string
  value: number
}

export interface ElectronegativityIssue {
  id: string
  file: string
  location: { line: number; column: number }
  severity: Level
  confidence: Level
  description: string
}

type Run = (
  options: Record<string, unknown>,
  forCli: boolean,
) => Promise<{ issues: ElectronegativityIssue[]; errors: Array<{ file: string; message: string; tolerable: boolean }> }>

const root = resolve(import.meta.dirname, '../..')
/** The app as it ships: its three processes' sources and its manifest (the scanner reads Electron's version there). */
const APP_SOURCES = ['src-main', 'src-preload', 'src-renderer', 'package.json']
const NETWORK_CHECKS = ['AvailableSecurityFixesGlobalCheck']

export async function auditElectron(): Promise<{ issues: ElectronegativityIssue[]; parseErrors: string[] }> {
  const run = createRequire(import.meta.url)('@doyensec/electronegativity') as Run
  const electronVersion = (createRequire(import.meta.url)('electron/package.json') as { version: string }).version
  // One scan over all of them, so its global checks (navigation limits, permission handler, CSP) see the whole
  // app; a copy, because the scanner walks every folder it is given (node_modules, out/, tests/) before filtering.
  const input = await makeTempDir('electronegativity')
  try {
    for (const source of APP_SOURCES) cpSync(join(root, source), join(input, source), { recursive: true })
    const result = await run(
      {
        input,
        isRelative: true,
        electronVersionOverride: electronVersion,
        excludeFromScan: NETWORK_CHECKS,
        parserPlugins: [],
      },
      false,
    )
    const parseErrors = result.errors.filter((error) => !error.tolerable).map((e) => `${e.file}: ${e.message}`)
    return { issues: result.issues, parseErrors }
  } finally {
    await removeTempDirs()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { issues, parseErrors } = await auditElectron()
  for (const issue of issues) {
    const where = `${issue.file}:${issue.location.line}:${issue.location.column}`
    console.log(
      `${issue.severity.name.padEnd(13)} ${issue.id} ${where} (${issue.confidence.name}) ${issue.description}`,
    )
  }
  for (const error of parseErrors) console.log(`PARSE ERROR   ${error}`)
  const high = issues.filter((issue) => issue.severity.name === 'HIGH')
  console.log(
    `Electronegativity: ${issues.length} finding(s), ${high.length} HIGH, ${parseErrors.length} unparsed file(s)`,
  )
  process.exitCode = high.length > 0 || parseErrors.length > 0 ? 1 : 0
}
