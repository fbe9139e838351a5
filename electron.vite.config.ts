import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import type { Plugin } from 'vite'
import react from '@vitejs/plugin-react'

const root = import.meta.dirname

/**
 * The renderer's index.html carries the production CSP. Vite's dev server injects inline styles and talks to
 * the page over a WebSocket for hot reload, so in `electron-vite dev` only, the policy is widened for those two.
 */
function devServerCsp(): Plugin {
  return {
    name: 'streamdesk:dev-server-csp',
    apply: 'serve',
    transformIndexHtml: (html) =>
      html
        .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
        .replace("connect-src 'self'", "connect-src 'self' ws://localhost:* http://localhost:*"),
  }
}

export default defineConfig({
  main: {
    build: {
      // Native addons load their .node files by paths relative to their own package: never bundle them
      // (aws-crt, better-sqlite3, node-llama-cpp with its @node-llama-cpp/* binaries stay in node_modules).
      externalizeDeps: true,
      rolldownOptions: {
        input: {
          index: resolve(root, 'src-main/index.ts'),
          // The embedded-model worker thread: its own entry, out/main/llama-cpp-worker.js, next to index.js.
          'llama-cpp-worker': resolve(root, 'src-main/backend/providers/llama-cpp/llama-cpp-worker.ts'),
          // The history import worker thread: out/main/history-import-worker.js (core/history/import-in-worker.ts).
          'history-import-worker': resolve(root, 'src-main/core/history/history-import-worker.ts'),
          // History search's worker thread (core/history/search-in-worker.ts): out/main/history-search-worker.js.
          'history-search-worker': resolve(root, 'src-main/core/history/history-search-worker.ts'),
          // History export's worker thread (core/history/export-to-file.ts): out/main/history-export-worker.js.
          'history-export-worker': resolve(root, 'src-main/core/history/history-export-worker.ts'),
          // PDF text extraction's worker thread (pdf.js off the main thread): out/main/pdf-text-worker.js.
          'pdf-text-worker': resolve(root, 'src-main/core/attachments/pdf-text-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload is one CommonJS file with its dependencies inside it.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(root, 'src-preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    plugins: [react(), devServerCsp()],
    build: {
      minify: true,
      rolldownOptions: {
        input: {
          index: resolve(root, 'src-renderer/index.html'),
          quickAsk: resolve(root, 'src-renderer/quick-ask.html'),
        },
      },
    },
  },
})
