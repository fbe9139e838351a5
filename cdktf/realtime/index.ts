/**
 * Messaging on AWS IoT Core: the account's data endpoint (iot:Data-ATS), the per-user IoT policy, and the Lambda
 * that attaches that policy to a signed-in user's identity (a Cognito identity needs it before it may connect).
 */
import path from 'node:path'
import { Construct } from 'constructs'
import { DataAwsIotEndpoint } from '@cdktf/provider-aws/lib/data-aws-iot-endpoint/index.js'
import { IotPolicy } from '@cdktf/provider-aws/lib/iot-policy/index.js'
import { LAMBDA_ENV } from '../../src-main/backend/lambda/lambda-env'
import type { AwsArns } from '../lib/aws-arns'
import { NodeLambda } from '../lib/node-lambda'
import { policyJson } from '../lib/policy-document'
import { userIotStatements } from './user-access'

export interface RealtimeOptions {
  namePrefix: string
  topicPrefix: string
  arns: AwsArns
  identityPoolId: string
  bundleDir: string
  logRetentionDays: number
}

const ATTACH_POLICY_ENTRY = path.resolve(import.meta.dirname, '../../src-main/backend/lambda/attach-policy-lambda.ts')

export class Realtime extends Construct {
  /** The host name the app connects to and the chat Lambda publishes through. */
  readonly endpointAddress: string
  readonly userPolicy: IotPolicy
  readonly attachPolicyFunction: NodeLambda

  constructor(scope: Construct, id: string, options: RealtimeOptions) {
    super(scope, id)
    this.endpointAddress = new DataAwsIotEndpoint(this, 'endpoint', { endpointType: 'iot:Data-ATS' }).endpointAddress

    this.userPolicy = new IotPolicy(this, 'user-policy', {
      name: `${options.namePrefix}-user-access`,
      policy: policyJson(userIotStatements(options.arns, options.topicPrefix)),
    })

    this.attachPolicyFunction = new NodeLambda(this, 'attach-policy', {
      functionName: `${options.namePrefix}-attach-policy`,
      description: 'Attaches the StreamDesk IoT policy to the calling Cognito identity',
      entry: ATTACH_POLICY_ENTRY,
      bundleDir: options.bundleDir,
      environment: {
        [LAMBDA_ENV.iotPolicyName]: this.userPolicy.name,
        [LAMBDA_ENV.identityPoolId]: options.identityPoolId,
      },
      timeoutSeconds: 10,
      memoryMb: 256,
      logRetentionDays: options.logRetentionDays,
      statements: [
        {
          // The IAM reference lists only certificates and thing groups as iot:AttachPolicy's resources; a Cognito
          // identity target has no ARN, so IAM can match the call only with "*". The function's code fixes both the
          // policy (from its environment) and the target (the caller's own identity), and only it holds this role.
          Sid: 'AttachUserPolicyToCallers',
          Effect: 'Allow',
          Action: ['iot:AttachPolicy'],
          Resource: ['*'],
        },
      ],
    })
  }
}
