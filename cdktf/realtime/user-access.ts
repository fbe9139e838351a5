/**
 * What one signed-in user may do on AWS IoT Core, keyed by their Cognito identity id through the policy variable
 * `${cognito-identity.amazonaws.com:sub}`: connect only with a client id of their own (their identity id, or it
 * followed by `-` and a device id: one per computer, since IoT Core drops the older of two connections with the
 * same client id), subscribe only to
 * their own streams' and announcements' filters, receive only their own topics, and publish (retained) only their own stop requests.
 * The same statements go into the IoT policy and the identity pool's IAM role: IoT Core allows what both allow.
 */
import { COGNITO_IDENTITY_ID, type PolicyStatement } from '../lib/policy-document'
import type { AwsArns } from '../lib/aws-arns'

export function userIotStatements(arns: AwsArns, topicPrefix: string): PolicyStatement[] {
  const own = `${topicPrefix}/${COGNITO_IDENTITY_ID}`
  return [
    {
      Sid: 'ConnectAsSelf',
      Effect: 'Allow',
      Action: ['iot:Connect'],
      Resource: [arns.iot(`client/${COGNITO_IDENTITY_ID}`), arns.iot(`client/${COGNITO_IDENTITY_ID}-*`)],
    },
    // `+` in a topicfilter resource is literal: these are exactly the two filters the app subscribes to, its
    // streams and the announcements of prompts asked on the user's other devices.
    {
      Sid: 'SubscribeToOwnStreams',
      Effect: 'Allow',
      Action: ['iot:Subscribe'],
      Resource: [arns.iot(`topicfilter/${own}/+`), arns.iot(`topicfilter/${own}/announce/+`)],
    },
    { Sid: 'ReceiveOwnTopics', Effect: 'Allow', Action: ['iot:Receive'], Resource: [arns.iot(`topic/${own}/*`)] },
    {
      Sid: 'PublishOwnStopRequests',
      Effect: 'Allow',
      Action: ['iot:Publish', 'iot:RetainPublish'],
      Resource: [arns.iot(`topic/${own}/control/*`)],
    },
  ]
}
