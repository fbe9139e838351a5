// ESLint: typescript-eslint's recommended rules (not the type-checked presets, which need the whole program and are
// slow), react-hooks for the renderer, Prettier's config last so no rule argues with the formatter, and the layer
// rules below. `tests/unit/conventions/` checks that each layer rule actually reports a forbidden import.
import { builtinModules } from 'node:module'
import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import reactHooks from 'eslint-plugin-react-hooks'
import { defineConfig } from 'eslint/config'
import tseslint from 'typescript-eslint'

// Node's modules, with and without the `node:` prefix: code that also runs in the renderer may use none of them.
const nodeModules = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)]
const ELECTRON = '^electron(/|$)'

/**
 * One block per layer. A layer's files may import inside their own folder; the patterns say which other folders
 * they must not reach. Relative paths are matched by the folder they climb into (`../../core/...`), which is
 * unambiguous because no layer has a subfolder named like another layer.
 */
const layers = [
  {
    files: ['src-main/backend/**'],
    patterns: [
      {
        regex: '^(\\.\\./)+core(/|$)',
        message: 'src-main/backend never imports src-main/core: the backend also runs in Lambda, without the app.',
      },
      { regex: ELECTRON, message: 'src-main/backend never imports electron: it also runs in Lambda.' },
    ],
  },
  {
    files: ['src-main/core/**'],
    patterns: [
      {
        regex: '^(\\.\\./)+(shell(/|$)|index(\\.ts)?$)',
        message:
          'src-main/core never imports src-main/shell or src-main/index.ts: the shell wires core to Electron, not the other way round.',
      },
      { regex: ELECTRON, message: 'src-main/core never imports electron: it is tested in plain Node.' },
    ],
  },
  {
    files: ['src-main/protocol/**'],
    patterns: [
      {
        // Anything but zod, a sibling in protocol, or src-main/shared and src-main/lib.
        regex: '^(?!zod$|\\./|\\.\\./(shared|lib)/)',
        message:
          'src-main/protocol imports only src-main/shared, src-main/lib and zod: both the app and the backend build on it.',
      },
    ],
  },
  {
    files: ['src-main/lib/**'],
    patterns: [
      {
        regex: '^(\\.\\./)+(src-main/)?(backend|core|protocol|shell|shared|index|src-preload|src-renderer)(/|\\.ts)?',
        message: 'src-main/lib is a leaf: it imports no other project folder (only Node and npm packages).',
      },
      { regex: ELECTRON, message: 'src-main/lib never imports electron: it is plain Node.' },
    ],
  },
  {
    files: ['src-main/shared/**'],
    paths: nodeModules.map((name) => ({
      name,
      message: 'src-main/shared never imports Node modules: the renderer uses it.',
    })),
    patterns: [
      {
        regex: '^\\.\\./',
        message: 'src-main/shared is a leaf: it imports no other project folder (the renderer and preload use it).',
      },
      {
        regex: '^zod(/|$)',
        message: 'src-main/shared never imports zod: the renderer uses it, and validation happens in the main process.',
      },
      { regex: ELECTRON, message: 'src-main/shared never imports electron: the renderer uses it.' },
    ],
  },
  {
    files: ['src-renderer/**'],
    patterns: [
      {
        regex: '(^|/)src-main/(?!shared/)',
        message: 'src-renderer imports from src-main only src-main/shared: the rest runs in the main process.',
      },
      {
        regex: ELECTRON,
        message: 'src-renderer never imports electron: it reaches the main process through window.api.',
      },
    ],
  },
  {
    files: ['src-preload/**'],
    patterns: [
      {
        // Anything but electron, a sibling in src-preload, or src-main/shared.
        regex: '^(?!electron$|\\./|\\.\\./src-main/shared/)',
        message: 'src-preload imports only src-main/shared and electron: it is one sandboxed bundle.',
      },
    ],
  },
]

export default defineConfig(
  {
    ignores: [
      'out/',
      'dist/',
      'cdktf.out/',
      'coverage/',
      '.stryker-tmp/',
      'reports/',
      'node_modules/',
      'tests/bench/renderer/**/*.js',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
    rules: {
      // A `let` that a closure reads before its one assignment (the closure is built first) cannot be a const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // `_name` marks a parameter or binding kept on purpose (a callback's position, a destructured rest).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // The rules of hooks and effect dependencies. The plugin's React Compiler rules (refs, set-state-in-effect) are
    // left for their own change: they flag the renderer's latest-value ref idiom, which the compiler is not used for.
    files: ['src-renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  ...layers.map(({ files, paths, patterns }) => ({
    files,
    rules: { 'no-restricted-imports': ['error', { ...(paths ? { paths } : {}), patterns }] },
  })),
  prettier,
)
