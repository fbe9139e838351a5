/** ARNs of this account and region, from data sources, so the synthesized JSON holds no account id. */
import { Construct } from 'constructs'
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity/index.js'
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition/index.js'

export interface AwsArnsOptions {
  region: string
}

/** Cross-region inference profiles: a geography, a dot, then the foundation model id. */
const INFERENCE_PROFILE = /^(global|us-gov|us|eu|apac|ca|jp|au)\.(.+)$/

export class AwsArns extends Construct {
  readonly partition: string
  readonly account: string
  readonly region: string

  constructor(scope: Construct, id: string, options: AwsArnsOptions) {
    super(scope, id)
    this.partition = new DataAwsPartition(this, 'partition').partition
    this.account = new DataAwsCallerIdentity(this, 'account').accountId
    this.region = options.region
  }

  /** `arn:…:iot:<region>:<account>:<resource>`, e.g. `topic/streamdesk/*`. */
  iot(resource: string): string {
    return `arn:${this.partition}:iot:${this.region}:${this.account}:${resource}`
  }

  /**
   * What bedrock:InvokeModelWithResponseStream must allow for a model id: the foundation model in this region;
   * for an inference profile, the profile and the foundation model in every region it may route to (a global
   * profile also routes to the region-less ARN). An ARN is taken as it is.
   */
  bedrockModel(modelId: string): string[] {
    if (modelId.startsWith('arn:')) return [modelId]
    const profile = INFERENCE_PROFILE.exec(modelId)
    if (!profile) return [`arn:${this.partition}:bedrock:${this.region}::foundation-model/${modelId}`]
    const [, geography, foundationModel] = profile
    return [
      `arn:${this.partition}:bedrock:${this.region}:${this.account}:inference-profile/${modelId}`,
      `arn:${this.partition}:bedrock:*::foundation-model/${foundationModel}`,
      ...(geography === 'global' ? [`arn:${this.partition}:bedrock:::foundation-model/${foundationModel}`] : []),
    ]
  }
}
