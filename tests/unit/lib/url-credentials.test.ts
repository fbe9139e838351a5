import { describe, expect, it } from 'vitest'
import { withoutUrlCredentials } from '../../../src-main/lib/url-credentials'
import { errorMessage } from '../../../src-main/lib/error-message'

describe('withoutUrlCredentials', () => {
  it('drops user and password from every URL in a text, keeping the rest', () => {
    expect(
      withoutUrlCredentials(
        'Request cannot be constructed from a URL that includes credentials: http://bob:s3cr%40t@10.0.0.5:8080/v1/chat/completions',
      ),
    ).toBe(
      'Request cannot be constructed from a URL that includes credentials: http://10.0.0.5:8080/v1/chat/completions',
    )
    expect(withoutUrlCredentials('via HTTPS://token@proxy.example and socks5://u:p@[::1]:1080 then')).toBe(
      'via HTTPS://proxy.example and socks5://[::1]:1080 then',
    )
    expect(withoutUrlCredentials('user-only://alice@host/x')).toBe('user-only://host/x')
  })

  it('leaves texts without credentials as they are, @ in a path or an email included', () => {
    for (const text of [
      'https://api.example.com/v1',
      'mail bob@example.com',
      'https://example.com/users/@me?by=a@b',
      'Could not connect to http://127.0.0.1:11434/v1 (connection refused).',
    ])
      expect(withoutUrlCredentials(text)).toBe(text)
  })

  it('is applied by errorMessage, so a client error never carries them onward', () => {
    expect(errorMessage(new TypeError('fetch failed for https://u:pw@h.example/x'))).toBe(
      'fetch failed for https://h.example/x',
    )
    expect(errorMessage('http://a:b@c')).toBe('http://c')
  })
})
