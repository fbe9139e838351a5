import { join } from 'node:path'
import { app } from 'electron'

/** Files in `resources/`: beside the bundle in development, unpacked next to the asar when packaged. */
export function resourcePath(file: string): string {
  return app.isPackaged
    ? join(process.resourcesPath, 'app.asar.unpacked', 'resources', file)
    : join(import.meta.dirname, '../../resources', file)
}
