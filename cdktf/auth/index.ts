/**
 * Sign-in: a Cognito user pool (email as the user name, verified by an emailed code; optional authenticator-app
 * MFA), an app client for the desktop app (a public client: no secret, SRP or password sign-in, refresh tokens),
 * and an identity pool that trades the pool's ID token for AWS credentials. Unauthenticated identities are off.
 */
import { Construct } from 'constructs'
import { CognitoIdentityPool } from '@cdktf/provider-aws/lib/cognito-identity-pool/index.js'
import { CognitoUserPool } from '@cdktf/provider-aws/lib/cognito-user-pool/index.js'
import { CognitoUserPoolClient } from '@cdktf/provider-aws/lib/cognito-user-pool-client/index.js'

export interface AuthOptions {
  namePrefix: string
  /** 'optional': users may turn on an authenticator app (TOTP); 'off': no MFA. */
  mfa: 'off' | 'optional'
}

export class Auth extends Construct {
  readonly userPool: CognitoUserPool
  readonly userPoolClient: CognitoUserPoolClient
  readonly identityPool: CognitoIdentityPool

  constructor(scope: Construct, id: string, options: AuthOptions) {
    super(scope, id)
    this.userPool = new CognitoUserPool(this, 'user-pool', {
      name: `${options.namePrefix}-users`,
      usernameAttributes: ['email'],
      usernameConfiguration: { caseSensitive: false },
      autoVerifiedAttributes: ['email'],
      verificationMessageTemplate: { defaultEmailOption: 'CONFIRM_WITH_CODE' },
      accountRecoverySetting: { recoveryMechanism: [{ name: 'verified_email', priority: 1 }] },
      adminCreateUserConfig: { allowAdminCreateUserOnly: false },
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
