/**
 * What a model reads besides text, by default: guessed from its name, because neither OpenAI-compatible servers nor
 * Bedrock say so in a way the app can ask before sending. The user can override the guess per model in Settings
 * (`PublicSettings.modelInputs`), which is what a model this list does not know needs.
 */
import type { ModelInputs } from './attachment'

/**
 * Model families that read images, as their names appear in Ollama's library, LM Studio, vLLM, OpenAI and Bedrock.
 * Matched against the model name (and label), case-insensitively, as whole-ish words: `gemma3` but not `gemma2`.
 */
const VISION_FAMILIES: readonly RegExp[] = [
  /llava/, // llava, bakllava, llava-llama3, llava-phi3
  /llama3\.2-vision|llama-3\.2-\d+b-vision|llama3-2-(11|90)b/, // Ollama, Hugging Face, Bedrock ids
  /llama-?4/, // Llama 4 Scout / Maverick are natively multimodal
  /qwen2(\.5)?-?vl|qwen-vl|qwen3-vl/,
  /gemma-?3(?!n)(?![:-]1b)/, // Gemma 3 4B and up read images; the 1B and 3n text builds do not
  /minicpm-v|moondream|pixtral|internvl|granite3\.2-vision|mistral-small-?3\.[12]/,
  /phi-?3\.5-vision|phi-?4-multimodal/,
  /gpt-4o|gpt-4\.1|gpt-4-turbo|gpt-5|chatgpt-4o|\bo[134](-mini)?\b/,
  /claude(?![- ]?(v?2|instant))/, // every Claude since 3; Claude 2 and Instant read text only
  /nova-(lite|pro|premier)/,
  /gemini/,
]

export interface ModelIdentity {
  provider: 'openai-compatible' | 'gguf' | 'bedrock' | 'cloud'
  /** The server's model name, a GGUF file name or a Bedrock model id; for a cloud column, its id. */
  model: string
  label?: string
}

/**
 * The embedded engine (node-llama-cpp 3.21.1) loads no multimodal projector, so a GGUF model never reads images,
 * whatever its name. Every model reads documents: text files and a PDF's text go to a text model as text.
 */
export function defaultModelInputs(model: ModelIdentity): ModelInputs {
  if (model.provider === 'gguf') return { images: false, documents: true }
  const names = `${model.model} ${model.label ?? ''}`.toLowerCase()
  return { images: VISION_FAMILIES.some((family) => family.test(names)), documents: true }
}

/** Whether a model's images setting can be changed (an embedded model cannot be made to read images). */
export function canOverrideImages(provider: ModelIdentity['provider']): boolean {
  return provider !== 'gguf'
}
