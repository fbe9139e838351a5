/**
 * `npm run cdktf:synth`: writes the Terraform JSON for the StreamDesk backend to cdktf/cdktf.out/stacks/streamdesk/
 * (offline; no Terraform, no AWS credentials). `npm run cdktf:deploy` then applies it with Terraform or OpenTofu.
 */
import path from 'node:path'
import { App } from 'cdktf'
import { loadStackConfig } from './config/stack-config'
import { STACK_ID, StreamDeskStack } from './stack'

const started = performance.now()
const app = new App({ outdir: path.join(import.meta.dirname, 'cdktf.out') })
new StreamDeskStack(app, STACK_ID, { config: loadStackConfig() })
app.synth()
const seconds = ((performance.now() - started) / 1000).toFixed(1)
console.log(`Synthesized ${path.join(app.outdir, 'stacks', STACK_ID, 'cdk.tf.json')} in ${seconds} s`)
