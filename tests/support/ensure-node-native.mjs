// better-sqlite3 is a V8-ABI native addon: `npm start` rebuilds it for Electron (electron-builder install-app-deps),
// after which plain Node cannot load it. The test command runs this first and rebuilds it for Node when needed.
import { execSync } from 'node:child_process'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
try {
  const Database = require('better-sqlite3')
  new Database(':memory:').close()
} catch (error) {
  if (
    !/NODE_MODULE_VERSION|ERR_DLOPEN_FAILED|invalid ELF|Could not locate the bindings/.test(
      String(error?.message) + error?.code,
    )
  )
    throw error
  console.log('better-sqlite3 was built for another runtime (Electron); rebuilding it for Node…')
  execSync('npm rebuild better-sqlite3', { stdio: 'inherit' })
}
