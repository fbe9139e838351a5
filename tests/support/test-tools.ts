/**
 * The programs the test suite drives besides Node: Mosquitto (a real MQTT broker), Chromium or Chrome (the browser
 * tests, through playwright-core), openssl (test certificates) and, on Linux, iproute2 (network namespaces for the
 * link-fault tests). Where each is looked for, and what to do when one is missing, decided by pure functions of what
 * the machine has (a ToolProbe), so every branch is unit-tested; tests/support/prepare-test-machine.ts acts on the
 * decision before `npm test` runs anything, and the tests find the programs with the same `findTool`.
 */
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

export type ToolName = 'mosquitto' | 'chromium' | 'openssl' | 'ip'
type Platform = 'linux' | 'darwin'

interface ToolSpec {
  /** What the user reads. */
  label: string
  /** An environment variable that names the program, looked at first. */
  envVar?: string
  /** Names looked up on PATH. */
  commands: string[]
  /** Standard install locations per platform, looked at after PATH. */
  locations: Partial<Record<Platform, string[]>>
  /** The Debian/Ubuntu package. */
  apt: string
  /** The Homebrew formula, when Homebrew can install it without asking; else `brewHint` is shown. */
  brew?: string
  brewHint?: string
  /** Platforms where the suite needs it (all when absent). */
  only?: Platform[]
}

