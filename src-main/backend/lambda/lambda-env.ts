/** The environment variables the CDKTF stack gives the Lambdas; the stack and the handlers share these names. */

export const LAMBDA_ENV = {
  topicPrefix: 'STREAMDESK_TOPIC_PREFIX',
  /** The account's iot:Data-ATS host name. */
  iotEndpoint: 'STREAMDESK_IOT_ENDPOINT',
  /** The model catalog, as JSON. */
  models: 'STREAMDESK_MODELS',
  /** Only identities of this pool are served. */
  identityPoolId: 'STREAMDESK_IDENTITY_POOL_ID',
  iotPolicyName: 'STREAMDESK_IOT_POLICY_NAME',
  /** The DynamoDB table of finished answers (the chat Lambda writes, the fetch-stream Lambda reads). */
  answerTable: 'STREAMDESK_ANSWER_TABLE',
  /** The spend guard's table and limits (the chat Lambda enforces them; see src-main/backend/spend-guard.ts). */
  spendTable: 'STREAMDESK_SPEND_TABLE',
  dailyTokens: 'STREAMDESK_DAILY_TOKENS',
  monthlyTokens: 'STREAMDESK_MONTHLY_TOKENS',
  concurrentStreams: 'STREAMDESK_CONCURRENT_STREAMS',
  /** The attachments bucket (cloud mode's uploads; the chat Lambda reads the caller's own prefix). */
  uploadBucket: 'STREAMDESK_UPLOAD_BUCKET',
  /** The pre-sign-up trigger's allowed email domains, comma-separated. */
  allowedEmailDomains: 'STREAMDESK_ALLOWED_EMAIL_DOMAINS',
} as const

export function requireEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim()
  if (!value) throw new Error(`The environment variable ${name} is not set; the stack sets it.`)
  return value
}
