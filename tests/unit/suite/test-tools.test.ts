/**
 * The setup step's decisions (tests/support/test-tools.ts): which programs are found where, and what happens when
 * one is missing, for every kind of machine: Debian as root, with and without passwordless sudo, without apt-get;
 * macOS with and without Homebrew; Windows.
 */
import { describe, expect, it } from 'vitest'
import { describeManualSteps, findTool, planSetup, toolsFor, type ToolProbe } from '../../support/test-tools'

const LINUX_TOOLS = ['/usr/sbin/mosquitto', '/usr/bin/chromium', '/usr/bin/openssl', '/usr/sbin/ip']

function probe(overrides: Partial<ToolProbe> & { files?: string[] } = {}): ToolProbe {
  const files = new Set(overrides.files ?? LINUX_TOOLS)
  return {
    platform: 'linux',
    env: { PATH: '/usr/local/bin:/usr/bin:/bin' },
    isExecutable: (path) => files.has(path),
    isRoot: false,
    passwordlessSudo: false,
    hasAptGet: true,
    hasBrew: false,
    ...overrides,
  }
}

const without = (...paths: string[]) => LINUX_TOOLS.filter((path) => !paths.includes(path))

describe('findTool', () => {
  it('takes the environment variable first, then PATH, then the standard locations', () => {
    const files = ['/opt/mq/mosquitto', '/home/me/bin/mosquitto', '/usr/sbin/mosquitto']
    const env = { PATH: '/home/me/bin:/usr/bin', MOSQUITTO_PATH: '/opt/mq/mosquitto' }
    expect(findTool('mosquitto', probe({ files, env }))).toBe('/opt/mq/mosquitto')
    expect(findTool('mosquitto', probe({ files, env: { PATH: env.PATH } }))).toBe('/home/me/bin/mosquitto')
    expect(findTool('mosquitto', probe({ files, env: { PATH: '/usr/bin' } }))).toBe('/usr/sbin/mosquitto')
  })

  it('refuses an environment variable that names no program rather than guessing another', () => {
    const env = { PATH: '/usr/bin', CHROME_PATH: '/nowhere/chrome' }
    expect(findTool('chromium', probe({ env }))).toBeUndefined()
  })

  it('finds Chrome on PATH under its other names, and in /Applications on macOS', () => {
    expect(findTool('chromium', probe({ files: ['/usr/bin/google-chrome-stable'], env: { PATH: '/usr/bin' } }))).toBe(
      '/usr/bin/google-chrome-stable',
    )
    const chrome = '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'
    expect(findTool('chromium', probe({ platform: 'darwin', files: [chrome], env: { PATH: '' } }))).toBe(chrome)
  })

  it('looks at the standard locations under STREAMDESK_TOOL_ROOT when it is set (the setup test hides them)', () => {
    const env = { PATH: '', STREAMDESK_TOOL_ROOT: '/fake' }
    expect(findTool('mosquitto', probe({ env }))).toBeUndefined()
    expect(findTool('mosquitto', probe({ env, files: ['/fake/usr/sbin/mosquitto'] }))).toBe('/fake/usr/sbin/mosquitto')
  })

  it('needs iproute2 on Linux only', () => {
    expect(toolsFor('linux')).toEqual(['mosquitto', 'chromium', 'openssl', 'ip'])
    expect(toolsFor('darwin')).toEqual(['mosquitto', 'chromium', 'openssl'])
  })
})

describe('planSetup', () => {
  it('does nothing when everything is there', () => {
    const plan = planSetup(probe())
    expect(plan).toEqual({
      found: {
        mosquitto: '/usr/sbin/mosquitto',
        chromium: '/usr/bin/chromium',
        openssl: '/usr/bin/openssl',
        ip: '/usr/sbin/ip',
      },
      manual: [],
    })
  })

  it('installs the missing Debian packages as root, in one apt-get after an update', () => {
    const plan = planSetup(probe({ isRoot: true, files: without('/usr/sbin/mosquitto', '/usr/bin/chromium') }))
    expect(plan.install).toEqual({
      tools: ['mosquitto', 'chromium'],
      steps: [
        ['apt-get', 'update', '-qq'],
        [
          'env',
          'DEBIAN_FRONTEND=noninteractive',
          'apt-get',
          'install',
          '-y',
          '--no-install-recommends',
          'mosquitto',
          'chromium',
        ],
      ],
    })
    expect(plan.manual).toEqual([])
  })

  it('installs through sudo -n when sudo needs no password', () => {
    const plan = planSetup(probe({ passwordlessSudo: true, files: without('/usr/sbin/ip') }))
    expect(plan.install?.steps).toEqual([
      ['sudo', '-n', 'apt-get', 'update', '-qq'],
      [
        'sudo',
        '-n',
        'env',
        'DEBIAN_FRONTEND=noninteractive',
        'apt-get',
        'install',
        '-y',
        '--no-install-recommends',
        'iproute2',
      ],
    ])
  })

  it('names the sudo command per missing tool when it would have to ask for a password', () => {
    const plan = planSetup(probe({ files: without('/usr/sbin/mosquitto', '/usr/bin/chromium') }))
    expect(plan.install).toBeUndefined()
    expect(describeManualSteps(plan)).toEqual([
      'The test suite needs programs this machine does not have:',
      '- Mosquitto (MQTT broker): sudo apt-get install -y mosquitto (or set MOSQUITTO_PATH to it)',
      '- Chromium or Google Chrome (browser tests): sudo apt-get install -y chromium (or set CHROME_PATH to it)',
    ])
  })

  it('installs nothing when told not to, and names the commands (as root, without sudo)', () => {
    const plan = planSetup(probe({ isRoot: true, files: without('/usr/bin/openssl') }), false)
    expect(plan.install).toBeUndefined()
    expect(plan.manual).toEqual([{ tool: 'openssl', command: 'apt-get install -y openssl' }])
  })

  it('without apt-get, says which program to install with the system package manager', () => {
    const plan = planSetup(probe({ isRoot: true, hasAptGet: false, files: without('/usr/sbin/mosquitto') }))
    expect(plan.install).toBeUndefined()
    expect(plan.manual).toEqual([
      { tool: 'mosquitto', command: 'install the package that provides mosquitto with your package manager' },
    ])
  })

  it('on macOS with Homebrew, brews Mosquitto and asks for a browser it does not install itself', () => {
    const plan = planSetup(probe({ platform: 'darwin', hasBrew: true, files: ['/usr/bin/openssl'], env: { PATH: '' } }))
    expect(plan.install).toEqual({ tools: ['mosquitto'], steps: [['brew', 'install', 'mosquitto']] })
    expect(plan.manual).toEqual([{ tool: 'chromium', command: 'brew install --cask google-chrome' }])
  })

  it('on macOS without Homebrew, says to install it first', () => {
    const plan = planSetup(probe({ platform: 'darwin', files: ['/usr/bin/openssl'], env: { PATH: '' } }))
    expect(plan.install).toBeUndefined()
    expect(plan.manual.map((step) => step.command)).toEqual([
      'install Homebrew (https://brew.sh), then brew install mosquitto',
      'install Homebrew (https://brew.sh), then brew install --cask google-chrome',
    ])
  })

  it('on Windows, says the suite runs on Linux and macOS', () => {
    const plan = planSetup(probe({ platform: 'win32' }))
    expect(describeManualSteps(plan)).toEqual([
      'The test suite runs on Linux and macOS (this is win32); the app itself runs here.',
    ])
  })
})
