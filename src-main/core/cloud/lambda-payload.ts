/**
 * A Lambda invocation's answer (`InvokeCommand`'s `Payload`) as JSON: undefined for an empty or unparsable one, so
 * each caller checks the shape it expects and words a backend that answered nothing usable.
 */
export function parseLambdaPayload(payload: Uint8Array | undefined): unknown {
  if (!payload || payload.byteLength === 0) return undefined
  try {
    return JSON.parse(new TextDecoder().decode(payload))
  } catch {
    return undefined
  }
}
