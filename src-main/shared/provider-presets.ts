/**
 * Servers a model entry often points at, so adding one starts from the right API root: the OpenAI-compatible
 * endpoints each provider documents, and the default local ports of the common local servers.
 */
export interface ProviderPreset {
  id: string
  name: string
  baseUrl: string
  /** Cloud services need a key from their console; local servers need none. */
  key: { needed: true; where: string } | { needed: false }
}

export const PROVIDER_PRESETS: readonly ProviderPreset[] = [
  {
    id: 'openai',
    name: 'OpenAI',
    baseUrl: 'https://api.openai.com/v1',
    key: { needed: true, where: 'platform.openai.com' },
  },
  {
    id: 'openrouter',
    name: 'OpenRouter',
    baseUrl: 'https://openrouter.ai/api/v1',
    key: { needed: true, where: 'openrouter.ai/keys' },
  },
  {
    id: 'groq',
    name: 'Groq',
    baseUrl: 'https://api.groq.com/openai/v1',
    key: { needed: true, where: 'console.groq.com' },
  },
  {
    id: 'deepseek',
    name: 'DeepSeek',
    baseUrl: 'https://api.deepseek.com/v1',
    key: { needed: true, where: 'platform.deepseek.com' },
  },
  {
    id: 'together',
    name: 'Together AI',
    baseUrl: 'https://api.together.xyz/v1',
    key: { needed: true, where: 'api.together.ai' },
  },
  { id: 'ollama', name: 'Ollama', baseUrl: 'http://127.0.0.1:11434/v1', key: { needed: false } },
  { id: 'lm-studio', name: 'LM Studio', baseUrl: 'http://127.0.0.1:1234/v1', key: { needed: false } },
  { id: 'vllm', name: 'vLLM', baseUrl: 'http://127.0.0.1:8000/v1', key: { needed: false } },
  { id: 'llama-cpp', name: 'llama.cpp server', baseUrl: 'http://127.0.0.1:8080/v1', key: { needed: false } },
]

/** The preset whose API root this address is (trailing slash and case aside), if any. */
export function presetForBaseUrl(baseUrl: string): ProviderPreset | undefined {
  const normal = (url: string) => url.trim().replace(/\/+$/, '').toLowerCase()
  return PROVIDER_PRESETS.find((preset) => normal(preset.baseUrl) === normal(baseUrl))
}
