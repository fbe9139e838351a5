/**
 * A network namespace joined to the caller's (root) namespace by a veth pair, for link faults that loopback cannot
 * show (`ip link set … down`). Needs root and iproute2; `tc netem` is not assumed. Names carry a prefix and the
 * creating process's pid, so a later run can remove what a crashed run left behind without touching a live one's.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { promisify } from 'node:util'
import { findTool } from './test-tools'

const run = promisify(execFile)
export const IP = findTool('ip') ?? '/usr/sbin/ip'

export interface LinkedNamespace {
  name: string
  /** The veth end in the root namespace, and its address. */
  rootInterface: string
  rootAddress: string
  /** The veth end inside the namespace, and its address (reachable from the root namespace). */
  nsInterface: string
  nsAddress: string
  /** `ip link set <root end> down|up`. */
  setLink(up: boolean): Promise<void>
  /** The argv prefix that runs a command inside the namespace. */
  execPrefix: string[]
  destroy(): Promise<void>
}

async function ip(...args: string[]): Promise<string> {
  const { stdout } = await run(IP, args)
  return stdout
}

const alive = (pid: number) => existsSync(`/proc/${pid}`)

/**
 * Removes namespaces `<prefix>-<pid>` and root-side links `<linkPrefix><pid>r` whose process is gone.
 * Deleting a namespace deletes the veth end inside it, and with it the pair.
 */
export async function removeStale(prefix: string, linkPrefix: string): Promise<string[]> {
  const removed: string[] = []
  const namespaces = (await ip('netns', 'list'))
    .split('\n')
    .map((line) => line.split(' ')[0]!)
    .filter(Boolean)
  for (const name of namespaces) {
    const match = new RegExp(`^${prefix}-(\\d+)$`).exec(name)
    if (!match || alive(Number(match[1]))) continue
    await ip('netns', 'del', name).catch(() => undefined)
    removed.push(name)
  }
  const links = (await ip('-o', 'link', 'show'))
    .split('\n')
    .map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1])
    .filter(Boolean) as string[]
  for (const link of links) {
    const match = new RegExp(`^${linkPrefix}(\\d+)r$`).exec(link)
    if (!match || alive(Number(match[1]))) continue
    await ip('link', 'del', link).catch(() => undefined)
    removed.push(link)
  }
  return removed
}

/**
 * Creates `<prefix>-<pid>` with loopback up and a veth pair `<linkPrefix><pid>r` (root) ↔ `<linkPrefix><pid>n`
 * (namespace) on a /30 in 10.213.0.0/16 chosen from the pid. Throws a clear error when not permitted.
 */
export async function createLinkedNamespace(prefix: string, linkPrefix: string): Promise<LinkedNamespace> {
  if (process.getuid?.() !== 0) {
    throw new Error(`network namespaces need root (uid ${process.getuid?.()}): run the reliability tests as root`)
  }
  if (!existsSync(IP)) throw new Error(`${IP} not found: apt-get install -y iproute2`)
  const pid = process.pid
  const name = `${prefix}-${pid}`
  const rootInterface = `${linkPrefix}${pid}r`
  const nsInterface = `${linkPrefix}${pid}n`
  if (rootInterface.length > 15) throw new Error(`interface name ${rootInterface} is longer than 15 characters`)
  const block = (pid % 16_000) * 4
  const rootAddress = `10.213.${Math.floor(block / 256)}.${(block % 256) + 1}`
  const nsAddress = `10.213.${Math.floor(block / 256)}.${(block % 256) + 2}`
  const inNs = (...args: string[]) => ip('netns', 'exec', name, IP, ...args)
  let created = false
  const destroy = async () => {
    await ip('link', 'del', rootInterface).catch(() => undefined)
    await ip('netns', 'del', name).catch(() => undefined)
  }
  try {
    await ip('netns', 'add', name)
    created = true
    await ip('link', 'add', rootInterface, 'type', 'veth', 'peer', 'name', nsInterface)
    await ip('link', 'set', nsInterface, 'netns', name)
    await ip('addr', 'add', `${rootAddress}/30`, 'dev', rootInterface)
    await ip('link', 'set', rootInterface, 'up')
    await inNs('link', 'set', 'lo', 'up')
    await inNs('addr', 'add', `${nsAddress}/30`, 'dev', nsInterface)
    await inNs('link', 'set', nsInterface, 'up')
  } catch (error) {
    if (created) await destroy()
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message
    throw new Error(
      `could not create network namespace ${name} with a veth pair (root and iproute2 needed): ${detail}`,
      { cause: error },
    )
  }
  return {
    name,
    rootInterface,
    rootAddress,
    nsInterface,
    nsAddress,
    execPrefix: [IP, 'netns', 'exec', name],
    setLink: async (up) => void (await ip('link', 'set', rootInterface, up ? 'up' : 'down')),
    destroy,
  }
}