export const TOOLS: Record<ToolName, ToolSpec> = {
  mosquitto: {
    label: 'Mosquitto (MQTT broker)',
    envVar: 'MOSQUITTO_PATH',
    commands: ['mosquitto'],
    locations: {
      linux: ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto'],
      darwin: [
        '/opt/homebrew/sbin/mosquitto',
        '/usr/local/sbin/mosquitto',
        '/opt/homebrew/opt/mosquitto/sbin/mosquitto',
      ],
    },
    apt: 'mosquitto',
    brew: 'mosquitto',
  },
  chromium: {
    label: 'Chromium or Google Chrome (browser tests)',
    envVar: 'CHROME_PATH',
    commands: ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'],
    locations: {
      linux: [
        '/usr/bin/chromium',
        '/usr/bin/chromium-browser',
        '/usr/bin/google-chrome',
        '/usr/bin/google-chrome-stable',
      ],
      darwin: [
        '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
        '/Applications/Chromium.app/Contents/MacOS/Chromium',
      ],
    },
    apt: 'chromium',
    // A browser is the user's choice on macOS: the suite uses an installed one and installs none itself.
    brewHint: 'brew install --cask google-chrome',
  },
  openssl: {
    label: 'openssl (test certificates)',
    commands: ['openssl'],
    locations: { linux: ['/usr/bin/openssl'], darwin: ['/usr/bin/openssl', '/opt/homebrew/bin/openssl'] },
    apt: 'openssl',
    brew: 'openssl',
  },
  ip: {
    label: 'iproute2 (network namespaces for the link-fault tests)',
    commands: ['ip'],
    locations: { linux: ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip'] },
    apt: 'iproute2',
    only: ['linux'],
  },
}

/** What the machine has, as far as the decision needs it. */
export interface ToolProbe {
  platform: NodeJS.Platform
  env: Record<string, string | undefined>
  isExecutable(path: string): boolean
  /** Running as root (uid 0). */
  isRoot: boolean
  /** `sudo -n true` succeeds: sudo works without a password. */
  passwordlessSudo: boolean
  hasAptGet: boolean
  hasBrew: boolean
}

/** The tools this platform's suite needs. */
export function toolsFor(platform: NodeJS.Platform): ToolName[] {
  return (Object.keys(TOOLS) as ToolName[]).filter((name) => {
    const only = TOOLS[name].only
    return only === undefined || (only as string[]).includes(platform)
  })
}

/** Where a tool is: its environment variable, then PATH, then the platform's standard locations. */
export function findTool(name: ToolName, probe: ToolProbe = machineProbe()): string | undefined {
  const spec = TOOLS[name]
  const named = spec.envVar ? probe.env[spec.envVar] : undefined
  if (named) return probe.isExecutable(named) ? named : undefined
  const onPath = (probe.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .flatMap((dir) => spec.commands.map((command) => join(dir, command)))
  const root = probe.env.STREAMDESK_TOOL_ROOT ?? ''
  const standard = (spec.locations[probe.platform as Platform] ?? []).map((path) => root + path)
  return [...onPath, ...standard].find((path) => probe.isExecutable(path))
}

export interface SetupPlan {
  found: Partial<Record<ToolName, string>>
  /** Commands to run, in order, that install what is missing without asking anyone. */
  install?: { tools: ToolName[]; steps: string[][] }
  /** What cannot be installed here, each with the command that installs it on this system. */
  manual: { tool: ToolName; command: string }[]
  /** Why the suite does not run on this platform at all. */
  unsupported?: string
}

/**
 * What to do: find every tool; install the missing ones where that needs no one's answer (Debian/Ubuntu as root or
 * with passwordless sudo; Homebrew on macOS, Chrome excepted); otherwise name the command for each.
 * `allowInstall: false` (STREAMDESK_SETUP_NO_INSTALL=1) turns every install into a manual step.
 */
export function planSetup(probe: ToolProbe, allowInstall = true): SetupPlan {
  if (probe.platform !== 'linux' && probe.platform !== 'darwin')
    return {
      found: {},
      manual: [],
      unsupported: `The test suite runs on Linux and macOS (this is ${probe.platform}); the app itself runs here.`,
    }
  const found: SetupPlan['found'] = {}
  const missing: ToolName[] = []
  for (const name of toolsFor(probe.platform)) {
    const path = findTool(name, probe)
    if (path) found[name] = path
    else missing.push(name)
  }
  if (missing.length === 0) return { found, manual: [] }
  return probe.platform === 'linux'
    ? planLinux(probe, found, missing, allowInstall)
    : planMac(probe, found, missing, allowInstall)
}

function planLinux(probe: ToolProbe, found: SetupPlan['found'], missing: ToolName[], allowInstall: boolean): SetupPlan {
  const packages = missing.map((name) => TOOLS[name].apt)
  const aptInstall = ['apt-get', 'install', '-y', '--no-install-recommends', ...packages]
  if (!probe.hasAptGet) {
    const manual = missing.map((tool) => ({
      tool,
      command: `install the package that provides ${TOOLS[tool].commands[0]} with your package manager`,
    }))
    return { found, manual }
  }
  const sudo = probe.isRoot ? [] : probe.passwordlessSudo ? ['sudo', '-n'] : undefined
  if (allowInstall && sudo !== undefined) {
    const environment = ['env', 'DEBIAN_FRONTEND=noninteractive']
    return {
      found,
      install: {
        tools: missing,
        steps: [
          [...sudo, 'apt-get', 'update', '-qq'],
          [...sudo, ...environment, ...aptInstall],
        ],
      },
      manual: [],
    }
  }
  const prefix = probe.isRoot ? '' : 'sudo '
  return { found, manual: missing.map((tool) => ({ tool, command: `${prefix}apt-get install -y ${TOOLS[tool].apt}` })) }
}

function planMac(probe: ToolProbe, found: SetupPlan['found'], missing: ToolName[], allowInstall: boolean): SetupPlan {
  const brewable = missing.filter((tool) => TOOLS[tool].brew !== undefined)
  const canBrew = allowInstall && probe.hasBrew && brewable.length > 0
  const manual = missing
    .filter((tool) => !canBrew || !brewable.includes(tool))
    .map((tool) => {
      const spec = TOOLS[tool]
      const brewCommand = spec.brew ? `brew install ${spec.brew}` : spec.brewHint!
      return { tool, command: probe.hasBrew ? brewCommand : `install Homebrew (https://brew.sh), then ${brewCommand}` }
    })
  if (!canBrew) return { found, manual }
  return {
    found,
    install: { tools: brewable, steps: [['brew', 'install', ...brewable.map((tool) => TOOLS[tool].brew!)]] },
    manual,
  }
}

/** The lines printed when tools are missing and cannot be installed here: one per tool, with its command. */
export function describeManualSteps(plan: SetupPlan): string[] {
  if (plan.unsupported) return [plan.unsupported]
  return [
    'The test suite needs programs this machine does not have:',
    ...plan.manual.map(({ tool, command }) => {
      const spec = TOOLS[tool]
      const override = spec.envVar ? ` (or set ${spec.envVar} to it)` : ''
      return `- ${spec.label}: ${command}${override}`
    }),
  ]
}

/** This machine, as the plan sees it. */
export function machineProbe(env: Record<string, string | undefined> = process.env): ToolProbe {
  const isExecutable = (path: string) => {
    try {
      accessSync(path, constants.X_OK)
      return true
    } catch {
      return false
    }
  }
  const onPath = (command: string) =>
    (env.PATH ?? '')
      .split(delimiter)
      .filter(Boolean)
      .some((dir) => isExecutable(join(dir, command)))
  return {
    platform: process.platform,
    env,
    isExecutable,
    isRoot: process.getuid?.() === 0,
    passwordlessSudo: false, // asked only when needed (it runs a program): see prepare-test-machine.ts
    hasAptGet: onPath('apt-get') || isExecutable('/usr/bin/apt-get'),
    hasBrew: onPath('brew') || isExecutable('/opt/homebrew/bin/brew') || isExecutable('/usr/local/bin/brew'),
  }
}
