/** Where the chat handler sends chunk messages: MQTT locally, the IoT data plane in the Lambda. */
export interface Publisher {
  /** Resolves once the broker has the message (QoS 1 PUBACK or the data plane's 200). */
  publish(topic: string, payload: string): Promise<void>
}
