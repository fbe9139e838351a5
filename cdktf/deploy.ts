/**
 * `npm run cdktf:deploy` runs the synth, then this: `init` and `apply` on cdktf.out/stacks/streamdesk with
 * Terraform, or OpenTofu when Terraform is not installed (cdk.tf.json is plain Terraform JSON; no cdktf CLI is
 * involved), and finally writes the app's cloud configuration to cdktf/streamdesk-cloud-config.json.
 * Extra arguments go to `apply`: `npm run cdktf:deploy -- -auto-approve`.
 */
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { CLOUD_CONFIG_OUTPUT_NAME, parseCloudConfig } from '../src-main/protocol/cloud-config'
import { STACK_ID } from './stack'

const stackDir = path.join(import.meta.dirname, 'cdktf.out', 'stacks', STACK_ID)
const configFile = path.join(import.meta.dirname, 'streamdesk-cloud-config.json')

function installed(tool: string): boolean {
  return !spawnSync(tool, ['version'], { stdio: 'ignore' }).error
}

function run(tool: string, args: string[], capture = false): string {
  const result = spawnSync(tool, [`-chdir=${stackDir}`, ...args], {
    stdio: capture ? ['inherit', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
  })
  if (result.error) throw result.error
  if (result.status !== 0) process.exit(result.status ?? 1)
  return result.stdout ?? ''
}

const tool = ['terraform', 'tofu'].find(installed)
if (!tool) {
  console.error('Neither terraform nor tofu is on the PATH. Install Terraform or OpenTofu, then run this again.')
  process.exit(1)
}
run(tool, ['init', '-input=false'])
run(tool, ['apply', ...process.argv.slice(2)])

const parsed = parseCloudConfig(run(tool, ['output', '-json', CLOUD_CONFIG_OUTPUT_NAME], true))
if (!parsed.ok) {
  console.error(parsed.message)
  process.exit(1)
}
writeFileSync(configFile, `${JSON.stringify(parsed.config, null, 2)}\n`)
console.log(`\nStreamDesk's cloud configuration is in ${configFile}.`)
console.log('Load it in StreamDesk under Settings → Cloud (or paste its contents there).')
