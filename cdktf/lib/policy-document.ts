/**
 * IAM and IoT policy documents as typed objects, serialized with JSON.stringify (tokens inside strings, such as a
 * function's ARN, become Terraform interpolations at synth time).
 */

export interface PolicyStatement {
  Sid?: string
  Effect: 'Allow' | 'Deny'
  Action: string[]
  Resource?: string[]
  Principal?: Record<string, string>
  Condition?: Record<string, Record<string, string | string[]>>
}

export interface PolicyDocument {
  Version: '2012-10-17'
  Statement: PolicyStatement[]
}

export function policyJson(statements: PolicyStatement[]): string {
  const document: PolicyDocument = { Version: '2012-10-17', Statement: statements }
  return JSON.stringify(document)
}

/**
 * A policy variable, such as `${cognito-identity.amazonaws.com:sub}`, written so that it reaches AWS literally.
 * Terraform reads `${…}` in any string as an interpolation, and cdktf passes strings through unchanged, so the
 * synthesized JSON must carry `$${…}`, which Terraform turns back into `${…}`.
 */
export function policyVariable(name: string): string {
  return `$\${${name}}`
}

/** The signed-in user's Cognito identity id, in IAM and IoT policies alike. */
export const COGNITO_IDENTITY_ID = policyVariable('cognito-identity.amazonaws.com:sub')

export function lambdaAssumeRolePolicy(): string {
  return policyJson([{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: ['sts:AssumeRole'] }])
}
