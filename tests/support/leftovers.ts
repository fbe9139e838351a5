/**
 * What a test run left behind: files in its temp folder and processes that carry its marker. Used by the suite's
 * global teardown (tests/support/global-setup.ts) and tested on its own (tests/integration/suite/leftovers.test.ts).
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

export interface LeftoverProcess {
  pid: number
  command: string
}

export interface Leftovers {
  /** Entries in the run's temp folder, relative to it. */
  files: string[]
  processes: LeftoverProcess[]
}

/** The most files named in the failure (the count says the rest). */
const NAMED_FILES = 20

/** The failure message, or undefined when nothing was left. */
export function describeLeftovers({ files, processes }: Leftovers): string | undefined {
  if (files.length === 0 && processes.length === 0) return undefined
  const lines = ['The test run left things behind (removed now; a test must clean up what it makes):']
  if (files.length > 0) {
    lines.push(`- ${files.length} in the temp folder:`)
    lines.push(...files.slice(0, NAMED_FILES).map((file) => `    ${file}`))
    if (files.length > NAMED_FILES) lines.push(`    … and ${files.length - NAMED_FILES} more`)
  }
  if (processes.length > 0) {
    lines.push(`- ${processes.length} process${processes.length === 1 ? '' : 'es'} still running:`)
    lines.push(...processes.map(({ pid, command }) => `    ${pid} ${command.slice(0, 200)}`))
  }
  return lines.join('\n')
}

/** The entries of a folder (the first level: a test's leftover folder is named, not everything in it). */
export function listLeftoverFiles(folder: string): string[] {
  try {
    return readdirSync(folder).sort()
  } catch {
    return []
  }
}

/** Whether a process exists (signal 0 checks without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Run folders (`<prefix><pid>-XXXXXX`) whose run has ended without removing them (killed, crashed): the process
 * that made them no longer exists. A folder of a run still going is kept.
 */
export function staleRunFolders(
  _parent: string,
  names: string[],
  prefix: string,
  alive: (pid: number) => boolean = isAlive,
): string[] {
  return names.filter((name) => {
    if (!name.startsWith(prefix)) return false
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1])
    return Number.isInteger(pid) && pid > 0 && !alive(pid)
  })
}

/**
 * Processes whose environment holds `marker` (NAME=value), except `selfPid` and its own children: vitest's main
 * process keeps helpers (esbuild's service) that it started after the global setup. Tests run in worker processes,
 * which have ended by now, so what a test left has another parent. Linux reads /proc; macOS asks `ps -E` (which
 * shows the environment of the user's own processes); elsewhere none are found.
 */
export async function findMarkedProcesses(marker: string, selfPid: number): Promise<LeftoverProcess[]> {
  if (process.platform === 'linux') return markedProcessesFromProc(marker, selfPid)
  if (process.platform === 'darwin') return markedProcessesFromPs(marker, selfPid)
  return []
}

function markedProcessesFromProc(marker: string, selfPid: number): LeftoverProcess[] {
  const found: LeftoverProcess[] = []
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid) || pid === selfPid) continue
    try {
      const environment = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0')
      if (!environment.includes(marker)) continue
      // After the command's name: state, parent pid, … A zombie holds nothing.
      const [state, parent] = (readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1] ?? '').split(' ')
      if (state === 'Z' || Number(parent) === selfPid) continue
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()
      found.push({ pid, command })
    } catch {
      // Gone meanwhile, or another user's.
    }
  }
  return found
}

function markedProcessesFromPs(marker: string, selfPid: number): LeftoverProcess[] {
  const output = execFileSync('ps', ['-E', '-ww', '-ax', '-o', 'pid=,ppid=,command='], { encoding: 'utf8' })
  return output
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null && match[3]!.split(' ').includes(marker))
    .filter((match) => Number(match[1]) !== selfPid && Number(match[2]) !== selfPid)
    .map((match) => ({ pid: Number(match[1]), command: match[3]!.split(` ${marker.split('=')[0]}=`)[0]! }))
}
