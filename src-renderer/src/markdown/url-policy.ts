/**
 * Which URLs in model output may become a link or an image. Model output is untrusted, and the page's own origin
 * is the app: a relative or protocol-relative URL (`x.png`, `../../etc/hostname`, `//host/share/x.png`) would
 * resolve against it (under `file://` a protocol-relative image was an SMB request on Windows). So only absolute
 * URLs of the schemes below pass, spelled with their `//` so the browser cannot read `http:x` as relative to an
 * `http:` page; anything else stays the markdown source, as text.
 */

/** `https:` / `http:` with an authority, or `mailto:`: what the shell opens outside the app. */
const LINK_URL = /^(?:https?:\/\/[^/\\\s]|mailto:)/i
/** Fetched by the page (the CSP still decides): `https:` and inline raster images. */
const IMAGE_URL = /^(?:https:\/\/[^/\\\s]|data:image\/(?:png|jpeg|gif|webp)[;,])/i

export function isLinkUrl(url: string): boolean {
  return LINK_URL.test(url.trim())
}

/**
 * Not `data:image/svg+xml`: an `<img>` runs no script in SVG, but SVG is a whole document format (filters, nested
 * images) behind a parser model output has no need to reach; raster images cover what an answer shows inline.
 */
export function isImageUrl(url: string): boolean {
  return IMAGE_URL.test(url.trim())
}
