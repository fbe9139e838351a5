/**
 * `npm test`'s first step: makes sure the programs the suite drives are there before any test runs (see
 * test-tools.ts). Installs what is missing where that needs no one's answer, else stops with one line per missing
 * program and the command that installs it. STREAMDESK_SETUP_NO_INSTALL=1 never installs (the setup's own test).
 */
import { spawnSync } from 'node:child_process'
import { describeManualSteps, machineProbe, planSetup, TOOLS, type SetupPlan } from './test-tools'

function plan(allowInstall: boolean): SetupPlan {
  const probe = machineProbe()
  const first = planSetup(probe, allowInstall)
  // sudo is asked only when something is missing and we are not root: `sudo -n` never prompts.
  if (first.manual.length === 0 || probe.isRoot || probe.platform !== 'linux' || !allowInstall) return first
  const sudo = spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' })
  return sudo.status === 0 ? planSetup({ ...probe, passwordlessSudo: true }, allowInstall) : first
}

const allowInstall = process.env.STREAMDESK_SETUP_NO_INSTALL !== '1'
let setup = plan(allowInstall)
if (setup.install) {
  const labels = setup.install.tools.map((tool) => TOOLS[tool].label).join(', ')
  console.log(`Installing what the tests need: ${labels}`)
  for (const [command, ...args] of setup.install.steps) {
    console.log(`$ ${[command, ...args].join(' ')}`)
    const result = spawnSync(command!, args, { stdio: 'inherit' })
    if (result.status !== 0) {
      console.error(`That failed (${result.error?.message ?? `exit code ${result.status}`}).`)
      break
    }
  }
  setup = plan(false)
}
if (setup.unsupported || setup.manual.length > 0) {
  for (const line of describeManualSteps(setup)) console.error(line)
  process.exit(1)
}
