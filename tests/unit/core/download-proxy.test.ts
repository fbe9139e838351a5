import { describe, expect, it } from 'vitest'
import { HttpsProxyAgent } from 'https-proxy-agent'
import { downloadAgentFor } from '../../../src-main/core/models/download-proxy'

describe('model downloads through the proxy', () => {
  it('uses the proxy from settings for https downloads, one agent per proxy', () => {
    const agentFor = downloadAgentFor(() => 'http://user:secret@proxy.corp:3128', {})
    const agent = agentFor(new URL('https://huggingface.co/x/resolve/main/m.gguf'))
    expect(agent).toBeInstanceOf(HttpsProxyAgent)
    expect((agent as HttpsProxyAgent<string>).proxy.host).toBe('proxy.corp:3128')
    expect(agentFor(new URL('https://cdn-lfs.huggingface.co/m.gguf'))).toBe(agent)
  })

  it('falls back to HTTPS_PROXY, and goes direct without a proxy or to this machine', () => {
    expect(
      downloadAgentFor(() => undefined, { HTTPS_PROXY: 'proxy.corp:8080' })(new URL('https://huggingface.co/m.gguf')),
    ).toBeInstanceOf(HttpsProxyAgent)
    expect(downloadAgentFor(() => undefined, {})(new URL('https://huggingface.co/m.gguf'))).toBeUndefined()
    const proxied = downloadAgentFor(() => 'http://proxy.corp:3128', {})
    expect(proxied(new URL('http://127.0.0.1:8080/m.gguf'))).toBeUndefined()
    expect(proxied(new URL('https://localhost/m.gguf'))).toBeUndefined()
  })

  it('goes direct when the proxy setting cannot be used', () => {
    expect(downloadAgentFor(() => 'ftp://proxy.corp', {})(new URL('https://huggingface.co/m.gguf'))).toBeUndefined()
  })
})
