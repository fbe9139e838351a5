import { describe, expect, it } from 'vitest'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { describeProxy, parseProxyUrl, proxyUrl, resolveProxy } from '../../../src-main/lib/http-proxy'
import { awsClientConfig } from '../../../src-main/core/cloud/aws-http-handler'

describe('proxy settings', () => {
  it('parses a proxy URL with percent-encoded credentials', () => {
    expect(parseProxyUrl('http://jo%40corp:p%40ss%3Aword@proxy.corp.example:3128')).toEqual({
      protocol: 'http',
      host: 'proxy.corp.example',
      port: 3128,
      username: 'jo@corp',
      password: 'p@ss:word',
    })
    expect(parseProxyUrl('https://proxy.corp.example')).toEqual({
      protocol: 'https',
      host: 'proxy.corp.example',
      port: 443,
    })
    expect(parseProxyUrl(' proxy.corp.example:8080 ')).toEqual({
      protocol: 'http',
      host: 'proxy.corp.example',
      port: 8080,
    })
    expect(parseProxyUrl('http://[::1]:3128')).toMatchObject({ host: '::1', port: 3128 })
  })

  it('round-trips to a URL for agents, and describes itself without the password', () => {
    const proxy = parseProxyUrl('http://jo%40corp:p%40ss%3Aword@proxy.corp.example:3128')
    expect(parseProxyUrl(proxyUrl(proxy).href)).toEqual(proxy)
    expect(describeProxy(proxy)).toBe('http://proxy.corp.example:3128 (with credentials)')
  })

  it('refuses what is not an HTTP(S) proxy, without echoing the input', () => {
    expect(() => parseProxyUrl('socks5://jo:hunter2@proxy:1080')).toThrow(
      'The proxy must be an HTTP or HTTPS proxy, not socks5.',
    )
    const failure = (() => {
      try {
        parseProxyUrl('http://jo:hunter2@exa mple:99999')
      } catch (error) {
        return (error as Error).message
      }
    })()
    expect(failure).toMatch(/not valid/)
    expect(failure).not.toContain('hunter2')
  })

  it('prefers the setting, then HTTPS_PROXY, then https_proxy', () => {
    const env = { HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:2' }
    expect(resolveProxy({ settingsUrl: 'http://settings:3', env })).toMatchObject({ host: 'settings' })
    expect(resolveProxy({ settingsUrl: '  ', env })).toMatchObject({ host: 'upper' })
    expect(resolveProxy({ env: { https_proxy: 'http://lower:2' } })).toMatchObject({ host: 'lower' })
    expect(resolveProxy({ env: {} })).toBeUndefined()
  })

  it('gives AWS SDK clients a proxying request handler only behind a proxy', () => {
    expect(awsClientConfig({ region: 'eu-west-1' })).toEqual({ region: 'eu-west-1' })
    const config = awsClientConfig({ region: 'eu-west-1', proxy: parseProxyUrl('http://proxy:3128') })
    expect(config.requestHandler).toBeInstanceOf(NodeHttpHandler)
  })
})
