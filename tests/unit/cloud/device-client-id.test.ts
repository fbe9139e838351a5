import { describe, expect, it } from 'vitest'
import { deviceClientId } from '../../../src-main/core/cloud/device-client-id'
import { tokenKeys } from '../../../src-main/core/cloud/token-store'
import { IDENTITY_ID, tempTokenStore } from './cloud-fixtures'

describe('deviceClientId', () => {
  it('is the identity id and a device id made once, then read back', async () => {
    const store = await tempTokenStore()
    let made = 0
    const newDeviceId = () => (made++ === 0 ? '0123456789abcdef' : 'fedcba9876543210')
    expect(await deviceClientId(store, IDENTITY_ID, newDeviceId)).toBe(`${IDENTITY_ID}-0123456789abcdef`)
    expect(await deviceClientId(store, IDENTITY_ID, newDeviceId)).toBe(`${IDENTITY_ID}-0123456789abcdef`)
    expect(made).toBe(1)
    // Another user of the same installation gets a device id of their own.
    expect(await deviceClientId(store, 'us-east-1:other', newDeviceId)).toBe('us-east-1:other-fedcba9876543210')
  })

  it('replaces a stored value that is not one of its ids (edited or forged), rather than connecting with it', async () => {
    const store = await tempTokenStore()
    for (const forged of ['', 'x', '../../other', 'us-east-1:someone-else', 'ABCDEF0123456789', '0123456789abcdef0']) {
      await store.set(tokenKeys.deviceId(IDENTITY_ID), forged)
      const clientId = await deviceClientId(store, IDENTITY_ID)
      expect(clientId).toMatch(new RegExp(`^${IDENTITY_ID}-[0-9a-f]{16}$`))
      expect(clientId.endsWith(`-${forged}`)).toBe(false)
    }
  })

  it('fits an MQTT client id within IoT Core’s 128 bytes', async () => {
    const clientId = await deviceClientId(
      await tempTokenStore(),
      `eu-central-1:${'f'.repeat(8)}-aaaa-bbbb-cccc-${'d'.repeat(12)}`,
    )
    expect(new TextEncoder().encode(clientId).length).toBeLessThanOrEqual(128)
  })
})
