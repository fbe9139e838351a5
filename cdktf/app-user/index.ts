/**
 * The IAM role every signed-in user gets from the identity pool. It allows the per-user IoT statements (the same as
 * the IoT policy's) and invoking the StreamDesk functions the app calls (chat, attach-policy, fetch-stream,
 * upload-presign), each by its ARN: nothing else (no DynamoDB: answers are read only through the fetch-stream Lambda;
 * no S3: attachments are put only through the POSTs the upload-presign Lambda signs). In particular not the AWS-managed
 * AWSIoTDataAccess or AWSIoTConfigAccess, which would let any user read every topic and edit IoT policies.
 */
import { Construct } from 'constructs'
import { CognitoIdentityPool } from '@cdktf/provider-aws/lib/cognito-identity-pool/index.js'
import { CognitoIdentityPoolRolesAttachment } from '@cdktf/provider-aws/lib/cognito-identity-pool-roles-attachment/index.js'
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js'
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js'
import type { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function/index.js'
import { policyJson, type PolicyStatement } from '../lib/policy-document'

export interface AppUserOptions {
  namePrefix: string
  identityPool: CognitoIdentityPool
  iotStatements: PolicyStatement[]
  invokableFunctions: LambdaFunction[]
}

export class AppUser extends Construct {
  readonly role: IamRole

  constructor(scope: Construct, id: string, options: AppUserOptions) {
    super(scope, id)
    this.role = new IamRole(this, 'role', {
      name: `${options.namePrefix}-app-user`,
      description: 'Assumed through the StreamDesk identity pool by signed-in users',
      assumeRolePolicy: policyJson([
        {
          Effect: 'Allow',
          Principal: { Federated: 'cognito-identity.amazonaws.com' },
          Action: ['sts:AssumeRoleWithWebIdentity'],
          Condition: {
            StringEquals: { 'cognito-identity.amazonaws.com:aud': options.identityPool.id },
            'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' },
          },
        },
      ]),
    })
    new IamRolePolicy(this, 'permissions', {
      name: 'own-topics-and-functions',
      role: this.role.name,
      policy: policyJson([
        ...options.iotStatements,
        {
          Sid: 'InvokeStreamDeskFunctions',
          Effect: 'Allow',
          Action: ['lambda:InvokeFunction'],
          Resource: options.invokableFunctions.map((fn) => fn.arn),
        },
      ]),
    })
    new CognitoIdentityPoolRolesAttachment(this, 'roles', {
      identityPoolId: options.identityPool.id,
      roles: { authenticated: this.role.arn },
    })
  }
}
