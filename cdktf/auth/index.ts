/**
 * Sign-in: a Cognito user pool (email as the user name, verified by an emailed code; optional authenticator-app
 * MFA), an app client for the desktop app (a public client: no secret, SRP or password sign-in, refresh tokens),
 * and an identity pool that trades the pool's ID token for AWS credentials. Unauthenticated identities are off.
 *
 * Who may sign up is the deployer's sign-up policy: invite-only (only administrators create users, the default),
 * allowed-domains (self sign-up, checked by the pre-sign-up Lambda src-main/backend/lambda/pre-sign-up-lambda.ts),
 * or open.
 */
import path from 'node:path'
import { Construct } from 'constructs'
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission/index.js'
import { CognitoIdentityPool } from '@cdktf/provider-aws/lib/cognito-identity-pool/index.js'
import { CognitoUserPool } from '@cdktf/provider-aws/lib/cognito-user-pool/index.js'
import { CognitoUserPoolClient } from '@cdktf/provider-aws/lib/cognito-user-pool-client/index.js'
import { LAMBDA_ENV } from '../../src-main/backend/lambda/lambda-env'
import type { SignUpPolicy } from '../config/stack-config'
import { NodeLambda } from '../lib/node-lambda'

export interface AuthOptions {
  namePrefix: string
  /** 'optional': users may turn on an authenticator app (TOTP); 'off': no MFA. */
  mfa: 'off' | 'optional'
  signUp: SignUpPolicy
  /** For the pre-sign-up Lambda (allowed-domains only). */
  bundleDir: string
  logRetentionDays: number
}

const PRE_SIGN_UP_ENTRY = path.resolve(import.meta.dirname, '../../src-main/backend/lambda/pre-sign-up-lambda.ts')

export class Auth extends Construct {
  readonly userPool: CognitoUserPool
  readonly userPoolClient: CognitoUserPoolClient
  readonly identityPool: CognitoIdentityPool
  /** Present with the allowed-domains policy only. */
  readonly preSignUpFunction?: NodeLambda

  constructor(scope: Construct, id: string, options: AuthOptions) {
    super(scope, id)
    const { signUp } = options
    if (signUp.policy === 'allowed-domains') {
      this.preSignUpFunction = new NodeLambda(this, 'pre-sign-up', {
        functionName: `${options.namePrefix}-pre-sign-up`,
        description: 'Accepts a StreamDesk self sign-up only for the allowed email domains',
        entry: PRE_SIGN_UP_ENTRY,
        bundleDir: options.bundleDir,
        environment: { [LAMBDA_ENV.allowedEmailDomains]: signUp.domains.join(',') },
        timeoutSeconds: 5, // Cognito waits 5 s for a trigger
        memoryMb: 128,
        logRetentionDays: options.logRetentionDays,
        statements: [], // it reads the event and nothing else
      })
    }
    this.userPool = new CognitoUserPool(this, 'user-pool', {
      name: `${options.namePrefix}-users`,
      usernameAttributes: ['email'],
      usernameConfiguration: { caseSensitive: false },
      autoVerifiedAttributes: ['email'],
      verificationMessageTemplate: { defaultEmailOption: 'CONFIRM_WITH_CODE' },
      accountRecoverySetting: { recoveryMechanism: [{ name: 'verified_email', priority: 1 }] },
      // Invite-only: the pool refuses SignUp itself; users come from admin-create-user only.
      adminCreateUserConfig: { allowAdminCreateUserOnly: signUp.policy === 'invite-only' },
      ...(this.preSignUpFunction ? { lambdaConfig: { preSignUp: this.preSignUpFunction.function.arn } } : {}),
      passwordPolicy: {
        minimumLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireNumbers: true,
        requireSymbols: false,
        temporaryPasswordValidityDays: 7,
      },
      mfaConfiguration: options.mfa === 'optional' ? 'OPTIONAL' : 'OFF',
      ...(options.mfa === 'optional' ? { softwareTokenMfaConfiguration: { enabled: true } } : {}),
    })

    if (this.preSignUpFunction) {
      // Cognito invokes the trigger as itself: only this user pool may.
      new LambdaPermission(this, 'pre-sign-up-invoke', {
        statementId: 'CognitoPreSignUp',
        action: 'lambda:InvokeFunction',
        functionName: this.preSignUpFunction.function.functionName,
        principal: 'cognito-idp.amazonaws.com',
        sourceArn: this.userPool.arn,
      })
    }

    this.userPoolClient = new CognitoUserPoolClient(this, 'desktop-client', {
      name: `${options.namePrefix}-desktop`,
      userPoolId: this.userPool.id,
      generateSecret: false, // a desktop app cannot keep a secret
      explicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      preventUserExistenceErrors: 'ENABLED',
      enableTokenRevocation: true,
      authSessionValidity: 5,
      accessTokenValidity: 60,
      idTokenValidity: 60,
      refreshTokenValidity: 30,
      tokenValidityUnits: [{ accessToken: 'minutes', idToken: 'minutes', refreshToken: 'days' }],
    })

    this.identityPool = new CognitoIdentityPool(this, 'identity-pool', {
      identityPoolName: `${options.namePrefix.replace(/-/g, '_')}_identities`, // only letters, digits, _ and spaces
      allowUnauthenticatedIdentities: false,
      allowClassicFlow: false,
      cognitoIdentityProviders: [
        { providerName: this.userPool.endpoint, clientId: this.userPoolClient.id, serverSideTokenCheck: true },
      ],
    })
  }
}
