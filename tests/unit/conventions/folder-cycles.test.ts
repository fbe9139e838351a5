/**
 * No two folders of the main process import each other, directly or round a loop (core/settings and core/models
 * once did). The nodes are the layers (backend, protocol, lib, shared, shell) and each feature folder of
 * src-main/core; the files directly in src-main/core (the app's composition root and its small shared parts) are
 * left out, since they wire the feature folders together.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const mainDir = join(root, 'src-main')

/** `core/settings`, `backend`, ...; undefined for files directly in src-main or src-main/core. */
function folderOf(file: string): string | undefined {
  const parts = relative(mainDir, file).split(sep)
  if (parts.length < 2) return undefined
  if (parts[0] === 'core') return parts.length > 2 ? `core/${parts[1]}` : undefined
  return parts[0]
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  )
}

/** Folder-to-folder edges from the relative static imports and re-exports in the source text. */
function folderEdges(): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>()
  for (const file of sourceFiles(mainDir)) {
    const from = folderOf(file)
    if (from === undefined) continue
    for (const match of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/gm)) {
      const to = folderOf(resolve(dirname(file), match[1]!))
      if (to === undefined || to === from) continue
      if (!edges.has(from)) edges.set(from, new Set())
      edges.get(from)!.add(to)
    }
  }
  return edges
}

/** One loop of folders, e.g. ['core/settings', 'core/models', 'core/settings'], or undefined when there is none. */
function findCycle(edges: Map<string, Set<string>>): string[] | undefined {
  const done = new Set<string>()
  const path: string[] = []
  const visit = (node: string): string[] | undefined => {
    const start = path.indexOf(node)
    if (start >= 0) return [...path.slice(start), node]
    if (done.has(node)) return undefined
    path.push(node)
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next)
      if (cycle) return cycle
    }
    path.pop()
    done.add(node)
    return undefined
  }
  for (const node of edges.keys()) {
    const cycle = visit(node)
    if (cycle) return cycle
  }
  return undefined
}

describe('folder import cycles', () => {
  it('finds a loop when there is one, and none in a chain', () => {
    const graph = (pairs: Array<[string, string]>) => {
      const edges = new Map<string, Set<string>>()
      for (const [a, b] of pairs) edges.set(a, new Set([...(edges.get(a) ?? []), b]))
      return edges
    }
    expect(
      findCycle(
        graph([
          ['core/settings', 'core/models'],
          ['core/models', 'core/settings'],
        ]),
      ),
    ).toEqual(['core/settings', 'core/models', 'core/settings'])
    expect(
      findCycle(
        graph([
          ['a', 'b'],
          ['b', 'c'],
          ['c', 'a'],
        ]),
      ),
    ).toEqual(['a', 'b', 'c', 'a'])
    expect(
      findCycle(
        graph([
          ['a', 'b'],
          ['b', 'c'],
          ['a', 'c'],
        ]),
      ),
    ).toBeUndefined()
  })

  it('sees the folders of the main process and the arrows between them', () => {
    const edges = folderEdges()
    expect(edges.get('core/settings')).toContain('core/models')
    expect(edges.get('backend')).toContain('protocol')
  })

  it('has no loop between the folders of the main process', () => {
    expect(findCycle(folderEdges())).toBeUndefined()
  })
})
