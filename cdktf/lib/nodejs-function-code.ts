/**
 * A Lambda's code: a TypeScript entry bundled with esbuild at synth time into one CommonJS file, zipped by
 * TerraformAsset. The AWS SDK is bundled rather than taken from the Lambda runtime, so the function runs the SDK
 * versions the tests ran against (the runtime's copy changes when AWS updates it, and it lags behind new APIs).
 */
import { rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { AssetType, TerraformAsset } from 'cdktf'
import { Construct } from 'constructs'
import { buildSync } from 'esbuild'

export interface NodejsFunctionCodeOptions {
  /** The TypeScript file exporting `handler`. */
  entry: string
  /** Where bundles are written (one folder per function). */
  bundleDir: string
}

/** The repository root: esbuild's working directory, so the bundle's path comments are machine-independent. */
const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..')

/** The Node.js runtime the bundles target; also the Lambda runtime. */
export const NODE_RUNTIME = 'nodejs22.x'

export class NodejsFunctionCode extends Construct {
  readonly asset: TerraformAsset
  /** The Lambda handler setting for this bundle. */
  readonly handler = 'index.handler'

  constructor(scope: Construct, id: string, options: NodejsFunctionCodeOptions) {
    super(scope, id)
    const outdir = path.join(options.bundleDir, ...this.node.path.split('/')) // one folder per construct
    rmSync(outdir, { recursive: true, force: true })
    buildSync({
      entryPoints: [path.resolve(options.entry)],
      outfile: path.join(outdir, 'index.js'),
      absWorkingDir: REPO_ROOT,
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      // Unminified: CloudWatch stack traces stay readable, and the zip compresses it well anyway.
      minify: false,
      legalComments: 'none',
      logLevel: 'warning',
    })
    // Says what the bundle is wherever it lies (this repository's package.json says "module").
    writeFileSync(path.join(outdir, 'package.json'), '{ "type": "commonjs" }\n')
    this.asset = new TerraformAsset(this, 'asset', { path: outdir, type: AssetType.ARCHIVE })
  }
}
