/**
 * The layer rules in eslint.config.js, run through ESLint itself on one-line files placed in each layer: every
 * forbidden import is reported with its rule's message, and the imports a layer relies on are not.
 */
import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'
import { beforeAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../..', import.meta.url))
let eslint: ESLint

beforeAll(() => {
  eslint = new ESLint({ cwd: root })
})

/** The import-boundary messages ESLint reports for `import '<specifier>'` in a file at `filePath`. */
async function boundaryErrors(filePath: string, specifier: string): Promise<string[]> {
  const [result] = await eslint.lintText(`import '${specifier}'\n`, { filePath })
  return (result?.messages ?? [])
    .filter((message) => message.ruleId === 'no-restricted-imports')
    .map((message) => message.message)
}

const forbidden: Array<[file: string, specifier: string, rule: string]> = [
  ['src-main/backend/providers/llama-cpp/x.ts', '../../../core/models/installed-models', 'never imports src-main/core'],
  ['src-main/backend/x.ts', '../core/app-core', 'never imports src-main/core'],
  ['src-main/backend/x.ts', 'electron', 'src-main/backend never imports electron'],
  ['src-main/core/cloud/x.ts', '../../shell/tray', 'never imports src-main/shell or src-main/index.ts'],
  ['src-main/core/x.ts', '../index', 'never imports src-main/shell or src-main/index.ts'],
  ['src-main/core/models/x.ts', 'electron', 'src-main/core never imports electron'],
  ['src-main/protocol/x.ts', '../core/app-core', 'src-main/protocol imports only'],
  ['src-main/protocol/x.ts', '../backend/publisher', 'src-main/protocol imports only'],
  ['src-main/protocol/x.ts', 'node:crypto', 'src-main/protocol imports only'],
  ['src-main/lib/x.ts', '../shared/answer', 'src-main/lib is a leaf'],
  ['src-main/lib/x.ts', '../core/app-core', 'src-main/lib is a leaf'],
  ['src-main/lib/x.ts', 'electron', 'src-main/lib never imports electron'],
  ['src-main/shared/x.ts', 'zod', 'src-main/shared never imports zod'],
  ['src-main/shared/x.ts', 'node:fs', 'src-main/shared never imports Node modules'],
  ['src-main/shared/x.ts', 'path', 'src-main/shared never imports Node modules'],
  ['src-main/shared/x.ts', '../lib/clock', 'src-main/shared is a leaf'],
  ['src-renderer/src/state/x.ts', '../../../src-main/core/app-core', 'imports from src-main only src-main/shared'],
  ['src-renderer/src/state/x.ts', '../../../src-main/lib/clock', 'imports from src-main only src-main/shared'],
  ['src-renderer/src/x.ts', 'electron', 'src-renderer never imports electron'],
  ['src-preload/index.ts', '../src-main/core/app-core', 'src-preload imports only src-main/shared and electron'],
  ['src-preload/index.ts', 'node:fs', 'src-preload imports only src-main/shared and electron'],
]

const allowed: Array<[file: string, specifier: string]> = [
  ['src-main/backend/providers/llama-cpp/x.ts', '../../../lib/gguf-summary'],
  ['src-main/backend/x.ts', '../protocol/stream-protocol'],
  ['src-main/backend/x.ts', '@aws-sdk/client-dynamodb'],
  ['src-main/core/x.ts', './settings/settings-store'],
  ['src-main/core/models/x.ts', '../../lib/http-proxy'],
  ['src-main/protocol/x.ts', 'zod'],
  ['src-main/protocol/x.ts', './stream-protocol'],
  ['src-main/protocol/x.ts', '../shared/answer'],
  ['src-main/protocol/x.ts', '../lib/clock'],
  ['src-main/lib/x.ts', 'node:fs/promises'],
  ['src-main/lib/x.ts', './clock'],
  ['src-main/shared/x.ts', './answer'],
  ['src-renderer/src/state/x.ts', '../../../src-main/shared/ipc-contract'],
  ['src-renderer/src/state/x.ts', '../hooks/use-settings'],
  ['src-preload/index.ts', 'electron'],
  ['src-preload/index.ts', '../src-main/shared/ipc-contract'],
]

describe('import boundaries', () => {
  it.each(forbidden)('%s may not import %s', async (file, specifier, rule) => {
    const errors = await boundaryErrors(file, specifier)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain(rule)
  })

  it.each(allowed)('%s may import %s', async (file, specifier) => {
    expect(await boundaryErrors(file, specifier)).toEqual([])
  })

  it('also covers type-only imports and re-exports', async () => {
    const [result] = await eslint.lintText(
      "import type { AppCore } from '../core/app-core'\nexport { x } from '../core/mode-manager'\n",
      { filePath: 'src-main/backend/x.ts' },
    )
    expect(result?.messages.filter((m) => m.ruleId === 'no-restricted-imports')).toHaveLength(2)
  })
})
