/**
 * Sizes are decimal (1 MB = 1,000,000 bytes), as the app shows them (shared/format-bytes) and as the providers'
 * documents state them; where a provider may mean binary megabytes, the decimal figure is the smaller, safe one.
 *
 * How big an attachment may be, and what each kind of target model accepts. One place, so the preparation, the
 * request builders and the tests agree.
 */
import { MAX_ATTACHMENT_INPUT_BYTES } from '../../shared/attachment'

export { MAX_ATTACHMENT_INPUT_BYTES }

/**
 * Text files are sent whole as text: 512 KB is about 130 k tokens, already more than most local models' context,
 * and a log file bigger than that wants grep, not a model.
 */
export const MAX_TEXT_BYTES = 512_000

/** A PDF's extracted text is sent like a text file, so it has the same bound (checked after extraction). */
export const MAX_PDF_TEXT_BYTES = MAX_TEXT_BYTES

/** Enough for a report or a paper; a 1,000-page PDF would take pdf.js seconds per prompt for nothing. */
export const MAX_PDF_PAGES = 300

export interface PdfTextLimits {
  /** How long one PDF's text extraction may take before the PDF is refused. */
  timeoutMs: number
  /** The extracting worker's heap: a PDF built to make pdf.js allocate without end stops there, not in main. */
  maxHeapMb: number
}

/**
 * 300 pages of text take pdf.js about a second on a laptop; 30 s is room for a slow machine, not for a PDF built to
 * keep it busy. 512 MB holds pdf.js with the largest PDF the app takes (MAX_ATTACHMENT_INPUT_BYTES) several times.
 */
export const PDF_TEXT_LIMITS: PdfTextLimits = { timeoutMs: 30_000, maxHeapMb: 512 }

export interface ImageLimits {
  /** Longest side in pixels. */
  maxSide: number
  /** Most bytes of one encoded image. */
  maxBytes: number
  /** Most images in one request. */
  maxImages: number
}

/** Amazon Bedrock Converse: 3.75 MB and 8,000 px per side per image, 20 images per request (the API's own limits). */
export const BEDROCK_IMAGE_LIMITS: ImageLimits = { maxSide: 8000, maxBytes: 3_750_000, maxImages: 20 }

/**
 * OpenAI-compatible servers (OpenAI, Ollama, LM Studio, vLLM): OpenAI scales every image to fit 2048 × 2048 before
 * its model sees it, and local vision encoders work at 336–1024 px, so more pixels only make the request bigger
 * (a base64 data URL is a third larger than the file, and local servers hold the whole body in memory). 5 MB keeps
 * a request with several images well under the body limits servers ship with; 10 images is more than local
 * vision models handle well in one context.
 */
export const OPENAI_COMPATIBLE_IMAGE_LIMITS: ImageLimits = { maxSide: 2048, maxBytes: 5_000_000, maxImages: 10 }

/**
 * What the store keeps for an image: the most generous target's limits (Bedrock's), so any target can be served by
 * downscaling further at send time and nothing is scaled twice for Bedrock.
 */
export const STORED_IMAGE_LIMITS: ImageLimits = BEDROCK_IMAGE_LIMITS
