/**
 * Runs the package.json scripts named on the command line at the same time, each one's output held and printed
 * whole when it ends (so they do not interleave), and fails when any of them fails. `npm test` runs its static
 * checks (format, lint, both type checks, the Electron audit) this way: each waits on one core for most of its
 * time, so together they take about as long as the slowest, not their sum.
 *
 *   node tests/support/run-scripts-together.mjs format:check lint typecheck:node
 */
import { Buffer } from 'node:buffer'
import { spawn } from 'node:child_process'

const scripts = process.argv.slice(2)
if (scripts.length === 0) {
  console.error('usage: node tests/support/run-scripts-together.mjs <script> [<script> …]')
  process.exit(2)
}
// Names go through a shell: only what a package.json script name looks like.
const unsafe = scripts.find((script) => !/^[\w:.-]+$/.test(script))
if (unsafe) {
  console.error(`not a script name: ${unsafe}`)
  process.exit(2)
}

/** One script's run: its exit code, its output, and how long it took. */
function run(script) {
  const started = Date.now()
  return new Promise((resolve) => {
    // A shell finds npm (npm.cmd on Windows) the way the user's terminal does.
    const child = spawn(`npm run --silent ${script}`, { shell: true, stdio: ['ignore', 'pipe', 'pipe'] })
    const output = []
    child.stdout.on('data', (data) => output.push(data))
    child.stderr.on('data', (data) => output.push(data))
    child.on('error', (error) => output.push(Buffer.from(`${error.message}\n`)))
    child.on('close', (code, signal) =>
      resolve({
        script,
        code: code ?? 1,
        signal,
        output: Buffer.concat(output),
        seconds: (Date.now() - started) / 1000,
      }),
    )
  })
}

const results = await Promise.all(scripts.map(run))
for (const { script, code, signal, output, seconds } of results) {
  const outcome = code === 0 ? 'passed' : `FAILED (${signal ?? `exit ${code}`})`
  console.log(`\n── ${script}: ${outcome} in ${seconds.toFixed(1)} s`)
  if (output.length > 0) process.stdout.write(output)
}
const failed = results.filter((result) => result.code !== 0).map((result) => result.script)
if (failed.length > 0) {
  console.error(`\n${failed.length} of ${scripts.length} checks failed: ${failed.join(', ')}`)
  process.exit(1)
}
