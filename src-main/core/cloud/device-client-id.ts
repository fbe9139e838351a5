/**
 * The MQTT client id of this installation for a user: `<identityId>-<deviceId>`. IoT Core disconnects the older of
 * two connections with the same client id, so a user with two computers needs one id per computer; the device id is
 * random, made once per installation and user and kept in the token store, so after a restart the app resumes its
 * own persistent session (and the chunks queued for it). The IoT policy lets a user connect only with client ids
 * that start with their own identity id (cdktf/realtime/user-access.ts).
 */
import { randomBytes } from 'node:crypto'
import { tokenKeys, type TokenStore } from './token-store'

/** 16 lowercase hex characters: what this module writes, and all it accepts back. */
const DEVICE_ID = /^[0-9a-f]{16}$/

export async function deviceClientId(
  store: TokenStore,
  identityId: string,
  newDeviceId = () => randomBytes(8).toString('hex'),
): Promise<string> {
  const key = tokenKeys.deviceId(identityId)
  let deviceId = await store.get(key)
  // Missing, or not one of ours (edited, or unreadable after a keychain change): a new device, a new session.
  if (deviceId === undefined || !DEVICE_ID.test(deviceId)) {
    deviceId = newDeviceId()
    await store.set(key, deviceId)
  }
  return `${identityId}-${deviceId}`
}
