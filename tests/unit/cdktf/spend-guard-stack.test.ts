/**
 * The stack as a deployer gets it without choosing anything about spend (issue 17): invite-only sign-up (no
 * pre-sign-up trigger), the default budgets and reserved concurrency, and no cost alarm. The chosen variants
 * (allowed domains, an alarm, other limits) are synthesized in stack.test.ts; bad values in stack-config.test.ts.
 */
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Testing } from 'cdktf'
import { resolveStackConfig } from '../../../cdktf/config/stack-config'
import { StreamDeskStack } from '../../../cdktf/stack'
import { makeTempDirSync } from '../../support/temp-dir'

interface Synthesized {
  resource: Record<string, Record<string, Record<string, unknown>>>
  output: Record<string, { value: unknown }>
}

let tf: Synthesized
let bundleDir: string

beforeAll(() => {
  bundleDir = makeTempDirSync('bundles')
  const stack = new StreamDeskStack(Testing.app({ outdir: makeTempDirSync('cdktf-out') }), 'streamdesk', {
    config: resolveStackConfig({ namePrefix: 'sd-default' }),
    bundleDir,
  })
  tf = JSON.parse(Testing.synth(stack)) as Synthesized
}, 180_000)

afterAll(() => rmSync(bundleDir, { recursive: true, force: true }))

const resources = (type: string) => Object.values(tf.resource[type] ?? {})

describe('StreamDesk stack with the default spend settings', () => {
  it('is invite-only: the user pool allows admin-created users only, with no pre-sign-up trigger', () => {
    const [pool, ...others] = resources('aws_cognito_user_pool')
    expect(others).toEqual([])
    expect(pool).toMatchObject({ admin_create_user_config: { allow_admin_create_user_only: true } })
    expect(pool).not.toHaveProperty('lambda_config')
    expect(
      resources('aws_lambda_function')
        .map((fn) => fn.function_name)
        .sort(),
    ).toEqual(['sd-default-attach-policy', 'sd-default-chat', 'sd-default-fetch-stream', 'sd-default-upload-presign'])
    expect(tf.resource).not.toHaveProperty('aws_lambda_permission')
    expect(tf.output.sign_up_policy!.value).toBe('invite-only')
  })

  it('enforces the default budgets and reserves 20 concurrent executions for the chat Lambda', () => {
    const chat = resources('aws_lambda_function').find((fn) => fn.function_name === 'sd-default-chat')!
    expect(chat.reserved_concurrent_executions).toBe(20)
    expect(chat.environment).toMatchObject({
      variables: {
        STREAMDESK_DAILY_TOKENS: '200000',
        STREAMDESK_MONTHLY_TOKENS: '3000000',
        STREAMDESK_CONCURRENT_STREAMS: '2',
      },
    })
    // The other functions are small and short: they keep the account's shared pool.
    for (const fn of resources('aws_lambda_function').filter((f) => f !== chat))
      expect(fn).not.toHaveProperty('reserved_concurrent_executions')
  })

  it('has no cost alarm when none is configured', () => {
    expect(tf.resource).not.toHaveProperty('aws_budgets_budget')
  })

  it('reserves no concurrency when the deployer sets it to false (an account below 100 + the reservation)', () => {
    const stack = new StreamDeskStack(Testing.app({ outdir: makeTempDirSync('cdktf-out') }), 'streamdesk', {
      config: resolveStackConfig({ namePrefix: 'sd-unreserved', chatReservedConcurrency: false }),
      bundleDir,
    })
    const functions = Object.values((JSON.parse(Testing.synth(stack)) as Synthesized).resource.aws_lambda_function!)
    expect(functions.map((fn) => fn.function_name)).toContain('sd-unreserved-chat')
    for (const fn of functions) expect(fn).not.toHaveProperty('reserved_concurrent_executions')
  }, 180_000)
})
