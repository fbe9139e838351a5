/**
 * 398 MB, 1.2 GB, 512 KB: sizes and download progress in decimal units (1 MB = 1,000,000 bytes), as Hugging Face
 * and the model cards state them, so a size here matches the size there.
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let value = bytes / 1000
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`
}
