/**
 * IoT Core's data plane (mocked at the SDK edge) as a chat Lambda's stream usually finds it: every publish accepted,
 * no stop request retained for the stream.
 */
import type { AwsClientStub } from 'aws-sdk-client-mock'
import {
  GetRetainedMessageCommand,
  PublishCommand,
  ResourceNotFoundException,
  type IoTDataPlaneClient,
} from '@aws-sdk/client-iot-data-plane'

export function answerAsIdle(iotData: AwsClientStub<IoTDataPlaneClient>): void {
  iotData.reset()
  iotData.on(PublishCommand).resolves({})
  iotData
    .on(GetRetainedMessageCommand)
    .rejects(new ResourceNotFoundException({ message: 'No retained message', $metadata: {} }))
}
