/**
 * A Node.js Lambda with its own least-privilege role and log group: the role may write to that one log group and
 * do what `statements` allow, nothing else (no AWSLambdaBasicExecutionRole, whose log permissions cover every
 * log group in the account).
 */
import { Fn } from 'cdktf'
import { Construct } from 'constructs'
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js'
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js'
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js'
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function/index.js'
import { NODE_RUNTIME, NodejsFunctionCode } from './nodejs-function-code'
import { lambdaAssumeRolePolicy, policyJson, type PolicyStatement } from './policy-document'

export interface NodeLambdaOptions {
  functionName: string
  description: string
  entry: string
  bundleDir: string
  environment: Record<string, string>
  timeoutSeconds: number
  memoryMb: number
  logRetentionDays: number
  /** What the function may do besides logging. */
  statements: PolicyStatement[]
  /** Concurrent executions reserved for the function, which are also its most. */
  reservedConcurrency?: number
}

export class NodeLambda extends Construct {
  readonly function: LambdaFunction
  readonly role: IamRole
  readonly logGroup: CloudwatchLogGroup

  constructor(scope: Construct, id: string, options: NodeLambdaOptions) {
    super(scope, id)
    const code = new NodejsFunctionCode(this, 'code', { entry: options.entry, bundleDir: options.bundleDir })

    this.logGroup = new CloudwatchLogGroup(this, 'logs', {
      name: `/aws/lambda/${options.functionName}`,
      retentionInDays: options.logRetentionDays,
    })
    this.role = new IamRole(this, 'role', {
      name: `${options.functionName}-lambda`,
      description: `Runs the ${options.functionName} Lambda`,
      assumeRolePolicy: lambdaAssumeRolePolicy(),
    })
    const permissions = new IamRolePolicy(this, 'permissions', {
      name: 'least-privilege',
      role: this.role.name,
      policy: policyJson([
        {
          Sid: 'WriteOwnLogs',
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: [`${this.logGroup.arn}:*`],
        },
        ...options.statements,
      ]),
    })
    this.function = new LambdaFunction(this, 'function', {
      functionName: options.functionName,
      description: options.description,
      runtime: NODE_RUNTIME,
      architectures: ['arm64'],
      handler: code.handler,
      filename: code.asset.path,
      sourceCodeHash: Fn.filebase64sha256(code.asset.path),
      role: this.role.arn,
      timeout: options.timeoutSeconds,
      memorySize: options.memoryMb,
      ...(options.reservedConcurrency !== undefined
        ? { reservedConcurrentExecutions: options.reservedConcurrency }
        : {}),
      environment: { variables: options.environment },
      loggingConfig: { logFormat: 'Text', logGroup: this.logGroup.name },
      // The role's permissions and the log group exist before the function's first invocation.
      dependsOn: [permissions, this.logGroup],
    })
  }
}
